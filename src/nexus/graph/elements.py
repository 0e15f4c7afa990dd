"""The entity graph a viewer may see: nodes (canonical entities), edges aggregated per pair, and
behind every edge the facts that state it, each with the statements, datasets and agencies.

Built by `nexus.graph.builder`; the analyses read it, the array core inside it does the maths.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nexus.graph.core import Core


@dataclass(frozen=True, slots=True)
class Source:
    """Who says so: one statement, its dataset and origin row, and its marking."""

    statement: str
    dataset: str
    origin: str
    agency: str
    marking: str

    def to_dict(self) -> dict[str, str]:
        return {
            "statement": self.statement,
            "dataset": self.dataset,
            "origin": self.origin,
            "agency": self.agency,
            "marking": self.marking,
        }


@dataclass(frozen=True, slots=True)
class Fact:
    """One reason two entities are linked, as a source states it (direction as stated)."""

    kind: str
    source: str  # canonical id
    target: str  # canonical id
    sources: tuple[Source, ...]
    via: str | None = None  # the link entity or occasion (canonical id) it comes from
    via_label: str | None = None
    role: str | None = None
    date: str | None = None
    amount: float | None = None
    currency: str | None = None
    value: str | None = None  # the shared phone, account number, registration …
    weight: float = 1.0

    @property
    def agencies(self) -> list[str]:
        return sorted({s.agency for s in self.sources})

    @property
    def datasets(self) -> list[str]:
        return sorted({s.dataset for s in self.sources})

    def describe(self) -> str:
        """One line an analyst can read: what, via what, when, on whose word."""
        parts = [self.kind.replace("_", " ")]
        if self.role:
            parts.append(f"as {self.role}")
        if self.value:
            parts.append(self.value)
        if self.via_label:
            parts.append(f"in {self.via_label}")
        if self.amount is not None:
            parts.append(f"{self.amount:,.0f} {self.currency or ''}".strip())
        if self.date:
            parts.append(f"on {self.date[:10]}")
        parts.append(f"[{', '.join(self.agencies)}: {', '.join(self.datasets)}]")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "target": self.target,
            "via": self.via,
            "via_label": self.via_label,
            "role": self.role,
            "date": self.date,
            "amount": self.amount,
            "currency": self.currency,
            "value": self.value,
            "agencies": self.agencies,
            "datasets": self.datasets,
            "statements": [s.statement for s in self.sources],
            "sources": [s.to_dict() for s in self.sources],
        }


@dataclass(slots=True)
class Flow:
    """Payments one way between a pair, aggregated: count, totals per currency, first and last."""

    count: int = 0
    totals: dict[str, float] = field(default_factory=dict)
    first: str | None = None
    last: str | None = None

    def add(self, amount: float | None, currency: str | None, date: str | None) -> None:
        self.count += 1
        if amount is not None:
            key = currency or "?"
            self.totals[key] = self.totals.get(key, 0.0) + amount
        if date:
            self.first = date if self.first is None else min(self.first, date)
            self.last = date if self.last is None else max(self.last, date)

    def describe(self) -> str:
        money = ", ".join(f"{v:,.0f} {k}" for k, v in sorted(self.totals.items()))
        first, last = (self.first or "")[:10], (self.last or "")[:10]
        span = f" {first}…{last}" if first != last else f" {first}" if first else ""
        return f"{self.count} payment(s){': ' + money if money else ''}{span}"


@dataclass(slots=True)
class Edge:
    """Everything that links one pair of nodes, aggregated into one weighted edge."""

    index: int
    a: str
    b: str
    facts: list[Fact]
    weight: float = 0.0
    flows: dict[str, Flow] = field(default_factory=dict)  # "a>b" / "b>a" payment flows

    @property
    def kinds(self) -> Counter[str]:
        return Counter(f.kind for f in self.facts)

    @property
    def agencies(self) -> list[str]:
        return sorted({s.agency for f in self.facts for s in f.sources})

    def other(self, node: str) -> str:
        return self.b if node == self.a else self.a

    def summary(self) -> str:
        counts = self.kinds
        if self.flows:  # the same payment reported by two sources counts once
            counts["payment"] = sum(f.count for f in self.flows.values())
        kinds = ", ".join(
            f"{k.replace('_', ' ')} x{n}" if n > 1 else k.replace("_", " ")
            for k, n in sorted(counts.items())
        )
        flows = "; ".join(
            f"{direction}: {flow.describe()}" for direction, flow in sorted(self.flows.items())
        )
        return kinds + (f" ({flows})" if flows else "")

    def to_dict(self, *, facts: int | None = None) -> dict[str, Any]:
        shown = self.facts if facts is None else self.facts[:facts]
        return {
            "a": self.a,
            "b": self.b,
            "weight": round(self.weight, 4),
            "kinds": dict(self.kinds),
            "agencies": self.agencies,
            "flows": {
                k: {"count": f.count, "totals": f.totals, "first": f.first, "last": f.last}
                for k, f in self.flows.items()
            },
            "facts": [f.to_dict() for f in shown],
            "more_facts": len(self.facts) - len(shown),
        }


@dataclass(slots=True)
class Reason:
    """Why a node carries a label (a country, a crime type, a listing), with its sources."""

    label: str
    text: str
    sources: tuple[Source, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "text": self.text,
            "agencies": sorted({s.agency for s in self.sources}),
            "statements": [s.statement for s in self.sources],
        }


@dataclass(slots=True)
class Node:
    """A canonical entity the viewer may see."""

    id: str
    schema: str
    caption: str
    members: int = 1  # source records
    actor: bool = False
    aliases: list[str] = field(default_factory=list)  # canonical ids taken as the same holder
    datasets: set[str] = field(default_factory=set)
    agencies: set[str] = field(default_factory=set)
    countries: list[Reason] = field(default_factory=list)
    crimes: list[Reason] = field(default_factory=list)
    listings: list[Reason] = field(default_factory=list)

    @property
    def country_codes(self) -> list[str]:
        return sorted({r.label for r in self.countries})

    @property
    def crime_types(self) -> list[str]:
        return sorted({r.label for r in self.crimes})

    @property
    def listed(self) -> bool:
        return bool(self.listings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "schema": self.schema,
            "caption": self.caption,
            "members": self.members,
            "aliases": self.aliases,
            "datasets": sorted(self.datasets),
            "agencies": sorted(self.agencies),
            "countries": self.country_codes,
            "crimes": self.crime_types,
            "listings": [r.to_dict() for r in self.listings],
        }


@dataclass(slots=True)
class Participation:
    node: str
    role: str | None
    sources: tuple[Source, ...]


@dataclass(slots=True)
class Occasion:
    """A seizure, case, interdiction or event: who was in it, when, where, about what."""

    id: str
    schema: str
    caption: str
    date: str | None = None
    countries: set[str] = field(default_factory=set)
    crimes: list[Reason] = field(default_factory=list)
    participants: list[Participation] = field(default_factory=list)
    agencies: set[str] = field(default_factory=set)

    def label(self) -> str:
        when = f", {self.date}" if self.date else ""
        return f"{self.schema} {self.caption}{when}"


@dataclass(frozen=True, slots=True)
class Hub:
    """A value or occasion left out because too many entities share it (a switchboard)."""

    kind: str
    value: str
    entities: int


@dataclass
class EntityGraph:
    """What one viewer may see, as a graph, at one data version."""

    viewer: str
    version: str
    nodes: list[Node]
    edges: list[Edge]
    occasions: dict[str, Occasion]
    core: Core
    kind_bits: dict[str, int]
    edge_kinds: np.ndarray  # uint64 bit set of each edge's kinds
    hubs: list[Hub] = field(default_factory=list)
    node_occasions: dict[str, list[str]] = field(default_factory=dict)
    index: dict[str, int] = field(default_factory=dict)
    canonical: dict[str, str] = field(default_factory=dict)  # record id → canonical, if merged

    def __post_init__(self) -> None:
        if not self.index:
            self.index = {node.id: i for i, node in enumerate(self.nodes)}
            for i, node in enumerate(self.nodes):
                self.index.update((alias, i) for alias in node.aliases)

    def node(self, node_id: str) -> Node:
        """A node by its canonical id (or the id of a record taken as the same holder)."""
        return self.nodes[self.index[node_id]]

    def has(self, node_id: str) -> bool:
        return node_id in self.index

    def edge_between(self, a: str, b: str) -> Edge | None:
        eid = self.core.graph.get_eid(self.index[a], self.index[b], directed=False, error=False)
        return None if eid < 0 else self.edges[eid]

    def kinds(self) -> list[str]:
        return sorted(self.kind_bits)

    def mask(self, kinds: set[str] | None) -> np.ndarray | None:
        """Edges having at least one of these kinds (None: every edge)."""
        if kinds is None:
            return None
        bits = 0
        for kind in kinds:
            bits |= self.kind_bits.get(kind, 0)
        return np.asarray((self.edge_kinds & np.uint64(bits)) != 0, dtype=bool)

    def stats(self) -> dict[str, Any]:
        return {
            "viewer": self.viewer,
            "version": self.version,
            "nodes": len(self.nodes),
            "edges": len(self.edges),
            "facts": sum(len(e.facts) for e in self.edges),
            "occasions": len(self.occasions),
            "hubs_left_out": len(self.hubs),
            "kinds": {
                kind: int(((self.edge_kinds & np.uint64(bit)) != 0).sum())
                for kind, bit in sorted(self.kind_bits.items())
            },
        }
