"""Writes what each agency would hand over (ANF, FC/MSA, Customs, FIA, police, CTD, the national
coordination body): its own columns, date styles and spelling habits, with its mapping beside it.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from followthemoney.types import registry

from nexus.scenario.model import Event, Organisation, Person, World
from nexus.scenario.names import NameBank
from nexus.scenario.variation import (
    STYLES,
    Style,
    render_cnic,
    render_company,
    render_name,
    render_phone,
    spelling_variant,
)

MAPPINGS = Path(__file__).parent / "data" / "mappings"

#: One ground-truth row: which file and row, which mapped entity, which true person or org.
TruthRow = tuple[str, int, str, str]
#: One source row: its values, and which mapped entity of it is which true uid.
Row = tuple[dict[str, str], list[tuple[str, str]]]


@dataclass
class AgencyWriter:
    """Shared state of one generation run: where files go, the RNG, names, and the truth kept."""

    root: Path
    rng: random.Random
    names: NameBank
    world: World
    truth: list[TruthRow] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    # -- rendering -----------------------------------------------------------------------------
    def name(self, uid: str, style: Style) -> str:
        if uid in self.world.organisations:
            return render_company(self.world.organisations[uid].name, self.rng, style)
        person = self.world.people[uid]
        title = person.titles[0] if person.titles else None
        return render_name(
            person.given_name, person.family_name, self.rng, style, self.names, title
        )

    def father(self, person: Person, style: Style) -> str:
        father = person.father_name
        if self.rng.random() < style.spelling_rate:
            father = spelling_variant(father, self.rng)
        return father

    def cnic(self, person: Person, style: Style) -> str:
        """The CNIC as written; now and then a relative's number, as happens in real records."""
        if person.cnic is None:
            return ""
        cnic = person.cnic
        if person.relatives and self.rng.random() < 0.03:
            relative = self.world.people[person.relatives[0]]
            cnic = relative.cnic or cnic
        return render_cnic(cnic, self.rng, style) or ""

    def phone(self, person: Person | Organisation, style: Style) -> str:
        if not person.phones:
            return ""
        written = render_phone(person.phones[0], self.rng, style) or ""
        # A clerk's slip may make a number unreadable; keep only numbers that still dial.
        if written and registry.phone.clean(written, format="pk") is None:
            return person.phones[0]
        return written

    # -- output --------------------------------------------------------------------------------
    def mapping(self, name: str, folder: str) -> None:
        target = self.root / folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(MAPPINGS / name, target)
        self.files.append(target)

    def write_csv(
        self,
        relpath: str,
        columns: Sequence[str],
        rows: Sequence[Row],
    ) -> Path:
        """Rows with their truth: (values, [(mapped entity name, true uid), …])."""
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(columns), lineterminator="\n")
            writer.writeheader()
            for number, (values, truth) in enumerate(rows, start=2):
                writer.writerow(values)
                self.truth.extend((relpath, number, entity, uid) for entity, uid in truth)
        self.files.append(path)
        return path


def _events(world: World, kinds: Sequence[str], agencies: Sequence[str]) -> list[Event]:
    return [e for e in world.events.values() if e.kind in kinds and e.agency in agencies]


def _people(world: World, event: Event, roles: Sequence[str]) -> list[Person]:
    return [
        world.people[p.person]
        for p in event.participants
        if p.role in roles and p.person in world.people
    ]


def _day_first(d: dt.date, rng: random.Random, formats: Sequence[str]) -> str:
    return d.strftime(rng.choice(formats))


def _vehicle_plate(w: AgencyWriter, event: Event) -> str:
    return w.world.vehicles[event.vehicles[0]].plate if event.vehicles else ""


def _status(role: str) -> str:
    return {"arrested": "Arrested", "absconder": "Absconder"}.get(role, role.title())


# -- drug and goods seizures ---------------------------------------------------------------------
def write_anf(w: AgencyWriter) -> None:
    style = STYLES["ANF"]
    columns = [
        "Sr No",
        "FIR No",
        "Date of Seizure",
        "Police Station",
        "Place of Recovery",
        "Accused Name",
        "Father Name",
        "CNIC No",
        "Cell No",
        "Status",
        "Drug",
        "Qty (kg)",
        "Vehicle Reg No",
        "Chassis No",
    ]
    rows: list[Row] = []
    for event in _events(w.world, ("seizure",), ("ANF",)):
        plate = _vehicle_plate(w, event)
        chassis = w.world.vehicles[event.vehicles[0]].chassis or "" if event.vehicles else ""
        for participant in event.participants:
            if participant.person not in w.world.people or participant.role not in (
                "arrested",
                "absconder",
            ):
                continue
            person = w.world.people[participant.person]
            values = {
                "Sr No": str(len(rows) + 1),
                "FIR No": event.reference or event.uid,
                "Date of Seizure": _day_first(event.date, w.rng, ("%d/%m/%Y", "%d-%m-%Y")),
                "Police Station": f"ANF Police Station {event.place.name if event.place else ''}",
                "Place of Recovery": event.place.name if event.place else "",
                "Accused Name": w.name(person.uid, style),
                "Father Name": w.father(person, style),
                "CNIC No": w.cnic(person, style),
                "Cell No": w.phone(person, style),
                "Status": _status(participant.role),
                "Drug": (event.commodity or "").title(),
                "Qty (kg)": f"{event.quantity:g}" if event.quantity is not None else "",
                "Vehicle Reg No": plate,
                "Chassis No": chassis if plate else "",
            }
            truth = [("accused", person.uid), ("seizure", event.uid)]
            if plate:
                truth.append(("vehicle", event.vehicles[0]))
            rows.append((values, truth))
    w.write_csv("anf/anf_seizure_register.csv", columns, rows)
    w.mapping("anf_seizure_register.yml", "anf")


def write_fc_msa(w: AgencyWriter) -> None:
    style = STYLES["ANF"]
    columns = [
        "Report Ref",
        "Dated",
        "Force",
        "Location",
        "Item",
        "Quantity",
        "Unit",
        "Vehicle/Boat",
        "Name of Suspect",
        "CNIC",
        "Phone",
        "Apprehended",
    ]
    rows: list[Row] = []
    for event in _events(w.world, ("seizure", "interdiction"), ("FC", "MSA")):
        for participant in event.participants:
            if participant.person not in w.world.people or participant.role in (
                "migrant",
                "victim",
            ):
                continue
            person = w.world.people[participant.person]
            values = {
                "Report Ref": event.reference or event.uid,
                "Dated": event.date.strftime("%d.%m.%Y"),
                "Force": {"FC": "Frontier Corps", "MSA": "Maritime Security Agency"}[event.agency],
                "Location": event.place.name if event.place else "",
                "Item": (event.commodity or "").title(),
                "Quantity": f"{event.quantity:g}" if event.quantity is not None else "",
                "Unit": event.unit or "",
                "Vehicle/Boat": _vehicle_plate(w, event),
                "Name of Suspect": w.name(person.uid, style),
                "CNIC": w.cnic(person, style),
                "Phone": w.phone(person, style),
                "Apprehended": "Yes" if participant.role == "arrested" else "No",
            }
            rows.append((values, [("suspect", person.uid), ("seizure", event.uid)]))
    w.write_csv("fc_msa/fc_msa_recoveries.csv", columns, rows)
    w.mapping("fc_msa_recoveries.yml", "fc_msa")


def write_customs(w: AgencyWriter) -> None:
    from openpyxl import Workbook

    style = STYLES["CUSTOMS"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Seizures"
    columns = [
        "Seizure Report No",
        "Date",
        "Collectorate",
        "Location",
        "Goods Description",
        "Quantity",
        "Unit",
        "Value (PKR)",
        "Vehicle No",
        "Driver Name",
        "Driver CNIC",
        "Owner / Consignee",
        "Status",
    ]
    sheet.append(columns)
    relpath = "customs/customs_antismuggling.xlsx"
    fronts = [o for o in w.world.organisations.values() if o.front]
    number = 1
    for event in _events(w.world, ("seizure",), ("CUSTOMS",)):
        drivers = _people(w.world, event, ("arrested", "absconder"))
        driver = drivers[0] if drivers else None
        consignee = next((o for o in fronts if o.network == event.network), None)
        value = (event.quantity or 1) * w.rng.choice((950_000, 1_400_000, 2_100_000))
        sheet.append(
            [
                event.reference or event.uid,
                dt.datetime.combine(event.date, dt.time()),
                f"Collectorate of Customs (Enforcement) {event.place.name if event.place else ''}",
                event.place.name if event.place else "",
                f"{(event.commodity or 'goods').title()} concealed in cargo",
                event.quantity,
                event.unit or "",
                round(value),
                _vehicle_plate(w, event),
                w.name(driver.uid, style) if driver else "",
                w.cnic(driver, style) if driver else "",
                w.name(consignee.uid, style) if consignee else "",
                w.rng.choice(("Case made out", "Under adjudication", "Confiscated")),
            ]
        )
        number += 1
        truth = [("seizure", event.uid)]
        if driver:
            truth.append(("driver", driver.uid))
        if consignee:
            truth.append(("consignee", consignee.uid))
        w.truth.extend((relpath, number, entity, uid) for entity, uid in truth)
    path = w.root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    _normalise_xlsx(path)
    w.files.append(path)
    w.mapping("customs_antismuggling.yml", "customs")


def _normalise_xlsx(path: Path) -> None:
    """openpyxl stamps the save time into the workbook; fix it so a seed gives the same bytes."""
    import zipfile

    fixed = dt.datetime(2020, 1, 1).isoformat() + "Z"
    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in items:
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                for tag in ("dcterms:created", "dcterms:modified"):
                    start = text.find(f"<{tag}")
                    if start >= 0:
                        body = text.index(">", start) + 1
                        end = text.index(f"</{tag}>", body)
                        text = text[:body] + fixed + text[end:]
                data = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)


# -- FIA -----------------------------------------------------------------------------------------
def write_fia(w: AgencyWriter) -> None:
    _fia_cases(w)
    _fia_interdictions(w)
    _fia_victims(w)
    _fia_cyber(w)
    _fia_corruption(w)


def _fia_cases(w: AgencyWriter) -> None:
    style = STYLES["FIA"]
    columns = [
        "Case No",
        "Date Registered",
        "Circle",
        "Offence",
        "Sections",
        "Accused",
        "CNIC",
        "Contact",
        "Role",
        "Agency/Company",
        "Status",
    ]
    rows: list[Row] = []
    for case in (e for e in w.world.events.values() if e.kind == "case" and e.agency == "FIA"):
        network = w.world.networks.get(case.network or "")
        front = next(
            (w.world.organisations[o] for o in (network.organisations if network else [])), None
        )
        for participant in case.participants:
            if participant.person not in w.world.people:
                continue
            person = w.world.people[participant.person]
            smuggling = network is not None and "migrant_smuggling" in network.crimes
            values = {
                "Case No": case.reference or case.uid,
                "Date Registered": case.date.strftime("%d-%b-%Y"),
                "Circle": f"AHS Circle {case.place.name if case.place else 'Islamabad'}",
                "Offence": "Migrant smuggling" if smuggling else "Organised crime",
                "Sections": "PSMA 2018 s.3, s.6" if smuggling else "PPC 420, 109",
                "Accused": _with_patronymic(w, person, style),
                "CNIC": w.cnic(person, style),
                "Contact": w.phone(person, style),
                "Role": person.role or "accused",
                "Agency/Company": w.name(front.uid, style) if front and smuggling else "",
                "Status": (case.status or "registered").title(),
            }
            truth = [("accused", person.uid), ("case", case.uid)]
            if front and smuggling:
                truth.append(("company", front.uid))
            rows.append((values, truth))
    w.write_csv("fia/fia_ahs_cases.csv", columns, rows)
    w.mapping("fia_ahs_cases.yml", "fia")


def _with_patronymic(w: AgencyWriter, person: Person, style: Style) -> str:
    name = w.name(person.uid, style)
    if w.rng.random() >= style.patronymic_rate:
        return name
    relation = {"male": "s/o", "female": "d/o"}[person.sex]
    form = w.rng.choice(
        (relation, relation.upper(), "son of" if person.sex == "male" else "daughter of")
    )
    return f"{name} {form} {w.father(person, style)}"


def _fia_interdictions(w: AgencyWriter) -> None:
    style = STYLES["FIA"]
    columns = [
        "Ref",
        "Date",
        "Type",
        "Airport/Post",
        "Destination",
        "Passenger Name",
        "Father Name",
        "Passenger CNIC",
        "Sex",
        "Age",
        "Facilitator",
        "Facilitator CNIC",
        "Facilitator Phone",
    ]
    rows: list[Row] = []
    for event in _events(w.world, ("interdiction",), ("FIA",)):
        migrants = _people(w.world, event, ("migrant", "victim"))
        facilitators = _people(w.world, event, ("arrested", "absconder"))
        facilitator = facilitators[0] if facilitators else None
        airport = event.place is not None and event.place.kind == "airport"
        passengers: list[Person | None] = list(migrants) or [None]
        for migrant in passengers:
            values = {
                "Ref": event.reference or event.uid,
                "Date": event.date.strftime("%d-%b-%Y"),
                "Type": "Offloaded at airport" if airport else "Intercepted at border",
                "Airport/Post": event.place.name if event.place else "",
                "Destination": w.rng.choice(("Iran", "Turkey", "Greece", "Italy")),
                "Passenger Name": w.name(migrant.uid, style) if migrant else "",
                "Father Name": w.father(migrant, style) if migrant else "",
                "Passenger CNIC": w.cnic(migrant, style) if migrant else "",
                "Sex": (migrant.sex if migrant else ""),
                "Age": str((event.date - migrant.birth_date).days // 365) if migrant else "",
                "Facilitator": w.name(facilitator.uid, style) if facilitator else "",
                "Facilitator CNIC": w.cnic(facilitator, style) if facilitator else "",
                "Facilitator Phone": w.phone(facilitator, style) if facilitator else "",
            }
            truth = [("interdiction", event.uid)]
            if migrant:
                truth.append(("migrant", migrant.uid))
            if facilitator:
                truth.append(("facilitator", facilitator.uid))
            rows.append((values, truth))
    w.write_csv("fia/fia_interdictions.csv", columns, rows)
    w.mapping("fia_interdictions.yml", "fia")


def _fia_victims(w: AgencyWriter) -> None:
    style = STYLES["FIA"]
    columns = [
        "Victim Ref",
        "Name",
        "Sex",
        "CNIC",
        "Year of Birth",
        "Age",
        "Exploitation",
        "Identified On",
        "Referred",
        "Case No",
    ]
    rows: list[Row] = []
    for number, victim in enumerate(w.world.victims, start=1):
        person = w.world.people[victim.person]
        event = w.world.events.get(victim.event)
        if event is None:
            continue
        case = w.world.events.get(event.case or "")
        values = {
            "Victim Ref": f"VIC-{number:05d}",
            "Name": w.name(person.uid, style),
            "Sex": person.sex,
            "CNIC": w.cnic(person, style) if victim.age_at_event >= 18 else "",
            "Year of Birth": str(person.birth_date.year),
            "Age": str(victim.age_at_event),
            "Exploitation": victim.exploitation.replace("_", " "),
            "Identified On": event.date.isoformat(),
            "Referred": "yes" if victim.referred_to_protection else "no",
            "Case No": (case.reference if case else event.reference) or event.uid,
        }
        rows.append((values, [("victim", person.uid)]))
    w.write_csv("fia/fia_victims.csv", columns, rows)
    w.mapping("fia_victims.yml", "fia")


def _fia_cyber(w: AgencyWriter) -> None:
    style = STYLES["FIA"]
    columns = [
        "Complaint No",
        "Date",
        "Complainant",
        "Complainant CNIC",
        "Amount Lost",
        "Platform",
        "Suspect Handle",
        "Suspect Phone",
        "Website",
        "Wallet",
    ]
    rows: list[Row] = []
    for event in _events(w.world, ("complaint",), ("FIA",)):
        network = w.world.networks.get(event.network or "")
        if network is None or "cyber_fraud" not in network.crimes:
            continue
        victims = _people(w.world, event, ("victim",))
        online = [o for o in w.world.online.values() if o.network == network.uid]
        social = next((o for o in online if o.kind == "social"), None)
        site = next((o for o in online if o.kind == "domain"), None)
        wallet = next((o for o in online if o.kind == "crypto_wallet"), None)
        operator = next(iter(_people(w.world, event, ("accused",))), None)
        for victim in victims:
            values = {
                "Complaint No": f"CCW-{event.uid[-5:]}/{event.date.year}",
                "Date": event.date.isoformat(),
                "Complainant": w.name(victim.uid, style),
                "Complainant CNIC": w.cnic(victim, style),
                "Amount Lost": str(w.rng.randint(40, 900) * 1000),
                "Platform": social.platform if social else "",
                "Suspect Handle": social.handle if social else "",
                "Suspect Phone": w.phone(operator, style) if operator else "",
                "Website": site.handle if site and w.rng.random() < 0.7 else "",
                "Wallet": wallet.handle if wallet and w.rng.random() < 0.4 else "",
            }
            rows.append((values, [("complainant", victim.uid)]))
    w.write_csv("fia/fia_cyber_complaints.csv", columns, rows)
    w.mapping("fia_cyber_complaints.yml", "fia")


def _fia_corruption(w: AgencyWriter) -> None:
    style = STYLES["FIA"]
    columns = ["Enquiry No", "Initiated", "Official", "CNIC", "Designation", "Allegation", "Status"]
    rows: list[Row] = []
    for event in _events(w.world, ("corruption",), ("FIA",)):
        for official in _people(w.world, event, ("accused",)):
            values = {
                "Enquiry No": event.reference or event.uid,
                "Initiated": event.date.strftime("%d-%b-%Y"),
                "Official": w.name(official.uid, style),
                "CNIC": w.cnic(official, style),
                "Designation": official.occupation or "",
                "Allegation": event.notes or "Facilitation of smuggling",
                "Status": w.rng.choice(("Enquiry", "Case registered", "Departmental action")),
            }
            rows.append((values, [("official", official.uid)]))
    w.write_csv("fia/fia_corruption_enquiries.csv", columns, rows)
    w.mapping("fia_corruption_enquiries.yml", "fia")


# -- police --------------------------------------------------------------------------------------
MOHALLAS = ("Qadirabad", "Gulshan", "Satellite Town", "Islampura", "Faisal Colony")
ORDINARY_OFFENCES = (
    ("Theft", "PPC 379"),
    ("Motorcycle theft", "PPC 381-A"),
    ("Cheating", "PPC 420"),
    ("Illegal possession of arms", "Arms Ordinance 13-20-65"),
    ("Possession of narcotics (small)", "CNSA 1997 s.9(a)"),
    ("Hurt", "PPC 337"),
)


def write_police(w: AgencyWriter) -> None:
    style = STYLES["POLICE"]
    columns = [
        "FIR No",
        "Police Station",
        "Police",
        "FIR Date",
        "Offence",
        "Offence Sections",
        "Accused",
        "Father/Husband",
        "CNIC",
        "Mobile",
        "Address",
        "Status",
    ]
    rows: list[Row] = []

    def add(
        event_ref: str,
        station: str,
        police: str,
        date: dt.date,
        offence: tuple[str, str],
        person: Person,
        status: str,
        truth_case: str,
    ) -> None:
        home = person.home.name if person.home else ""
        values = {
            "FIR No": event_ref,
            "Police Station": station,
            "Police": police,
            "FIR Date": date.strftime("%d.%m.%Y"),
            "Offence": offence[0],
            "Offence Sections": offence[1],
            "Accused": w.name(person.uid, style),
            "Father/Husband": w.father(person, style),
            "CNIC": w.cnic(person, style),
            "Mobile": w.phone(person, style),
            "Address": f"Mohalla {w.rng.choice(MOHALLAS)}, {home}",
            "Status": status,
        }
        rows.append((values, [("accused", person.uid), ("case", truth_case)]))

    commodity_offence = {
        "heroin": ("Narcotics trafficking", "CNSA 1997 s.9(c)"),
        "methamphetamine": ("Narcotics trafficking", "CNSA 1997 s.9(c)"),
        "arms": ("Arms trafficking", "Arms Ordinance 13-20-65; ATA 1997 s.7"),
        "migrants": ("Migrant smuggling", "PSMA 2018 s.3"),
    }
    for event in _events(w.world, ("seizure", "interdiction", "arrest"), ("POLICE", "CTD")):
        station = f"PS {event.place.name if event.place else 'City'}"
        police = _provincial_police(event.place.province if event.place else None)
        if event.agency == "CTD":
            station, police = f"CTD {station[3:]}", f"CTD {police.replace(' Police', '')}"
        offence = commodity_offence.get(event.commodity or "", ("Organised crime", "PPC 109"))
        for participant in event.participants:
            if participant.person in w.world.people and participant.role in (
                "arrested",
                "absconder",
            ):
                person = w.world.people[participant.person]
                add(
                    event.reference or event.uid,
                    station,
                    police,
                    event.date,
                    offence,
                    person,
                    _status(participant.role),
                    event.uid,
                )
    # Ordinary crime involving ordinary people, look-alikes of network members among them.
    background = [p for p in w.world.people.values() if p.network is None and p.role is None]
    for number, person in enumerate(background):
        if w.rng.random() > 0.55:
            continue
        date = w.world.start + dt.timedelta(
            days=w.rng.randint(0, (w.world.end - w.world.start).days)
        )
        place = person.home.name if person.home else "City"
        add(
            f"{w.rng.randint(1, 899)}/{date.year}",
            f"PS {place}",
            _provincial_police(person.home.province if person.home else None),
            date,
            w.rng.choice(ORDINARY_OFFENCES),
            person,
            w.rng.choice(("Arrested", "Bail", "Absconder")),
            f"FIR-{number}",
        )
    rows.sort(
        key=lambda r: (
            r[0]["FIR Date"][6:],
            r[0]["FIR Date"][3:5],
            r[0]["FIR Date"][:2],
            r[0]["FIR No"],
        )
    )
    w.write_csv("police/police_fir_extract.csv", columns, rows)
    w.mapping("police_fir_extract.yml", "police")


def _provincial_police(province: str | None) -> str:
    return {
        "Punjab": "Punjab Police",
        "Sindh": "Sindh Police",
        "Balochistan": "Balochistan Police",
        "Khyber Pakhtunkhwa": "KP Police",
        "Islamabad": "Islamabad Capital Territory Police",
    }.get(province or "", "Punjab Police")


# -- CTD and the coordination body ---------------------------------------------------------------
def write_ctd(w: AgencyWriter) -> None:
    style = STYLES["CTD"]
    proscribed = [o for o in w.world.organisations.values() if o.proscribed]
    listed: list[tuple[Person, Organisation]] = []
    for org in proscribed:
        listed += [(w.world.people[u], org) for u in org.directors]
        for network in w.world.networks.values():
            if network.finances == org.uid:
                listed += [
                    (w.world.people[u], org)
                    for u in network.members
                    if w.world.people[u].role in ("financier", "hawala_dealer", "leader")
                ]
    columns = ["Name", "Father Name", "CNIC", "District", "Affiliation", "Placed On"]
    rows: list[Row] = []
    for person, org in listed:
        values = {
            "Name": w.name(person.uid, style),
            "Father Name": w.father(person, style),
            "CNIC": w.cnic(person, style),
            "District": person.home.name if person.home else "",
            "Affiliation": org.name,
            "Placed On": _day_first(
                w.world.start + dt.timedelta(days=w.rng.randint(0, 400)), w.rng, ("%d/%m/%Y",)
            ),
        }
        rows.append((values, [("person", person.uid), ("organisation", org.uid)]))
    w.write_csv("ctd/ctd_fourth_schedule.csv", columns, rows)
    org_rows: list[Row] = []
    for org in proscribed:
        entry = next((s for s in w.world.sanctions if s.subject == org.uid), None)
        aliases = ";".join(name for _q, name in entry.aliases) if entry else ""
        values = {
            "Organisation": org.name,
            "Also Known As": aliases,
            "Proscribed On": "15/03/2019",
            "Notification": f"No. 11/{w.rng.randint(10, 99)}/2019-NACTA",
        }
        org_rows.append((values, [("organisation", org.uid)]))
    w.write_csv(
        "ctd/ctd_proscribed_organisations.csv",
        ["Organisation", "Also Known As", "Proscribed On", "Notification"],
        org_rows,
    )
    w.mapping("ctd_fourth_schedule.yml", "ctd")


def write_coordination(w: AgencyWriter) -> None:
    style = STYLES["FIA"]
    countries = {"af", "ir", "ae", "tr"}
    ops: list[Row] = []
    for event in (e for e in w.world.events.values() if e.kind == "joint_operation"):
        participants = [p for p in event.partners if p not in countries]
        values = {
            "Operation": f"{event.reference} {event.place.name if event.place else ''}".strip(),
            "Date": event.date.isoformat(),
            "Lead": event.agency,
            "Participants": ";".join([event.agency, *participants]),
            "Partner Countries": ";".join(p for p in event.partners if p in countries),
            "Type": w.rng.choice(("interdiction", "controlled delivery", "search", "arrest")),
            "Area": event.place.name if event.place else "",
        }
        ops.append((values, []))
    w.write_csv(
        "ncb/ncb_joint_operations.csv",
        ["Operation", "Date", "Lead", "Participants", "Partner Countries", "Type", "Area"],
        ops,
    )
    requests: list[Row] = []
    for event in (e for e in w.world.events.values() if e.kind == "intelligence_request"):
        subjects = _people(w.world, event, ("subject",))
        subject = subjects[0] if subjects else None
        values = {
            "Request No": event.reference or event.uid,
            "Sent": event.date.isoformat(),
            "From": event.agency,
            "To": event.partners[0] if event.partners else "",
            "Subject": w.name(subject.uid, style) if subject else "",
            "Subject CNIC": w.cnic(subject, style) if subject else "",
            "Status": event.status or "pending",
        }
        truth = [("subject", subject.uid)] if subject else []
        requests.append((values, truth))
    w.write_csv(
        "ncb/ncb_intelligence_requests.csv",
        ["Request No", "Sent", "From", "To", "Subject", "Subject CNIC", "Status"],
        requests,
    )
    w.mapping("ncb_coordination.yml", "ncb")


# -- prosecution ---------------------------------------------------------------------------------
STAGES = ("charged", "prosecution", "conviction", "acquittal")


def write_prosecutions(w: AgencyWriter) -> None:
    """The prosecution department's tracker: each case's charges, trial and verdict, dated."""
    style = STYLES["POLICE"]
    columns = [
        "Case Ref",
        "Investigating Agency",
        "Court",
        "Accused",
        "CNIC",
        "Stage",
        "Stage Date",
    ]
    rows: list[Row] = []
    for event in (e for e in w.world.events.values() if e.kind in STAGES):
        court_kind = "ATC" if event.agency == "CTD" else "Sessions Court"
        court = f"{court_kind} {event.place.name if event.place else ''}".strip()
        for person in _people(w.world, event, ("accused",)):
            values = {
                "Case Ref": event.reference or event.uid,
                "Investigating Agency": event.agency,
                "Court": court,
                "Accused": w.name(person.uid, style),
                "CNIC": w.cnic(person, style),
                "Stage": event.kind,
                "Stage Date": event.date.isoformat(),
            }
            rows.append((values, [("accused", person.uid), ("case", event.case or event.uid)]))
    rows.sort(key=lambda r: (r[0]["Stage Date"], r[0]["Case Ref"]))
    w.write_csv("prosecution/prosecution_tracker.csv", columns, rows)
    w.mapping("prosecution_tracker.yml", "prosecution")


AGENCY_WRITERS: tuple[Callable[[AgencyWriter], None], ...] = (
    write_anf,
    write_fc_msa,
    write_customs,
    write_fia,
    write_police,
    write_ctd,
    write_coordination,
    write_prosecutions,
)
