"""A malformed goAML report or a list with a broken date, arriving after good data: the bad record
is quarantined with a clear reason (file, line or row, field), the rest loads, and nothing already
in the store changes."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nexus.ingest import ftm_plan, ingest, load_mapping
from nexus.policy import AccessLayer
from nexus.scenario.generate import GenerationReport, generate
from nexus.store import Provenance
from tests.datafiles import write_ftm


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> GenerationReport:
    return generate(5, "tiny", tmp_path_factory.mktemp("lists") / "scenario")


def stored(access: AccessLayer) -> dict[str, dict[str, Any]]:
    """Every statement as stored, without the time it was last seen (a re-sent record moves
    that, and only that)."""
    return {
        s.id: {k: v for k, v in s.to_dict().items() if k != "last_seen"}
        for s in access.reader("admin").iter_statements()
    }


def unchanged(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> bool:
    return all(after.get(key) == value for key, value in before.items())


def copy_data(scenario: GenerationReport, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(scenario.outdir / "data", data)
    return data


def test_a_malformed_goaml_report_is_quarantined_and_the_store_is_unchanged(
    access: AccessLayer, scenario: GenerationReport, tmp_path: Path
) -> None:
    data = copy_data(scenario, tmp_path)
    reports = sorted((data / "fmu" / "goaml").glob("*.goaml.xml"))
    mapping = load_mapping(data / "fmu" / "fmu_goaml.yml", access.settings)
    admin = access.viewer("admin")
    ingest(access, admin, mapping, reports[:3])
    before = stored(access)
    text = reports[3].read_text(encoding="utf-8")
    broken = re.sub(
        r"<date_transaction>\d{4}-\d\d-\d\d", "<date_transaction>2024-02-30", text, count=1
    )
    assert broken != text
    reports[3].write_text(broken, encoding="utf-8")
    report = ingest(access, admin, mapping, reports[:5])
    assert (report.rows_loaded, report.rows_quarantined) == (4, 1)
    (held,) = access.reader("admin").quarantine()
    line = next(n for n, t in enumerate(broken.splitlines(), 1) if "2024-02-30" in t)
    assert held.source.endswith(reports[3].name)
    assert f"line {line}" in held.reason and "date_transaction" in held.reason
    assert "2024-02-30" in held.reason
    after = stored(access)
    assert unchanged(before, after)
    assert not any(reports[3].name in s["origin"] for s in after.values())


def un_broken(text: str) -> str:
    return re.sub(r"<DATE>\d{4}-\d\d-\d\d</DATE>", "<DATE>1975-02-31</DATE>", text, count=1)


def ctd_broken(text: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[2] = re.sub(r"\d\d/\d\d/(\d{4})", r"31/02/\1", lines[2])
    return "".join(lines)


@pytest.mark.parametrize(
    ("mapping", "data_file", "breaks", "field", "bad"),
    [
        ("un/un_sc_list.yml", "un/un_sc_consolidated.unsc.xml", un_broken,
         "INDIVIDUAL_DATE_OF_BIRTH/DATE", "1975-02-31"),
        ("ctd/ctd_fourth_schedule.yml", "ctd/ctd_fourth_schedule.csv", ctd_broken,
         "Placed On", "31/02/"),
    ],
)  # fmt: skip
def test_a_list_with_a_broken_date_quarantines_that_entry_and_changes_nothing_stored(
    access: AccessLayer,
    scenario: GenerationReport,
    tmp_path: Path,
    mapping: str,
    data_file: str,
    breaks: Callable[[str], str],
    field: str,
    bad: str,
) -> None:
    data = copy_data(scenario, tmp_path)
    plan = load_mapping(data / mapping, access.settings)
    admin = access.viewer("admin")
    first = ingest(access, admin, plan)
    assert first.rows_quarantined == 0
    before = stored(access)
    path = data / data_file
    path.write_text(breaks(path.read_text(encoding="utf-8")), encoding="utf-8")
    again = ingest(access, admin, load_mapping(data / mapping, access.settings))
    assert again.rows_quarantined == 1
    assert again.rows_loaded == first.rows_loaded - 1
    (held,) = access.reader("admin").quarantine()
    assert held.field == field and bad in held.reason
    assert held.source.endswith(path.name) and held.row is not None
    assert unchanged(before, stored(access))


def test_an_ftm_list_with_a_broken_date_quarantines_that_entity_only(
    access: AccessLayer, tmp_path: Path
) -> None:
    entities = [
        {
            "id": f"os-{n}",
            "schema": "Person",
            "properties": {"name": [name], "birthDate": [born], "topics": ["sanction"]},
        }
        for n, (name, born) in enumerate(
            [("Gul Rahman", "1974"), ("Bakht Zada", "1974-07-30"), ("Sadiq", "1975-11-10")]
        )
    ]
    path = write_ftm(tmp_path / "sanctions.ftm.json", entities)
    plan = ftm_plan(path, Provenance("opensanctions", "NEXUS", "UNCLASSIFIED"), [path])
    admin = access.viewer("admin")
    assert ingest(access, admin, plan).rows_quarantined == 0
    before = stored(access)
    entities[1]["properties"]["birthDate"] = ["1974-13-45"]  # type: ignore[index]
    write_ftm(path, entities)
    report = ingest(access, admin, plan)
    assert (report.rows_loaded, report.rows_quarantined) == (2, 1)
    (held,) = access.reader("admin").quarantine()
    assert (held.row, held.field) == (2, "properties.birthDate") and "1974-13-45" in held.reason
    assert unchanged(before, stored(access))
