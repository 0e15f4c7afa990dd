"""List linkage for an analyst's spreadsheets: deduplicate one CSV of people or organisations, or
link two, and write every row's cluster and confidence; bad input is refused before any output.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nexus.exceptions import SourceError
from nexus.files import atomic_text
from nexus.resolve.conflicts import guard
from nexus.resolve.features import ORGANISATION_PROPERTIES, PERSON_PROPERTIES
from nexus.resolve.model import OrgMatcher, PersonMatcher
from nexus.resolve.pairs import Assignment

__all__ = [
    "ORGANISATION_COLUMNS",
    "OUTPUT_COLUMNS",
    "PERSON_COLUMNS",
    "REVIEW_COLUMNS",
    "LinkageReport",
    "dedupe_csv",
    "link_csv",
]

# Columns a list may have besides `id`: the FollowTheMoney properties the feature builders read
# (not `dataset`, nor the holdings the store supplies).
_NOT_LIST_COLUMNS = ("id", "dataset", "accounts", "vehicles")
PERSON_COLUMNS = tuple(p for p in PERSON_PROPERTIES if p not in _NOT_LIST_COLUMNS)
ORGANISATION_COLUMNS = tuple(p for p in ORGANISATION_PROPERTIES if p not in _NOT_LIST_COLUMNS)
OUTPUT_COLUMNS = ("id", "cluster_id", "confidence")
LINK_OUTPUT_COLUMNS = ("list", "id", "cluster_id", "confidence")
REVIEW_COLUMNS = ("list_l", "id_l", "list_r", "id_r", "probability", "reason")
PAIR_FLOOR = 0.05  # pairs scored at least this probable count towards confidence


@dataclass
class LinkageReport:
    """What a linkage run found and wrote."""

    output: Path
    schema: str  # "Person" or "Organization"
    rows: int = 0
    clusters: int = 0
    linked_rows: int = 0  # rows in a cluster of two or more
    review_pairs: int = 0  # pairs for an analyst: the review band and names-only matches
    names_only: int = 0  # of which pairs that would match on names alone (never clustered)
    split_rows: int = 0  # rows of clusters split because they held two people's identifiers
    review: Path | None = None  # where the review pairs were written (<output>.review.csv)
    trained: bool = False  # parameters estimated from the lists (else the built-in priors)
    seconds: float = 0.0
    lists: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class _Review:
    """Pairs for an analyst (unique_id_l, unique_id_r, match_probability, reason)."""

    pairs: pd.DataFrame
    names_only: int
    split_rows: int


@dataclass(frozen=True)
class _List:
    path: Path
    schema: str
    frame: pd.DataFrame  # id plus property columns, "" for empty cells


def dedupe_csv(input: Path, output: Path, schema: str | None = None) -> LinkageReport:
    """Cluster the rows of one list and write `id,cluster_id,confidence` for every row.

    The list is a UTF-8 CSV with an `id` column and columns named after FollowTheMoney Person or
    Organization properties (PERSON_COLUMNS, ORGANISATION_COLUMNS; any may be empty; a cell may
    hold several values separated by ";"). `schema` ("Person" or "Organization") is read from the
    columns when not given. Cluster ids are C1, C2, ... in order of first appearance.

    Confidence is how sure the row's placement is: for a row in a cluster, the probability of
    the best pair that holds it there; for a row on its own, 1 minus the probability of its most
    likely match (1.0 when nothing came close). A low value is a row to review either way.
    Raises SourceError, naming the file, row and column, before anything is written.
    """
    started = time.perf_counter()
    one = _read(Path(input), schema)
    matcher = _matcher(one.schema)
    frame = _records(one.frame, "")
    assignment, review = _assign(matcher, frame, None)
    report = LinkageReport(output=Path(output), schema=one.schema, lists=[one.path])
    rows = [(rid, rid) for rid in one.frame["id"]]
    _write(Path(output), OUTPUT_COLUMNS, _rows(rows, assignment), report)
    name = one.path.name
    _write_review(report, review, {"": name})
    return _finish(report, assignment, review, matcher, started)


def link_csv(a: Path, b: Path, output: Path, schema: str | None = None) -> LinkageReport:
    """Link two lists: write `list,id,cluster_id,confidence` for every row of both (`list` is
    the file's name), one cluster id for the rows of one entity whichever list they are in.

    Rows are matched across the lists and within each; ids need only be unique within a list.
    Input, schema, cluster ids and confidence are as for dedupe_csv.
    """
    started = time.perf_counter()
    first = _read(Path(a), schema)
    second = _read(Path(b), schema)
    if second.schema != first.schema:
        try:  # a list of shared columns only (id, name, idNumber) fits either kind
            second = _read(Path(b), first.schema)
        except SourceError:
            raise SourceError(
                f"{second.path} lists {second.schema} records but {first.path} lists "
                f"{first.schema} records; link lists of one kind"
            ) from None
    names = (first.path.name, second.path.name)
    if names[0] == names[1]:
        names = (str(first.path), str(second.path))
    matcher = _matcher(first.schema)
    left, right = _records(first.frame, "a\x1f"), _records(second.frame, "b\x1f")
    everything = pd.concat([left, right], ignore_index=True)
    assignment, review = _assign(matcher, everything, (left, right))
    report = LinkageReport(
        output=Path(output), schema=first.schema, lists=[first.path, second.path]
    )
    rows = [(f"a\x1f{rid}", rid) for rid in first.frame["id"]]
    rows += [(f"b\x1f{rid}", rid) for rid in second.frame["id"]]
    lists = [names[0]] * len(first.frame) + [names[1]] * len(second.frame)
    out = [(source, *row) for source, row in zip(lists, _rows(rows, assignment), strict=True)]
    _write(Path(output), LINK_OUTPUT_COLUMNS, out, report)
    _write_review(report, review, {"a\x1f": names[0], "b\x1f": names[1]})
    return _finish(report, assignment, review, matcher, started)


# -- reading -----------------------------------------------------------------------------------


def _read(path: Path, schema: str | None) -> _List:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(f"{path}: cannot be read ({error.strerror or error})") from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        raise SourceError(
            f"{path}: not UTF-8 text: byte 0x{byte:02x} at offset {error.start} (row {line}); "
            "save the file as CSV UTF-8"
        ) from error
    if not text.strip():
        raise SourceError(f"{path}: the file is empty; expected a header row with an `id` column")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
        body = [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise SourceError(f"{path} row {reader.line_num}: not valid CSV ({error})") from error
    kind = _schema(path, header, schema)
    records: list[list[str]] = []
    seen: dict[str, int] = {}
    position = header.index("id")
    for line, row in body:
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) > len(header):
            raise SourceError(
                f"{path} row {line}: {len(row)} cells but the header has {len(header)} columns"
            )
        cells = [c.strip() for c in row] + [""] * (len(header) - len(row))
        rid = cells[position]
        if not rid:
            raise SourceError(f"{path} row {line}: the `id` cell is empty")
        if rid in seen:
            raise SourceError(f"{path} row {line}: id {rid!r} repeats the id of row {seen[rid]}")
        seen[rid] = line
        records.append(cells)
    frame = pd.DataFrame(records, columns=header, dtype=object)
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in header})
    return _List(path, kind, frame)


def _schema(path: Path, header: Sequence[str], schema: str | None) -> str:
    """Check the header and tell which schema it lists (Person unless the columns say not)."""
    if "id" not in header:
        found = ", ".join(h or "(blank)" for h in header)
        raise SourceError(f"{path}: no `id` column in the header (found: {found})")
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise SourceError(f"{path}: column {repeated[0]!r} appears more than once in the header")
    allowed = {"Person": PERSON_COLUMNS, "Organization": ORGANISATION_COLUMNS}
    if schema is not None and schema not in allowed:
        raise SourceError(f"schema must be Person or Organization, not {schema!r}")
    columns = [h for h in header if h != "id"]
    everything = sorted(set(PERSON_COLUMNS) | set(ORGANISATION_COLUMNS))
    for column in columns:
        if column not in everything:
            raise SourceError(
                f"{path}: unknown column {column!r}; allowed: id, {', '.join(everything)}"
            )
    person_only = [c for c in columns if c not in ORGANISATION_COLUMNS]
    org_only = [c for c in columns if c not in PERSON_COLUMNS]
    if person_only and org_only:
        raise SourceError(
            f"{path}: mixes Person columns ({', '.join(person_only)}) with Organization "
            f"columns ({', '.join(org_only)}); a list holds one kind"
        )
    kind = schema or ("Organization" if org_only else "Person")
    wrong = [c for c in columns if c not in allowed[kind]]
    if wrong:
        raise SourceError(
            f"{path}: column {wrong[0]!r} is not a {kind} property; allowed: id, "
            f"{', '.join(allowed[kind])}"
        )
    return kind


def _records(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    records = frame.copy()
    records["id"] = prefix + records["id"].astype(str)
    return records


# -- matching ----------------------------------------------------------------------------------


def _matcher(schema: str) -> PersonMatcher | OrgMatcher:
    return PersonMatcher() if schema == "Person" else OrgMatcher()


def _assign(
    matcher: PersonMatcher | OrgMatcher,
    everything: pd.DataFrame,
    lists: tuple[pd.DataFrame, pd.DataFrame] | None,
) -> tuple[Assignment, _Review]:
    features = matcher.featurise(everything)
    if len(features) < 2:
        ids = features["unique_id"].astype(str).tolist()
        nothing = pd.DataFrame(columns=["unique_id_l", "unique_id_r", "match_probability"])
        return Assignment({i: i for i in ids}, {i: 1.0 for i in ids}), _Review(nothing, 0, 0)
    matcher.fit(features)
    if lists is None:
        pairs = matcher.predict_table(features, minimum=PAIR_FLOOR, explain=False)
    else:
        left = features.iloc[: len(lists[0])]
        right = features.iloc[len(lists[0]) :]
        tables = [matcher.predict_table(left, right, minimum=PAIR_FLOOR, explain=False)]
        for side in (left, right):
            if len(side) > 1:
                tables.append(matcher.predict_table(side, minimum=PAIR_FLOOR, explain=False))
        pairs = pd.concat(tables, ignore_index=True)
    low, high = matcher.review_band
    guarded = guard(matcher, features, pairs)
    columns = ["unique_id_l", "unique_id_r", "match_probability"]
    band = pairs.loc[
        (pairs["match_probability"] >= low) & (pairs["match_probability"] < high), columns
    ].assign(reason="review band")
    held = guarded.names_only[columns].assign(reason="names only")
    review = pd.concat([held, band], ignore_index=True)
    assignment = Assignment(guarded.clusters, guarded.confidence)
    return assignment, _Review(review, len(held), len(guarded.split))


def _write_review(report: LinkageReport, review: _Review, lists: dict[str, str]) -> None:
    """Write the review pairs beside the output as <output stem>.review.csv (most probable
    first): names-only matches, which are never clustered, and review-band pairs.
    """
    target = report.output.with_name(f"{report.output.stem}.review.csv")
    rows = []
    pairs = review.pairs.sort_values(
        ["match_probability", "unique_id_l", "unique_id_r"],
        ascending=[False, True, True],
        kind="mergesort",
    )
    for left, right, probability, reason in pairs.itertuples(index=False, name=None):
        ends = []
        for key in (str(left), str(right)):
            prefix = next((p for p in lists if p and key.startswith(p)), "")
            ends += [lists[prefix], key[len(prefix) :]]
        rows.append((*ends, f"{float(probability):.4f}", str(reason)))
    rows_written = report.rows
    _write(target, REVIEW_COLUMNS, rows, report)
    report.rows = rows_written
    report.review = target


def _rows(rows: Sequence[tuple[str, str]], assignment: Assignment) -> list[tuple[str, str, str]]:
    """(id, cluster id, confidence) per row; clusters numbered by first appearance."""
    numbers: dict[str, str] = {}
    out = []
    for key, rid in rows:
        cluster = assignment.clusters[key]
        label = numbers.setdefault(cluster, f"C{len(numbers) + 1}")
        out.append((rid, label, f"{assignment.confidence[key]:.4f}"))
    return out


# -- writing -----------------------------------------------------------------------------------


def _write(
    output: Path, header: Sequence[str], rows: Sequence[Sequence[str]], report: LinkageReport
) -> None:
    """Write the whole file or leave `output` as it was (nexus.files)."""
    directory = output.parent if str(output.parent) else Path(".")
    if not directory.is_dir():
        raise SourceError(f"{output}: the folder {directory} does not exist")
    with atomic_text(output) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    report.rows = len(rows)


def _finish(
    report: LinkageReport,
    assignment: Assignment,
    review: _Review,
    matcher: PersonMatcher | OrgMatcher,
    started: float,
) -> LinkageReport:
    sizes = pd.Series(assignment.clusters).value_counts()
    report.clusters = len(sizes)
    report.linked_rows = int(sizes[sizes > 1].sum())
    report.review_pairs = len(review.pairs)
    report.names_only = review.names_only
    report.split_rows = review.split_rows
    report.trained = matcher.trained
    report.seconds = round(time.perf_counter() - started, 2)
    return report
