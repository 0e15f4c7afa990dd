"""Splink matchers that score pairs of person or organisation records on their normalised
features: training, prediction with explanations, and clustering (DuckDB by default, or Spark).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import numpy as np
import pandas as pd
from splink import Linker, SettingsCreator, block_on
from splink.clustering import cluster_pairwise_predictions_at_threshold

from nexus.exceptions import ConfigError, NexusError
from nexus.resolve.comparisons import (
    ORGANISATION_COMPARISONS,
    PERSON_COMPARISONS,
    Comparison,
    Level,
)
from nexus.resolve.engines import (
    BACKENDS,
    Backend,
    _blocking_rules,
    _engine,
    _quiet,
    _splink_comparison,
)
from nexus.resolve.features import (
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
from nexus.resolve.pairs import (
    Assignment,
    FeatureExplanation,
    MatchPair,
    _confidence,
    _edges,
    _missing,
    _number,
    _shared,
    _shown,
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

_LEFT, _RIGHT = "a_left", "b_right"  # source_dataset labels in link mode (Splink sorts them)
_PAIR_COLUMNS = ("match_weight", "match_probability", "unique_id_l", "unique_id_r")
MIN_EM_PAIRS = 200  # an EM blocking rule with fewer candidate pairs is skipped
M_FLOOR = 0.005  # smallest m probability a trained level keeps
# Prior probability that two records match, for a model not trained (too few records) or whose
# deterministic rules found nothing: one in a thousand, so a match needs two agreeing features
# (a name alone never makes one).
DEFAULT_PRIOR = 1e-3
DETERMINISTIC_RECALL = 0.7  # share of true matches the deterministic rules are taken to find


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
