"""Builds the true world from a seed: networks and their people, fronts, vehicles, victims,
officials, events over time and sanctions listings, following the templates in data/networks.yml.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from nexus.scenario.gazetteer import Gazetteer, load_gazetteer
from nexus.scenario.model import (
    Event,
    Network,
    OnlineAccount,
    Organisation,
    Participant,
    Person,
    Place,
    SanctionsEntry,
    Sex,
    Vehicle,
    Victim,
    World,
)
from nexus.scenario.names import NameBank, load_names

DATA = Path(__file__).parent / "data" / "networks.yml"
SCALES = ("tiny", "small", "medium", "large")
START = dt.date(2023, 1, 1)

# Roles the agencies meet at the sharp end (arrested, intercepted) versus those they rarely see.
FRONTLINE = (
    "courier",
    "driver",
    "agent",
    "guide",
    "gunsmith",
    "operator",
    "money_mule",
    "boat_owner",
)
CHASSIS = ("NKR", "FVR", "KDH", "HZJ")  # chassis-number prefixes of common trucks and vans
REGION_NATIONALITY = {"afghanistan": "af", "iran": "ir"}
PLACE_REGION = {
    "Balochistan": "balochistan",
    "Khyber Pakhtunkhwa": "kp",
    "Punjab": "punjab",
    "Sindh": "sindh",
    "Islamabad": "islamabad",
    "Gilgit-Baltistan": "gb",
}


@cache
def scenario_config() -> dict[str, Any]:
    with DATA.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


@dataclass
class _Builder:
    """Holds the generator state while one world is built; discarded afterwards."""

    world: World
    rng: random.Random
    names: NameBank
    gazetteer: Gazetteer
    config: dict[str, Any]
    counters: dict[str, int]
    victim_of: dict[str, str]  # victim's Person.uid -> the Network.uid that victimised them

    def next_uid(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}{self.counters[prefix]:06d}"

    # -- identifiers -------------------------------------------------------------------------
    def cnic(self, region: str, sex: Sex) -> str:
        first = self.config["cnic_province"].get(region, "3")
        body = "".join(self.rng.choice("0123456789") for _ in range(11))
        last = self.rng.choice("13579" if sex == "male" else "02468")
        return f"{first}{body}{last}"

    def phone(self, country: str = "pk") -> str:
        rng = self.rng
        if country == "af":
            return f"+937{rng.randint(0, 9)}{rng.randint(1000000, 9999999)}"
        if country == "ir":
            return f"+989{rng.randint(10, 39)}{rng.randint(1000000, 9999999)}"
        if country == "ae":
            return f"+9715{rng.choice('0245')}{rng.randint(1000000, 9999999)}"
        prefix = rng.choice(self.config["mobile_prefixes"])
        return f"+923{prefix}{rng.randint(1000000, 9999999)}"

    def plate(self, region: str) -> str:
        pattern = self.rng.choice(
            self.config["plates"].get(region, self.config["plates"]["punjab"])
        )
        return "".join(str(self.rng.randint(0, 9)) if c == "#" else c for c in pattern)

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    # -- people --------------------------------------------------------------------------------
    def home_in(self, region: str) -> Place:
        if region in REGION_NATIONALITY:
            return self.rng.choice(self.gazetteer.places(REGION_NATIONALITY[region], "city")[:40])
        cities = [
            p
            for p in self.gazetteer.places("pk", "city")
            if PLACE_REGION.get(p.province or "") == region
        ]
        return self.rng.choice(cities or self.gazetteer.places("pk", "city"))

    def person(
        self,
        region: str,
        *,
        sex: Sex | None = None,
        role: str | None = None,
        network: str | None = None,
        age: tuple[int, int] = (20, 62),
        prefix: str = "P",
    ) -> Person:
        rng = self.rng
        sex = sex or ("male" if rng.random() < 0.93 else "female")
        nationality = REGION_NATIONALITY.get(region, "pk")
        years = rng.randint(*age)
        born = self.world.end - dt.timedelta(days=365 * years + rng.randint(0, 364))
        person = Person(
            uid=self.next_uid(prefix),
            given_name=self.names.given_name(rng, sex, region),
            family_name=self.names.family_name(rng, region),
            father_name=self.names.father_name(rng, region),
            sex=sex,
            birth_date=born,
            nationality=nationality,
            cnic=self.cnic(region, sex) if nationality == "pk" else None,
            phones=[self.phone(nationality) for _ in range(rng.choice((1, 1, 1, 2)))],
            home=self.home_in(region),
            network=network,
            role=role,
        )
        if role in ("leader", "financier", "hawala_dealer") and rng.random() < 0.6:
            title = self.names.title(rng)
            if title:
                person.titles.append(title)
        self.world.people[person.uid] = person
        return person

    def relative(self, of: Person, relation: str) -> Person:
        """A brother or son: same family and (for a brother) the same father's name."""
        region = _region_of(of)
        kin = self.person(region, sex="male", role="relative", network=None)
        kin.family_name = of.family_name
        if relation == "brother":
            kin.father_name = of.father_name
            if of.cnic and kin.cnic:  # siblings' CNICs share the district block
                kin.cnic = of.cnic[:5] + kin.cnic[5:]
        else:
            kin.father_name = of.given_name if not of.family_name else of.full_name
            kin.birth_date = of.birth_date + dt.timedelta(days=365 * self.rng.randint(20, 30))
        kin.home = of.home
        of.relatives.append(kin.uid)
        kin.relatives.append(of.uid)
        return kin

    def lookalike(self, of: Person, same_father: bool) -> Person:
        """A different person who shares the name (common names make names weak evidence)."""
        other = self.person(_region_of(of), sex=of.sex, role=None, network=None)
        other.given_name, other.family_name = of.given_name, of.family_name
        if same_father:
            other.father_name = of.father_name
        other.lookalike_of = of.uid
        return other


def _region_of(person: Person) -> str:
    if person.nationality == "af":
        return "afghanistan"
    if person.nationality == "ir":
        return "iran"
    if person.home is not None and person.home.province in PLACE_REGION:
        return PLACE_REGION[person.home.province]
    return "punjab"


def build_world(seed: int, scale: str) -> World:
    """The whole true world for a seed and scale; the same inputs always give the same world."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: use one of {', '.join(SCALES)}")
    config = scenario_config()
    params = config["scales"][scale]
    end = START + dt.timedelta(days=int(365 * params["years"]))
    world = World(seed=seed, scale=scale, start=START, end=end)
    builder = _Builder(world, random.Random(seed), load_names(), load_gazetteer(), config, {}, {})
    proscribed = _proscribed_groups(builder)
    by_key: dict[str, list[Network]] = {}
    for copy in range(params["network_copies"]):
        for template in config["networks"]:
            network = _network(builder, template, copy, params["member_factor"], proscribed)
            by_key.setdefault(template["key"], []).append(network)
    _bridges(builder, by_key)
    _officials(builder, by_key)
    _background(builder, params["background_people"])
    for networks in by_key.values():
        for network in networks:
            _network_events(builder, network, params["member_factor"])
    _coordination_events(builder, by_key)
    _sanctions(builder, proscribed, by_key)
    return world


# -- networks ----------------------------------------------------------------------------------
def _proscribed_groups(b: _Builder) -> list[Organisation]:
    groups = []
    for spec in b.config["proscribed"]:
        org = Organisation(
            uid=b.next_uid("O"),
            name=spec["name"],
            kind="proscribed",
            country="pk",
            proscribed=True,
            address=b.home_in(spec["region"]),
        )
        for _ in range(2):
            member = b.person(spec["region"], role="militant_leader", network=None)
            org.directors.append(member.uid)
        b.world.organisations[org.uid] = org
        groups.append(org)
    return groups


def _network(
    b: _Builder,
    template: dict[str, Any],
    copy: int,
    factor: int,
    proscribed: list[Organisation],
) -> Network:
    rng = b.rng
    uid = b.next_uid("N")
    name = template["name"] if copy == 0 else f"{template['name']} ({copy + 1})"
    route = [b.gazetteer.place(p) for p in template["route"]]
    network = Network(uid=uid, name=name, crimes=list(template["crimes"]), route=route)
    region = template["region"]
    for role, count in template["roles"].items():
        total = count if role == "leader" else count * factor
        for _ in range(total):
            member_region = region
            if role in ("guide", "hawala_dealer") and rng.random() < 0.35:
                member_region = "iran" if "Taftan" in template["route"] else "afghanistan"
            member = b.person(member_region, role=role, network=uid)
            network.members.append(member.uid)
            if role == "leader":
                network.leaders.append(member.uid)
                b.relative(member, "brother")
                if rng.random() < 0.5:
                    b.relative(member, "son")
            if role == "broker":
                network.brokers.append(member.uid)
            if rng.random() < 0.3:
                b.lookalike(member, same_father=rng.random() < 0.25)
    for front in template.get("fronts", []):
        place = rng.choice([p for p in route if p.country == "pk"] or route)
        org_name, legal_form = b.names.company_name(rng, front["kind"], place)
        org = Organisation(
            uid=b.next_uid("O"),
            name=org_name,
            kind=front["kind"],
            country="pk",
            registration_number=f"{rng.randint(1, 199999):07d}",
            legal_form=legal_form,
            address=place,
            owners=[network.leaders[0]],
            directors=[rng.choice(network.members)],
            network=uid,
            front=True,
            phones=[b.phone()],
        )
        b.world.organisations[org.uid] = org
        network.organisations.append(org.uid)
    if template.get("finances") == "proscribed" and proscribed:
        network.finances = proscribed[0].uid
    _vehicles_for(b, network, region)
    if "cyber_fraud" in network.crimes or "migrant_smuggling" in network.crimes:
        _online_presence(b, network)
    for _ in range(int(template.get("victims", 0)) * factor):
        _victim_person(b, network, template)
    b.world.networks[uid] = network
    return network


def _vehicles_for(b: _Builder, network: Network, region: str) -> None:
    for uid in network.members:
        person = b.world.people[uid]
        if person.role in ("driver", "courier", "boat_owner", "guide"):
            kind = (
                "boat" if person.role == "boat_owner" else b.rng.choice(("truck", "pickup", "car"))
            )
            plate = b.plate(region) if kind != "boat" else f"BFD-{b.rng.randint(1000, 9999)}"
            vehicle = Vehicle(
                uid=b.next_uid("V"),
                plate=plate,
                kind=kind,
                owner=uid,
                chassis=f"{b.rng.choice(CHASSIS)}{b.rng.randint(100000, 999999)}",
            )
            b.world.vehicles[vehicle.uid] = vehicle


def _online_presence(b: _Builder, network: Network) -> None:
    rng = b.rng
    leader = b.world.people[network.leaders[0]]
    stem = (leader.family_name or leader.given_name.split()[-1]).lower()
    handles = [
        ("social", "Facebook", f"{stem}.overseas.jobs{rng.randint(1, 99)}"),
        ("social", "TikTok", f"@{stem}_visa_{rng.randint(100, 999)}"),
        ("domain", "web", f"{stem}-overseas-{rng.randint(10, 99)}.pk"),
        (
            "crypto_wallet",
            "TRON",
            "T"
            + "".join(
                rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789")
                for _ in range(33)
            ),
        ),
    ]
    for kind, platform, handle in handles:
        account = OnlineAccount(
            uid=b.next_uid("W"),
            kind=kind,
            handle=handle,
            platform=platform,
            owner=leader.uid,
            network=network.uid,
        )
        b.world.online[account.uid] = account


def _victim_person(b: _Builder, network: Network, template: dict[str, Any]) -> None:
    rng = b.rng
    if "cyber_fraud" in network.crimes:
        person = b.person("punjab", role="victim", age=(19, 60))
        exploitation = "online_fraud"
    elif rng.random() < 0.8:
        person = b.person("punjab", role="migrant", sex="male", age=(16, 35))
        exploitation = "migrant_smuggling"
    else:
        person = b.person("punjab", role="victim", sex="female", age=(14, 30))
        exploitation = rng.choice(("sexual", "labour", "domestic_servitude"))
    person.network = None  # victims are not members
    b.world.victims.append(
        Victim(
            person=person.uid,
            exploitation=exploitation,
            age_at_event=0,  # set when the event that identifies them is made
            referred_to_protection=False,
            event="",
        )
    )
    b.victim_of[person.uid] = network.uid


def _bridges(b: _Builder, by_key: dict[str, list[Network]]) -> None:
    for link in b.config["links"]:
        for source, target in zip(by_key[link["from"]], by_key[link["to"]], strict=False):
            members = [u for u in source.members if b.world.people[u].role == link["role"]]
            if members:
                target.members.append(members[0])  # one person active in both networks


def _officials(b: _Builder, by_key: dict[str, list[Network]]) -> None:
    for spec in b.config["officials"]:
        for network in by_key[spec["network"]]:
            place = b.gazetteer.place(spec["place"])
            official = b.person(
                PLACE_REGION.get(place.province or "", "punjab"),
                role="official",
                network=network.uid,
            )
            official.occupation = f"{spec['designation']}, {spec['agency']}"
            official.home = place
            network.members.append(official.uid)


def _background(b: _Builder, count: int) -> None:
    regions = ("punjab", "punjab", "punjab", "sindh", "sindh", "kp", "balochistan", "islamabad")
    for _ in range(count):
        b.person(b.rng.choice(regions), role=None, network=None, prefix="B")


# -- events ------------------------------------------------------------------------------------
def _network_events(b: _Builder, network: Network, factor: int) -> None:
    template = next(t for t in b.config["networks"] if network.name.startswith(t["name"]))
    rng = b.rng
    world = b.world
    members = [world.people[u] for u in network.members if u in world.people]
    frontline = [p for p in members if p.role in FRONTLINE] or members
    managers = [p for p in members if p.role in ("leader", "broker", "financier", "facilitator")]
    vehicles = [v for v in world.vehicles.values() if v.owner in network.members]
    victims = [v for v in world.victims if b.victim_of.get(v.person) == network.uid]
    route_pk = [p for p in network.route if p.country == "pk"] or network.route
    count = 40 * factor
    for _ in range(count):
        date = b.date_between(world.start, world.end)
        # The FIU analyses; it does not seize or arrest.
        agency = rng.choice([a for a in template["agencies"] if a != "FMU"])
        is_smuggling = template["commodity"] == "migrants"
        kind = "interdiction" if is_smuggling else "seizure"
        if "cyber_fraud" in network.crimes or "hawala" in network.crimes:
            kind = "arrest"
        low, high = template["quantity"]
        quantity = round(rng.uniform(low, high), 1 if template["unit"] == "kg" else 0)
        event = Event(
            uid=b.next_uid("E"),
            kind=kind,
            date=date,
            agency=agency,
            place=rng.choice(route_pk),
            network=network.uid,
            commodity=template["commodity"],
            quantity=quantity,
            unit=template["unit"],
        )
        for person in rng.sample(frontline, k=min(len(frontline), rng.choice((1, 1, 2, 3)))):
            role = "arrested" if rng.random() < 0.75 else "absconder"
            event.participants.append(Participant(person.uid, role))
        if managers and rng.random() < 0.25:
            event.participants.append(Participant(rng.choice(managers).uid, "absconder"))
        if vehicles and kind == "seizure" and rng.random() < 0.7:
            event.vehicles.append(rng.choice(vehicles).uid)
        if is_smuggling and victims:
            chosen = rng.sample(victims, k=min(len(victims), rng.randint(1, 4)))
            for victim in chosen:
                if victim.event:
                    continue
                person = world.people[victim.person]
                victim.event = event.uid
                victim.age_at_event = (date - person.birth_date).days // 365
                victim.referred_to_protection = rng.random() < 0.55
                event.participants.append(
                    Participant(person.uid, "migrant" if person.role == "migrant" else "victim")
                )
        world.events[event.uid] = event
        _case_for(b, event)
    for victim in victims:  # victims never met at an interdiction surface as complainants
        person = world.people[victim.person]
        if not victim.event:
            complaint = Event(
                uid=b.next_uid("E"),
                kind="complaint",
                date=b.date_between(world.start, world.end),
                agency="FIA",
                place=person.home,
                network=network.uid,
                participants=[Participant(person.uid, "victim")],
            )
            if members:
                complaint.participants.append(Participant(rng.choice(frontline).uid, "accused"))
            world.events[complaint.uid] = complaint
            victim.event = complaint.uid
            victim.age_at_event = (complaint.date - person.birth_date).days // 365
            victim.referred_to_protection = rng.random() < 0.4
    for official in (p for p in members if p.role == "official"):
        corruption = Event(
            uid=b.next_uid("E"),
            kind="corruption",
            date=b.date_between(world.start, world.end),
            agency="FIA",
            place=official.home,
            network=network.uid,
            participants=[Participant(official.uid, "accused")],
            notes=f"Facilitation of {network.name} by {official.occupation}",
        )
        world.events[corruption.uid] = corruption
        _case_for(b, corruption)


def _case_for(b: _Builder, event: Event) -> None:
    """The case an event opens, and how it progresses through the courts over time."""
    rng = b.rng
    prefix = {"ANF": "ANF", "FIA": "FIA", "CUSTOMS": "CUS", "POLICE": "FIR", "CTD": "CTD"}.get(
        event.agency, event.agency
    )
    place = (event.place.name if event.place else "HQ")[:3].upper()
    event.reference = f"{prefix}-{place}-{rng.randint(1, 999):03d}/{event.date.year}"
    accused = [p for p in event.participants if p.role in ("arrested", "absconder", "accused")]
    if not accused:
        return
    case = Event(
        uid=b.next_uid("C"),
        kind="case",
        date=event.date,
        agency=event.agency,
        place=event.place,
        network=event.network,
        participants=[Participant(p.person, "accused") for p in accused],
        reference=event.reference,
        status="registered",
        case=event.uid,
    )
    b.world.events[case.uid] = case
    event.case = case.uid
    stage_date = event.date
    for stage, chance in (("charged", 0.8), ("prosecution", 0.75), ("verdict", 1.0)):
        if rng.random() > chance:
            return
        stage_date = stage_date + dt.timedelta(days=rng.randint(20, 240))
        if stage_date > b.world.end:
            return
        kind = stage
        if stage == "verdict":
            kind = "conviction" if rng.random() < 0.62 else "acquittal"
        step = Event(
            uid=b.next_uid("E"),
            kind=kind,
            date=stage_date,
            agency=event.agency,
            place=event.place,
            network=event.network,
            participants=list(case.participants),
            reference=case.reference,
            case=case.uid,
        )
        b.world.events[step.uid] = step
        case.status = kind


def _coordination_events(b: _Builder, by_key: dict[str, list[Network]]) -> None:
    rng = b.rng
    world = b.world
    partners = ("UNODC", "INTERPOL", "af", "ir", "ae")
    for networks in by_key.values():
        for network in networks:
            template = next(t for t in b.config["networks"] if network.name.startswith(t["name"]))
            for _ in range(3):
                agencies = sorted(
                    rng.sample(template["agencies"], k=min(2, len(template["agencies"])))
                )
                op = Event(
                    uid=b.next_uid("E"),
                    kind="joint_operation",
                    date=b.date_between(world.start, world.end),
                    agency=agencies[0],
                    place=rng.choice(network.route),
                    network=network.uid,
                    partners=sorted(set(agencies[1:] + rng.sample(partners, k=rng.randint(0, 2)))),
                    reference=f"OP-{rng.randint(100, 999)}",
                )
                world.events[op.uid] = op
            for _ in range(4):
                subject = rng.choice(network.members)
                request = Event(
                    uid=b.next_uid("E"),
                    kind="intelligence_request",
                    date=b.date_between(world.start, world.end),
                    agency=rng.choice(template["agencies"]),
                    network=network.uid,
                    participants=[Participant(subject, "subject")],
                    partners=[rng.choice((*partners, "ANF", "FIA", "CTD", "FMU"))],
                    status=rng.choice(("answered", "answered", "pending", "declined")),
                    reference=f"IR-{rng.randint(1000, 9999)}/{world.start.year}",
                )
                world.events[request.uid] = request


def _sanctions(
    b: _Builder, proscribed: list[Organisation], by_key: dict[str, list[Network]]
) -> None:
    for number, org in enumerate(proscribed, start=1):
        spec = b.config["proscribed"][number - 1]
        b.world.sanctions.append(
            SanctionsEntry(
                reference=f"QDe.{180 + number}",
                subject=org.uid,
                list_type=spec["list_type"],
                listed_on=b.date_between(dt.date(2015, 1, 1), dt.date(2022, 12, 31)),
                aliases=[("Good", alias) for alias in spec["aliases"]],
                narrative=f"{org.name} is a militant group funded through informal value transfer.",
            )
        )
        listed_people = list(org.directors)
        for network in by_key.get("hawala_tf", [])[:1]:
            listed_people += [u for u in network.members if b.world.people[u].role == "financier"]
        for offset, uid in enumerate(listed_people):
            person = b.world.people[uid]
            b.world.sanctions.append(
                SanctionsEntry(
                    reference=f"QDi.{430 + 10 * number + offset}",
                    subject=uid,
                    list_type=spec["list_type"],
                    listed_on=b.date_between(dt.date(2016, 1, 1), dt.date(2023, 6, 30)),
                    name_original_script=b.names.to_urdu(person.full_name),
                    narrative=f"Associated with {org.name}; raises and moves funds.",
                )
            )
