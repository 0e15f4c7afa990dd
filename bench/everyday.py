"""Everyday speed: the wall time of each step of `make demo` and of the commands an analyst runs
every day on the small scenario, checked against issue 12's goals; prints ONE JSON line.

    .venv/bin/python bench/everyday.py                 # fresh demo store in a temporary folder
    .venv/bin/python bench/everyday.py --home demo-data/home --scenario demo-data/scenario
                                                       # reuse a demo store: everyday commands only

The demo runs as `make demo` runs it (scripts/demo.sh), traced by bash with a clock on every
top-level command, so the per-step figures are the script's own. The peer is FollowTheMoney's
own command line (`ftm --help`), which every Aleph user starts many times a day: the start-up
ratio compares `nexus --help` with it in the same run. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NEXUS = str(BIN / "nexus")

# Issue 12, item 7: goals in seconds.
GOALS = {
    "demo_after_install": 180.0,
    "help": 1.0,
    "status": 1.0,
    "communities": 1.0,
    "key_players": 1.0,
    "screen_nothing_new": 2.0,
    "finance_scan_nothing_new": 2.0,
}
# The script's own commands, sourced by `bash -c`: trace depth two.
TRACE = re.compile(r"^\+\+ (?P<clock>\d+\.\d+) (?P<command>.*)$")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=1800)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{shlex.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done


def step_name(command: str) -> str | None:
    """`.venv/bin/nexus resolve --as admin` → "resolve --as admin"; other commands → None."""
    words = shlex.split(command, posix=True) if command.count('"') % 2 == 0 else command.split()
    if not words or not words[0].endswith("/nexus"):
        return None
    if words[1:2] == ["ingest"]:
        return "ingest (all mappings)"
    keep = [w for w in words[1:] if not w.startswith("/") and "demo-data" not in w]
    name = " ".join(keep[:4])
    return name or None


def run_demo(home: Path, scenario: Path) -> tuple[float, dict[str, float]]:
    """Run scripts/demo.sh traced; returns its wall time and the seconds of each nexus step."""
    env = {
        **os.environ,
        "NEXUS_HOME": str(home),
        "SCENARIO": str(scenario),
        "BIN": str(BIN),
        "SERVE": "0",  # the demo ends by serving the web app; the bench stops before
    }
    env.pop("NEXUS_USER", None)
    env.pop("NEXUS_DATABASE_URL", None)
    started = time.perf_counter()
    done = subprocess.run(
        # PS4 from the environment is ignored when running as root: set it inside.
        ["bash", "-c", "PS4='+ ${EPOCHREALTIME} '; set -x; . scripts/demo.sh"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=3600,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"scripts/demo.sh failed ({done.returncode}): {done.stderr[-3000:]}")
    marks = [
        (float(m["clock"]), m["command"]) for m in map(TRACE.match, done.stderr.splitlines()) if m
    ]
    end = marks[0][0] + wall if marks else 0.0
    steps: dict[str, float] = defaultdict(float)
    for (clock, command), following in zip(marks, [*marks[1:], (end, "")], strict=True):
        name = step_name(command)
        if name:
            steps[name] += following[0] - clock
    return wall, {name: round(seconds, 2) for name, seconds in steps.items()}


def some_entity(home: Path) -> str:
    """A person's id, read straight from the demo's SQLite file (the bench is not a viewer)."""
    with sqlite3.connect(home / "nexus.sqlite") as conn:
        row = conn.execute("SELECT entity_id FROM statements WHERE schema = 'Person' LIMIT 1")
        found = row.fetchone()
    if found is None:
        raise SystemExit(f"no Person to show in {home}")
    return str(found[0])


def everyday(home: Path) -> dict[str, float]:
    """The commands of an ordinary day, on a store where nothing new has arrived."""
    env = {**os.environ, "NEXUS_HOME": str(home), "COLUMNS": "200"}
    env.pop("NEXUS_USER", None)
    env.pop("NEXUS_DATABASE_URL", None)
    entity = some_entity(home)
    commands = {
        "help": ["--help"],
        "status": ["status"],
        "entity_show": ["entity", "show", entity],
        "communities": ["network", "communities", "--as", "anf_officer", "--limit", "8"],
        "key_players": ["network", "key-players", "--as", "anf_officer", "--limit", "8"],
        "screen_nothing_new": ["screen", "--as", "fmu_analyst", "--limit", "10"],
        "finance_scan_nothing_new": ["finance", "scan", "--as", "fmu_analyst", "--limit", "5"],
        "resolve_nothing_new": ["resolve", "--as", "fia_analyst"],
    }
    figures: dict[str, float] = {}
    for name, args in commands.items():
        timed([NEXUS, *args], env)  # once to warm caches the demo would have warmed
        elapsed, _ = timed([NEXUS, *args], env)
        figures[name] = round(elapsed, 2)
        log(f"{name}: {elapsed:.2f} s")
    return figures


def peer_startup() -> float | None:
    ftm = BIN / "ftm"
    if not ftm.exists():
        return None
    timed([str(ftm), "--help"], dict(os.environ))
    elapsed, _ = timed([str(ftm), "--help"], dict(os.environ))
    return round(elapsed, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="An existing demo store: skip the demo run.")
    parser.add_argument("--scenario", type=Path, help="Its scenario folder (with --home).")
    options = parser.parse_args()
    result: dict[str, Any] = {
        "bench": "everyday",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
    }
    with tempfile.TemporaryDirectory(prefix="nexus-everyday-") as tmp:
        home = options.home
        if home is None:
            home, scenario = Path(tmp) / "home", Path(tmp) / "scenario"
            log("running scripts/demo.sh (the demo after the install) …")
            wall, steps = run_demo(home, scenario)
            result["demo_after_install"] = round(wall, 1)
            result["demo_steps"] = steps
        result.update(everyday(home))
    peer = peer_startup()
    result["peer"] = "ftm --help (FollowTheMoney CLI)"
    result["peer_help"] = peer
    result["ratio_help_vs_peer"] = round(result["help"] / peer, 2) if peer else None
    result["goals"] = {
        name: {"goal_s": goal, "met": result[name] <= goal}
        for name, goal in GOALS.items()
        if name in result
    }
    result["all_goals_met"] = all(goal["met"] for goal in result["goals"].values())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
