"""Opens the world's bank, wallet and foreign accounts: network members, fronts, everyone else.

Owns account numbers (valid IBANs, 03XX wallets), branches, and the minimal synthetic holders.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from typing import Any

from nexus.scenario.finance_base import (
    BANKS,
    COUNTRY_CURRENCY,
    FOREIGN_BANKS,
    FOREIGN_CITIES,
    PK_CITIES,
    WALLETS,
    Bank,
    FinanceScale,
    branch_code,
    iban,
    pk_iban,
)
from nexus.scenario.model import Account, Network, Organisation, Person, Sex, World

# Network roles whose members hold the accounts that launder the network's money.
CORE_ROLES: tuple[str, ...] = ("leader", "financier", "broker", "hawala_dealer", "money_mule")
# Roles of world people who may hold ordinary accounts (not victims, officials, militants).
ORDINARY_HOLDER_ROLES: tuple[str | None, ...] = (None, "relative")
UTILITIES: tuple[str, ...] = (
    "K-Electric",
    "Lahore Electric Supply Company",
    "Islamabad Electric Supply Company",
    "Peshawar Electric Supply Company",
    "Sui Northern Gas Pipelines",
    "Sui Southern Gas Company",
    "PTCL",
    "Karachi Water and Sewerage Corporation",
    "WASA Lahore",
    "Jazz Postpaid",
)
# Ordinary population: share of `ordinary_accounts`, and the least of each (tiny worlds).
POPULATION: tuple[tuple[str, float, int], ...] = (
    ("foreign:ae", 0.030, 8),
    ("foreign:sa", 0.020, 4),
    ("foreign:gb", 0.006, 2),
    ("foreign:us", 0.004, 1),
    ("foreign:af", 0.010, 6),
    ("foreign:ir", 0.005, 3),
    ("foreign:kp", 0.002, 2),
    ("foreign:mm", 0.002, 2),
    ("shop", 0.080, 8),
    ("merchant", 0.040, 6),
    ("employer", 0.020, 6),
    ("exchange_company", 0.005, 2),
)
WALLET_SHARE = 0.22  # of individuals' accounts
NEW_SHARE = 0.10  # of individuals' accounts, opened lately (see NEW_LEAD)
NEW_PER_PATTERN = 25  # further recent accounts per pattern of each typology (fan-in senders)
NEW_LEAD = 150  # recent accounts open from this many days before the start
CNIC_PROVINCE = {
    "Karachi": "4",
    "Hyderabad": "4",
    "Peshawar": "1",
    "Kohat": "1",
    "Quetta": "5",
    "Chaman": "5",
    "Turbat": "5",
    "Gwadar": "5",
    "Khuzdar": "5",
    "Islamabad": "6",
}

_MALE = (
    "Muhammad Ali",
    "Ahmed Raza",
    "Imran Khan",
    "Bilal Ahmed",
    "Usman Tariq",
    "Zahid Hussain",
    "Asif Iqbal",
    "Kamran Akmal",
    "Naveed Anjum",
    "Faisal Mehmood",
    "Tariq Aziz",
    "Shahid Latif",
    "Waqar Younis",
    "Nadeem Abbas",
    "Sajid Mir",
    "Abdul Qadir",
    "Junaid Akhtar",
    "Rashid Minhas",
)
_FEMALE = (
    "Ayesha Bibi",
    "Fatima Noor",
    "Sana Javed",
    "Nadia Hussain",
    "Rubina Kausar",
    "Saima Akram",
    "Shazia Parveen",
    "Farzana Bano",
    "Hina Rabbani",
    "Amna Iqbal",
)
_FAMILY = (
    "Khan",
    "Ahmed",
    "Butt",
    "Malik",
    "Chaudhry",
    "Qureshi",
    "Sheikh",
    "Awan",
    "Baloch",
    "Achakzai",
    "Afridi",
    "Yousafzai",
    "Memon",
    "Siddiqui",
    "Abbasi",
    "Raja",
    "Mughal",
    "Jatoi",
)
_FATHERS = (
    "Muhammad Aslam",
    "Ghulam Rasool",
    "Abdul Ghani",
    "Noor Muhammad",
    "Haji Bashir",
    "Allah Ditta",
    "Karim Bakhsh",
    "Gul Muhammad",
    "Mir Dad",
    "Fazal Din",
)
_TRADE_WORDS = (
    "Madina",
    "Al-Rehman",
    "Al-Noor",
    "Bismillah",
    "Al-Makkah",
    "Subhan",
    "Ittefaq",
    "Ghazi",
    "Khyber",
    "Indus",
    "Crescent",
    "Shalimar",
    "Ravi",
    "Mehran",
    "Bolan",
    "Hamza",
    "Bilal",
    "Rehmat",
    "Al-Karim",
    "Frontier",
    "Sarhad",
    "Pak-Gulf",
)
_ORG_FORMS = {
    "shop": ("General Store", "Traders", "Cloth House", "Electronics", "Hardware Store"),
    "merchant": ("Mart", "Pharmacy", "Superstore", "Bakers", "Mobile Zone"),
    "company": (
        "Textiles (Pvt) Ltd",
        "Industries (Pvt) Ltd",
        "Builders (Pvt) Ltd",
        "Foods (Pvt) Ltd",
        "Logistics (Pvt) Ltd",
    ),
    "exchange_company": ("Exchange Company (Pvt) Ltd",),
    "trading": ("General Trading LLC", "Trading Co.", "Import Export"),
}


def _load_name_bank() -> Any | None:
    """The shared name bank (nexus.scenario.names) where it exists and loads, else None: names
    are cosmetic here, so a missing or broken bank means placeholders, not a failed run."""
    try:
        module = importlib.import_module("nexus.scenario.names")
        return module.load_names()
    except Exception:
        return None


class _Names:
    """Names for synthetic holders: the shared name bank when present, placeholders otherwise."""

    def __init__(self) -> None:
        self.bank = _load_name_bank()

    def person(self, rng: random.Random, sex: Sex, region: str) -> tuple[str, str | None, str]:
        if self.bank is not None:
            try:
                return (
                    str(self.bank.given_name(rng, sex, region)),
                    self.bank.family_name(rng, region),
                    str(self.bank.father_name(rng, region)),
                )
            except (AttributeError, TypeError, KeyError, ValueError, IndexError):
                self.bank = None
        given = rng.choice(_MALE if sex == "male" else _FEMALE)
        return given, rng.choice(_FAMILY), rng.choice(_FATHERS)

    @staticmethod
    def organisation(rng: random.Random, kind: str) -> str:
        forms = _ORG_FORMS.get(kind, _ORG_FORMS["company"])
        return f"{rng.choice(_TRADE_WORDS)} {rng.choice(forms)}"


def _region(city: str) -> str:
    province = CNIC_PROVINCE.get(city, "3")
    return {"1": "kp", "4": "sindh", "5": "balochistan", "6": "islamabad"}.get(province, "punjab")


class _Opener:
    """State while accounts are opened; discarded afterwards."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.names = _Names()
        self.taken = {a.number for a in world.accounts.values()}
        self.counters: dict[str, int] = {}
        self.span = max((world.end - world.start).days, 30)
        self.cities = list(PK_CITIES)
        self.city_weights = [PK_CITIES[c][0] for c in self.cities]
        self.bank_weights = [b.share for b in BANKS]

    # -- identities ---------------------------------------------------------------------------
    def uid(self, prefix: str, table: dict[str, Any]) -> str:
        while True:
            self.counters[prefix] = self.counters.get(prefix, 0) + 1
            candidate = f"{prefix}{self.counters[prefix]:06d}"
            if candidate not in table:
                return candidate

    def unique(self, make: Any) -> str:
        while True:
            number = str(make())
            if number not in self.taken:
                self.taken.add(number)
                return number

    def digits(self, count: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(count))

    def old_date(self) -> dt.date:
        return self.world.start - dt.timedelta(days=self.rng.randint(60, 4000))

    def new_date(self, within: float = 1.0) -> dt.date:
        """A recent opening: from five months before the start to near the end (or `within`)."""
        days = max(int((self.span + NEW_LEAD - 20) * within), 1)
        return self.world.start + dt.timedelta(days=self.rng.randint(0, days) - NEW_LEAD)

    def city_of(self, uid: str) -> str:
        place = None
        if uid in self.world.people:
            place = self.world.people[uid].home
        elif uid in self.world.organisations:
            place = self.world.organisations[uid].address
        if place is not None and place.name in PK_CITIES:
            return place.name
        return self.rng.choices(self.cities, weights=self.city_weights)[0]

    def person(self, nationality: str = "pk", city: str | None = None) -> Person:
        rng = self.rng
        sex: Sex = "male" if rng.random() < 0.85 else "female"
        city = city or rng.choices(self.cities, weights=self.city_weights)[0]
        given, family, father = self.names.person(rng, sex, _region(city))
        born = self.world.start - dt.timedelta(days=rng.randint(20 * 365, 65 * 365))
        cnic = None
        if nationality == "pk":
            last = rng.choice("13579" if sex == "male" else "02468")
            cnic = f"{CNIC_PROVINCE.get(city, '3')}{self.digits(11)}{last}"
        person = Person(
            uid=self.uid("FP", self.world.people),
            given_name=given,
            family_name=family,
            father_name=father,
            sex=sex,
            birth_date=born,
            nationality=nationality,
            cnic=cnic,
        )
        self.world.people[person.uid] = person
        return person

    def organisation(self, kind: str, country: str = "pk") -> Organisation:
        legal = {"company": "Private Limited", "exchange_company": "Private Limited"}
        org = Organisation(
            uid=self.uid("FO", self.world.organisations),
            name=self.names.organisation(self.rng, "trading" if country != "pk" else kind),
            kind=kind,
            country=country,
            legal_form=legal.get(kind, "LLC" if country == "ae" else None),
        )
        self.world.organisations[org.uid] = org
        return org

    # -- accounts -----------------------------------------------------------------------------
    def add(self, account: Account) -> Account:
        self.world.accounts[account.uid] = account
        return account

    def pk_account(
        self,
        holder: str,
        kind: str,
        opened: dt.date,
        bank: Bank | None = None,
        dormant_until: dt.date | None = None,
    ) -> Account:
        bank = bank or self.rng.choices(BANKS, weights=self.bank_weights)[0]
        city = self.city_of(holder)
        branch = f"{city} {self.rng.choice(PK_CITIES[city][1])} Branch"
        code = branch_code(bank.code, branch)
        number = self.unique(lambda: pk_iban(bank.code, code + self.digits(12)))
        return self.add(
            Account(
                uid=self.uid("FA", self.world.accounts),
                number=number,
                bank=bank.name,
                branch=branch,
                holder=holder,
                currency="PKR",
                country="pk",
                opened=opened,
                kind=kind,
                dormant_until=dormant_until,
            )
        )

    def wallet(self, holder: str, opened: dt.date) -> Account:
        phones = []
        if holder in self.world.people:
            phones = [p for p in self.world.people[holder].phones if p.startswith("+923")]
        provider = self.rng.choice(sorted(WALLETS))
        number = ""
        for phone in phones:
            local = "0" + phone[3:]
            for name, prefixes in sorted(WALLETS.items()):
                if local[:4] in prefixes and len(local) == 11 and local not in self.taken:
                    provider, number = name, local
                    self.taken.add(local)
                    break
            if number:
                break
        if not number:
            number = self.unique(lambda: self.rng.choice(WALLETS[provider]) + self.digits(7))
            if holder in self.world.people:
                self.world.people[holder].phones.append("+92" + number[1:])
        return self.add(
            Account(
                uid=self.uid("FA", self.world.accounts),
                number=number,
                bank=provider,
                branch=None,
                holder=holder,
                currency="PKR",
                country="pk",
                opened=opened,
                kind="wallet",
            )
        )

    def foreign(self, holder: str, country: str, kind: str, opened: dt.date) -> Account:
        bank = self.rng.choice(FOREIGN_BANKS[country])
        if bank.iban_code is not None:
            code = bank.iban_code
            number = self.unique(lambda: iban(country, code + self.digits(bank.digits)))
        else:
            number = self.unique(lambda: self.digits(bank.digits))
        return self.add(
            Account(
                uid=self.uid("FA", self.world.accounts),
                number=number,
                bank=bank.name,
                branch=f"{self.rng.choice(FOREIGN_CITIES[country])} Branch",
                holder=holder,
                currency=COUNTRY_CURRENCY[country],
                country=country,
                opened=opened,
                kind=kind,
            )
        )

    # -- populations --------------------------------------------------------------------------
    def network(self, network: Network) -> None:
        world, rng = self.world, self.rng
        members = [world.people[u] for u in network.members if u in world.people]
        core = [p for p in members if p.role in CORE_ROLES and p.role != "hawala_dealer"]
        dealers = [p for p in members if p.role == "hawala_dealer"]
        for person in core:
            mule = person.role == "money_mule"
            if mule:  # recruited lately: opened in the months before the period
                opened = self.world.start - dt.timedelta(days=rng.randint(10, NEW_LEAD))
            else:
                opened = self.old_date()
            first = self.pk_account(person.uid, "personal", opened)
            if rng.random() < 0.4:
                others = [b for b in BANKS if b.name != first.bank]
                self.pk_account(person.uid, "personal", self.old_date(), rng.choice(others))
            if mule or rng.random() < 0.4:
                self.wallet(person.uid, opened)
        domestic = next(
            (d for d in dealers if d.nationality == "pk"), dealers[0] if dealers else None
        )
        for dealer in dealers:
            if dealer is domestic:
                self.pk_account(dealer.uid, "business", self.old_date())
                self.wallet(dealer.uid, self.old_date())
            else:
                country = "af" if dealer.nationality == "af" else "ae"
                self.foreign(dealer.uid, country, "hawala", self.old_date())
        abroad = next(
            (p for role in ("financier", "leader", "broker") for p in core if p.role == role), None
        )
        if abroad is not None:
            self.foreign(abroad.uid, "ae", "personal", self.old_date())
        fronts = sorted(
            (o for o in world.organisations.values() if o.network == network.uid),
            key=lambda o: o.uid,
        )
        for org in fronts:
            if org.proscribed or org.country != "pk":
                continue
            for _ in range(rng.choice((1, 1, 2))):
                self.pk_account(org.uid, "business", self.old_date())

    def dormant(self, networks: list[Network], count: int) -> None:
        """Old accounts of network members, silent until a date inside the period."""
        world, rng = self.world, self.rng
        holders = [
            [u for u in n.members if u in world.people and world.people[u].role in CORE_ROLES]
            for n in networks
        ]
        holders = [h for h in holders if h]
        if not holders:
            return
        base = min(max(150, int(self.span * 0.45)), self.span - 60)
        for i in range(count):
            group = holders[i % len(holders)]
            holder = group[(i // len(holders)) % len(group)]
            until = world.start + dt.timedelta(days=base + rng.randint(0, max(self.span // 5, 1)))
            until = min(until, world.end - dt.timedelta(days=30))
            opened = world.start - dt.timedelta(days=rng.randint(3 * 365, 9 * 365))
            self.pk_account(holder, "personal", opened, dormant_until=until)

    def ordinary(self, scale: FinanceScale) -> None:
        world, rng = self.world, self.rng
        total = scale.ordinary_accounts
        used = {a.holder for a in world.accounts.values()}
        utilities = [self.organisation("utility") for _ in UTILITIES]
        for org, name in zip(utilities, UTILITIES, strict=True):
            org.name = name
            self.pk_account(org.uid, "business", self.old_date())
        remaining = total - len(utilities)
        existing_orgs = [
            o
            for o in sorted(world.organisations.values(), key=lambda o: o.uid)
            if o.network is None
            and not o.proscribed
            and o.kind not in ("bank", "proscribed", "utility")
            and o.country == "pk"
            and o.uid not in used
        ]
        for group, share, least in POPULATION:
            count = max(least, round(total * share))
            remaining -= count
            if group.startswith("foreign:"):
                country = group.split(":")[1]
                for _ in range(count):
                    if country in ("ae", "sa", "gb", "us") and rng.random() < 0.75:
                        holder = self.person("pk").uid  # a Pakistani working abroad
                    elif country in ("af", "ir") and rng.random() < 0.6:
                        holder = self.person(country).uid
                    else:
                        holder = self.organisation("trading", country).uid
                    self.foreign(holder, country, "personal", self.old_date())
                continue
            kind = {"shop": "business", "merchant": "merchant", "employer": "payroll"}.get(
                group, "business"
            )
            for _ in range(count):
                if group in ("shop", "employer") and existing_orgs:
                    holder = existing_orgs.pop(0).uid
                else:
                    org_kind = {"employer": "company"}.get(group, group)
                    holder = self.organisation(org_kind).uid
                self.pk_account(holder, kind, self.old_date())
        people = [
            p.uid
            for p in sorted(world.people.values(), key=lambda p: p.uid)
            if p.network is None
            and p.role in ORDINARY_HOLDER_ROLES
            and p.uid not in used
            and p.nationality == "pk"
        ]
        people.reverse()
        previous: str | None = None
        recent = scale.patterns_per_typology * NEW_PER_PATTERN
        for n in range(max(remaining, 10) + recent):
            if previous is not None and rng.random() < 0.2:
                holder = previous
            else:
                holder = people.pop() if people else self.person("pk").uid
            new = n >= max(remaining, 10) or rng.random() < NEW_SHARE
            opened = self.new_date() if new else self.old_date()
            if rng.random() < WALLET_SHARE:
                self.wallet(holder, opened)
            else:
                self.pk_account(holder, "personal", opened)
            previous = holder


def open_accounts(world: World, rng: random.Random, scale: FinanceScale) -> None:
    """Open accounts for network members (leaders, financiers, brokers, hawala dealers, mules)
    and fronts, dormant accounts for planting, and an ordinary population of individuals,
    shops, merchants, employers, exchange companies, utilities and foreign counterparts."""
    opener = _Opener(world, rng)
    networks = sorted(world.networks.values(), key=lambda n: n.uid)
    for network in networks:
        opener.network(network)
    opener.dormant(networks, scale.patterns_per_typology)
    opener.ordinary(scale)
