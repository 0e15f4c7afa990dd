"""Situation reports and news items (JSON lines) about the world's seizures, arrests and verdicts.

Owns `write_reports` and the truth of whom each report mentions; victims are counted, never named.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers

from nexus.scenario.model import Event, Organisation, Person, World
from nexus.scenario.sanctions import spelling_variant

REPORTED_KINDS = ("seizure", "interdiction", "arrest", "conviction")
UNNAMED_ROLES = frozenset({"victim", "migrant", "informant", "witness"})
PRESS = ("Dawn", "The News", "The Express Tribune", "Business Recorder", "APP")
AGENCY_NAMES = {
    "ANF": "ANF",
    "FIA": "FIA",
    "CUSTOMS": "Pakistan Customs",
    "POLICE": "Police",
    "CTD": "CTD",
    "FC": "Frontier Corps",
    "MSA": "Maritime Security Agency",
    "FMU": "FMU",
}
CURRENCIES = frozenset({"PKR", "USD", "AED", "AFN", "IRR", "SAR", "GBP", "EUR"})
MEASURES = frozenset({"kg", "g", "litre", "litres", "tonne", "tonnes"})
PRESS_SHARE = 0.4  # the rest are situation reports by the agency that acted


@dataclass(slots=True)
class _Draft:
    """What one report says and, for the truth file, whom and what it names."""

    people: list[str] = field(default_factory=list)
    written_names: dict[str, str] = field(default_factory=dict)
    organisations: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    cnics: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)


def _phone_text(e164: str, rng: random.Random) -> str:
    """A phone as a clerk writes it: Pakistani mobiles in one of the usual ways, foreign
    numbers always with their country code (a national form would read as Pakistani)."""
    number = phonenumbers.parse(e164)
    if number.country_code != 92:
        style = rng.choice((phonenumbers.PhoneNumberFormat.INTERNATIONAL, "00"))
        if style == "00":
            return "00" + e164[1:]
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = "0" + str(number.national_number)
    return rng.choice(
        (
            f"{national[:4]}-{national[4:]}",
            f"{national[:4]} {national[4:]}",
            national,
            f"+92 {national[1:4]} {national[4:]}",
            f"0092-{national[1:4]}-{national[4:]}",
            f"92{national[1:]}",
        )
    )


def _cnic_text(cnic: str, rng: random.Random) -> str:
    return rng.choice(
        (f"{cnic[:5]}-{cnic[5:12]}-{cnic[12:]}", cnic, f"{cnic[:5]} {cnic[5:12]} {cnic[12:]}")
    )


def _amount(event: Event) -> str | None:
    """`12.5 kg heroin`, `14 migrants`, `PKR 2,500,000`, `25 pieces of arms`."""
    if event.quantity is None:
        return None
    unit = (event.unit or "").strip()
    quantity = f"{event.quantity:g}" if event.quantity % 1 else f"{int(event.quantity)}"
    commodity = event.commodity or ""
    if unit.upper() in CURRENCIES:
        return f"{unit.upper()} {int(event.quantity):,}"
    if unit.lower() in MEASURES:
        return f"{quantity} {unit} {commodity}".strip()
    if commodity in ("migrants", "persons") or unit in ("persons", ""):
        return f"{quantity} {commodity or unit}".strip()
    return f"{quantity} {unit} of {commodity}".strip()


def _describe_person(
    person: Person, press: bool, draft: _Draft, rng: random.Random, lead: str
) -> str:
    """`accused Mohammad Yusuf s/o Gul Khan (CNIC …), cell …`; press items leave out numbers."""
    name = spelling_variant(person.full_name, rng) if rng.random() < 0.5 else person.full_name
    draft.people.append(person.uid)
    draft.written_names[person.uid] = name
    text = (
        f"{person.titles[0]} {name}" if person.titles and rng.random() < 0.5 else f"{lead} {name}"
    )
    if rng.random() < 0.7:
        text += f" s/o {person.father_name}"
    if not press and person.cnic and rng.random() < 0.5:
        draft.cnics.append(person.cnic)
        text += f" (CNIC {_cnic_text(person.cnic, rng)})"
    if not press and person.phones and rng.random() < 0.6:
        phone = rng.choice(person.phones)
        draft.phones.append(phone)
        text += f", cell {_phone_text(phone, rng)},"
    return text


def _where(event: Event, draft: _Draft, preposition: str) -> str:
    if event.place is None:
        return ""
    draft.places.append(event.place.name)
    return f" {preposition} {event.place.name}"


def _lead(event: Event, world: World, draft: _Draft, rng: random.Random) -> tuple[str, str]:
    """The headline and the opening sentence for the event's kind."""
    agency = AGENCY_NAMES.get(event.agency, event.agency)
    amount = _amount(event)
    on = f" on {event.date.day} {event.date:%B %Y}"
    vehicle = next((world.vehicles[v] for v in event.vehicles if v in world.vehicles), None)
    carrier = f" from a {vehicle.kind} ({vehicle.plate})" if vehicle else ""
    if event.kind == "seizure":
        where = _where(event, draft, rng.choice(("near", "at")))
        what = amount or "contraband"
        return f"{agency} recovers {what}{where}", f"{agency} recovered {what}{carrier}{where}{on}."
    if event.kind == "interdiction":
        where = _where(event, draft, rng.choice(("near", "at")))
        what = amount or "a group of migrants"
        return (
            f"{agency} foils smuggling bid{where}",
            f"{agency} intercepted {what}{where}{on}; the group was handed over for protection.",
        )
    if event.kind == "arrest":
        where = _where(event, draft, "in")
        money = f" and recovered {amount}" if amount else ""
        return f"{agency} arrests suspects{where}", f"{agency} conducted a raid{where}{on}{money}."
    where = _where(event, draft, "in")
    case = f" in case {event.reference}" if event.reference else ""
    return (
        f"Court convicts accused{where}",
        f"A special court{where} announced its verdict{case}{on}.",
    )


def _people_sentence(
    event: Event, world: World, press: bool, draft: _Draft, rng: random.Random
) -> str:
    named = [p for p in event.participants if p.role not in UNNAMED_ROLES]
    sentences = []
    for participant in named[:4]:
        if participant.person in world.organisations:
            org: Organisation = world.organisations[participant.person]
            draft.organisations.append(org.uid)
            sentences.append(f"Investigators are examining the role of the firm {org.name}.")
            continue
        person = world.people.get(participant.person)
        if person is None:
            continue
        described = _describe_person(person, press, draft, rng, rng.choice(("accused", "one")))
        if event.kind == "conviction":
            verb = "was sentenced to imprisonment"
        elif participant.role == "absconder":
            verb = "managed to escape and is being traced"
        else:
            verb = "was arrested"
        sentences.append(f"{described[0].upper()}{described[1:]} {verb}.")
    counted = sum(1 for p in event.participants if p.role in {"victim", "migrant"})
    if counted:
        sentences.append(f"{counted} persons were referred for protection and support.")
    return " ".join(sentences) or "No arrests have been made so far."


def _report(
    event: Event, world: World, number: int, rng: random.Random
) -> tuple[dict[str, Any], dict[str, Any]]:
    press = rng.random() < PRESS_SHARE
    draft = _Draft()
    title, opening = _lead(event, world, draft, rng)
    body = f"{opening} {_people_sentence(event, world, press, draft, rng)}"
    if press:
        report_id = f"NEWS-{event.date.year}-{number:05d}"
        record: dict[str, Any] = {
            "id": report_id,
            "date": event.date.isoformat(),
            "source": rng.choice(PRESS),
            "title": title,
            "body": body,
        }
    else:
        report_id = f"{event.agency}-SR-{event.date.year}-{number:05d}"
        record = {
            "id": report_id,
            "date": event.date.isoformat(),
            "source": f"{AGENCY_NAMES.get(event.agency, event.agency)} situation report",
            "title": f"SITREP: {title}",
            "body": body,
            "agency": event.agency,
        }
    truth = {
        "id": report_id,
        "event": event.uid,
        "kind": "news" if press else "situation_report",
        "people": list(dict.fromkeys(draft.people)),
        "written_names": draft.written_names,
        "organisations": list(dict.fromkeys(draft.organisations)),
        "phones": list(dict.fromkeys(draft.phones)),
        "cnics": list(dict.fromkeys(draft.cnics)),
        "places": list(dict.fromkeys(draft.places)),
    }
    return record, truth


def write_reports(world: World, path: Path, rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Write `count` reports about randomly chosen reportable events (none if there are none);
    returns, per report, the people (uids, and their names as written), organisations, phones
    (E.164), CNICs (13 digits) and places it mentions. The same world and seed give the same
    bytes."""
    events = [e for _, e in sorted(world.events.items()) if e.kind in REPORTED_KINDS]
    lines: list[str] = []
    truths: list[dict[str, Any]] = []
    for number in range(1, count + 1 if events else 1):
        record, truth = _report(rng.choice(events), world, number, rng)
        lines.append(json.dumps(record, ensure_ascii=False))
        truths.append(truth)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return truths
