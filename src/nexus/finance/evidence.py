"""Evidence scores of the typologies judged by features: each feature as SQL over a candidate's
figures with its documented direction, and the logistic score its weights and trees add up to.

A detector of such a typology finds candidates within loose bounds; the score says how strongly
the candidate's features point to the typology, monotone in each feature (a feature's weight
can only push the score its documented way), and one threshold per typology (in settings)
decides the alert. The weights were fitted by `tools/fit_evidence.py` on the independent
family `tests/families/transactions.py` (seeds 1000-1009, never the seeds the benchmarks
report) with every weight held to its direction. The fans add a small ensemble of boosted trees
fitted there with every feature held to its direction too (LightGBM's monotone constraints), as
fans' features count together (many counterparties mean little unless they are new and the
money was funded): the score still only moves each feature's documented way, and a driver's
push is told along each tree's path. docs/typologies.md gives where each comes from.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["EVIDENCE", "Evidence", "Feature", "Tree"]


@dataclass(frozen=True)
class Feature:
    """One feature: an SQL expression over the candidate's columns, read as `meaning`; a larger
    value makes the typology more likely if `direction` is +1, less likely if -1."""

    name: str
    sql: str
    direction: int
    weight: float
    reference: float
    meaning: str

    def __post_init__(self) -> None:
        if self.direction not in (1, -1) or self.weight < 0 or not math.isfinite(self.weight):
            raise ValueError(f"feature {self.name}: direction ±1 and a weight ≥ 0")

    def contribution(self, value: float) -> float:
        return self.direction * self.weight * value


def _double(value: float) -> str:
    # Literals as DOUBLE: both engines would otherwise read them as fixed-point decimals.
    return f"CAST({value!r} AS DOUBLE)"


@dataclass(frozen=True)
class Tree:
    """One regression tree as flat nodes (node 0 the root): a split sends a candidate left where
    its feature's value is ≤ the threshold, right otherwise (a missing value too); every node
    holds a value, a leaf its output and a split the mean output under it."""

    feature: tuple[int, ...]  # the feature's index at a split, -1 at a leaf
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def path(self, x: Sequence[float]) -> list[int]:
        """The nodes a candidate passes through, root to leaf."""
        node, nodes = 0, [0]
        while self.feature[node] >= 0:
            below = x[self.feature[node]] <= self.threshold[node]
            node = self.left[node] if below else self.right[node]
            nodes.append(node)
        return nodes

    def output(self, x: Sequence[float]) -> float:
        return self.value[self.path(x)[-1]]

    def pushes(self, x: Sequence[float]) -> dict[int, float]:
        """What each feature added along the candidate's path (each split's change of value)."""
        out: dict[int, float] = {}
        nodes = self.path(x)
        for parent, child in itertools.pairwise(nodes):
            f = self.feature[parent]
            out[f] = out.get(f, 0.0) + self.value[child] - self.value[parent]
        return out

    def sql(self, columns: Sequence[str], node: int = 0) -> str:
        f = self.feature[node]
        if f < 0:
            return _double(self.value[node])
        return (
            f"CASE WHEN {columns[f]} <= {_double(self.threshold[node])} "
            f"THEN {self.sql(columns, self.left[node])} "
            f"ELSE {self.sql(columns, self.right[node])} END"
        )


@dataclass(frozen=True)
class Evidence:
    """A typology's features, intercept and trees: score = 1 / (1 + e^-z), z = intercept + Σ
    weighted features + Σ trees' outputs."""

    typology: str
    intercept: float
    features: tuple[Feature, ...]
    trees: tuple[Tree, ...] = ()

    def columns_sql(self) -> str:
        """The features as columns `f_<name>` (what the alert keeps and explains)."""
        return ", ".join(f"CAST({f.sql} AS DOUBLE) AS f_{f.name}" for f in self.features)

    def score_sql(self) -> str:
        """The score over the `f_<name>` columns, in the SQL both engines share."""
        columns = [f"f_{f.name}" for f in self.features]
        terms = [
            f"{_double(f.direction * f.weight)} * f_{f.name}" for f in self.features if f.weight
        ]
        terms += [f"({tree.sql(columns)})" for tree in self.trees]
        return f"1.0 / (1.0 + EXP(-({' + '.join([_double(self.intercept), *terms])})))"

    def score(self, values: Mapping[str, float]) -> float:
        x = [values[f.name] for f in self.features]
        z = self.intercept + sum(f.contribution(v) for f, v in zip(self.features, x, strict=True))
        z += sum(tree.output(x) for tree in self.trees)
        return 1.0 / (1.0 + math.exp(-z))

    def drivers(self, values: Mapping[str, float], limit: int = 3) -> list[tuple[Feature, float]]:
        """The features that pushed the score up most against a typical candidate (each
        feature's push: its contribution less that of its reference value, plus what it added
        along each tree's path from the trees' mean)."""
        x = [values[f.name] for f in self.features]
        push = {
            i: f.contribution(x[i]) - f.contribution(f.reference)
            for i, f in enumerate(self.features)
        }
        for tree in self.trees:
            for i, added in tree.pushes(x).items():
                push[i] += added
        ranked = sorted(((self.features[i], p) for i, p in push.items()), key=lambda t: -t[1])
        return [(f, p) for f, p in ranked[:limit] if p > 1e-9]


_NEUTRAL_BURST = math.log(11.0)  # where no burst can be told: as if ten times the usual pace
# Size counts up to PKR 100 million (log of PKR 100,000s): beyond it, bigness is no evidence.
_SIZE_CAP = math.log(1001.0)

_FAN = (
    ("parties", "LN(parties)", 1, "distinct counterparties (log)"),
    ("repeat_share", "repeats * 1.0 / parties", -1, "share of counterparties seen before/after"),
    ("onward", "LEAST(moved / total, 1.0)", 1, "share of the money moved on (or funded)"),
    ("excess", "GREATEST(moved / total - 1.0, 0.0)", -1, "money moved beyond what came in"),
    (
        "burst",
        f"CASE WHEN burst > 0 THEN LN(1.0 + burst) ELSE {_NEUTRAL_BURST!r} END",
        1,
        "pace against the account's usual (log)",
    ),
    ("oneoff", "oneoff * 1.0 / parties", 1, "share of counterparties with ≤ 3 transfers in all"),
    ("spread", "LN(spread + 0.05)", -1, "spread of the amounts (log coefficient of variation)"),
    ("again", "LN(transfers * 1.0 / parties)", -1, "transfers per counterparty (log)"),
    ("moves", "LN(1.0 + moves)", -1, "onward (or funding) transfers (log)"),
    ("size", f"LEAST(LN(1.0 + total / 100000.0), {_SIZE_CAP!r})", 1, "money in the fan (log)"),
)
_PASS = (
    ("episodes", "LN(episodes)", 1, "episodes of money in and out again (log)"),
    ("residue", "1.0 - money_out / money_in", -1, "share left behind in the account"),
    ("stay", "LN(1.0 + longest / 3600.0)", -1, "longest stay of the money (log hours)"),
    ("oneoff", "oneoff * 1.0 / parties", 1, "share of counterparties with ≤ 3 transfers in all"),
    ("share", "LEAST(money_in / received, 1.0)", 1, "share of all the account received"),
    ("size", f"LEAST(LN(1.0 + money_in / 100000.0), {_SIZE_CAP!r})", 1, "money passed through"),
)
# typology: (intercept, {feature: (weight, reference)}); the reference is the feature's median
# over the fitting candidates, from which a driver's push is told. The fans' weights are 0: their
# trees (evidence_trees.json) carry the score.
_WEIGHTS: dict[str, tuple[float, dict[str, tuple[float, float]]]] = {
    "fan_in": (
        0.0,
        {
            "parties": (0.0, 1.61),
            "repeat_share": (0.0, 0.17),
            "onward": (0.0, 0.2),
            "excess": (0.0, 0.0),
            "burst": (0.0, 1.88),
            "oneoff": (0.0, 0.0),
            "spread": (0.0, 0.09),
            "again": (0.0, 0.22),
            "moves": (0.0, 1.79),
            "size": (0.0, 1.53),
        },
    ),
    "fan_out": (
        0.0,
        {
            "parties": (0.0, 1.79),
            "repeat_share": (0.0, 0.17),
            "onward": (0.0, 0.1),
            "excess": (0.0, 0.0),
            "burst": (0.0, 1.45),
            "oneoff": (0.0, 0.0),
            "spread": (0.0, 0.32),
            "again": (0.0, 0.15),
            "moves": (0.0, 0.69),
            "size": (0.0, 1.32),
        },
    ),
    "pass_through": (
        1.52,
        {
            "episodes": (1.41, 0.0),
            "residue": (2.22, 0.03),
            "stay": (1.62, 3.32),
            "oneoff": (10.52, 0.0),
            "share": (6.99, 1.0),
            "size": (0.0, 2.205),
        },
    ),
}


TREES_FILE = "evidence_trees.json"  # beside this module: {typology: [tree as Tree's fields]}


def _trees() -> dict[str, list[dict[str, Any]]]:
    text = resources.files("nexus.finance").joinpath(TREES_FILE).read_text(encoding="utf-8")
    loaded: dict[str, list[dict[str, Any]]] = json.loads(text)
    return loaded


def _evidence(typology: str, spec: tuple[tuple[str, str, int, str], ...]) -> Evidence:
    intercept, weights = _WEIGHTS[typology]
    features = tuple(
        Feature(name, sql, direction, *weights[name], meaning)
        for name, sql, direction, meaning in spec
    )
    trees = tuple(
        Tree(**{k: tuple(v) for k, v in tree.items()}) for tree in _trees().get(typology, [])
    )
    return Evidence(typology, intercept, features, trees)


EVIDENCE: dict[str, Evidence] = {
    "fan_in": _evidence("fan_in", _FAN),
    "fan_out": _evidence("fan_out", _FAN),
    "pass_through": _evidence("pass_through", _PASS),
}
