"""Strict mapping keys: a misspelled key is a one-line error with file, line and suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from nexus.cli import mapping as mapping_commands
from nexus.cli.context import AppContext
from nexus.exceptions import MappingError
from nexus.ingest import ingest
from nexus.ingest.mapping import load_mapping
from nexus.ingest.mapping_schema import check_keys
from nexus.policy import AccessLayer
from nexus.scenario.generate import generate
from nexus.settings import Settings, load_settings
from nexus.store import SQLStore

GOOD = """\
police:
  agency: POLICE
  classification: RESTRICTED
  queries:
    - csv_url: people.csv
      entities:
        person:
          schema: Person
          keys: [id]
          {entity_extra}
          properties:
            name:
              {prop_key}: name
"""


def _text(entity_extra: str = "classification: RESTRICTED", prop_key: str = "column") -> str:
    return GOOD.format(entity_extra=entity_extra, prop_key=prop_key)


def test_valid_mapping_passes() -> None:
    check_keys(Path("m.yml"), _text())


def test_misspelled_classification_names_line_and_suggestion() -> None:
    with pytest.raises(MappingError, match=r"m\.yml, line 10: .*`clasification`.*`classification`"):
        check_keys(Path("m.yml"), _text("clasification: SECRET"))


def test_misspelled_caveat_is_an_error() -> None:
    with pytest.raises(MappingError, match=r"`caveat`.*did you mean `caveats`"):
        check_keys(Path("m.yml"), _text("caveat: [AGENCY-ONLY]"))


def test_misspelled_column_is_an_error() -> None:
    with pytest.raises(MappingError, match=r"line 13: unknown property key `colum`.*`column`"):
        check_keys(Path("m.yml"), _text(prop_key="colum"))


def test_unknown_dataset_key_is_an_error() -> None:
    text = _text().replace("  agency: POLICE", "  agencyy: POLICE\n  agency: POLICE")
    with pytest.raises(MappingError, match=r"line 2: unknown dataset key `agencyy`"):
        check_keys(Path("m.yml"), text)


def test_unknown_query_key_is_an_error() -> None:
    text = _text().replace("      entities:", "      delimeter: ';'\n      entities:")
    with pytest.raises(MappingError, match=r"unknown query key `delimeter`.*`delimiter`"):
        check_keys(Path("m.yml"), text)


def test_examples_pass_the_strict_keys() -> None:
    root = Path(__file__).resolve().parents[2] / "examples"
    for path in sorted(root.rglob("*.y*ml")):
        if "nexus.yml" not in path.name:
            check_keys(path, path.read_text(encoding="utf-8"))


def test_load_mapping_rejects_a_misspelled_marking(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "m.yml"
    path.write_text(_text("clasification: SECRET"), encoding="utf-8")
    with pytest.raises(MappingError, match=r"line 10: .*did you mean `classification`"):
        load_mapping(path, settings)


def test_a_lower_entity_marking_needs_both_keys(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "m.yml"
    text = _text().replace(
        "classification: RESTRICTED\n  queries", "classification: SECRET\n  queries"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match=r"must give both `classification:` and `caveats:`"):
        load_mapping(path, settings)
    path.write_text(
        text.replace(
            "classification: RESTRICTED", "classification: RESTRICTED\n          caveats: []"
        ),
        encoding="utf-8",
    )
    load_mapping(path, settings)


def test_nothing_is_stored_after_a_misspelled_key(
    tmp_path: Path, access: AccessLayer, store: SQLStore
) -> None:
    (tmp_path / "people.csv").write_text("id,name\n1,Ali Khan\n", encoding="utf-8")
    path = tmp_path / "m.yml"
    path.write_text(_text("caveat: [AGENCY-ONLY]"), encoding="utf-8")
    with pytest.raises(MappingError, match="did you mean `caveats`"):
        ingest(access, access.viewer("admin"), load_mapping(path, access.settings))
    assert not store.runs()


def test_the_scenarios_mappings_pass_the_strict_keys(tmp_path: Path, settings: Settings) -> None:
    generate(seed=7, scale="tiny", outdir=tmp_path)
    paths = sorted((tmp_path / "data").rglob("*.yml"))
    assert paths
    for path in paths:
        check_keys(path, path.read_text(encoding="utf-8"))


def test_mapping_check_reports_without_opening_a_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    good, bad = tmp_path / "good.yml", tmp_path / "bad.yml"
    good.write_text(_text(), encoding="utf-8")
    bad.write_text(_text(prop_key="colum"), encoding="utf-8")
    app = typer.Typer()

    @app.callback()
    def root(ctx: typer.Context) -> None:
        ctx.obj = AppContext(load_settings(home=home))

    mapping_commands.register(app)
    result = CliRunner().invoke(app, ["mapping", "check", str(good), str(bad)])
    assert result.exit_code == 2
    assert "ok: 1 datasets, 1 queries, 1 entities, files 0 found/1 missing" in result.output
    assert "unknown property key `colum`; did you mean `column`?" in result.output
    assert not home.exists()
