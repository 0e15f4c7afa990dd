"""Person names as agencies write them: titles, patronymics, aliases, spelling families, scripts.

Owns PersonName, parse_person_name, canonical_token and the indexes built from the name data.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from nexus.exceptions import ConfigError
from nexus.resolve.normalise_data import (
    HONORIFICS,
    NAME_FAMILIES,
    read_yaml,
    section,
    string_list,
)
from nexus.resolve.normalise_text import (
    detect_script,
    fold,
    has_vowel,
    latin_letters,
    plain,
    word_key,
    word_skeleton,
)

RELATIONS = ("s/o", "d/o", "w/o")


# -- name families -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Families:
    exact: dict[str, str]  # a Latin spelling
    arabic: dict[str, str]  # an Urdu/Persian spelling, transliterated
    folded: dict[str, str]  # fold() of a spelling, where only one family has it
    skeletal: dict[str, str]  # consonant skeleton, where only one family has it
    surnames: frozenset[str]  # canonical family, tribal and caste names
    particles: frozenset[str]
    joins: frozenset[tuple[str, str]]  # two written words that are one name ("bi bi")
    count: int


@cache
def _families() -> _Families:
    data = read_yaml(NAME_FAMILIES)
    exact: dict[str, str] = {}
    arabic: dict[str, str] = {}
    folds: dict[str, set[str]] = defaultdict(set)
    skeletons: dict[str, set[str]] = defaultdict(set)
    surnames: set[str] = set()
    joins: set[tuple[str, str]] = set()
    count = 0
    for part in ("given", "surnames"):
        for canonical, variants in section(data, NAME_FAMILIES, part).items():
            if not isinstance(canonical, str) or latin_letters(canonical) != canonical:
                raise ConfigError(
                    f"resolve/data/{NAME_FAMILIES}: {part}: '{canonical}' must be lowercase "
                    "Latin letters"
                )
            count += 1
            if part == "surnames":
                surnames.add(canonical)
            for variant in [canonical, *string_list(variants, NAME_FAMILIES, canonical)]:
                key, is_arabic = word_key(variant)
                if not key:
                    raise ConfigError(
                        f"resolve/data/{NAME_FAMILIES}: {canonical}: '{variant}' has no letters"
                    )
                index = arabic if is_arabic else exact
                if index.get(key, canonical) != canonical:
                    raise ConfigError(
                        f"resolve/data/{NAME_FAMILIES}: '{variant}' is in both '{index[key]}' "
                        f"and '{canonical}'"
                    )
                index[key] = canonical
                words = [word_key(w)[0] for w in variant.split()]
                if len(words) == 2:
                    joins.add((words[0], words[1]))
                if index is exact and len(fold(key)) >= _MIN_FOLD:
                    folds[fold(key)].add(canonical)
                skeletons[word_skeleton(plain(key))].add(canonical)
    particles = frozenset(
        latin_letters(p) for p in string_list(data.get("particles"), NAME_FAMILIES, "particles")
    )
    return _Families(
        exact=exact,
        arabic=arabic,
        folded={k: next(iter(v)) for k, v in folds.items() if len(v) == 1},
        skeletal={k: next(iter(v)) for k, v in skeletons.items() if len(v) == 1},
        surnames=frozenset(surnames),
        particles=particles,
        joins=frozenset(joins),
        count=count,
    )


# Words shorter than this are looked up by exact spelling only: folding "ala" and "allah" to one
# key would turn Alauddin into Allah.
_MIN_FOLD = 4


@lru_cache(maxsize=65536)
def _lookup(word: str, arabic: bool) -> str | None:
    """The family of one word, given as Latin letters. A word written in Latin script is looked
    up by spelling, then by folded spelling; one written in Arabic script by its transliterated
    Urdu spellings. Either, when written without vowels (as Urdu script is), then falls back to
    the consonant skeleton where only one family has it."""
    families = _families()
    if arabic:
        found = families.arabic.get(word)
    else:
        found = families.exact.get(word)
        if found is None and len(word) >= _MIN_FOLD:
            found = families.folded.get(fold(word))
    if found is None and not arabic and not has_vowel(word):
        found = families.arabic.get(word)  # Latin consonants only: a transliteration
    if found is None and (arabic or not has_vowel(word)):
        found = families.skeletal.get(word_skeleton(plain(word)))
    return found


# Glued compounds. "Abd" + article + name (Abdurrehman, عبدالرحمن) is two tokens, abdul + name.
_ABD = re.compile(r"^[a3]bd(?:u|a|e|i)?(?:sh|l|r|s|z|n|t|d)?")
# Suffix elements written together with the name before them: Saifullah, Salahuddin.
# fmt: off
_SUFFIXES: tuple[tuple[str, str, bool], ...] = (
    # (written ending, canonical token, strong: split even when the first part is unknown)
    ("ullah", "ullah", True), ("ulla", "ullah", True), ("allah", "ullah", True),
    ("allh", "ullah", True), ("alla", "ullah", False),
    ("uddin", "din", True), ("uddeen", "din", True), ("udin", "din", True),
    ("udeen", "din", True), ("addin", "din", True), ("aldin", "din", True),
    ("aldyn", "din", True), ("aldeen", "din", True), ("din", "din", False),
    ("deen", "din", False), ("dyn", "din", False),
)
# fmt: on
# Linking particles inside a glued compound: Zia-ur-Rehman, Inam-ul-Haq, Fazal-e-Haq.
_INFIXES = ("ur", "ul", "us", "ud", "uz", "un", "ush", "al", "e", "i")


@lru_cache(maxsize=65536)
def canonical_word(word: str, arabic: bool) -> tuple[str, ...]:
    """Canonical tokens of one word given as Latin letters (`arabic`: it was written in Arabic
    script): usually one, two for a glued compound, none for a linking particle."""
    if not word:
        return ()
    found = _lookup(word, arabic)
    if found is not None:
        return (found,)
    if word in _families().particles:
        return ()
    split = _split_compound(word, arabic)
    return split if split is not None else (plain(word),)


def _split_compound(word: str, arabic: bool) -> tuple[str, ...] | None:
    match = _ABD.match(word)
    if match and match.end() >= 4 and len(word) - match.end() >= 3:
        rest = word[match.end() :]
        return ("abdul", _lookup(rest, arabic) or plain(rest))
    if word[:2] in ("al", "ul", "el") and len(word) >= 4:
        found = _lookup(word[2:], arabic)
        if found is not None:
            return (found,)
    for ending, canonical, strong in _SUFFIXES:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            head = word[: -len(ending)]
            found = _lookup(head, arabic)
            if found is not None:
                return (found, canonical)
            if strong and len(head) >= 3:
                return (plain(head), canonical)
    for i in range(2, len(word) - 2):
        for infix in _INFIXES:
            if not word.startswith(infix, i):
                continue
            left, right = word[:i], word[i + len(infix) :]
            if len(right) < 2:
                continue
            right_found = _lookup(right, arabic)
            if right_found is None:
                continue
            left_found = _lookup(left, arabic)
            if left_found is not None:
                return (left_found, right_found)
            if infix.startswith("u") and len(left) >= 3:
                return (plain(left), right_found)
    return None


def canonical_token(token: str) -> str:
    """The spelling family of one name word in any script: "Mohd" → "muhammad", "یوسف" → "yusuf".

    A word of no known family comes back as its lowercase Latin letters. A glued compound
    (Abdurrehman) gives its tokens joined by a space; a linking particle alone gives "".
    """
    return " ".join(canonical_word(*word_key(token)))


def canonical_tokens(text: str) -> tuple[str, ...]:
    """Canonical tokens of every word of a text, in written order (no titles removed)."""
    out: list[str] = []
    for raw in _WORD_SPLIT.split(text):
        if raw:
            out.extend(canonical_word(*word_key(raw)))
    return tuple(out)


def family_count() -> int:
    """How many spelling families the name data holds (given names and surnames)."""
    return _families().count


@cache
def _family_names() -> frozenset[str]:
    families = _families()
    return frozenset(families.exact.values()) | frozenset(families.arabic.values())


def is_name_family(token: str) -> bool:
    """Whether a canonical token is one of the name data's spelling families ("muhammad"), not
    a word kept as written because no family has it ("zehri")."""
    return token in _family_names()


# -- titles and the words around a name --------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Title:
    canonical: str
    kind: str  # "title" | "leading" | "trailing"
    gender: str | None


@dataclass(frozen=True, slots=True)
class _Honorifics:
    titles: dict[tuple[str, ...], _Title]
    longest: int
    markers: re.Pattern[str]
    marker_kinds: dict[str, tuple[str, str]]  # compact matched text -> (kind, canonical)
    genders: dict[str, str]  # canonical title -> "female" | "male"
    count: int


def _compact(text: str) -> str:
    return re.sub(r"[\s\-]+", "", text.lower())


def _marker_pattern(variants: list[str]) -> str:
    """One regex for all markers. Word boundaries are factored out of the alternation: a
    look-behind in each alternative would make the search ten times slower."""
    groups: dict[tuple[bool, bool], list[str]] = defaultdict(list)
    for variant in sorted(set(variants), key=len, reverse=True):
        body = "".join(
            r"[\s\-]+" if ch == " " else r"\s*/\s*" if ch == "/" else re.escape(ch)
            for ch in variant
        )
        groups[(variant[0].isalnum(), variant[-1].isalnum())].append(body)
    parts = []
    for (word_start, word_end), bodies in sorted(groups.items(), reverse=True):
        before = r"(?<!\w)" if word_start else ""
        after = r"(?!\w)" if word_end else ""
        parts.append(before + "(?:" + "|".join(bodies) + ")" + after)
    return "|".join(parts)


@cache
def _honorifics() -> _Honorifics:
    data = read_yaml(HONORIFICS)
    titles: dict[tuple[str, ...], _Title] = {}
    genders: dict[str, str] = {}
    for canonical, spec in section(data, HONORIFICS, "titles").items():
        if not isinstance(spec, dict) or spec.get("kind") not in ("title", "leading", "trailing"):
            raise ConfigError(
                f"resolve/data/{HONORIFICS}: title '{canonical}' needs kind: title, leading or "
                "trailing"
            )
        gender = spec.get("gender")
        if gender not in (None, "f", "m"):
            raise ConfigError(f"resolve/data/{HONORIFICS}: title '{canonical}': gender f or m")
        title = _Title(str(canonical), spec["kind"], gender)
        if gender:
            genders[title.canonical] = "female" if gender == "f" else "male"
        variants = [str(canonical), *string_list(spec.get("variants"), HONORIFICS, canonical)]
        for variant in variants:
            words = tuple(w for w in (latin_letters(p) for p in _WORD_SPLIT.split(variant)) if w)
            if words:
                titles[words] = title
    marker_kinds: dict[str, tuple[str, str]] = {}
    variants_seen: list[str] = []
    groups = [("relation", section(data, HONORIFICS, "relations"))]
    groups.append(("marker", section(data, HONORIFICS, "markers")))
    for group, entries in groups:
        for canonical, variants in entries.items():
            if group == "relation" and canonical not in RELATIONS:
                raise ConfigError(f"resolve/data/{HONORIFICS}: relation '{canonical}' unknown")
            kind = "relation" if group == "relation" else str(canonical)
            for variant in string_list(variants, HONORIFICS, str(canonical)):
                marker_kinds[_compact(variant)] = (kind, str(canonical))
                variants_seen.append(variant.lower().strip())
    return _Honorifics(
        titles=titles,
        longest=max(len(k) for k in titles),
        markers=re.compile(_marker_pattern(variants_seen), re.IGNORECASE),
        marker_kinds=marker_kinds,
        genders=genders,
        count=len({t.canonical for t in titles.values()}),
    )


def title_count() -> int:
    """How many titles the honorifics data holds."""
    return _honorifics().count


# -- person names ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PersonName:
    """A person's name as parsed from one record; tokens are canonical (spelling families)."""

    original: str
    script: str  # "latin" | "arabic" | "mixed"
    titles: tuple[str, ...]
    tokens: tuple[str, ...]
    family: str | None
    father_tokens: tuple[str, ...]
    relation: str | None  # "s/o" | "d/o" | "w/o" | None
    initials: tuple[str, ...]
    aliases: tuple[str, ...] = ()  # other names the record gives ("alias", "urf", "@"), as written

    @property
    def key(self) -> str:
        """Order-insensitive: sorted canonical tokens ("muhammad yusuf")."""
        return " ".join(sorted(self.tokens))

    @property
    def skeleton(self) -> str:
        """Sorted consonant skeletons of the tokens ("mhmd ysf")."""
        return _skeleton_key(self.tokens)

    @property
    def father_key(self) -> str:
        return " ".join(sorted(self.father_tokens))

    @property
    def father_skeleton(self) -> str:
        return _skeleton_key(self.father_tokens)

    @property
    def given_tokens(self) -> tuple[str, ...]:
        """The tokens without the family name (its last occurrence)."""
        if self.family is None or not self.tokens or self.tokens[-1] != self.family:
            return self.tokens
        return self.tokens[:-1]

    @property
    def gender(self) -> str | None:
        """ "male" or "female" (FollowTheMoney's values, as cnic_gender gives) where the relation
        (s/o; d/o, w/o) or a title (Mr; Mst, Begum) says it."""
        if self.relation == "s/o":
            return "male"
        if self.relation in ("d/o", "w/o"):
            return "female"
        genders = _honorifics().genders
        for title in self.titles:
            if title in genders:
                return genders[title]
        return None


def _skeleton_key(tokens: Iterable[str]) -> str:
    return " ".join(sorted(s for s in (word_skeleton(t) for t in tokens) if s))


# Word separators, with the Urdu comma, semicolon and full stop.
_WORD_SPLIT = re.compile(r"[\s\-_/.,;:()\[\]{}'\"`|+*&#!?\u060c\u061b\u06d4]+")
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}")
_DIGITS = re.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9]+")


@dataclass(frozen=True, slots=True)
class _Segments:
    own: str
    relation: str | None
    father: str
    aliases: tuple[str, ...]
    caste: str


def _segments(text: str) -> _Segments:
    """Cut a record's name field at its markers: relation, alias, residence, caste."""
    honorifics = _honorifics()
    own_end = len(text)
    relation: str | None = None
    father = ""
    aliases: list[str] = []
    caste = ""
    matches = list(honorifics.markers.finditer(text))
    for index, match in enumerate(matches):
        kind, canonical = honorifics.marker_kinds.get(_compact(match.group()), ("", ""))
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        body = text[match.end() : end]
        own_end = min(own_end, match.start())
        if kind == "relation" and relation is None:
            relation, father = canonical, body
        elif kind == "alias" and relation is None:
            aliases.append(body.strip(" .,:;-"))
        elif kind == "caste" and not caste:
            caste = body
        elif kind == "residence":
            break
    return _Segments(text[:own_end], relation, father, tuple(a for a in aliases if a), caste)


def _words(text: str) -> list[tuple[str, bool, bool]]:
    """(look-up key, written in Arabic script, is an initial) for each word of a name part."""
    text = _DIGITS.sub(" ", _BRACKETS.sub(" ", text))
    parts = [p.strip() for p in text.split(",")]
    parts = [p for p in parts if _WORD_SPLIT.sub("", p)]
    if len(parts) == 2 and len(_WORD_SPLIT.split(parts[0].strip())) <= 3:
        text = f"{parts[1]} {parts[0]}"  # "Family, Given" → "Given Family"
    out: list[tuple[str, bool, bool]] = []
    for raw in _WORD_SPLIT.split(text):
        if not raw:
            continue
        key, arabic = word_key(raw)
        if key:
            out.append((key, arabic, len(key) == 1 and not arabic))
    families = _families()
    words: list[tuple[str, bool, bool]] = []
    for i, item in enumerate(out):
        if words and (words[-1][0], item[0]) in families.joins:
            words[-1] = (words[-1][0] + item[0], item[1], False)  # "bi bi" is one word
        elif item[2] and item[0] in families.particles and 0 < i < len(out) - 1 and words:
            if words[-1][2]:
                words.append(item)  # after an initial it is an initial too (M. E. Khan)
            # else: a one-letter linking particle between two names (Fazal e Haq)
        else:
            words.append(item)
    return words


def _strip_titles(words: list[tuple[str, bool, bool]]) -> tuple[list[str], int, int]:
    """Titles found, and the start and end of the words left once they are removed."""
    honorifics = _honorifics()
    titles: list[str] = []
    start, end = 0, len(words)
    written = [plain(w) for w, _, _ in words]
    while start < end:
        for size in range(min(honorifics.longest, end - start), 0, -1):
            title = honorifics.titles.get(tuple(written[start : start + size]))
            if title is None or title.kind == "trailing":
                continue
            rest = [w for w in words[start + size : end] if not w[2]]
            if not rest:
                continue
            if title.kind == "leading" and all(_is_title(plain(w)) for w, _, _ in rest):
                continue
            titles.append(title.canonical)
            start += size
            break
        else:
            break
    while end - start > 1:
        title = honorifics.titles.get((written[end - 1],))
        if title is None or title.kind != "trailing":
            break
        end -= 1
    return titles, start, end


def _is_title(word: str) -> bool:
    title = _honorifics().titles.get((word,))
    return title is not None and title.kind != "trailing"


def _name_part(text: str) -> tuple[list[str], list[str], list[str]]:
    """Titles, canonical tokens and initials of one name part (own or father's)."""
    words = _words(text)
    titles, start, end = _strip_titles(words)
    tokens: list[str] = []
    initials: list[str] = []
    for word, arabic, initial in words[start:end]:
        if initial:
            initials.append(word)
        else:
            tokens.extend(canonical_word(word, arabic))
    return titles, tokens, initials


def parse_person_name(text: str, father: str | None = None) -> PersonName:
    """Parse a person's name as written in a record (any script, with titles and s/o parts).

    `father` is the father's or husband's name from a separate field; it takes precedence over a
    "s/o …" part of the text. Deterministic and cached per word.
    """
    segments = _segments(text)
    titles, tokens, initials = _name_part(segments.own)
    father_text = father if father is not None and father.strip() else segments.father
    father_tokens: list[str] = []
    if father_text:
        father_segments = _segments(father_text)
        _, father_tokens, _ = _name_part(father_segments.own)
    family: str | None = None
    surnames = _families().surnames
    if tokens and tokens[-1] in surnames:
        family = tokens[-1]
    elif segments.caste:
        caste_tokens = _name_part(segments.caste)[1]
        if caste_tokens:
            family = caste_tokens[-1]
    return PersonName(
        original=text,
        script=detect_script(text),
        titles=tuple(titles),
        tokens=tuple(tokens),
        family=family,
        father_tokens=tuple(father_tokens),
        relation=segments.relation,
        initials=tuple(initials),
        aliases=segments.aliases,
    )


def names_compatible(a: PersonName, b: PersonName) -> bool:
    """Whether two names can be one person's, looser than equal keys.

    Every given token of the name with fewer given tokens must be among the other's tokens (same
    canonical token or same skeleton); every initial must start a token or initial of the other
    name; family names must agree where both have one. "M. Yousuf Khan" fits "Muhammad Yousaf";
    "Ali Khan" does not fit "Akbar Khan", and a family name alone fits nothing.
    """
    if a.family and b.family and word_skeleton(a.family) != word_skeleton(b.family):
        return False
    short, long_ = sorted((a, b), key=lambda n: (len(n.given_tokens), n.key))
    if not short.given_tokens:
        return False
    pool = list(long_.tokens)
    for token in short.given_tokens:
        if not _take(pool, token):
            return False
    for one, other in ((a, b), (b, a)):
        starts = {t[0] for t in (*other.tokens, *other.initials)}
        if any(initial not in starts for initial in one.initials):
            return False
    return True


def _take(pool: list[str], token: str) -> bool:
    """Remove the first token of the pool that is the token or has its skeleton."""
    skeleton = word_skeleton(token)
    for i, candidate in enumerate(pool):
        if candidate == token or word_skeleton(candidate) == skeleton:
            del pool[i]
            return True
    return False


__all__ = [
    "RELATIONS",
    "PersonName",
    "canonical_token",
    "canonical_tokens",
    "family_count",
    "is_name_family",
    "names_compatible",
    "parse_person_name",
    "title_count",
]
