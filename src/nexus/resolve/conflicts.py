"""Precision guards between scored pairs and clusters: a match that rests on names alone goes to
review, never into a cluster, and a cluster holding two people's identifiers is split.

At national scale names are the weakest evidence there is: among a million records the same
written name belongs to different people far more often than to one. So a pair is *corroborated*
only when something beyond the name agrees — an identifier (exactly or one digit off), a shared
phone, bank account or vehicle, a date of birth (exact, day and month swapped, one digit off),
the father's name (exact, skeleton, one within the other) or most of an address. An uncorroborated
pair, however probable, is for an analyst (`split_pairs`).

Clusters are then checked for internal conflicts: two identifiers more than one digit apart, or
two dates of birth that no typing slip explains. A conflicting cluster is rebuilt from its own
links, strongest first (probability, then ids: deterministic), refusing any link that would join
two conflicting parts: the weakest links, the ones that bridged two people, are the ones dropped
(`split_conflicts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CORROBORATING",
    "Guarded",
    "corroborated",
    "corroborated_pair",
    "guard",
    "split_conflicts",
    "split_pairs",
]

# Explanation features (MatchPair) whose agreement corroborates a name: feature -> levels that
# count. The comparisons' "names differ" levels of shared contacts do not count.
CORROBORATING: dict[str, tuple[str, ...]] = {
    "CNIC": ("exact match", "one digit off"),
    "Registration number": ("exact match", "one digit off"),
    "Phone": ("shared number",),
    "Bank account": ("shared account",),
    "Vehicle": ("shared vehicle",),
    "Date of birth": ("exact match", "day and month swapped", "one digit off"),
    "Father's name": (
        "exact match",
        "skeleton match",
        "one name within the other",
        "similar spelling",
    ),
    "Address": ("most words shared",),
}
_ADDRESS_SHARE = 0.6  # Jaccard of address words that corroborates (the comparison's top level)
_ADDRESS_WORDS = 2  # an address of one word ("Lahore") says too little
# A father's name (an address) corroborates only when fewer than this many *other* records are
# expected to bear the same name and the same father's name (address) by chance: _coincidences.
FATHER_COINCIDENCE = 0.05
ADDRESS_COINCIDENCE = 0.01  # a neighbourhood is shared by more people than a father's name
NEAR_DATES = 20  # valid dates one slip (a digit, day and month swapped) from a given date
DOB_SLIPS = 2  # digits two writings of one date of birth may differ in (Febrl's typos: 2)


def corroborated_pair(pair: Any) -> bool:
    """True when a MatchPair's explanation shows agreement beyond the names (see CORROBORATING)."""
    for item in pair.explanation:
        levels = CORROBORATING.get(item.feature)
        if levels and item.level in levels and (item.weight is None or item.weight > 0):
            return True
    return False


# -- corroboration from feature frames ------------------------------------------------------------


def _one_edit(a: str, b: str) -> bool:
    """At most one character inserted, deleted, substituted, or two adjacent ones swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return _close(a, b)
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i in range(len(short)) if short[i] != long[i]), len(short))
    return short[i:] == long[i + 1 :]


def _transposed(a: str, b: str) -> bool:
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and a[diff[1]] == b[diff[0]]
    )


def _close(a: str, b: str) -> bool:
    """Identifiers or dates one typing slip apart (Damerau-Levenshtein 1 for equal lengths)."""
    if a == b:
        return True
    if len(a) != len(b):
        return False
    return sum(x != y for x, y in zip(a, b, strict=True)) == 1 or _transposed(a, b)


def _items(value: Any) -> frozenset[str]:
    if value is None or isinstance(value, float | str):
        return frozenset() if not isinstance(value, str) else frozenset((value,))
    try:
        return frozenset(str(v) for v in value)
    except TypeError:
        return frozenset()


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if value is pd.NA:
        return None
    text = str(value)
    return text or None


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    return frame[name].tolist() if name in frame.columns else [None] * len(frame)


def corroborated(frame: pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
    """For each pair (unique_id_l, unique_id_r) of `pairs`, whether the records of `frame` (a
    person or organisation feature frame) agree on something beyond their names.
    """
    if pairs.empty:
        return np.zeros(0, dtype=bool)
    position = {str(u): i for i, u in enumerate(frame["unique_id"].astype(str))}
    left = [position[str(u)] for u in pairs["unique_id_l"]]
    right = [position[str(u)] for u in pairs["unique_id_r"]]
    identifier = "id_number" if "id_number" in frame.columns else "registration"
    ids = [_text(v) for v in _column(frame, identifier)]
    dobs = [_text(v) for v in _column(frame, "dob")]
    swapped = [_text(v) for v in _column(frame, "dob_swapped")]
    fathers = [_text(v) for v in _column(frame, "father_key")]
    father_skeletons = [_text(v) for v in _column(frame, "father_skeleton")]
    father_tokens = [_items(v) for v in _column(frame, "father_tokens")]
    contacts = [[_items(v) for v in _column(frame, c)] for c in ("phones", "accounts", "vehicles")]
    addresses = [_items(v) for v in _column(frame, "address_tokens")]
    expected = _coincidences(frame, left, right, _column(frame, "father_key"))
    places = [" ".join(sorted(a)) if a else None for a in addresses]
    expected_place = _coincidences(frame, left, right, places)
    expected_dob = _coincidences(frame, left, right, _column(frame, "dob"))
    keys = [_text(v) for v in _column(frame, "name_key")]
    skeletons = [_text(v) for v in _column(frame, "name_skeleton")]
    tokens = [_items(v) for v in _column(frame, "tokens")]
    out = np.zeros(len(left), dtype=bool)
    for k, (a, b) in enumerate(zip(left, right, strict=True)):
        ia, ib = ids[a], ids[b]
        if ia and ib and _close(ia, ib):
            out[k] = True
            continue
        # Without the names agreeing (the same key or skeleton, or one within the other) only
        # an identifier corroborates: "Muhammad Ali Khan" and "Muhammad Hussain Khan" born a
        # digit apart are two people in any large population.
        ta_, tb_ = tokens[a], tokens[b]
        ka, kb = keys[a], keys[b]
        agree = (ka is not None and kb is not None and _one_edit(ka, kb)) or (
            skeletons[a] is not None and skeletons[a] == skeletons[b]
        )
        if not (agree or (ta_ and tb_ and (ta_ <= tb_ or tb_ <= ta_))):
            continue
        if any(column[a] & column[b] for column in contacts):
            out[k] = True
            continue
        da, db = dobs[a], dobs[b]
        if da and db and len(da) == len(db) == 10:
            # The same date by chance is (name bearers - 1) x the date's share; a date a slip
            # away (swapped, one digit off) is about NEAR_DATES times as likely.
            exact = da == db and expected_dob[k] < FATHER_COINCIDENCE
            near = (da == swapped[b] or swapped[a] == db or _close(da, db)) and (
                expected_dob[k] * NEAR_DATES < FATHER_COINCIDENCE
            )
            if exact or near:
                out[k] = True
                continue
        fa, fb = fathers[a], fathers[b]
        if fa and fb and expected[k] < FATHER_COINCIDENCE:
            ta, tb = father_tokens[a], father_tokens[b]
            if fa == fb or father_skeletons[a] == father_skeletons[b] or ta <= tb or tb <= ta:
                out[k] = True
                continue
        aa, ab = addresses[a], addresses[b]
        if (
            expected_place[k] < ADDRESS_COINCIDENCE
            and len(aa) >= _ADDRESS_WORDS
            and len(ab) >= _ADDRESS_WORDS
            and len(aa & ab) >= _ADDRESS_SHARE * len(aa | ab)
        ):
            out[k] = True
    return out


def _coincidences(
    frame: pd.DataFrame, left: list[int], right: list[int], values: Sequence[Any]
) -> np.ndarray:
    """For each pair, how many other records are expected to bear its name and its father's
    name (or address: `values`) by chance: (records with the name - 1) x (share of records
    with the father's name),
    both counted over the whole input, the more common side of the pair taken. It grows with
    the names' frequency and with the population: "Muhammad Khan s/o Muhammad" in a million
    records is many people, "Irfan Jatoi s/o Sohail" in two thousand most likely one.
    """
    if "name_key" not in frame.columns or len(frame) == 0:
        return np.zeros(len(left))
    names = frame["name_key"].map(frame["name_key"].value_counts()).fillna(1).to_numpy()
    column = pd.Series(list(values), dtype=object)
    fathers = column.map(column.value_counts()).fillna(1).to_numpy()
    a, b = np.asarray(left, dtype=int), np.asarray(right, dtype=int)
    name = np.maximum(names[a], names[b])
    father = np.maximum(fathers[a], fathers[b])
    return np.asarray((name - 1) * father / len(frame), dtype=float)


def split_pairs(
    frame: pd.DataFrame, pairs: pd.DataFrame, threshold: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pairs that may cluster, names-only pairs at or above `threshold` held for review)."""
    support = corroborated(frame, pairs)
    names_only = ~support & (pairs["match_probability"].to_numpy() >= threshold)
    return pairs[support].reset_index(drop=True), pairs[names_only].reset_index(drop=True)


# -- conflicts inside clusters --------------------------------------------------------------------


@dataclass
class _Part:
    ids: set[str]
    dobs: set[str]


def _compatible_ids(a: Iterable[str], b: Iterable[str]) -> bool:
    return all(_close(x, y) for x in a for y in b)


def _slips(a: str, b: str) -> int:
    """Digits that differ between two dates of one shape (a large number for other shapes)."""
    if len(a) != len(b):
        return 99
    return sum(x != y for x, y in zip(a, b, strict=True))


def _compatible_dobs(a: Iterable[str], b: Iterable[str]) -> bool:
    """Dates of birth one person could have been written with: equal, day and month swapped,
    or at most DOB_SLIPS digits mistyped; a year (or year-month) against anything: the years.
    """
    for x in a:
        for y in b:
            if len(x) == len(y) == 10:
                swapped = f"{x[:4]}-{x[8:10]}-{x[5:7]}"
                if swapped != y and _slips(x, y) > DOB_SLIPS and not _transposed(x, y):
                    return False
            elif _slips(x[:4], y[:4]) > 1:
                return False
    return True


def _conflicting(part: _Part, other: _Part, identified: bool) -> bool:
    """Whether joining two parts would put two people's details in one: identifiers more than
    one digit apart always; dates of birth that no slip explains unless the link itself rests
    on an identifier both records carry (`identified`: the same ID number, one digit off at
    most): then one of the dates is a wrong entry, not another person.
    """
    if not _compatible_ids(part.ids, other.ids):
        return True
    return not identified and not _compatible_dobs(part.dobs, other.dobs)


def split_conflicts(
    frame: pd.DataFrame,
    clusters: dict[str, str],
    edges: pd.DataFrame,
    threshold: float,
) -> tuple[dict[str, str], set[str]]:
    """Clusters without internal conflicts, and the records whose cluster was split.

    `edges`: the scored pairs the clusters were made from (unique_id_l, unique_id_r,
    match_probability). A cluster whose members hold two identifiers more than one digit apart,
    or incompatible dates of birth, is rebuilt from its links at or above `threshold` (and, for a
    member held only by weaker links, those), strongest first, skipping a link that would join
    conflicting parts. Parts are named by their smallest id.
    """
    identifier = "cnic" if "cnic" in frame.columns else "registration"
    ids = dict(zip(frame["unique_id"].astype(str), _column(frame, identifier), strict=True))
    dobs = dict(zip(frame["unique_id"].astype(str), _column(frame, "dob"), strict=True))
    number = "id_number" if "id_number" in frame.columns else "registration"
    numbers = dict(zip(frame["unique_id"].astype(str), _column(frame, number), strict=True))
    members: dict[str, list[str]] = {}
    for record, cluster in clusters.items():
        members.setdefault(cluster, []).append(record)
    suspect = {
        cluster
        for cluster, records in members.items()
        if len(records) > 1 and _has_conflict(records, ids, dobs)
    }
    if not suspect:
        return clusters, set()
    inside = edges[
        edges["unique_id_l"].map(clusters).isin(suspect)
        & (edges["unique_id_l"].map(clusters) == edges["unique_id_r"].map(clusters))
    ]
    strong = inside[inside["match_probability"] >= threshold]
    held = set(strong["unique_id_l"]) | set(strong["unique_id_r"])
    weak = inside[
        (inside["match_probability"] < threshold)
        & ~(inside["unique_id_l"].isin(held) & inside["unique_id_r"].isin(held))
    ]
    chosen = pd.concat([strong, weak]).sort_values(
        ["match_probability", "unique_id_l", "unique_id_r"],
        ascending=[False, True, True],
        kind="mergesort",
    )
    # The links of each suspect cluster, strongest first, grouped once: a mask over all the
    # links per cluster is quadratic (a million records stalled there for minutes on end).
    links: dict[str, list[tuple[str, str]]] = {}
    for a, b, c in zip(
        chosen["unique_id_l"],
        chosen["unique_id_r"],
        chosen["unique_id_l"].map(clusters),
        strict=True,
    ):
        links.setdefault(c, []).append((str(a), str(b)))
    out = dict(clusters)
    moved: set[str] = set()
    for cluster in sorted(suspect):
        records = members[cluster]
        moved.update(records)
        parent = {r: r for r in records}
        parts = {r: _part(r, ids, dobs) for r in records}

        def root(r: str, parent: dict[str, str] = parent) -> str:
            while parent[r] != r:
                parent[r] = parent[parent[r]]
                r = parent[r]
            return r

        for a, b in links.get(cluster, []):
            ra, rb = root(a), root(b)
            ia, ib = _text(numbers.get(a)), _text(numbers.get(b))
            identified = bool(ia and ib and _close(ia, ib))
            if ra == rb or _conflicting(parts[ra], parts[rb], identified):
                continue
            parent[rb] = ra
            parts[ra].ids |= parts[rb].ids
            parts[ra].dobs |= parts[rb].dobs
        groups: dict[str, list[str]] = {}
        for r in records:
            groups.setdefault(root(r), []).append(r)
        for group in groups.values():
            name = min(group)
            for r in group:
                out[r] = name
    return out, moved


def _part(record: str, ids: dict[str, Any], dobs: dict[str, Any]) -> _Part:
    identifier, dob = _text(ids.get(record)), _text(dobs.get(record))
    return _Part({identifier} if identifier else set(), {dob} if dob else set())


def _has_conflict(records: Sequence[str], ids: dict[str, Any], dobs: dict[str, Any]) -> bool:
    known = sorted({t for t in (_text(ids.get(r)) for r in records) if t})
    if len(known) > 1 and not _compatible_ids(known, known):
        return True
    dates = sorted({t for t in (_text(dobs.get(r)) for r in records) if t})
    return len(dates) > 1 and not _compatible_dobs(dates, dates)


# -- both, around a matcher's clustering ----------------------------------------------------------


@dataclass(frozen=True)
class Guarded:
    """Clusters after the guards, each record's confidence, and the pairs held for review."""

    clusters: dict[str, str]
    confidence: dict[str, float]
    names_only: pd.DataFrame  # pairs at or above the threshold that rest on names alone
    split: set[str]  # records whose cluster was split for a conflict


def guard(matcher: Any, frame: pd.DataFrame, pairs: pd.DataFrame) -> Guarded:
    """The matcher's assignment (clusters, confidence) with names-only pairs held back from
    clustering and conflicting clusters split.
    """
    gated, names_only = split_pairs(frame, pairs, matcher.threshold)
    assignment = matcher.assign(frame, gated)
    clusters, moved = split_conflicts(frame, assignment.clusters, gated, matcher.threshold)
    confidence = dict(assignment.confidence)
    if moved:
        confidence.update(_confidence(clusters, gated, moved))
    return Guarded(clusters, confidence, names_only, moved)


def _confidence(
    clusters: dict[str, str], edges: pd.DataFrame, records: set[str]
) -> dict[str, float]:
    sizes: dict[str, int] = {}
    for cluster in clusters.values():
        sizes[cluster] = sizes.get(cluster, 0) + 1
    inside: dict[str, float] = {}
    outside: dict[str, float] = {}
    for a, b, p in zip(
        edges["unique_id_l"], edges["unique_id_r"], edges["match_probability"], strict=True
    ):
        for x, y in ((str(a), str(b)), (str(b), str(a))):
            if x not in records:
                continue
            outside[x] = max(outside.get(x, 0.0), float(p))
            if clusters.get(x) == clusters.get(y):
                inside[x] = max(inside.get(x, 0.0), float(p))
    return {
        r: round(inside.get(r, 0.0) if sizes[clusters[r]] > 1 else 1.0 - outside.get(r, 0.0), 6)
        for r in records
    }
