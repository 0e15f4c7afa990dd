"""The SQL engines that hold transactions in columnar form and answer the typology detectors.

One package per dialect: `duckdb` (loading and checking rows, the detectors' SQL) and `spark`
(the same detectors' SQL, unchanged, over transactions held by Spark). The queries are written in
the subset both dialects share (epoch-second integers for time, window functions, joins bounded
by time windows, no list or string aggregation); what is dialect-specific is marked where it
occurs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from nexus.settings import TypologySettings

__all__ = [
    "DETECTOR_NAMES",
    "PROFILE_SQL",
    "SCAN_COLUMNS",
    "AccountProfile",
    "Candidates",
    "LoadReport",
    "RowError",
    "TransactionEngine",
    "TransactionRow",
    "open_engine",
]

# The flat layout `nexus scan-transactions` reads (and the scenario's exports/transactions.csv).
SCAN_COLUMNS: tuple[str, ...] = (
    "id",
    "timestamp",
    "payer_account",
    "beneficiary_account",
    "amount",
    "currency",
    "channel",
    "payer_country",
    "beneficiary_country",
    "branch",
)
CHANNELS: tuple[str, ...] = (
    "cash_deposit",
    "cash_withdrawal",
    "wire",
    "mobile_wallet",
    "hawala",
    "other",
)
CASH = "CASH"

# Every detector the engines answer, most specific first (the order alerts are reconciled in).
DETECTOR_NAMES: tuple[str, ...] = (
    "structuring",
    "hawala",
    "cycle",
    "scatter_gather",
    "fan_in",
    "fan_out",
    "high_risk",
    "pass_through",
    "dormant",
)


@dataclass(frozen=True)
class RowError:
    """One row that could not be scanned: where, which field, and why."""

    line: int  # line of the file (the header is line 1)
    field: str  # column name, or "" when the row as a whole is malformed
    value: str
    reason: str
    record: str = ""  # the raw row, as far as it could be read


@dataclass
class LoadReport:
    """What loading a transactions file did: rows read, rows kept, and the rows set aside."""

    source: str
    rows_read: int = 0
    rows_loaded: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class TransactionRow:
    """One transaction as the detectors' reasons quote it."""

    id: str
    ts: int  # seconds since 1970
    payer: str  # account, or CASH
    beneficiary: str
    amount: float
    currency: str
    pkr: float
    channel: str
    payer_country: str
    beneficiary_country: str
    payer_key: int | None = None  # the engine's key for each account (None for cash)
    beneficiary_key: int | None = None


@dataclass
class Candidates:
    """A detector's answer from SQL: one row of figures per suspected pattern (column `k` is its
    key) and the transaction numbers (`n`) that make up each, keyed the same way."""

    rows: list[dict[str, Any]]
    members: dict[int, list[int]]


# Each account's place in the whole extract: the vertex figures a graph feature preprocessor
# (GFP) hands a learnt model beside the pattern's own, in the SQL both dialects share.
PROFILE_SQL = """SELECT acc,
    COUNT(DISTINCT CASE WHEN NOT outgoing THEN other END) AS payers,
    COUNT(DISTINCT CASE WHEN outgoing THEN other END) AS payees,
    SUM(CASE WHEN outgoing THEN 0 ELSE 1 END) AS received_count,
    SUM(CASE WHEN outgoing THEN 1 ELSE 0 END) AS sent_count,
    SUM(CASE WHEN outgoing THEN 0 ELSE pkr END) AS received,
    SUM(CASE WHEN outgoing THEN pkr ELSE 0 END) AS sent,
    MAX(ts) - MIN(ts) AS span
FROM flows GROUP BY acc"""


@dataclass(frozen=True)
class AccountProfile:
    """One account over the whole extract: distinct accounts paying it and paid by it (cash is
    no account), transfers and PKR each way, and seconds from its first transfer to its last."""

    payers: int
    payees: int
    received_count: int
    sent_count: int
    received: float
    sent: float
    span: int


class TransactionEngine(ABC):
    """Transactions held by one SQL engine, with one query per typology detector."""

    @abstractmethod
    def load_csv(self, path: Path, settings: TypologySettings) -> LoadReport:
        """Read a scan-layout CSV, validating every row; bad rows are reported, not loaded."""

    @abstractmethod
    def load_arrow(self, table: pa.Table, settings: TypologySettings) -> LoadReport:
        """Load already-typed transactions (Payments from the store, a Parquet file)."""

    @abstractmethod
    def transaction_count(self) -> int: ...

    @abstractmethod
    def write_parquet(self, path: Path) -> None:
        """Keep the loaded transactions as Parquet (the columnar copy DuckDB and Spark share)."""

    @abstractmethod
    def detect(self, name: str, settings: TypologySettings) -> Candidates:
        """Run one detector's queries with its parameters."""

    @abstractmethod
    def accounts(self, keys: Sequence[int]) -> Mapping[int, str]:
        """Account numbers for the engine's internal account keys."""

    @abstractmethod
    def transactions(self, numbers: Sequence[int]) -> Mapping[int, TransactionRow]:
        """The transactions with these engine numbers."""

    def account_profiles(self, keys: Sequence[int]) -> Mapping[int, AccountProfile]:
        """The profile of each of these internal account keys."""
        return {
            int(r[0]): AccountProfile(
                int(r[1]), int(r[2]), int(r[3]), int(r[4]), float(r[5]), float(r[6]), int(r[7])
            )
            for r in self._lookup(PROFILE_SQL, "acc", keys)
        }

    @abstractmethod
    def _lookup(self, query: str, key: str, values: Sequence[int]) -> list[Any]:
        """The rows of `query` whose column `key` holds one of `values`."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> TransactionEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_engine(backend: str = "duckdb", threads: int | None = None) -> TransactionEngine:
    """An engine by dialect name: duckdb (in process) or spark (a local Spark session)."""
    if backend == "duckdb":
        from nexus.finance.sql.duckdb import DuckDBEngine

        return DuckDBEngine(threads=threads)
    if backend == "spark":
        from nexus.finance.sql.spark import SparkEngine

        return SparkEngine(threads=threads)
    from nexus.exceptions import ConfigError

    raise ConfigError(f"unknown transaction engine {backend!r}: use duckdb or spark")
