"""Learning from analysts' decisions on the independent transaction family: each seed's extract
is one month of an agency's alerts; the analysts decide every alert by the truth (confirmed when
most of its payments are laundering, false positive otherwise). A model learnt from the earlier
months' decisions ranks the later months' alerts, beside the detectors' own scores.

Alone: `.venv/bin/python bench/robustness_learning.py [--seeds 20]` prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.families import transactions as family  # noqa: E402

from nexus.finance.learning import CONFIRMED, FALSE_POSITIVE, evaluate, train  # noqa: E402
from nexus.finance.sql import open_engine  # noqa: E402
from nexus.finance.typologies import scan  # noqa: E402
from nexus.settings import Settings, TypologySettings  # noqa: E402
from nexus.store import AlertEvent, AlertRecord  # noqa: E402

MONTH = 30 * 86_400


def month_of_alerts(seed: int, month: int, size: int) -> list[tuple[AlertRecord, int]]:
    """One drawn extract scanned with the default settings; every alert decided by the truth
    and dated into month `month` (the family's extracts all start on one day)."""
    drawn = family.draw(seed, size)
    laundering = drawn.laundering
    settings = TypologySettings()
    with open_engine("duckdb", threads=2) as engine:
        engine.load_arrow(family.table(drawn), settings)
        findings = scan(engine, settings)
    decided = []
    for number, finding in enumerate(findings):
        label = int(2 * len(laundering & set(finding.transactions)) >= len(finding.transactions))
        raised = datetime.fromtimestamp(family.T0 + month * MONTH + number, UTC)
        event = AlertEvent(CONFIRMED if label else FALSE_POSITIVE, "analyst", "closed", "bench")
        record = AlertRecord(
            key=f"{seed}:{number}",
            kind=finding.kind,
            score=finding.score,
            reasons=tuple(finding.reasons),
            evidence=frozenset(),
            agency="FMU",
            created_by="bench",
            status="closed",
            transactions=tuple(finding.transactions),
            entities=tuple(finding.entities),
            details=dict(finding.details),
            created_at=raised.isoformat(timespec="seconds"),
            history=(event,),
            id=month * 1_000_000 + number,
        )
        decided.append((record, label))
    return decided


def run(seeds: int = 20, transactions: int = 100_000) -> dict[str, Any]:
    defaults = Settings.model_fields
    limits = {
        "min_labels": int(defaults["alert_learning_min_labels"].default),
        "min_per_class": int(defaults["alert_learning_min_per_class"].default),
    }
    labelled = [pair for m in range(seeds) for pair in month_of_alerts(1_000 + m, m, transactions)]
    confirmed = sum(y for _, y in labelled)
    check = evaluate(labelled, **limits)
    model = train(labelled, **limits)
    out: dict[str, Any] = {
        "months": seeds,
        "transactions_per_month": transactions,
        "alerts": len(labelled),
        "confirmed": confirmed,
        "false_positives": len(labelled) - confirmed,
        "limits": limits,
        "evaluation": check.to_dict() if check else None,
        "importance": dict(list(model.importance().items())[:8]) if model else {},
    }
    if check is None:
        out["why_no_evaluation"] = (
            "too few decisions of one outcome to learn from: the detectors' alerts on this "
            "family are almost all true (or all false), so there is little for a model to add"
        )
    else:
        out["goals"] = {"learnt_auc_not_below_scores": check.model_auc >= check.score_auc}
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--transactions", type=int, default=100_000)
    options = parser.parse_args()
    print(json.dumps(run(options.seeds, options.transactions)))
