"""Fit the evidence weights of nexus.finance.evidence on the independent transaction family.

For each evidence-scored typology: every candidate its detector finds (threshold 0) on seeds
1000-1009 of tests/families/transactions.py (the benchmarks report seeds 0-19 and 100-119),
labelled laundering when most of its transactions are; then a logistic regression with each
weight held to its feature's documented direction (L-BFGS-B with bounds, a little L2), and the
lowest threshold whose candidates are 90% laundering (else the one with the best F1), each
candidate counted as its transactions. Prints the weights as nexus.finance.evidence's
`_WEIGHTS` reads them, with each feature's median over the candidates (its reference).

    .venv/bin/python tools/fit_evidence.py [--seeds 1000-1009] [--transactions 300000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.families.transactions import generate

from nexus.finance.evidence import EVIDENCE, Evidence
from nexus.finance.sql import open_engine
from nexus.finance.typologies import run_detector
from nexus.settings import TypologySettings

L2 = 1e-4
PRECISION = 0.9


Row = tuple[list[float], bool, int]  # features, laundering, transactions


def candidates(seeds: list[int], transactions: int) -> dict[str, list[Row]]:
    settings = TypologySettings().model_copy(deep=True)
    for name in EVIDENCE:
        getattr(settings, name).min_evidence = 0.0
    out: dict[str, list[Row]] = {name: [] for name in EVIDENCE}
    with tempfile.TemporaryDirectory(prefix="nexus-fit-") as tmp:
        for seed in seeds:
            family = generate(seed, transactions, Path(tmp) / str(seed))
            laundering = family.laundering
            assert family.csv is not None
            with open_engine("duckdb", threads=2) as engine:
                engine.load_csv(family.csv, settings)
                for name, evidence in EVIDENCE.items():
                    for f in run_detector(engine, name, settings):
                        values = [float(f.details[f"f_{x.name}"]) for x in evidence.features]
                        true = 2 * len(laundering & set(f.transactions)) >= len(f.transactions)
                        out[name].append((values, true, len(f.transactions)))
            print(
                f"seed {seed}: " + ", ".join(f"{n} {len(v)}" for n, v in out.items()),
                file=sys.stderr,
            )
    return out


def fit(evidence: Evidence, rows: list[Row]) -> dict[str, Any]:
    x = np.asarray([r[0] for r in rows])
    y = np.asarray([r[1] for r in rows], dtype=float)
    # Each candidate weighs as many transactions as it holds: the alerts are judged (and the
    # analysts' time spent) transaction by transaction, so one large false alert costs more.
    size = np.asarray([r[2] for r in rows], dtype=float)
    weight = size / size.mean()
    signs = np.asarray([f.direction for f in evidence.features], dtype=float)
    xs = x * signs  # every weight of xs is ≥ 0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] + xs @ theta[1:]
        p = 1 / (1 + np.exp(-z))
        eps = 1e-12
        value = -np.mean(weight * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))
        value += L2 * float(theta[1:] @ theta[1:])
        residual = weight * (p - y)
        grad = np.concatenate([[np.mean(residual)], xs.T @ residual / len(y) + 2 * L2 * theta[1:]])
        return float(value), grad

    start = np.zeros(len(signs) + 1)
    bounds = [(None, None)] + [(0.0, None)] * len(signs)
    result = minimize(
        loss, start, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 5000}
    )
    theta = result.x
    p = 1 / (1 + np.exp(-(theta[0] + xs @ theta[1:])))
    truth = y.astype(bool)
    steps = [round(float(t), 2) for t in np.arange(0.05, 0.96, 0.05)]
    # The lowest threshold whose alerts are 90% laundering (the precision goal), else the one
    # with the best F1: precision first, as the analysts' time and the innocent demand.
    precise = [t for t in steps if _precision(p >= t, truth, size) >= PRECISION]
    best = (
        (precise[0], _f1(p >= precise[0], truth, size))
        if precise
        else max(((t, _f1(p >= t, truth, size)) for t in steps), key=lambda pair: pair[1])
    )
    return {
        "intercept": round(float(theta[0]), 2),
        "weights": {
            f.name: round(float(w), 2) for f, w in zip(evidence.features, theta[1:], strict=True)
        },
        "reference": {
            f.name: round(float(np.median(x[:, i])), 3) for i, f in enumerate(evidence.features)
        },
        "threshold": round(float(best[0]), 2),
        "candidate_f1": round(best[1], 3),
        "candidates": len(rows),
        "laundering": int(y.sum()),
    }


def _precision(chosen: np.ndarray, truth: np.ndarray, size: np.ndarray) -> float:
    """Precision with each candidate counted as its transactions."""
    held = float(size[chosen].sum())
    return float(size[chosen & truth].sum()) / held if held else 0.0


def _f1(chosen: np.ndarray, truth: np.ndarray, size: np.ndarray) -> float:
    """F1 with each candidate counted as its transactions."""
    hits = float(size[chosen & truth].sum())
    if not hits:
        return 0.0
    precision, recall = hits / float(size[chosen].sum()), hits / float(size[truth].sum())
    return 2 * precision * recall / (precision + recall)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="1000-1009")
    parser.add_argument("--transactions", type=int, default=300_000)
    args = parser.parse_args()
    low, _, high = args.seeds.partition("-")
    seeds = list(range(int(low), int(high or low) + 1))
    rows = candidates(seeds, args.transactions)
    print(json.dumps({n: fit(EVIDENCE[n], r) for n, r in rows.items()}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
