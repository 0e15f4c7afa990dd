"""Namesakes: two people of one community who bear the same name. Either one person resolution
could not link (a record giving only a name, tied to the same people) or look-alikes to tell apart.

`namesakes` finds and weighs them; `settle` records the outcome as resolution links: a match for
a record with nothing that conflicts and the same ties, a review pair (with why) for the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from nexus.graph.elements import EntityGraph
from nexus.graph.roles import Roles
from nexus.policy import AccessLayer, Reader, Viewer
from nexus.resolve.normalise_ids import normalise_cnic
from nexus.resolve.normalise_names import parse_person_name
from nexus.store import LinkRecord, StoredStatement, utc_now

MERGED, REVIEW, QUEUED, JUDGED = "merged", "review", "queued", "judged"
# Properties on which two records of one person cannot disagree (phones and addresses can).
_FIXED = {"idNumber": "CNIC", "birthDate": "birth date"}


@dataclass(frozen=True)
class Namesake:
    """Two entities of one community with the same name, and what is made of them."""

    community: int
    name: str
    left: str  # node (canonical) ids
    right: str
    outcome: str  # MERGED | REVIEW, or QUEUED / JUDGED when a run or an analyst already did
    reasons: tuple[str, ...]
    records: tuple[str, str]  # the source records a link joins
    grounds: tuple[str, ...]  # the entities the decision rests on (the pair, their shared ties)

    def to_dict(self) -> dict[str, object]:
        return {
            "community": self.community,
            "name": self.name,
            "left": self.left,
            "right": self.right,
            "outcome": self.outcome,
            "reasons": list(self.reasons),
        }


def namesakes(graph: EntityGraph, found: Roles, reader: Reader) -> list[Namesake]:
    """Every pair of people in one community whose names are the same once normalised
    (spelling families, order, case), with what decides them."""
    groups: dict[tuple[int, str], list[str]] = defaultdict(list)
    for role in found.roles:
        if role.schema == "Person" and role.role != "hub":
            name = parse_person_name(role.caption).key
            if name:
                groups[(role.community, name)].append(role.id)
    candidates = [(c, ids) for (c, _key), ids in sorted(groups.items()) if len(ids) > 1]
    if not candidates:
        return []
    facts = {i: _Facts.of(reader.statements(i)) for _c, ids in candidates for i in ids}
    judged, queued = _decided_pairs(reader, facts)
    neighbours = graph.core.graph.get_adjlist()
    out = []
    for community, ids in candidates:
        for a_index, a in enumerate(ids):
            for b in ids[a_index + 1 :]:
                pair = _weigh(graph, neighbours, community, facts[a], facts[b])
                key = frozenset((a, b))
                if key in judged:  # an analyst's word stands
                    pair = replace(pair, outcome=JUDGED, reasons=(*pair.reasons, "judged"))
                elif key in queued and pair.outcome == MERGED:
                    said = "was in the review queue: the ties in common settle it"
                    pair = replace(pair, reasons=(*pair.reasons, said))
                elif key in queued:
                    said = "already in the review queue"
                    pair = replace(pair, outcome=QUEUED, reasons=(*pair.reasons, said))
                out.append(pair)
    return out


def settle(access: AccessLayer, viewer: Viewer, pairs: Sequence[Namesake]) -> int:
    """Record each undecided namesake pair as a link (match or review) resting on what the
    viewer sees of both; returns how many links were written."""
    reader = access.reader(viewer)
    run = f"namesakes-{utc_now()}"
    links = [
        LinkRecord(
            left_id=min(p.records),
            right_id=max(p.records),
            probability=0.95 if p.outcome == MERGED else 0.5,
            verdict="match" if p.outcome == MERGED else "review",
            evidence=reader.evidence(p.grounds),
            explanation=tuple(
                {"feature": "community", "level": reason, "weight": 0.0} for reason in p.reasons
            ),
            run=run,
        )
        for p in pairs
        if p.outcome in (MERGED, REVIEW)
    ]
    return access.store.add_links(links)


@dataclass(frozen=True)
class _Facts:
    node: str
    caption: str
    records: tuple[str, ...]
    fixed: dict[str, frozenset[str]]  # property → normalised values

    @classmethod
    def of(cls, statements: list[StoredStatement]) -> _Facts:
        fixed: dict[str, set[str]] = defaultdict(set)
        for stmt in statements:
            if stmt.prop == "idNumber":
                fixed[stmt.prop].add(normalise_cnic(stmt.value) or stmt.value)
            elif stmt.prop in _FIXED:
                fixed[stmt.prop].add(stmt.value[:10])
        names = [s.value for s in statements if s.prop == "name"]
        return cls(
            node=statements[0].canonical_id,
            caption=names[0] if names else statements[0].canonical_id,
            records=tuple(sorted({s.entity_id for s in statements})),
            fixed={k: frozenset(v) for k, v in fixed.items()},
        )


def _decided_pairs(
    reader: Reader, facts: dict[str, _Facts]
) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """Node pairs an analyst judged, and pairs an earlier run put in the review queue."""
    node_of = {r: f.node for f in facts.values() for r in f.records}

    def among(pairs: list[tuple[str, str]]) -> set[frozenset[str]]:
        return {
            frozenset((node_of[a], node_of[b])) for a, b in pairs if a in node_of and b in node_of
        }

    judged = among([(j.left_id, j.right_id) for j in reader.judgements()])
    queued = among([(k.left_id, k.right_id) for k in reader.match_links(verdicts=["review"])])
    return judged, queued - judged


def _weigh(
    graph: EntityGraph,
    neighbours: list[list[int]],
    community: int,
    a: _Facts,
    b: _Facts,
) -> Namesake:
    conflicts = [
        f"{label} differs ({', '.join(sorted(a.fixed[prop]))} / {', '.join(sorted(b.fixed[prop]))})"
        for prop, label in _FIXED.items()
        if a.fixed.get(prop) and b.fixed.get(prop) and not a.fixed[prop] & b.fixed[prop]
    ]
    ia, ib = graph.index[a.node], graph.index[b.node]
    shared = sorted(set(neighbours[ia]) & set(neighbours[ib]))
    common = sorted(graph.nodes[v].caption for v in shared)
    direct = ib in neighbours[ia]
    grounds = {a.node, b.node, *(graph.nodes[v].id for v in shared)}
    for v in (*shared, ib) if direct else shared:
        for end in (ia, ib):
            edge = graph.edge_between(graph.nodes[end].id, graph.nodes[v].id)
            grounds |= {f.via for f in edge.facts if f.via} if edge else set()
    reasons = [f"same name ({a.caption} / {b.caption}) in community {community}"]
    if common:
        shown = ", ".join(common[:3]) + (f" and {len(common) - 3} more" if len(common) > 3 else "")
        reasons.append(f"both tied to {shown}")
    if direct:
        reasons.append("tied to each other (one person split in two records?)")
    bare = not a.fixed or not b.fixed
    agree = [
        label
        for prop, label in _FIXED.items()
        if a.fixed.get(prop, frozenset()) & b.fixed.get(prop, frozenset())
    ]
    if conflicts:
        outcome = REVIEW
        reasons += [f"not merged: {c}" for c in conflicts]
    elif not (common or direct):
        outcome = REVIEW
        reasons.append("not merged: no tie in common")
    elif agree:
        outcome = MERGED
        reasons.append(f"the same {' and '.join(agree)}")
    elif bare:
        outcome = MERGED
        reasons.append("nothing conflicts: one record gives no CNIC or birth date to compare")
    else:
        outcome = REVIEW
        reasons.append("not merged: their CNICs and birth dates cannot be compared")
    return Namesake(
        community,
        a.caption,
        a.node,
        b.node,
        outcome,
        tuple(reasons),
        (a.records[0], b.records[0]),
        tuple(sorted(grounds)),
    )
