"""Robustness of the namesakes rule (`nexus.graph.namesakes`) on an independent family of
look-alikes (tests/families/namesakes.py): per seed, villages and bazaars whose people are
written by a police register, an EOBI register, two banks and a district's trade licences, with
planted look-alikes (one name, one employer, case, shop or father's name; CNICs or birth dates
that differ, or none) and shops of one name. Each seed is loaded through its mappings into a
SQLite store, resolved, and its namesakes settled round by round as `nexus network namesakes
--settle` does. Prints ONE JSON line.

Figures, for people and for businesses, over the pairs of entities resolution left (each its
records' owner by majority), worst seed and median: merge precision (share of the pairs joined
that are one person) and recall (share of the one-person pairs with one normalised name that
are joined; `_in_community`: of those in one community, the pairs a rule sees); the review
queue's precision (share of queued pairs that are one person: the analyst's yield) and recall
(share of the one-person pairs left apart that are queued); `listed_in_community`: one-person
pairs of one community merged or queued; look-alike pairs of one community (two people, one
name) and how many were merged or listed; totals over the seeds. Peers measured on the same
pairs in the same run: the naive tool (every pair of one community with one normalised name
merged) and nomenklatura's entity-resolution matcher (`er-unstable`, FtM's off-the-shelf
pairwise model) merging the same pairs at 0.7. `resolution` says how many entities resolution
itself made of records of different people or businesses (the rule cannot undo those).

    .venv/bin/python bench/robustness_namesakes.py [--seeds 20] [--first 0]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.families.namesakes import (  # noqa: E402
    ORG,
    PERSON,
    Figures,
    Outcome,
    draw,
    joined_by,
    naive,
    score,
)
from tests.families.namesakes import run as run_world  # noqa: E402

NOMENKLATURA_THRESHOLD = 0.7
Json = dict[str, Any]


def log(message: str) -> None:
    print(f"[robustness-namesakes] {message}", file=sys.stderr, flush=True)


def nomenklatura(outcome: Outcome, kind: str) -> dict[str, str]:
    """The same-name pairs of one community merged where nomenklatura's entity-resolution
    matcher scores them at NOMENKLATURA_THRESHOLD or more."""
    from followthemoney import model
    from nomenklatura.matching import EntityResolveRegression, ScoringConfig

    config = ScoringConfig.defaults()

    def proxy(node: str) -> Any:
        values = outcome.features[node]
        entity = model.make_entity(values["$schema"][0])
        entity.id = node
        for prop, texts in values.items():
            if prop != "$schema" and entity.schema.get(prop) is not None:
                for text in texts:
                    entity.add(prop, text, quiet=True)
        return entity

    merged = [
        (a, b)
        for k, a, b in outcome.candidates
        if k == kind
        and EntityResolveRegression.compare(proxy(a), proxy(b), config).score
        >= NOMENKLATURA_THRESHOLD
    ]
    entities = {e for r, e in outcome.pre.items() if outcome.kinds.get(r) == kind}
    return joined_by(merged, entities)


def resolution_errors(outcome: Outcome, kind: str) -> int:
    """Entities resolution made of records of more than one person (or business)."""
    owners: dict[str, set[str]] = defaultdict(set)
    for record, uid in outcome.truth.items():
        if outcome.kinds.get(record) == kind:
            owners[outcome.pre[record]].add(uid)
    return sum(len(found) > 1 for found in owners.values())


def measure(seed: int) -> Json:
    world = draw(seed)
    with tempfile.TemporaryDirectory(prefix=f"namesakes-{seed}-") as folder:
        outcome = run_world(world, Path(folder))
    found: Json = {"seed": seed, "seconds": round(sum(outcome.seconds.values()), 2)}
    for kind in (PERSON, ORG):
        found[kind] = {
            "rule": score(outcome, kind),
            "naive": score(outcome, kind, naive(outcome, kind)),
            "nomenklatura": score(outcome, kind, nomenklatura(outcome, kind)),
            "resolution_errors": resolution_errors(outcome, kind),
        }
    found["lookalike_groups"] = Counter(f"{g.tie}/{g.ids}" for g in world.lookalikes)
    return found


def summarise(figures: list[Figures], queue: bool) -> Json:
    def rounded(values: list[float]) -> tuple[float, float]:
        return round(min(values), 3), round(statistics.median(values), 3)

    out: Json = {}
    measured = {"precision": [f.precision for f in figures if f.joined]}
    measured["recall"] = [f.recall for f in figures if f.eligible]
    measured["recall_in_community"] = [f.recall_in_community for f in figures if f.splits]
    if queue:
        measured["queue_precision"] = [f.queue_precision for f in figures if f.queued]
        measured["queue_recall"] = [f.queue_recall for f in figures if f.missed]
        measured["listed_in_community"] = [f.listed_in_community for f in figures if f.splits]
    for name, values in measured.items():
        if values:
            out[f"{name}_worst"], out[f"{name}_median"] = rounded(values)
    out["seeds_with_a_wrong_merge"] = sum(f.wrong > 0 for f in figures)
    totals: Counter[str] = Counter()
    for f in figures:
        for field in ("joined", "wrong", "eligible", "found", "splits", "splits_found",
                      "lookalikes", "listed"):  # fmt: skip
            totals[field] += getattr(f, field)
        totals["lookalikes_merged"] += f.lookalikes_merged
        if queue:
            totals["queued"] += f.queued
            totals["queued_same"] += f.queued_same
            totals["splits_listed"] += f.splits_listed
    out["totals"] = dict(totals)
    return out


def run(seeds: int = 20, first: int = 0) -> Json:
    """The rule and its peers over seeds first..first+seeds-1 (bench/robustness.py's shape)."""
    logging.getLogger("splink").setLevel(logging.WARNING)
    started = time.perf_counter()
    per_seed = []
    for seed in range(first, first + seeds):
        found = measure(seed)
        rule = found[PERSON]["rule"]
        log(
            f"seed {seed}: people P {rule.precision:.3f} R {rule.recall:.3f} "
            f"({rule.joined} joined, {rule.wrong} wrong, {rule.eligible} eligible, "
            f"{rule.queued} queued); naive P {found[PERSON]['naive'].precision:.3f}; "
            f"{found['seconds']} s"
        )
        per_seed.append(found)
    result: Json = {"bench": "robustness_namesakes", "seeds": seeds, "first_seed": first}
    for kind, label in ((PERSON, "people"), (ORG, "businesses")):
        result[label] = {
            tool: summarise([s[kind][tool] for s in per_seed], queue=tool == "rule")
            for tool in ("rule", "naive", "nomenklatura")
        }
        worst = min(per_seed, key=lambda s: s[kind]["rule"].precision)
        result[label]["worst_precision_seed"] = (
            worst["seed"] if worst[kind]["rule"].precision < 1 else None
        )
    result["resolution"] = {
        "people_entities_of_several": sum(s[PERSON]["resolution_errors"] for s in per_seed),
        "business_entities_of_several": sum(s[ORG]["resolution_errors"] for s in per_seed),
    }
    groups: Counter[str] = Counter()
    for s in per_seed:
        groups.update(s["lookalike_groups"])
    result["lookalike_groups"] = dict(sorted(groups.items()))
    result["seconds_per_seed_max"] = max(s["seconds"] for s in per_seed)
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first", type=int, default=0, help="first seed (100: held out)")
    args = parser.parse_args()
    print(json.dumps(run(args.seeds, args.first), separators=(",", ":")))


if __name__ == "__main__":
    main()
