"""Spark SQL dialect, the engine: runs the detectors' SQL, unchanged, over transactions held by
Spark, for batches larger than one machine. Rows are checked by the DuckDB engine first (a CSV
is read and checked there and handed over as Parquet), so that the checks exist once.

Tables (temporary views, each materialised once): `raw` (the rows), `tx`, `flows`, `meta` as in
the DuckDB engine; accounts are keyed by Spark's 64-bit `xxhash64` of their number.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from nexus.exceptions import ConfigError
from nexus.finance.sql import (
    CASH,
    SCAN_COLUMNS,
    Candidates,
    LoadReport,
    TransactionEngine,
    TransactionRow,
)
from nexus.finance.sql.duckdb.detectors import SCRIPTS
from nexus.settings import TypologySettings

# The DuckDB engine's `tx` and `flows`, in Spark SQL: `xxhash64` for DuckDB's `hash`,
# `unix_timestamp` for `epoch`; the rows arrive checked and normalised.
_PREPARE = (
    (
        "tx",
        """SELECT r.n, CAST(unix_timestamp(r.`timestamp`) AS BIGINT) AS ts,
            CASE WHEN r.payer_account <> '{cash}' THEN xxhash64(r.payer_account) END AS payer,
            CASE WHEN r.beneficiary_account <> '{cash}'
                THEN xxhash64(r.beneficiary_account) END AS payee,
            r.amount * fx.rate AS pkr, r.channel, r.payer_country,
            r.beneficiary_country AS payee_country,
            CASE WHEN trim(r.branch) <> '' THEN xxhash64(trim(r.branch)) END AS branch
        FROM raw r JOIN fx ON fx.currency = r.currency""",
    ),
    (
        "flows",
        """SELECT payer AS acc, payee AS other, n, ts, pkr, TRUE AS outgoing,
            payer_country = '{home}' AS domestic FROM tx WHERE payer IS NOT NULL
        UNION ALL
        SELECT payee AS acc, payer AS other, n, ts, pkr, FALSE AS outgoing,
            payee_country = '{home}' AS domestic FROM tx WHERE payee IS NOT NULL""",
    ),
    ("meta", "SELECT MIN(ts) AS t0, MAX(ts) AS t1 FROM tx"),
)


class SparkEngine(TransactionEngine):
    """Transactions in a Spark session (a local one unless one is given)."""

    def __init__(self, session: Any = None, threads: int | None = None) -> None:
        try:
            import pyspark.sql  # noqa: F401  (only to say clearly when it is missing)
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ConfigError(
                "the Spark engine needs PySpark and a Java runtime (17 or later): "
                "`pip install 'nexus-fusion[spark]'`, or use --backend duckdb"
            ) from exc
        from nexus.resolve.engines import spark_session  # one session, made with Splink's jar

        self._own = session is None
        if session is None:
            session = spark_session(threads)
            session.conf.set("spark.sql.shuffle.partitions", str(max(threads or 2, 2)))
            session.conf.set("spark.sql.session.timeZone", "UTC")
        self.spark = session
        self._tmp = tempfile.TemporaryDirectory(prefix="nexus-spark-")

    def _view(self, name: str, sql: str) -> None:
        # Each table is computed once: later steps read it many times.
        self.spark.sql(sql).localCheckpoint().createOrReplaceTempView(name)

    # -- loading -------------------------------------------------------------------------------
    def load_csv(self, path: Path, settings: TypologySettings) -> LoadReport:
        """Checked by the DuckDB engine (same rules, same report), then read as Parquet."""
        return self._checked(lambda checker: checker.load_csv(path, settings), settings)

    def load_arrow(self, table: pa.Table, settings: TypologySettings) -> LoadReport:
        return self._checked(lambda checker: checker.load_arrow(table, settings), settings)

    def _checked(
        self, load: Callable[[TransactionEngine], LoadReport], settings: TypologySettings
    ) -> LoadReport:
        """Rows loaded and checked by a DuckDB engine, handed over as Parquet."""
        from nexus.finance.sql.duckdb import DuckDBEngine

        parquet = Path(self._tmp.name) / "checked.parquet"
        with DuckDBEngine() as checker:
            report = load(checker)
            checker.write_parquet(parquet)
        self.load_parquet(parquet, settings)
        return report

    def load_parquet(self, path: Path, settings: TypologySettings) -> None:
        """Checked transactions in the scan layout (what the DuckDB engine writes)."""
        self.spark.read.parquet(str(path)).createOrReplaceTempView("raw_in")
        self._view("raw", "SELECT *, monotonically_increasing_id() AS n FROM raw_in")
        rates = [(c.upper(), float(r)) for c, r in settings.fx_to_pkr.items() if r > 0]
        fx = self.spark.createDataFrame(rates, "currency string, rate double")
        fx.createOrReplaceTempView("fx")
        home = settings.home_country.lower()
        for name, sql in _PREPARE:
            self._view(name, sql.format(cash=CASH, home=home))

    # -- queries ---------------------------------------------------------------------------------
    def transaction_count(self) -> int:
        return int(self.spark.sql("SELECT COUNT(*) FROM tx").collect()[0][0])

    def write_parquet(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = self.spark.sql(f"SELECT {', '.join(SCAN_COLUMNS)} FROM raw ORDER BY n")
        pq.write_table(pa.Table.from_pandas(rows.toPandas(), preserve_index=False), path)

    def detect(self, name: str, settings: TypologySettings) -> Candidates:
        script = SCRIPTS[name](getattr(settings, name), settings)
        for table, select in script.tables():
            self._view(table, select)
        result = self.spark.sql(script.alerts)
        rows = [r.asDict() for r in result.collect()]
        members: dict[int, list[int]] = {}
        for k, n in self.spark.sql(script.members).collect():
            members.setdefault(int(k), []).append(int(n))
        return Candidates(rows, members)

    def accounts(self, keys: Sequence[int]) -> Mapping[int, str]:
        found = self._lookup(
            f"""SELECT DISTINCT acc, account FROM (
                SELECT xxhash64(payer_account) AS acc, payer_account AS account FROM raw
                WHERE payer_account <> '{CASH}'
                UNION ALL
                SELECT xxhash64(beneficiary_account), beneficiary_account FROM raw
                WHERE beneficiary_account <> '{CASH}')""",
            "acc",
            keys,
        )
        return {int(k): str(v) for k, v in found}

    def transactions(self, numbers: Sequence[int]) -> Mapping[int, TransactionRow]:
        rows = self._lookup(
            """SELECT t.n, r.id, t.ts, r.payer_account, r.beneficiary_account, r.amount,
                r.currency, t.pkr, t.channel, t.payer_country, t.payee_country, t.payer, t.payee
            FROM tx t JOIN raw r ON r.n = t.n""",
            "n",
            numbers,
        )
        return {
            int(r[0]): TransactionRow(
                id=str(r[1]),
                ts=int(r[2]),
                payer=str(r[3]),
                beneficiary=str(r[4]),
                amount=float(r[5]),
                currency=str(r[6]),
                pkr=float(r[7]),
                channel=str(r[8]),
                payer_country=str(r[9]),
                beneficiary_country=str(r[10]),
                payer_key=None if r[11] is None else int(r[11]),
                beneficiary_key=None if r[12] is None else int(r[12]),
            )
            for r in rows
        }

    def _lookup(self, query: str, key: str, values: Sequence[int]) -> list[Any]:
        if not values:
            return []
        wanted = self.spark.createDataFrame([(int(v),) for v in set(values)], f"{key} long")
        wanted.createOrReplaceTempView("wanted")
        return list(
            self.spark.sql(
                f"SELECT q.* FROM ({query}) q WHERE q.{key} IN (SELECT {key} FROM wanted)"
            ).collect()
        )

    def close(self) -> None:
        if self._own:
            self.spark.stop()
        self._tmp.cleanup()
