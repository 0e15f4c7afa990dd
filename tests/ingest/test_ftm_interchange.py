"""FollowTheMoney JSON in and out: exports re-import identically; FtM's own files import."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson

from nexus.ingest import ftm_plan, ingest, load_mapping, write_entities
from nexus.policy import AccessLayer
from nexus.store import Provenance, open_store
from tests.datafiles import write_anf, write_ftm

FTM_BIN = Path(sys.executable).parent / "ftm"


def export(access: AccessLayer, viewer: str = "admin") -> list[dict[str, object]]:
    buffer = io.BytesIO()
    write_entities(access.reader(viewer).iter_entities(), buffer)
    return [orjson.loads(line) for line in buffer.getvalue().splitlines()]


def comparable(entities: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{k: e[k] for k in ("id", "schema", "properties")} for e in entities]


def test_an_export_reimports_into_an_empty_store_with_identical_entities(
    access: AccessLayer, tmp_path: Path, fresh_store_url: Callable[[], str]
) -> None:
    mapping, _ = write_anf(tmp_path, count=25)
    ingest(access, access.viewer("admin"), load_mapping(mapping, access.settings))
    exported = export(access)
    assert len(exported) > 25
    dump = tmp_path / "export.ftm.json"
    dump.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in exported))

    empty = open_store(fresh_store_url())
    try:
        other = AccessLayer(empty, access.settings)
        other.add_user(None, access.store.get_user("admin"))  # type: ignore[arg-type]
        plan = ftm_plan(dump, Provenance("anf_seizures", "ANF", "RESTRICTED"), [dump])
        report = ingest(other, other.viewer("admin"), plan)
        assert report.rows_quarantined == 0
        assert comparable(export(other)) == comparable(exported)
        assert [e["datasets"] for e in export(other)] == [e["datasets"] for e in exported]
    finally:
        empty.close()


def test_a_file_written_by_followthemoney_tools_imports(
    access: AccessLayer, tmp_path: Path
) -> None:
    (tmp_path / "companies.csv").write_text(
        "reg_no,company,director,cnic,country\n"
        "0012345,Makran Fisheries (Pvt) Ltd,Sher Ali,54401-1111111-1,pk\n"
        "0077777,Chaman Goods Transport,Gul Khan,54201-2222222-3,pk\n",
        encoding="utf-8",
    )
    (tmp_path / "ftm_mapping.yml").write_text(
        """
secp:
  queries:
    - csv_url: companies.csv
      entities:
        company:
          schema: Company
          keys: [reg_no]
          properties:
            name: {column: company}
            registrationNumber: {column: reg_no}
            jurisdiction: {column: country}
        director:
          schema: Person
          keys: [cnic]
          properties:
            name: {column: director}
            idNumber: {column: cnic}
        directorship:
          schema: Directorship
          keys: [reg_no, cnic]
          properties:
            organization: {entity: company}
            director: {entity: director}
""",
        encoding="utf-8",
    )
    with (tmp_path / "companies.csv").open("rb") as stdin:
        produced = subprocess.run(
            [str(FTM_BIN), "map-csv", str(tmp_path / "ftm_mapping.yml")],
            stdin=stdin,
            capture_output=True,
            check=True,
        ).stdout
    entities = [orjson.loads(line) for line in produced.splitlines() if line.strip()]
    assert len(entities) == 6
    path = tmp_path / "secp.ftm.json"
    path.write_bytes(produced)
    plan = ftm_plan(path, Provenance("secp", "SECP", "UNCLASSIFIED"), [path])
    report = ingest(access, access.viewer("admin"), plan)
    assert (report.rows_loaded, report.rows_quarantined) == (6, 0)
    ours = {e["id"]: e for e in export(access)}
    for entity in entities:
        mine = ours[entity["id"]]
        assert mine["schema"] == entity["schema"]
        assert mine["properties"] == {k: sorted(v) for k, v in entity["properties"].items()}


def test_invalid_entities_are_quarantined_with_the_property_at_fault(
    access: AccessLayer, tmp_path: Path
) -> None:
    path = write_ftm(
        tmp_path / "partner.ftm.json",
        [
            {"id": "ok-1", "schema": "Person", "properties": {"name": ["Sher Ali"]}},
            {"id": "bad-1", "schema": "Starship", "properties": {}},
            {"id": "bad-2", "schema": "Person", "properties": {"shoeSize": ["44"]}},
            {
                "id": "bad-3",
                "schema": "Person",
                "properties": {"birthDate": ["the year of the flood"]},
            },
            {"schema": "Person", "properties": {"name": ["No Id"]}},
        ],
    )
    plan = ftm_plan(path, Provenance("interpol", "INTERPOL", "RESTRICTED"), [path])
    report = ingest(access, access.viewer("admin"), plan)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 4)
    fields = {q.row: q.field for q in access.reader("admin").quarantine()}
    assert fields == {2: "schema", 3: "properties.shoeSize", 4: "properties.birthDate", 5: "id"}
