"""Person and organisation matching: accuracy on the scenario's agency records, the hard pairs
(Urdu script, s/o, identifiers written differently), blocking that survives skewed keys.
"""

from __future__ import annotations

import csv
import itertools
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from nexus.exceptions import ConfigError
from nexus.resolve.features import PERSON_COLUMNS, BlockingConfig, blocking_table, person_frame
from nexus.resolve.model import OrgMatcher, PersonMatcher
from nexus.resolve.pairs import FeatureExplanation, MatchPair
from nexus.scenario.generate import generate

MAPPINGS = Path(__file__).resolve().parents[2] / "src" / "nexus" / "scenario" / "data" / "mappings"
# Measured on generate(7, "tiny"): precision 0.993, recall 0.921. The floors sit a little below.
PRECISION_FLOOR = 0.97
RECALL_FLOOR = 0.88

Records = list[dict[str, Any]]


def person_rows(root: Path) -> tuple[Records, dict[str, str]]:
    """Person records of the scenario's CSV files and each record's true person (P…/B… uid)."""
    with (root / "truth" / "records.csv").open(encoding="utf-8") as handle:
        truth = {(r["file"], int(r["row"]), r["entity"]): r["uid"] for r in csv.DictReader(handle)}
    records: Records = []
    owner: dict[str, str] = {}
    for mapping in sorted(MAPPINGS.glob("*.yml")):
        for dataset in yaml.safe_load(mapping.read_text(encoding="utf-8")).values():
            for query in dataset.get("queries", []):
                source = str(query.get("csv_url", ""))
                people = {
                    entity: {p: v["column"] for p, v in spec["properties"].items() if "column" in v}
                    for entity, spec in query.get("entities", {}).items()
                    if spec["schema"] == "Person"
                }
                found = sorted((root / "data").rglob(source)) if source.endswith(".csv") else []
                for path in found:
                    relative = path.relative_to(root / "data").as_posix()
                    with path.open(newline="", encoding="utf-8") as handle:
                        for number, row in enumerate(csv.DictReader(handle), start=2):
                            for entity, columns in people.items():
                                uid = truth.get((relative, number, entity), "")
                                if uid[:1] not in ("P", "B") or not row.get(columns["name"]):
                                    continue
                                record = {p: row.get(c, "") for p, c in columns.items()}
                                record["id"] = f"{relative}:{number}:{entity}"
                                records.append(record)
                                owner[record["id"]] = uid
    return records, owner


def pairwise(truth: dict[str, str], clusters: dict[str, str]) -> tuple[float, float]:
    def pairs(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
        return {p for ids in groups.values() for p in itertools.combinations(sorted(ids), 2)}

    by_truth: dict[str, list[str]] = {}
    by_cluster: dict[str, list[str]] = {}
    for record, uid in truth.items():
        by_truth.setdefault(uid, []).append(record)
        by_cluster.setdefault(clusters[record], []).append(record)
    true, predicted = pairs(by_truth), pairs(by_cluster)
    hits = len(true & predicted)
    return hits / max(len(predicted), 1), hits / max(len(true), 1)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Records, dict[str, str]]:
    root = tmp_path_factory.mktemp("model") / "scenario"
    generate(7, "tiny", root)
    return person_rows(root)


@pytest.fixture(scope="module")
def matcher(scenario: tuple[Records, dict[str, str]]) -> PersonMatcher:
    fitted = PersonMatcher()
    fitted.fit(person_frame(scenario[0]))
    return fitted


def only_pair(matcher: PersonMatcher, records: Records) -> MatchPair:
    pairs = matcher.predict(records)
    assert len(pairs) == 1, pairs
    return pairs[0]


def levels(pair: MatchPair) -> dict[str, str]:
    return {e.feature: e.level for e in pair.explanation}


def test_scenario_people_resolve_above_the_precision_and_recall_floors(
    scenario: tuple[Records, dict[str, str]], matcher: PersonMatcher
) -> None:
    records, owner = scenario
    frame = person_frame(records)
    clusters = matcher.clusters(frame, matcher.predict_table(frame, explain=False))
    precision, recall = pairwise(owner, clusters)
    print(f"tiny scenario persons: precision {precision:.3f}, recall {recall:.3f}")
    assert matcher.trained
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR


def test_urdu_script_name_matches_its_latin_spelling(matcher: PersonMatcher) -> None:
    pair = only_pair(
        matcher,
        [
            {"id": "latin", "name": "Muhammad Yousaf Khattak", "idNumber": "17301-1234567-1"},
            {"id": "urdu", "name": "محمد یوسف خٹک", "idNumber": "1730112345671"},
        ],
    )
    assert pair.probability >= matcher.threshold
    assert levels(pair)["Name"] in ("exact match", "skeleton match")
    assert levels(pair)["CNIC"] == "exact match"


def test_son_of_in_the_name_matches_a_separate_father_field(matcher: PersonMatcher) -> None:
    pair = only_pair(
        matcher,
        [
            {"id": "a", "name": "Ali Khan s/o Akbar Khan", "phone": "0300-1234567"},
            {"id": "b", "name": "Ali Khan", "fatherName": "Akbar Khan", "phone": "+92 300 1234567"},
        ],
    )
    assert pair.probability >= matcher.threshold
    father = pair.feature("Father's name")
    assert father is not None
    assert father == FeatureExplanation(
        "Father's name", "exact match", father.weight, "akbar khan", "akbar khan"
    )


def test_identifiers_written_in_different_formats_match(matcher: PersonMatcher) -> None:
    pair = only_pair(
        matcher,
        [
            {
                "id": "a",
                "name": "Noor Ahmed",
                "idNumber": "42101-7654321-3",
                "phone": "0321-7654321",
                "birthDate": "12/03/1980",
            },
            {
                "id": "b",
                "name": "Noor Ahmad",
                "idNumber": "42101 7654321 3",
                "phone": "0092 321 7654321",
                "birthDate": "1980-03-12",
            },
        ],
    )
    assert pair.probability >= matcher.threshold
    found = levels(pair)
    assert found["CNIC"] == "exact match"
    assert found["Phone"] == "shared number"
    assert found["Date of birth"] == "exact match"


def test_explanations_read_as_feature_level_and_weight(matcher: PersonMatcher) -> None:
    pair = only_pair(
        matcher,
        [
            {"id": "a", "name": "Sher Ali Afridi", "idNumber": "17301-1234567-1"},
            {"id": "b", "name": "Sher Ali Afridi", "idNumber": "17301-1234561-1"},
        ],
    )
    cnic = pair.feature("CNIC")
    assert cnic is not None and cnic.level == "one digit off" and cnic.weight > 0
    assert str(cnic) == f"CNIC: one digit off ({cnic.weight:+.1f})"
    assert (cnic.left, cnic.right) == ("1730112345671", "1730112345611")


def test_a_look_alike_with_another_father_and_cnic_is_not_matched(
    matcher: PersonMatcher,
) -> None:
    pairs = matcher.predict(
        [
            {
                "id": "a",
                "name": "Ali Khan",
                "fatherName": "Akbar Khan",
                "idNumber": "42101-7654321-3",
            },
            {
                "id": "b",
                "name": "Ali Khan",
                "fatherName": "Gul Rahman",
                "idNumber": "35202-1111111-1",
            },
        ]
    )
    assert all(p.probability < matcher.review_band[0] for p in pairs)


def test_a_shared_phone_account_or_vehicle_never_makes_a_match_on_its_own(
    matcher: PersonMatcher,
) -> None:
    # Relatives and accomplices share phones, accounts and vehicles; names must agree first.
    shared = {"phone": "0300-1234567", "accounts": ["PK36SCBL0000001123456702"]}
    records = [
        {"id": "stranger", "name": "Zafar Iqbal", **shared, "vehicles": ["LEA1234"]},
        {"id": "suspect", "name": "Ali Khan", "fatherName": "Akbar Khan", **shared},
        {"id": "brother", "name": "Umar Khan", "fatherName": "Akbar Khan", **shared},
        {"id": "son", "name": "Bilal Khan", "fatherName": "Ali Khan", **shared},
    ]
    table = matcher.predict_table(records, minimum=0.0)
    pairs = matcher.pairs_from_table(table)
    assert len(pairs) == 6 and all(p.probability < matcher.threshold for p in pairs)
    for pair in pairs:
        assert levels(pair)["Phone"] == "shared number, names differ"
        assert pair.feature("Bank account") == FeatureExplanation(
            "Bank account",
            "shared account, names differ",
            0.0,
            "PK36SCBL0000001123456702",
            "PK36SCBL0000001123456702",
            "PK36SCBL0000001123456702",
        )


def test_a_shared_account_or_vehicle_adds_to_agreeing_names_and_is_named(
    matcher: PersonMatcher,
) -> None:
    def probability(records: Records) -> float:
        table = matcher.predict_table(records, minimum=0.0)
        return float(table["match_probability"].max()) if len(table) else 0.0

    bare = [{"id": "a", "name": "Muhammad Iqbal"}, {"id": "b", "name": "Iqbal"}]
    with_account = [{**r, "accounts": ["PK36SCBL0000001123456702", f"X{r['id']}"]} for r in bare]
    alone = probability(bare)
    assert alone < matcher.threshold <= probability(with_account)
    assert alone < probability([{**r, "vehicles": "LEA1234"} for r in bare])
    account = only_pair(matcher, with_account)
    found = account.feature("Bank account")
    assert found is not None and found.level == "shared account" and found.weight
    assert (
        str(found) == f"Bank account: shared account PK36SCBL0000001123456702 ({found.weight:+.1f})"
    )


def test_linking_two_frames_puts_the_first_frame_on_the_left(matcher: PersonMatcher) -> None:
    left = [{"id": "x1", "name": "Noor Ahmed", "idNumber": "42101-7654321-3"}]
    right = [
        {"id": "y1", "name": "Zainab Bibi"},
        {"id": "y2", "name": "Noor Ahmad", "idNumber": "4210176543213"},
    ]
    pairs = matcher.predict(left, right)
    assert [(p.left, p.right) for p in pairs] == [("x1", "y2")]


def test_same_input_gives_the_same_pairs_and_clusters(
    scenario: tuple[Records, dict[str, str]],
) -> None:
    frame = person_frame(scenario[0][:400])
    runs = []
    for _ in range(2):
        matcher = PersonMatcher()
        matcher.fit(frame)
        table = matcher.predict_table(frame, explain=False)
        pairs = list(
            zip(
                table["unique_id_l"],
                table["unique_id_r"],
                table["match_probability"].round(6),
                strict=True,
            )
        )
        runs.append((pairs, matcher.clusters(frame, table)))
    assert runs[0] == runs[1]


def test_a_cnic_shared_by_a_family_is_salted_into_capped_blocks() -> None:
    shared = [
        {"id": str(i), "name": f"Person {i}", "idNumber": "35202-1234567-1"} for i in range(250)
    ]
    frame = person_frame(shared)
    config = BlockingConfig(cap=20, identifier_cap=40)
    table = blocking_table(frame, PersonMatcher.keys, PersonMatcher.exploded, config)
    sizes = table["b_id"].value_counts()
    assert sizes.max() <= 40
    assert table["b_id"].notna().all()


def test_five_hundred_muhammad_khans_are_salted_into_blocks_of_the_cap() -> None:
    records = [{"id": str(i), "name": "Muhammad Khan"} for i in range(500)]
    table = blocking_table(
        person_frame(records), PersonMatcher.keys, PersonMatcher.exploded, BlockingConfig(cap=25)
    )
    for key in PersonMatcher.keys:
        sizes = table[key.column].value_counts()
        assert sizes.empty or sizes.max() <= 25, key.column
    assert table["b_prefix"].notna().all()  # salted, not dropped: every record still blocks


def test_features_read_patronymics_phone_lists_and_swapped_dates() -> None:
    frame = person_frame(
        [
            {
                "id": "1",
                "name": "Ali Khan s/o Akbar Khan",
                "phone": ["0300-1234567", "+93 70 123 4567; 0092 321 7654321"],
                "birthDate": "03/12/1980",
                "idNumber": "35202-1234568-2",
            }
        ]
    )
    row = frame.iloc[0]
    assert list(frame.columns) == list(PERSON_COLUMNS)
    assert row["father_key"] == "akbar khan"
    assert row["phones"] == ["+923001234567", "+923217654321", "+93701234567"]
    assert (row["dob"], row["dob_swapped"]) == ("1980-12-03", "1980-03-12")
    assert (row["cnic"], row["gender"]) == ("3520212345682", "male")


def test_organisation_names_match_across_legal_form_spellings() -> None:
    pairs = OrgMatcher().predict(
        [
            {"id": "1", "name": "Makkah Travel & Tours (Pvt) Ltd", "registrationNumber": "0012345"},
            {"id": "2", "name": "Makkah Travel and Tours Pvt. Ltd.", "registrationNumber": "12345"},
            {"id": "3", "name": "Madina Travels", "registrationNumber": "0099999"},
        ]
    )
    assert [(p.left, p.right) for p in pairs] == [("1", "2")]
    name = {e.feature: e.level for e in pairs[0].explanation}["Name"]
    assert name == "exact match, registered company name"


def test_a_registered_company_name_is_one_company_a_shop_name_is_not() -> None:
    # A registry keeps company names unique; two shops may share a name.
    matcher = OrgMatcher()
    records = [
        {"id": "c1", "name": "Indus Hardware (Pvt) Ltd", "dataset": "customs"},
        {"id": "c2", "name": "INDUS HARDWARE PRIVATE LIMITED", "dataset": "goaml"},
        {"id": "c3", "name": "Indus Hardware", "dataset": "fia"},
        {"id": "s1", "name": "Bismillah Hardware Store", "dataset": "customs"},
        {"id": "s2", "name": "Bismillah Hardware Store", "dataset": "goaml"},
    ]
    matched = {(p.left, p.right) for p in matcher.predict(records) if p.probability >= 0.9}
    assert matched == {("c1", "c2"), ("c1", "c3"), ("c2", "c3")}


def test_the_spark_backend_says_what_to_install_when_pyspark_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark raises ImportError
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(ConfigError, match="pip install"):
        PersonMatcher(backend="spark")


def test_the_spark_backend_finds_the_same_clusters_as_duckdb(
    scenario: tuple[Records, dict[str, str]],
) -> None:
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    records, owner = scenario
    # People seen several times, a few records each, plus as many one-off records.
    by_owner: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_owner.setdefault(owner[record["id"]], []).append(record)
    sample = [r for rs in list(by_owner.values())[:40] for r in rs[:4]]
    frame = person_frame(sample)
    session = (
        SparkSession.builder.master("local[1]")
        .appName("nexus-test")
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        spark_pairs = PersonMatcher(backend="spark", spark_session=session).predict(frame)
    finally:
        session.stop()
    duckdb = PersonMatcher()
    groups = {}
    for backend, pairs in (("duckdb", duckdb.predict(frame)), ("spark", spark_pairs)):
        found = duckdb.clusters(frame, pairs)
        groups[backend] = sorted(
            sorted(k for k, v in found.items() if v == c) for c in set(found.values())
        )
    assert groups["spark"] == groups["duckdb"]
    assert any(len(group) > 1 for group in groups["spark"])


def test_an_unknown_backend_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="duckdb, spark"):
        PersonMatcher(backend="sqlite")


def test_clusters_cover_every_record_even_without_pairs() -> None:
    frame = pd.DataFrame({"unique_id": ["a", "b", "c"]})
    matcher = PersonMatcher()
    clusters = matcher.clusters(frame, [MatchPair("a", "b", 0.95, [])])
    assert clusters == {"a": "a", "b": "a", "c": "c"}
    assert Counter(clusters.values()) == Counter({"a": 2, "c": 1})
