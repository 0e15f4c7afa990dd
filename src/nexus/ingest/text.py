"""Free-text reports (JSON lines) as FtM Article / PlainText entities with the mentions in them.

Owns the "text" format and its small pattern-based extractors (phones, CNICs, IBANs, names, …).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
from followthemoney.property import Property
from followthemoney.types import registry
from followthemoney.util import make_entity_id

from nexus.ingest.formats import EntityFormat, register_format
from nexus.ingest.mapping import RowError, entity_statements
from nexus.ingest.sources import SourceRow, read_json_lines
from nexus.model import model
from nexus.store import Marking, NewStatement

DEFAULT_REGION = "PK"  # national numbers (0300-1234567) are read as Pakistani

# -- identifiers -----------------------------------------------------------------------------
# The first digit is the province of issue (1-7); 0093701234567 is a phone, not a CNIC.
_CNIC = re.compile(r"(?<![\d-])([1-7]\d{4})[- ]?(\d{7})[- ]?(\d)(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    """The text with the pattern's matches blanked, so digits are not read twice."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def extract_cnics(text: str) -> list[str]:
    """13-digit CNICs (first digit 1-7, the province), with or without dashes or spaces, written
    `XXXXX-XXXXXXX-X`."""
    return _unique(f"{a}-{b}-{c}" for a, b, c in _CNIC.findall(text))


def extract_ibans(text: str) -> list[str]:
    """IBANs whose check digits are right (`PK36 SCBL 0000 0011 2345 6702` → compact form)."""
    found = []
    for match in _IBAN.finditer(text):
        cleaned = registry.identifier.clean(match.group(0).replace(" ", ""), format="iban")
        if cleaned is not None:
            found.append(cleaned)
    return _unique(found)


def extract_emails(text: str) -> list[str]:
    found = (registry.email.clean(m.group(0).rstrip(".")) for m in _EMAIL.finditer(text))
    return _unique(e for e in found if e is not None)


def extract_ips(text: str) -> list[str]:
    found = (registry.ip.clean(m.group(0)) for m in _IPV4.finditer(text))
    return _unique(ip for ip in found if ip is not None)


def extract_phones(text: str, region: str = DEFAULT_REGION) -> list[str]:
    """Valid phone numbers as E.164: international (+93…, 0098…, 971…) and national ones, the
    latter read in `region`. CNICs and IBANs are masked first so their digits are not phones."""
    masked = _mask(_mask(text, _CNIC), _IBAN)
    found = []
    leniency = phonenumbers.Leniency.VALID
    for match in phonenumbers.PhoneNumberMatcher(masked, region, leniency=leniency):
        found.append(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    return _unique(found)


# -- quantities ------------------------------------------------------------------------------
COMMODITIES = (
    "acetic anhydride",
    "crystal meth",
    "methamphetamine",
    "heroin",
    "opium",
    "morphine",
    "hashish",
    "charas",
    "cannabis",
    "cocaine",
    "ice",
    "precursors",
    "chemicals",
)
COUNTED = (
    "migrants",
    "persons",
    "passengers",
    "pistols",
    "rifles",
    "kalashnikovs",
    "weapons",
    "rounds",
    "cartridges",
    "grenades",
    "passports",
    "vehicles",
    "containers",
)
_NUMBER = r"\d+(?:[.,]\d+)*"
_MEASURE = re.compile(
    rf"({_NUMBER})\s*(kg|kgs|kilograms?|grams?|g|tonnes?|tons?|litres?|liters?)\b"
    rf"(?:\s+(?:of\s+)?({'|'.join(COMMODITIES)})\b)?",
    re.IGNORECASE,
)
_COUNT = re.compile(rf"\b(\d+)\s+({'|'.join(COUNTED)})\b", re.IGNORECASE)
_MONEY = re.compile(
    rf"\b(PKR|Rs\.?|USD|US\$|AED|AFN|IRR|SAR|GBP|EUR)\s?({_NUMBER})(?:\s+(million|billion))?\b"
)
_UNIT = {"kgs": "kg", "kilogram": "kg", "kilograms": "kg", "gram": "g", "grams": "g"}
_UNIT.update({"liter": "litre", "liters": "litre", "litres": "litre", "ton": "tonne"})
_UNIT.update({"tons": "tonne", "tonnes": "tonne"})
_CURRENCY = {"rs": "PKR", "rs.": "PKR", "us$": "USD"}


def extract_quantities(text: str) -> list[str]:
    """Amounts as written in seizure reports, normalised: `12.5 kg heroin`, `14 migrants`,
    `USD 50,000`, `PKR 2.5 million`."""
    found = []
    for number, unit, commodity in _MEASURE.findall(text):
        unit = _UNIT.get(unit.lower(), unit.lower())
        found.append(" ".join(p for p in (number, unit, commodity.lower()) if p))
    found.extend(f"{number} {noun.lower()}" for number, noun in _COUNT.findall(text))
    for currency, number, scale in _MONEY.findall(text):
        code = _CURRENCY.get(currency.lower(), currency.upper())
        found.append(" ".join(p for p in (code, number, scale) if p))
    return _unique(found)


# -- names -----------------------------------------------------------------------------------
TITLES = (
    *("Haji", "Hajji", "Malik", "Sardar", "Syed", "Sayed", "Mian", "Chaudhry", "Ch."),
    *("Mullah", "Maulana", "Mufti", "Mir", "Khawaja", "Nawab", "Pir", "Sheikh", "Qari"),
)
_TRIGGERS = r"accused|suspect|suspects|one|namely|identified as|named|alias|driver|courier|mr\.?"
_TOKEN = r"(?:[A-Z][a-z]+(?:[-'][A-Za-z][a-z]*)*|M\.|Ch\.)"
_PARTICLE = r"(?:ud|ur|ul|al|el|bin|bint|ibn)"  # Noor ud Din, Zia ul Haq
_NAME = rf"{_TOKEN}(?:\s+(?:{_PARTICLE}\s+)?{_TOKEN}){{0,4}}"
_PATRONYMIC = re.compile(rf"({_NAME})\s*,?\s+[sdw]/o\s+({_NAME})")
_TRIGGERED = re.compile(rf"\b(?i:{_TRIGGERS})\s+({_NAME})")
_TITLED = re.compile(rf"(?<![\w.])(?:{'|'.join(re.escape(t) for t in TITLES)})\s+({_NAME})")
# Capitalised words that begin sentences or name institutions, not people.
_STOPWORDS_TEXT = """
    accused suspect suspects one the a an he she they police anf fia customs levies court
    special judge station district division city town village road highway border post
    checkpost check on in at near from to of and with by was were has had his her their
    resident residents official officials sources source report reports according said
    later after before during while when team teams officers officer raid raids operation
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_TITLE_WORDS = frozenset(t.lower() for t in TITLES)
_COMPANY = re.compile(
    r"((?:[A-Z][\w&'-]*\s+){1,5})(\(Pvt\.?\)\s+Ltd\.?|\(Private\)\s+Limited|Ltd\.?|Limited|"
    r"Traders|Enterprises|Exchange Company|Exchange|Goods Transport|Transport Company|"
    r"Travels|Travel Agency|Foundation|Trust)(?![\w])"
)


def _trim_name(name: str) -> str | None:
    """A candidate name without leading titles/stopwords and trailing stopwords; at least two
    words (a single given name is too weak to be worth a mention)."""
    words = name.split()
    while words and words[0].lower() in STOPWORDS | _TITLE_WORDS:
        words.pop(0)
    while words and words[-1].lower() in STOPWORDS:
        words.pop()
    return " ".join(words) if len(words) >= 2 else None


def extract_people(text: str) -> list[str]:
    """Names of people as Pakistani reports write them: `X s/o Y` (X), `accused X`, `one X`,
    and after a title (`Haji X`; the title is dropped)."""
    found: list[str] = []
    for pattern in (_PATRONYMIC, _TRIGGERED, _TITLED):
        for match in pattern.finditer(text):
            name = _trim_name(match.group(1))
            if name is not None:
                found.append(name)
    return _unique(found)


def extract_fathers(text: str) -> list[str]:
    """The Y of `X s/o Y`, `d/o`, `w/o`: a relative's name, context rather than a subject."""
    found = (_trim_name(m.group(2)) for m in _PATRONYMIC.finditer(text))
    return _unique(n for n in found if n is not None)


def extract_companies(text: str) -> list[str]:
    """Names that end in a legal form or a trade word: `Makran Fisheries (Pvt) Ltd`."""
    found = []
    for lead, form in _COMPANY.findall(text):
        words = lead.split()
        while words and words[0].lower() in STOPWORDS:
            words.pop(0)
        if words:
            found.append(" ".join([*words, form.rstrip(".")]))
    return _unique(found)


# -- places ----------------------------------------------------------------------------------
_PREPOSITION = re.compile(
    r"\b(?:near|at|in|from|to|via|outside|off|of)\s+((?:[A-Z][a-z]+)(?:[ -][A-Z][a-z]+){0,2})"
)
_COUNTRY_NAMES = {
    name: code for code, name in registry.country.names.items() if name and name[0].isupper()
}
_COUNTRY = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _COUNTRY_NAMES), key=len, reverse=True)) + r")\b"
)


def extract_countries(text: str) -> list[str]:
    """ISO codes of countries named in the text by FtM's English country names."""
    return _unique(_COUNTRY_NAMES[m.group(1)] for m in _COUNTRY.finditer(text))


def extract_places(text: str, not_places: Iterable[str] = ()) -> list[str]:
    """Places: country names, and one to three capitalised words after a preposition (`near
    Chaman`, `at Port Qasim`), unless they start with a stopword or a title, or begin a name
    in `not_places` (people and companies found in the same text)."""
    names = [n.lower() for n in not_places]
    found = [m.group(1) for m in _COUNTRY.finditer(text)]
    for match in _PREPOSITION.finditer(text):
        words = match.group(1).split()
        while words and words[-1].lower() in STOPWORDS:
            words.pop()
        place = " ".join(words)
        first = words[0].lower() if words else ""
        if not place or first in STOPWORDS or first in _TITLE_WORDS:
            continue
        if any(n == place.lower() or n.startswith(f"{place.lower()} ") for n in names):
            continue
        found.append(place)
    return _unique(found)


@dataclass(slots=True)
class Mentions:
    """What the extractors found in one text."""

    people: list[str] = field(default_factory=list)
    fathers: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    cnics: list[str] = field(default_factory=list)
    ibans: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)
    quantities: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)


def extract_mentions(text: str, region: str = DEFAULT_REGION) -> Mentions:
    people, fathers = extract_people(text), extract_fathers(text)
    companies = extract_companies(text)
    return Mentions(
        people=people,
        fathers=fathers,
        companies=companies,
        phones=extract_phones(text, region),
        cnics=extract_cnics(text),
        ibans=extract_ibans(text),
        emails=extract_emails(text),
        ips=extract_ips(text),
        quantities=extract_quantities(text),
        places=extract_places(text, [*people, *fathers, *companies]),
        countries=extract_countries(text),
    )


# -- the format ------------------------------------------------------------------------------
def read_reports(path: Path, encoding: str) -> Iterator[SourceRow]:
    """JSON lines, each row named by its report id (`report=ANF-SR-0001`)."""
    for row in read_json_lines(path, encoding):
        report_id = row.record.get("id")
        if isinstance(report_id, str | int) and str(report_id).strip():
            row = SourceRow(row.number, row.record, row.problem, f"report={report_id}")
        yield row


def _required_text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise RowError(f"a report needs `{key}` (text)", field=key)
    return value.strip()


def _optional_text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise RowError(f"`{key}` must be text, not {type(value).__name__}", field=key)
    return value.strip()


def report_statements(
    record: dict[str, Any], dataset: str, origin: str, marking: Marking
) -> list[NewStatement]:
    """One report as a PlainText (an agency's situation report: it has `agency`) or an Article
    (press: no `agency`), with its mentions; a missing id/body or an unreadable date is a
    RowError."""
    report_id = _required_text(record, "id")
    body = _required_text(record, "body")
    source = _required_text(record, "source")
    title = _optional_text(record, "title")
    agency = _optional_text(record, "agency")
    raw_date = _optional_text(record, "date")
    date = registry.date.clean(raw_date) if raw_date else None
    if raw_date and date is None:
        raise RowError(f"cannot read {raw_date!r} as a date", field="date")
    schema = model.get("PlainText" if agency else "Article")
    assert schema is not None
    values: list[tuple[Property, str, str | None]] = []

    def add(prop_name: str, items: Iterable[str | None]) -> None:
        prop = schema.get(prop_name)
        assert prop is not None, prop_name
        for item in items:
            cleaned = prop.type.clean(item) if item else None
            if cleaned is not None and not any(v[0] == prop and v[1] == cleaned for v in values):
                values.append((prop, cleaned, None))

    add("fileName", [report_id])
    add("messageId", [report_id])
    add("title", [title])
    add("bodyText", [body])
    add("publisher", [source])
    add("date", [date])
    add("authoredAt" if agency else "publishedAt", [date])
    add("author", [agency])
    found = extract_mentions(f"{title or ''}\n{body}")
    add("peopleMentioned", found.people)
    add("namesMentioned", found.fathers)
    add("companiesMentioned", found.companies)
    add("phoneMentioned", found.phones)
    add("emailMentioned", found.emails)
    add("ibanMentioned", found.ibans)
    add("ipMentioned", found.ips)
    add("locationMentioned", found.places)
    add("detectedCountry", found.countries)
    add("keywords", [*found.cnics, *found.quantities])
    add("summary", ["; ".join(found.quantities)])
    entity_id = make_entity_id(dataset, "report", report_id)
    assert entity_id is not None
    return entity_statements(entity_id, schema.name, values, dataset, origin, marking)


TEXT_FORMAT = register_format(
    EntityFormat(
        name="text",
        suffixes=(".reports.jsonl",),
        read=read_reports,
        statements=report_statements,
        description="free-text reports, one JSON object a line (id, date, source, title, body, "
        "agency): an Article or PlainText each, with extracted mentions",
    )
)
