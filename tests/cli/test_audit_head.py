"""An audit that cannot be shortened unseen, and runs that leave a trace when killed: the head
checkpoint, `nexus audit head`, `verify --head`, and interrupted runs in `nexus status`."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.cli.test_cli import NEXUS, home, run
from tests.datafiles import write_anf

__all__ = ["home"]  # the fixture, shared with the other CLI tests


def _cut_newest(home: Path, count: int) -> None:
    """What an operator with shell access could do: delete the newest entries of the chain."""
    with sqlite3.connect(home / "nexus-audit.sqlite") as conn:
        conn.execute(
            "DELETE FROM audit WHERE id IN (SELECT id FROM audit ORDER BY id DESC LIMIT ?)",
            (count,),
        )


def _load(home: Path, tmp_path: Path) -> None:
    path, _ = write_anf(tmp_path, count=20)
    run(home, "ingest", str(path))
    for _ in range(3):
        run(home, "status")  # every read is an audit entry


def test_verify_detects_entries_cut_off_the_end_of_the_audit(home: Path, tmp_path: Path) -> None:
    _load(home, tmp_path)
    assert "intact" in run(home, "audit", "verify").stdout
    _cut_newest(home, 3)
    done = run(home, "audit", "verify", ok=False)
    assert done.returncode == 1
    assert "removed from its end" in done.stderr
    # Later commands append again, reusing the cut ids; the checkpoint must not move past the cut.
    for _ in range(5):
        run(home, "status")
    done = run(home, "audit", "verify", ok=False)
    assert done.returncode == 1
    assert "removed from the end and others appended" in done.stderr


def test_a_head_kept_elsewhere_still_proves_a_cut_when_the_checkpoint_is_gone(
    home: Path, tmp_path: Path
) -> None:
    _load(home, tmp_path)
    kept = run(home, "audit", "head").stdout.strip().splitlines()[-1]
    entry, digest = kept.split(":")
    assert entry.isdigit() and len(digest) == 64
    assert "still holds entry" in run(home, "audit", "verify", "--head", kept).stdout
    _cut_newest(home, 3)
    (home / "audit-head.json").unlink()  # the cut's evidence in the home, gone with it
    assert "no checkpoint" in run(home, "audit", "verify").stderr
    done = run(home, "audit", "verify", "--head", kept, ok=False)
    assert done.returncode == 1 and "removed from its end" in done.stderr


def test_a_malformed_head_is_a_one_line_usage_error(home: Path) -> None:
    done = run(home, "audit", "verify", "--head", "12:xyz", ok=False)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "ENTRY:SHA256" in done.stderr


def test_audit_head_and_verify_are_for_administrators(home: Path) -> None:
    run(home, "user", "add", "fia_analyst", "--agency", "FIA", "--clearance", "CONFIDENTIAL")
    done = run(home, "audit", "head", ok=False, env={"NEXUS_USER": "fia_analyst"})
    assert done.returncode == 2 and "administrator" in done.stderr


def _running_run(home: Path) -> bool:
    with sqlite3.connect(home / "nexus.sqlite") as conn:
        return conn.execute("SELECT count(*) FROM runs WHERE status = 'running'").fetchone()[0] > 0


def test_a_killed_ingest_shows_as_interrupted_and_stored_nothing(
    home: Path, tmp_path: Path
) -> None:
    big, _ = write_anf(tmp_path, count=30_000, seed=5, name="big.csv")
    env = {**os.environ, "NEXUS_HOME": str(home)}
    env.pop("NEXUS_USER", None)
    env.pop("NEXUS_DATABASE_URL", None)
    ingest = subprocess.Popen(
        [str(NEXUS), "ingest", str(big)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not _running_run(home):
        assert ingest.poll() is None, "the ingest ended before it could be killed"
        assert time.monotonic() < deadline, "the run was not on record while it ran"
        time.sleep(0.05)
    time.sleep(1.0)  # well into its rows
    ingest.send_signal(signal.SIGKILL)
    ingest.wait(timeout=30)
    done = run(home, "status")
    row = next(line for line in done.stdout.splitlines() if "big.csv" in line)
    assert "interrupted" in row
    assert "interrupted before it finished" in done.stderr
    assert "0 statements" in done.stdout  # the killed run's rows were never committed
    # Its lock died with it: the next ingest goes ahead.
    small, _ = write_anf(tmp_path, count=5, name="small.csv")
    run(home, "ingest", str(small))
