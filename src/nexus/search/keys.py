"""Search keys: statements turned into index rows, and a query into terms, by the same rules.

Names are keyed by the resolver's spelling families (any script); identifiers by their compact form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import pairwise

import phonenumbers

from nexus.graph.vocabulary import CRIME_PROPS, LISTING_PROPS, crimes_in, lists

# The normalisers' own modules, not nexus.resolve.normalise: that one loads date parsing too,
# which every ingest would pay for.
from nexus.resolve.normalise_ids import normalise_cnic, normalise_iban, normalise_phone
from nexus.resolve.normalise_names import (
    canonical_tokens,
    is_name_family,
    parse_person_name,
)
from nexus.resolve.normalise_orgs import parse_org_name
from nexus.resolve.normalise_text import to_latin, word_skeleton
from nexus.store import IndexRow, IndexSource, SearchTerm

#: Changes whenever the rules below change what keys a statement gets: an index made with
#: other rules is rebuilt by the next update.
KEYS_VERSION = "6"

# How much a match counts, by property: the entity's own name most, then identifiers, other
# names, mentions, and last the words of free text. Names of properties not listed weigh 0.6.
NAME_WEIGHTS = {
    "name": 1.0,
    "alias": 0.9,
    "previousName": 0.8,
    "weakAlias": 0.7,
    "firstName": 0.7,
    "lastName": 0.7,
    "middleName": 0.6,
    "secondName": 0.6,
    "fatherName": 0.5,
    "motherName": 0.4,
}
MENTION_WEIGHT = 0.6
IDENTIFIER_WEIGHT = 1.2
TEXT_WEIGHTS = {"address": 0.5, "string": 0.4, "text": 0.3}
# Strings that are names or identifiers although FtM types them as plain strings.
NAME_STRINGS = frozenset(n for n in NAME_WEIGHTS if n not in {"name", "alias", "previousName"})
_ID_STRING = re.compile(r"(?:Number|Id)$")
# Codes and enumerations that every entity of a kind shares, no use to search and costly to
# keep: (schema or None for any, property). A payment's summary is its channel ("IBFT", "POS");
# a role is that of a link ("Arrested" in a case), not of anything one looks for.
SKIPPED_PROPS: frozenset[tuple[str | None, str]] = frozenset(
    {
        (None, "currency"),
        (None, "accountType"),
        (None, "unit"),
        (None, "direction"),
        (None, "role"),
        ("Payment", "summary"),
    }
)
IDENTIFIER_TYPES = frozenset({"identifier", "phone", "iban", "email"})
# Person names are parsed as people (titles, s/o); other schemata's names as organisations.
PERSON_SCHEMATA = frozenset({"Person"})

# Looser keys of name words, kept apart from words by a leading digit: the consonant skeleton
# of a word the name data does not know ("0blch" for Baloach) or does ("9blch" for Baloch), an
# initial as written ("1m" for M.), and a word's first letter ("2m" for Muhammad). A query
# word is matched by its skeleton among unknown spellings (and, when it is unknown itself,
# among known ones too: never "Muhammad" by "Mahmood"), and by a written initial.
SKELETON, KNOWN_SKELETON, INITIAL, FIRST_LETTER = "0", "9", "1", "2"
# A name word one letter from the query's ("Jakali" for Jamali: a typing slip) matches as well,
# weakly, for query words long enough that one letter seldom makes another name.
FUZZY, FUZZY_INDEXED, FUZZY_QUERIED = "3", 4, 5
SKELETON_STRENGTH = 0.6
INITIAL_STRENGTH = 0.4
FUZZY_STRENGTH = 0.3
JOINED_STRENGTH = 0.9
PREFIX_STRENGTH = 0.8

_NOT_KEY = re.compile(r"[^a-z0-9]+")
_DIGIT = re.compile(r"\d")
_NOT_DIGIT = re.compile(r"\D+")
_CHUNKS = re.compile(r"\S+")
# The first digit of a CNIC is the province of issue (1-7); IBANs are 2 letters, 2 digits, …
_CNIC = re.compile(r"(?<![\d-])[1-7]\d{4}[- ]?\d{7}[- ]?\d(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", re.IGNORECASE)


def compact(text: str) -> str:
    """Letters and digits of a text, in lowercase ASCII: the written form of any identifier."""
    return _NOT_KEY.sub("", text.lower() if text.isascii() else to_latin(text))


# -- statements to rows --------------------------------------------------------------------------
def index_rows(sources: Iterable[IndexSource], region: str = "PK") -> Iterator[IndexRow]:
    """The index rows of statements: names, identifiers and texts with their keys; countries
    and topics for the facets. Statements of other kinds (dates, amounts, links) give none."""
    for source in sources:
        yield from _rows(source, region)


def _rows(source: IndexSource, region: str) -> Iterator[IndexRow]:
    prop, kind = source.prop, source.prop_type
    if kind == "country":
        yield _row(source, "country", source.value.lower())
    if prop in LISTING_PROPS or prop in CRIME_PROPS:
        for topic in _topics(prop, source.value):
            yield _row(source, "topic", topic)
    if kind == "name" or (kind == "string" and prop in NAME_STRINGS):
        terms, size = _name_keys(source.value, source.original_value, source.schema)
        weight = NAME_WEIGHTS.get(prop, MENTION_WEIGHT)
        yield _row(source, "name", source.value, terms, size, weight)
    elif kind in IDENTIFIER_TYPES or (kind == "string" and _ID_STRING.search(prop)):
        terms = _identifier_keys(source.value, source.original_value, kind, region)
        yield _row(source, "identifier", source.value, terms, 1, IDENTIFIER_WEIGHT)
    elif kind in TEXT_WEIGHTS and not skipped(source.schema, prop):
        terms = _text_keys(source.value)
        size = terms.count(" ") + 1 if terms else 1
        yield _row(source, "text", source.value, terms, size, TEXT_WEIGHTS[kind])


def skipped(schema: str, prop: str) -> bool:
    return (None, prop) in SKIPPED_PROPS or (schema, prop) in SKIPPED_PROPS


def _row(
    source: IndexSource, kind: str, value: str, terms: str = "", size: int = 1, weight: float = 1
) -> IndexRow:
    original = source.original_value if source.original_value != source.value else None
    return IndexRow(
        source.id,
        source.entity_id,
        source.marking_id,
        source.dataset,
        source.schema,
        source.prop,
        kind,
        value,
        original if kind in ("name", "identifier", "text") else None,
        terms,
        size,
        weight,
    )


@lru_cache(maxsize=4096)
def _topics(prop: str, value: str) -> tuple[str, ...]:
    """Facet topics a value gives its entity: sanctioned or proscribed (listings), and the crime
    types it names (the network analysis's vocabulary)."""
    found: list[str] = []
    if prop in LISTING_PROPS and lists(prop, value):
        found.append("sanctioned" if value.startswith("sanction") else "proscribed")
    if prop in CRIME_PROPS:
        found.extend(crimes_in(value))
    if prop == "topics" and not found:
        found.append(value)  # an FtM topic of no listing or crime type: kept as it is
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=65536)
def _name_keys(value: str, original: str | None, schema: str) -> tuple[str, int]:
    """The keys of a name, and how many it has: spelling families of its words (titles and
    father's name included, so either may be searched), initials as written, and per word its
    consonant skeleton and first letter (see `query_terms`); digits as written. The size
    counts the name's own words and initials (not titles or legal forms)."""
    words: dict[str, None] = {}
    meaningful: dict[str, None] = {}
    joined: dict[str, None] = {}
    for text in (value, original):
        if not text:
            continue
        if schema in PERSON_SCHEMATA:
            parsed = parse_person_name(text)
            own = [*parsed.tokens, *parsed.father_tokens]
            meaningful.update(dict.fromkeys(INITIAL + i for i in parsed.initials))
        else:
            own = list(parse_org_name(text).tokens)
        meaningful.update(dict.fromkeys(own))
        words.update(dict.fromkeys(own))
        words.update(dict.fromkeys(k for k in _word_keys(text) if len(k) > 1))
        # Two words written as one elsewhere: اسحاق زئی is Ishaqzai.
        joined.update(dict.fromkeys(a + b for a, b in pairwise(own)))
    keys = dict.fromkeys(k for k in meaningful if k.startswith(INITIAL))
    keys.update(words)
    keys.update(joined)
    for word in words:
        if word.isalpha():
            keys.update(dict.fromkeys(_loose_keys(word)))
    return " ".join(keys), max(len(meaningful), 1)


@lru_cache(maxsize=65536)
def _loose_keys(word: str) -> tuple[str, ...]:
    """A name word's looser keys: its consonant skeleton, first letter, and for words of four
    letters or more the word as written for one-letter slips (its one-letter-shorter forms
    too from five letters: a five-letter query word is matched by dropping one of its own)."""
    keys: list[str] = []
    skeleton = word_skeleton(word)
    if len(skeleton) > 1:
        keys.append((KNOWN_SKELETON if is_name_family(word) else SKELETON) + skeleton)
    keys.append(FIRST_LETTER + word[0])
    if len(word) >= FUZZY_QUERIED:
        keys.extend(FUZZY + variant for variant in _deletions(word))
    elif len(word) >= FUZZY_INDEXED:
        keys.append(FUZZY + word)
    return tuple(keys)


def _deletions(word: str) -> tuple[str, ...]:
    """A word and the words one letter shorter: two words share one when they are one letter
    added, dropped or changed apart ("jamali" and "jakali" share "jaali")."""
    return (word, *dict.fromkeys(word[:i] + word[i + 1 :] for i in range(len(word))))


@lru_cache(maxsize=65536)
def _text_keys(value: str) -> str:
    return " ".join(dict.fromkeys(_word_keys(value)))


def _word_keys(text: str) -> Iterator[str]:
    """Keys of each word of a text: a chunk holding digits as one compact key ("123/2024" →
    "1232024"), other words as their spelling families."""
    for chunk in _CHUNKS.findall(text):
        yield from _chunk_keys(chunk)


@lru_cache(maxsize=65536)
def _chunk_keys(chunk: str) -> tuple[str, ...]:
    if _DIGIT.search(chunk):
        key = compact(chunk)
        return (key,) if key else ()
    return tuple(t for token in canonical_tokens(chunk) for t in token.split() if t)


def _identifier_keys(value: str, original: str | None, kind: str, region: str) -> str:
    """The compact written forms of an identifier (an IBAN's is its normalised form; a phone
    number is stored in E.164, whose compact form is the key), each whitespace-separated part
    ("FIR 123/2024"), and the 13 digits of a CNIC written with a label."""
    keys: dict[str, None] = {}
    for text in (value, original):
        if not text:
            continue
        key = compact(text)
        keys[key] = None
        chunks = _CHUNKS.findall(text)
        if len(chunks) > 1:
            keys.update(dict.fromkeys(compact(c) for c in chunks))
        if len(key) > 13 and len(_NOT_DIGIT.sub("", key)) >= 13:  # "CNIC:54401-1234567-3"
            cnic = normalise_cnic(text)
            if cnic:
                keys[cnic] = None
        if kind == "phone" and not text.startswith("+"):
            phone = normalise_phone(text, region)
            if phone:
                keys[phone.lstrip("+")] = None
    keys.pop("", None)
    return " ".join(keys)


# -- queries to terms ----------------------------------------------------------------------------
def query_terms(query: str, region: str = "PK") -> list[SearchTerm]:
    """The terms of a query, each a word an entity's visible rows must hold (any of its keys):
    CNICs, IBANs and phone numbers in any written form, chunks with digits as written, names by
    spelling family (more loosely by consonant skeleton, a written initial, or one letter off)
    and initials.
    A final `*` makes the last word a prefix. Titles and "s/o" are left out."""
    text = query.strip()
    prefix = text.endswith("*")
    text = text.rstrip("*").strip()
    terms: list[SearchTerm] = []
    text = _identifier_terms(text, region, terms)
    words: list[str] = []
    for chunk in _CHUNKS.findall(text):
        if _DIGIT.search(chunk) or "@" in chunk:  # as written: "FIR 123/2024", an e-mail
            key = compact(chunk)
            if key:
                terms.append(SearchTerm(((key, 1.0),)))
        else:
            words.append(chunk)
    tokens, initials = _query_tokens(" ".join(words))
    for index, token in enumerate(tokens):
        keys = [(token, 1.0)]
        # With the word before or after it, as one word: Ishaq Zai is Ishaqzai.
        if index > 0:
            keys.append((tokens[index - 1] + token, JOINED_STRENGTH))
        if index + 1 < len(tokens):
            keys.append((token + tokens[index + 1], JOINED_STRENGTH))
        skeleton = word_skeleton(token)
        if token.isalpha() and len(skeleton) > 1:
            keys.append((SKELETON + skeleton, SKELETON_STRENGTH))
            if not is_name_family(token):
                keys.append((KNOWN_SKELETON + skeleton, SKELETON_STRENGTH))
        if token.isalpha() and len(tokens) + len(initials) > 1:  # alone, any "M." would do
            keys.append((INITIAL + token[0], INITIAL_STRENGTH))
        if token.isalpha() and len(token) >= FUZZY_QUERIED:
            keys.extend((FUZZY + variant, FUZZY_STRENGTH) for variant in _deletions(token))
        if prefix and index == len(tokens) - 1 and words:
            keys.append((compact(words[-1]) + "*", PREFIX_STRENGTH))
        terms.append(SearchTerm(tuple(dict.fromkeys(keys))))
    for initial in initials:  # "M. Yousaf": an M, written out or not
        terms.append(
            SearchTerm(((INITIAL + initial, 1.0), (FIRST_LETTER + initial, INITIAL_STRENGTH)))
        )
    return _unique(terms)


def _query_tokens(text: str) -> tuple[list[str], list[str]]:
    """A query's name words (spelling families) and initials, without titles and "s/o"."""
    if not text.strip():
        return [], []
    parsed = parse_person_name(text)
    tokens = [*parsed.tokens, *parsed.father_tokens]
    initials = list(parsed.initials)
    if not tokens and not initials:  # only a title or a particle: search for it as written
        tokens = [t for token in canonical_tokens(text) for t in token.split()]
    return [t for t in dict.fromkeys(tokens) if t], list(dict.fromkeys(initials))


def _identifier_terms(text: str, region: str, terms: list[SearchTerm]) -> str:
    """Find CNICs, IBANs and phone numbers in a query: each becomes a term (its normalised and
    written forms), and its span is blanked so its digits are not searched again."""
    spans: list[tuple[int, int, list[str]]] = []
    for match in _CNIC.finditer(text):
        cnic = normalise_cnic(match.group(0))
        if cnic:
            spans.append((match.start(), match.end(), [cnic]))
    for match in _IBAN.finditer(text):
        if not _overlaps(spans, match.start(), match.end()):
            iban = normalise_iban(match.group(0))
            if iban:
                spans.append((match.start(), match.end(), [iban.lower()]))
    leniency = phonenumbers.Leniency.VALID
    for found in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency):
        if not _overlaps(spans, found.start, found.end):
            e164 = phonenumbers.format_number(found.number, phonenumbers.PhoneNumberFormat.E164)
            spans.append((found.start, found.end, [e164.lstrip("+")]))
    for start, end, keys in sorted(spans):
        written = compact(text[start:end])
        terms.append(SearchTerm(tuple((k, 1.0) for k in dict.fromkeys([*keys, written]))))
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _overlaps(spans: Sequence[tuple[int, int, list[str]]], start: int, end: int) -> bool:
    return any(start < e and s < end for s, e, _ in spans)


def _unique(terms: Sequence[SearchTerm]) -> list[SearchTerm]:
    return list(dict.fromkeys(terms))


__all__ = ["KEYS_VERSION", "SKIPPED_PROPS", "compact", "index_rows", "query_terms", "skipped"]
