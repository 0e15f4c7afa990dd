"""Namesakes: two people (or two businesses) of one community who bear the same name. Either one
person resolution could not link (a record giving only a name, tied to the same people) or
look-alikes to tell apart.

`namesakes` finds and weighs them; `settle` records the outcome as resolution links: a match
where the records say they are one, a review pair (with why) for the rest.

Two people of one name are set apart by a CNIC, a birth date or a father's name that differ.
They are one with the same CNIC or full birth date or, when one record gives neither, when both
give the same phone, address, account or vehicle, or when everyone that record is tied to is
tied to the other too. On an independent family of look-alikes (tests/families/namesakes.py)
weaker grounds merged two people too often to be taken alone:

- a tie in common through an organisation (an employer, a shop, a company) or a hub: they
  employ, serve and are owned by many people who need not know each other (a third of such
  pairs were two people);
- ties that come only through the case or event naming both: a register names two co-accused
  of one name as a tracker writes one person twice, and the case cannot tell which;
- some people in common while the record with no CNIC or birth date is tied to others besides
  (most such pairs were two people: men of one village share acquaintances).

Businesses of one name are merged only on a registration number or a bank account they share; a
registration number that differs sets them apart; the others are queued: shops and companies of
one name are many.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from nexus.graph.elements import EntityGraph
from nexus.graph.roles import Roles
from nexus.model import model
from nexus.policy import AccessLayer, Reader, Viewer
from nexus.resolve.normalise_ids import normalise_cnic
from nexus.resolve.normalise_names import PersonName, names_compatible, parse_person_name
from nexus.resolve.normalise_orgs import parse_org_name
from nexus.store import LinkRecord, StoredStatement, utc_now

MERGED, REVIEW, QUEUED, JUDGED = "merged", "review", "queued", "judged"
PERSON, BUSINESS = "person", "business"
# Properties on which two records of one person cannot disagree (phones and addresses can).
_FIXED = {"idNumber": "CNIC", "birthDate": "birth date"}
# ... and of one business: a registry gives each its own number.
_REGISTERED = {"registrationNumber": "registration number"}
# Ties that are values both records give: one person written twice, most likely.
_SHARED_VALUES = {
    "shared_phone": "phone",
    "shared_address": "address",
    "shared_account": "account",
    "shared_vehicle": "vehicle",
}
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")


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
    kind: str = PERSON  # PERSON | BUSINESS

    def to_dict(self) -> dict[str, object]:
        return {
            "community": self.community,
            "kind": self.kind,
            "name": self.name,
            "left": self.left,
            "right": self.right,
            "outcome": self.outcome,
            "reasons": list(self.reasons),
        }


def namesakes(graph: EntityGraph, found: Roles, reader: Reader) -> list[Namesake]:
    """Every pair of people in one community whose names are the same once normalised
    (spelling families, order, case, script; initials kept), and every pair of companies or
    organisations whose names are (prefixes and legal forms aside), with what decides them."""
    groups = _groups(graph, found)
    candidates = [(c, kind, ids) for (c, kind, _key), ids in sorted(groups.items()) if len(ids) > 1]
    if not candidates:
        return []
    facts = {i: _Facts.of(reader.statements(i)) for _c, _k, ids in candidates for i in ids}
    judged, queued = _decided_pairs(reader, facts)
    hubs = frozenset(graph.index[r.id] for r in found.roles if r.role == "hub")
    context = _Context(graph, graph.core.graph.get_adjlist(), hubs)
    out = []
    for community, kind, ids in candidates:
        weigh = _weigh_person if kind == PERSON else _weigh_business
        for a_index, a in enumerate(ids):
            for b in ids[a_index + 1 :]:
                pair = weigh(context, community, facts[a], facts[b])
                key = frozenset((a, b))
                if key in judged:  # an analyst's word stands
                    pair = replace(pair, outcome=JUDGED, reasons=(*pair.reasons, "judged"))
                elif key in queued and pair.outcome == MERGED:
                    said = "was in the review queue: what they share settles it"
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


def _kind(schema: str) -> str | None:
    found = model.get(schema)
    if found is None:
        return None
    if found.is_a("Person"):
        return PERSON
    return BUSINESS if found.is_a("Organization") else None


def _groups(graph: EntityGraph, found: Roles) -> dict[tuple[int, str, str], list[str]]:
    """(community, kind, normalised name) -> nodes. People who are hubs are left out; a business
    that is a hub (a shop many pay) is Leiden's community of one, so it is compared in the
    community most of its neighbours are in."""
    community = {r.id: r.community for r in found.roles if r.role != "hub"}
    neighbours = graph.core.graph.get_adjlist()
    groups: dict[tuple[int, str, str], list[str]] = defaultdict(list)
    for role in found.roles:
        kind = _kind(role.schema)
        if kind == PERSON and role.role != "hub":
            parsed = parse_person_name(role.caption)
            # "M. Ali" is not "Ali": initials are part of the name compared.
            key = " ".join((parsed.key, *sorted(parsed.initials))) if parsed.key else ""
            home: int | None = role.community
        elif kind == BUSINESS:
            key = parse_org_name(role.caption).key
            home = role.community if role.role != "hub" else None
            if home is None:
                around = Counter(
                    community[graph.nodes[v].id]
                    for v in neighbours[graph.index[role.id]]
                    if graph.nodes[v].id in community
                )
                home = min(around, key=lambda c: (-around[c], c)) if around else None
        else:
            continue
        if key and home is not None:
            groups[(home, kind, key)].append(role.id)
    return groups


@dataclass(frozen=True)
class _Facts:
    node: str
    caption: str
    records: tuple[str, ...]
    fixed: dict[str, frozenset[str]]  # property → normalised values
    fathers: tuple[PersonName, ...]  # fathers' (or husbands') names the records give

    @classmethod
    def of(cls, statements: list[StoredStatement]) -> _Facts:
        fixed: dict[str, set[str]] = defaultdict(set)
        fathers: dict[str, PersonName] = {}
        for stmt in statements:
            written = stmt.original_value or stmt.value
            if stmt.prop == "idNumber":
                fixed[stmt.prop].add(normalise_cnic(stmt.value) or stmt.value)
            elif stmt.prop in _FIXED:
                fixed[stmt.prop].add(stmt.value[:10])
            elif stmt.prop in _REGISTERED:
                fixed[stmt.prop].add(_NOT_ALNUM.sub("", stmt.value.upper()) or stmt.value)
            elif stmt.prop == "fatherName" and written.strip():
                fathers.setdefault(written, parse_person_name(written))
            elif stmt.prop == "name" and stmt.schema == "Person":
                said = parse_person_name(written).father_tokens  # "… s/o Ghulam Rasool"
                if said:
                    text = " ".join(said)
                    fathers.setdefault(text, parse_person_name(text))
        names = [s.value for s in statements if s.prop == "name"]
        return cls(
            node=statements[0].canonical_id,
            caption=names[0] if names else statements[0].canonical_id,
            records=tuple(sorted({s.entity_id for s in statements})),
            fixed={k: frozenset(v) for k, v in fixed.items()},
            fathers=tuple(f for f in fathers.values() if f.tokens),
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


@dataclass(frozen=True)
class _Context:
    graph: EntityGraph
    neighbours: list[list[int]]
    hubs: frozenset[int]

    def is_a(self, v: int, schema: str) -> bool:
        found = model.get(self.graph.nodes[v].schema)
        return found is not None and found.is_a(schema)

    def people(self, v: int, other: int) -> set[int]:
        """Who v is tied to besides `other`: people (and other actors), organisations and hubs
        aside."""
        return {
            u
            for u in self.neighbours[v]
            if u != other
            and u not in self.hubs
            and self.graph.nodes[u].actor
            and not self.is_a(u, "Organization")
        }


@dataclass(frozen=True)
class _Ties:
    """What ties two nodes: the neighbours they share, and their tie to each other."""

    shared: list[int]
    direct: bool
    values: list[str]  # what both records give, from their tie to each other ("phone 0300…")
    together: list[str]  # occasions or links that name both ("court case 12/2021")
    naming: frozenset[str]  # their ids
    grounds: frozenset[str]

    @classmethod
    def of(cls, ctx: _Context, a: str, b: str) -> _Ties:
        graph = ctx.graph
        ia, ib = graph.index[a], graph.index[b]
        shared = sorted(set(ctx.neighbours[ia]) & set(ctx.neighbours[ib]))
        direct = ib in ctx.neighbours[ia]
        grounds = {a, b, *(graph.nodes[v].id for v in shared)}
        for v in (*shared, ib) if direct else shared:
            for end in (ia, ib):
                edge = graph.edge_between(graph.nodes[end].id, graph.nodes[v].id)
                grounds |= {f.via for f in edge.facts if f.via} if edge else set()
        values: list[str] = []
        together: list[str] = []
        naming: set[str] = set()
        edge = graph.edge_between(a, b) if direct else None
        for fact in edge.facts if edge else ():
            if fact.kind in _SHARED_VALUES:
                values.append(f"{_SHARED_VALUES[fact.kind]} {fact.value or ''}".strip())
            else:
                together.append(fact.via_label or fact.kind.replace("_", " "))
                naming |= {fact.via} if fact.via else set()
        return cls(
            shared,
            direct,
            sorted(set(values)),
            sorted(set(together)),
            frozenset(naming),
            frozenset(grounds),
        )

    def described(self, graph: EntityGraph, community: int, a: _Facts, b: _Facts) -> list[str]:
        """The first reasons of a pair: the name, and whom both are tied to."""
        said = [f"same name ({a.caption} / {b.caption}) in community {community}"]
        if self.shared:
            said.append(
                f"both tied to {_shown(sorted(graph.nodes[v].caption for v in self.shared))}"
            )
        return said

    def telling(self, ctx: _Context, a: str, b: str) -> tuple[list[int], list[str]]:
        """The shared neighbours that say the two are one (people, accounts, vehicles tied to
        each on its own grounds), and why each of the others does not."""
        graph = ctx.graph
        telling, weak = [], []
        for v in self.shared:
            caption = graph.nodes[v].caption
            if v in ctx.hubs:
                weak.append(f"{caption} (a hub)")
            elif ctx.is_a(v, "Organization"):
                weak.append(f"{caption} (an organisation: its staff and customers are many)")
            elif _one_listing(graph, a, b, graph.nodes[v].id, self.naming):
                weak.append(f"{caption} (only through the case or event naming both)")
            else:
                telling.append(v)
        return telling, weak


def _one_listing(graph: EntityGraph, a: str, b: str, v: str, naming: frozenset[str]) -> bool:
    """Whether a or b is tied to v only through the cases or events that name both."""
    for end in (a, b):
        edge = graph.edge_between(end, v)
        vias = {f.via for f in edge.facts} if edge else set()
        if vias and vias <= naming:
            return True
    return False


def _shown(captions: list[str]) -> str:
    return ", ".join(captions[:3]) + (f" and {len(captions) - 3} more" if len(captions) > 3 else "")


def _differ(a: frozenset[str], b: frozenset[str], prop: str) -> bool:
    if prop == "birthDate":  # a year is compatible with a full date in that year
        return not any(x.startswith(y) or y.startswith(x) for x in a for y in b)
    return not a & b


def _weigh_person(ctx: _Context, community: int, a: _Facts, b: _Facts) -> Namesake:
    graph = ctx.graph
    conflicts = [
        f"{label} differs ({', '.join(sorted(a.fixed[prop]))} / {', '.join(sorted(b.fixed[prop]))})"
        for prop, label in _FIXED.items()
        if a.fixed.get(prop) and b.fixed.get(prop) and _differ(a.fixed[prop], b.fixed[prop], prop)
    ]
    if (
        a.fathers
        and b.fathers
        and not any(names_compatible(x, y) for x in a.fathers for y in b.fathers)
    ):
        shown = [" / ".join(sorted({n.original for n in side.fathers})) for side in (a, b)]
        conflicts.append(f"father's name differs ({shown[0]} // {shown[1]})")
    ties = _Ties.of(ctx, a.node, b.node)
    telling, weak = ties.telling(ctx, a.node, b.node)
    reasons = ties.described(graph, community, a, b)
    if ties.values:
        reasons.append(f"both give the same {', '.join(ties.values)} (one person in two records?)")
    if ties.together:
        reasons.append(f"named together in {_shown(ties.together)}")
    agree = [
        label
        for prop, label in _FIXED.items()
        if {v for v in a.fixed.get(prop, frozenset()) if len(v) >= 10}
        & b.fixed.get(prop, frozenset())
    ]
    # Whom the record giving no CNIC or birth date is tied to (of two such, the one tied to
    # fewer): a record giving only a name is one person's when it is tied to that person's
    # people and to no one else.
    ia, ib = graph.index[a.node], graph.index[b.node]
    bare_people = [ctx.people(i, j) for f, i, j in ((a, ia, ib), (b, ib, ia)) if not f.fixed]
    own = min(bare_people, key=len) if bare_people else set()
    if conflicts:
        outcome = REVIEW
        reasons += [f"not merged: {c}" for c in conflicts]
    elif not (ties.shared or ties.direct):
        outcome = REVIEW
        reasons.append("not merged: no tie in common")
    elif agree:
        outcome = MERGED
        reasons.append(f"the same {' and '.join(agree)}")
    elif not bare_people:
        outcome = REVIEW
        reasons.append("not merged: their CNICs and birth dates cannot be compared")
    elif ties.values:
        outcome = MERGED
        reasons.append(
            "nothing conflicts (one record gives no CNIC or birth date) and both give the same "
            + ", ".join(ties.values)
        )
    elif own and own <= set(telling):
        outcome = MERGED
        reasons.append(
            "nothing conflicts (one record gives no CNIC or birth date) and everyone that record "
            "is tied to is tied to the other too"
        )
    else:
        outcome = REVIEW
        loose = [*weak, *(f"{t} (a case can name two people of one name)" for t in ties.together)]
        elsewhere = sorted(graph.nodes[v].caption for v in own - set(ties.shared))
        said = [_shown(loose)] if loose else []
        if elsewhere or not own:
            tied = f"to {_shown(elsewhere)} too" if elsewhere else "to no one"
            said.insert(0, f"the record with no CNIC or birth date is tied {tied}")
        reasons.append(f"not merged: what ties them says too little: {'; '.join(said)}")
    return _namesake(community, a, b, outcome, reasons, ties, PERSON)


def _weigh_business(ctx: _Context, community: int, a: _Facts, b: _Facts) -> Namesake:
    """Shops and companies of one name are many: merged on a registration number or a bank
    account they share, set apart by registration numbers that differ, queued otherwise."""
    graph = ctx.graph
    ties = _Ties.of(ctx, a.node, b.node)
    accounts = [graph.nodes[v].caption for v in ties.shared if ctx.is_a(v, "BankAccount")]
    accounts += [v.removeprefix("account ") for v in ties.values if v.startswith("account")]
    reasons = ties.described(graph, community, a, b)
    numbers = [(a.fixed.get(p, frozenset()), b.fixed.get(p, frozenset())) for p in _REGISTERED]
    same = sorted({n for left, right in numbers for n in left & right})
    differ = [
        f"{label} differs ({', '.join(sorted(left))} / {', '.join(sorted(right))})"
        for label, (left, right) in zip(_REGISTERED.values(), numbers, strict=True)
        if left and right and not left & right
    ]
    if differ:
        outcome = REVIEW
        reasons += [f"not merged: {d}" for d in differ]
    elif same or accounts:
        outcome = MERGED
        said = [f"registration number {n}" for n in same] + [f"account {n}" for n in accounts]
        reasons.append(f"the same {', '.join(sorted(set(said)))}")
    else:
        outcome = REVIEW
        reasons.append(
            "not merged: no registration number or account in common (shops and companies of "
            "one name are many)"
        )
    return _namesake(community, a, b, outcome, reasons, ties, BUSINESS)


def _namesake(
    community: int,
    a: _Facts,
    b: _Facts,
    outcome: str,
    reasons: list[str],
    ties: _Ties,
    kind: str,
) -> Namesake:
    records = (a.records[0], b.records[0])
    grounds = tuple(sorted(ties.grounds))
    return Namesake(
        community, a.caption, a.node, b.node, outcome, tuple(reasons), records, grounds, kind
    )
