"""What resolution returns: scored pairs explained feature by feature, clusters with each
record's confidence, and the helpers that show pairs' values and derive those confidences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["Assignment", "FeatureExplanation", "MatchPair"]


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
