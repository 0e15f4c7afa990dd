"""Robustness benchmark: the analyses on independent families (tests/families, built apart from
`nexus.scenario`), each over many seeds with the worst seed reported, beside their peers on the
same draws. Prints ONE JSON line and keeps it in bench/results-robustness.json.

- typologies: per typology the worst seed's pattern recall and alert precision, the median
  transaction F1; snapml's GFP + LightGBM on the same draws (bench/robustness_typologies.py);
- networks: per family the share of each planted network in one core, the core's size ratio,
  leaders and brokers among the top ten key players; plain Leiden beside it
  (bench/robustness_networks.py);
- resolution: F1, precision and recall beside plain Splink on the same records
  (bench/robustness_resolution.py);
- learning: how a model learnt from the analysts' earlier decisions ranks the later alerts,
  beside the detectors' scores (bench/robustness_learning.py).

    .venv/bin/python bench/robustness.py [--seeds 20] [--only typologies,networks,...]
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
PARTS = ("typologies", "networks", "resolution", "learning")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="draws of each family")
    parser.add_argument("--only", default=",".join(PARTS), help="which parts, comma-separated")
    args = parser.parse_args(argv)
    result: dict[str, Any] = {"bench": "robustness", "seeds": args.seeds}
    goals: dict[str, bool] = {}
    for part in [p for p in args.only.split(",") if p]:
        if part not in PARTS:
            parser.error(f"unknown part {part!r}: use {', '.join(PARTS)}")
        module = importlib.import_module(f"robustness_{part}")
        started = time.perf_counter()
        figures = module.run(seeds=args.seeds)
        figures["seconds"] = round(time.perf_counter() - started, 1)
        goals.update({f"{part}.{k}": bool(v) for k, v in figures.pop("goals", {}).items()})
        result[part] = figures
    result["goals"] = goals
    result["machine"] = {"cpus": _cpus(), "python": platform.python_version()}
    result["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2)
    line = json.dumps(result, sort_keys=False)
    print(line)
    (ROOT / "bench" / "results-robustness.json").write_text(line + "\n", encoding="utf-8")
    return 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    sys.exit(main())
