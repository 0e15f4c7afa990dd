"""The synthetic UN Security Council consolidated list: the world's listings plus unrelated padding.

Owns `write_un_list` and its name renderings (Latin spelling variants, sloppy ones, Urdu script).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from followthemoney.types import registry
from lxml import etree  # type: ignore[import-untyped,unused-ignore]  # no stubs in the venv

from nexus.scenario.model import Organisation, Person, Place, SanctionsEntry, World

# -- names in other spellings and scripts ----------------------------------------------------
SPELLINGS: dict[str, tuple[str, ...]] = {
    "muhammad": ("Mohammad", "Mohammed", "Muhammed", "Mohd"),
    "mohammad": ("Muhammad", "Mohammed", "Mohamad"),
    "ahmed": ("Ahmad",),
    "ahmad": ("Ahmed",),
    "yousaf": ("Yousuf", "Yusuf", "Yousef"),
    "yousuf": ("Yousaf", "Yusuf"),
    "rehman": ("Rahman", "Rehmaan"),
    "rahman": ("Rehman",),
    "hussain": ("Hussein", "Husain"),
    "hassan": ("Hasan",),
    "abdul": ("Abdal", "Abdool"),
    "noor": ("Nur",),
    "mahmood": ("Mehmood", "Mahmud"),
    "javed": ("Javaid",),
    "bashir": ("Basheer",),
    "karim": ("Kareem",),
    "saeed": ("Sayeed", "Said"),
    "tariq": ("Tarik",),
    "khalid": ("Khaled",),
    "omar": ("Umar",),
    "umar": ("Omar",),
    "aziz": ("Azeez",),
    "qadir": ("Qader", "Kadir"),
    "rahim": ("Raheem",),
    "zahid": ("Zaheed",),
    "shahid": ("Shaheed",),
    "sher": ("Shir",),
    "ali": ("Aly",),
    "abdullah": ("Abdollah", "Abdulla"),
    "mohamed": ("Mohammed", "Maxamed"),
    "abdirahman": ("Abdurahman", "Cabdiraxmaan"),
    "yusuf": ("Yousuf", "Yusef"),
}
# Sloppy romanisations seen in low-quality aliases: a letter group → what a careless clerk wrote.
SLOPPY: tuple[tuple[str, str], ...] = (
    *(("ou", "u"), ("u", "o"), ("aa", "a"), ("ee", "i")),
    *(("kh", "k"), ("q", "k"), ("z", "s"), ("a", "e")),
)
URDU_WORDS = {
    "muhammad": "محمد",
    "mohammad": "محمد",
    "ahmad": "احمد",
    "ahmed": "احمد",
    "ali": "علی",
    "khan": "خان",
    "abdul": "عبد",
    "rehman": "الرحمان",
    "rahman": "الرحمان",
    "yousaf": "یوسف",
    "yusuf": "یوسف",
    "gul": "گل",
    "noor": "نور",
    "sher": "شیر",
    "haji": "حاجی",
    "malik": "ملک",
    "hussain": "حسین",
    "hassan": "حسن",
    "iqbal": "اقبال",
    "javed": "جاوید",
    "imran": "عمران",
    "bashir": "بشیر",
    "akbar": "اکبر",
    "karim": "کریم",
    "sultan": "سلطان",
    "baloch": "بلوچ",
    "afridi": "آفریدی",
    "achakzai": "اچکزئی",
    "noorzai": "نورزئی",
    "abdullah": "عبداللہ",
    "omar": "عمر",
    "umar": "عمر",
    "khalid": "خالد",
    "mahmood": "محمود",
    "syed": "سید",
    "mir": "میر",
    "din": "الدین",
    "ullah": "اللہ",
}
ALEF = "\u0627"  # alef, escaped: it looks like a Latin l
# Latin letter groups → Urdu letters, longest first; short medial vowels are handled apart.
_LETTERS = {
    "sh": "ش",
    "kh": "خ",
    "gh": "غ",
    "ch": "چ",
    "th": "تھ",
    "ph": "پھ",
    "aa": ALEF,
    "ee": "ی",
    "oo": "و",
    "ou": "و",
    "ai": "ے",
    "b": "ب",
    "p": "پ",
    "t": "ت",
    "s": "س",
    "j": "ج",
    "d": "د",
    "r": "ر",
    "z": "ز",
    "f": "ف",
    "q": "ق",
    "k": "ک",
    "g": "گ",
    "l": "ل",
    "m": "م",
    "n": "ن",
    "w": "و",
    "v": "و",
    "h": "\u06c1",  # heh goal, escaped: it looks like a Latin o
    "y": "ی",
    "x": "کس",
    "c": "ک",
    "i": "ی",
    "o": "و",
    "u": "و",
    "e": "ی",
}


def _word_to_urdu(word: str) -> str:
    """A Latin word letter by letter, short medial vowels dropped as Urdu writes them."""
    lowered = word.lower()
    if lowered in URDU_WORDS:
        return URDU_WORDS[lowered]
    out, index = [], 0
    while index < len(lowered):
        if lowered.startswith("aa", index):
            out.append(ALEF)
            index += 2
            continue
        if lowered[index] == "a":
            out.append(ALEF if index == 0 or index == len(lowered) - 1 else "")
            index += 1
            continue
        if lowered[index] in "iu" and 0 < index < len(lowered) - 1:
            index += 1  # short vowels are not written
            continue
        for latin, urdu in _LETTERS.items():
            if lowered.startswith(latin, index):
                out.append(urdu)
                index += len(latin)
                break
        else:
            index += 1  # punctuation and letters without an equivalent
    return "".join(out)


@cache
def _names_to_urdu() -> Callable[[str], str] | None:
    """The scenario's own transliterator (nexus.scenario.names), when that module is present."""
    if importlib.util.find_spec("nexus.scenario.names") is None:
        return None
    module = importlib.import_module("nexus.scenario.names")
    loader = getattr(module, "load_names", None)
    to_urdu = getattr(loader(), "to_urdu", None) if callable(loader) else None
    return to_urdu if callable(to_urdu) else None


def urdu_script(name: str) -> str:
    """A name in Perso-Arabic script: the scenario's name bank if it has one, else a small table
    of common name words and a letter-by-letter fallback."""
    to_urdu = _names_to_urdu()
    if to_urdu is not None:
        written = to_urdu(name)
        if isinstance(written, str) and written.strip():
            return written
    return " ".join(w for w in (_word_to_urdu(p) for p in name.split()) if w)


def spelling_variant(name: str, rng: random.Random) -> str:
    """The same name as another clerk would spell it (Muhammad Yousaf → Mohammad Yusuf); the name
    itself when no word has a known variant."""
    words = name.split()
    options = [i for i, w in enumerate(words) if w.lower() in SPELLINGS]
    if not options:
        return name
    chosen = {i for i in options if rng.random() < 0.5} or {rng.choice(options)}
    return " ".join(
        rng.choice(SPELLINGS[w.lower()]) if i in chosen else w for i, w in enumerate(words)
    )


def sloppy_transliteration(name: str, rng: random.Random) -> str:
    """A careless romanisation (Muhammad Yousaf → Mohammad Yosaf): one or two letter groups
    replaced; always differs from the name when any rule applies."""
    lowered = name.lower()
    rules = [rule for rule in SLOPPY if rule[0] in lowered]
    if not rules:
        return f"{name}i"
    for old, new in rng.sample(rules, k=min(len(rules), rng.choice((1, 2)))):
        lowered = lowered.replace(old, new, 1)
    return " ".join(w.capitalize() for w in lowered.split())


# -- listings --------------------------------------------------------------------------------
@dataclass(slots=True)
class BirthDate:
    kind: str  # EXACT | APPROXIMATELY | BETWEEN
    date: dt.date | None = None
    year: int | None = None
    years: tuple[int, int] | None = None


@dataclass(slots=True)
class Listing:
    """One INDIVIDUAL or ENTITY of the list, before it becomes XML."""

    individual: bool
    reference: str
    list_type: str
    listed_on: dt.date
    name_parts: list[str]
    original_script: str | None = None
    comments: str = ""
    titles: list[str] = field(default_factory=list)
    gender: str | None = None
    nationalities: list[str] = field(default_factory=list)  # country names as the UN writes them
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (Good|Low, name)
    addresses: list[Place] = field(default_factory=list)
    birth_dates: list[BirthDate] = field(default_factory=list)
    birth_places: list[Place] = field(default_factory=list)
    documents: list[tuple[str, str, str]] = field(default_factory=list)  # type, number, country


def country_name(code: str) -> str:
    return registry.country.names.get(code.lower(), code.upper())


def _name_parts(name: str) -> list[str]:
    """The UN's FIRST_NAME…FOURTH_NAME, upper case; words past the fourth stay in the fourth."""
    words = name.upper().split()
    return [*words[:3], " ".join(words[3:])] if len(words) > 4 else words


def _birth_date(born: dt.date, rng: random.Random) -> BirthDate:
    roll = rng.random()
    if roll < 0.5:
        return BirthDate("EXACT", date=born)
    if roll < 0.65:
        return BirthDate("EXACT", year=born.year)
    if roll < 0.8:
        return BirthDate("APPROXIMATELY", year=born.year + rng.choice((-1, 0, 0, 1)))
    start = born.year - rng.randint(0, 2)  # a range that holds the true year
    return BirthDate("BETWEEN", years=(start, max(start + 1, born.year + rng.randint(0, 2))))


def _passport(rng: random.Random) -> str:
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
    return f"{letters}{rng.randint(0, 9_999_999):07d}"


def _person_aliases(person: Person, rng: random.Random) -> list[tuple[str, str]]:
    aliases = []
    variant = spelling_variant(person.full_name, rng)
    if variant != person.full_name:
        aliases.append(("Good", variant))
    if person.titles:
        aliases.append(("Good", f"{person.titles[0]} {person.given_name}"))
    aliases.append(("Low", sloppy_transliteration(person.full_name, rng)))
    if rng.random() < 0.5:
        first = person.given_name.split()[-1]
        aliases.append(("Low", f"{rng.choice(('Haji', 'Mullah', 'Qari', 'Ustad'))} {first}"))
    return aliases


def _person_listing(entry: SanctionsEntry, person: Person, rng: random.Random) -> Listing:
    comments = " ".join(
        part
        for part in (entry.narrative.strip(), f"Father's name is {person.father_name}.")
        if part
    )
    listing = Listing(
        individual=True,
        reference=entry.reference,
        list_type=entry.list_type,
        listed_on=entry.listed_on,
        name_parts=_name_parts(person.full_name),
        original_script=entry.name_original_script or urdu_script(person.full_name),
        comments=comments,
        titles=list(person.titles),
        gender=person.sex.capitalize(),
        nationalities=[country_name(person.nationality)],
        aliases=list(entry.aliases) or _person_aliases(person, rng),
        addresses=[person.home] if person.home else [],
        birth_dates=[_birth_date(person.birth_date, rng)],
        birth_places=[person.home] if person.home and rng.random() < 0.5 else [],
    )
    if person.cnic:
        cnic = f"{person.cnic[:5]}-{person.cnic[5:12]}-{person.cnic[12:]}"
        listing.documents.append(("National Identification Number", cnic, "Pakistan"))
    if rng.random() < 0.6:
        listing.documents.append(("Passport", _passport(rng), country_name(person.nationality)))
    return listing


def _acronym(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isalpha() and w[:1].isupper())


def _organisation_listing(entry: SanctionsEntry, org: Organisation, rng: random.Random) -> Listing:
    aliases = list(entry.aliases)
    if not aliases:
        aliases.append(("Good", spelling_variant(org.name, rng)))
    acronym = _acronym(org.name)
    if len(acronym) >= 2 and rng.random() < 0.7:
        aliases.append(("Low", acronym))
    return Listing(
        individual=False,
        reference=entry.reference,
        list_type=entry.list_type,
        listed_on=entry.listed_on,
        name_parts=[org.name.upper()],
        original_script=entry.name_original_script or urdu_script(org.name),
        comments=entry.narrative.strip(),
        aliases=[(q, n) for q, n in aliases if n.upper() != org.name.upper()],
        addresses=[org.address] if org.address else [],
    )


# -- padding: unrelated listings of the kind the real list holds -----------------------------
@dataclass(frozen=True, slots=True)
class _Style:
    prefix: str  # reference prefix without the i/e
    list_type: str
    country: str
    given: tuple[str, ...]
    family: tuple[str, ...]
    cities: tuple[tuple[str, str | None], ...]  # (city, province)
    entity_words: tuple[str, ...]


def _pool(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _cities(text: str) -> tuple[tuple[str, str | None], ...]:
    """`City/Province, City` → ((city, province), (city, None))."""
    pairs = (item.partition("/") for item in _pool(text))
    return tuple((city, province or None) for city, _, province in pairs)


STYLES = (
    _Style(
        "TA",
        "Taliban",
        "af",
        _pool(
            "Abdul Qadeer, Gul Agha, Mohammad Nabi, Noorullah, Zabihullah, Hamdullah, Abdul Baqi,"
            "Mohammad Essa, Sayed Ghiasuddin, Amir Khan, Rahmatullah"
        ),
        _pool(
            "Noorzai, Achakzai, Ishaqzai, Alizai, Kakar, Wardak, Zadran, Mangal, Safi, Shinwari,"
            "Mohmand, Popalzai, Akhund"
        ),
        _cities(
            "Kandahar, Spin Boldak/Kandahar, Lashkar Gah/Helmand, Kabul, Herat, Jalalabad/Nangarhar"
        ),
        _pool("Money Exchange, Trading Company, Hawala, Transport Company"),
    ),
    _Style(
        "QD",
        "Al-Qaida",
        "iq",
        _pool(
            "Ahmed, Ali, Hassan, Khalid, Omar, Saad, Abbas, Mahmoud, Yasir, Abu Bakr, Abdullah,"
            "Mustafa, Hamid"
        ),
        _pool(
            "al-Jubouri, al-Dulaimi, al-Obeidi, al-Rawi, al-Janabi, al-Azzawi, al-Hashimi,"
            "al-Anbari, al-Shammari"
        ),
        _cities("Mosul/Ninawa, Fallujah/Anbar, Baghdad, Ramadi/Anbar, Kirkuk"),
        _pool("Charitable Foundation, Relief Organisation, Exchange Company, Media Office"),
    ),
    _Style(
        "SO",
        "Al-Shabaab",
        "so",
        _pool("Abdirahman, Abdullahi, Mohamed, Hassan, Farah, Yusuf, Omar, Ahmed, Ibrahim, Mahad"),
        _pool("Warsame, Aden, Hirsi, Ismail, Jama, Abdi, Nur, Dahir, Osman, Hussein"),
        _cities("Mogadishu/Banadir, Kismayo/Lower Juba, Baidoa/Bay"),
        _pool("Remittance Company, Trading, Charcoal Exporters, Relief Society"),
    ),
    _Style(
        "QD",
        "Al-Qaida",
        "pk",
        _pool(
            "Muhammad, Abdul Rehman, Hafiz, Zaki, Amir, Abdul Wahid, Arif, Qari, Muhammad Yahya,"
            "Shahid"
        ),
        _pool("Qasmi, Mujahid, Makki, Rashid, Aziz, Khalid, Mehmood, Hamza"),
        _cities(
            "Muzaffarabad/Azad Kashmir, Bahawalpur/Punjab, Lahore/Punjab,"
            "Peshawar/Khyber Pakhtunkhwa, Karachi/Sindh"
        ),
        _pool("Welfare Trust, Foundation, Educational Trust, Relief Trust"),
    ),
)


def _padding_listing(
    style: _Style, reference: str, individual: bool, rng: random.Random, end: dt.date
) -> Listing:
    city, province = rng.choice(style.cities)
    place = Place(city, style.country, 0.0, 0.0, province=province)
    first_listing = dt.date(2001, 10, 6)
    listed_on = first_listing + dt.timedelta(days=rng.randint(0, (end - first_listing).days))
    if not individual:
        root = rng.choice((rng.choice(style.family).removeprefix("al-"), city, "Al-Rashid"))
        name = f"{root} {rng.choice(style.entity_words)}"
        return Listing(
            individual=False,
            reference=reference,
            list_type=style.list_type,
            listed_on=listed_on,
            name_parts=[name.upper()],
            original_script=urdu_script(name) if rng.random() < 0.5 else None,
            comments=f"Provides financial support to {style.list_type}.",
            aliases=[("Good", spelling_variant(name, rng)), ("Low", _acronym(name))],
            addresses=[place],
        )
    name = f"{rng.choice(style.given)} {rng.choice(style.family)}"
    born = dt.date(rng.randint(1955, 1995), rng.randint(1, 12), rng.randint(1, 28))
    aliases = [("Low", sloppy_transliteration(name, rng))]
    if rng.random() < 0.6:
        aliases.insert(0, ("Good", spelling_variant(name, rng)))
    listing = Listing(
        individual=True,
        reference=reference,
        list_type=style.list_type,
        listed_on=listed_on,
        name_parts=_name_parts(name),
        original_script=urdu_script(name) if rng.random() < 0.7 else None,
        comments=f"Father's name is {rng.choice(style.given)}.",
        gender="Male",
        nationalities=[country_name(style.country)],
        aliases=[(q, n) for q, n in aliases if n != name],
        addresses=[place] if rng.random() < 0.7 else [],
        birth_dates=[_birth_date(born, rng)],
        birth_places=[place] if rng.random() < 0.5 else [],
    )
    if rng.random() < 0.4:
        listing.documents.append(("Passport", _passport(rng), country_name(style.country)))
    return listing


def _padding(count: int, used: set[str], rng: random.Random, end: dt.date) -> list[Listing]:
    counters: dict[str, int] = {}
    listings = []
    for _ in range(count):
        style = rng.choice(STYLES)
        individual = rng.random() < 0.8
        prefix = f"{style.prefix}{'i' if individual else 'e'}"
        number = counters.get(prefix, 0)
        reference = ""
        while not reference or reference in used:
            number += 1
            reference = f"{prefix}.{number:03d}"
        counters[prefix] = number
        used.add(reference)
        listings.append(_padding_listing(style, reference, individual, rng, end))
    return listings


# -- XML -------------------------------------------------------------------------------------
def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _values(parent: etree._Element, tag: str, values: Sequence[str]) -> None:
    node = _sub(parent, tag)
    for value in values:
        _sub(node, "VALUE", value)


def _address(parent: etree._Element, tag: str, place: Place) -> None:
    node = _sub(parent, tag)
    _sub(node, "CITY", place.name)
    if place.province:
        _sub(node, "STATE_PROVINCE", place.province)
    _sub(node, "COUNTRY", country_name(place.country))


def _birth_date_element(parent: etree._Element, born: BirthDate) -> None:
    node = _sub(parent, "INDIVIDUAL_DATE_OF_BIRTH")
    _sub(node, "TYPE_OF_DATE", born.kind)
    if born.date is not None:
        _sub(node, "DATE", born.date.isoformat())
    elif born.year is not None:
        _sub(node, "YEAR", str(born.year))
    elif born.years is not None:
        _sub(node, "FROM_YEAR", str(born.years[0]))
        _sub(node, "TO_YEAR", str(born.years[1]))


def _listing_element(parent: etree._Element, listing: Listing, dataid: int, updated: str) -> None:
    """Elements in the order of the UN's published schema (sc-sanctions.xsd)."""
    kind = "INDIVIDUAL" if listing.individual else "ENTITY"
    node = _sub(parent, kind)
    _sub(node, "DATAID", str(dataid))
    _sub(node, "VERSIONNUM", "1")
    tags = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
    for tag, part in zip(tags, listing.name_parts, strict=False):
        _sub(node, tag, part)
    _sub(node, "UN_LIST_TYPE", listing.list_type)
    _sub(node, "REFERENCE_NUMBER", listing.reference)
    _sub(node, "LISTED_ON", listing.listed_on.isoformat())
    if listing.individual and listing.gender:
        _sub(node, "GENDER", listing.gender)
    _sub(node, "NAME_ORIGINAL_SCRIPT", listing.original_script)
    _sub(node, "COMMENTS1", listing.comments or None)
    if listing.individual:
        _values(node, "TITLE", listing.titles)
        _values(node, "NATIONALITY", listing.nationalities)
    _values(node, "LIST_TYPE", ["UN List"])
    _values(node, "LAST_DAY_UPDATED", [updated])
    for quality, alias in listing.aliases:
        alias_node = _sub(node, f"{kind}_ALIAS")
        _sub(alias_node, "QUALITY", quality)
        _sub(alias_node, "ALIAS_NAME", alias)
    for place in listing.addresses:
        _address(node, f"{kind}_ADDRESS", place)
    if not listing.individual:
        return
    for born in listing.birth_dates:
        _birth_date_element(node, born)
    for place in listing.birth_places:
        _address(node, "INDIVIDUAL_PLACE_OF_BIRTH", place)
    for doc_type, number, country in listing.documents:
        doc = _sub(node, "INDIVIDUAL_DOCUMENT")
        _sub(doc, "TYPE_OF_DOCUMENT", doc_type)
        _sub(doc, "NUMBER", number)
        _sub(doc, "ISSUING_COUNTRY", country)


def _sort_key(listing: Listing) -> tuple[str, int, str]:
    prefix, _, number = listing.reference.partition(".")
    return prefix, int(number) if number.isdigit() else 0, listing.reference


def write_un_list(world: World, path: Path, rng: random.Random, padding: int = 200) -> int:
    """Write the consolidated list XML for the world's listings plus `padding` unrelated ones;
    returns the number of listings. The same world and seed give the same bytes."""
    listings = []
    for entry in world.sanctions:
        if entry.subject in world.people:
            listings.append(_person_listing(entry, world.people[entry.subject], rng))
        elif entry.subject in world.organisations:
            org = world.organisations[entry.subject]
            listings.append(_organisation_listing(entry, org, rng))
        else:
            raise ValueError(
                f"listing {entry.reference}: no person or organisation {entry.subject}"
            )
    used = {listing.reference for listing in listings}
    listings.extend(_padding(padding, used, rng, world.end))
    generated = f"{world.end.isoformat()}T00:00:00Z"
    root = etree.Element("CONSOLIDATED_LIST", dateGenerated=generated)
    individuals = _sub(root, "INDIVIDUALS")
    entities = _sub(root, "ENTITIES")
    ordered = sorted(listings, key=_sort_key)
    for dataid, listing in enumerate(ordered, start=6_900_001):
        parent = individuals if listing.individual else entities
        _listing_element(parent, listing, dataid, listing.listed_on.isoformat())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    )
    return len(listings)
