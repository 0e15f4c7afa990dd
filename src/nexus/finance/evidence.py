"""Evidence scores of the typologies judged by features: each feature as SQL over a candidate's
figures with its documented direction and weight, and the logistic score they add up to.

A detector of such a typology finds candidates within loose bounds; the score says how strongly
the candidate's features point to the typology, monotone in each feature (a feature's weight
can only push the score its documented way), and one threshold per typology (in settings)
decides the alert. The weights were fitted by `tools/fit_evidence.py` on the independent
family `tests/families/transactions.py` (seeds 1000-1009, never the seeds the benchmarks
report) with every weight held to its direction; docs/typologies.md gives where each comes from.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["EVIDENCE", "Evidence", "Feature"]


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


@dataclass(frozen=True)
class Evidence:
    """A typology's features and intercept: score = 1 / (1 + e^-(intercept + Σ contributions))."""

    typology: str
    intercept: float
    features: tuple[Feature, ...]

    def columns_sql(self) -> str:
        """The features as columns `f_<name>` (what the alert keeps and explains)."""
        return ", ".join(f"CAST({f.sql} AS DOUBLE) AS f_{f.name}" for f in self.features)

    def score_sql(self) -> str:
        """The score over the `f_<name>` columns, in the SQL both engines share."""
        # Literals as DOUBLE: both engines would otherwise read them as fixed-point decimals.
        terms = " + ".join(
            f"CAST({f.direction * f.weight!r} AS DOUBLE) * f_{f.name}" for f in self.features
        )
        return f"1.0 / (1.0 + EXP(-(CAST({self.intercept!r} AS DOUBLE) + {terms})))"

    def score(self, values: Mapping[str, float]) -> float:
        z = self.intercept + sum(f.contribution(values[f.name]) for f in self.features)
        return 1.0 / (1.0 + math.exp(-z))

    def drivers(self, values: Mapping[str, float], limit: int = 3) -> list[tuple[Feature, float]]:
        """The features that pushed the score up most against a typical candidate (each
        feature's push: its contribution less that of its reference value)."""
        pushes = (
            (f, f.contribution(values[f.name]) - f.contribution(f.reference))
            for f in self.features
            if f.weight > 0
        )
        ranked = sorted(pushes, key=lambda pair: -pair[1])
        return [(f, push) for f, push in ranked[:limit] if push > 0]


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
# over the fitting candidates, from which a driver's push is told.
_WEIGHTS: dict[str, tuple[float, dict[str, tuple[float, float]]]] = {
    "fan_in": (
        -7.2,
        {
            "parties": (0.0, 1.61),
            "repeat_share": (0.0, 0.17),
            "onward": (1.91, 0.2),
            "excess": (0.32, 0.0),
            "burst": (0.56, 1.88),
            "oneoff": (6.03, 0.0),
            "spread": (1.64, 0.09),
            "again": (2.55, 0.22),
            "moves": (0.0, 1.79),
            "size": (0.39, 1.53),
        },
    ),
    "fan_out": (
        -6.17,
        {
            "parties": (0.0, 1.79),
            "repeat_share": (1.86, 0.17),
            "onward": (2.44, 0.1),
            "excess": (0.0, 0.0),
            "burst": (0.0, 1.45),
            "oneoff": (6.4, 0.0),
            "spread": (0.48, 0.32),
            "again": (3.93, 0.15),
            "moves": (0.0, 0.69),
            "size": (0.61, 1.32),
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


def _evidence(typology: str, spec: tuple[tuple[str, str, int, str], ...]) -> Evidence:
    intercept, weights = _WEIGHTS[typology]
    features = tuple(
        Feature(name, sql, direction, *weights[name], meaning)
        for name, sql, direction, meaning in spec
    )
    return Evidence(typology, intercept, features)


EVIDENCE: dict[str, Evidence] = {
    "fan_in": _evidence("fan_in", _FAN),
    "fan_out": _evidence("fan_out", _FAN),
    "pass_through": _evidence("pass_through", _PASS),
}
