"""The namesakes rule on an independent family of look-alikes (tests/families/namesakes.py),
built apart from `nexus.scenario`: per seed, villages whose people a police register, an EOBI
register, two banks and a district's trade licences write each their own way, with planted
look-alikes (one name, one employer, case, shop or father's name; CNICs or birth dates that
differ, or none at all) and shops of one name. Each seed goes through the mappings into a store,
resolution, the graph and `namesakes` settled round by round; the merges and the review queue
are compared with the family's truth, beside the naive tool that merges every pair of one
community with one normalised name.

Figures over these seeds (bench/robustness_namesakes.py gives them over 20, and on seeds never
used to choose anything): 5 pairs joined, none of them two people, where the naive tool joins
137 pairs, 74 of them two people; every one-person pair of a community merged or queued.
"""

from __future__ import annotations

from collections import Counter

import pytest

from nexus.graph.namesakes import MERGED, REVIEW
from tests.families.namesakes import ORG, PERSON, Figures, Outcome, draw, naive, run, score

SEEDS = range(5)
# Joined pairs that are two people, over all seeds: measured 0 of 5. With bank titles folded into
# their holders (the graph builder's same-holder rule, which today leaves a title and a holder of
# one account and one name apart) the rule joins more, and 2 of 12 were two people: hence a
# bound, not zero.
WRONG_SHARE_CEILING = 0.2
# The family poses the problem: the naive tool's merges are mostly wrong (precision 0.46).
NAIVE_PRECISION_CEILING = 0.6
# One-person pairs of one community with one name that are merged or queued: measured 1.0.
LISTED_FLOOR = 0.95
# Pairs the rule joins that are one person, all seeds: measured 5.
FOUND_FLOOR = 2


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list[Outcome]:
    return [run(draw(seed), tmp_path_factory.mktemp(f"namesakes-{seed}")) for seed in SEEDS]


def _total(figures: list[Figures]) -> Counter[str]:
    total: Counter[str] = Counter()
    for f in figures:
        total.update({k: v for k, v in vars(f).items() if isinstance(v, int)})
    return total


def test_merges_are_right_where_merging_by_name_is_mostly_wrong(outcomes: list[Outcome]) -> None:
    ours = _total([score(o, PERSON) for o in outcomes])
    peer = _total([score(o, PERSON, naive(o, PERSON)) for o in outcomes])
    print(f"rule: {dict(ours)}\nnaive: {dict(peer)}")
    assert peer["joined"] and 1 - peer["wrong"] / peer["joined"] <= NAIVE_PRECISION_CEILING
    assert ours["found"] >= FOUND_FLOOR
    assert ours["wrong"] <= WRONG_SHARE_CEILING * ours["joined"]
    assert ours["lookalikes_merged"] <= ours["wrong"]


def test_every_one_person_pair_of_a_community_is_merged_or_queued_with_why(
    outcomes: list[Outcome],
) -> None:
    ours = _total([score(o, PERSON) for o in outcomes])
    assert ours["splits"] and ours["splits_listed"] >= LISTED_FLOOR * ours["splits"]
    for outcome in outcomes:
        for decided in outcome.decided:
            assert decided.reasons[0].startswith("same name")
            if decided.outcome == REVIEW:
                said = ("not merged:", "already in the review queue")
                assert any(r.startswith(said) for r in decided.reasons), decided.reasons


def test_shops_of_one_name_are_queued_never_merged_on_the_name(outcomes: list[Outcome]) -> None:
    businesses = [score(o, ORG) for o in outcomes]
    total = _total(businesses)
    print(f"businesses: {dict(total)}")
    assert total["lookalikes"], "the family plants shops of one name"
    assert total["listed"] == total["lookalikes"] and total["wrong"] == 0
    merged = [d for o in outcomes for d in o.decided if d.kind == ORG and d.outcome == MERGED]
    assert all(any("registration number" in r or "account" in r for r in d.reasons) for d in merged)


def test_the_family_is_drawn_the_same_for_a_seed_and_plants_every_kind() -> None:
    first, again = draw(3), draw(3)
    assert first.files == again.files and first.truth == again.truth
    kinds = Counter((g.tie, g.ids) for seed in SEEDS for g in draw(seed).lookalikes)
    assert {t for t, _ in kinds} == {"employer", "case", "shop", "father", "place"}
    assert {i for _, i in kinds} == {"natural", "cnic", "dob", "bare"}
