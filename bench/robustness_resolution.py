"""Resolution robustness: Nexus's `nexus dedupe` path and a plain Splink model on the same person
records of an independent family (tests/families/people.py), many seeds; ONE JSON line on stdout.

    .venv/bin/python bench/robustness_resolution.py                 # 20 seeds of 10,000
    .venv/bin/python bench/robustness_resolution.py --seeds 5 --sizes 2000 10000
    .venv/bin/python bench/robustness_resolution.py --million       # adds 1,000,000 (minutes)
    .venv/bin/python bench/robustness_resolution.py --seeds 0 --million --tools nexus

`run(seeds, sizes)` returns the same dict (bench/robustness.py imports it). Per size: worst-seed
and median precision, recall and F1 (pairwise, over clusters) for each tool, seconds per run, and
the process's peak RSS after the size (the peak of the whole process so far, both tools).

Nexus: featurise, fit, score (pairs from 0.05), then the precision guards (nexus.resolve.
conflicts: names-only matches held for review, conflicting clusters split), as `dedupe_csv`
does. Plain Splink: Splink 5 on the columns as written, names by Jaro-Winkler (term-frequency
adjusted), father's name by Jaro-Winkler, CNIC, phone and date of birth exactly, address by
Levenshtein; blocking on CNIC, phone, name + date of birth, name + father's name; u by random
sampling, prior from deterministic rules, EM on two rules; connected components at 0.9.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.backends.duckdb import DuckDBAPI

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.families.people import draw, score  # noqa: E402

from nexus.resolve.conflicts import guard  # noqa: E402
from nexus.resolve.linkage import PAIR_FLOOR  # noqa: E402
from nexus.resolve.model import PersonMatcher  # noqa: E402

THRESHOLD = 0.9
PLAIN_COLUMNS = ("name", "fatherName", "idNumber", "phone", "birthDate", "address")
Json = dict[str, Any]


def log(message: str) -> None:
    print(f"[robustness-resolution] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> int:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024)


def run_nexus(rows: list[dict[str, str]]) -> tuple[dict[str, str], float]:
    started = time.perf_counter()
    matcher = PersonMatcher(threshold=THRESHOLD)
    frame = matcher.featurise(rows)
    matcher.fit(frame)
    pairs = matcher.predict_table(frame, minimum=PAIR_FLOOR, explain=False)
    clusters = guard(matcher, frame, pairs).clusters
    return clusters, round(time.perf_counter() - started, 2)


def _plain_settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.92, 0.8]).configure(
                term_frequency_adjustments=True
            ),
            cl.JaroWinklerAtThresholds("fatherName", [0.92, 0.8]),
            cl.ExactMatch("idNumber"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("birthDate"),
            cl.LevenshteinAtThresholds("address", [3, 8]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("idNumber"),
            block_on("phone"),
            block_on("name", "birthDate"),
            block_on("name", "fatherName"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def _pair_count(frame: pd.DataFrame, columns: Sequence[str]) -> int:
    sizes = frame.dropna(subset=list(columns)).groupby(list(columns)).size()
    return int((sizes * (sizes - 1) // 2).sum())


def run_splink(rows: list[dict[str, str]]) -> tuple[dict[str, str], float]:
    started = time.perf_counter()
    frame = pd.DataFrame(
        [
            {"unique_id": r["id"], **{c: (r.get(c) or "").strip() or None for c in PLAIN_COLUMNS}}
            for r in rows
        ],
        columns=["unique_id", *PLAIN_COLUMNS],
    ).astype("string")
    db = DuckDBAPI()
    linker = Linker(db.register(frame, table_name="plain"), _plain_settings(), log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("idNumber"), block_on("name", "birthDate")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6 + 1, seed=1)
    for rule in (("name",), ("idNumber",)):
        if _pair_count(frame, rule) >= 200:  # Splink fails on an empty EM block
            linker.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=THRESHOLD
    ).as_pandas_dataframe()
    clusters = dict(
        zip(clustered["unique_id"].astype(str), clustered["cluster_id"].astype(str), strict=True)
    )
    return clusters, round(time.perf_counter() - started, 2)


RUNNERS = {"nexus": run_nexus, "splink": run_splink}


def _summary(results: list[Json]) -> Json:
    out: Json = {}
    for key in ("precision", "recall", "f1"):
        values = [r[key] for r in results]
        out[f"{key}_worst"] = round(min(values), 4)
        out[f"{key}_median"] = round(statistics.median(values), 4)
    seconds = [r["seconds"] for r in results]
    out["seconds_median"] = round(statistics.median(seconds), 2)
    out["seconds_max"] = round(max(seconds), 2)
    return out


def run(
    seeds: int = 20, sizes: Sequence[int] = (10_000,), tools: Sequence[str] = ("nexus", "splink")
) -> dict[str, Any]:
    """Nexus and plain Splink (`tools`) over `seeds` seeds of each size; see the docstring."""
    logging.getLogger("splink").setLevel(logging.WARNING)
    result: Json = {"bench": "robustness_resolution", "threshold": THRESHOLD, "sizes": {}}
    for size in sizes:
        per_tool: dict[str, list[Json]] = {tool: [] for tool in tools}
        worst: dict[str, int] = {}
        for seed in range(seeds):
            rows, truth = draw(seed, size)
            for tool in tools:
                clusters, seconds = RUNNERS[tool](rows)
                scores = score(truth, clusters) | {"seconds": seconds, "seed": seed}
                per_tool[tool].append(scores)
            log(
                f"{size:,} seed {seed}: "
                + "; ".join(
                    f"{tool} P {per_tool[tool][-1]['precision']:.3f} "
                    f"R {per_tool[tool][-1]['recall']:.3f} {per_tool[tool][-1]['seconds']} s"
                    for tool in tools
                )
            )
        for tool, results in per_tool.items():
            worst[tool] = min(results, key=lambda r: r["precision"])["seed"]
        result["sizes"][str(size)] = {
            "records": size,
            "seeds": seeds,
            **{
                tool: _summary(results) | {"worst_precision_seed": worst[tool]}
                for tool, results in per_tool.items()
            },
            "peak_rss_mb": peak_rss_mb(),
        }
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--million", action="store_true", help="add 1,000,000 records (1 seed)")
    parser.add_argument("--tools", nargs="+", choices=sorted(RUNNERS), default=list(RUNNERS))
    args = parser.parse_args(argv)
    result = run(args.seeds, tuple(args.sizes), args.tools) if args.seeds else {"sizes": {}}
    result |= {"bench": "robustness_resolution", "threshold": THRESHOLD}
    if args.million:
        result["sizes"].update(run(1, (1_000_000,), args.tools)["sizes"])
        result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
