"""Splink models that score pairs of person or organisation records on their normalised features
(DuckDB by default, Spark on request) and explain every score feature by feature.
"""

from __future__ import annotations

import atexit
import logging
import re
import shutil
import tempfile
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import splink.comparison_level_library as cll
from splink import Linker, SettingsCreator, block_on
from splink.clustering import cluster_pairwise_predictions_at_threshold
from splink.comparison_library import CustomComparison

from nexus.exceptions import ConfigError, NexusError
from nexus.resolve.features import (
    INTEGER_COLUMNS,
    LIST_COLUMNS,
    ORGANISATION_EXPLODED,
    ORGANISATION_KEYS,
    PERSON_EXPLODED,
    PERSON_KEYS,
    BlockingConfig,
    BlockingKey,
    blocking_table,
    organisation_frame,
    person_frame,
)

__all__ = [
    "BACKENDS",
    "ORGANISATION_COMPARISONS",
    "PERSON_COMPARISONS",
    "Assignment",
    "Comparison",
    "FeatureExplanation",
    "Level",
    "MatchPair",
    "OrgMatcher",
    "PersonMatcher",
]

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "spark")
_LEFT, _RIGHT = "a_left", "b_right"  # source_dataset labels in link mode (Splink sorts them)
_LOG = logging.getLogger("splink")
_PAIR_COLUMNS = ("match_weight", "match_probability", "unique_id_l", "unique_id_r")
MIN_EM_PAIRS = 200  # an EM blocking rule with fewer candidate pairs is skipped
M_FLOOR = 0.005  # smallest m probability a trained level keeps
# Prior probability that two records match, for a model not trained (too few records) or whose
# deterministic rules found nothing: one in a thousand, so a match needs two agreeing features
# (a name alone never makes one).
DEFAULT_PRIOR = 1e-3
DETERMINISTIC_RECALL = 0.7  # share of true matches the deterministic rules are taken to find


@dataclass(frozen=True)
class FeatureExplanation:
    """How one feature moved the score: `weight` is the match weight in bits (log2 of the Bayes
    factor, term-frequency adjustment included), None for a deterministic rule (the same IBAN);
    `left`/`right` are the compared values.
    """

    feature: str
    level: str
    weight: float | None
    left: str | None
    right: str | None
    shared: str | None = None  # what both records hold (a phone number, an IBAN, a plate)

    def __str__(self) -> str:
        level = f"{self.level} {self.shared}" if self.shared else self.level
        if self.weight is None:
            return f"{self.feature}: {level}"
        return f"{self.feature}: {level} ({self.weight:+.1f})"


@dataclass(frozen=True)
class MatchPair:
    """Two records and the probability that they are one entity, with its explanation (features
    that did not apply, such as a missing date of birth, are left out).
    """

    left: str
    right: str
    probability: float
    explanation: list[FeatureExplanation] = field(default_factory=list)

    def feature(self, name: str) -> FeatureExplanation | None:
        return next((e for e in self.explanation if e.feature == name), None)

    def describe(self) -> str:
        return "; ".join(str(e) for e in self.explanation)


# -- comparisons, as data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """One comparison level: its label in explanations, how it is tested, its prior m and u.

    kind: exact | jaro_winkler (param: threshold) | damerau (param: distance) | subset (list
    column: one within the other) | overlap (lists share an item) | jaccard (param: share of
    the union) | sql (param: the condition, standard SQL) | else. `tf`: term-frequency adjusted
    on that column (on its own u unless it is the exact level of the comparison's key).
    `fixed_m`, `fixed_u`: known, not estimated (a registry's unique names; a weight of nothing).
    `agrees`: on a name level, the names agree (what `names_agree` levels require);
    `names_agree`: the level also requires the records' names to agree (see _contact).
    """

    label: str
    kind: str
    column: str = ""
    param: float | str = 0.0
    m: float | None = None
    u: float | None = None
    tf: str | None = None
    fixed_m: bool = False
    fixed_u: bool = False
    agrees: bool = False
    names_agree: bool = False


@dataclass(frozen=True)
class Comparison:
    """A feature compared: name shown to analysts, Splink output column, the column whose
    values are shown (and whose absence makes the comparison "missing"), its levels.
    """

    name: str
    output: str
    show: str
    levels: tuple[Level, ...]


def _name_levels(prefix: str, tokens: str, own: bool) -> tuple[Level, ...]:
    key, skel = f"{prefix}_key", f"{prefix}_skeleton"
    common = (
        Level("exact match", "exact", key, m=0.55, u=0.002, tf=key, agrees=True),
        Level("skeleton match", "exact", skel, m=0.15, u=0.002, agrees=True),
        Level("one name within the other", "subset", tokens, m=0.08, u=0.003, agrees=True),
        Level("similar spelling", "jaro_winkler", key, 0.92, m=0.08, u=0.003, agrees=True),
    )
    compatible = "initials_l = initials_r AND (family_l = family_r OR given_l = given_r)"
    rest = (
        (
            Level("initials compatible", "sql", param=compatible, m=0.05, u=0.003),
            Level("same family name only", "exact", "family", m=0.03, u=0.03, tf="family"),
            Level("same given name only", "exact", "given", m=0.03, u=0.03, tf="given"),
        )
        if own
        else (Level("a name in common", "overlap", tokens, m=0.06, u=0.05),)
    )
    return (*common, *rest, Level("different", "else", m=0.03, u=0.9))


_IDENTIFIER = (
    Level("exact match", "exact", m=0.85, u=1e-5),
    Level("one digit off", "damerau", param=1, m=0.08, u=1e-4),
    Level("different", "else", m=0.07, u=0.9999),
)


def _contact(name: str, column: str, noun: str, m: float, u: float) -> Comparison:
    """Something both records are linked to: a phone, a bank account, a vehicle. Relatives,
    partners and accomplices share these too, far more often than random pairs of people do, so
    shared by records whose names disagree it counts for nothing (m = u, a weight of 0): a
    shared phone, account or vehicle adds to agreeing names, never makes a match on its own.
    """
    return Comparison(
        name,
        column,
        column,
        (
            Level(f"shared {noun}", "overlap", column, m=m, u=u, names_agree=True),
            Level(
                f"shared {noun}, names differ",
                "overlap",
                column,
                m=0.01,
                u=0.01,
                fixed_m=True,
                fixed_u=True,
            ),
            Level("different", "else", m=1 - m, u=1 - u),
        ),
    )


_PHONE = _contact("Phone", "phones", "number", 0.7, 1e-5)
_ACCOUNT = _contact("Bank account", "accounts", "account", 0.5, 1e-5)
# A vehicle is shared by the few people seized with it: weaker evidence than an account.
_VEHICLE = _contact("Vehicle", "vehicles", "vehicle", 0.3, 1e-3)
_ADDRESS = Comparison(
    "Address",
    "address",
    "address_tokens",
    (
        Level("most words shared", "jaccard", "address_tokens", 0.6, m=0.6, u=0.002),
        Level("some words shared", "jaccard", "address_tokens", 0.3, m=0.2, u=0.03),
        Level("different", "else", m=0.2, u=0.97),
    ),
)


def _same(name: str, output: str, m: float, u: float) -> Comparison:
    return Comparison(
        name,
        output,
        output,
        (Level("same", "exact", output, m=m, u=u), Level("different", "else", m=1 - m, u=1 - u)),
    )


PERSON_COMPARISONS = (
    Comparison("Name", "name", "name_key", _name_levels("name", "tokens", own=True)),
    Comparison(
        "Father's name", "father", "father_key", _name_levels("father", "father_tokens", own=False)
    ),
    Comparison("CNIC", "id_number", "id_number", _IDENTIFIER),
    _PHONE,
    Comparison(
        "Date of birth",
        "dob",
        "dob",
        (
            Level("exact match", "exact", "dob", m=0.8, u=1e-4),
            Level(
                "day and month swapped",
                "sql",
                param="dob_l = dob_swapped_r OR dob_swapped_l = dob_r",
                m=0.04,
                u=1e-5,
            ),
            Level("one digit off", "damerau", "dob", 1, m=0.08, u=0.002),
            Level("same year", "exact", "dob_year", m=0.04, u=0.02),
            Level("different", "else", m=0.04, u=0.98),
        ),
    ),
    _same("Gender", "gender", 0.98, 0.55),
    _same("Nationality", "nationality", 0.97, 0.7),
    _ADDRESS,
    _ACCOUNT,
    _VEHICLE,
)
# The same name with the same registered legal form, or with it on one side and no legal form
# written on the other ("Ittefaq Goods Transport" for "… (Pvt) Ltd"), in one country.
_SAME_REGISTERED_NAME = (
    "name_key_l = name_key_r"
    " AND (registered_form_l = registered_form_r"
    " OR (registered_form_l IS NOT NULL AND legal_form_r IS NULL)"
    " OR (registered_form_r IS NOT NULL AND legal_form_l IS NULL))"
    " AND (country_l IS NULL OR country_r IS NULL OR country_l = country_r)"
)
ORGANISATION_COMPARISONS = (
    Comparison(
        "Name",
        "name",
        "name_key",
        (
            # A registry keeps incorporated bodies' names unique within its country.
            Level(
                "exact match, registered company name",
                "sql",
                param=_SAME_REGISTERED_NAME,
                m=0.3,
                u=1e-5,
                fixed_u=True,
                agrees=True,
            ),
            Level("exact match", "exact", "name_key", m=0.3, u=0.001, tf="name_key", agrees=True),
            Level("skeleton match", "exact", "name_skeleton", m=0.15, u=0.001, agrees=True),
            Level("one name within the other", "subset", "tokens", m=0.1, u=0.002, agrees=True),
            Level(
                "similar spelling", "jaro_winkler", "name_key", 0.92, m=0.08, u=0.003, agrees=True
            ),
            Level("most words shared", "jaccard", "tokens", 0.5, m=0.04, u=0.01, agrees=True),
            Level("different", "else", m=0.03, u=0.98),
        ),
    ),
    _same("Legal form", "legal_form", 0.9, 0.4),
    Comparison("Registration number", "registration", "registration", _IDENTIFIER),
    _PHONE,
    _same("Country", "country", 0.97, 0.7),
    _ADDRESS,
    _ACCOUNT,
)

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


# -- matchers ----------------------------------------------------------------------------------


class _Matcher(ABC):
    """Shared machinery of PersonMatcher and OrgMatcher: features, blocking, Splink calls."""

    comparisons: tuple[Comparison, ...]
    keys: tuple[BlockingKey, ...]
    exploded: tuple[str, ...]
    deterministic_rules: tuple[str, ...]
    em_rules: tuple[tuple[str, ...], ...]
    identifiers: tuple[str, ...]  # columns that tell who a record is (see _identity)
    compared: tuple[str, ...]  # feature columns the comparisons and rules read
    tf_columns: tuple[str, ...]  # columns with term-frequency adjusted levels

    def __init__(
        self,
        backend: str = "duckdb",
        threshold: float = 0.9,
        review_band: tuple[float, float] = (0.5, 0.9),
        *,
        blocking: BlockingConfig | None = None,
        min_training_records: int = 300,
        u_sample_pairs: float = 1e6,
        em_max_pairs: float = 2e6,
        training_records: int = 250_000,
        seed: int = 42,
        spark_session: Any = None,
    ) -> None:
        if not 0 < threshold <= 1:
            raise ConfigError(f"threshold must be in (0, 1], not {threshold}")
        low, high = review_band
        if not 0 <= low <= high <= 1:
            raise ConfigError(
                f"review_band must be (low, high) with 0 <= low <= high <= 1, not {review_band}"
            )
        self.backend: Backend = "spark" if backend == "spark" else "duckdb"
        self._engine = _engine(backend, spark_session)
        self.threshold = threshold
        self.review_band = review_band
        self.blocking = blocking or BlockingConfig()
        self.min_training_records = min_training_records
        self.u_sample_pairs = u_sample_pairs
        self.em_max_pairs = em_max_pairs
        self.training_records = training_records
        self.seed = seed
        self._model: dict[str, Any] | None = None
        self._tf: dict[str, pd.DataFrame] = {}
        self.trained = False

    @property
    def spark_session(self) -> Any:
        """The Spark session of the Spark backend (to share with another matcher), else None."""
        return getattr(self._engine, "session", None)

    @abstractmethod
    def featurise(self, records: Any) -> pd.DataFrame:
        """The feature frame of raw records (a feature frame is passed through)."""

    @contextmanager
    def _session(self) -> Iterator[Any]:
        """A fresh database API for one fit, predict or clustering, closed afterwards; Splink's
        progress logging and warnings are turned down meanwhile (see _quiet).
        """
        with _quiet():
            api = self._engine.api()
            try:
                yield api
            finally:
                self._engine.close(api)

    def _slim(self, table: pd.DataFrame) -> pd.DataFrame:
        """Only the columns the model reads (ids, compared features, blocking keys)."""
        keep = ["unique_id", "source_dataset", *self.compared]
        keep += [c for c in table.columns if c.startswith("b_")]
        return table[keep]

    # -- settings ------------------------------------------------------------------------------
    def _settings(self, link_type: str) -> SettingsCreator:
        return SettingsCreator(
            link_type=link_type,  # type: ignore[arg-type]
            comparisons=[
                _splink_comparison(spec, self.backend, self.comparisons[0])
                for spec in self.comparisons
            ],
            blocking_rules_to_generate_predictions=_blocking_rules(self.keys, self.exploded),
            probability_two_random_records_match=DEFAULT_PRIOR,
            retain_matching_columns=True,
            retain_intermediate_calculation_columns=True,
            max_iterations=20,
        )

    def _model_for(self, link_type: str) -> dict[str, Any]:
        assert self._model is not None, "fit first"
        model = dict(self._model)
        model["link_type"] = link_type
        model.pop("linker_uid", None)
        return model

    def _table(self, records: Any) -> pd.DataFrame:
        frame = self.featurise(records)
        if frame["unique_id"].duplicated().any():
            dupes = frame.loc[frame["unique_id"].duplicated(), "unique_id"].head(3).tolist()
            raise NexusError(f"record ids must be unique; repeated: {', '.join(dupes)}")
        return frame

    # -- training ------------------------------------------------------------------------------
    def fit(self, frame: Any) -> None:
        """Estimate the model's parameters from unlabelled records (a feature frame or raw
        records). Fewer than `min_training_records` records keep the built-in priors.

        u comes from random pairs of *distinct identities* (records sharing an identifier are
        collapsed first: random pairs of raw records are often the same person when a suspect
        appears in dozens of records, which would make agreement look common); the prior comes
        from deterministic rules; m from EM on a few blocking rules.

        Beyond `training_records` records, u, the prior and m are estimated on a seeded random
        sample of that many (none of them depends on how many records there are: a sample's
        share of matching pairs is the whole's), the term frequencies on every record.
        """
        records = self._table(frame)
        if len(records) > self.training_records:
            sample = records.sample(n=self.training_records, random_state=self.seed)
        else:
            sample = records
        table = self._slim(blocking_table(sample, self.keys, self.exploded, self.blocking))
        del sample
        self._model = None
        self._tf = {}
        trained = len(table) >= self.min_training_records
        settings = self._settings("dedupe_only").create_settings_dict(self._engine.dialect)
        if not trained:  # term frequencies of a handful of records are noise: priors stand alone
            self._model = _without_term_frequencies(settings)
            self.trained = False
            return
        with self._session() as db:
            people = table.loc[~_identity(table, self.identifiers).duplicated()]
            sample = Linker(
                self._engine.register(db, people, "nexus_people"), settings, log_level=None
            )
            pairs = min(self.u_sample_pairs, len(people) * (len(people) - 1) / 2)
            del people
            sample.training.estimate_u_using_random_sampling(
                max_pairs=pairs, seed=self.seed, min_count_per_level=None, num_chunks=1
            )
            linker = Linker(
                self._engine.register(db, table, "nexus_records"),
                sample.misc.save_model_to_json(),
                log_level=None,
            )
            self._tf = self._term_frequencies(records)
            self._register_term_frequencies(linker, db)
            self._train(linker, table)
            model = _with_m_floor(linker.misc.save_model_to_json())
        if not 0 < model["probability_two_random_records_match"] < 0.5:
            model["probability_two_random_records_match"] = DEFAULT_PRIOR
        self._model = model
        self.trained = True

    def _train(self, linker: Linker, table: pd.DataFrame) -> None:
        # ValueError: the rules found more pairs than the recall allows; the prior stays.
        with suppress(ValueError):
            linker.training.estimate_probability_two_random_records_match(
                list(self.deterministic_rules), recall=DETERMINISTIC_RECALL
            )
        settings = linker._settings_obj  # Splink has no public setter for the prior
        if not 0 < settings._probability_two_random_records_match < 0.5:
            # The rules found no pair (organisations without registration numbers or
            # countries): EM cannot start from a prior of 0.
            settings._probability_two_random_records_match = DEFAULT_PRIOR
        for columns in self.em_rules:
            # Splink drops the blocked comparisons from the model when an EM rule finds no
            # pairs, so rules with too few pairs to learn from are skipped beforehand.
            if _pair_count(table, columns) < MIN_EM_PAIRS:
                continue
            # ValueError: EM drove the prior to 1 (every pair in the block looked like a
            # match: the other comparisons hardly ever apply); Splink keeps the model as it
            # was before the rule, which is what is wanted.
            with suppress(ValueError):
                linker.training.estimate_parameters_using_expectation_maximisation(
                    block_on(*columns),
                    estimate_without_term_frequencies=True,
                    max_pairs=self.em_max_pairs,
                )

    def _term_frequencies(self, table: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """Term frequency lookups of the training records, kept with the model so that scoring a
        handful of new records weighs names by how common they are in everything seen.

        They count distinct identities (see _identity), not records: a name is common when many
        people bear it, not when one suspect appears in many records.
        """
        identity = _identity(table, self.identifiers)
        identified = np.zeros(len(table), dtype=bool)
        for column in self.identifiers[:-1]:
            identified |= table[column].notna().to_numpy()
        lookups = {}
        for column in self.tf_columns:
            values = table[column]
            present = values.notna().to_numpy()
            holders = pd.DataFrame(
                {"value": values[present], "who": identity[present], "known": identified[present]}
            ).drop_duplicates(["value", "who"])
            # A record without identifiers is taken for someone already known under that value
            # where anybody is: sixty name-only records of a suspect do not make a name common.
            known = holders[holders["known"]]
            unknown = holders[~holders["known"] & ~holders["value"].isin(known["value"])]
            counts = pd.concat(
                [known.groupby("value").size(), unknown.groupby("value").size()]
            ).sort_index()
            # Leave-one-out: a value's u is the share of *other* identities bearing it (half an
            # identity for a value only one identity bears).
            others = (counts.to_numpy() - 1).clip(min=0.5)
            lookups[column] = pd.DataFrame(
                {column: counts.index.astype(str), f"tf_{column}": others / counts.sum()}
            )
        return lookups

    def _register_term_frequencies(self, linker: Linker, db: Any) -> None:
        """The training lookups, for values never seen in training Splink makes no adjustment."""
        for column, lookup in self._tf.items():
            linker.table_management.register_term_frequency_lookup(
                self._engine.register(db, lookup, f"nexus_tf_{column}"), column
            )

    # -- prediction ----------------------------------------------------------------------------
    def predict_table(
        self,
        frame: Any,
        other: Any = None,
        minimum: float | None = None,
        explain: bool = True,
    ) -> pd.DataFrame:
        """Scored candidate pairs at or above `minimum` (default: the low end of the review
        band), most probable first, as Splink returns them: unique_id_l, unique_id_r,
        match_probability, match_weight and, when `explain`, each feature's compared values
        and gamma_/mw_ columns (leave them out for millions of records: they cost memory).
        Without a fitted model, the model is fitted on the input first.
        """
        floor = self.review_band[0] if minimum is None else minimum
        left = self._table(frame)
        right = self._table(other) if other is not None else None
        if self._model is None:
            self.fit(left if right is None else pd.concat([left, right], ignore_index=True))
        if len(left) < (2 if right is None else 1) or (right is not None and right.empty):
            return pd.DataFrame(columns=list(_PAIR_COLUMNS))
        if right is None:
            tables = [self._slim(blocking_table(left, self.keys, self.exploded, self.blocking))]
            link_type = "dedupe_only"
        else:
            both = pd.concat(
                [left.assign(source_dataset=_LEFT), right.assign(source_dataset=_RIGHT)],
                ignore_index=True,
            )
            blocked = self._slim(blocking_table(both, self.keys, self.exploded, self.blocking))
            del both
            tables = [blocked.iloc[: len(left)], blocked.iloc[len(left) :]]
            link_type = "link_only"
        model = self._model_for(link_type)
        model["blocking_rules_to_generate_predictions"] = _productive_rules(
            model["blocking_rules_to_generate_predictions"], tables
        )
        if not model["blocking_rules_to_generate_predictions"]:
            return pd.DataFrame(columns=list(_PAIR_COLUMNS))
        with self._session() as db:
            registered = [
                self._engine.register(db, t.reset_index(drop=True), f"nexus_input_{i}")
                for i, t in enumerate(tables)
            ]
            if not explain:
                model["retain_matching_columns"] = False
                model["retain_intermediate_calculation_columns"] = False
            linker = Linker(
                registered if len(registered) > 1 else registered[0], model, log_level=None
            )
            if self.trained:
                self._register_term_frequencies(linker, db)
            del tables
            predictions = linker.inference.predict(
                threshold_match_probability=floor, warning_mode="never"
            )
            if not explain and right is None and self.backend == "duckdb":
                result = _compact_pairs(db, predictions.physical_name)
            else:
                result = predictions.as_pandas_dataframe()  # type: ignore[no-untyped-call]
        if right is not None and "source_dataset_l" in result.columns:
            flip = result["source_dataset_l"] == _RIGHT
            for column in [c[:-2] for c in result.columns if c.endswith("_l")]:
                l_col, r_col = f"{column}_l", f"{column}_r"
                if r_col in result.columns:
                    result.loc[flip, [l_col, r_col]] = result.loc[flip, [r_col, l_col]].to_numpy()
        result = result.sort_values(
            ["match_probability", "unique_id_l", "unique_id_r"],
            ascending=[False, True, True],
            kind="mergesort",
        )
        return result.reset_index(drop=True)

    def predict(self, frame: Any, other: Any = None) -> list[MatchPair]:
        """Pairs scored at or above the low end of the review band, most probable first, each
        explained feature by feature. Deduplicates `frame`, or links `frame` (left) to `other`.
        """
        table = self.predict_table(frame, other)
        return self.pairs_from_table(table)

    def pairs_from_table(self, table: pd.DataFrame) -> list[MatchPair]:
        labels = self._level_labels()
        records = table.to_dict("records")
        return [
            MatchPair(
                left=str(row["unique_id_l"]),
                right=str(row["unique_id_r"]),
                probability=round(float(row["match_probability"]), 6),
                explanation=self._explain(row, labels),
            )
            for row in records
        ]

    def _level_labels(self) -> dict[str, dict[int, str]]:
        """For each comparison, gamma value -> level label (gamma counts down to 0 = else)."""
        assert self._model is not None
        labels: dict[str, dict[int, str]] = {}
        for comparison in self._model["comparisons"]:
            levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
            top = len(levels) - 1
            labels[comparison["output_column_name"]] = {
                top - i: str(lv.get("label_for_charts", "")) for i, lv in enumerate(levels)
            }
        return labels

    def _explain(
        self, row: Mapping[str, Any], labels: dict[str, dict[int, str]]
    ) -> list[FeatureExplanation]:
        out = []
        for feature in self.comparisons:
            gamma = row.get(f"gamma_{feature.output}")
            if gamma is None or _missing(gamma) or int(gamma) < 0:
                continue
            weight = _number(row.get(f"mw_{feature.output}")) + _number(
                row.get(f"mw_tf_adj_{feature.output}")
            )
            out.append(
                FeatureExplanation(
                    feature=feature.name,
                    level=labels[feature.output].get(int(gamma), str(gamma)),
                    weight=round(weight, 2),
                    left=_shown(row.get(f"{feature.show}_l")),
                    right=_shown(row.get(f"{feature.show}_r")),
                    shared=_shared(row.get(f"{feature.show}_l"), row.get(f"{feature.show}_r")),
                )
            )
        return out

    # -- clustering ----------------------------------------------------------------------------
    def clusters(
        self,
        frame: Any,
        pairs: Sequence[MatchPair] | pd.DataFrame,
        threshold: float | None = None,
    ) -> dict[str, str]:
        """unique_id -> cluster id for every record of `frame` (after a link, both lists
        concatenated); see `assign`.
        """
        return self.assign(frame, pairs, threshold).clusters

    def assign(
        self,
        frame: Any,
        pairs: Sequence[MatchPair] | pd.DataFrame,
        threshold: float | None = None,
    ) -> Assignment:
        """Clusters and each record's confidence in them.

        1. Splink's connected components over pairs at or above `threshold` (default: the
           matcher's). A cluster's id is the smallest unique_id in it.
        2. A record left on its own joins the cluster of k records it matches best when that
           pair, its prior odds scaled by k / (λ·N) (λ·N: how many records a record matches on
           average; the pair may be with any of the k records of one person), clears the
           threshold. Only pairs in the review band count. A name-only record thus joins the
           suspect seen in forty records under that name, not the one-off look-alike.

        Confidence: the best pair that holds the record in its cluster (size-scaled for a
        joined record); for a record on its own, 1 - its best pair's probability (1.0 when no
        pair was scored).
        """
        cut = self.threshold if threshold is None else threshold
        ids = self._ids(frame)
        edges = _edges(pairs)
        strong = edges[edges["match_probability"] >= cut]
        with self._session() as db:
            clustered = cluster_pairwise_predictions_at_threshold(
                self._engine.register(db, pd.DataFrame({"unique_id": ids}), "nexus_nodes"),
                self._engine.register(db, strong.reset_index(drop=True), "nexus_edges"),
                db,
                "unique_id",
                threshold_match_probability=cut,
            ).as_pandas_dataframe()  # type: ignore[no-untyped-call]
        cluster = dict(
            zip(
                clustered["unique_id"].astype(str),
                clustered["cluster_id"].astype(str),
                strict=True,
            )
        )
        joined = self._join_singletons(cluster, edges, cut, len(ids))
        cluster.update({record: target for record, (target, _) in joined.items()})
        return Assignment(cluster, _confidence(cluster, edges, joined))

    def _ids(self, frame: Any) -> list[str]:
        if isinstance(frame, pd.DataFrame) and "unique_id" in frame.columns:
            ids = frame["unique_id"].astype(str)
        else:
            ids = self.featurise(frame)["unique_id"].astype(str)
        if ids.duplicated().any():
            raise NexusError("record ids must be unique to be clustered")
        return [str(i) for i in ids]

    def _join_singletons(
        self, cluster: dict[str, str], edges: pd.DataFrame, cut: float, records: int
    ) -> dict[str, tuple[str, float]]:
        """Record on its own -> (cluster it joins, size-scaled probability); see `assign`."""
        band = edges[
            (edges["match_probability"] >= self.review_band[0]) & (edges["match_probability"] < cut)
        ]
        if band.empty:
            return {}
        sizes = pd.Series(cluster).value_counts()
        prior = float((self._model or {}).get("probability_two_random_records_match", 0.0))
        average = max(prior * records, 1.0)
        both = pd.concat(
            [
                band.rename(columns={"unique_id_l": "record", "unique_id_r": "other"}),
                band.rename(columns={"unique_id_r": "record", "unique_id_l": "other"}),
            ],
            ignore_index=True,
        )
        both["target"] = both["other"].map(cluster)
        both["own"] = both["record"].map(cluster).map(sizes)
        both["size"] = both["target"].map(sizes)
        both = both[(both["own"] == 1) & (both["size"] >= 2)]
        odds = both["match_probability"] / (1 - both["match_probability"])
        scaled = odds * (both["size"] / average).clip(lower=1.0)
        both["scaled"] = scaled / (1 + scaled)
        both = both[both["scaled"] >= cut].sort_values(
            ["record", "scaled", "target"], ascending=[True, False, True], kind="mergesort"
        )
        best = both.drop_duplicates("record")
        return {
            str(r): (str(t), float(q))
            for r, t, q in zip(best["record"], best["target"], best["scaled"], strict=True)
        }


@dataclass(frozen=True)
class Assignment:
    """Cluster id and confidence (see _Matcher.assign) of every record."""

    clusters: dict[str, str]
    confidence: dict[str, float]


def _edges(pairs: Sequence[MatchPair] | pd.DataFrame) -> pd.DataFrame:
    if isinstance(pairs, pd.DataFrame):
        left, right = pairs["unique_id_l"].tolist(), pairs["unique_id_r"].tolist()
        probability = pairs["match_probability"].tolist()
    else:
        left = [p.left for p in pairs]
        right = [p.right for p in pairs]
        probability = [p.probability for p in pairs]
    return pd.DataFrame(
        {
            "unique_id_l": pd.Series(left, dtype=object).astype(str),
            "unique_id_r": pd.Series(right, dtype=object).astype(str),
            "match_probability": pd.Series(probability, dtype=float),
        }
    )


def _confidence(
    cluster: dict[str, str], edges: pd.DataFrame, joined: dict[str, tuple[str, float]]
) -> dict[str, float]:
    both = pd.concat(
        [
            edges.rename(columns={"unique_id_l": "record", "unique_id_r": "other"}),
            edges.rename(columns={"unique_id_r": "record", "unique_id_l": "other"}),
        ],
        ignore_index=True,
    )
    same = both["record"].map(cluster) == both["other"].map(cluster)
    inside = both[same].groupby("record")["match_probability"].max().to_dict()
    outside = both.groupby("record")["match_probability"].max().to_dict()
    sizes = pd.Series(cluster).value_counts()
    out: dict[str, float] = {}
    for record, target in cluster.items():
        if record in joined:
            value = joined[record][1]
        elif sizes[target] > 1:
            value = float(inside.get(record, 0.0))
        else:
            value = 1.0 - float(outside.get(record, 0.0))
        out[record] = round(value, 6)
    return out


def _identity(table: pd.DataFrame, identifiers: Sequence[str]) -> pd.Series:
    """Who a record is, as far as can be told without a model, for estimating u and term
    frequencies: records sharing an ID number, a phone, or a name with a father's name (the
    last of `identifiers`, "a|b") are one identity, transitively (connected components by
    label propagation). Rough on purpose: it only keeps a suspect's many records from counting
    as many people.
    """
    *columns, fallback = identifiers
    n = len(table)
    keys: list[tuple[np.ndarray, np.ndarray]] = []  # (record positions, key codes)
    for column in columns:
        values = table[column].reset_index(drop=True)
        if values.map(lambda v: isinstance(v, list)).any():
            values = values.explode()
        values = values.dropna()
        if values.empty:
            continue
        codes, _ = pd.factorize(values.astype(str))
        rows = values.index.to_numpy()
        keys.append((rows, codes))
    first, second = fallback.split("|")
    named = table[first].astype("string") + "|" + table[second].astype("string").fillna("")
    named = named.reset_index(drop=True)
    named = named[named.notna().to_numpy()]
    if not named.empty:  # a record without name is known by its identifiers or by itself
        keys.append((named.index.to_numpy(), pd.factorize(named)[0]))
    label = np.arange(n)
    for _ in range(50):  # each round at least halves the distance to a component's minimum
        before = label.copy()
        for rows, codes in keys:
            smallest = np.full(codes.max() + 1, n)
            np.minimum.at(smallest, codes, label[rows])
            np.minimum.at(label, rows, smallest[codes])
        label = label[label]  # pointer jumping
        if np.array_equal(label, before):
            break
    return pd.Series(label, index=table.index)


def _compact_pairs(db: Any, table: str) -> pd.DataFrame:
    """A DuckDB predictions table as the four pair columns, record ids categorical (sorted
    categories, so that sorting by them is sorting by id): at a million records the tens of
    millions of pairs as Python strings alone took gigabytes.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = db.duckdb_con.execute(f"SELECT {', '.join(_PAIR_COLUMNS)} FROM {table}").arrow()
    if not isinstance(arrow, pa.Table):  # a record batch reader in some DuckDB versions
        arrow = arrow.read_all()
    columns: dict[str, Any] = {}
    for name in _PAIR_COLUMNS:
        values = arrow.column(name)
        if name.startswith("unique_id"):
            encoded = pc.dictionary_encode(values.cast("string")).combine_chunks()
            series = pd.Series(
                pd.Categorical.from_codes(
                    encoded.indices.to_numpy(zero_copy_only=False),
                    categories=pd.Index(encoded.dictionary.to_pylist()),
                )
            )
            columns[name] = series.cat.reorder_categories(sorted(series.cat.categories))
        else:
            columns[name] = values.to_numpy()
    return pd.DataFrame(columns)


def _without_term_frequencies(model: dict[str, Any]) -> dict[str, Any]:
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            for option in ("tf_adjustment_column", "tf_adjustment_weight", "tf_minimum_u_value"):
                level.pop(option, None)
            level.pop("disable_tf_exact_match_detection", None)
    return model


def _with_m_floor(model: dict[str, Any]) -> dict[str, Any]:
    """No level may be impossible for a true match (m = 0 would veto any pair, whatever else
    agrees): m probabilities are kept at or above M_FLOOR.
    """
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            m = level.get("m_probability")
            if m is not None and m < M_FLOOR:
                level["m_probability"] = M_FLOOR
    return model


_BLOCKING_COLUMN = re.compile(r"\bb_\w+")


def _productive_rules(
    rules: Sequence[dict[str, Any]], tables: Sequence[pd.DataFrame]
) -> list[dict[str, Any]]:
    """The blocking rules that can pair records: a rule on a key no record of some input has
    (nobody's vehicles in a list of people) makes no pairs but costs a pass over the data,
    which on Spark is several jobs.
    """
    empty = {
        column
        for table in tables
        for column in table.columns
        if column.startswith("b_") and not table[column].notna().any()
    }
    return [
        rule
        for rule in rules
        if not set(_BLOCKING_COLUMN.findall(str(rule.get("blocking_rule", "")))) & empty
    ]


def _pair_count(table: pd.DataFrame, columns: Sequence[str]) -> int:
    sizes = table.dropna(subset=list(columns)).groupby(list(columns), sort=False).size()
    return int((sizes * (sizes - 1) // 2).sum())


def _number(value: Any) -> float:
    return 0.0 if value is None or _missing(value) else float(value)


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _shared(left: Any, right: Any) -> str | None:
    """The items two list values have in common, for explanations (None for other values)."""
    if not (hasattr(left, "__iter__") and hasattr(right, "__iter__")):
        return None
    if isinstance(left, str) or isinstance(right, str):
        return None
    common = sorted({str(v) for v in left} & {str(v) for v in right})
    return ", ".join(common) or None


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else value
        return ", ".join(str(v) for v in items) or None
    if _missing(value):
        return None
    return str(value)


class PersonMatcher(_Matcher):
    """Scores person records: name, father's name, CNIC, phones, date of birth, gender,
    nationality, address, bank accounts and vehicles, with term-frequency adjusted names.
    """

    comparisons = PERSON_COMPARISONS
    keys = PERSON_KEYS
    exploded = PERSON_EXPLODED
    deterministic_rules = (
        "l.id_number = r.id_number AND l.name_skeleton = r.name_skeleton",
        "l.name_key = r.name_key AND l.father_key = r.father_key",
        "l.name_key = r.name_key AND l.dob = r.dob",
    )
    em_rules = (("id_number",), ("name_key", "dob"), ("name_skeleton", "father_skeleton"))
    identifiers = ("id_number", "phones", "name_key|father_key")  # see _identity
    compared = (
        "name_key",
        "name_skeleton",
        "tokens",
        "initials",
        "given",
        "family",
        "father_key",
        "father_skeleton",
        "father_tokens",
        "id_number",
        "phones",
        "dob",
        "dob_swapped",
        "dob_year",
        "gender",
        "nationality",
        "address_tokens",
        "accounts",
        "vehicles",
    )
    tf_columns = ("name_key", "given", "family", "father_key")

    def featurise(self, records: Any) -> pd.DataFrame:
        if isinstance(records, pd.DataFrame) and "name_key" in records.columns:
            return records
        return person_frame(records)


class OrgMatcher(_Matcher):
    """Scores organisation records: name core, legal form, registration number, phones,
    country, address and bank accounts.
    """

    comparisons = ORGANISATION_COMPARISONS
    keys = ORGANISATION_KEYS
    exploded = ORGANISATION_EXPLODED
    deterministic_rules = (
        "l.registration = r.registration AND l.name_skeleton = r.name_skeleton",
        "l.name_key = r.name_key AND l.country = r.country",
        "l.name_key = r.name_key AND l.registered_form = r.registered_form",
    )
    em_rules = (("registration",), ("name_key",))
    identifiers = ("registration", "phones", "name_key|country")
    compared = (
        "name_key",
        "name_skeleton",
        "tokens",
        "legal_form",
        "registered_form",
        "registration",
        "phones",
        "country",
        "address_tokens",
        "accounts",
    )
    tf_columns = ("name_key",)

    def featurise(self, records: Any) -> pd.DataFrame:
        if isinstance(records, pd.DataFrame) and "core" in records.columns:
            return records
        return organisation_frame(records)
