"""The `nexus` command as a user runs it: a real process, a real store, exit codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.datafiles import ANF_COLUMNS, anf_rows, write_anf, write_csv

NEXUS = Path(sys.executable).parent / "nexus"


def run(
    home: Path, *args: str, ok: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`nexus ARGS` on the store in `home`, as the home's owner unless `env` says otherwise."""
    extra = env or {}
    env = {**os.environ, "NEXUS_HOME": str(home), "COLUMNS": "200"}
    env.pop("NEXUS_DATABASE_URL", None)
    env.pop("NEXUS_USER", None)
    env.update(extra)
    done = subprocess.run(
        [str(NEXUS), *args], capture_output=True, text=True, env=env, cwd=home.parent, timeout=120
    )
    if ok:
        assert done.returncode == 0, done.stderr + done.stdout
    return done


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    run(path, "init")
    return path


def test_help_lists_the_commands(tmp_path: Path) -> None:
    out = run(tmp_path / "h", "--help").stdout
    for command in (
        "init",
        "ingest",
        "import-ftm",
        "export",
        "entity",
        "quarantine",
        "user",
        "audit",
        "status",
    ):
        assert command in out


def test_init_creates_the_administrator_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert "Administrator admin created" in run(home, "init").stdout
    assert "Administrator" not in run(home, "init").stdout
    assert (home / "nexus.sqlite").exists()


def test_ingest_reports_loaded_and_quarantined_and_fails_without_allow_rejects(
    home: Path, tmp_path: Path
) -> None:
    rows = anf_rows(10)
    rows[3]["Date of Seizure"] = "32/13/2024"
    mapping, data = write_anf(tmp_path)
    write_csv(data, rows, ANF_COLUMNS)
    failed = run(home, "ingest", str(mapping), ok=False)
    assert failed.returncode == 1
    assert "1 row(s) quarantined" in failed.stdout
    assert run(home, "ingest", str(mapping), "--allow-rejects").returncode == 0
    listing = run(home, "quarantine", "list", "--json", "--as", "admin", ok=False)
    assert listing.returncode == 0
    # the mapping holds ANF-only informants, so only ANF may read its rejected rows
    assert listing.stdout.strip() == ""
    run(home, "user", "add", "anf1", "--agency", "ANF", "--clearance", "SECRET")
    [first, *_] = run(home, "quarantine", "list", "--json", "--as", "anf1").stdout.splitlines()
    record = json.loads(first)
    assert (record["row"], record["field"]) == (5, "Date of Seizure")
    assert "32/13/2024" in record["reason"]


def test_a_failed_export_leaves_the_file_it_would_have_replaced(home: Path, tmp_path: Path) -> None:
    mapping, _ = write_anf(tmp_path, count=5)
    run(home, "ingest", str(mapping))
    target = tmp_path / "kept.jsonl"
    target.write_text("yesterday's export\n", encoding="utf-8")
    failed = run(home, "export", "--format", "csv", "-o", str(target), ok=False)
    assert failed.returncode != 0 and "unknown export format" in failed.stderr
    failed = run(home, "network", "export", "--format", "ftm", "-o", str(target), ok=False)
    assert failed.returncode != 0 and "--around" in failed.stderr
    assert target.read_text(encoding="utf-8") == "yesterday's export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".kept")) == []
    run(home, "export", "-o", str(target))
    assert target.read_text(encoding="utf-8") == run(home, "export").stdout
    assert target.stat().st_mode & 0o077 == 0  # marked records: readable by the owner only
    missing = run(home, "export", "-o", str(tmp_path / "nowhere" / "x.jsonl"), ok=False)
    assert missing.returncode != 0 and "does not exist" in missing.stderr


def test_export_and_entity_show_act_as_the_named_viewer(home: Path, tmp_path: Path) -> None:
    mapping, _ = write_anf(tmp_path, count=5)
    run(home, "ingest", str(mapping))
    run(
        home,
        "user",
        "add",
        "interpol1",
        "--agency",
        "INTERPOL",
        "--clearance",
        "SECRET",
        "--partner",
        "INTERPOL",
    )
    admin_lines = run(home, "export").stdout.splitlines()
    assert len(admin_lines) >= 10
    assert run(home, "export", "--as", "interpol1").stdout == ""  # released to UNODC only
    person = next(json.loads(x) for x in admin_lines if '"Person"' in x)
    shown = run(home, "entity", "show", person["id"]).stdout
    assert person["properties"]["name"][0] in shown and "anf_seizures" in shown
    hidden = run(home, "entity", "show", person["id"], "--as", "interpol1", ok=False)
    assert hidden.returncode == 2 and "no entity" in hidden.stderr
    statements = run(home, "export", "--format", "statements").stdout.splitlines()
    assert json.loads(statements[0])["agency"] == "ANF"


def test_a_bad_mapping_exits_2_with_a_message_naming_the_file(home: Path, tmp_path: Path) -> None:
    mapping, _ = write_anf(tmp_path)
    mapping.write_text(mapping.read_text().replace("fatherName", "fathersName"))
    done = run(home, "ingest", str(mapping), ok=False)
    assert done.returncode == 2
    assert "Invalid property: fathersName" in done.stderr and str(mapping) in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_users_are_refused(home: Path) -> None:
    done = run(home, "status", "--as", "mallory", ok=False)
    assert done.returncode == 2 and "unknown user 'mallory'" in done.stderr


def test_audit_verify_reports_an_intact_chain(home: Path) -> None:
    run(home, "status")
    assert "Audit log intact" in run(home, "audit", "verify").stdout


def test_import_ftm_loads_entities_with_the_given_provenance(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "os.ftm.json"
    path.write_text(
        json.dumps({"id": "os-1", "schema": "Person", "properties": {"name": ["Haji Abdul Basit"]}})
        + "\n"
    )
    run(
        home,
        "import-ftm",
        str(path),
        "--dataset",
        "un_sc",
        "--agency",
        "UNSC",
        "--classification",
        "UNCLASSIFIED",
    )
    shown = json.loads(run(home, "entity", "show", "os-1", "--json").stdout)
    assert shown["properties"]["name"] == ["Haji Abdul Basit"]


def test_merge_joins_two_records_and_split_undoes_it(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "two.ftm.json"
    path.write_text(
        "".join(
            json.dumps({"id": i, "schema": "Person", "properties": {"name": [n]}}) + "\n"
            for i, n in (("fia-1", "Muhammad Yousaf"), ("anf-7", "Mohd Yusuf"))
        )
    )
    run(
        home,
        "import-ftm",
        str(path),
        "--dataset",
        "d",
        "--agency",
        "FIA",
        "--classification",
        "RESTRICTED",
    )
    assert "2 entities" in run(home, "entity", "list", "--schema", "Person").stdout
    assert "Merged" in run(home, "merge", "fia-1", "anf-7", "--note", "same passport").stdout
    listing = run(home, "entity", "list", "--schema", "Person").stdout
    assert "1 entities" in listing and "NX-" in listing
    assert "Split" in run(home, "split", "fia-1", "anf-7").stdout
    assert "2 entities" in run(home, "entity", "list", "--schema", "Person").stdout
