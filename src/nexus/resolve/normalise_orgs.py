"""Organisation names as agencies write them: M/s prefixes, legal forms, abbreviations, scripts.

Owns OrgName and parse_org_name, and the legal-form index built from legal_forms.yml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from nexus.exceptions import ConfigError
from nexus.resolve.normalise_data import LEGAL_FORMS, read_yaml, section, string_list
from nexus.resolve.normalise_names import canonical_word
from nexus.resolve.normalise_text import latin_letters, plain, word_key, word_skeleton


@dataclass(frozen=True, slots=True)
class OrgName:
    """An organisation's name as parsed from one record."""

    original: str
    core: str  # the name without prefix, legal form and punctuation: "makran fisheries"
    legal_form: str | None  # canonical legal forms in written order: "private limited"
    tokens: tuple[str, ...]  # canonical tokens of the core (name spellings folded)

    @property
    def key(self) -> str:
        """Order-insensitive: sorted core tokens."""
        return " ".join(sorted(self.tokens))

    @property
    def skeleton(self) -> str:
        """Sorted consonant skeletons of the core tokens (compares Urdu-script names)."""
        return " ".join(sorted(s for s in (word_skeleton(t) for t in self.tokens) if s))


@dataclass(frozen=True, slots=True)
class _Forms:
    forms: dict[tuple[str, ...], str]
    longest: int
    prefixes: frozenset[tuple[str, ...]]
    registered: frozenset[str]
    stopwords: frozenset[str]
    abbreviations: dict[str, str]
    count: int


def _word_tuple(text: str) -> tuple[str, ...]:
    return tuple(plain(w) for w, _ in _words(text))


@cache
def _legal_forms() -> _Forms:
    data = read_yaml(LEGAL_FORMS)
    forms: dict[tuple[str, ...], str] = {}
    for canonical, variants in section(data, LEGAL_FORMS, "forms").items():
        for variant in [str(canonical), *string_list(variants, LEGAL_FORMS, str(canonical))]:
            words = _word_tuple(variant)
            if not words:
                raise ConfigError(f"resolve/data/{LEGAL_FORMS}: '{variant}' has no letters")
            if forms.get(words, canonical) != canonical:
                raise ConfigError(
                    f"resolve/data/{LEGAL_FORMS}: '{variant}' is in '{forms[words]}' and "
                    f"'{canonical}'"
                )
            forms[words] = str(canonical)
    abbreviations: dict[str, str] = {}
    for full, short in section(data, LEGAL_FORMS, "abbreviations").items():
        for variant in string_list(short, LEGAL_FORMS, str(full)):
            abbreviations[latin_letters(variant)] = str(full)
    prefixes = string_list(data.get("prefixes"), LEGAL_FORMS, "prefixes")
    registered = string_list(data.get("registered"), LEGAL_FORMS, "registered")
    unknown = sorted(set(registered) - set(forms.values()))
    if unknown:
        raise ConfigError(
            f"resolve/data/{LEGAL_FORMS}: registered forms {', '.join(unknown)} are not in forms"
        )
    stopwords = string_list(data.get("stopwords"), LEGAL_FORMS, "stopwords")
    return _Forms(
        forms=forms,
        longest=max(len(k) for k in forms),
        prefixes=frozenset(_word_tuple(p) for p in prefixes),
        registered=frozenset(registered),
        stopwords=frozenset(latin_letters(s) for s in stopwords),
        abbreviations=abbreviations,
        count=len(set(forms.values())),
    )


def registered_form(legal_form: str | None) -> str | None:
    """The legal form when it includes a registered one (an incorporated body, whose name its
    registry keeps unique: "exchange company private limited"), else None."""
    if not legal_form:
        return None
    padded = f" {legal_form} "
    registered = _legal_forms().registered
    return legal_form if any(f" {form} " in padded for form in registered) else None


def canonical_legal_form(text: str | None) -> str | None:
    """A legal form as written on its own ("(Pvt.) Ltd", "Private Limited Company") in the
    canonical words parse_org_name gives it ("private limited"); unknown forms as plain words."""
    if not text or not text.strip():
        return None
    # Read as the end of a name, so several forms in a row are found as they are in names.
    parsed = parse_org_name(f"x {text}")
    if parsed.core == "x" and parsed.legal_form:
        return parsed.legal_form
    return " ".join(plain(w) for w, _ in _words(text)) or None


def legal_form_count() -> int:
    """How many legal forms and business descriptors the data holds."""
    return _legal_forms().count


_SPLIT = re.compile(r"[^\w]+|_")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _words(text: str) -> list[tuple[str, bool]]:
    """(look-up key, written in Arabic script) for each word; & is "and". Latin words keep
    their digits (786 Traders), Arabic-script words are transliterated (ع as AIN)."""
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    out: list[tuple[str, bool]] = []
    for raw in _SPLIT.split(text):
        if not raw:
            continue
        if raw.isascii():
            word, arabic = _NOT_ALNUM.sub("", raw.lower()), False
        else:
            word, arabic = word_key(raw)
        if word:
            out.append((word, arabic))
    return out


@lru_cache(maxsize=65536)
def parse_org_name(text: str) -> OrgName:
    """Parse an organisation name: "M/s Makran Fisheries Pvt. Ltd." → core "makran fisheries",
    legal form "private limited". Urdu-script names are transliterated. The core keeps at least
    one word, and all of a name that is a form as a whole: "Exchange Company Ltd" has core
    "exchange company" and form "limited"; "Sole Proprietorship" is all core."""
    data = _legal_forms()
    words = _words(text)
    written = [plain(w) for w, _ in words]
    start, end = 0, len(words)
    stripped = True
    while stripped and end - start > 1:
        stripped = False
        for size in (2, 1):
            if end - start > size and tuple(written[start : start + size]) in data.prefixes:
                start += size
                stripped = True
                break
    found: list[str] = []
    # A name that is a legal form as a whole ("Sole Proprietorship") keeps all its words.
    while end - start > 1 and tuple(written[start:end]) not in data.forms:
        for size in range(min(data.longest, end - start - 1), 0, -1):
            form = data.forms.get(tuple(written[end - size : end]))
            if form is not None:
                found.append(form)
                end -= size
                break
        else:
            break
    core_words: list[str] = []
    tokens: list[str] = []
    for key, arabic in words[start:end]:
        word = plain(key)
        if word in data.stopwords and end - start > 1:
            continue
        if word in data.abbreviations:
            key = word = data.abbreviations[word]
        core_words.append(word)
        tokens.extend(canonical_word(key, arabic) if word.isalpha() else (word,))
    return OrgName(
        original=text,
        core=" ".join(core_words),
        legal_form=" ".join(reversed(found)) or None,
        tokens=tuple(tokens),
    )
