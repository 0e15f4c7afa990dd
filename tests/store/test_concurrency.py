"""Several users at once on one store: real `nexus` processes overlapping a long ingest.

Runs on SQLite and PostgreSQL; every process must succeed and the audit chain stay whole.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from nexus.policy import verify_audit
from nexus.store import open_store
from tests.datafiles import write_anf

NEXUS = Path(sys.executable).parent / "nexus"


def _command(home: Path, url: str, *args: str) -> list[str]:
    return [str(NEXUS), "--home", str(home), "--database-url", url, *args]


# SQLite's busy timeout for every process here: short, so that a short ingest outlasts it.
BUSY_TIMEOUT_MS = 2_000


def _env(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "NEXUS_HOME": str(home),
        "COLUMNS": "200",
        "NEXUS_SQLITE_BUSY_TIMEOUT_MS": str(BUSY_TIMEOUT_MS),
    }
    env.pop("NEXUS_DATABASE_URL", None)
    return env


def _run(home: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        _command(home, url, *args), capture_output=True, text=True, env=_env(home), timeout=120
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return done


def _audit_count(url: str) -> int:
    store = open_store(url)
    try:
        return sum(1 for _ in store.audit_entries())
    finally:
        store.close()


def test_readers_and_writers_succeed_during_a_long_ingest(store_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    _run(home, store_url, "init")
    small, _ = write_anf(tmp_path, count=20, name="small.csv")
    _run(home, store_url, "ingest", str(small))
    engine = create_engine(store_url)
    with engine.connect() as conn:
        left, right = conn.execute(
            text("SELECT DISTINCT entity_id FROM statements WHERE schema = 'Person' LIMIT 2")
        ).scalars()
    engine.dispose()
    # On SQLite the ingest must hold its write transaction for longer than SQLite's busy
    # timeout (2 s here, 30 s by default), which is how long a second writer or an audited read
    # waited before it died.
    rows = 20_000
    big, _ = write_anf(tmp_path, count=rows, seed=11, name="big.csv")
    # SECRET, so the resolution below (as a CONFIDENTIAL user) scores the small register only.
    big.write_text(big.read_text().replace("RESTRICTED", "SECRET"))
    _run(
        home,
        store_url,
        *("user", "add", "anf_desk", "--agency", "ANF"),
        "--clearance",
        "CONFIDENTIAL",
    )
    second, _ = write_anf(tmp_path, count=200, seed=12, name="second.csv")
    before = _audit_count(store_url)

    ingest = subprocess.Popen(
        _command(home, store_url, "ingest", str(big)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(home),
    )
    time.sleep(3)  # the ingest has started and holds its write transaction
    others = [
        ["status", "--as", "admin"],
        ["entity", "list", "--as", "admin"],
        ["entity", "list", "--schema", "Person", "--limit", "5", "--as", "admin"],
        ["merge", left, right, "--as", "admin"],
        ["ingest", str(second)],
        ["resolve", "--as", "anf_desk"],
        ["status", "--as", "admin"],
    ]
    procs = [
        subprocess.Popen(
            _command(home, store_url, *args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(home),
        )
        for args in others
    ]
    # Every other process started while the ingest held its write transaction.
    assert ingest.poll() is None, "the ingest was too short to overlap the others"
    results = []
    for args, proc in zip(others, procs, strict=True):
        out, err = proc.communicate(timeout=240)
        results.append((args, proc.returncode, err + out))
    out, err = ingest.communicate(timeout=240)
    assert ingest.returncode == 0, err + out
    for args, code, output in results:
        assert code == 0, f"{args}: {output}"
    store = open_store(store_url)
    try:
        entries = list(store.audit_entries())
        runs = store.runs()
        verdict = verify_audit(store)
    finally:
        store.close()
    assert verdict.intact, verdict.problem
    # every read (status twice, two listings) left its entry; none was lost
    assert len(entries) - before >= 4
    assert {r.status for r in runs[:3]} == {"committed"}
