"""DuckDB dialect, the engine: loads transactions (a CSV checked row by row, or Arrow) into an
in-process database and runs the detectors' SQL over them.

Tables: `raw` (the rows as read; `rowid` follows the file), `bad` (rows set aside), `tx` (good
rows, accounts keyed by a 64-bit hash of their number, amounts in PKR, epoch seconds), `flows`
(each transfer once from each account's side), `meta` (first and last moment).
"""

from __future__ import annotations

import csv
import math
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from nexus.exceptions import SourceError
from nexus.finance.sql import (
    CASH,
    CHANNELS,
    SCAN_COLUMNS,
    Candidates,
    LoadReport,
    RowError,
    TransactionEngine,
    TransactionRow,
)
from nexus.finance.sql.duckdb.detectors import SCRIPTS
from nexus.settings import TypologySettings

_TYPES = {"timestamp": "TIMESTAMP", "amount": "DOUBLE"}
# Columns with few distinct values: checked (and normalised) once per value, not per row.
_CODED = ("currency", "channel", "payer_country", "beneficiary_country")

_LOAD = (
    # Later rows that reuse an id (the first one stands); ids are grouped by a hash first, so
    # that strings are compared only where two hashes clash.
    """CREATE OR REPLACE TABLE repeated AS
    WITH clash AS (SELECT hash(id) AS h FROM raw GROUP BY hash(id) HAVING COUNT(*) > 1)
    SELECT r.rowid AS n FROM raw r JOIN (
        SELECT id, MIN(rowid) AS first FROM raw WHERE hash(id) IN (SELECT h FROM clash)
        GROUP BY id HAVING COUNT(*) > 1
    ) d ON d.id = r.id AND r.rowid > d.first""",
    # One pass: every row typed, with `ok` saying whether it passes every check. Accounts are
    # keyed by a 64-bit hash of their number, so that no join is ever made on account strings
    # (two of a million accounts share a key with odds of about 1 in 10^7).
    """CREATE OR REPLACE TABLE tx AS
    SELECT r.rowid AS n, CAST(epoch(r."timestamp") AS BIGINT) AS ts,
        CASE WHEN r.payer_account <> '{cash}'
            THEN CAST(hash(r.payer_account) >> 1 AS BIGINT) END AS payer,
        CASE WHEN r.beneficiary_account <> '{cash}'
            THEN CAST(hash(r.beneficiary_account) >> 1 AS BIGINT) END AS payee,
        r.amount * {rate} AS pkr, {channel} AS channel,
        {payer_country} AS payer_country, {beneficiary_country} AS payee_country,
        CASE WHEN trim(r.branch) <> '' THEN CAST(hash(trim(r.branch)) >> 1 AS BIGINT) END
            AS branch,
        NOT COALESCE(
            r.id IS NULL OR trim(r.id) = '' OR r."timestamp" IS NULL
            OR r.payer_account IS NULL OR r.beneficiary_account IS NULL
            OR r.amount IS NULL OR NOT isfinite(r.amount) OR r.amount <= 0
            OR r.currency IS NULL OR r.currency NOT IN {currencies}
            OR r.channel IS NULL OR r.channel NOT IN {channels}
            OR r.payer_country IS NULL OR r.payer_country NOT IN {countries}
            OR r.beneficiary_country IS NULL OR r.beneficiary_country NOT IN {countries}
            OR (r.payer_account = '{cash}' AND {channel} <> 'cash_deposit')
            OR (r.beneficiary_account = '{cash}' AND {channel} <> 'cash_withdrawal')
            OR r.rowid IN (SELECT n FROM repeated), TRUE) AS ok
    FROM raw r""",
    # The rows failing a check (their reasons are worked out for these few only), then gone.
    "CREATE OR REPLACE TABLE bad AS SELECT n FROM tx WHERE NOT ok",
    "DELETE FROM tx WHERE NOT ok",
    # `domestic`: the account is held at home, so the extracts show all of its activity.
    """CREATE OR REPLACE TABLE flows AS
    SELECT payer AS acc, payee AS other, n, ts, pkr, TRUE AS outgoing,
        payer_country = '{home}' AS domestic FROM tx
    WHERE payer IS NOT NULL
    UNION ALL
    SELECT payee AS acc, payer AS other, n, ts, pkr, FALSE AS outgoing,
        payee_country = '{home}' AS domestic FROM tx
    WHERE payee IS NOT NULL""",
    "CREATE OR REPLACE TABLE meta AS SELECT MIN(ts) AS t0, MAX(ts) AS t1 FROM tx",
)


@dataclass(frozen=True)
class _Codes:
    """The valid codes of a batch as written, and what each means."""

    rates: dict[str, float]  # currency as written -> rate to PKR
    channels: dict[str, str]  # as written -> channel
    countries: dict[str, str]  # as written -> two-letter code, lower case

    def sql(self) -> dict[str, str]:
        return {
            "currencies": _in(self.rates),
            "channels": _in(self.channels),
            "countries": _in(self.countries),
            "rate": _case("r.currency", {k: repr(v) for k, v in self.rates.items()}, "NULL"),
            "channel": _renamed("r.channel", self.channels),
            "payer_country": _renamed("r.payer_country", self.countries),
            "beneficiary_country": _renamed("r.beneficiary_country", self.countries),
        }


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in(values: Mapping[str, object]) -> str:
    return "(" + ", ".join(_literal(v) for v in sorted(values)) + ")" if values else "(NULL)"


def _case(column: str, mapping: Mapping[str, str], default: str) -> str:
    if not mapping:
        return default
    whens = " ".join(f"WHEN {_literal(k)} THEN {v}" for k, v in sorted(mapping.items()))
    return f"CASE {column} {whens} ELSE {default} END"


def _renamed(column: str, mapping: Mapping[str, str]) -> str:
    """The column with values written otherwise (` Wire`, `PK`) put in their normal form."""
    changed = {k: _literal(v) for k, v in mapping.items() if k != v}
    return _case(column, changed, column)


class DuckDBEngine(TransactionEngine):
    """An in-process DuckDB database holding one batch of transactions."""

    def __init__(self, threads: int | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="nexus-duckdb-")
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"SET temp_directory = '{_quote(self._tmp.name)}'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.con.execute("SET enable_progress_bar = false")

    # -- loading -------------------------------------------------------------------------------
    def load_csv(self, path: Path, settings: TypologySettings) -> LoadReport:
        columns = _header(path)
        spec = ", ".join(f"'{c}': '{_TYPES.get(c, 'VARCHAR')}'" for c in columns)
        self.con.execute("DROP TABLE IF EXISTS reject_errors")
        self.con.execute("DROP TABLE IF EXISTS reject_scans")
        try:
            # DuckDB-specific: the CSV reader sets aside, with their line numbers, rows it cannot
            # split or whose amount or timestamp it cannot convert; insertion order is kept, so
            # a row's rowid is its place in the file.
            self.con.execute(
                f"""CREATE OR REPLACE TABLE raw AS
                SELECT * FROM read_csv(?, header = true, auto_detect = false, delim = ',',
                    quote = '"', escape = '"', columns = {{{spec}}}, store_rejects = true,
                    strict_mode = true)""",
                [str(path)],
            )
        except duckdb.Error as exc:
            raise SourceError(f"{path}: cannot be read as CSV: {exc}") from exc
        report = LoadReport(str(path))
        self._check(report, self._malformed(), settings)
        return report

    def _malformed(self) -> list[RowError]:
        rows = self.con.execute(
            """SELECT line, any_value(column_name), any_value(csv_line), any_value(error_message)
            FROM reject_errors GROUP BY line ORDER BY line"""
        ).fetchall()
        errors = []
        for line, column, record, message in rows:
            problem, value = _csv_problem(message)
            whole_row = problem.startswith(("expected", "a quoted", "not UTF-8"))
            field = "" if whole_row else str(column or "")
            errors.append(RowError(int(line), field, value, problem, str(record or "")))
        return errors

    def load_arrow(self, table: pa.Table, settings: TypologySettings) -> LoadReport:
        missing = [c for c in SCAN_COLUMNS if c not in table.column_names]
        if missing:
            raise SourceError(f"transactions lack the column(s) {', '.join(missing)}")
        self.con.register("incoming", table.select(list(SCAN_COLUMNS)))
        casts = ", ".join(
            f'CAST("{c}" AS {_TYPES.get(c, "VARCHAR")}) AS "{c}"' for c in SCAN_COLUMNS
        )
        self.con.execute(f"CREATE OR REPLACE TABLE raw AS SELECT {casts} FROM incoming")
        self.con.unregister("incoming")
        report = LoadReport("transactions")
        self._check(report, [], settings)
        return report

    def _codes(self, settings: TypologySettings) -> _Codes:
        """Each distinct code as written, with its normal form where it is a valid one."""
        distinct: dict[str, set[str]] = {c: set() for c in _CODED}
        rows = self.con.execute(f"SELECT DISTINCT {', '.join(_CODED)} FROM raw").fetchall()
        for row in rows:
            for column, value in zip(_CODED, row, strict=True):
                if value is not None:
                    distinct[column].add(value)
        rates = {c.strip().upper(): float(r) for c, r in settings.fx_to_pkr.items() if r > 0}
        countries = distinct["payer_country"] | distinct["beneficiary_country"]
        return _Codes(
            rates={
                v: rates[v.strip().upper()]
                for v in distinct["currency"]
                if v.strip().upper() in rates
            },
            channels={
                v: v.strip().lower() for v in distinct["channel"] if v.strip().lower() in CHANNELS
            },
            countries={
                v: v.strip().lower()
                for v in countries
                if re.fullmatch(r"[a-z]{2}", v.strip().lower())
            },
        )

    def _check(
        self, report: LoadReport, malformed: list[RowError], settings: TypologySettings
    ) -> None:
        """Check every row in SQL; keep the good ones in `tx`, report the rest by line."""
        codes = self._codes(settings)
        fragments = codes.sql()
        # Row numbers are fixed (rowid follows the file); later tables need no order.
        self.con.execute("SET preserve_insertion_order = false")
        try:
            for statement in _LOAD:
                self.con.execute(
                    statement.format(
                        cash=_quote(CASH), home=_quote(settings.home_country.lower()), **fragments
                    )
                )
        finally:
            self.con.execute("SET preserve_insertion_order = true")
        errors = list(malformed) + self._bad_rows(sorted(e.line for e in malformed), codes)
        errors.sort(key=lambda e: e.line)
        report.errors = errors
        count = self.con.execute("SELECT COUNT(*) FROM raw").fetchone()
        report.rows_read = int(count[0] if count else 0) + len(malformed)
        report.rows_loaded = report.rows_read - len(errors)

    def _bad_rows(self, skipped: list[int], codes: _Codes) -> list[RowError]:
        columns = ", ".join(f'CAST(r."{c}" AS VARCHAR)' for c in SCAN_COLUMNS)
        rows = self.con.execute(
            f"""SELECT b.n, b.n IN (SELECT n FROM repeated), r.amount, {columns}
            FROM bad b JOIN raw r ON r.rowid = b.n ORDER BY b.n"""
        ).fetchall()
        errors = []
        for n, repeated, amount, *values in rows:
            record = dict(zip(SCAN_COLUMNS, values, strict=True))
            field, reason = _problem(record, amount, repeated, codes)
            raw = ",".join("" if v is None else str(v) for v in values)
            value = record.get(field)
            errors.append(
                RowError(
                    _line(int(n), skipped),
                    field,
                    "" if value is None else str(value),
                    reason,
                    raw,
                )
            )
        return errors

    # -- queries ---------------------------------------------------------------------------------
    def transaction_count(self) -> int:
        row = self.con.execute("SELECT COUNT(*) FROM tx").fetchone()
        return int(row[0]) if row else 0

    def write_parquet(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.con.execute(
            f"""COPY (SELECT r.id, r."timestamp", r.payer_account, r.beneficiary_account,
                r.amount, upper(trim(r.currency)) AS currency, t.channel, t.payer_country,
                t.payee_country AS beneficiary_country, NULLIF(trim(r.branch), '') AS branch
                FROM tx t JOIN raw r ON r.rowid = t.n ORDER BY t.n)
            TO '{_quote(str(path))}' (FORMAT parquet)"""
        )

    def detect(self, name: str, settings: TypologySettings) -> Candidates:
        script = SCRIPTS[name](getattr(settings, name), settings)
        for statement in script.steps:
            self.con.execute(statement)
        result = self.con.execute(script.alerts)
        names = [d[0] for d in result.description]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        members: dict[int, list[int]] = {}
        for k, n in self.con.execute(script.members).fetchall():
            members.setdefault(int(k), []).append(int(n))
        return Candidates(rows, members)

    def accounts(self, keys: Sequence[int]) -> Mapping[int, str]:
        found = self._lookup(
            f"""SELECT DISTINCT acc, account FROM (
                SELECT CAST(hash(payer_account) >> 1 AS BIGINT) AS acc,
                    payer_account AS account FROM raw WHERE payer_account <> '{CASH}'
                UNION ALL
                SELECT CAST(hash(beneficiary_account) >> 1 AS BIGINT),
                    beneficiary_account FROM raw WHERE beneficiary_account <> '{CASH}')""",
            "acc",
            keys,
        )
        return {int(k): str(v) for k, v in found}

    def transactions(self, numbers: Sequence[int]) -> Mapping[int, TransactionRow]:
        # Two narrow look-ups (each a semi-join DuckDB answers without a full join of the two
        # ten-million-row tables), put together here.
        typed = {
            int(r[0]): r[1:]
            for r in self._lookup(
                "SELECT n, ts, pkr, channel, payer_country, payee_country, payer, payee FROM tx",
                "n",
                numbers,
            )
        }
        written = self._lookup(
            """SELECT rowid AS n, id, payer_account, beneficiary_account, amount,
                upper(trim(currency)) FROM raw""",
            "n",
            list(typed),
        )
        out = {}
        for n, id_, payer, beneficiary, amount, currency in written:
            ts, pkr, channel, payer_country, payee_country, payer_key, payee_key = typed[int(n)]
            out[int(n)] = TransactionRow(
                id=str(id_),
                ts=int(ts),
                payer=str(payer),
                beneficiary=str(beneficiary),
                amount=float(amount),
                currency=str(currency),
                pkr=float(pkr),
                channel=str(channel),
                payer_country=str(payer_country),
                beneficiary_country=str(payee_country),
                payer_key=None if payer_key is None else int(payer_key),
                beneficiary_key=None if payee_key is None else int(payee_key),
            )
        return out

    def _lookup(self, query: str, key: str, values: Sequence[int]) -> list[tuple[Any, ...]]:
        if not values:
            return []
        wanted = pa.table({key: pa.array(sorted(set(values)), pa.int64())})
        self.con.register("wanted", wanted)
        try:
            return self.con.execute(
                f"SELECT * FROM ({query}) q WHERE q.{key} IN (SELECT {key} FROM wanted)"
            ).fetchall()
        finally:
            self.con.unregister("wanted")

    def close(self) -> None:
        self.con.close()
        self._tmp.cleanup()


# -- loading helpers -----------------------------------------------------------------------------
def _header(path: Path) -> list[str]:
    """The file's column names, checked against the scan layout (any order)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except FileNotFoundError as exc:
        raise SourceError(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}, line 1: the header is not UTF-8 text") from exc
    if not header:
        raise SourceError(f"{path}: empty file (expected a header: {','.join(SCAN_COLUMNS)})")
    names = [h.strip() for h in header]
    missing = [c for c in SCAN_COLUMNS if c not in names]
    unknown = [c for c in names if c not in SCAN_COLUMNS]
    if missing or unknown or len(set(names)) != len(names):
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        if len(set(names)) != len(names):
            parts.append("a column is named twice")
        raise SourceError(f"{path}, line 1: {'; '.join(parts)} (expected {','.join(SCAN_COLUMNS)})")
    return names


def _problem(
    record: Mapping[str, str | None], amount: float | None, repeated: bool, codes: _Codes
) -> tuple[str, str]:
    """The first thing wrong with a row the checks set aside, as (field, reason)."""
    channel = codes.channels.get(record["channel"] or "")
    checks: list[tuple[bool, str, str]] = [
        (not (record["id"] or "").strip(), "id", "missing"),
        (repeated, "id", "repeats the id of an earlier row"),
        (record["timestamp"] is None, "timestamp", "missing"),
        (
            record["payer_account"] is None,
            "payer_account",
            "missing (write CASH for a cash deposit)",
        ),
        (
            record["beneficiary_account"] is None,
            "beneficiary_account",
            "missing (write CASH for a cash withdrawal)",
        ),
        (amount is None, "amount", "missing"),
        (amount is not None and not math.isfinite(amount), "amount", "not a number"),
        (amount is not None and amount <= 0, "amount", "must be more than zero"),
        (record["currency"] is None, "currency", "missing"),
        (
            (record["currency"] or "") not in codes.rates,
            "currency",
            "no exchange rate for it (add it to typologies.fx_to_pkr)",
        ),
        (record["channel"] is None, "channel", "missing"),
        (channel is None, "channel", f"not one of {', '.join(CHANNELS)}"),
        (
            record["payer_account"] == CASH and channel != "cash_deposit",
            "payer_account",
            "CASH pays only in a cash_deposit",
        ),
        (
            record["beneficiary_account"] == CASH and channel != "cash_withdrawal",
            "beneficiary_account",
            "CASH receives only in a cash_withdrawal",
        ),
    ]
    for side in ("payer_country", "beneficiary_country"):
        checks.append((record[side] is None, side, "missing"))
        checks.append(
            ((record[side] or "") not in codes.countries, side, "not a two-letter country code")
        )
    for failed, field, reason in checks:
        if failed:
            return field, reason
    return "", "rejected"


def _line(r: int, skipped: list[int]) -> int:
    """File line of the r-th (0-based) row the CSV reader kept, given the lines it set aside."""
    line = r + 2
    for bad in skipped:
        if bad <= line:
            line += 1
        else:
            break
    return line


def _csv_problem(message: str) -> tuple[str, str]:
    """A reader's complaint as (reason, value)."""
    text = (message or "malformed row").strip().splitlines()[0]
    counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if counts:
        return f"expected {counts.group(1)} fields, found {counts.group(2)}", ""
    cast = re.search(r"Could not convert string \"(.*)\" to '(\w+)'", text)
    if cast:
        if cast.group(2) == "DOUBLE":
            return "not a number", cast.group(1)
        return "not a date and time (e.g. 2024-03-01T14:05:00)", cast.group(1)
    if "utf-8" in text.lower() or "unicode" in text.lower():
        return "not UTF-8 text", ""
    if "quote" in text.lower():
        return "a quoted value is never closed", ""
    return text, ""


def _quote(text: str) -> str:
    return text.replace("'", "''")
