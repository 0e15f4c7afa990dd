"""Readers that turn agency files (CSV, Excel, JSON lines) into numbered records.

A record is a dict of column name to text (or None); its number is the row a person would see.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nexus.exceptions import SourceError

TABULAR_FORMATS = ("csv", "excel", "jsonl")
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One record of a source file. `problem` is set when the row itself is malformed."""

    number: int
    record: dict[str, Any]
    problem: str | None = None
    ref: str | None = None  # what names the record in its file, when a row number is not enough

    def origin(self, path: Path) -> str:
        return f"{path.name}#{self.ref or f'row={self.number}'}"


def detect_format(path: Path, declared: str | None = None) -> str:
    """The declared format, else the one the file name implies (`.ftm.json`, `.xlsx`, …)."""
    from nexus.ingest.formats import ENTITY_FORMATS, format_for_suffix

    known = (*TABULAR_FORMATS, *ENTITY_FORMATS)
    if declared is not None:
        if declared not in known:
            raise SourceError(
                f"{path}: unknown format {declared!r} (use one of {', '.join(known)})"
            )
        return declared
    found = format_for_suffix(path.name) or _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise SourceError(f"{path}: cannot tell the format from the name; declare `format:`")
    return found


def decoded_lines(path: Path, encoding: str) -> Iterator[str]:
    """A file's lines, decoded one by one so that an encoding error names its exact row."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise SourceError(f"{path}: cannot open: {exc.strerror}") from exc
    with fh:
        for number, raw in enumerate(fh, start=1):
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise SourceError(
                    f"{path} row {number}: not {encoding} text ({exc.reason} at byte "
                    f"{exc.start} of the row); set `encoding:` in the mapping (for example "
                    "cp1252) or re-save the file as UTF-8"
                ) from exc


def read_json_lines(path: Path, encoding: str) -> Iterator[SourceRow]:
    """One JSON object a line; a broken line becomes a row with a problem, not an abort."""
    for number, line in enumerate(decoded_lines(path, encoding), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield SourceRow(number, {"_line": line[:2000]}, f"not valid JSON: {exc.msg}")
            continue
        if not isinstance(data, dict):
            yield SourceRow(number, {"_line": line[:2000]}, "a line must be a JSON object")
            continue
        yield SourceRow(number, data)


def cell_text(value: Any) -> str | None:
    """Spreadsheet and JSON values as the text a clerk typed (dates as ISO, 12.0 as 12)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value).strip()
    return text or None


@dataclass(frozen=True, slots=True)
class TabularSource:
    """A data file with its reading options (from the mapping's query)."""

    path: Path
    format: str
    sheet: str | None = None
    delimiter: str | None = None
    encoding: str = "utf-8-sig"

    def count_rows(self) -> int | None:
        """Rows to expect, for progress bars; cheap for line formats, None when unknown."""
        if self.format not in ("csv", "jsonl", "ftm"):
            return None
        with self.path.open("rb") as fh:
            return max(sum(1 for _ in fh) - (1 if self.format == "csv" else 0), 0)

    def header(self) -> list[str] | None:
        """Column names for tabular formats (None for JSON lines, whose keys vary by record)."""
        if self.format == "csv":
            for cells in csv.reader(
                decoded_lines(self.path, self.encoding), delimiter=self._delimiter()
            ):
                return [h.strip() for h in cells]
            raise SourceError(f"{self.path}: the file is empty (no header row)")
        if self.format == "excel":
            with self._sheet() as sheet:
                for row in sheet.iter_rows(max_row=1, values_only=True):
                    return [cell_text(v) or "" for v in row]
                raise SourceError(f"{self.path}: sheet {sheet.title!r} is empty (no header row)")
        return None

    def rows(self) -> Iterator[SourceRow]:
        from nexus.ingest.formats import ENTITY_FORMATS

        if self.format == "csv":
            return self._csv_rows()
        if self.format == "excel":
            return self._excel_rows()
        if self.format in ENTITY_FORMATS:
            return ENTITY_FORMATS[self.format].read(self.path, self.encoding)
        return read_json_lines(self.path, self.encoding)

    # -- CSV -----------------------------------------------------------------------------------
    def _delimiter(self) -> str:
        if self.delimiter:
            return self.delimiter
        with self.path.open("rb") as fh:
            sample = fh.read(65536).decode(self.encoding, errors="replace")
        try:
            return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            return ","

    def _csv_rows(self) -> Iterator[SourceRow]:
        reader = csv.reader(decoded_lines(self.path, self.encoding), delimiter=self._delimiter())
        try:
            header = [h.strip() for h in next(reader)]
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                record = {h: (c.strip() or None) for h, c in zip(header, cells, strict=False)}
                problem = None
                if len(cells) != len(header):
                    problem = f"row has {len(cells)} fields but the header has {len(header)}"
                yield SourceRow(reader.line_num, record, problem)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SourceError(f"{self.path} row {reader.line_num}: unreadable CSV: {exc}") from exc

    # -- Excel ---------------------------------------------------------------------------------
    @contextmanager
    def _sheet(self) -> Iterator[Any]:
        """The chosen sheet; read-only workbooks hold their file open until closed."""
        from openpyxl import load_workbook

        try:
            book = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise SourceError(f"{self.path}: not a readable Excel workbook: {exc}") from exc
        try:
            if self.sheet is None:
                yield book.worksheets[0]
            elif self.sheet not in book.sheetnames:
                raise SourceError(
                    f"{self.path}: no sheet {self.sheet!r} (sheets: {', '.join(book.sheetnames)})"
                )
            else:
                yield book[self.sheet]
        finally:
            book.close()

    def _excel_rows(self) -> Iterator[SourceRow]:
        with self._sheet() as sheet:
            rows = sheet.iter_rows(values_only=True)
            header = [cell_text(v) or "" for v in next(rows, ())]
            for number, values in enumerate(rows, start=2):
                if all(cell_text(v) is None for v in values):
                    continue
                record = {h: cell_text(v) for h, v in zip(header, values, strict=False)}
                yield SourceRow(number, record)
