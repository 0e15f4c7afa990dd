"""`nexus scan-transactions` and `nexus finance scan` as an analyst runs them: real processes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from nexus.ingest import ingest, load_mapping
from nexus.policy import AccessLayer
from nexus.scenario.generate import GenerationReport, generate
from nexus.settings import load_settings
from nexus.store import open_store
from tests.cli.test_cli import run


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> GenerationReport:
    return generate(3, "tiny", tmp_path_factory.mktemp("scan") / "scenario")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_an_extract_is_scanned_into_an_alerts_file(
    scenario: GenerationReport, tmp_path: Path
) -> None:
    alerts = tmp_path / "alerts.csv"
    done = run(
        tmp_path / "home",
        "scan-transactions",
        str(scenario.outdir / "exports" / "transactions.csv"),
        "-o",
        str(alerts),
    )
    assert "alert(s) written" in done.stdout
    rows = read_csv(alerts)
    assert rows and list(rows[0]) == [
        "alert_id",
        "typology",
        "score",
        "transaction_ids",
        "accounts",
        "reason",
    ]
    assert len({r["alert_id"] for r in rows}) == len(rows)
    exported = {r["id"] for r in read_csv(scenario.outdir / "exports" / "transactions.csv")}
    for row in rows:
        ids = row["transaction_ids"].split(";")
        assert set(ids) <= exported and row["accounts"] and row["reason"]
        assert row["alert_id"].startswith(row["typology"] + "-")
    assert not (tmp_path / "alerts.rejects.csv").exists()


def test_bad_rows_get_a_clear_error_are_set_aside_and_nothing_stored_changes(
    scenario: GenerationReport, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    run(home, "init")
    run(home, "ingest", str(scenario.outdir / "data" / "banks" / "bank_habb.yml"))
    before = run(home, "export", "--format", "statements").stdout
    rows = read_csv(scenario.outdir / "exports" / "transactions.csv")
    rows[4]["amount"] = "12,50O"
    rows[7]["channel"] = "pigeon"
    bad = tmp_path / "tx.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    alerts = tmp_path / "alerts.csv"
    done = run(home, "scan-transactions", str(bad), "-o", str(alerts), ok=False)
    assert done.returncode == 1
    assert f"{bad}, line 6, field amount: not a number ('12,50O')" in done.stderr
    assert f"{bad}, line 9, field channel: not one of" in done.stderr
    rejects = read_csv(tmp_path / "alerts.rejects.csv")
    assert [(r["line"], r["field"]) for r in rejects] == [("6", "amount"), ("9", "channel")]
    assert read_csv(alerts), "the good rows are still scanned"
    assert run(home, "export", "--format", "statements").stdout == before


def test_a_file_that_is_not_an_extract_is_refused_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id,name\n1,Ali\n", encoding="utf-8")
    done = run(
        tmp_path / "home", "scan-transactions", str(path), "-o", str(tmp_path / "a.csv"), ok=False
    )
    assert done.returncode == 2
    assert "line 1: missing column(s) timestamp" in done.stderr
    assert not (tmp_path / "a.csv").exists()


def test_finance_scan_reads_the_payments_the_viewer_may_see(
    scenario: GenerationReport, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    run(home, "init")
    settings = load_settings(home=home, database_url=None)
    store = open_store(settings.store_url)
    try:  # loading eleven extracts in-process; `nexus ingest` is tested elsewhere
        access = AccessLayer(store, settings)
        for mapping in sorted((scenario.outdir / "data" / "banks").glob("*.yml")):
            ingest(access, access.viewer("admin"), load_mapping(mapping, settings))
    finally:
        store.close()
    alerts = tmp_path / "alerts.csv"
    done = run(home, "finance", "scan", "-o", str(alerts))
    assert "payments scanned" in done.stdout
    found = read_csv(alerts)
    assert found
    assert (home / "columnar" / "payments-admin.parquet").exists()
    listed = run(home, "alerts", "list", "--json", "--limit", "500").stdout.splitlines()
    # Findings about one subject are one alert: at most as many alerts as findings.
    assert 0 < len(listed) <= len(found)
    assert f"Alerts of NEXUS: {len(listed)} new, 0 updated" in " ".join(done.stdout.split())
    again = " ".join(run(home, "finance", "scan", "--rescan").stdout.split())
    assert f"0 new, 0 updated, 0 reopened, {len(listed)} unchanged" in again
    idle = " ".join(run(home, "finance", "scan").stdout.split())
    assert idle.startswith("Nothing new since the scan of") and "alerts stand" in idle
    ranked = [
        json.loads(line) for line in run(home, "alerts", "entities", "--json").stdout.splitlines()
    ]
    assert ranked and all(r["alerts"] and 0 < r["score"] <= 1 for r in ranked)
