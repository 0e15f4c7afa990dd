"""The UN Security Council consolidated sanctions list (XML) as FtM Person/Organization + Sanction.

Owns the "unsc" entity format: one record per INDIVIDUAL or ENTITY, ids from the reference number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from followthemoney.property import Property
from followthemoney.schema import Schema
from followthemoney.types import registry
from lxml import etree  # type: ignore[import-untyped,unused-ignore]  # no stubs in the venv

from nexus.exceptions import SourceError
from nexus.ingest.formats import EntityFormat, register_format
from nexus.ingest.mapping import RowError, entity_statements
from nexus.ingest.sources import SourceRow
from nexus.model import model
from nexus.store import Marking, NewStatement

AUTHORITY = "United Nations Security Council"
LIST_URL = "https://www.un.org/securitycouncil/content/un-sc-consolidated-list"
ROOT_TAG = "CONSOLIDATED_LIST"
LISTING_TAGS = {"INDIVIDUAL": "individual", "ENTITY": "entity"}
NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
# QUALITY of an alias → the FtM property it goes to; a name of unstated quality is weak evidence.
ALIAS_PROPERTY = {"good": "alias", "a.k.a.": "alias", "low": "weakAlias", "f.k.a.": "previousName"}
MAX_RANGE_YEARS = 10  # a BETWEEN range up to this wide gives every year; wider, only its ends
_FATHER = re.compile(r"father'?s name is ([^.;,()]+)", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"^\d{4}$")


# -- reading ---------------------------------------------------------------------------------
def _localname(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def element_record(element: etree._Element) -> dict[str, Any]:
    """An XML element as JSON-able data: each child tag → list of texts or nested records."""
    record: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions
        value: Any = element_record(child) if len(child) else (child.text or "").strip() or None
        record.setdefault(_localname(child), []).append(value)
    return record


def read_unsc(path: Path, encoding: str) -> Iterator[SourceRow]:
    """One row per INDIVIDUAL and ENTITY, numbered by the line its element starts on.

    XML declares its own encoding, so `encoding` is not used. A file that is not well-formed
    XML, or not a consolidated list, stops the run with a SourceError naming file and line."""
    del encoding
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise SourceError(f"{path}: cannot open: {exc.strerror or exc}") from exc
    with fh:
        try:
            yield from _listings(path, fh)
        except etree.XMLSyntaxError as exc:
            line = exc.lineno if exc.lineno is not None else "?"
            raise SourceError(
                f"{path} line {line}: not well-formed XML ({exc.msg}); the file is damaged or "
                "truncated: download the consolidated list again"
            ) from exc


def _listings(path: Path, fh: IO[bytes]) -> Iterator[SourceRow]:
    events = etree.iterparse(
        fh,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
    )
    root_seen = False
    for event, element in events:
        tag = _localname(element)
        if event == "start":
            if not root_seen and tag != ROOT_TAG:
                raise SourceError(
                    f"{path} line {element.sourceline}: not a UN consolidated list "
                    f"(the root element is <{tag}>, expected <{ROOT_TAG}>)"
                )
            root_seen = True
            continue
        kind = LISTING_TAGS.get(tag)
        if kind is None:
            continue
        record = {"_kind": tag, **element_record(element)}
        reference = _text(record, "REFERENCE_NUMBER")
        yield SourceRow(
            number=element.sourceline or 0,
            record=record,
            ref=f"{kind}={reference}" if reference else None,
        )
        element.clear(keep_tail=True)  # a consolidated list has thousands of listings
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]


# -- record helpers --------------------------------------------------------------------------
def _texts(record: dict[str, Any], tag: str) -> list[str]:
    return [v for v in record.get(tag) or [] if isinstance(v, str) and v.strip()]


def _text(record: dict[str, Any], tag: str) -> str | None:
    found = _texts(record, tag)
    return found[0] if found else None


def _nodes(record: dict[str, Any], tag: str) -> list[dict[str, Any]]:
    return [v for v in record.get(tag) or [] if isinstance(v, dict)]


def _values(record: dict[str, Any], tag: str) -> list[str]:
    """Texts of <TAG><VALUE>…</VALUE></TAG> (NATIONALITY, TITLE, DESIGNATION)."""
    return [value for node in _nodes(record, tag) for value in _texts(node, "VALUE")]


def unsc_entity_id(reference: str) -> str:
    """A stable id from the reference number: QDi.123 → unsc-qdi-123 (same in every dataset)."""
    return "unsc-" + re.sub(r"[^a-z0-9]+", "-", reference.lower()).strip("-")


class _Values:
    """Clean property values for one entity; a value its type cannot read is a RowError, except
    a country, whose words go to `notes` (the list writes free text there at times, and losing a
    listing from screening is worse than a missing country code)."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.items: list[tuple[Property, str, str | None]] = []

    def add(self, prop_name: str, raw: str | None, field: str) -> None:
        if raw is None or not raw.strip():
            return
        prop = self.schema.get(prop_name)
        if prop is None:
            raise KeyError(f"{self.schema.name} has no property {prop_name}")
        cleaned = prop.type.clean(raw.strip())
        if cleaned is None and prop.type == registry.country:
            cleaned = prop.type.clean(raw, fuzzy=True)
            if cleaned is None and self.schema.get("notes") is not None:
                self.add("notes", f"{field}: {raw.strip()}", field)
                return
        if cleaned is None:
            raise RowError(
                f"cannot read {raw!r} as {prop.type.label.lower()} for "
                f"{self.schema.name}.{prop_name}",
                field=field,
            )
        entry = (prop, cleaned, raw.strip())
        if not any(e[0] == prop and e[1] == cleaned for e in self.items):
            self.items.append(entry)


# -- mapping ---------------------------------------------------------------------------------
def birth_dates(dob: dict[str, Any], field: str) -> list[str]:
    """FtM dates for one INDIVIDUAL_DATE_OF_BIRTH: an EXACT date as is; a YEAR, or an
    APPROXIMATELY date, as its year; a BETWEEN range as each year in it (its ends, if wide)."""
    kind = (_text(dob, "TYPE_OF_DATE") or "EXACT").upper()
    date = _text(dob, "DATE")
    if date is not None:
        if not _ISO_DATE.match(date) or registry.date.clean(date[:10]) is None:
            raise RowError(f"cannot read {date!r} as a date of birth", field=f"{field}/DATE")
        return [date[:4]] if kind == "APPROXIMATELY" else [date[:10]]
    year = _text(dob, "YEAR")
    if year is not None:
        return [_year(year, f"{field}/YEAR")]
    start, end = _text(dob, "FROM_YEAR"), _text(dob, "TO_YEAR")
    if start is None and end is None:
        return []
    if start is None or end is None:
        one, tag = (start, "FROM_YEAR") if start is not None else (end, "TO_YEAR")
        return [_year(one or "", f"{field}/{tag}")]
    first, last = int(_year(start, f"{field}/FROM_YEAR")), int(_year(end, f"{field}/TO_YEAR"))
    if last < first:
        raise RowError(f"birth year range {start}-{end} ends before it starts", field=field)
    if last - first > MAX_RANGE_YEARS:
        return [str(first), str(last)]
    return [str(y) for y in range(first, last + 1)]


def _year(text: str, field: str) -> str:
    if not _YEAR.match(text.strip()) or not 1800 <= int(text) <= 2100:
        raise RowError(f"cannot read {text!r} as a year of birth", field=field)
    return text.strip()


def _iso_date(record: dict[str, Any], tag: str) -> str | None:
    """An xs:date (`2001-10-06`, maybe with a zone or time) as FtM's ISO date."""
    text = _text(record, tag)
    if text is None:
        return None
    if not _ISO_DATE.match(text) or registry.date.clean(text[:10]) is None:
        raise RowError(f"cannot read {text!r} as a date", field=tag)
    return text[:10]


def _place_text(node: dict[str, Any]) -> str | None:
    parts = [
        _text(node, tag) for tag in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")
    ]
    joined = ", ".join(p for p in parts if p)
    return joined or None


def _add_names(values: _Values, record: dict[str, Any], kind: str) -> None:
    name = " ".join(p for tag in NAME_PARTS if (p := _text(record, tag)))
    if not name:
        raise RowError("the listing has no name (FIRST_NAME is empty)", field="FIRST_NAME")
    values.add("name", name, "FIRST_NAME")
    values.add("alias", _text(record, "NAME_ORIGINAL_SCRIPT"), "NAME_ORIGINAL_SCRIPT")
    for alias in _nodes(record, f"{kind}_ALIAS"):
        quality = (_text(alias, "QUALITY") or "").lower()
        prop_name = ALIAS_PROPERTY.get(quality, "weakAlias")
        for part in (_text(alias, "ALIAS_NAME") or "").split(";"):
            values.add(prop_name, " ".join(part.split()), f"{kind}_ALIAS/ALIAS_NAME")


def _add_addresses(values: _Values, record: dict[str, Any], tag: str) -> None:
    for node in _nodes(record, tag):
        values.add("address", _place_text(node), tag)
        values.add("country", _text(node, "COUNTRY"), f"{tag}/COUNTRY")


def _add_individual(values: _Values, record: dict[str, Any]) -> None:
    for title in _values(record, "TITLE"):
        values.add("title", title, "TITLE")
    for position in _values(record, "DESIGNATION"):
        values.add("position", position, "DESIGNATION")
    gender = _text(record, "GENDER")
    if gender is not None and registry.gender.clean(gender) is not None:
        values.add("gender", gender, "GENDER")  # "Unknown" and the like say nothing
    for nationality in _values(record, "NATIONALITY"):
        values.add("nationality", nationality, "NATIONALITY")
    for dob in _nodes(record, "INDIVIDUAL_DATE_OF_BIRTH"):
        for date in birth_dates(dob, "INDIVIDUAL_DATE_OF_BIRTH"):
            values.add("birthDate", date, "INDIVIDUAL_DATE_OF_BIRTH")
    for pob in _nodes(record, "INDIVIDUAL_PLACE_OF_BIRTH"):
        values.add("birthPlace", _place_text(pob), "INDIVIDUAL_PLACE_OF_BIRTH")
        values.add("birthCountry", _text(pob, "COUNTRY"), "INDIVIDUAL_PLACE_OF_BIRTH/COUNTRY")
    for doc in _nodes(record, "INDIVIDUAL_DOCUMENT"):
        number = _text(doc, "NUMBER")
        kind = (_text(doc, "TYPE_OF_DOCUMENT") or "").lower()
        prop_name = "passportNumber" if "passport" in kind else "idNumber"
        values.add(prop_name, number, "INDIVIDUAL_DOCUMENT/NUMBER")
    _add_addresses(values, record, "INDIVIDUAL_ADDRESS")
    for comment in _texts(record, "COMMENTS1"):
        for father in _FATHER.findall(comment):
            values.add("fatherName", " ".join(father.split()), "COMMENTS1")


def unsc_statements(
    record: dict[str, Any], dataset: str, origin: str, marking: Marking
) -> list[NewStatement]:
    """A listing's Person or Organization and its Sanction; a bad value is a RowError."""
    kind = record.get("_kind")
    if kind not in LISTING_TAGS:
        raise RowError(f"not a listing: {kind!r}", field="_kind")
    reference = _text(record, "REFERENCE_NUMBER")
    if reference is None:
        raise RowError("the listing has no REFERENCE_NUMBER", field="REFERENCE_NUMBER")
    schema = model.get("Person" if kind == "INDIVIDUAL" else "Organization")
    assert schema is not None
    entity_id = unsc_entity_id(reference)
    values = _Values(schema)
    _add_names(values, record, kind)
    if kind == "INDIVIDUAL":
        _add_individual(values, record)
    else:
        _add_addresses(values, record, "ENTITY_ADDRESS")
    for comment in _texts(record, "COMMENTS1"):
        values.add("notes", comment, "COMMENTS1")
    values.add("topics", "sanction", "UN_LIST_TYPE")
    values.add("program", _text(record, "UN_LIST_TYPE"), "UN_LIST_TYPE")

    sanction_schema = model.get("Sanction")
    assert sanction_schema is not None
    sanction = _Values(sanction_schema)
    sanction.add("entity", entity_id, "REFERENCE_NUMBER")
    sanction.add("authority", AUTHORITY, "REFERENCE_NUMBER")
    sanction.add("program", _text(record, "UN_LIST_TYPE"), "UN_LIST_TYPE")
    sanction.add("unscId", reference, "REFERENCE_NUMBER")
    sanction.add("sourceUrl", LIST_URL, "REFERENCE_NUMBER")
    listed = _iso_date(record, "LISTED_ON")
    sanction.add("listingDate", listed, "LISTED_ON")
    sanction.add("startDate", listed, "LISTED_ON")
    sanction.add("endDate", _iso_date(record, "DELISTED_ON"), "DELISTED_ON")
    return [
        *entity_statements(entity_id, schema.name, values.items, dataset, origin, marking),
        *entity_statements(
            f"{entity_id}-sanction", "Sanction", sanction.items, dataset, origin, marking
        ),
    ]


UNSC_FORMAT = register_format(
    EntityFormat(
        name="unsc",
        suffixes=(".unsc.xml",),
        read=read_unsc,
        statements=unsc_statements,
        description="UN Security Council consolidated sanctions list (CONSOLIDATED_LIST XML)",
    )
)
