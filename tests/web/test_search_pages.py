"""Search in the browser's pages and the API: a person found by a transliterated name and by an
identifier in another written form, facets from what the viewer sees, exports bounded and
audited with their warning."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from nexus.search import search, update_index
from nexus.store import Provenance
from tests.datafiles import load_ftm
from tests.web.conftest import HIGH, LOW, Site


def _person_with_cnic(site: Site) -> tuple[str, str, str]:
    """(canonical id, CNIC as stored, a name) of a person the clerk sees with a CNIC."""
    reader = site.access.reader(LOW)
    for stmt in reader.iter_statements(schema="Person"):
        if stmt.prop == "idNumber" and len(stmt.value.replace("-", "")) == 13:
            names = [s.value for s in reader.statements(stmt.canonical_id) if s.prop == "name"]
            if names:
                return stmt.canonical_id, stmt.value, names[0]
    raise AssertionError("no person with a CNIC in the scenario")


def test_an_identifier_in_another_written_form_finds_its_person(site: Site) -> None:
    entity_id, cnic, _name = _person_with_cnic(site)
    other_form = cnic.replace("-", "") if "-" in cnic else f"{cnic[:5]}-{cnic[5:12]}-{cnic[12:]}"
    client = site.signed_in(LOW)
    data = client.get("/api/v1/search", params={"q": other_form}).json()
    assert entity_id in [h["id"] for h in data["hits"]]
    page = client.get("/search", params={"q": other_form})
    assert page.status_code == 200 and f"/entities/{entity_id}" in page.text
    assert page.text.count('class="banner banner-') == 2


def test_a_name_finds_its_person_and_facets_count_what_the_viewer_sees(site: Site) -> None:
    entity_id, _cnic, name = _person_with_cnic(site)
    client = site.signed_in(LOW)
    data = client.get("/api/v1/search", params={"q": name, "limit": 50}).json()
    assert entity_id in [h["id"] for h in data["hits"]]
    assert data["total"] >= 1 and data["facets"]["schema"]
    assert sum(v["count"] for v in data["facets"]["schema"]) >= 1
    same = search(site.access.reader(LOW), name, limit=50)
    assert data["total"] == same.total
    filtered = client.get(
        "/api/v1/search", params={"q": name, "schema": "Person", "limit": 50}
    ).json()
    assert filtered["total"] <= data["total"] and entity_id in [h["id"] for h in filtered["hits"]]


def test_a_malformed_query_gets_a_clear_error_and_no_trace(site: Site) -> None:
    client = site.signed_in(LOW)
    empty = client.get("/api/v1/search", params={"q": "  "})
    assert empty.status_code in (400, 422) and "error" in empty.json()
    bad_facet = client.get("/api/v1/search", params={"q": "khan", "limit": 0})
    assert bad_facet.status_code == 422 and "limit" in bad_facet.json()["error"]
    assert "Traceback" not in empty.text + bad_facet.text


def test_exports_carry_the_warning_stay_bounded_and_are_audited(site: Site) -> None:
    _entity_id, _cnic, name = _person_with_cnic(site)
    client = site.signed_in(HIGH)
    exported = client.get("/api/v1/search/export", params={"q": name, "format": "csv"})
    assert exported.status_code == 200
    assert "leaves Nexus's protection" in exported.headers["x-nexus-warning"]
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][0].startswith("# Exported data leaves") and rows[1][0] == "id"
    assert len(rows) - 2 >= 1
    lines = client.get("/api/v1/search/export", params={"q": name, "format": "ftm"}).text
    assert all(json.loads(line)["schema"] for line in lines.splitlines())
    entries = [e for e in site.store.audit_entries() if e.action == "search.export"]
    assert entries and entries[-1].actor == HIGH


def test_a_latin_spelling_finds_a_person_written_only_in_urdu_script(
    site: Site, tmp_path: Path
) -> None:
    """A police record that writes a suspect only in Urdu script, found by the spellings an
    analyst types."""
    record = {
        "id": "police-fir-urdu-1",
        "schema": "Person",
        "properties": {"name": ["محمد رشید"], "idNumber": ["42101-7654321-9"]},
    }
    load_ftm(
        site.access,
        tmp_path / "fir.ftm.json",
        [record],
        Provenance("police_urdu", "FIA", "RESTRICTED"),
    )
    update_index(site.store)
    client = site.signed_in(LOW)
    for spelling in ("Muhammad Rashid", "Mohd Rasheed", "4210176543219"):
        data = client.get("/api/v1/search", params={"q": spelling, "limit": 100}).json()
        assert "police-fir-urdu-1" in [h["id"] for h in data["hits"]], spelling
