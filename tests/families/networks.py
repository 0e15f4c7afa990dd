"""A family of criminal networks hidden in a society, drawn per seed, apart from `nexus.scenario`.

Each seed draws:

- 3 to 5 planted networks of 6 to 60 people, each with its own density and hierarchy: one or
  two leaders tied to many members, lieutenants tied to the leaders and to each other, members
  tied to a lieutenant and to some other members, couriers (peripheral people) with one or two
  ties into the network;
- 2 to 4 brokers, each with a few strong ties (repeated facts) into two or three networks;
- thousands of bystanders in households (family ties) with sparse acquaintances between them;
- 2 to 5 bystander hubs (a lawyer, a transporter, a shopkeeper) tied to 30 to 300 people drawn
  from everyone, so mostly bystanders who do not know each other;
- noise ties between network members and bystanders (relatives, neighbours);
- with `trade=True`, money besides (drawn from a stream of its own, so the ties above are the
  same draw): 5 to 19 shops and utilities each paid by 8 to 40 payers drawn from everyone, 1
  to 3 employers each paying 8 to 40 bystanders, and, in most networks of ten or more, a
  collector: an account tied to nothing but payments from 8 to 15 of the network's members,
  paying on to its chief (it is of the network, however much it looks like a shop).

`NetworkWorld.graph()` builds the `EntityGraph` the analyses of `nexus.graph` read (one node
per person, one fact per tie, weights as the graph builder gives them), so twenty seeds run in
seconds; the truth (members, leaders, brokers, hubs) is kept by person id.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from nexus.graph.core import build_core
from nexus.graph.elements import Edge, EntityGraph, Fact, Flow, Node, Source
from nexus.graph.vocabulary import kind_weight

SIZES = {"small": (700, 1_400), "full": (2_500, 5_000)}  # bystanders per seed


@dataclass
class Planted:
    """One planted network: its members (all of them), its leaders (the chief first)."""

    number: int
    members: list[str]
    leaders: list[str]
    lieutenants: list[str]
    couriers: list[str]
    density: float
    hierarchy: float


@dataclass
class NetworkWorld:
    seed: int
    people: list[str]
    ties: list[tuple[str, str, str, int]]  # a, b, kind, facts
    networks: list[Planted]
    brokers: dict[str, list[int]]  # broker → the networks it ties
    hubs: dict[str, int]  # hub → ties drawn
    bystanders: int
    payments: list[tuple[str, str, int]] = field(default_factory=list)  # payer, payee, count
    traders: dict[str, str] = field(default_factory=dict)  # shop or employer → its kind
    collectors: dict[str, int] = field(default_factory=dict)  # collector → its network
    _graph: EntityGraph | None = field(default=None, repr=False)

    @property
    def chiefs(self) -> list[str]:
        return [n.leaders[0] for n in self.networks]

    def entities(self) -> list[dict[str, object]]:
        """The world as FtM entities: people, and an Associate or Family link per fact;
        traders and collectors as legal entities and their payments."""
        found: list[dict[str, object]] = [
            {"id": p, "schema": "Person", "properties": {"name": [p.replace("-", " ")]}}
            for p in self.people
        ]
        for p in [*self.traders, *self.collectors]:
            found.append({"id": p, "schema": "LegalEntity", "properties": {"name": [p]}})
        for payer, payee, count in self.payments:
            for repeat in range(count):
                found.append(
                    {
                        "id": f"{payer}.{payee}.payment.{repeat}",
                        "schema": "Payment",
                        "properties": {"payer": [payer], "beneficiary": [payee]},
                    }
                )
        for a, b, kind, count in self.ties:
            schema, ends = (
                ("Family", ("person", "relative"))
                if kind == "family"
                else ("Associate", ("person", "associate"))
            )
            for repeat in range(count):
                found.append(
                    {
                        "id": f"{a}.{b}.{kind}.{repeat}",
                        "schema": schema,
                        "properties": {ends[0]: [a], ends[1]: [b], "relationship": [kind]},
                    }
                )
        return found

    def graph(self) -> EntityGraph:
        """The entity graph of this world (built once)."""
        if self._graph is None:
            self._graph = _entity_graph(self)
        return self._graph


def generate(seed: int, size: str = "small", trade: bool = False) -> NetworkWorld:
    rng = np.random.default_rng(seed)
    ties: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)

    def tie(a: int, b: int, kind: str = "associate", facts: int = 1) -> None:
        if a != b:
            ties[(min(a, b), max(a, b))][kind] += facts

    networks: list[list[int]] = []
    planted = []
    next_id = 0
    for number in range(int(rng.integers(3, 6))):
        n = round(math.exp(rng.uniform(math.log(6), math.log(60))))
        people = list(range(next_id, next_id + n))
        next_id += n
        hierarchy = float(rng.uniform(0.0, 1.0))
        density = float(rng.uniform(0.06, 0.3))
        leaders_n = 2 if n >= 12 and rng.random() < 0.35 else 1
        couriers_n = max(1, round(n * rng.uniform(0.1, 0.3)))
        lieutenants_n = max(1, round(n * rng.uniform(0.1, 0.25)))
        lieutenants_n = min(lieutenants_n, n - leaders_n - couriers_n - 1)
        leaders = people[:leaders_n]
        lieutenants = people[leaders_n : leaders_n + lieutenants_n]
        couriers = people[n - couriers_n :]
        members = people[leaders_n + lieutenants_n : n - couriers_n]
        kinds = ["associate", "family"]
        led: set[int] = set()
        for i, a in enumerate(leaders):
            for b in leaders[i + 1 :]:
                tie(a, b, "associate", 2)
            for b in lieutenants:
                tie(a, b, str(rng.choice(kinds, p=[0.8, 0.2])), int(rng.integers(1, 3)))
            # A leader has many ties inside: most members, more in a hierarchy.
            share = 0.6 + 0.35 * hierarchy
            for b in rng.choice(members, size=round(len(members) * share), replace=False):
                tie(a, int(b), "associate")
                led.add(int(b))
        for i, a in enumerate(lieutenants):
            for b in lieutenants[i + 1 :]:
                if rng.random() < 0.3 + 0.4 * hierarchy:
                    tie(a, b)
        for i, a in enumerate(members):
            if a not in led or rng.random() < 0.3:  # the others answer to a lieutenant
                tie(a, int(rng.choice(lieutenants)))
            for b in members[i + 1 :]:
                if rng.random() < density:
                    tie(a, b, str(rng.choice(kinds, p=[0.85, 0.15])))
            if not members[i + 1 :] and rng.random() < density:
                tie(a, int(rng.choice(leaders)))
        inner = lieutenants + members
        for a in couriers:
            for b in rng.choice(
                inner, size=min(len(inner), int(rng.integers(1, 3))), replace=False
            ):
                tie(a, int(b))
        networks.append(people)
        planted.append((number, leaders, lieutenants, couriers, density, hierarchy))

    brokers: dict[int, list[int]] = {}
    for _ in range(int(rng.integers(2, 5))):
        broker = next_id
        next_id += 1
        reach = 3 if len(networks) >= 3 and rng.random() < 0.25 else 2
        chosen = rng.choice(len(networks), size=reach, replace=False).tolist()
        brokers[broker] = sorted(chosen)
        for k in chosen:
            number, leaders, lieutenants, _c, _d, _h = planted[k]
            top = leaders + lieutenants
            for b in rng.choice(top, size=min(len(top), int(rng.integers(1, 3))), replace=False):
                tie(broker, int(b), "associate", int(rng.integers(2, 4)))

    low, high = SIZES[size]
    bystanders_n = int(rng.integers(low, high + 1))
    first = next_id
    bystanders = np.arange(first, first + bystanders_n)
    next_id += bystanders_n
    # Households of 1 to 4 with family ties, then sparse acquaintances across society.
    position = 0
    while position < bystanders_n:
        size_h = int(rng.integers(1, 5))
        home = bystanders[position : position + size_h].tolist()
        for i, a in enumerate(home):
            for b in home[i + 1 :]:
                tie(a, b, "family")
        position += size_h
    mean_degree = float(rng.uniform(0.8, 2.2))
    for _ in range(int(bystanders_n * mean_degree / 2)):
        a, b = rng.choice(bystanders, size=2, replace=False).tolist()
        tie(a, b, "associate")
    everyone = np.arange(next_id)
    for people in networks:  # relatives and neighbours outside the network
        share = float(rng.uniform(0.1, 0.4))
        for a in people:
            if rng.random() < share:
                tie(a, int(rng.choice(bystanders)), str(rng.choice(["family", "associate"])))
    for broker in brokers:
        for b in rng.choice(bystanders, size=int(rng.integers(0, 4)), replace=False).tolist():
            tie(broker, b, "associate")

    hubs: dict[int, int] = {}
    for _ in range(int(rng.integers(2, 6))):
        hub = next_id
        next_id += 1
        degree = int(min(rng.uniform(30, 300), bystanders_n // 4))
        hubs[hub] = degree
        kind = str(rng.choice(["representation", "associate", "employment"]))
        for b in rng.choice(everyone, size=degree, replace=False).tolist():
            tie(hub, b, kind)

    # Person ids in an order that says nothing about who is who.
    order = rng.permutation(next_id)
    name = {i: f"person-{int(order[i]):05d}" for i in range(next_id)}
    world = NetworkWorld(
        seed=seed,
        people=sorted(name.values()),
        ties=[
            (name[a], name[b], kind, count)
            for (a, b), kinds_ in sorted(ties.items())
            for kind, count in sorted(kinds_.items())
        ],
        networks=[
            Planted(
                number,
                [name[p] for p in networks[number]],
                [name[p] for p in leaders],
                [name[p] for p in lieutenants],
                [name[p] for p in couriers],
                density,
                hierarchy,
            )
            for number, leaders, lieutenants, couriers, density, hierarchy in planted
        ],
        brokers={name[b]: ks for b, ks in brokers.items()},
        hubs={name[h]: d for h, d in hubs.items()},
        bystanders=bystanders_n,
    )
    if trade:
        _trade(world, np.random.default_rng([seed, 1]), [[name[p] for p in n] for n in networks])
    return world


def _trade(world: NetworkWorld, rng: np.random.Generator, networks: list[list[str]]) -> None:
    """Shops, utilities and employers trading with the public; collectors paid by networks."""
    bystanders = [p for p in world.people if not any(p in n for n in networks)]

    def pay(payer: str, payee: str) -> None:
        world.payments.append((payer, payee, int(rng.integers(1, 4))))

    for k in range(int(rng.integers(5, 20))):
        shop = f"shop-{k:03d}"
        world.traders[shop] = "shop"
        for payer in rng.choice(world.people, size=int(rng.integers(8, 41)), replace=False):
            pay(str(payer), shop)
    for k in range(int(rng.integers(1, 4))):
        employer = f"employer-{k:02d}"
        world.traders[employer] = "employer"
        for payee in rng.choice(bystanders, size=int(rng.integers(8, 41)), replace=False):
            pay(employer, str(payee))
    for number, members in enumerate(networks):
        if len(members) < 10 or rng.random() < 0.25:
            continue
        collector = f"collector-{number}"
        world.collectors[collector] = number
        size = min(len(members) - 1, int(rng.integers(8, 16)))
        for payer in rng.choice(members[1:], size=size, replace=False):
            pay(str(payer), collector)
        pay(collector, world.networks[number].leaders[0])


def _entity_graph(world: NetworkWorld) -> EntityGraph:
    nodes = [Node(p, "Person", p.replace("person-", "Person "), actor=True) for p in world.people]
    nodes += [Node(p, "LegalEntity", p, actor=True) for p in [*world.traders, *world.collectors]]
    index = {node.id: i for i, node in enumerate(nodes)}
    grouped: dict[tuple[int, int], list[Fact]] = defaultdict(list)
    flows: dict[tuple[int, int], dict[str, Flow]] = defaultdict(dict)
    for a, b, kind, count in world.ties:
        i, j = sorted((index[a], index[b]))
        for repeat in range(count):
            source = Source(f"{a}:{b}:{kind}:{repeat}", "family_networks", "generated", "T", "")
            grouped[(i, j)].append(Fact(kind, nodes[i].id, nodes[j].id, (source,)))
    for payer, payee, count in world.payments:
        i, j = sorted((index[payer], index[payee]))
        way = "a>b" if index[payer] == i else "b>a"
        for repeat in range(count):
            source = Source(f"{payer}>{payee}:{repeat}", "family_networks", "generated", "T", "")
            grouped[(i, j)].append(Fact("payment", payer, payee, (source,)))
            flows[(i, j)].setdefault(way, Flow()).add(None, None, None)
    pairs = sorted(grouped)
    kinds = sorted({f.kind for facts in grouped.values() for f in facts})
    kind_bits = {kind: 1 << i for i, kind in enumerate(kinds)}
    edges, weights = [], np.zeros(len(pairs))
    edge_kinds = np.zeros(len(pairs), dtype=np.uint64)
    for e, (i, j) in enumerate(pairs):
        facts = grouped[(i, j)]
        per_kind = Counter(f.kind for f in facts)
        weight = sum(kind_weight(k) * (1.0 + math.log2(c)) for k, c in per_kind.items())
        for k in per_kind:
            edge_kinds[e] |= np.uint64(kind_bits[k])
        edges.append(Edge(e, nodes[i].id, nodes[j].id, facts, weight=weight, flows=flows[(i, j)]))
        weights[e] = weight
    low = np.array([p[0] for p in pairs], dtype=np.int64)
    high = np.array([p[1] for p in pairs], dtype=np.int64)
    return EntityGraph(
        viewer="family",
        version=f"networks-{world.seed}",
        nodes=nodes,
        edges=edges,
        occasions={},
        core=build_core(len(nodes), low, high, weights, simple=True),
        kind_bits=kind_bits,
        edge_kinds=edge_kinds,
        index=index,
    )


@dataclass
class Found:
    """How well one analysis recovered one world: per planted network, the share of its
    members in its most common group and that group's size over the network's; leaders and
    brokers among the top ten; hubs among them."""

    shares: list[float]
    ratios: list[float]
    sizes: list[int]
    leaders: float  # share of networks with a leader among the top ten
    brokers: float
    hubs_in_top: int
    led: list[bool]  # per network: one of its leaders among the top ten

    def leaders_of_size(self, least: int) -> float | None:
        hits = [hit for hit, n in zip(self.led, self.sizes, strict=True) if n >= least]
        return sum(hits) / len(hits) if hits else None

    def of_size(self, least: int) -> tuple[list[float], list[float]]:
        keep = [i for i, n in enumerate(self.sizes) if n >= least]
        return [self.shares[i] for i in keep], [self.ratios[i] for i in keep]


def score(world: NetworkWorld, group: dict[str, int | None], top_ten: list[str]) -> Found:
    """`group`: each person's core or community (None: in none); `top_ten`: the ranking."""
    sizes = Counter(g for g in group.values() if g is not None)
    shares, ratios = [], []
    for network in world.networks:
        counts = Counter(group.get(m) for m in network.members)
        counts.pop(None, None)
        if counts:
            best, held = counts.most_common(1)[0]
            shares.append(held / len(network.members))
            ratios.append(sizes[best] / len(network.members))
        else:
            shares.append(0.0)
            ratios.append(0.0)
    top = set(top_ten)
    led = [bool(top & set(n.leaders)) for n in world.networks]
    return Found(
        shares,
        ratios,
        [len(n.members) for n in world.networks],
        sum(led) / len(led),
        sum(b in top for b in world.brokers) / len(world.brokers),
        sum(h in top for h in world.hubs),
        led,
    )
