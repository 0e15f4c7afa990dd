"""`nexus search` and `nexus index` as a user runs them: each ingest indexes its run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.cli.test_cli import home, run
from tests.datafiles import write_anf, write_ftm

__all__ = ["home"]  # the fixture, shared with the other CLI tests


def _load(home: Path, tmp_path: Path) -> dict[str, str]:
    """An ANF register through `nexus ingest`; returns its first row."""
    mapping, data = write_anf(tmp_path)
    done = run(home, "ingest", str(mapping))
    assert "Search index: 1 run(s) indexed" in done.stdout
    with data.open(encoding="utf-8") as fh:
        return next(csv.DictReader(fh))


def test_what_an_ingest_loads_is_found_by_name_and_identifier(home: Path, tmp_path: Path) -> None:
    row = _load(home, tmp_path)
    out = run(home, "search", row["Accused Name"], "--schema", "Person").stdout
    assert f"for {row['Accused Name']!r}" in out and "schema:" in out
    found = json.loads(run(home, "search", row["CNIC"].replace("-", ""), "--json").stdout)
    assert found["total"] >= 1
    [hit] = [h for h in found["hits"] if h["schema"] == "Person"]
    assert ["idNumber", row["CNIC"]] in hit["identifiers"]
    assert hit["markings"] == ["RESTRICTED // REL:UNODC (ANF)"]
    assert {f["value"] for f in found["facets"]["dataset"]} == {"anf_seizures"}
    # A phone in the +92 form finds the number the register wrote locally.
    local = row["Mobile"]
    international = "+92 " + local[1:].replace("-", " ")
    phones = json.loads(run(home, "search", international, "--json").stdout)
    shown = [value for hit in phones["hits"] for _prop, value in hit["identifiers"]]
    assert f"{local} (+92{local[1:].replace('-', '')})" in shown


def test_import_ftm_indexes_too_and_viewers_see_only_their_own(home: Path, tmp_path: Path) -> None:
    path = write_ftm(
        tmp_path / "ctd.json",
        [{"id": "ctd-1", "schema": "Person", "properties": {"name": ["Hawala Financier"]}}],
    )
    done = run(
        home, "import-ftm", str(path), "--dataset", "ctd", "--agency", "CTD",
        "--classification", "SECRET",
    )  # fmt: skip
    assert "Search index" in done.stdout
    assert "1-1 of 1 entities" in run(home, "search", "Hawala", "Financier").stdout
    run(home, "user", "add", "clerk", "--agency", "FIA", "--clearance", "RESTRICTED")
    low = run(home, "search", "Hawala", "Financier", "--as", "clerk").stdout
    assert "0 entities" in low and "Financier" not in low.split("'")[-1]


def test_the_index_is_rebuilt_and_reported_by_administrators_only(
    home: Path, tmp_path: Path
) -> None:
    _load(home, tmp_path)
    assert "Up to date" in run(home, "index", "status").stdout
    assert "Search index rebuilt" in run(home, "index", "rebuild").stdout
    assert "up to date" in run(home, "index", "update").stdout
    run(home, "user", "add", "clerk", "--agency", "FIA", "--clearance", "RESTRICTED")
    refused = run(home, "index", "rebuild", ok=False, env={"NEXUS_USER": "clerk"})
    assert refused.returncode == 2 and "administrator" in refused.stderr
    bad = run(home, "search", "x", "--facet-search", "dataset", ok=False)
    assert bad.returncode == 2 and "FACET=TEXT" in bad.stderr
