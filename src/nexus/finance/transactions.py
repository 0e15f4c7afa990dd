"""Transactions in columnar form: the scan layout as Arrow and Parquet, built from a CSV checked
row by row, or from the Payments a viewer may see in the store (read through the policy layer).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

import pyarrow as pa

from nexus.finance.sql import CASH, SCAN_COLUMNS, LoadReport, RowError, TransactionEngine
from nexus.policy import Reader
from nexus.settings import TypologySettings
from nexus.store import StoredStatement

__all__ = [
    "SCAN_SCHEMA",
    "StorePayments",
    "load_scan_csv",
    "payments_from_store",
    "write_rejects",
]

SCAN_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("timestamp", pa.timestamp("s")),
        ("payer_account", pa.string()),
        ("beneficiary_account", pa.string()),
        ("amount", pa.float64()),
        ("currency", pa.string()),
        ("channel", pa.string()),
        ("payer_country", pa.string()),
        ("beneficiary_country", pa.string()),
        ("branch", pa.string()),
    ]
)
REJECT_COLUMNS = ("line", "field", "value", "reason", "record")


def load_scan_csv(engine: TransactionEngine, path: Path, settings: TypologySettings) -> LoadReport:
    """Load a scan-layout CSV into the engine; rows with a problem are reported, not loaded."""
    return engine.load_csv(path, settings)


def write_rejects(errors: Iterable[RowError], fh: IO[str]) -> int:
    """The rows set aside, one per line: line,field,value,reason,record."""
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(REJECT_COLUMNS)
    count = 0
    for error in errors:
        writer.writerow((error.line, error.field, error.value, error.reason, error.record))
        count += 1
    return count


# -- Payments from the store ---------------------------------------------------------------------
@dataclass
class StorePayments:
    """The viewer's Payments in the scan layout; accounts are written as their numbers where
    known, and `entity_of` gives the entity id behind each account label and payment id."""

    table: pa.Table
    entity_of: dict[str, str] = field(default_factory=dict)
    skipped: list[RowError] = field(default_factory=list)
    duplicates: int = 0


_IBAN = re.compile(r"^([A-Z]{2})\d{2}[A-Z0-9]{10,30}$")
_PK_IBAN = re.compile(r"^PK\d{2}[A-Z]{4}(\d{16})$")


class _Accounts:
    """Bank accounts as the viewer sees them, joined when resolution merged them or when they
    carry the same account number (a Pakistani IBAN ends in the bank's 16-digit number, which
    some extracts write alone)."""

    def __init__(self, home: str) -> None:
        self.home = home
        self.parent: dict[str, str] = {}
        self.props: dict[str, dict[str, set[str]]] = {}
        self.named: dict[str, tuple[str, str, str]] = {}

    def add(self, stmt: StoredStatement) -> None:
        self._union(stmt.entity_id, stmt.canonical_id)
        values = self.props.setdefault(stmt.canonical_id, {})
        values.setdefault(stmt.prop, set()).add(stmt.value)

    def _find(self, key: str) -> str:
        root = key
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while key != root:
            key, self.parent[key] = self.parent.get(key, key), root
        return root

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def finish(self) -> None:
        """Join accounts by number, then name each group once."""
        for cid, values in self.props.items():
            for number in _numbers(values):
                self._union(cid, f"number:{number}")
        groups: dict[str, list[str]] = {}
        for cid in self.props:
            groups.setdefault(self._find(cid), []).append(cid)
        for root, members in groups.items():
            merged: dict[str, set[str]] = {}
            for member in members:
                for prop, found in self.props[member].items():
                    merged.setdefault(prop, set()).update(found)
            self.named[root] = self._name(merged, min(members))

    def _name(self, values: dict[str, set[str]], entity_id: str) -> tuple[str, str, str]:
        ibans = sorted(re.sub(r"\s", "", v).upper() for v in values.get("iban", ()))
        numbers = sorted(values.get("accountNumber", ()))
        label = (ibans or numbers or [entity_id])[0]
        countries = sorted(values.get("country", ()))
        if countries:
            country = countries[0].lower()
        elif (match := _IBAN.match(label)) is not None:
            country = match.group(1).lower()
        elif re.fullmatch(r"\d{16}", label):
            country = self.home  # a domestic bank's own account number
        else:
            country = "xx"  # not known: neither home nor any listed jurisdiction
        return label, entity_id, country

    def label(self, entity_id: str) -> tuple[str, str, str]:
        """(label, entity id, country) of the account an entity id belongs to."""
        return self.named.get(self._find(entity_id), (entity_id, entity_id, "xx"))


def _numbers(values: dict[str, set[str]]) -> set[str]:
    numbers = set()
    for prop in ("iban", "accountNumber"):
        for value in values.get(prop, ()):
            text = re.sub(r"[\s-]", "", value).upper()
            match = _PK_IBAN.match(text)
            numbers.add(match.group(1) if match else text)
    return numbers


def _entities(statements: Iterable[StoredStatement]) -> Iterator[tuple[str, dict[str, list[str]]]]:
    grouped: dict[str, dict[str, list[str]]] = {}
    for stmt in statements:
        grouped.setdefault(stmt.canonical_id, {}).setdefault(stmt.prop, []).append(stmt.value)
    yield from grouped.items()


def _channel(props: dict[str, list[str]], payer: str, beneficiary: str) -> str:
    if payer == CASH:
        return "cash_deposit"
    if beneficiary == CASH:
        return "cash_withdrawal"
    text = " ".join(props.get("summary", []) + props.get("purpose", [])).upper()
    if "HAWALA" in text or "HUNDI" in text:
        return "hawala"
    if "WALLET" in text or re.search(r"\bMW\b", text):
        return "mobile_wallet"
    return "wire"


def _moment(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            moment = dt.datetime.combine(dt.date.fromisoformat(value[:10]), dt.time())
        except ValueError:
            return None
    return moment.replace(tzinfo=None)


def _when_and_how_much(props: dict[str, list[str]]) -> tuple[dt.datetime, float] | RowError:
    date = next(filter(None, map(_moment, sorted(props.get("date", [])))), None)
    if date is None:
        return RowError(0, "date", "", "no date that can be read")
    amounts = sorted(props.get("amount", []))
    if not amounts:
        return RowError(0, "amount", "", "no amount")
    try:
        return date, float(amounts[0].replace(",", ""))
    except ValueError:
        return RowError(0, "amount", amounts[0], "not a number")


def payments_from_store(reader: Reader, settings: TypologySettings) -> StorePayments:
    """Every Payment the viewer may see, in the scan layout. A Payment without date or amount
    is skipped with a reason; the same transfer in two banks' extracts is kept once."""
    home = settings.home_country.lower()
    rates = {c.upper(): r for c, r in settings.fx_to_pkr.items() if r > 0}
    accounts = _Accounts(home)
    for stmt in reader.iter_statements(schema="BankAccount"):
        accounts.add(stmt)
    accounts.finish()
    columns: dict[str, list[object]] = {name: [] for name in SCAN_COLUMNS}
    result = StorePayments(pa.table({}))
    seen: set[tuple[object, ...]] = set()
    for number, (pid, props) in enumerate(_entities(reader.iter_statements(schema="Payment"))):
        parsed = _when_and_how_much(props)
        if isinstance(parsed, RowError):
            result.skipped.append(replace(parsed, line=number + 1, record=f"Payment {pid}"))
            continue
        date, value = parsed
        sides = []
        for prop in ("payerAccount", "beneficiaryAccount"):
            ids = sorted(props.get(prop, []))
            if not ids:
                sides.append((CASH, CASH, home))
                continue
            label, entity_id, country = accounts.label(ids[0])
            result.entity_of[label] = entity_id
            sides.append((label, entity_id, country))
        (payer, _, payer_country), (beneficiary, _, beneficiary_country) = sides
        if payer == CASH and beneficiary == CASH:
            result.skipped.append(
                RowError(
                    number + 1, "payerAccount", "", "no account on either side", f"Payment {pid}"
                )
            )
            continue
        currency = next(iter(sorted(props.get("currency", []))), "PKR").upper()
        # The same transfer reported twice (by the banks of both sides, or in a bank extract and
        # a goAML report, in another currency): same day, accounts and value to the thousand.
        rate = rates.get(currency)
        worth = round(value * rate / 1000) if rate else (round(value, 2), currency)
        key = (date.date(), payer, beneficiary, worth)
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        result.entity_of[pid] = pid
        row = (
            pid,
            date,
            payer,
            beneficiary,
            value,
            currency,
            _channel(props, payer, beneficiary),
            payer_country,
            beneficiary_country,
            None,
        )
        for name, item in zip(SCAN_COLUMNS, row, strict=True):
            columns[name].append(item)
    result.table = pa.table(columns, schema=SCAN_SCHEMA)
    return result
