"""Comparison features: FollowTheMoney-shaped person and organisation records turned into the
normalised columns the Splink models compare, and the capped blocking keys that pair them up.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import phonenumbers
from followthemoney import registry

from nexus.resolve.normalise import (
    canonical_legal_form,
    canonical_token,
    cnic_gender,
    normalise_cnic,
    normalise_phone,
    parse_date,
    parse_org_name,
    parse_person_name,
    registered_form,
    skeleton,
)

__all__ = [
    "INTEGER_COLUMNS",
    "LIST_COLUMNS",
    "ORGANISATION_COLUMNS",
    "ORGANISATION_EXPLODED",
    "ORGANISATION_KEYS",
    "ORGANISATION_PROPERTIES",
    "PERSON_COLUMNS",
    "PERSON_EXPLODED",
    "PERSON_KEYS",
    "PERSON_PROPERTIES",
    "BlockingConfig",
    "BlockingKey",
    "blocking_table",
    "organisation_frame",
    "person_frame",
]

# Properties read from a person record: FollowTheMoney Person names, plus `dataset` (the source)
# and what the record is linked to, as normalised identifiers (nexus.resolve.holdings): the bank
# `accounts` and `vehicles` it holds or uses.
PERSON_PROPERTIES = (
    "id",
    "name",
    "fatherName",
    "birthDate",
    "idNumber",
    "passportNumber",
    "phone",
    "address",
    "nationality",
    "gender",
    "dataset",
    "accounts",
    "vehicles",
)
ORGANISATION_PROPERTIES = (
    "id",
    "name",
    "registrationNumber",
    "idNumber",
    "phone",
    "address",
    "jurisdiction",
    "country",
    "legalForm",
    "dataset",
    "accounts",
)

# The feature frames' columns, in order; list columns hold Python lists (arrays in the backends).
PERSON_COLUMNS = (
    "unique_id",
    "source_dataset",
    "name",  # as written (first value), for the analyst
    "name_key",  # sorted canonical tokens: order- and spelling-insensitive
    "given",  # first canonical token
    "family",  # surname, caste or tribe where the name data knows it, else the last token
    "name_skeleton",  # sorted consonant skeletons: matches Urdu script and vowel spellings
    "initials",  # first letters of every token and initial, sorted ("ikm" for M. Iqbal Khattak)
    "tokens",
    "father_key",  # the same for the father's (or husband's) name, from the field or "s/o …"
    "father_skeleton",
    "father_tokens",
    "cnic",  # 13 digits when the idNumber is a CNIC
    "id_number",  # the CNIC, else any other identifier reduced to letters and digits
    "phones",  # E.164, sorted
    "dob",  # ISO date, year-month or year, as far as the record knows it
    "dob_year",
    "dob_swapped",  # the ISO date with day and month swapped, when both are 12 or less
    "nationality",  # ISO country code
    "gender",  # the record's, else what the name (s/o, d/o, titles) or the CNIC says
    "address_tokens",
    "accounts",  # identifiers of the bank accounts the record holds or uses, sorted
    "vehicles",  # registration numbers of the vehicles it owns, drives or was seized with
    "first_token",  # blocking: the first canonical token
    "skeleton_prefix",  # blocking: the given name's first skeleton letters | family skeleton
)
ORGANISATION_COLUMNS = (
    "unique_id",
    "source_dataset",
    "name",
    "name_key",  # sorted canonical tokens of the core (the name without its legal form)
    "core",
    "legal_form",  # canonical legal forms from the name, else from the legalForm property
    "registered_form",  # the legal form when it is an incorporated one (registry-unique names)
    "tokens",
    "name_skeleton",
    "registration",
    "phones",
    "country",
    "address_tokens",
    "accounts",
    "first_token",
    "skeleton_prefix",  # blocking: the first letters of the core's skeleton
)
# Column types for the backends (a column of nothing but nulls has no type of its own).
LIST_COLUMNS = frozenset(
    {"tokens", "father_tokens", "phones", "address_tokens", "accounts", "vehicles"}
)
INTEGER_COLUMNS = frozenset({"dob_year"})

SKELETON_PREFIX = 3  # letters of the given name's skeleton in the skeleton blocking key
ORG_SKELETON_PREFIX = 6
PARALLEL_MIN = 50_000  # distinct values from which parsing is spread over worker processes
_SPLIT = re.compile(r"[;,|\n]+")
_WORD = re.compile(r"\w+")
_ID_CHARS = re.compile(r"[^0-9A-Za-z]+")
_MISSING = ("", "nan", "none", "null", "n/a", "na", "-", "--")
# A Pakistani mobile number however it is written (0300-…, +92 300 …, 0092300…, 92300…) is read
# by pattern, and valid when its national number fits phonenumbers' own pattern for PK mobiles
# (what normalise_phone would conclude, at a fraction of the cost); other numbers go through
# normalise_phone.
_PK_MOBILE = re.compile(r"^(?:\+92|0092|92|0)(3[0-9]{9})$")


def _pk_mobile_pattern() -> str:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("PK")
    pattern = metadata.mobile.national_number_pattern if metadata and metadata.mobile else None
    assert pattern is not None, "phonenumbers has no pattern for Pakistani mobiles"
    return str(pattern)


_PK_MOBILE_VALID = re.compile(_pk_mobile_pattern())
_PHONE_JUNK = re.compile(r"[^\d+]")

Records: TypeAlias = "pd.DataFrame | Iterable[Mapping[str, Any]]"


def person_frame(records: Records, workers: int | None = None) -> pd.DataFrame:
    """One row per person record with PERSON_COLUMNS; each distinct value is normalised once.

    `records` is a DataFrame or mappings with Person property names; a value may be text, a list
    (the first item counts, except for phones, where every item does) or empty. Other keys are
    ignored. `workers` (default: the CPU count, at most 4) spreads name parsing over processes
    once there are PARALLEL_MIN distinct names.
    """
    raw = _frame(records, PERSON_PROPERTIES)
    text = {p: _text(raw[p]) for p in PERSON_PROPERTIES if p not in ("id", "phone")}
    identifier = text["idNumber"].where(text["idNumber"] != "", text["passportNumber"])
    with _parallel(workers, len(raw)) as pool:
        jobs = (
            (text["name"] + "\x1f" + text["fatherName"], _name_row, NAME_FIELDS),
            (_joined(raw["phone"], ";"), _phone_row, (("phones", "list"),)),
            (identifier, _identifier_row, (("cnic", "text"), ("id_number", "text"))),
        )
        started = [_submit(values, function, fields, pool) for values, function, fields in jobs]
        names, phones, ids = _results(started, len(raw), jobs)
    dates = _derive(text["birthDate"], _date_row, DATE_FIELDS)
    gender = _derive(text["gender"], _gender_row, (("gender", "text"),))["gender"]
    cnic_sex = _derive(pd.Series(ids["cnic"]).fillna(""), _cnic_gender_row, (("g", "text"),))
    nationality = _derive(text["nationality"], _country_row, (("country", "text"),))
    address = _derive(_joined(raw["address"]), _address_row, (("tokens", "list"),))
    return pd.DataFrame(
        {
            "unique_id": raw["id"].astype(str).to_numpy(),
            "source_dataset": text["dataset"].where(text["dataset"] != "", "records").to_numpy(),
            "name": text["name"].where(text["name"] != "", None).to_numpy(),
            "name_key": names["name_key"],
            "given": names["given"],
            "family": names["family"],
            "name_skeleton": names["name_skeleton"],
            "initials": names["initials"],
            "tokens": names["tokens"],
            "father_key": names["father_key"],
            "father_skeleton": names["father_skeleton"],
            "father_tokens": names["father_tokens"],
            "cnic": ids["cnic"],
            "id_number": ids["id_number"],
            "phones": phones["phones"],
            "dob": dates["dob"],
            "dob_year": pd.array(dates["dob_year"], dtype="Int64"),
            "dob_swapped": dates["dob_swapped"],
            "nationality": nationality["country"],
            "gender": _coalesce(gender, names["gender"], cnic_sex["g"]),
            "address_tokens": address["tokens"],
            "accounts": _identifiers(raw["accounts"]),
            "vehicles": _identifiers(raw["vehicles"]),
            "first_token": names["given"],
            "skeleton_prefix": names["skeleton_prefix"],
        },
        columns=list(PERSON_COLUMNS),
    )


def organisation_frame(records: Records, workers: int | None = None) -> pd.DataFrame:
    """One row per organisation record with ORGANISATION_COLUMNS (the name's core without its
    legal form, registration number, phones, country, address tokens, blocking keys).
    """
    raw = _frame(records, ORGANISATION_PROPERTIES)
    text = {p: _text(raw[p]) for p in ORGANISATION_PROPERTIES if p not in ("id", "phone")}
    with _parallel(workers, len(raw)) as pool:
        org = _derive(text["name"], _org_row, ORG_FIELDS, pool)
        phones = _derive(_joined(raw["phone"], ";"), _phone_row, (("phones", "list"),), pool)
    number = text["registrationNumber"].where(text["registrationNumber"] != "", text["idNumber"])
    registration = _derive(number, _registration_row, (("registration", "text"),))
    written_form = _derive(text["legalForm"], _legal_form_row, (("form", "text"),))["form"]
    country = text["jurisdiction"].where(text["jurisdiction"] != "", text["country"])
    countries = _derive(country, _country_row, (("country", "text"),))
    address = _derive(_joined(raw["address"]), _address_row, (("tokens", "list"),))
    legal_form = _coalesce(org["legal_form"], written_form)
    return pd.DataFrame(
        {
            "unique_id": raw["id"].astype(str).to_numpy(),
            "source_dataset": text["dataset"].where(text["dataset"] != "", "records").to_numpy(),
            "name": text["name"].where(text["name"] != "", None).to_numpy(),
            "name_key": org["name_key"],
            "core": org["core"],
            "legal_form": legal_form,
            "registered_form": _derive(
                pd.Series(legal_form).fillna(""), _registered_row, (("form", "text"),)
            )["form"],
            "tokens": org["tokens"],
            "name_skeleton": org["name_skeleton"],
            "registration": registration["registration"],
            "phones": phones["phones"],
            "country": countries["country"],
            "address_tokens": address["tokens"],
            "accounts": _identifiers(raw["accounts"]),
            "first_token": org["first_token"],
            "skeleton_prefix": org["skeleton_prefix"],
        },
        columns=list(ORGANISATION_COLUMNS),
    )


# -- blocking keys -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockingConfig:
    """How candidate pairs are generated without any block exploding.

    Every blocking key is counted over the data first. A key value held by more records than
    its cap is refined (a second attribute is appended: a CNIC shared by a family becomes CNIC +
    the given name's skeleton; "muhammad" + 1980 becomes "muhammad" + 1980 + family name). A
    block still too big is salted: its records, ordered by the refining attribute, are cut into
    windows of `cap` records that are blocks of their own. So one block yields at most
    cap*(cap-1)/2 pairs and a key costs at most cap/2 comparisons per record, whatever the data;
    a suspect's sixty records under one name stay together in a few windows, which other rules
    (CNIC, phone) and clustering join up.
    Identifiers (CNIC, phone) get a higher cap than names: one suspect may appear in hundreds
    of records under one CNIC, while a name shared by hundreds of records says little.
    """

    cap: int = 50
    identifier_cap: int = 1000
    window: int = 10


@dataclass(frozen=True)
class BlockingKey:
    """A blocking key: `parts` joined; `refine` appended to values held by too many records."""

    column: str
    parts: tuple[str, ...]
    refine: str | None = None
    identifier: bool = False


PERSON_KEYS = (
    BlockingKey("b_id", ("id_number",), "skeleton_prefix", identifier=True),
    BlockingKey("b_names", ("name_skeleton", "father_skeleton")),
    BlockingKey("b_prefix", ("skeleton_prefix",), "dob_year"),
    BlockingKey("b_given_year", ("given", "dob_year"), "family"),
    BlockingKey("b_family_dob", ("family", "dob"), "initials"),
    BlockingKey("b_initials", ("initials", "family"), "dob_year"),
    BlockingKey("b_dob", ("dob",), "initials"),
)
# One blocking row per phone number, account or vehicle (capped per value).
PERSON_EXPLODED = ("phones", "accounts", "vehicles")
ORGANISATION_KEYS = (
    BlockingKey("b_registration", ("registration",), "first_token", identifier=True),
    BlockingKey("b_name", ("name_key",), "country"),
    BlockingKey("b_skeleton", ("name_skeleton",), "country"),
    BlockingKey("b_prefix", ("skeleton_prefix",), "first_token"),
)
ORGANISATION_EXPLODED = ("phones", "accounts")


def _key_values(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    joined: pd.Series | None = None
    for column in columns:
        part = frame[column].astype("string")
        joined = part if joined is None else joined + "|" + part
    assert joined is not None
    return joined


def _capped(values: pd.Series, cap: int) -> pd.Series:
    counts = values.map(values.value_counts(dropna=True))
    return values.where(counts <= cap)


def blocking_table(
    frame: pd.DataFrame,
    keys: Sequence[BlockingKey],
    exploded: Sequence[str],
    config: BlockingConfig,
) -> pd.DataFrame:
    """The features plus one column per blocking key, capped, refined and salted (see
    BlockingConfig), and one list column per exploded feature (b_phones: numbers held by more
    than the identifier cap are left out).
    """
    out = frame.copy()
    for key in keys:
        cap = config.identifier_cap if key.identifier else config.cap
        values = _key_values(frame, key.parts)
        capped = _capped(values, cap)
        over = values.notna() & capped.isna()
        if key.refine is not None and over.any():
            refined = (values + "|" + frame[key.refine].astype("string")).where(over)
            capped = capped.fillna(_capped(refined, cap))
            over = values.notna() & capped.isna()
        if over.any():
            window = cap if key.identifier else min(cap, config.window)
            capped = capped.fillna(_windows(frame, values, over, key, window))
        out[key.column] = capped.astype(object).where(capped.notna(), None)
    for column in exploded:
        lists = frame[column]
        flat = lists.explode().dropna()
        keep = set(flat.value_counts().loc[lambda c: c <= config.identifier_cap].index)
        out[f"b_{column}"] = [
            ([v for v in items if v in keep] or None) if isinstance(items, list) else None
            for items in lists.tolist()
        ]
    return out


def _windows(
    frame: pd.DataFrame, values: pd.Series, over: pd.Series, key: BlockingKey, cap: int
) -> pd.Series:
    """Salted keys for the records of a block too big even once refined: ordered by full
    name, the refining attribute and id, the block is cut into windows of `cap` records, and
    each window becomes a block of its own ("khan|iftikhar#0", "#1", ...).
    """
    names = frame["name_key"] if "name_key" in frame.columns else pd.Series("", index=frame.index)
    order = pd.DataFrame(
        {
            "value": values[over],
            "name": names[over].astype("string"),
            "refine": frame.loc[over, key.refine].astype("string")
            if key.refine is not None
            else "",
            "id": frame.loc[over, "unique_id"].astype(str),
        }
    ).sort_values(["value", "name", "refine", "id"], kind="mergesort")
    window = order.groupby("value", sort=False).cumcount() // cap
    return (order["value"] + "#" + window.astype(str)).reindex(values.index)


# -- reading values ----------------------------------------------------------------------------


def _frame(records: Records, properties: Sequence[str]) -> pd.DataFrame:
    frame = (
        records if isinstance(records, pd.DataFrame) else pd.DataFrame.from_records(list(records))
    )
    if "id" not in frame.columns:
        if len(frame):
            raise ValueError("every record needs an `id`")
        frame = pd.DataFrame({"id": pd.Series([], dtype=object)})
    missing = [p for p in properties if p not in frame.columns]
    if missing:
        frame = frame.assign(**{p: None for p in missing})
    return frame.reset_index(drop=True)


def _is_list(value: Any) -> bool:
    return isinstance(value, list | tuple | np.ndarray)


def _clean(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value).strip()
    return "" if text.casefold() in _MISSING else text


def _first(value: Any) -> str:
    if _is_list(value):
        return next((t for t in (_clean(v) for v in value) if t), "")
    return _clean(value)


def _has_lists(column: pd.Series) -> bool:
    if column.dtype != object:
        return False
    kind = pd.api.types.infer_dtype(column, skipna=True)
    return kind not in ("string", "empty", "floating", "integer") and bool(
        column.map(_is_list).any()
    )


def _text(column: pd.Series) -> pd.Series:
    """Each record's first value as stripped text, "" when missing (vectorised unless lists)."""
    if _has_lists(column):
        return pd.Series([_first(v) for v in column.tolist()], dtype=object)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)  # missing values get -1
    cleaned = np.empty(len(uniques) + 1, dtype=object)
    cleaned[:] = [_clean(u) for u in uniques] + [""]
    return pd.Series(cleaned[codes], dtype=object)


def _joined(column: pd.Series, separator: str = " ") -> pd.Series:
    """All of a record's values as one text (addresses by spaces, phones by semicolons)."""
    if _has_lists(column):
        return pd.Series(
            [separator.join(_clean(v) for v in x) if _is_list(x) else _clean(x) for x in column],
            dtype=object,
        )
    return _text(column)


def _identifiers(column: pd.Series) -> np.ndarray:
    """Normalised identifiers as sorted lists (None when there are none): a list value, or text
    separated by `;`."""
    out = np.empty(len(column), dtype=object)
    if column.isna().all():  # lists of people without accounts or vehicles: nothing to read
        return out
    for position, value in enumerate(column.tolist()):
        items = value if _is_list(value) else _SPLIT.split(_clean(value))
        found = sorted({t for t in (_clean(v) for v in items) if t})
        out[position] = found or None
    return out


def _coalesce(*columns: Any) -> np.ndarray:
    out = pd.Series(columns[0], dtype=object)
    for column in columns[1:]:
        out = out.where(out.notna(), pd.Series(column, dtype=object))
    return np.asarray(out.to_numpy(dtype=object), dtype=object)


# -- computing once per distinct value -----------------------------------------------------------
# A row function maps one distinct value to a tuple of strings, one per field ("" for none, list
# items joined by spaces); a chunk of rows crosses back from a worker as one string per field,
# which is far cheaper to pass between processes and to split than tuples of Python objects.

_SEPARATOR = "\x00"  # between the rows of a chunk's field (removed from the values first)
Fields = Sequence[tuple[str, str]]  # (name, kind): kind is "text", "list" or "int"
RowFunction = Callable[[str], tuple[str, ...]]


class _Pool:
    """Worker processes, started on first use for a large enough job."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.executor: ProcessPoolExecutor | None = None

    def submit(
        self, function: RowFunction, values: list[str], width: int
    ) -> Iterable[tuple[str, ...]]:
        """The chunks' field strings: computed here for a small job, else by the workers
        (submitted at once, so they keep working while earlier results are read).
        """
        if self.workers < 2 or len(values) < PARALLEL_MIN:
            return [_chunk_columns(function, values, width)]
        if self.executor is None:
            # Forked workers inherit the parent's heap, frozen (see _parallel): a child's
            # garbage collector leaves it alone instead of touching, so copying, every page.
            # Workers only run normalisation code on the chunks sent to them.
            self.executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("fork")
            )
        size = -(-len(values) // (self.workers * 4))
        chunks = [values[i : i + size] for i in range(0, len(values), size)]
        futures = [self.executor.submit(_chunk_columns, function, c, width) for c in chunks]
        return (future.result() for future in futures)


def _chunk_columns(function: RowFunction, chunk: list[str], width: int) -> tuple[str, ...]:
    rows = [function(v) for v in chunk]
    if not rows:
        return ("",) * width
    return tuple(_SEPARATOR.join(column) for column in zip(*rows, strict=True))


@contextmanager
def _parallel(workers: int | None, size: int) -> Iterator[_Pool]:
    """A pool for one frame. For a large frame the objects that exist already (the caller's
    records) are frozen out of garbage collection meanwhile: the millions of small objects made
    here would otherwise trigger full collections that walk them again and again.
    """
    pool = _Pool(min(4, os.cpu_count() or 1) if workers is None else workers)
    frozen = size >= PARALLEL_MIN
    if frozen:
        gc.freeze()
    try:
        yield pool
    finally:
        if pool.executor is not None:
            pool.executor.shutdown()
        if frozen:
            gc.unfreeze()


@dataclass
class _Job:
    """Fields being derived: which distinct value each record has, and the chunks' results."""

    codes: np.ndarray
    fields: Fields
    parts: Iterable[tuple[str, ...]]

    def result(self) -> dict[str, np.ndarray]:
        columns: list[list[str]] = [[] for _ in self.fields]
        for part in self.parts:
            for column, joined in zip(columns, part, strict=True):
                column.extend(joined.split(_SEPARATOR))
        out: dict[str, np.ndarray] = {}
        for (name, kind), column in zip(self.fields, columns, strict=True):
            table = np.empty(len(column), dtype=object)
            if kind == "list":
                table[:] = [v.split(" ") if v else None for v in column]
            elif kind == "int":
                table[:] = [int(v) if v else None for v in column]
            else:
                table[:] = column
                table[table == ""] = None
            out[name] = table[self.codes]
        return out


def _submit(
    values: pd.Series, function: RowFunction, fields: Fields, pool: _Pool | None = None
) -> _Job:
    """Start deriving `fields` of every record, `function` computed once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    distinct = [str(u).replace(_SEPARATOR, "") for u in uniques]
    parts = (pool or _Pool(1)).submit(function, distinct, len(fields)) if distinct else []
    return _Job(codes, fields, parts)


def _results(
    started: list[_Job], size: int, jobs: Sequence[tuple[Any, Any, Fields]]
) -> list[dict[str, np.ndarray]]:
    if not size:
        return [{name: np.empty(0, dtype=object) for name, _ in job[2]} for job in jobs]
    return [job.result() for job in started]


def _derive(
    values: pd.Series, function: RowFunction, fields: Fields, pool: _Pool | None = None
) -> dict[str, np.ndarray]:
    if not len(values):
        return {name: np.empty(0, dtype=object) for name, _ in fields}
    return _submit(values, function, fields, pool).result()


# -- one distinct value ------------------------------------------------------------------------

NAME_FIELDS: Fields = (
    ("name_key", "text"),
    ("given", "text"),
    ("family", "text"),
    ("name_skeleton", "text"),
    ("initials", "text"),
    ("tokens", "list"),
    ("father_key", "text"),
    ("father_skeleton", "text"),
    ("father_tokens", "list"),
    ("skeleton_prefix", "text"),
    ("gender", "text"),
)
DATE_FIELDS: Fields = (("dob", "text"), ("dob_year", "int"), ("dob_swapped", "text"))
ORG_FIELDS: Fields = (
    ("name_key", "text"),
    ("core", "text"),
    ("legal_form", "text"),
    ("tokens", "list"),
    ("name_skeleton", "text"),
    ("skeleton_prefix", "text"),
    ("first_token", "text"),
)


def _name_row(pair: str) -> tuple[str, ...]:
    """NAME_FIELDS of "name\x1ffather"."""
    name, _, father = pair.partition("\x1f")
    if not name and not father:
        return ("",) * len(NAME_FIELDS)
    parsed = parse_person_name(name, father or None)
    tokens = [t for t in parsed.tokens if t]
    given = tokens[0] if tokens else ""
    family = parsed.family or (tokens[-1] if len(tokens) > 1 else "")
    letters = "".join(sorted([t[0] for t in tokens] + [i[0] for i in parsed.initials if i]))
    prefix = ""
    if given:
        first = skeleton(given)[:SKELETON_PREFIX]
        prefix = f"{first}|{skeleton(family)}" if family else first
    father_key = parsed.father_key
    return (
        parsed.key,
        given,
        family,
        parsed.skeleton,
        letters,
        " ".join(tokens),
        father_key,
        parsed.father_skeleton,
        father_key,  # father_tokens: the key's tokens, sorted
        prefix,
        parsed.gender or "",
    )


def _phone_row(text: str) -> tuple[str]:
    """The E.164 numbers of one record's phone text, sorted, space-separated."""
    found = set()
    for part in _SPLIT.split(text):
        if number := _phone(part.strip()):
            found.add(number)
    return (" ".join(sorted(found)),)


def _phone(text: str) -> str | None:
    if not text:
        return None
    mobile = _PK_MOBILE.match(_PHONE_JUNK.sub("", text))
    if mobile and _PK_MOBILE_VALID.fullmatch(mobile.group(1)):
        return "+92" + mobile.group(1)
    return normalise_phone(text)


def _identifier_row(text: str) -> tuple[str, str]:
    if not text:
        return "", ""
    cnic = normalise_cnic(text)
    if cnic:
        return cnic, cnic
    reduced = _ID_CHARS.sub("", text).upper()
    return "", reduced if len(reduced) >= 4 else ""


def _date_row(text: str) -> tuple[str, str, str]:
    value = parse_date(text) if text else None
    if value is None:
        return "", "", ""
    swapped = next(iter(value.alternatives()), None)
    return value.iso(), str(value.year), swapped.iso() if swapped is not None else ""


def _gender_row(text: str) -> tuple[str]:
    return ((registry.gender.clean(text) or "") if text else "",)


def _cnic_gender_row(cnic: str) -> tuple[str]:
    return ((cnic_gender(cnic) or "") if cnic else "",)


def _country_row(text: str) -> tuple[str]:
    return ((registry.country.clean(text) or "") if text else "",)


def _address_row(text: str) -> tuple[str]:
    tokens = {canonical_token(t) for t in _WORD.findall(text.casefold())} if text else set()
    return (" ".join(sorted(t for t in tokens if t and " " not in t)),)


def _org_row(name: str) -> tuple[str, ...]:
    """ORG_FIELDS of one organisation name."""
    if not name:
        return ("",) * len(ORG_FIELDS)
    parsed = parse_org_name(name)
    tokens = [t for t in parsed.tokens if t and " " not in t]
    skel = parsed.skeleton
    return (
        parsed.key,
        parsed.core,
        parsed.legal_form or "",
        " ".join(tokens),
        skel,
        skeleton(parsed.core).replace(" ", "")[:ORG_SKELETON_PREFIX],
        tokens[0] if tokens else "",
    )


def _legal_form_row(text: str) -> tuple[str]:
    return (canonical_legal_form(text) or "",)


def _registered_row(form: str) -> tuple[str]:
    return (registered_form(form) or "",)


def _registration_row(text: str) -> tuple[str]:
    """Letters and digits; a number without letters loses its padding zeros (0012345 = 12345)."""
    reduced = _ID_CHARS.sub("", text).upper() if text else ""
    return (reduced.lstrip("0") or reduced if reduced.isdigit() else reduced,)
