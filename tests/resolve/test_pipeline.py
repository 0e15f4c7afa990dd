"""Resolution over the store: across agencies, for a viewer, with judgements that hold."""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from pathlib import Path

import pytest

from nexus.ingest import ingest, load_mapping
from nexus.policy import AccessLayer, Viewer
from nexus.resolve.model import PersonMatcher
from nexus.resolve.pipeline import cluster_members, judge, resolve
from nexus.scenario.generate import GenerationReport, generate
from nexus.store import UserRecord

# Agency files with one person per row, so a source row names its true person unambiguously.
PERSON_FILES = {
    "anf/anf_seizure_register.csv": "accused",
    "fc_msa/fc_msa_recoveries.csv": "suspect",
    "fia/fia_ahs_cases.csv": "accused",
    "police/police_fir_extract.csv": "accused",
    "ctd/ctd_fourth_schedule.csv": "person",
    "prosecution/prosecution_tracker.csv": "accused",
}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> GenerationReport:
    return generate(11, "tiny", tmp_path_factory.mktemp("resolve") / "scenario")


def load_people(access: AccessLayer, scenario: GenerationReport) -> None:
    admin = access.viewer("admin")
    for relpath in PERSON_FILES:
        mapping = (scenario.outdir / "data" / relpath).with_suffix(".yml")
        ingest(access, admin, load_mapping(mapping, access.settings))


def truth_of(scenario: GenerationReport) -> dict[tuple[str, int], str]:
    with (scenario.outdir / "truth" / "records.csv").open(encoding="utf-8") as fh:
        return {
            (Path(r["file"]).name, int(r["row"])): r["uid"]
            for r in csv.DictReader(fh)
            if PERSON_FILES.get(r["file"]) == r["entity"]
        }


def scores(access: AccessLayer, scenario: GenerationReport, viewer: str) -> tuple[float, float]:
    """Pairwise precision and recall of the viewer's person clusters against the truth."""
    truth = truth_of(scenario)
    reader = access.reader(viewer)
    uid_of: dict[str, str] = {}
    votes: dict[str, Counter[str]] = {}
    for stmt in reader.iter_statements(schema="Person"):
        file, _, row = stmt.origin.partition("#row=")
        uid = truth.get((file, int(row))) if row.isdigit() else None
        if uid:
            votes.setdefault(stmt.entity_id, Counter())[uid] += 1
    uid_of = {e: c.most_common(1)[0][0] for e, c in votes.items()}
    clusters = cluster_members(reader)
    predicted = {
        frozenset(p)
        for members in clusters.values()
        for p in itertools.combinations([m for m in members if m in uid_of], 2)
    }
    by_uid: dict[str, list[str]] = {}
    for entity, uid in uid_of.items():
        by_uid.setdefault(uid, []).append(entity)
    actual = {frozenset(p) for ids in by_uid.values() for p in itertools.combinations(ids, 2)}
    true_positive = len(predicted & actual)
    precision = true_positive / len(predicted) if predicted else 1.0
    recall = true_positive / len(actual) if actual else 1.0
    return precision, recall


@pytest.fixture
def resolved(access: AccessLayer, scenario: GenerationReport) -> AccessLayer:
    load_people(access, scenario)
    resolve(access, access.viewer("admin"), PersonMatcher())
    return access


def test_the_same_person_is_found_across_agencies(
    resolved: AccessLayer, scenario: GenerationReport
) -> None:
    precision, recall = scores(resolved, scenario, "admin")
    print(f"persons: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.9 and recall >= 0.8


def test_merge_and_split_are_judgements_that_undo_each_other(resolved: AccessLayer) -> None:
    reader = resolved.reader("admin")
    singles = [cid for cid, members in cluster_members(reader).items() if len(members) == 1]
    a, b = singles[:2]
    judge(resolved, resolved.viewer("admin"), a, b, "same", "same CNIC in the passport copy")
    merged = cluster_members(resolved.reader("admin"))
    assert any({a, b} <= set(members) for members in merged.values())
    judge(resolved, resolved.viewer("admin"), a, b, "not_same")
    assert not any({a, b} <= set(m) for m in cluster_members(resolved.reader("admin")).values())


def test_an_analysts_split_survives_a_later_automatic_run(resolved: AccessLayer) -> None:
    reader = resolved.reader("admin")
    cluster = next(m for m in cluster_members(reader).values() if len(m) == 2)
    judge(resolved, resolved.viewer("admin"), cluster[0], cluster[1], "not_same")
    resolve(resolved, resolved.viewer("admin"), PersonMatcher(), incremental=False)
    assert not any(
        set(cluster) <= set(m) for m in cluster_members(resolved.reader("admin")).values()
    )


def test_a_second_run_scores_only_new_records(resolved: AccessLayer) -> None:
    report = resolve(resolved, resolved.viewer("admin"), PersonMatcher())
    assert report.incremental and report.new_records == 0 and report.matches == 0


def test_resolution_for_a_viewer_uses_only_what_they_may_see(
    access: AccessLayer, scenario: GenerationReport
) -> None:
    load_people(access, scenario)
    clerk = access.viewer("fia_clerk")
    resolve(access, clerk, PersonMatcher())
    scope = access.scope(clerk)
    links = access.store.links(access.scope(access.viewer("admin")))
    assert links and all(scope.allows(link.evidence) for link in links)
    assert all(
        m.classification in ("UNCLASSIFIED", "RESTRICTED")
        for link in links
        for mid, m in access.store.markings().items()
        if mid in link.evidence
    )


def _twin(access: AccessLayer) -> Viewer:
    """A second viewer with the administrator's sight (same agency and clearance)."""
    access.add_user(access.viewer("admin"), UserRecord("nexus_deputy", "NEXUS", "SECRET"))
    return access.viewer("nexus_deputy")


def test_a_viewer_who_sees_the_same_statements_shares_the_earlier_run(
    resolved: AccessLayer,
) -> None:
    admin, twin = resolved.viewer("admin"), _twin(resolved)
    assert resolved.reader(twin).statements_version() == resolved.reader(admin).statements_version()
    report = resolve(resolved, twin, PersonMatcher())
    assert report.shared and report.matches == 0
    assert report.records == len(resolved.store.resolved_ids("admin"))
    assert cluster_members(resolved.reader(twin)) == cluster_members(resolved.reader(admin))
    # What the earlier run scored counts as scored for the twin's own incremental runs.
    assert resolved.store.resolved_ids("nexus_deputy") == resolved.store.resolved_ids("admin")


def test_a_run_with_nothing_new_is_shared_with_itself(resolved: AccessLayer) -> None:
    report = resolve(resolved, resolved.viewer("admin"), PersonMatcher())
    assert report.shared and report.new_records == 0


def test_a_viewer_who_sees_other_statements_is_resolved_on_their_own(
    resolved: AccessLayer,
) -> None:
    report = resolve(resolved, resolved.viewer("fia_clerk"), PersonMatcher())
    assert not report.shared and report.new_records == report.records > 0


def test_other_matcher_settings_or_new_statements_are_never_shared(
    resolved: AccessLayer, scenario: GenerationReport
) -> None:
    admin = resolved.viewer("admin")
    assert not resolve(resolved, admin, PersonMatcher(threshold=0.95)).shared
    mapping = scenario.outdir / "data" / "fia" / "fia_interdictions.yml"
    ingest(resolved, admin, load_mapping(mapping, resolved.settings))
    report = resolve(resolved, admin, PersonMatcher())
    assert not report.shared and report.new_records > 0
