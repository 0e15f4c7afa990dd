"""Strict mapping files: a misspelled key or a mistyped value is a one-line error naming the file,
the line and the key, with the nearest valid key for a misspelling."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from nexus.cli import mapping as mapping_commands
from nexus.cli.context import AppContext
from nexus.exceptions import MappingError
from nexus.ingest import ingest
from nexus.ingest.mapping import load_mapping
from nexus.ingest.mapping_schema import (
    DatasetSpec,
    EntitySpec,
    PropertySpec,
    QuerySpec,
    parse_mapping,
)
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


@pytest.fixture
def plain(tmp_path: Path) -> Settings:
    """Settings without a store: the schema needs only the configured markings."""
    return load_settings(home=tmp_path / "home")


def test_valid_mapping_passes(plain: Settings) -> None:
    parse_mapping(Path("m.yml"), _text(), plain)


def test_misspelled_classification_names_line_and_suggestion(plain: Settings) -> None:
    with pytest.raises(MappingError, match=r"m\.yml, line 10: .*`clasification`.*`classification`"):
        parse_mapping(Path("m.yml"), _text("clasification: SECRET"), plain)


def test_misspelled_caveat_is_an_error(plain: Settings) -> None:
    with pytest.raises(MappingError, match=r"`caveat`.*did you mean `caveats`"):
        parse_mapping(Path("m.yml"), _text("caveat: [AGENCY-ONLY]"), plain)


def test_misspelled_column_is_an_error(plain: Settings) -> None:
    with pytest.raises(MappingError, match=r"line 13: unknown property key `colum`.*`column`"):
        parse_mapping(Path("m.yml"), _text(prop_key="colum"), plain)


def test_unknown_dataset_key_is_an_error(plain: Settings) -> None:
    text = _text().replace("  agency: POLICE", "  agencyy: POLICE\n  agency: POLICE")
    with pytest.raises(MappingError, match=r"line 2: unknown dataset key `agencyy`"):
        parse_mapping(Path("m.yml"), text, plain)


def test_unknown_query_key_is_an_error(plain: Settings) -> None:
    text = _text().replace("      entities:", "      delimeter: ';'\n      entities:")
    with pytest.raises(MappingError, match=r"unknown query key `delimeter`.*`delimiter`"):
        parse_mapping(Path("m.yml"), text, plain)


def test_examples_pass_the_strict_keys(plain: Settings) -> None:
    root = Path(__file__).resolve().parents[2] / "examples"
    for path in sorted(root.rglob("*.y*ml")):
        if "nexus.yml" not in path.name:
            parse_mapping(path, path.read_text(encoding="utf-8"), plain)


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


def test_the_scenarios_mappings_pass_the_strict_keys(tmp_path: Path, plain: Settings) -> None:
    generate(seed=7, scale="tiny", outdir=tmp_path)
    paths = sorted((tmp_path / "data").rglob("*.yml"))
    assert paths
    for path in paths:
        parse_mapping(path, path.read_text(encoding="utf-8"), plain)


def test_mapping_check_reports_without_opening_a_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    good, bad = tmp_path / "good.yml", tmp_path / "bad.yml"
    good.write_text(_text(), encoding="utf-8")
    bad.write_text(_text(prop_key="colum"), encoding="utf-8")
    typed = tmp_path / "typed.yml"
    typed.write_text(_text().replace("column: name", "column: name\n              required: maybe"))
    app = typer.Typer()

    @app.callback()
    def root(ctx: typer.Context) -> None:
        ctx.obj = AppContext(load_settings(home=home))

    mapping_commands.register(app)
    result = CliRunner().invoke(app, ["mapping", "check", str(good), str(bad), str(typed)])
    assert result.exit_code == 2
    assert "ok: 1 datasets, 1 queries, 1 entities, files 0 found/1 missing" in result.output
    assert "unknown property key `colum`; did you mean `column`?" in result.output
    assert "line 14: " in result.output
    assert "`required` must be true or false, not 'maybe'" in result.output
    assert not home.exists()


WHERE = "dataset 'police', query 1, entity 'person'"
PROPERTY = f"{WHERE}, property 'name'"


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("column: name", "column: name\n              required: maybe", 14,
         f"{PROPERTY}: `required` must be true or false, not 'maybe'"),
        ("column: name", "columns: 5", 13,
         f"{PROPERTY}: `columns` must be a text or a list of texts, not 5"),
        ("column: name", "columns: [name, 5]", 13,
         f"{PROPERTY}: `columns` item 2 must be a text, not 5"),
        ("column: name", "column: 2024", 13,
         f"{PROPERTY}: `column` must be a text, not 2024; put it in quotes"),
        ("column: name", "column: [a, b]", 13,
         "`column` must be a text, not ['a', 'b']; for several use `columns`"),
        ("column: name", "required: true", 12,
         f"{PROPERTY}: a property needs `column`, `columns`, `literal`"),
        ("keys: [id]", "keys: {id: 1}", 9, f"{WHERE}: `keys` must be a text or a list of texts"),
        ("          schema: Person\n", "", 7, f"{WHERE}: `schema:` is required"),
        ("classification: RESTRICTED\n          prop", "classification: TOPMOST\n          prop",
         10, f"{WHERE}: unknown classification 'TOPMOST' (known: UNCLASSIFIED, RESTRICTED"),
        ("classification: RESTRICTED\n          prop", "caveats: [REL-UNODC]\n          prop",
         10, f"{WHERE}: unknown caveat 'REL-UNODC'"),
        ("properties:\n            name:\n              column: name", "properties: [name]", 11,
         f"{WHERE}: `properties` must be a mapping (key: value), not ['name']"),
        ("      entities:", "      format: exel\n      entities:", 6,
         "dataset 'police', query 1: unknown format 'exel' (use one of csv, excel"),
        ("      entities:", "      delimiter: ';;'\n      entities:", 6,
         "`delimiter` must be one character, not ';;'"),
        ("      entities:", "      encoding: utf-nine\n      entities:", 6,
         "unknown encoding 'utf-nine'"),
        ("  queries:", "  country: pak\n  queries:", 4,
         "dataset 'police': `country` must be a two-letter country code, not 'pak'"),
        ("  queries:", "  query: {csv_url: x.csv}\n  queries:", 1,
         "dataset 'police': give `queries:` or `query:`, not both"),
        ("  agency: POLICE", "  agency: 7", 2, "`agency` must be a text, not 7; put it in quotes"),
        ("  agency: POLICE", "  agency: ''", 2, "`agency:` is required (the agency that owns"),
        ("    - csv_url: people.csv\n", "    - csv_url: people.csv\n      filters: {x: 1}\n", 6,
         "unknown query key `filters`; valid keys: csv_url, csv_urls, delimiter, encoding,"),
    ],
)  # fmt: skip
def test_a_mistyped_value_names_file_line_and_key(
    plain: Settings, old: str, new: str, line: int, message: str
) -> None:
    text = _text()
    assert old in text
    with pytest.raises(MappingError) as caught:
        parse_mapping(Path("m.yml"), text.replace(old, new), plain)
    assert str(caught.value).startswith(f"m.yml, line {line}: ")
    assert message in str(caught.value)


def test_the_first_problem_in_the_file_is_the_one_reported(plain: Settings) -> None:
    # pydantic checks `country` before `queries`; the reader expects the error nearest the top.
    text = _text(prop_key="columns").replace("columns: name", "columns: 5") + "  country: pak\n"
    with pytest.raises(MappingError, match=r"line 13: .*`columns`"):
        parse_mapping(Path("m.yml"), text, plain)


def test_yaml_anchors_and_merge_keys_are_read_as_yaml_means_them(plain: Settings) -> None:
    text = _text().replace(
        "            name:\n              column: name",
        "            name: &name\n              column: name\n"
        "            alias:\n              <<: *name\n              required: true",
    )
    parsed = parse_mapping(Path("m.yml"), text, plain)
    entity = parsed.datasets["police"].located_queries()[0][1].entities
    assert entity is not None
    assert entity["person"].properties["alias"].column == "name"


def test_later_errors_also_name_the_line(tmp_path: Path, plain: Settings) -> None:
    path = tmp_path / "m.yml"
    path.write_text(_text().replace("name:\n", "nmae:\n"), encoding="utf-8")
    with pytest.raises(MappingError, match=rf"line 7: {WHERE}: Invalid property: nmae"):
        load_mapping(path, plain)


@pytest.mark.parametrize("spec", [DatasetSpec, QuerySpec, EntitySpec, PropertySpec])
def test_the_docs_list_exactly_the_keys_of_each_level(spec: type[DatasetSpec]) -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "mapping.md").read_text()
    section = page.split(f"### {spec.label.capitalize()} keys")[1].split("\n#")[0]
    assert set(re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE)) == set(spec.valid_keys())
