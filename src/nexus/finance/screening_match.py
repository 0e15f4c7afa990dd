"""Screening's comparison: list entries and screened records as normalised parties, and the small
named feature functions whose weights add up to a hit's score and explain it to the analyst.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from followthemoney import registry
from rapidfuzz.distance import JaroWinkler

from nexus.model import model
from nexus.resolve.normalise import (
    DateValue,
    cnic_gender,
    detect_script,
    format_cnic,
    normalise_cnic,
    parse_date,
    parse_org_name,
    parse_person_name,
    skeleton,
)

PERSON = "person"
ORGANISATION = "organisation"
ENTITY = "entity"  # a legal entity of unknown kind, or a bare counterparty name: either

# Properties read from list entries and screened records, by role.
STRONG_NAMES = ("name", "alias", "previousName")
WEAK_NAMES = ("weakAlias",)
IDENTIFIERS = {
    "idNumber": "id",
    "passportNumber": "passport",
    "registrationNumber": "registration",
    "taxNumber": "tax",
    "leiCode": "lei",
    "swiftBic": "bic",
}
PERSON_COUNTRIES = ("nationality", "citizenship")
ORGANISATION_COUNTRIES = ("jurisdiction", "mainCountry")
PROPERTIES = (
    *STRONG_NAMES,
    *WEAK_NAMES,
    *IDENTIFIERS,
    *PERSON_COUNTRIES,
    *ORGANISATION_COUNTRIES,
    "fatherName",
    "birthDate",
    "gender",
    "phone",
)

# -- weights: what each feature adds to (or takes from) the name's similarity ------------------
SINGLE_WORD = 0.7  # a one-word name ("Murad") against another: weak evidence on its own
CONTAINED = 0.85  # every word of the shorter name is in the longer one
CONTAINED_ONE_WORD = 0.6  # … when the shorter name is one word
PARTIAL = 0.8  # some words of each name match
WEAK_ALIAS = 0.85  # a low-quality alias
LEGAL_FORM_MISSING = 0.9  # one organisation name has a legal form, the other none ("Rashid Trust")
SKELETON_SAME = 0.9  # two spellings with one consonant skeleton (Urdu script, vowels)
INITIAL = 0.8  # an initial or abbreviation ("M.", "Gh.") against a word it starts
ABBREVIATION = 2  # a written word this short is taken as an abbreviation of a longer one
FUZZY_FLOOR = 0.9  # Jaro-Winkler from which two words count as a misspelling
FUZZY_SHARE = 0.9
GLUED_MIN = 6  # a glued word has at least this many letters ("allahditta", "abdulrehman")
GLUED_FLOOR = 0.85  # … between a glued word and two written apart ("allahditta", "ullah ditta")
ARABIC_FLOOR = 0.8  # … between consonant skeletons, when one word came in Perso-Arabic script
ARABIC_SHARE = 0.85
ARTICLES = ("al", "el")
# Canonical tokens whose written form starts with another letter ("Allah" is canonically the
# suffix "ullah"), for matching initials: "A. Bakhsh" is "Allah Bakhsh".
WRITTEN_INITIALS = {"ullah": "a"}
ID_MATCH = 0.3
ID_NEAR = 0.05  # two CNICs one slip apart (a digit mistyped or two swapped)
ID_CONFLICT = -0.4  # a CNIC or passport is strong evidence of a different person
PHONE_MATCH = 0.2
DOB_EXACT = 0.1
DOB_PARTIAL = 0.05  # agrees as far as the less precise date goes (a year, a month)
DOB_CONFLICT = -0.2
DOB_SAME_YEAR = -0.1  # same year, another day
FATHER_MATCH = 0.1
FATHER_CONFLICT = -0.2
COUNTRY_CONFLICT = -0.1
GENDER_CONFLICT = -0.2


@dataclass(frozen=True, slots=True, eq=False)
class NameForm:
    """One name of a party, normalised: canonical tokens in written order, and initials.

    Forms are made once per distinct written name (see `person_forms`) and compared by identity,
    which keeps the comparison caches cheap.
    """

    text: str
    kind: str  # PERSON or ORGANISATION
    tokens: tuple[str, ...]
    initials: tuple[str, ...] = ()
    weak: bool = False
    legal_form: bool = False  # an organisation's name that carried a legal form (Ltd, Trust)
    arabic: bool = False  # written in Perso-Arabic script: its words come without short vowels

    items: tuple[tuple[str, bool], ...] = field(init=False)  # (word, is an initial)

    def __post_init__(self) -> None:
        items = tuple((t, False) for t in self.tokens) + tuple((i, True) for i in self.initials)
        object.__setattr__(self, "items", items)

    @property
    def key(self) -> str:
        """Order-insensitive: the same words in any order, spelling or script."""
        return " ".join(sorted(self.tokens))


@dataclass(frozen=True, slots=True)
class Party:
    """A list entry or a screened record, with what comparison needs, normalised once."""

    id: str
    kind: str  # PERSON, ORGANISATION or ENTITY
    label: str
    names: tuple[NameForm, ...]
    dataset: str = ""
    fathers: tuple[tuple[str, ...], ...] = ()
    birth_dates: tuple[DateValue, ...] = ()
    identifiers: frozenset[tuple[str, str]] = frozenset()  # (type, value): ("cnic", "5440…")
    phones: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    gender: str | None = None
    numbers: frozenset[str] = field(init=False)  # the identifiers' values, whatever their type

    def __post_init__(self) -> None:
        object.__setattr__(self, "numbers", frozenset(v for _, v in self.identifiers))


@dataclass(frozen=True, slots=True)
class Feature:
    """What one feature function found: its outcome, its weight in the score, and why."""

    name: str  # name | identifier | phone | birth_date | father | country | gender
    outcome: str  # match | partial | conflict
    weight: float
    detail: str

    def text(self) -> str:
        return f"{self.name}: {self.detail} ({self.weight:+.2f})"


@dataclass(frozen=True, slots=True)
class Hit:
    """A screened record against a list entry: the score and every feature behind it."""

    subject: str
    entry: str
    score: float
    features: tuple[Feature, ...]

    @property
    def matched(self) -> tuple[Feature, ...]:
        return tuple(f for f in self.features if f.outcome != "conflict")

    @property
    def conflicts(self) -> tuple[Feature, ...]:
        return tuple(f for f in self.features if f.outcome == "conflict")


# -- building parties ----------------------------------------------------------------------------
def kind_of(schema: str) -> str:
    found = model.get(schema)
    if found is not None and found.is_a("Person"):
        return PERSON
    if found is not None and found.is_a("Organization"):
        return ORGANISATION
    return ENTITY


@lru_cache(maxsize=1 << 18)
def person_forms(
    text: str, weak: bool = False
) -> tuple[tuple[NameForm, ...], tuple[str, ...], str | None]:
    """The forms of a person's name as written (its own and any "alias …" inside it), the
    father's tokens a "s/o …" part gives, and the gender a relation or title says."""
    parsed = parse_person_name(text)
    forms = []
    for written, name in ((text, parsed), *((a, parse_person_name(a)) for a in parsed.aliases)):
        if name.tokens:
            arabic = name.script != "latin"
            forms.append(NameForm(written, PERSON, name.tokens, name.initials, weak, False, arabic))
    return tuple(forms), parsed.father_tokens, parsed.gender


@lru_cache(maxsize=1 << 18)
def organisation_form(text: str, weak: bool = False) -> tuple[NameForm | None, bool]:
    """The organisation name's core tokens, and whether a legal form was found in it."""
    parsed = parse_org_name(text)
    tokens = tuple(t for t in parsed.tokens if t and " " not in t)
    has_form = parsed.legal_form is not None
    arabic = detect_script(text) != "latin"
    form = NameForm(text, ORGANISATION, tokens, (), weak, has_form, arabic) if tokens else None
    return form, has_form


def _forms(kind: str, text: str, weak: bool) -> tuple[list[NameForm], tuple[str, ...], str | None]:
    if kind == PERSON:
        forms, father, gender = person_forms(text, weak)
        return list(forms), father, gender
    org, has_legal_form = organisation_form(text, weak)
    if kind == ORGANISATION or has_legal_form:
        return ([org] if org else []), (), None
    # Unknown kind (a payer's name on a bank extract): a person's name and an organisation's.
    forms, father, gender = person_forms(text, weak)
    return [*forms, *([org] if org else [])], father, gender


def _identifier(prop: str, value: str) -> tuple[str, str] | None:
    cnic = normalise_cnic(value)
    if cnic:
        return ("cnic", cnic)
    reduced = "".join(ch for ch in value.upper() if ch.isalnum())
    if prop == "registrationNumber" and reduced.isdigit():
        reduced = reduced.lstrip("0") or reduced
    return (IDENTIFIERS[prop], reduced) if len(reduced) >= 4 else None


def build_party(
    entity_id: str, schema: str, values: Mapping[str, Sequence[str]], dataset: str = ""
) -> Party | None:
    """A party from an entity's property values (FtM names); None when it has no usable name."""
    kind = kind_of(schema)
    names: list[NameForm] = []
    fathers: list[tuple[str, ...]] = []
    said: str | None = None
    for prop in (*STRONG_NAMES, *WEAK_NAMES):
        for text in values.get(prop, ()):
            forms, father, gender = _forms(kind, text, prop in WEAK_NAMES)
            said = said or gender
            names.extend(
                f for f in forms if all(f.text != n.text or f.kind != n.kind for n in names)
            )
            if father and prop not in WEAK_NAMES:
                fathers.append(father)
    if not names:
        return None
    for text in values.get("fatherName", ()):
        tokens = parse_person_name(text).tokens
        if tokens:
            fathers.append(tokens)
    dates = [d for d in (parse_date(v) for v in values.get("birthDate", ())) if d is not None]
    identifiers = {
        found
        for prop in IDENTIFIERS
        for value in values.get(prop, ())
        if (found := _identifier(prop, value)) is not None
    }
    country_props = ORGANISATION_COUNTRIES if kind == ORGANISATION else PERSON_COUNTRIES
    countries = {
        code
        for prop in country_props
        for value in values.get(prop, ())
        if (code := registry.country.clean(value)) is not None
    }
    return Party(
        id=entity_id,
        kind=kind,
        label=next(iter(values.get("name", ())), names[0].text),
        names=tuple(names),
        dataset=dataset,
        fathers=tuple(dict.fromkeys(fathers)),
        birth_dates=tuple(dict.fromkeys(dates)),
        identifiers=frozenset(identifiers),
        phones=frozenset(values.get("phone", ())),
        countries=frozenset(countries),
        gender=_gender(kind, values, said, identifiers),
    )


def _gender(
    kind: str,
    values: Mapping[str, Sequence[str]],
    said: str | None,
    identifiers: Iterable[tuple[str, str]],
) -> str | None:
    """The record's own gender, else what a name's relation or title says, else the CNIC's."""
    if kind != PERSON:
        return None
    for value in values.get("gender", ()):
        cleaned = registry.gender.clean(value)
        if cleaned in ("male", "female"):
            return cleaned
    if said:
        return said
    for kind_, value in identifiers:
        if kind_ == "cnic":
            return cnic_gender(value)
    return None


# -- names ---------------------------------------------------------------------------------------
@lru_cache(maxsize=1 << 16)
def token_skeleton(token: str) -> str:
    return skeleton(token)


@lru_cache(maxsize=1 << 20)
def token_similarity(a: str, b: str, arabic: bool = False) -> float:
    """1 for one canonical token, SKELETON_SAME for one consonant skeleton (vowel spellings),
    INITIAL for an abbreviation of the other, a scaled Jaro-Winkler for a misspelling, else 0.
    `arabic`: one word came in Perso-Arabic script, so its skeleton is all it has: skeletons are
    compared with Jaro-Winkler too (ٹرانسپورٹ is "transpwrt", گڈز "gdz" against "goods")."""
    if a == b:
        return 1.0
    sa, sb = token_skeleton(a), token_skeleton(b)
    if len(sa) >= 2 and sa == sb:
        return SKELETON_SAME
    short, long_ = sorted((a, b), key=len)
    if len(short) <= ABBREVIATION < len(long_) and long_.startswith(short):
        return INITIAL
    if long_[:2] in ARTICLES and len(long_) - 2 >= 3 and token_similarity(long_[2:], short) >= 0.9:
        return SKELETON_SAME  # the Arabic article glued on: "almadina" is "al madina"
    jw = JaroWinkler.similarity(a, b)
    if jw >= FUZZY_FLOOR:
        return jw * FUZZY_SHARE
    if arabic and sa and sb:
        jw = JaroWinkler.similarity(sa, sb)
        if jw >= ARABIC_FLOOR:
            return jw * ARABIC_SHARE
    return 0.0


Items = tuple[tuple[str, bool], ...]


def initial_of(token: str) -> str:
    """The letter a written word for this token starts with."""
    return WRITTEN_INITIALS.get(token, token[:1])


def _pair_up(items_a: Items, items_b: Items, arabic: bool) -> list[tuple[float, int, int]]:
    """Greedy pairing, most alike first: (similarity, index in a, index in b)."""
    pairs = []
    for i, (x, initial_x) in enumerate(items_a):
        for j, (y, initial_y) in enumerate(items_b):
            if initial_x or initial_y:
                sim = INITIAL if initial_of(x) == initial_of(y) or x[0] == y[0] else 0.0
            else:
                sim = token_similarity(x, y, arabic)
            if sim > 0:
                pairs.append((sim, i, j))
    pairs.sort(reverse=True)
    used_a: set[int] = set()
    used_b: set[int] = set()
    chosen = []
    for sim, i, j in pairs:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            chosen.append((sim, i, j))
    return chosen


def _may_glue(items_a: Items, items_b: Items, chosen: list[tuple[float, int, int]]) -> bool:
    """A cheap look first: an unpaired word long enough to be two glued ones on one side, two
    adjacent unpaired words on the other."""
    used_a = {c[1] for c in chosen}
    used_b = {c[2] for c in chosen}
    for one, used_one, other, used_other in (
        (items_a, used_a, items_b, used_b),
        (items_b, used_b, items_a, used_a),
    ):
        if any(len(w) >= GLUED_MIN and i not in used_one for i, (w, _) in enumerate(one)) and any(
            i not in used_other and i + 1 not in used_other for i in range(len(other) - 1)
        ):
            return True
    return False


def _glued(
    items_a: Items, items_b: Items, chosen: list[tuple[float, int, int]]
) -> list[tuple[str, int]]:
    """Words one name writes glued that the other writes apart ("Allahditta" = "Allah Ditta",
    canonically "ullah" + "ditta"): each unpaired word against two adjacent unpaired ones of the
    other name. Returns (what paired, 0 when name a had the two words, 1 when name b had them)."""
    used_a = {c[1] for c in chosen}
    used_b = {c[2] for c in chosen}
    free = (
        [i for i in range(len(items_a)) if i not in used_a],
        [j for j in range(len(items_b)) if j not in used_b],
    )
    items = (items_a, items_b)
    found = []
    for side in (0, 1):
        one, other = items[side], items[1 - side]
        for i in list(free[side]):
            for j in free[1 - side]:
                if j + 1 not in free[1 - side] or one[i][1] or other[j][1] or other[j + 1][1]:
                    continue
                joined = other[j][0] + other[j + 1][0]
                if JaroWinkler.similarity(one[i][0], joined) >= GLUED_FLOOR:
                    found.append((f"{one[i][0]}~{other[j][0]}+{other[j + 1][0]}", 1 - side))
                    free[side].remove(i)
                    free[1 - side].remove(j)
                    free[1 - side].remove(j + 1)
                    break
    return found


@lru_cache(maxsize=1 << 20)
def name_similarity(a: NameForm, b: NameForm) -> tuple[float, str]:
    """How alike two names are, 0..1, and which words paired up ("gul=gul rahman~rehman").

    Words pair greedily, most alike first (a glued word may pair with two). All words of both
    names paired: their mean; all words of the shorter one: scaled by CONTAINED
    (CONTAINED_ONE_WORD for a one-word name); otherwise the paired share of the longer name,
    scaled by PARTIAL. A one-word name against a one-word name scores SINGLE_WORD when the words
    agree (same word, spelling or skeleton), less for a misspelling; a weak alias is scaled by
    WEAK_ALIAS, and an organisation name with a legal form against one without by
    LEGAL_FORM_MISSING.
    """
    items_a, items_b = a.items, b.items
    if not items_a or not items_b:
        return 0.0, ""
    arabic = a.arabic or b.arabic
    chosen = _pair_up(items_a, items_b, arabic)
    paired = [f"{items_a[i][0]}{'=' if sim == 1.0 else '~'}{items_b[j][0]}" for sim, i, j in chosen]
    total = sum(sim for sim, _, _ in chosen)
    count_a, count_b = len(items_a), len(items_b)
    if len(chosen) < min(count_a, count_b) and _may_glue(items_a, items_b, chosen):
        for text, apart in _glued(items_a, items_b, chosen):
            paired.append(text)
            total += FUZZY_SHARE
            # Two words of one name stand for one glued word of the other: count them as one.
            if apart == 0:
                count_a -= 1
            else:
                count_b -= 1
    matched = len(paired)
    short, long_ = sorted((count_a, count_b))
    if long_ == 1:
        best = max((sim for sim, _, _ in chosen), default=0.0)
        score = SINGLE_WORD if best >= SKELETON_SAME else best * SINGLE_WORD
    elif matched >= short:
        score = total / max(matched, 1)
        if short < long_:
            score *= CONTAINED if short >= 2 else CONTAINED_ONE_WORD
    else:
        score = total / long_ * PARTIAL
    if a.weak or b.weak:
        score *= WEAK_ALIAS
    if a.legal_form != b.legal_form:
        score *= LEGAL_FORM_MISSING
    return round(score, 4), " ".join(paired)


def best_name(subject: Party, entry: Party) -> tuple[float, NameForm | None, NameForm | None, str]:
    best: tuple[float, NameForm | None, NameForm | None, str] = (0.0, None, None, "")
    for a in subject.names:
        for b in entry.names:
            if a.kind != b.kind:
                continue
            score, paired = name_similarity(a, b)
            if score > best[0]:
                best = (score, a, b, paired)
    return best


@lru_cache(maxsize=1 << 18)
def _tokens_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if sorted(a) == sorted(b):
        return 1.0
    if not {t[0] for t in a} & {t[0] for t in b}:
        return 0.0  # no word of one starts like a word of the other: nothing can pair
    return name_similarity(_form(a), _form(b))[0]


@lru_cache(maxsize=1 << 18)
def _form(tokens: tuple[str, ...]) -> NameForm:
    return NameForm(" ".join(tokens), PERSON, tokens)


# -- feature functions: (subject, entry) -> Feature | None --------------------------------------
def name_feature(subject: Party, entry: Party) -> Feature | None:
    return _name_feature(best_name(subject, entry))


def _name_feature(best: tuple[float, NameForm | None, NameForm | None, str]) -> Feature | None:
    score, mine, theirs, paired = best
    if mine is None or theirs is None:
        return None
    quality = "weak alias " if theirs.weak else ""
    outcome = "match" if score >= 0.85 else "partial"
    detail = f"'{mine.text}' ~ {quality}'{theirs.text}' ({paired})"
    return Feature("name", outcome, score, detail)


def _one_slip(a: str, b: str) -> bool:
    """Same length, and one character different or two neighbours swapped."""
    if len(a) != len(b):
        return False
    diff = []
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x != y:
            diff.append(i)
            if len(diff) > 2:
                return False
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]


def _show(kind: str, value: str) -> str:
    return f"CNIC {format_cnic(value)}" if kind == "cnic" else f"{kind} {value}"


def identifier_feature(subject: Party, entry: Party) -> Feature | None:
    if not subject.identifiers or not entry.identifiers:
        return None
    shared = subject.numbers & entry.numbers
    if shared:
        kind, value = min(i for i in entry.identifiers if i[1] in shared)
        return Feature("identifier", "match", ID_MATCH, f"same {_show(kind, value)}")
    for kind in ("cnic", "passport", "registration"):
        mine = sorted(v for k, v in subject.identifiers if k == kind)
        theirs = sorted(v for k, v in entry.identifiers if k == kind)
        if not mine or not theirs:
            continue
        near = [(a, b) for a in mine for b in theirs if kind == "cnic" and _one_slip(a, b)]
        if near:
            a, b = near[0]
            detail = f"{_show(kind, a)} vs {format_cnic(b)}: one digit apart (a typing slip?)"
            return Feature("identifier", "partial", ID_NEAR, detail)
        detail = f"{_show(kind, mine[0])} vs {_show(kind, theirs[0])}"
        return Feature("identifier", "conflict", ID_CONFLICT, detail)
    return None


def phone_feature(subject: Party, entry: Party) -> Feature | None:
    shared = subject.phones & entry.phones
    if not shared:
        return None
    return Feature("phone", "match", PHONE_MATCH, f"same phone {min(shared)}")


def birth_date_feature(subject: Party, entry: Party) -> Feature | None:
    if not subject.birth_dates or not entry.birth_dates:
        return None
    pairs = [(a, b) for a in subject.birth_dates for b in entry.birth_dates]
    agree = [(a, b) for a, b in pairs if a.agrees_with(b)]
    exact = [(a, b) for a, b in agree if a.day is not None and b.day is not None]
    if exact:
        a, b = exact[0]
        return Feature("birth_date", "match", DOB_EXACT, f"born {a.iso()} = {b.iso()}")
    if agree:
        a, b = agree[0]
        return Feature("birth_date", "partial", DOB_PARTIAL, f"born {a.iso()} ~ {b.iso()}")
    a, b = min(pairs, key=lambda p: (abs(p[0].year - p[1].year), p[0].iso(), p[1].iso()))
    gap = abs(a.year - b.year)
    if gap == 1:
        return Feature("birth_date", "partial", 0.0, f"born {a.iso()} vs {b.iso()}: a year apart")
    weight = DOB_SAME_YEAR if gap == 0 else DOB_CONFLICT
    return Feature("birth_date", "conflict", weight, f"born {a.iso()} vs {b.iso()}")


def father_feature(subject: Party, entry: Party) -> Feature | None:
    if not subject.fathers or not entry.fathers:
        return None
    score, mine, theirs = max(
        (_tokens_similarity(m, t), " ".join(m), " ".join(t))
        for m in subject.fathers
        for t in entry.fathers
    )
    if score >= 0.8:
        return Feature("father", "match", FATHER_MATCH, f"father {mine} ~ {theirs}")
    if score < 0.5:
        return Feature("father", "conflict", FATHER_CONFLICT, f"father {mine} vs {theirs}")
    return Feature("father", "partial", 0.0, f"father {mine} ~ {theirs} (in part)")


def country_feature(subject: Party, entry: Party) -> Feature | None:
    if not subject.countries or not entry.countries or subject.kind == ENTITY:
        return None
    if subject.countries & entry.countries:
        shared = ", ".join(sorted(subject.countries & entry.countries))
        return Feature("country", "match", 0.0, f"both {shared}")
    mine, theirs = ", ".join(sorted(subject.countries)), ", ".join(sorted(entry.countries))
    return Feature("country", "conflict", COUNTRY_CONFLICT, f"{mine} vs {theirs}")


def gender_feature(subject: Party, entry: Party) -> Feature | None:
    if subject.gender is None or entry.gender is None or subject.gender == entry.gender:
        return None
    return Feature("gender", "conflict", GENDER_CONFLICT, f"{subject.gender} vs {entry.gender}")


FeatureFunction = Callable[[Party, Party], Feature | None]
# The name comes first and is computed once (see `score_pair`); these add to it.
OTHER_FEATURES: tuple[FeatureFunction, ...] = (
    identifier_feature,
    phone_feature,
    birth_date_feature,
    father_feature,
    country_feature,
    gender_feature,
)
FEATURES: tuple[FeatureFunction, ...] = (name_feature, *OTHER_FEATURES)


def compatible_kinds(subject: str, entry: str) -> bool:
    return subject == entry or ENTITY in (subject, entry)


# The most each feature can add, for giving up on a pair early; the cheap ones first, the
# father's name (a full name comparison) last.
UPSIDE: tuple[tuple[FeatureFunction, float], ...] = (
    (identifier_feature, ID_MATCH),
    (phone_feature, PHONE_MATCH),
    (birth_date_feature, DOB_EXACT),
    (gender_feature, 0.0),
    (country_feature, 0.0),
    (father_feature, FATHER_MATCH),
)
ORDER = {function.__name__: n for n, function in enumerate(FEATURES)}


def score_pair(
    subject: Party, entry: Party, floor: float, threshold: float | None = None
) -> Hit | None:
    """The pair's hit, or None when it cannot reach a score worth the full comparison: kinds
    that cannot be one (a person and a company), names below `floor` with no identifier or phone
    in common, or — given a `threshold` — features so far that the rest could not lift to it.
    The score is the features' weights summed, clipped to 0..1."""
    if not compatible_kinds(subject.kind, entry.kind):
        return None
    best = best_name(subject, entry)
    if best[0] < floor and not (subject.numbers & entry.numbers or subject.phones & entry.phones):
        return None
    name = _name_feature(best)
    found = [name] if name else []
    total = best[0]
    upside = sum(bonus for _, bonus in UPSIDE)
    for function, bonus in UPSIDE:
        upside -= bonus
        feature = function(subject, entry)
        if feature is not None:
            found.append(feature)
            total += feature.weight
        if threshold is not None and total + upside < threshold:
            return None
    features = tuple(sorted(found, key=lambda f: ORDER[f"{f.name}_feature"]))
    score = min(1.0, max(0.0, total))
    return Hit(subject.id, entry.id, round(score, 4), features)


def compare(subject: Party, entry: Party) -> Hit:
    """Every feature of the pair, however weak (for explaining a pair to an analyst)."""
    features = tuple(f for function in FEATURES if (f := function(subject, entry)) is not None)
    score = min(1.0, max(0.0, sum(f.weight for f in features)))
    return Hit(subject.id, entry.id, round(score, 4), features)
