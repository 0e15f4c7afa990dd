"""What the graph is made of: which FtM schemata are nodes, links or occasions, the edge kinds
they give, how much each kind weighs, and the words that name crime types and listings.

Data, not logic: the builder and the analyses read these tables; docs/network.md prints them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from followthemoney.schema import Schema

from nexus.model import model

# Schemata whose entities are *occasions*: a seizure, case or event is not a node of its own;
# the people and things in it are tied to each other ("co-occurrence"), with it as evidence.
OCCASION_SCHEMATA = ("Event", "InvestigationCase", "CourtCase")

# Schemata that are neither nodes nor occasions: documents and reports are evidence, addresses
# are values, and these intervals only describe the entity they point at.
SKIPPED_SCHEMATA = ("Document", "Address", "Identification", "Note", "Mention")

# Entity-typed properties that are not relationships between the entities of the graph.
SKIPPED_PROPS = frozenset({"proof", "addressEntity", "riskSource", "ancestors", "bank"})

# Properties of a Payment naming the accounts used (the edge itself is payer → beneficiary).
PAYMENT_ACCOUNTS = {"payerAccount": "payer", "beneficiaryAccount": "beneficiary"}

# Kinds through which an actor holds or uses an asset: the basis of "shared account/vehicle".
HOLDING_KINDS = frozenset({"ownership", "owner", "operator", "holder", "account"})

# Kinds fall into three families: stated links, co-occurrence in an occasion, shared values.
FAMILIES = ("direct", "co-occurrence", "shared")

SHARED_KINDS = {
    "phone": "shared_phone",
    "address": "shared_address",
    "account": "shared_account",
    "vehicle": "shared_vehicle",
}

# Weight of one fact of a kind, before the per-kind repetition bonus (see `kind_weight`).
# Co-occurrence facts weigh 1 / (participants - 1) each (Newman's collaboration weighting):
# two people arrested together in one two-person seizure weigh as much as one family tie.
KIND_WEIGHTS: dict[str, float] = {
    "family": 1.0,
    "associate": 1.0,
    "membership": 1.0,
    "directorship": 1.0,
    "ownership": 1.0,
    "employment": 0.8,
    "representation": 0.8,
    "unknown_link": 0.8,
    "payment": 1.0,
    "account": 1.0,
    "owner": 1.0,
    "operator": 1.0,
    "holder": 1.0,
    "parent": 1.0,
    "shared_phone": 1.0,
    "shared_account": 1.0,
    "shared_vehicle": 0.5,
    "shared_address": 0.5,
}
DEFAULT_WEIGHT = 0.8

# Crime types, recognised in seizure commodities and categories, case offences and law
# sections, event summaries and FtM topics. Matching is on whole words, case-insensitive.
CRIME_WORDS: dict[str, tuple[str, ...]] = {
    "drugs": (
        "heroin",
        "opium",
        "morphine",
        "methamphetamine",
        "hashish",
        "charas",
        "cannabis",
        "narcotics",
        "narcotic",
        "drug",
        "drugs",
        "cnsa",
        "acetic anhydride",
        "precursor",
        "crime.traffick.drug",
    ),
    "arms": (
        "arms",
        "weapon",
        "weapons",
        "pistol",
        "rifle",
        "kalashnikov",
        "ammunition",
        "arms ordinance",
        "crime.traffick.arms",
    ),
    "migrant_smuggling": (
        "migrant",
        "migrants",
        "migrant smuggling",
        "human smuggling",
        "psma",
        "smuggled migrant",
        "emigration",
    ),
    "human_trafficking": (
        "human trafficking",
        "trafficking in persons",
        "ptpa",
        "trafficking victim",
        "crime.traffick.human",
    ),
    "money_laundering": ("money laundering", "amla", "hawala", "hundi", "crime.fin"),
    "terror_financing": ("terror financing", "terrorist financing", "11-n", "crime.terror"),
    "cyber_fraud": ("online fraud", "cyber", "peca", "job fraud", "crime.cyber", "crime.fraud"),
    "corruption": ("corruption", "bribery", "pca", "crime.boss", "facilitation of"),
}

# The criminal markets of crime-terror convergence: drugs, arms, people.
MARKETS = frozenset({"drugs", "arms", "migrant_smuggling", "human_trafficking"})

# A value in one of these topics, or a status/program containing one of the words, lists an
# entity as sanctioned or proscribed.
LISTING_TOPICS = frozenset({"sanction", "crime.terror", "role.terror", "sanction.linked"})
LISTING_WORDS = ("proscribed", "banned", "fourth schedule")

# Properties whose text names a crime type.
CRIME_PROPS = frozenset(
    {"commodity", "category", "offence", "lawSection", "summary", "topics", "interdictionType"}
)
# Properties whose value lists the entity (topics handled by LISTING_TOPICS).
LISTING_PROPS = frozenset({"status", "program", "topics"})


def _pattern(words: Iterable[str]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(w) for w in words), key=len, reverse=True)
    return re.compile(r"(?<![\w.])(" + "|".join(alternatives) + r")(?![\w])", re.IGNORECASE)


_CRIME_PATTERNS = {crime: _pattern(words) for crime, words in CRIME_WORDS.items()}
_LISTING_PATTERN = _pattern(LISTING_WORDS)


def crimes_in(text: str) -> list[str]:
    """The crime types a text names ("Heroin concealed in cargo" → drugs)."""
    return [crime for crime, pattern in _CRIME_PATTERNS.items() if pattern.search(text)]


def lists(prop: str, value: str) -> bool:
    """Whether a property value says the entity is sanctioned or proscribed."""
    if prop == "topics":
        return value in LISTING_TOPICS
    return bool(_LISTING_PATTERN.search(value))


def snake(name: str) -> str:
    """FtM names as kind identifiers: UnknownLink → unknown_link, payerAccount → payer_account."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def occasion_kind(schema: str) -> str:
    """The co-occurrence kind of an occasion schema: Seizure → same_seizure."""
    return f"same_{snake(schema)}"


def kind_family(kind: str) -> str:
    if kind.startswith("same_"):
        return "co-occurrence"
    if kind.startswith("shared_"):
        return "shared"
    return "direct"


def kind_weight(kind: str) -> float:
    return KIND_WEIGHTS.get(kind, DEFAULT_WEIGHT)


def is_occasion(schema: Schema) -> bool:
    return any(schema.is_a(name) for name in OCCASION_SCHEMATA)


def is_skipped(schema: Schema) -> bool:
    return any(schema.is_a(name) for name in SKIPPED_SCHEMATA if model.get(name) is not None)


def is_node(schema: Schema) -> bool:
    """Actors, accounts, vehicles and other things; not occasions, links or documents."""
    return (
        schema.is_a("Thing")
        and not schema.edge
        and not is_occasion(schema)
        and not is_skipped(schema)
    )


def is_actor(schema: Schema) -> bool:
    return schema.is_a("LegalEntity")
