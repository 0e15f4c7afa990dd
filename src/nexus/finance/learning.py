"""Learning from analysts' decisions: typology alerts closed as false positives or confirmed
become labels; with enough of them a LightGBM model re-ranks the open alerts and says which
features drove each rank. Without enough labels nothing changes: the detectors' scores rank.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nexus.policy import Reader
from nexus.store import AlertRecord

# Closing outcomes an analyst can record (the closing step's action in the alert's history).
FALSE_POSITIVE = "false_positive"
CONFIRMED = "confirmed"
OUTCOMES = (FALSE_POSITIVE, CONFIRMED)
# Never features of a risk model, whatever a detector or a mapping put in an alert's details.
PROTECTED = ("ethnic", "religio", "caste", "sect", "tribe")
_SCREENING = "sanctions"  # screening hits are judged against the list, not learnt from


@dataclass(frozen=True)
class Driver:
    """One feature's push on an alert's learnt rank (log-odds; positive raises it)."""

    feature: str
    value: float | None
    contribution: float

    def to_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "value": self.value, "contribution": self.contribution}

    def text(self) -> str:
        shown = "missing" if self.value is None else f"{self.value:g}"
        return f"{self.feature} = {shown} ({self.contribution:+.2f})"


@dataclass(frozen=True)
class LearntRank:
    """The model's chance that an alert will be confirmed, with the features behind it."""

    alert_id: int
    probability: float
    drivers: tuple[Driver, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "probability": self.probability,
            "drivers": [d.to_dict() for d in self.drivers],
        }


def alert_label(alert: AlertRecord) -> int | None:
    """1 when the analysts' latest decision confirmed the alert (escalated it, or closed it as
    confirmed), 0 when they closed it as a false positive, None when they have not decided."""
    for event in reversed(alert.history):
        if event.action == FALSE_POSITIVE:
            return 0
        if event.action == CONFIRMED or (event.action == "status" and event.status == "escalated"):
            return 1
    return None


def alert_features(alert: AlertRecord) -> dict[str, float]:
    """The figures an alert rests on, as numbers: the detector's score, how many payments and
    accounts, its typology, and every numeric detail (nested ones as `key.sub`, lists by count)."""
    features: dict[str, float] = {
        "score": float(alert.score),
        "payments": float(len(alert.transactions)),
        "accounts": float(len(alert.entities)),
        f"typology={alert.kind}": 1.0,
    }
    _flatten(alert.details, "", features)
    return {k: v for k, v in features.items() if not any(p in k.lower() for p in PROTECTED)}


def _flatten(details: Mapping[str, Any], prefix: str, into: dict[str, float]) -> None:
    for key, value in details.items():
        name = f"{prefix}{key}"
        if isinstance(value, int | float) and math.isfinite(float(value)):  # bools too
            into[name] = float(value)
        elif isinstance(value, Mapping) and not prefix:  # one level deep is enough to read
            _flatten(value, f"{name}.", into)
        elif isinstance(value, list | tuple):
            into[f"{name}.count"] = float(len(value))


@dataclass
class AlertModel:
    """A model trained on one viewer's decided alerts."""

    booster: Any
    features: list[str]
    labels: int
    confirmed: int

    def matrix(self, alerts: Sequence[AlertRecord]) -> np.ndarray:
        rows = [alert_features(a) for a in alerts]
        return np.array(
            [[row.get(name, np.nan) for name in self.features] for row in rows], dtype=np.float64
        ).reshape(len(rows), len(self.features))

    def rank(self, alerts: Sequence[AlertRecord], *, drivers: int = 3) -> list[LearntRank]:
        if not alerts:
            return []
        x = self.matrix(alerts)
        probability = self.booster.predict(x)
        contributions = self.booster.predict(x, pred_contrib=True)[:, :-1]  # last column: bias
        ranks = []
        for i, alert in enumerate(alerts):
            top = np.argsort(-np.abs(contributions[i]), kind="stable")[:drivers]
            ranks.append(
                LearntRank(
                    alert.id,
                    float(probability[i]),
                    tuple(
                        Driver(
                            self.features[j],
                            None if np.isnan(x[i, j]) else float(x[i, j]),
                            round(float(contributions[i, j]), 4),
                        )
                        for j in top.tolist()
                        if contributions[i, j] != 0
                    ),
                )
            )
        return ranks

    def importance(self) -> dict[str, float]:
        """Each feature's share of the model's total gain."""
        gain = self.booster.feature_importance(importance_type="gain")
        total = float(gain.sum()) or 1.0
        pairs = sorted(zip(self.features, gain.tolist(), strict=True), key=lambda p: -p[1])
        return {name: round(value / total, 4) for name, value in pairs if value > 0}


def decided(alerts: Sequence[AlertRecord]) -> list[tuple[AlertRecord, int]]:
    """The typology alerts the analysts decided, with their label, oldest raised first."""
    labelled = [(a, alert_label(a)) for a in alerts if a.kind != _SCREENING]
    found = [(a, y) for a, y in labelled if y is not None]
    return sorted(found, key=lambda p: (p[0].created_at, p[0].id))


def train(
    labelled: Sequence[tuple[AlertRecord, int]], *, min_labels: int, min_per_class: int
) -> AlertModel | None:
    """A LightGBM model over the labelled alerts' features, or None while there are fewer than
    `min_labels` labels or fewer than `min_per_class` of either outcome."""
    confirmed = sum(y for _, y in labelled)
    if len(labelled) < min_labels or min(confirmed, len(labelled) - confirmed) < min_per_class:
        return None
    import lightgbm

    rows = [alert_features(a) for a, _ in labelled]
    names = sorted({name for row in rows for name in row})
    x = np.array([[row.get(n, np.nan) for n in names] for row in rows], dtype=np.float64)
    y = np.array([label for _, label in labelled], dtype=np.float64)
    params = {
        "objective": "binary",
        "learning_rate": 0.1,
        "num_leaves": 15,
        "min_data_in_leaf": max(3, min_per_class // 2),
        "feature_fraction": 1.0,
        "deterministic": True,
        "num_threads": 1,
        "seed": 0,
        "verbose": -1,
    }
    booster = lightgbm.train(params, lightgbm.Dataset(x, y, feature_name=names), 100)
    return AlertModel(booster, names, len(labelled), confirmed)


@dataclass(frozen=True)
class Evaluation:
    """How the model ranks alerts decided after those it learnt from, beside the detectors'
    scores on the same alerts (ROC AUC, and the precision of the top `k`, k = the number of
    confirmed alerts among them)."""

    trained_on: int
    tested_on: int
    confirmed_in_test: int
    model_auc: float
    score_auc: float
    model_precision_at_k: float
    score_precision_at_k: float

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in vars(self).items()}


def evaluate(
    labelled: Sequence[tuple[AlertRecord, int]],
    *,
    min_labels: int,
    min_per_class: int,
    train_share: float = 0.7,
) -> Evaluation | None:
    """Temporal split: learn from the first `train_share` of the decided alerts (by when they
    were raised), rank the rest. None when the earlier part is too small to learn from or the
    later one holds only one outcome."""
    cut = int(len(labelled) * train_share)
    earlier, later = list(labelled[:cut]), list(labelled[cut:])
    model = train(earlier, min_labels=min_labels, min_per_class=min_per_class)
    truth = np.array([y for _, y in later], dtype=np.int64)
    if model is None or truth.sum() in (0, len(truth)):
        return None
    learnt = np.array([r.probability for r in model.rank([a for a, _ in later], drivers=0)])
    scores = np.array([a.score for a, _ in later], dtype=np.float64)
    k = int(truth.sum())
    return Evaluation(
        trained_on=len(earlier),
        tested_on=len(later),
        confirmed_in_test=k,
        model_auc=_auc(learnt, truth),
        score_auc=_auc(scores, truth),
        model_precision_at_k=float(truth[np.argsort(-learnt, kind="stable")[:k]].mean()),
        score_precision_at_k=float(truth[np.argsort(-scores, kind="stable")[:k]].mean()),
    )


def _auc(values: np.ndarray, truth: np.ndarray) -> float:
    """ROC AUC as the chance that a confirmed alert outranks a false one (ties count half)."""
    positives, negatives = values[truth == 1], values[truth == 0]
    wins = (positives[:, None] > negatives[None, :]).sum()
    ties = (positives[:, None] == negatives[None, :]).sum()
    return float((wins + 0.5 * ties) / (len(positives) * len(negatives)))


@dataclass
class LearntQueue:
    """The viewer's queue, re-ranked by the model when there is one."""

    alerts: list[AlertRecord]
    ranks: dict[int, LearntRank]
    model: AlertModel | None


def learnt_queue(
    reader: Reader,
    *,
    min_labels: int,
    min_per_class: int,
    status: Sequence[str] | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> LearntQueue:
    """Undecided alerts first (new, under review, escalated, closed, as `queue` orders them);
    within each status, by the learnt chance of confirmation where a model could be trained on
    the alerts this viewer may read, else by the detector's score. Screening hits keep their
    score. The model learns only from alerts the viewer may read."""
    from nexus.finance.alerts import QUEUE_ORDER

    every = reader.alerts(history=True)
    model = train(decided(every), min_labels=min_labels, min_per_class=min_per_class)
    shown = [
        a
        for a in every
        if (status is None or a.status in status) and (kind is None or a.kind == kind)
    ]
    learnable = [a for a in shown if a.kind != _SCREENING]
    ranks = {r.alert_id: r for r in model.rank(learnable)} if model is not None else {}
    shown.sort(
        key=lambda a: (
            QUEUE_ORDER.get(a.status, 99),
            -(ranks[a.id].probability if a.id in ranks else a.score),
            -a.id,
        )
    )
    return LearntQueue(shown if limit is None else shown[:limit], ranks, model)
