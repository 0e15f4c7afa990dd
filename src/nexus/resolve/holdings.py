"""What each party holds or uses, as the viewer may see it: the bank accounts it owns, pays from or
is paid into, and the vehicles it owns, operates or was stopped or seized with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from nexus.policy import Reader
from nexus.resolve.identifiers import Identifier

__all__ = ["EDGES", "EVENTS", "HELD_BY", "Holdings", "holdings"]

# Edge entities joining a party to a thing: (schema, party property, thing property).
EDGES = (
    ("Ownership", "owner", "asset"),
    ("Payment", "payer", "payerAccount"),
    ("Payment", "beneficiary", "beneficiaryAccount"),
)
# Things that name their party themselves: (schema, party property).
HELD_BY = (("Vehicle", "owner"), ("Vehicle", "operator"))
# A party of an event that names a vehicle: (party edge schema, its party and event
# properties, event schema, its vehicle property). The people arrested with a vehicle.
EVENTS = (
    ("SeizureParty", "party", "seizure", "Seizure", "vehicle"),
    ("InterdictionParty", "party", "interdiction", "Interdiction", "vehicle"),
)
# Feature column for each kind of identifier (see nexus.resolve.identifiers.THING_KINDS).
COLUMNS = {"bank account": "accounts", "vehicle": "vehicles"}


@dataclass
class Holdings:
    """Party id -> feature column ("accounts", "vehicles") -> identifiers, and the markings of
    the statements each party's holdings were read from (edges and things)."""

    held: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    evidence: dict[str, set[int]] = field(default_factory=dict)

    def values(self, party: str) -> dict[str, list[str]]:
        return {column: sorted(ids) for column, ids in self.held.get(party, {}).items()}

    def add(self, party: str, column: str, value: str, markings: set[int]) -> None:
        self.held.setdefault(party, {}).setdefault(column, set()).add(value)
        self.evidence.setdefault(party, set()).update(markings)


def holdings(
    reader: Reader,
    keys: Mapping[str, Identifier],
    kinds: Mapping[str, str],
    thing_evidence: Mapping[str, set[int]],
) -> Holdings:
    """The identifiers (as the matcher compares them: without their "iban:" prefix) of the
    accounts and vehicles each party holds or uses. `keys` and `kinds` are the things' identifiers
    and kinds by id, `thing_evidence` their markings (nexus.resolve.identifiers).
    """
    found = Holdings()
    read: dict[str, dict[str, _Linked]] = {}

    def linked(schema: str) -> dict[str, _Linked]:
        if schema not in read:
            read[schema] = _linked(reader, schema)
        return read[schema]

    def hold(party: str, thing: str, markings: set[int]) -> None:
        column = COLUMNS.get(kinds.get(thing, ""))
        if column is not None and thing in keys:
            value = keys[thing].key.split(":", 1)[1]
            found.add(party, column, value, markings | thing_evidence.get(thing, set()))

    for schema, party_prop, thing_prop in EDGES:
        for values, markings in linked(schema).values():
            for party in values.get(party_prop, ()):
                for thing in values.get(thing_prop, ()):
                    hold(party, thing, markings)
    for schema, party_prop in HELD_BY:
        for thing, (values, markings) in linked(schema).items():
            for party in values.get(party_prop, ()):
                hold(party, thing, markings)
    for party_schema, party_prop, event_prop, event_schema, vehicle_prop in EVENTS:
        events = {
            event: (values[vehicle_prop], markings)
            for event, (values, markings) in linked(event_schema).items()
            if values.get(vehicle_prop)
        }
        if not events:
            continue
        for values, markings in linked(party_schema).values():
            for event in values.get(event_prop, ()):
                things, event_markings = events.get(event, ((), set()))
                for party in values.get(party_prop, ()):
                    for thing in things:
                        hold(party, thing, markings | event_markings)
    return found


_Linked = tuple[dict[str, list[str]], set[int]]  # entity-typed property -> ids, markings


def _linked(reader: Reader, schema: str) -> dict[str, _Linked]:
    """Entity id -> its entity-typed values and its markings, for every visible entity of the
    schema."""
    entities: dict[str, _Linked] = {}
    for stmt in reader.iter_statements(schema=schema):
        values, markings = entities.setdefault(stmt.entity_id, ({}, set()))
        markings.add(stmt.marking_id)
        if stmt.prop_type == "entity":
            values.setdefault(stmt.prop, []).append(stmt.value)
    return entities
