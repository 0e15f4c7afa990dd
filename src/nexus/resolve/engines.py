"""Splink on a backend: the comparisons and blocking keys as Splink's settings in a backend's
SQL, and the engines (DuckDB, or Spark when installed) that run Splink on typed tables.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np
import pandas as pd
import splink.comparison_level_library as cll
from splink import block_on
from splink.comparison_library import CustomComparison

from nexus.exceptions import ConfigError
from nexus.resolve.comparisons import Comparison, Level
from nexus.resolve.features import INTEGER_COLUMNS, LIST_COLUMNS, BlockingKey
from nexus.resolve.pairs import _missing

__all__ = ["BACKENDS", "Backend", "spark_session"]

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "spark")
_LOG = logging.getLogger("splink")


# SQL that differs between the backends (everything else is Splink's own levels, which know
# their dialects): DuckDB has list_* functions, Spark array_* ones and array_union.
_DIALECT: dict[Backend, dict[str, str]] = {
    "duckdb": {
        "overlap": "len(list_intersect({l}, {r})) >= 1",
        "subset": "len(list_intersect({l}, {r})) = least(len({l}), len({r}))",
        "jaccard": "len(list_intersect({l}, {r})) >= {t} * len(list_distinct(list_concat({l}, {r})))",  # noqa: E501
    },
    "spark": {
        "overlap": "size(array_intersect({l}, {r})) >= 1",
        "subset": "size(array_intersect({l}, {r})) = least(size({l}), size({r}))",
        "jaccard": "size(array_intersect({l}, {r})) >= {t} * size(array_union({l}, {r}))",
    },
}


def _creator(level: Level, column: str, backend: Backend) -> Any:
    """The Splink level creator that tests `level` on `column`."""
    if level.kind == "exact":
        return cll.ExactMatchLevel(column)
    if level.kind == "jaro_winkler":
        return cll.JaroWinklerLevel(column, float(level.param))
    if level.kind == "damerau":
        return cll.DamerauLevenshteinLevel(column, int(level.param))
    if level.kind in _DIALECT[backend]:
        sql = _DIALECT[backend][level.kind]
        return cll.CustomLevel(sql.format(l=f"{column}_l", r=f"{column}_r", t=level.param))
    if level.kind == "sql":
        return cll.CustomLevel(str(level.param))
    return cll.ElseLevel()


def _condition(level: Level, column: str, backend: Backend) -> str:
    return str(_creator(level, column, backend).get_comparison_level(backend).sql_condition)


def _names_agree(names: Comparison, backend: Backend) -> str:
    """SQL true when the name comparison would find the names agreeing (any `agrees` level)."""
    return " OR ".join(
        f"({_condition(level, level.column or names.show, backend)})"
        for level in names.levels
        if level.agrees
    )


def _splink_comparison(spec: Comparison, backend: Backend, names: Comparison) -> Any:
    """The comparison as Splink levels: a null level on the shown column, then spec.levels
    (`names` is the matcher's name comparison, which `names_agree` levels consult).
    """
    levels: list[Any] = [cll.NullLevel(spec.show).configure(label_for_charts="missing")]
    key_column = spec.levels[0].column or spec.show
    for level in spec.levels:
        column = level.column or spec.show
        creator = _creator(level, column, backend)
        if level.names_agree:
            condition = _condition(level, column, backend)
            creator = cll.CustomLevel(f"({condition}) AND ({_names_agree(names, backend)})")
        options: dict[str, Any] = {"label_for_charts": level.label}
        if level.m is not None:
            options["m_probability"] = level.m
            if level.fixed_m:
                options["fix_m_probability"] = True
        if level.u is not None:
            options["u_probability"] = level.u
            if level.fixed_u:
                options["fix_u_probability"] = True
        if level.tf is not None:
            options.update(
                tf_adjustment_column=level.tf, tf_adjustment_weight=1.0, tf_minimum_u_value=1e-4
            )
            if level.tf != key_column:  # weigh by this level's own u, not the exact level's
                options["disable_tf_exact_match_detection"] = True
        levels.append(creator.configure(**options))
    return CustomComparison(
        levels, output_column_name=spec.output, comparison_description=spec.name
    )


# -- blocking ----------------------------------------------------------------------------------


def _blocking_rules(keys: Sequence[BlockingKey], exploded: Sequence[str]) -> list[Any]:
    rules: list[Any] = [block_on(key.column) for key in keys[:1]]
    rules += [block_on(f"b_{c}", arrays_to_explode=[f"b_{c}"]) for c in exploded]
    rules += [block_on(key.column) for key in keys[1:]]
    return rules


# -- backends ----------------------------------------------------------------------------------


def _kind(column: str) -> str:
    if column in LIST_COLUMNS or (column.startswith("b_") and column[2:] in LIST_COLUMNS):
        return "list"
    if column in INTEGER_COLUMNS:
        return "integer"
    if column.startswith("tf_") or column in ("match_probability", "match_weight"):
        return "float"
    return "string"


class _Engine(ABC):
    """Hands out Splink database APIs for one backend and registers typed tables in them."""

    dialect: Backend

    @abstractmethod
    def api(self) -> Any:
        """A fresh Splink DatabaseAPI (one per fit or predict, so tables never clash)."""

    @abstractmethod
    def register(self, api: Any, frame: pd.DataFrame, name: str) -> Any:
        """`frame` as a SplinkDataFrame named `name`, every column typed (see _kind)."""

    @abstractmethod
    def close(self, api: Any) -> None:
        """Free what the API holds (tables, connection) once a fit or predict is done."""


class _DuckDBEngine(_Engine):
    dialect = "duckdb"

    def api(self) -> Any:
        from splink.backends.duckdb import DuckDBAPI

        api = DuckDBAPI(":memory:")
        # Results need no particular order; without it DuckDB streams them with less memory.
        api.duckdb_con.execute("SET preserve_insertion_order = false")
        return api

    def register(self, api: Any, frame: pd.DataFrame, name: str) -> Any:
        import pyarrow as pa

        types = {
            "list": pa.list_(pa.string()),
            "integer": pa.int64(),
            "float": pa.float64(),
            "string": pa.string(),
        }
        schema = pa.schema([(c, types[_kind(c)]) for c in frame.columns])
        lists = [c for c in frame.columns if _kind(c) == "list" and frame[c].dtype != object]
        if lists:  # an empty or all-null column comes typed as float
            frame = frame.astype(dict.fromkeys(lists, object))
        table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        return api.register(table, table_name=name)

    def close(self, api: Any) -> None:
        api.duckdb_con.close()


def spark_session(threads: int | None = None) -> Any:
    """The process's Spark session for every Nexus stage, made the first time with Splink's
    similarity jar: the driver's class path is fixed when its JVM starts, so a session made
    without the jar (by another stage) would leave resolution without Jaro-Winkler."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    builder = SparkSession.builder.appName("nexus")
    if threads is not None:
        builder = builder.master(f"local[{threads}]")
    return (
        builder.config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


class _SparkEngine(_Engine):
    """Splink's Spark backend on a given session, or on one made here: Spark's own
    configuration (spark-defaults.conf, PYSPARK_SUBMIT_ARGS) says where it runs, local[*] when
    nothing does. Splink's similarity functions (Jaro-Winkler, Damerau-Levenshtein) come from its
    jar, which a given session must have in `spark.jars` (splink.backends.spark.
    similarity_jar_location()). Intermediate tables are written under the session's checkpoint
    directory, a temporary one when it has none.
    """

    dialect = "spark"

    def __init__(self, session: Any = None) -> None:
        try:
            import pyspark.sql  # noqa: F401  (only to say clearly when it is missing)
        except ImportError as error:
            raise ConfigError(
                "the Spark backend needs PySpark and a Java runtime (17 or later): "
                "`pip install 'nexus-fusion[spark]'`, or use backend='duckdb'"
            ) from error
        if session is None:
            session = spark_session()
            session.sparkContext.setLogLevel("ERROR")  # Splink's scratch tables warn by the dozen
            if session.sparkContext.master.startswith("local"):
                # Spark's 200 shuffle partitions are meant for clusters; one machine's
                # cores keep small jobs from drowning in empty tasks.
                cores = session.sparkContext.defaultParallelism
                session.conf.set("spark.sql.shuffle.partitions", str(max(2, 2 * cores)))
        if session.sparkContext.getCheckpointDir() is None:
            session.sparkContext.setCheckpointDir(_scratch("nexus-spark-"))
        self.session = session
        self._views: dict[int, list[str]] = {}  # per API: the temporary views registered

    def api(self) -> Any:
        from splink.backends.spark import SparkAPI

        partitions = int(self.session.conf.get("spark.sql.shuffle.partitions"))
        return SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=self.session,
            break_lineage_method="parquet",
            num_partitions_on_repartition=partitions,
        )

    def register(self, api: Any, frame: pd.DataFrame, name: str) -> Any:
        from pyspark.sql import types as st

        types = {
            "list": st.ArrayType(st.StringType()),
            "integer": st.LongType(),
            "float": st.DoubleType(),
            "string": st.StringType(),
        }
        schema = st.StructType([st.StructField(c, types[_kind(c)]) for c in frame.columns])
        rows = [
            tuple(_spark_value(value) for value in row)
            for row in frame.itertuples(index=False, name=None)
        ]
        self._views.setdefault(id(api), []).append(name)
        return api.register(self.session.createDataFrame(rows, schema=schema), table_name=name)

    def close(self, api: Any) -> None:
        # Views outlive the API in the session: the next fit or predict registers them anew.
        api.delete_tables_created_by_splink_from_db()
        for name in self._views.pop(id(api), []):
            self.session.catalog.dropTempView(name)


def _spark_value(value: Any) -> Any:
    """A cell as Spark takes it: lists as lists, missing values as None, numbers as Python's."""
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v) for v in value]
    if value is None or _missing(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _scratch(prefix: str) -> str:
    """A temporary directory removed when the process ends."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, True)
    return path


def _engine(backend: str, spark_session: Any) -> _Engine:
    if backend == "duckdb":
        return _DuckDBEngine()
    if backend == "spark":
        return _SparkEngine(spark_session)
    raise ConfigError(f"unknown resolution backend {backend!r}: use one of {', '.join(BACKENDS)}")


@contextmanager
def _quiet() -> Iterator[None]:
    """Splink reports progress on its logger and warns about untrained levels of tiny inputs:
    both are turned down for the duration of a Nexus call only.
    """
    previous = _LOG.level
    _LOG.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"splink(\.|$)")
            yield
    finally:
        _LOG.setLevel(previous)
