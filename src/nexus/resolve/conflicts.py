"""Precision guards between scored pairs and clusters: a match that rests on names alone goes to
review, never into a cluster, and a cluster holding two people's identifiers is split.

A pair is *corroborated* when something beyond the name agrees (nexus.resolve.corroboration);
an uncorroborated pair, however probable, is for an analyst (`split_pairs`).

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

import pandas as pd

from nexus.resolve.corroboration import CORROBORATING, corroborated, corroborated_pair
from nexus.resolve.corroboration import text as _text

__all__ = [
    "CORROBORATING",
    "Guarded",
    "corroborated",
    "corroborated_pair",
    "guard",
    "split_conflicts",
    "split_pairs",
]

DOB_SLIPS = 2  # digits two writings of one date of birth may differ in (Febrl's typos: 2)


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


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    return frame[name].tolist() if name in frame.columns else [None] * len(frame)


def split_pairs(
    frame: pd.DataFrame, pairs: pd.DataFrame, threshold: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pairs that may cluster, names-only pairs at or above `threshold` held for review)."""
    support = corroborated(frame, pairs)
    names_only = ~support & (pairs["match_probability"].to_numpy() >= threshold)
    return _plain(pairs[support]), _plain(pairs[names_only])


def _plain(pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs with their ids as strings (predict_table may give them categorical: two such
    columns compare only when their categories are the same).
    """
    ids = [c for c in ("unique_id_l", "unique_id_r") if c in pairs.columns]
    return pairs.astype(dict.fromkeys(ids, object)).reset_index(drop=True)


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
    """For the records of split clusters: the best link that holds each in its cluster, or for
    one left alone 1 - its best link (1.0 without any).
    """
    left = edges["unique_id_l"].astype(str)
    right = edges["unique_id_r"].astype(str)
    probability = edges["match_probability"].astype(float)
    both = pd.DataFrame(
        {
            "record": pd.concat([left, right], ignore_index=True),
            "other": pd.concat([right, left], ignore_index=True),
            "p": pd.concat([probability, probability], ignore_index=True),
        }
    )
    both = both[both["record"].isin(records)]
    cluster = pd.Series(clusters)
    same = both["record"].map(cluster).to_numpy() == both["other"].map(cluster).to_numpy()
    inside = both[same].groupby("record")["p"].max()
    outside = both.groupby("record")["p"].max()
    sizes = cluster.map(cluster.value_counts())
    return {
        r: round(float(inside.get(r, 0.0)) if sizes[r] > 1 else 1.0 - float(outside.get(r, 0.0)), 6)
        for r in records
    }
