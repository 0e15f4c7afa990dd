"""goAML reports as Pakistan's banks file them with the FMU: CTRs for large cash, STRs for patterns.

Owns the report dataclasses, which bank files what, each bank's exporter habits, and the XML bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nexus.scenario.finance_base import BANK_BY_NAME, FX_TO_PKR
from nexus.scenario.model import CASH, Account, Organisation, Person, Place, Transaction, World

MAX_STR_TRANSACTIONS = 60  # a longer pattern is filed as several STRs
LOCAL_CURRENCY = "PKR"

# The FMU's lookup codes as this scenario uses them (goAML leaves the code lists to each FIU).
TRANSMODE = {
    "cash_deposit": "CD",
    "cash_withdrawal": "CW",
    "wire": "EFT",
    "mobile_wallet": "MW",
    "hawala": "HW",
    "other": "OT",
}
FUNDS_CASH = "K"
FUNDS = {"wire": "A", "mobile_wallet": "W", "hawala": "H", "other": "O"}

INDICATORS: dict[str, tuple[str, ...]] = {
    "structuring": ("CASH-STRUCTURING", "BELOW-CTR-THRESHOLD"),
    "fan_in": ("MULTIPLE-DEPOSITORS", "UNUSUAL-ACCOUNT-ACTIVITY"),
    "fan_out": ("MULTIPLE-BENEFICIARIES", "UNUSUAL-ACCOUNT-ACTIVITY"),
    "cycle": ("ROUND-TRIPPING",),
    "scatter_gather": ("LAYERING", "MULTIPLE-BENEFICIARIES"),
    "pass_through": ("RAPID-MOVEMENT-OF-FUNDS", "LOW-RESIDUAL-BALANCE"),
    "hawala": ("HAWALA-HUNDI", "UNLICENSED-MONEY-SERVICE"),
    "dormant": ("DORMANT-ACCOUNT-REACTIVATED",),
    "high_risk": ("HIGH-RISK-JURISDICTION",),
}
REASONS = {
    "structuring": "{n} cash deposits of PKR {low} to {high}, each just under the PKR {limit} CTR "
    "threshold, into the account of {holder} between {first} and {last} (total PKR {total}).",
    "fan_in": "{n} credits from {parties} different senders into the account of {holder} between "
    "{first} and {last} (total PKR {total}); the profile does not explain the inflows.",
    "fan_out": "{n} transfers from the account of {holder} to {parties} different beneficiaries "
    "between {first} and {last} (total PKR {total}), with no stated business purpose.",
    "cycle": "Funds moved from the account of {holder} through {parties} accounts and returned "
    "between {first} and {last} ({n} transfers, total PKR {total}).",
    "scatter_gather": "Funds from the account of {holder} were split across {parties} accounts and "
    "gathered again between {first} and {last} ({n} transfers, total PKR {total}).",
    "pass_through": "Credits to the account of {holder} were moved out within days, leaving a "
    "small residue, between {first} and {last} ({n} transactions, total PKR {total}).",
    "hawala": "The account of {holder} shows settlement flows typical of hawala/hundi with "
    "{parties} counterparties between {first} and {last} ({n} transactions, PKR {total}).",
    "dormant": "The dormant account of {holder} became active with {n} transactions between "
    "{first} and {last} (total PKR {total}).",
    "high_risk": "{n} transactions of {holder} with high-risk jurisdictions between {first} and "
    "{last} (total PKR {total}).",
}
DEFAULT_REASON = (
    "{n} unusual transactions of {holder} between {first} and {last} (total PKR {total})."
)
OFFICERS = (  # synthetic compliance officers
    ("Ayesha", "Siddiqui"),
    ("Farhan", "Qureshi"),
    ("Sana", "Malik"),
    ("Usman", "Tariq"),
    ("Hina", "Baig"),
    ("Bilal", "Chaudhry"),
)


# -- the report, as a bank's exporter holds it -------------------------------------------------
@dataclass(frozen=True, slots=True)
class GoamlAddress:
    address_type: str  # H home, B business
    address: str
    city: str
    country_code: str  # ISO 3166-1 alpha-2, upper case
    state: str | None = None


@dataclass(frozen=True, slots=True)
class GoamlPerson:
    first_name: str
    last_name: str
    middle_name: str | None = None
    title: str | None = None
    gender: str | None = None  # M | F
    birthdate: dt.date | None = None
    birth_place: str | None = None
    id_number: str | None = None  # the CNIC, as the bank writes it
    nationality: str | None = None
    residence: str | None = None
    phones: tuple[tuple[str | None, str], ...] = ()  # (country prefix, number)
    address: GoamlAddress | None = None
    email: str | None = None
    occupation: str | None = None


@dataclass(frozen=True, slots=True)
class GoamlEntity:
    name: str
    legal_form: str | None = None
    incorporation_number: str | None = None
    business: str | None = None
    address: GoamlAddress | None = None
    country: str | None = None
    directors: tuple[tuple[GoamlPerson, str], ...] = ()  # (person, role)


@dataclass(frozen=True, slots=True)
class GoamlSignatory:
    person: GoamlPerson
    is_primary: bool = True
    role: str | None = None


@dataclass(frozen=True, slots=True)
class GoamlAccount:
    institution_name: str
    account: str
    swift: str | None = None
    branch: str | None = None
    currency: str | None = None
    account_name: str | None = None
    iban: str | None = None
    personal_account_type: str | None = None
    entity: GoamlEntity | None = None
    signatories: tuple[GoamlSignatory, ...] = ()
    opened: dt.date | None = None
    status_code: str | None = None


GoamlParty = GoamlAccount | GoamlPerson | GoamlEntity


@dataclass(frozen=True, slots=True)
class GoamlSide:
    """One side of a transaction: `t_from_my_client`/`t_from` or `t_to_my_client`/`t_to`."""

    my_client: bool
    funds_code: str
    party: GoamlParty
    country: str
    foreign_currency: tuple[str, float, float] | None = None  # (code, amount, rate to PKR)


@dataclass(frozen=True, slots=True)
class GoamlTransaction:
    number: str
    date: dt.datetime
    transmode_code: str
    amount_local: float
    source: GoamlSide
    target: GoamlSide
    internal_ref: str | None = None
    location: str | None = None
    description: str | None = None
    value_date: dt.date | None = None


@dataclass(slots=True)
class GoamlReport:
    rentity_id: int
    report_code: str  # CTR | STR
    entity_reference: str
    submission_date: dt.datetime
    transactions: list[GoamlTransaction]
    rentity_branch: str | None = None
    submission_code: str = "E"
    currency_code_local: str = LOCAL_CURRENCY
    reporting_person: GoamlPerson | None = None
    location: GoamlAddress | None = None
    reason: str | None = None
    action: str | None = None
    indicators: list[str] = field(default_factory=list)


# -- each bank's exporter ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Exporter:
    """How one bank's reporting software writes reports; fixed by the bank's name alone, so a
    bank writes the same way in every scenario."""

    bank: str
    rentity_id: int
    code: str
    officer: GoamlPerson
    words_split: bool  # "Muhammad" / "Yousaf" / "Khan" instead of "Muhammad Yousaf" / "Khan"
    upper_names: bool
    cnic_dashes: bool
    phone_style: str  # national | e164 | prefix
    iban_element: bool  # local number in <account>, IBAN in <iban>
    details: bool  # birth place, occupation, e-mail, value date, internal reference
    counterparty_signatory: bool  # names the holder of another bank's account

    @classmethod
    def for_bank(cls, bank: str, rentity_id: int) -> _Exporter:
        habits = random.Random(f"goaml-exporter:{bank}")
        first, last = habits.choice(OFFICERS)
        known = BANK_BY_NAME.get(bank)
        return cls(
            bank=bank,
            rentity_id=rentity_id,
            code=known.code if known else f"RE{rentity_id}",
            officer=GoamlPerson(first_name=first, last_name=last, occupation="Compliance Officer"),
            words_split=habits.random() < 0.4,
            upper_names=habits.random() < 0.5,
            cnic_dashes=habits.random() < 0.6,
            phone_style=habits.choice(("national", "e164", "prefix")),
            iban_element=habits.random() < 0.5,
            details=habits.random() < 0.6,
            counterparty_signatory=habits.random() < 0.5,
        )


def _rentity_ids(banks: Iterable[str]) -> dict[str, int]:
    """Stable 4-digit reporting-entity ids derived from bank names (collisions probed)."""
    ids: dict[str, int] = {}
    taken: set[int] = set()
    for bank in sorted(set(banks)):
        number = int(hashlib.sha1(bank.encode("utf-8")).hexdigest(), 16) % 9000 + 1000
        while number in taken:
            number = number % 9999 + 1
        taken.add(number)
        ids[bank] = number
    return ids


class _Writer:
    """Turns world facts into goAML parts the way one reporting bank would."""

    def __init__(self, world: World, accounts: dict[str, Account], exporter: _Exporter) -> None:
        self.world = world
        self.accounts = accounts
        self.x = exporter

    def name(self, text: str) -> str:
        return text.upper() if self.x.upper_names else text

    def person(self, person: Person, full: bool = True) -> GoamlPerson:
        given = person.given_name.split()
        family = person.family_name
        if family and not self.x.words_split:
            first, middle, last = person.given_name, None, family
        elif family:
            first, middle, last = given[0], " ".join(given[1:]) or None, family
        elif len(given) > 1:
            first, middle, last = " ".join(given[:-1]), None, given[-1]
        else:  # a single name: banks put the father's name in the surname field
            first, middle, last = given[0], None, person.father_name
        cnic = person.cnic
        if cnic and self.x.cnic_dashes:
            cnic = f"{cnic[:5]}-{cnic[5:12]}-{cnic[12:]}"
        if not full:
            return GoamlPerson(
                self.name(first), self.name(last), self.name(middle or "") or None, id_number=cnic
            )
        return GoamlPerson(
            first_name=self.name(first),
            last_name=self.name(last),
            middle_name=self.name(middle) if middle else None,
            title=person.titles[0] if person.titles else None,
            gender="M" if person.sex == "male" else "F",
            birthdate=person.birth_date,
            birth_place=person.home.name if self.x.details and person.home else None,
            id_number=cnic,
            nationality=person.nationality.upper(),
            residence=person.home.country.upper() if person.home else None,
            phones=tuple(self.phone(p) for p in person.phones),
            address=_address(person.home, "H"),
            email=person.email if self.x.details else None,
            occupation=person.occupation if self.x.details else None,
        )

    def phone(self, e164: str) -> tuple[str | None, str]:
        if self.x.phone_style == "e164" or not e164.startswith("+92"):
            return None, e164
        national = e164[3:]
        if self.x.phone_style == "prefix":
            return "92", national
        return None, f"0{national[:3]}-{national[3:]}"

    def entity(self, org: Organisation) -> GoamlEntity:
        directors = [(uid, "Director") for uid in org.directors]
        directors += [(uid, "Shareholder") for uid in org.owners if uid not in org.directors]
        return GoamlEntity(
            name=self.name(org.name),
            legal_form=org.legal_form,
            incorporation_number=org.registration_number,
            business=org.kind.replace("_", " "),
            address=_address(org.address, "B"),
            country=org.country.upper(),
            directors=tuple(
                (self.person(self.world.people[uid]), role)
                for uid, role in directors
                if uid in self.world.people
            ),
        )

    def party(self, uid: str, full: bool = True) -> GoamlPerson | GoamlEntity:
        if uid in self.world.people:
            return self.person(self.world.people[uid], full)
        org = self.world.organisations[uid]
        return self.entity(org) if full else GoamlEntity(name=self.name(org.name))

    def account(self, account: Account, my_client: bool) -> GoamlAccount:
        known = BANK_BY_NAME.get(account.bank)
        number, iban = account.number, None
        if self.x.iban_element and known and number.startswith("PK") and len(number) == 24:
            number, iban = number[8:], number
        entity: GoamlEntity | None = None
        signatories: tuple[GoamlSignatory, ...] = ()
        holder_name = self.world.party_name(account.holder)
        if my_client or self.x.counterparty_signatory:
            holder = self.party(account.holder, full=my_client)
            if isinstance(holder, GoamlEntity):
                entity = holder
                if my_client:
                    signatories = tuple(
                        GoamlSignatory(person, is_primary=False, role="Authorised signatory")
                        for person, role in holder.directors
                        if role == "Director"
                    )
            else:
                signatories = (GoamlSignatory(holder, is_primary=True),)
        return GoamlAccount(
            institution_name=account.bank,
            account=number,
            swift=f"{known.code}PKKA" if known else None,
            branch=account.branch,
            currency=account.currency,
            account_name=self.name(holder_name),
            iban=iban,
            personal_account_type=account.kind if my_client else None,
            entity=entity,
            signatories=signatories,
            opened=account.opened if my_client else None,
            status_code=("A" if my_client else None),
        )

    def side(self, tx: Transaction, outgoing: bool) -> GoamlSide:
        """The payer side (`outgoing`) or the beneficiary side of a transaction."""
        number = tx.payer_account if outgoing else tx.beneficiary_account
        country = (tx.payer_country if outgoing else tx.beneficiary_country).upper()
        rate = FX_TO_PKR.get(tx.currency, 1.0)
        foreign = (tx.currency, tx.amount, rate) if tx.currency != LOCAL_CURRENCY else None
        if number == CASH:  # the cash is brought (or taken) by the other account's holder
            other = self.accounts[tx.beneficiary_account if outgoing else tx.payer_account]
            mine = other.bank == self.x.bank
            return GoamlSide(mine, FUNDS_CASH, self.party(other.holder), country, foreign)
        account = self.accounts[number]
        mine = account.bank == self.x.bank
        funds = FUNDS.get(tx.channel, "A")
        return GoamlSide(mine, funds, self.account(account, mine), country, foreign)

    def transaction(self, tx: Transaction) -> GoamlTransaction:
        return GoamlTransaction(
            number=tx.id,
            date=tx.timestamp,
            transmode_code=TRANSMODE.get(tx.channel, "OT"),
            amount_local=round(tx.amount * FX_TO_PKR.get(tx.currency, 1.0), 2),
            source=self.side(tx, outgoing=True),
            target=self.side(tx, outgoing=False),
            internal_ref=f"{self.x.code}{tx.id}" if self.x.details else None,
            location=tx.branch,
            description=tx.channel.replace("_", " ") if self.x.details else None,
            value_date=tx.timestamp.date() if self.x.details else None,
        )


def _address(place: Place | None, kind: str) -> GoamlAddress | None:
    if place is None:
        return None
    return GoamlAddress(kind, place.name, place.name, place.country.upper(), place.province)


# -- which bank files what ----------------------------------------------------------------------
def build_reports(
    world: World,
    transactions: Iterable[Transaction],
    suspicious: dict[str, str],
    rng: random.Random,
    threshold: float = 2_000_000,
) -> list[GoamlReport]:
    """CTRs: each Pakistani bank files one report a day for its cash transactions at or above
    `threshold` (PKR). STRs: each pattern in `suspicious` (transaction id → pattern id) is filed
    by the bank holding its busiest Pakistani account, then by the next for what is left."""
    accounts = {a.number: a for a in world.accounts.values()}
    cash: dict[tuple[str, dt.date], list[Transaction]] = defaultdict(list)
    patterns: dict[str, list[Transaction]] = defaultdict(list)
    for tx in transactions:
        if tx.id in suspicious:
            patterns[suspicious[tx.id]].append(tx)
        if CASH not in (tx.payer_account, tx.beneficiary_account):
            continue
        if tx.amount * FX_TO_PKR.get(tx.currency, 1.0) < threshold:
            continue
        number = tx.beneficiary_account if tx.payer_account == CASH else tx.payer_account
        account = _lookup(accounts, number, tx)
        if account.country == "pk":
            cash[(account.bank, tx.timestamp.date())].append(tx)

    filings: list[tuple[str, str, list[Transaction], str | None]] = [
        (bank, "CTR", txs, None) for (bank, _day), txs in sorted(cash.items())
    ]
    for pattern_id in sorted(patterns):
        txs = sorted(patterns[pattern_id], key=lambda t: (t.timestamp, t.id))
        for bank, part in _str_parts(txs, accounts):
            filings.append((bank, "STR", part, pattern_id))

    ids = _rentity_ids(bank for bank, *_ in filings)
    exporters = {bank: _Exporter.for_bank(bank, ids[bank]) for bank in ids}
    sequence: Counter[str] = Counter()
    reports = []
    for bank, code, txs, _pattern in filings:
        exporter = exporters[bank]
        writer = _Writer(world, accounts, exporter)
        last = max(t.timestamp for t in txs)
        delay = rng.randint(1, 5) if code == "CTR" else rng.randint(3, 20)
        submitted = dt.datetime.combine(last.date() + dt.timedelta(days=delay), dt.time(10))
        submitted += dt.timedelta(minutes=rng.randint(0, 420))
        stem = f"{exporter.code}-{code}-{submitted:%Y%m%d}"
        sequence[stem] += 1
        report = GoamlReport(
            rentity_id=exporter.rentity_id,
            report_code=code,
            entity_reference=f"{stem}-{sequence[stem]:03d}",
            submission_date=submitted,
            transactions=[writer.transaction(tx) for tx in txs],
            rentity_branch="Compliance Division, Head Office" if rng.random() < 0.7 else None,
            reporting_person=exporter.officer,
            indicators=["CTR-CASH-THRESHOLD"],
        )
        if code == "STR":
            _explain(report, txs, accounts, world, threshold)
        reports.append(report)
    return reports


def _lookup(accounts: dict[str, Account], number: str, tx: Transaction) -> Account:
    try:
        return accounts[number]
    except KeyError:
        raise ValueError(f"transaction {tx.id}: no account {number!r} in the world") from None


def _str_parts(
    txs: Sequence[Transaction], accounts: dict[str, Account]
) -> list[tuple[str, list[Transaction]]]:
    """A pattern's transactions split among the Pakistani banks that see them, busiest first."""
    parts: list[tuple[str, list[Transaction]]] = []
    remaining = list(txs)
    while remaining:
        seen: Counter[str] = Counter()
        for tx in remaining:
            for number in (tx.payer_account, tx.beneficiary_account):
                if number != CASH and _lookup(accounts, number, tx).country == "pk":
                    seen[number] += 1
        if not seen:
            break  # what is left never touched a Pakistani bank: no one files it with the FMU
        busiest = min(seen, key=lambda n: (-seen[n], n))
        bank = accounts[busiest].bank
        mine = [
            tx
            for tx in remaining
            if any(
                n != CASH and accounts[n].bank == bank and accounts[n].country == "pk"
                for n in (tx.payer_account, tx.beneficiary_account)
            )
        ]
        taken = {tx.id for tx in mine}
        remaining = [tx for tx in remaining if tx.id not in taken]
        for start in range(0, len(mine), MAX_STR_TRANSACTIONS):
            parts.append((bank, mine[start : start + MAX_STR_TRANSACTIONS]))
    return parts


def _explain(
    report: GoamlReport,
    txs: Sequence[Transaction],
    accounts: dict[str, Account],
    world: World,
    threshold: float,
) -> None:
    """The STR's reason (facts an analyst can check) and its indicators."""
    typology = Counter(t.typology or "" for t in txs).most_common(1)[0][0]
    numbers = Counter(n for t in txs for n in (t.payer_account, t.beneficiary_account) if n != CASH)
    subject = min(numbers, key=lambda n: (-numbers[n], n)) if numbers else None
    holder = world.party_name(accounts[subject].holder) if subject else "the customer"
    amounts = [t.amount_local for t in report.transactions]
    template = REASONS.get(typology, DEFAULT_REASON)
    report.reason = template.format(
        n=len(txs),
        low=f"{min(amounts):,.0f}",
        high=f"{max(amounts):,.0f}",
        limit=f"{threshold:,.0f}",
        holder=holder,
        parties=max(len(numbers) - 1, 1),
        first=f"{txs[0].timestamp:%d %b %Y}",
        last=f"{txs[-1].timestamp:%d %b %Y}",
        total=f"{sum(amounts):,.0f}",
    )
    report.action = "Customer relationship under enhanced due diligence; account monitored."
    report.indicators = list(INDICATORS.get(typology, ("UNUSUAL-ACCOUNT-ACTIVITY",)))


# -- XML ---------------------------------------------------------------------------------------
def _sub(parent: ET.Element, tag: str, value: object | None) -> None:
    if value is None or value == "":
        return
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
    elif isinstance(value, dt.date):
        text = f"{value:%Y-%m-%d}T00:00:00"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = f"{value:.2f}"
    else:
        text = str(value)
    ET.SubElement(parent, tag).text = text


def _address_xml(parent: ET.Element, tag: str, address: GoamlAddress) -> None:
    node = ET.SubElement(parent, tag)
    _sub(node, "address_type", address.address_type)
    _sub(node, "address", address.address)
    _sub(node, "city", address.city)
    _sub(node, "country_code", address.country_code)
    _sub(node, "state", address.state)


def _person_xml(node: ET.Element, person: GoamlPerson) -> None:
    _sub(node, "gender", person.gender)
    _sub(node, "title", person.title)
    _sub(node, "first_name", person.first_name)
    _sub(node, "middle_name", person.middle_name)
    _sub(node, "last_name", person.last_name)
    _sub(node, "birthdate", person.birthdate)
    _sub(node, "birth_place", person.birth_place)
    _sub(node, "id_number", person.id_number)
    _sub(node, "nationality1", person.nationality)
    _sub(node, "residence", person.residence)
    if person.phones:
        phones = ET.SubElement(node, "phones")
        for prefix, number in person.phones:
            phone = ET.SubElement(phones, "phone")
            _sub(phone, "tph_contact_type", "P")
            _sub(phone, "tph_communication_type", "M")
            _sub(phone, "tph_country_prefix", prefix)
            _sub(phone, "tph_number", number)
    if person.address is not None:
        _address_xml(ET.SubElement(node, "addresses"), "address", person.address)
    _sub(node, "email", person.email)
    _sub(node, "occupation", person.occupation)


def _entity_xml(node: ET.Element, entity: GoamlEntity) -> None:
    _sub(node, "name", entity.name)
    _sub(node, "incorporation_legal_form", entity.legal_form)
    _sub(node, "incorporation_number", entity.incorporation_number)
    _sub(node, "business", entity.business)
    if entity.address is not None:
        _address_xml(ET.SubElement(node, "addresses"), "address", entity.address)
    _sub(node, "incorporation_country_code", entity.country)
    for person, role in entity.directors:
        director = ET.SubElement(node, "director_id")
        _person_xml(director, person)
        _sub(director, "role", role)


def _account_xml(node: ET.Element, account: GoamlAccount) -> None:
    _sub(node, "institution_name", account.institution_name)
    _sub(node, "swift", account.swift)
    _sub(node, "branch", account.branch)
    _sub(node, "account", account.account)
    _sub(node, "currency_code", account.currency)
    _sub(node, "account_name", account.account_name)
    _sub(node, "iban", account.iban)
    _sub(node, "personal_account_type", account.personal_account_type)
    if account.entity is not None:
        _entity_xml(ET.SubElement(node, "t_entity"), account.entity)
    for signatory in account.signatories:
        sign = ET.SubElement(node, "signatory")
        _sub(sign, "is_primary", signatory.is_primary)
        _person_xml(ET.SubElement(sign, "t_person"), signatory.person)
        _sub(sign, "role", signatory.role)
    _sub(node, "opened", account.opened)
    _sub(node, "status_code", account.status_code)


def _side_xml(parent: ET.Element, side: GoamlSide, direction: str) -> None:
    tag = f"t_{direction}_my_client" if side.my_client else f"t_{direction}"
    node = ET.SubElement(parent, tag)
    _sub(node, f"{direction}_funds_code", side.funds_code)
    if side.foreign_currency is not None:
        code, amount, rate = side.foreign_currency
        foreign = ET.SubElement(node, f"{direction}_foreign_currency")
        _sub(foreign, "foreign_currency_code", code)
        _sub(foreign, "foreign_amount", float(amount))
        _sub(foreign, "foreign_exchange_rate", f"{rate:.4f}")
    party = side.party
    if isinstance(party, GoamlAccount):
        _account_xml(ET.SubElement(node, f"{direction}_account"), party)
    elif isinstance(party, GoamlPerson):
        _person_xml(ET.SubElement(node, f"{direction}_person"), party)
    else:
        _entity_xml(ET.SubElement(node, f"{direction}_entity"), party)
    _sub(node, f"{direction}_country", side.country)


def report_xml(report: GoamlReport) -> bytes:
    """The report as goAML XML (UTF-8, declaration, two-space indent); same report, same bytes."""
    root = ET.Element("report")
    _sub(root, "rentity_id", report.rentity_id)
    _sub(root, "rentity_branch", report.rentity_branch)
    _sub(root, "submission_code", report.submission_code)
    _sub(root, "report_code", report.report_code)
    _sub(root, "entity_reference", report.entity_reference)
    _sub(root, "submission_date", report.submission_date)
    _sub(root, "currency_code_local", report.currency_code_local)
    if report.reporting_person is not None:
        _person_xml(ET.SubElement(root, "reporting_person"), report.reporting_person)
    if report.location is not None:
        _address_xml(root, "location", report.location)
    _sub(root, "reason", report.reason)
    _sub(root, "action", report.action)
    for tx in report.transactions:
        node = ET.SubElement(root, "transaction")
        _sub(node, "transactionnumber", tx.number)
        _sub(node, "internal_ref_number", tx.internal_ref)
        _sub(node, "transaction_location", tx.location)
        _sub(node, "transaction_description", tx.description)
        _sub(node, "date_transaction", tx.date)
        _sub(node, "value_date", tx.value_date)
        _sub(node, "transmode_code", tx.transmode_code)
        _sub(node, "amount_local", float(tx.amount_local))
        _side_xml(node, tx.source, "from")
        _side_xml(node, tx.target, "to")
    if report.indicators:
        indicators = ET.SubElement(root, "report_indicators")
        for indicator in report.indicators:
            _sub(indicators, "indicator", indicator)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def write_reports(reports: list[GoamlReport], outdir: Path) -> list[Path]:
    """One file per report, `<entity_reference>.goaml.xml`, in `outdir`."""
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for report in reports:
        path = outdir / f"{_UNSAFE.sub('_', report.entity_reference)}.goaml.xml"
        path.write_bytes(report_xml(report))
        paths.append(path)
    return paths
