"""Builds the entity graph a viewer may see from what their `Reader` returns: canonical entities
become nodes; FtM links, entity-typed properties, co-occurrence in one occasion and shared
phones, accounts, vehicles and addresses become facts, aggregated into weighted edges.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from followthemoney import registry
from followthemoney.exc import InvalidData
from followthemoney.schema import Schema

from nexus.graph import vocabulary as vocab
from nexus.graph.core import build_core
from nexus.graph.elements import (
    Edge,
    EntityGraph,
    Fact,
    Flow,
    Hub,
    Node,
    Occasion,
    Participation,
    Reason,
    Source,
)
from nexus.graph.options import GraphOptions
from nexus.model import model
from nexus.policy import Reader
from nexus.store import ID_PROP, StoredStatement

# Property types worth keeping from the statement stream (free text and HTML are not).
_KEPT_TYPES = frozenset({"entity", "date", "country", "phone", "address", "number", "name"})
_KEPT_PROPS = (
    vocab.CRIME_PROPS
    | vocab.LISTING_PROPS
    | {
        "role",
        "currency",
        "accountNumber",
        "iban",
        "registrationNumber",
        "caseNumber",
        "unscId",
        "authority",
        ID_PROP,
    }
)
_ACCOUNT_NUMBERS = ("iban", "accountNumber")
_HAS_NUMBER = re.compile(r"\d")
_HOLDING_EVIDENCE = 6
_FINANCIAL_KINDS = frozenset({"payment", "account", "shared_account"})


@dataclass
class _Entity:
    """One canonical entity's kept statements, by property."""

    id: str
    schemata: Counter[str] = field(default_factory=Counter)
    members: set[str] = field(default_factory=set)
    props: dict[str, list[StoredStatement]] = field(default_factory=lambda: defaultdict(list))
    datasets: set[str] = field(default_factory=set)
    agencies: set[str] = field(default_factory=set)

    def first(self, *props: str) -> str | None:
        for prop in props:
            found = self.props.get(prop)
            if found:
                if len(found) == 1:
                    return found[0].value
                return Counter(s.value for s in found).most_common(1)[0][0]
        return None


def _schema(entity: _Entity) -> Schema | None:
    """The most specific schema all of the entity's records agree on."""
    found: Schema | None = None
    for name, _count in entity.schemata.most_common():
        schema = model.get(name)
        if schema is None:
            continue
        if found is None:
            found = schema
            continue
        try:
            found = model.common_schema(found, schema)
        except InvalidData:
            continue  # records resolution merged across incompatible schemata: keep the first
    return found


class _Builder:
    def __init__(self, options: GraphOptions) -> None:
        self.options = options
        self.entities: dict[str, _Entity] = {}
        self.canonical: dict[str, str] = {}
        self.schemata: dict[str, Schema] = {}
        self.sources: dict[str, Source] = {}
        self.nodes: dict[str, Node] = {}
        self.occasions: dict[str, Occasion] = {}
        self.facts: list[Fact] = []
        self.hubs: list[Hub] = []
        self.holdings: dict[tuple[str, str], list[Source]] = defaultdict(list)
        self.rep: dict[str, str] = {}  # node → the node it is taken to be (same holder)

    # -- reading -------------------------------------------------------------------------------
    def read(self, statements: Iterable[StoredStatement]) -> None:
        for stmt in statements:
            entity = self.entities.get(stmt.canonical_id)
            if entity is None:
                entity = self.entities[stmt.canonical_id] = _Entity(stmt.canonical_id)
            self.canonical[stmt.entity_id] = stmt.canonical_id
            entity.members.add(stmt.entity_id)
            entity.datasets.add(stmt.dataset)
            entity.agencies.add(stmt.marking.agency)
            if stmt.prop == ID_PROP:
                entity.schemata[stmt.schema] += 1
            if stmt.prop_type in _KEPT_TYPES or stmt.prop in _KEPT_PROPS:
                entity.props[stmt.prop].append(stmt)
        for entity in self.entities.values():
            if not entity.schemata:  # no id statement visible: fall back to the statements'
                entity.schemata.update(s.schema for ss in entity.props.values() for s in ss)
            schema = _schema(entity)
            if schema is not None:
                self.schemata[entity.id] = schema

    def source(self, stmt: StoredStatement) -> Source:
        found = self.sources.get(stmt.id)
        if found is None:
            found = self.sources[stmt.id] = Source(
                stmt.id, stmt.dataset, stmt.origin, stmt.marking.agency, stmt.marking.label()
            )
        return found

    def target(self, stmt: StoredStatement) -> str | None:
        """The canonical id an entity-typed statement points at, if the viewer sees it."""
        return self.canonical.get(stmt.value)

    # -- entities ------------------------------------------------------------------------------
    def classify(self) -> tuple[list[_Entity], list[_Entity], list[_Entity]]:
        links, occasions, sanctions = [], [], []
        for entity in self.entities.values():
            schema = self.schemata.get(entity.id)
            if schema is None:
                continue
            if schema.is_a("Sanction"):
                sanctions.append(entity)
            elif vocab.is_occasion(schema):
                occasions.append(entity)
                self.occasions[entity.id] = self.occasion(entity, schema)
            elif schema.edge:
                links.append(entity)
            elif vocab.is_node(schema):
                self.nodes[entity.id] = self.node(entity, schema)
        return links, occasions, sanctions

    def caption(self, entity: _Entity, schema: Schema) -> str:
        for prop in (*schema.caption, "name"):
            value = entity.first(prop)
            if value:
                return value
        return f"{schema.label} {entity.id[:10]}"

    def node(self, entity: _Entity, schema: Schema) -> Node:
        node = Node(
            entity.id,
            schema.name,
            self.caption(entity, schema),
            members=len(entity.members),
            actor=vocab.is_actor(schema),
            datasets=set(entity.datasets),
            agencies=set(entity.agencies),
        )
        for prop, stmts in entity.props.items():
            for stmt in stmts:
                if stmt.prop_type == "country":
                    text = f"{prop}: {stmt.value}"
                    node.countries.append(Reason(stmt.value, text, (self.source(stmt),)))
                elif stmt.prop_type == "phone":
                    country = registry.phone.country_hint(stmt.value)
                    if country:
                        text = f"phone {stmt.value}"
                        node.countries.append(Reason(country, text, (self.source(stmt),)))
                if prop in vocab.LISTING_PROPS and vocab.lists(prop, stmt.value):
                    text = f"{prop}: {stmt.value}"
                    node.listings.append(Reason("listed", text, (self.source(stmt),)))
                if prop == "topics":
                    for crime in vocab.crimes_in(stmt.value):
                        text = f"topic {stmt.value}"
                        node.crimes.append(Reason(crime, text, (self.source(stmt),)))
        return node

    def occasion(self, entity: _Entity, schema: Schema) -> Occasion:
        date = entity.first(*schema.temporal_start)
        occasion = Occasion(
            entity.id,
            schema.name,
            self.caption(entity, schema),
            date=date,
            agencies=set(entity.agencies),
        )
        for prop, stmts in entity.props.items():
            for stmt in stmts:
                if stmt.prop_type == "country":
                    occasion.countries.add(stmt.value)
                if prop in vocab.CRIME_PROPS:
                    for crime in vocab.crimes_in(stmt.value):
                        text = f"{prop}: {stmt.value}"
                        occasion.crimes.append(Reason(crime, text, (self.source(stmt),)))
        return occasion

    # -- facts ---------------------------------------------------------------------------------
    def fact(self, fact: Fact) -> None:
        if fact.source == fact.target:
            return  # resolution made both ends one entity: not a link
        self.facts.append(fact)
        if fact.kind in vocab.HOLDING_KINDS:
            # Which actor uses which asset; a few facts say it as well as a thousand payments.
            held = self.holdings[(fact.source, fact.target)]
            if len(held) < _HOLDING_EVIDENCE:
                held.extend(fact.sources)

    def participate(
        self, occasion: str, node: str, role: str | None, sources: Iterable[Source]
    ) -> None:
        self.occasions[occasion].participants.append(Participation(node, role, tuple(sources)))

    def ends(self, entity: _Entity, prop: str | None) -> list[tuple[str, StoredStatement]]:
        if prop is None:
            return []
        found = []
        for stmt in entity.props.get(prop, ()):
            target = self.target(stmt)
            if target is not None:
                found.append((target, stmt))
        return found

    def link(self, entity: _Entity) -> None:
        schema = self.schemata[entity.id]
        kind = vocab.snake(schema.name)
        role = entity.first("role")
        date = entity.first(*schema.temporal_start)
        amount_text = entity.first("amount")
        amount = _number(amount_text)
        currency = entity.first("currency")
        sources = self.ends(entity, schema.edge_source)
        targets = self.ends(entity, schema.edge_target)
        if schema.is_a("Payment"):
            sources, targets = self.payment_ends(entity, sources, targets)
        for a, a_stmt in sources:
            for b, b_stmt in targets:
                evidence = (self.source(a_stmt), self.source(b_stmt))
                if a in self.nodes and b in self.nodes:
                    self.fact(
                        Fact(
                            kind,
                            a,
                            b,
                            evidence,
                            via=entity.id,
                            role=role,
                            date=date,
                            amount=amount,
                            currency=currency if amount is not None else None,
                        )
                    )
                elif a in self.nodes and b in self.occasions:
                    self.participate(b, a, role, evidence)
                elif b in self.nodes and a in self.occasions:
                    self.participate(a, b, role, evidence)

    def payment_ends(
        self,
        entity: _Entity,
        payers: list[tuple[str, StoredStatement]],
        beneficiaries: list[tuple[str, StoredStatement]],
    ) -> tuple[list[tuple[str, StoredStatement]], list[tuple[str, StoredStatement]]]:
        """A payment links payer to beneficiary; each party to the account it used; and, where
        a party is not named, its account stands in for it."""
        sides = {"payer": payers, "beneficiary": beneficiaries}
        for account_prop, side in vocab.PAYMENT_ACCOUNTS.items():
            accounts = [a for a in self.ends(entity, account_prop) if a[0] in self.nodes]
            parties = [p for p in sides[side] if p[0] in self.nodes]
            for party, p_stmt in parties:
                for account, a_stmt in accounts:
                    evidence = (self.source(p_stmt), self.source(a_stmt))
                    self.fact(Fact("account", party, account, evidence, via=entity.id, role=side))
            if not parties:
                sides[side] = accounts
        return sides["payer"], sides["beneficiary"]

    def properties(self, entity: _Entity) -> None:
        """Entity-typed properties of nodes and occasions (Vehicle.owner, Seizure.vehicle …)."""
        schema = self.schemata[entity.id]
        for prop_name, stmts in entity.props.items():
            prop = schema.get(prop_name)
            if prop is None or prop.type != registry.entity or prop_name in vocab.SKIPPED_PROPS:
                continue
            for stmt in stmts:
                other = self.target(stmt)
                if other is None or other == entity.id:
                    continue
                evidence = (self.source(stmt),)
                if entity.id in self.nodes and other in self.nodes:
                    self.fact(Fact(vocab.snake(prop_name), entity.id, other, evidence))
                elif entity.id in self.nodes and other in self.occasions:
                    self.participate(other, entity.id, prop.label.lower(), evidence)
                elif entity.id in self.occasions and other in self.nodes:
                    self.participate(entity.id, other, prop.label.lower(), evidence)

    def sanction(self, entity: _Entity) -> None:
        label = " ".join(
            v
            for v in (entity.first("authority"), entity.first("program"), entity.first("unscId"))
            if v
        )
        for target, stmt in self.ends(entity, "entity"):
            node = self.nodes.get(target)
            if node is not None:
                text = f"sanctioned: {label or 'listed'}"
                node.listings.append(Reason("sanctioned", text, (self.source(stmt),)))

    # -- co-occurrence and shared values -------------------------------------------------------
    def co_occurrence(self) -> dict[str, list[str]]:
        by_node: dict[str, list[str]] = defaultdict(list)
        for occasion in self.occasions.values():
            kind = vocab.occasion_kind(occasion.schema)
            parties: dict[str, list[Participation]] = defaultdict(list)
            for part in occasion.participants:
                parties[self.rep.get(part.node, part.node)].append(part)
            for node_id, parts in parties.items():
                by_node[node_id].append(occasion.id)
                node = self.nodes[node_id]
                own = tuple(s for p in parts for s in p.sources)
                for reason in occasion.crimes:
                    text = f"in {occasion.label()} ({reason.text})"
                    node.crimes.append(Reason(reason.label, text, own + reason.sources))
                for country in sorted(occasion.countries):
                    node.countries.append(Reason(country, f"in {occasion.label()}", own))
            if len(parties) > self.options.occasion_limit:
                self.hubs.append(Hub(kind, occasion.label(), len(parties)))
                continue
            weight = 1.0 / max(1, len(parties) - 1)
            label = occasion.label()
            for a, b in combinations(sorted(parties), 2):
                roles = [r for r in (_roles(parties[a]), _roles(parties[b])) if r]
                evidence = tuple(
                    dict.fromkeys(s for p in (*parties[a], *parties[b]) for s in p.sources)
                )
                self.fact(
                    Fact(
                        kind,
                        a,
                        b,
                        evidence,
                        via=occasion.id,
                        via_label=label,
                        role=" / ".join(roles) or None,
                        date=occasion.date,
                        weight=weight,
                    )
                )
            self.vehicle_holdings(parties)
        return by_node

    def vehicle_holdings(self, parties: dict[str, list[Participation]]) -> None:
        """An actor in the same seizure as a vehicle was using it."""
        vehicles = [n for n in parties if _is_a(self.nodes[n].schema, "Vehicle")]
        for vehicle in vehicles:
            for actor in parties:
                held = self.holdings[(actor, vehicle)]
                if self.nodes[actor].actor and len(held) < _HOLDING_EVIDENCE:
                    held.extend(s for p in (*parties[actor], *parties[vehicle]) for s in p.sources)

    def shared_values(self) -> None:
        holders: dict[tuple[str, str], dict[str, list[Source]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for node in self.nodes.values():
            if not node.actor:
                continue
            entity = self.entities[node.id]
            holder = self.rep.get(node.id, node.id)
            for stmt in entity.props.get("phone", ()):
                holders[("phone", stmt.value)][holder].append(self.source(stmt))
            for stmt in entity.props.get("address", ()):
                if self.options.address_needs_number and not _HAS_NUMBER.search(stmt.value):
                    continue
                value = " ".join(re.findall(r"\w+", stmt.value.casefold()))
                holders[("address", value)][holder].append(self.source(stmt))
        for (a, b), sources in self.holdings.items():
            a, b = self.rep.get(a, a), self.rep.get(b, b)
            actor, asset = (a, b) if self.nodes[a].actor else (b, a)
            if not self.nodes[actor].actor or self.nodes[asset].actor:
                continue
            props: tuple[str, ...]
            if _is_a(self.nodes[asset].schema, "BankAccount"):
                what, props = "account", _ACCOUNT_NUMBERS
            elif _is_a(self.nodes[asset].schema, "Vehicle"):
                what, props = "vehicle", ("registrationNumber",)
            else:
                continue
            for prop in props:
                for stmt in self.entities[asset].props.get(prop, ()):
                    found = holders[(what, _identifier(stmt.value))][actor]
                    found.extend((*sources, self.source(stmt)))
        for (what, value), by_actor in holders.items():
            kind = vocab.SHARED_KINDS[what]
            if len(by_actor) > self.options.hub_limit:
                self.hubs.append(Hub(kind, value, len(by_actor)))
                continue
            for a, b in combinations(sorted(by_actor), 2):
                evidence = tuple(dict.fromkeys((*by_actor[a], *by_actor[b])))
                self.fact(Fact(kind, a, b, evidence, value=value))

    # -- assembling ----------------------------------------------------------------------------
    def graph(self, viewer: str, version: str) -> EntityGraph:
        links, occasions, sanctions = self.classify()
        for entity in links:
            self.link(entity)
        for entity in (*occasions, *(self.entities[n] for n in self.nodes)):
            self.properties(entity)
        for entity in sanctions:
            self.sanction(entity)
        if self.options.same_holder:
            self.contract_holders()
        node_occasions = self.co_occurrence()
        self.shared_values()
        self.drop_payment_hubs()
        return _assemble(self, viewer, version, node_occasions)

    # -- holders and hubs ----------------------------------------------------------------------
    def contract_holders(self) -> None:
        """Bank extracts name an account's holder as written on each transaction, one record
        per account and spelling; an account number with one name is one holder. Such records
        are taken as one node (the most specific one stands for them), statements untouched."""
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            while parent.get(x, x) != x:
                parent[x] = parent.get(parent[x], parent[x])
                x = parent[x]
            return x

        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for a, b in list(self.holdings):
            actor, asset = (a, b) if self.nodes[a].actor else (b, a)
            if not self.nodes[actor].actor or not _is_a(self.nodes[asset].schema, "BankAccount"):
                continue
            numbers = {
                _identifier(s.value)
                for p in _ACCOUNT_NUMBERS
                for s in self.entities[asset].props.get(p, ())
            }
            for number in numbers:
                for name in _name_keys(self.entities[actor]):
                    groups[(number, name)].append(actor)
        for members in groups.values():
            first = find(members[0])
            for other in members[1:]:
                root = find(other)
                if root != first:
                    parent[root] = first
        clusters: dict[str, list[str]] = defaultdict(list)
        for node_id in parent:
            clusters[find(node_id)].append(node_id)
        for members in clusters.values():
            chosen = min(members, key=self._standing)
            for member in members:
                if member != chosen:
                    self.rep[member] = chosen
                    self._absorb(self.nodes[chosen], self.nodes[member])

    def _standing(self, node_id: str) -> tuple[int, int, str]:
        """Which record stands for a holder: a Person or Company before a bare LegalEntity,
        then the one with more records."""
        node = self.nodes[node_id]
        generic = int(node.schema == "LegalEntity")
        return (generic, -node.members, node_id)

    @staticmethod
    def _absorb(into: Node, other: Node) -> None:
        into.aliases.append(other.id)
        into.members += other.members
        into.datasets |= other.datasets
        into.agencies |= other.agencies
        into.countries.extend(other.countries)
        into.crimes.extend(other.crimes)
        into.listings.extend(other.listings)

    def drop_payment_hubs(self) -> None:
        """A payee of many counterparties tied by nothing but payments is a utility or a shop:
        its payments would make everyone who pays a bill one network, so they are left out."""
        counterparties: dict[str, set[str]] = defaultdict(set)
        other_ties: set[str] = set()
        for fact in self.facts:
            a, b = self.rep.get(fact.source, fact.source), self.rep.get(fact.target, fact.target)
            if fact.kind == "payment":
                counterparties[a].add(b)
                counterparties[b].add(a)
            elif fact.kind not in _FINANCIAL_KINDS:
                other_ties.update((a, b))
        hubs = {
            node
            for node, others in counterparties.items()
            if len(others) > self.options.payment_hub and node not in other_ties
        }
        if not hubs:
            return
        for node in sorted(hubs):
            self.hubs.append(Hub("payment", self.nodes[node].caption, len(counterparties[node])))
        self.facts = [
            f
            for f in self.facts
            if f.kind != "payment"
            or (
                self.rep.get(f.source, f.source) not in hubs
                and self.rep.get(f.target, f.target) not in hubs
            )
        ]


def _assemble(
    builder: _Builder, viewer: str, version: str, node_occasions: dict[str, list[str]]
) -> EntityGraph:
    nodes = sorted(
        (n for n in builder.nodes.values() if n.id not in builder.rep), key=lambda n: n.id
    )
    index = {node.id: i for i, node in enumerate(nodes)}
    for alias, chosen in builder.rep.items():
        index[alias] = index[chosen]
    grouped: dict[tuple[int, int], list[Fact]] = defaultdict(list)
    for fact in builder.facts:
        a, b = index[fact.source], index[fact.target]
        if a == b:
            continue  # both ends taken as one holder
        grouped[(a, b) if a < b else (b, a)].append(fact)
    pairs = sorted(grouped)
    kinds = sorted({f.kind for f in builder.facts})
    # Kinds beyond 64 share the last bit: filtering on one of them then over-includes.
    kind_bits = {kind: 1 << min(i, 63) for i, kind in enumerate(kinds)}
    edges = []
    edge_kinds = np.zeros(len(pairs), dtype=np.uint64)
    weights = np.zeros(len(pairs))
    for i, pair in enumerate(pairs):
        facts = sorted(grouped[pair], key=lambda f: (f.date or "", f.kind))
        edge = Edge(i, nodes[pair[0]].id, nodes[pair[1]].id, facts, weight=_weight(facts))
        payments: dict[str, list[Fact]] = defaultdict(list)
        for fact in facts:
            edge_kinds[i] |= np.uint64(kind_bits[fact.kind])
            if fact.kind == "payment":
                payments["a>b" if index[fact.source] == pair[0] else "b>a"].append(fact)
        for direction, paid in payments.items():
            edge.flows[direction] = _flow(paid)
        weights[i] = edge.weight
        edges.append(edge)
    low = np.array([p[0] for p in pairs], dtype=np.int64)
    high = np.array([p[1] for p in pairs], dtype=np.int64)
    core = build_core(len(nodes), low, high, weights, simple=True)
    return EntityGraph(
        viewer=viewer,
        version=version,
        nodes=nodes,
        edges=edges,
        occasions=builder.occasions,
        core=core,
        kind_bits=kind_bits,
        edge_kinds=edge_kinds,
        hubs=sorted(builder.hubs, key=lambda h: (-h.entities, h.kind, h.value)),
        node_occasions={
            node: ids for node, ids in node_occasions.items() if node not in builder.rep
        },
        index=index,
        canonical={e: c for e, c in builder.canonical.items() if e != c},
    )


def _flow(payments: list[Fact]) -> Flow:
    """Payments one way, each counted once: two sources reporting the same amount on the same
    day (the sending and the receiving bank, a bank and an STR) report one payment, while one
    source reporting it twice reports two."""
    flow = Flow()
    same: dict[tuple[float | None, str | None, str], list[Fact]] = defaultdict(list)
    for fact in payments:
        same[(fact.amount, fact.currency, (fact.date or "")[:10])].append(fact)
    for (amount, currency, _day), group in same.items():
        per_source = Counter(s.dataset for f in group for s in f.sources[:1])
        for _ in range(max(per_source.values())):
            flow.add(amount, currency, min(f.date or "" for f in group) or None)
    return flow


def _weight(facts: list[Fact]) -> float:
    """Co-occurrences add up (1 / (participants - 1) each); other kinds count once per kind,
    with a logarithmic bonus for repetition (twenty payments are more than one, not twenty)."""
    by_kind: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        by_kind[fact.kind].append(fact)
    total = 0.0
    for kind, group in by_kind.items():
        if vocab.kind_family(kind) == "co-occurrence":
            total += sum(f.weight for f in group)
        else:
            total += vocab.kind_weight(kind) * (1.0 + math.log2(len(group)))
    return total


def _is_a(schema: str, parent: str) -> bool:
    found = model.get(schema)
    return found is not None and found.is_a(parent)


def _roles(parts: list[Participation]) -> str:
    return ", ".join(sorted({p.role for p in parts if p.role}))


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _name_keys(entity: _Entity) -> set[str]:
    """Names as sorted lower-case words, so "ZAIDI, Ghulam Nabi" is "Ghulam Nabi Zaidi"."""
    keys = set()
    for prop in ("name", "alias"):
        for stmt in entity.props.get(prop, ()):
            words = sorted(re.findall(r"\w+", stmt.value.casefold()))
            if words:
                keys.add(" ".join(words))
    return keys


def _identifier(value: str) -> str:
    return re.sub(r"[\W_]+", "", value).upper()


def build_graph(
    statements: Iterable[StoredStatement],
    *,
    viewer: str,
    version: str = "",
    options: GraphOptions | None = None,
) -> EntityGraph:
    """The graph of a stream of visible statements (ordered or not)."""
    builder = _Builder(options or GraphOptions())
    builder.read(statements)
    return builder.graph(viewer, version)


def read_graph(
    reader: Reader, options: GraphOptions | None = None, version: str = ""
) -> EntityGraph:
    """The graph of everything the reader's viewer may see (one audited read)."""
    return build_graph(
        reader.iter_statements(), viewer=reader.viewer.name, version=version, options=options
    )
