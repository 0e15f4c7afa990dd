"""An independent family of look-alikes: one person written by several offices, several people
bearing one name, and shops of one name, in villages and bazaars drawn per seed.

Built apart from `nexus.scenario` (no shared code, name list or parameter). Each seed draws its
own habits from wide ranges, then a world of places (a village or mohalla with its bazaar):
households sharing an address and sometimes a phone, an employer taking on part of the men, shops
owned by men of the place, police cases naming some of them, and bank customers paying wages,
shops and relatives. Every record is written as the office that holds it would:

* a police register (one row per accused and case: name, father, CNIC, mobile, address);
* an EOBI contribution register (employer, employee number, name, father, CNIC, birth date);
* two banks' customer files (titles in capitals, CNIC and birth date often missing, the
  business customers with a registration number or none) and their transaction extracts;
* a district register of trade licences (shop, licence number, owner, owner's CNIC).

So one person is (a) several records across agencies, upper-cased, spelled another way
(Muhammad / Mohammad / Mohd.), with the CNIC with or without dashes, sometimes mistyped by a
digit, missing, or the birth date given as a year or with day and month swapped. Besides the
names that collide by chance (pools drawn with a Zipf skew), (b) look-alikes are planted: men
of one place given one name, tied to the same employer, to the same case, to the same shop, or
with fathers of one name, some with CNICs or birth dates that differ and some with none at all;
and (c) shops of one name in one bazaar (different owners, licences and accounts).

`draw(seed)` returns a `World` (people, businesses, the rows of every file, the truth by file
and row); `World.write(folder)` writes the CSV files and their mappings. `run(world, home)`
loads them through the mappings into a store, resolves, builds the graph and settles the
namesakes as `nexus network namesakes --settle` does (rounds until one merges nothing);
`score(outcome, kind)` compares merges and the review queue with the truth (each entity
resolution left is its records' owner by majority), for the rule, or for a peer's merges such
as `naive(outcome, kind)` (every same-name pair of one community merged). Parents here do not
give two of their children one name, nor a son his father's.
"""

from __future__ import annotations

import csv
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# canonical -> Latin spellings (the first the usual one). Own pools, not the scenario's.
MEN: dict[str, tuple[str, ...]] = {
    "ali": ("Ali", "Aly"),
    "ahmed": ("Ahmed", "Ahmad"),
    "aslam": ("Aslam",),
    "akram": ("Akram",),
    "arshad": ("Arshad",),
    "asif": ("Asif",),
    "imran": ("Imran",),
    "shahid": ("Shahid",),
    "zahid": ("Zahid",),
    "tariq": ("Tariq", "Tarik"),
    "khalid": ("Khalid",),
    "rashid": ("Rashid", "Rasheed"),
    "sajid": ("Sajid",),
    "naveed": ("Naveed", "Navid"),
    "waseem": ("Waseem", "Wasim"),
    "ijaz": ("Ijaz", "Ejaz"),
    "iqbal": ("Iqbal",),
    "riaz": ("Riaz",),
    "rafiq": ("Rafiq", "Rafique"),
    "saleem": ("Saleem", "Salim"),
    "javed": ("Javed", "Javaid"),
    "yasir": ("Yasir", "Yasser"),
    "bilal": ("Bilal",),
    "usman": ("Usman", "Osman"),
    "hamza": ("Hamza",),
    "nadeem": ("Nadeem", "Nadim"),
    "zafar": ("Zafar",),
    "shafiq": ("Shafiq", "Shafique"),
    "hussain": ("Hussain", "Husain"),
    "abbas": ("Abbas",),
}
ELDERS = ("Ghulam Rasool", "Allah Ditta", "Noor Muhammad", "Abdul Ghafoor", "Muhammad Sharif",
          "Fazal Din", "Karam Elahi", "Muhammad Ramzan", "Sher Muhammad", "Ghulam Nabi",
          "Muhammad Boota", "Abdul Majeed")  # fmt: skip
WOMEN: dict[str, tuple[str, ...]] = {
    "fatima": ("Fatima", "Fatimah"),
    "ayesha": ("Ayesha", "Aisha"),
    "khadija": ("Khadija", "Khadeeja"),
    "rukhsana": ("Rukhsana",),
    "nasreen": ("Nasreen", "Nasrin"),
    "parveen": ("Parveen", "Perveen"),
    "shabana": ("Shabana",),
    "bushra": ("Bushra",),
    "saima": ("Saima",),
    "rabia": ("Rabia",),
}
CASTES: dict[str, tuple[str, ...]] = {
    "khan": ("Khan",),
    "malik": ("Malik",),
    "butt": ("Butt",),
    "awan": ("Awan",),
    "gujjar": ("Gujjar", "Gujar"),
    "arain": ("Arain",),
    "rajput": ("Rajput",),
    "qureshi": ("Qureshi",),
    "bhatti": ("Bhatti",),
    "niazi": ("Niazi",),
    "abbasi": ("Abbasi",),
    "mughal": ("Mughal",),
}
SHOPS = ("Madina General Store", "Bismillah Traders", "Al-Rehman Cloth House", "Data Kiryana Store",
         "Al-Noor Medical Store", "Ittefaq Hardware", "Ghousia Traders", "Usmania Sweets",
         "Bilal Autos", "Royal Mobile Zone", "Sadiq Poultry", "Al-Fatah Fertilizer")  # fmt: skip
EMPLOYERS = ("Bricks", "Rice Mills", "Cotton Ginners", "Goods Transport", "Flour Mills",
             "Poultry Farms", "Steel Foundry", "Textile Mills", "Sugar Mills",
             "Ice Factory")  # fmt: skip
PLACES = ("Rehmanpura", "Islampura", "Chak 47", "Basti Malookan", "Kot Lakhpat", "Mohalla Jhangi",
          "Dhok Hassu", "Ghaziabad", "Chak Jhumra", "Kacha Khuh", "Pir Wadhai",
          "Faizabad")  # fmt: skip
CITIES = ("Sheikhupura", "Faisalabad", "Gujranwala", "Sargodha", "Okara", "Sahiwal", "Kasur")
BANKS = (("HBL", "Habib Bank Limited"), ("MCB", "MCB Bank Limited"))
OFFENCES = ("theft", "robbery", "narcotics (CNSA 9c)", "illegal arms", "fraud", "cattle theft")

POLICE = ("Entry No", "FIR No", "Police Station", "FIR Date", "Offence", "Accused",
          "Father/Husband", "CNIC", "Mobile", "Address")  # fmt: skip
EOBI = ("Employer Reg No", "Employer", "Employee No", "Name", "Father Name", "CNIC",
        "Date of Birth")  # fmt: skip
CUSTOMERS = ("Account No", "Account Title", "CNIC", "Date of Birth", "Mobile", "Address")
BUSINESS = ("Account No", "Account Title", "Registration No", "Address")
PAYMENTS = ("Ref", "Date", "Debit Account", "Debit Title", "Credit Account", "Credit Title",
            "Credit Bank", "Amount", "Narration")  # fmt: skip
LICENCES = ("Licence No", "Shop Name", "Market", "Address", "Owner", "Father Name", "Owner CNIC")


@dataclass(frozen=True)
class Rates:
    """One seed's habits (drawn from wide ranges): how many, and how each office writes."""

    places: int
    households: tuple[int, int]  # per place
    zipf: float  # skew of the name pools
    surname: float  # a household bears a caste or family name
    muhammad: float  # a man's name starts with Muhammad
    two_names: float  # a man bears two given names besides
    employed: float  # men of a place on its employer's register
    banked: float  # adults with a bank account (women half as often)
    second_account: float  # a customer with an account at the other bank too
    accused: float  # men named in a police case
    lookalikes: tuple[int, int]  # planted groups of one name per place
    same_shop_name: float  # a place's second shop bears the name of its first
    variant: float  # a spelling other than the usual one
    abbreviated: float  # Muhammad written M. (the name no longer normalises the same)
    cnic: dict[str, float]  # per office: the CNIC written
    dob: dict[str, float]  # per office: the birth date written
    father: dict[str, float]  # per office: the father's name written
    cnic_dashes: float
    cnic_typo: float
    dob_year_only: float
    dob_swapped: float
    family_phone: float  # a household shares one phone
    address_variant: float  # the address written another way ("H# 12 St 3 …")


def rates(seed: int) -> Rates:
    rng = random.Random(f"namesakes-rates-{seed}")
    u = rng.uniform
    return Rates(
        places=rng.randint(5, 8),
        households=(rng.randint(4, 6), rng.randint(8, 11)),
        zipf=u(0.7, 1.3),
        surname=u(0.3, 0.8),
        muhammad=u(0.2, 0.5),
        two_names=u(0.4, 0.75),
        employed=u(0.3, 0.7),
        banked=u(0.4, 0.8),
        second_account=u(0.0, 0.2),
        accused=u(0.1, 0.3),
        lookalikes=(rng.randint(1, 2), rng.randint(2, 4)),
        same_shop_name=u(0.2, 0.6),
        variant=u(0.1, 0.4),
        abbreviated=u(0.0, 0.1),
        cnic={"police": u(0.5, 0.95), "eobi": u(0.4, 0.9), "bank": u(0.2, 0.8), "dc": u(0.4, 0.9)},
        dob={"eobi": u(0.3, 0.9), "bank": u(0.3, 0.8)},
        father={"police": u(0.7, 1.0), "eobi": u(0.4, 1.0), "dc": u(0.2, 0.7)},
        cnic_dashes=u(0.2, 0.8),
        cnic_typo=u(0.0, 0.03),
        dob_year_only=u(0.0, 0.15),
        dob_swapped=u(0.0, 0.05),
        family_phone=u(0.1, 0.5),
        address_variant=u(0.0, 0.3),
    )


@dataclass
class Person:
    uid: str
    given: tuple[str, ...]  # canonical keys of MEN / WOMEN, "muhammad" first if borne
    caste: str | None
    female: bool
    father: str  # the father's name as the family says it ("Ghulam Rasool")
    cnic: str
    dob: tuple[int, int, int]
    phone: str
    place: int
    house: int  # household number in the whole world
    address: str
    hide: frozenset[str] = frozenset()  # "cnic", "dob": never written in any record

    @property
    def adult(self) -> bool:
        return self.dob[0] <= 2004


@dataclass
class Business:
    uid: str
    name: str
    kind: str  # "shop" | "employer"
    place: int
    registration: str  # trade licence or EOBI registration number
    account: str  # at BANKS[bank]
    bank: int
    owner: str | None = None  # person uid


@dataclass
class Lookalikes:
    """A planted group: distinct people of one place given one name, and how they are alike."""

    people: list[str]
    name: str
    tie: str  # "employer" | "case" | "shop" | "father" | "place"
    ids: str  # "natural" | "cnic" (each writes a CNIC) | "dob" (no CNIC) | "bare" (neither)


@dataclass
class World:
    seed: int
    rates: Rates
    people: dict[str, Person]
    businesses: dict[str, Business]
    lookalikes: list[Lookalikes]
    files: dict[str, list[dict[str, str]]]  # file name -> rows
    truth: dict[tuple[str, int, str], str]  # (file, row number, "person" | "org") -> uid
    accounts: dict[str, str] = field(default_factory=dict)  # account number -> holder uid

    def write(self, folder: Path) -> list[Path]:
        """The CSV files and their mappings under `folder`; returns the mappings."""
        folder.mkdir(parents=True, exist_ok=True)
        columns = {"police_register.csv": POLICE, "eobi_register.csv": EOBI,
                   "trade_licences.csv": LICENCES}  # fmt: skip
        for code, _bank in BANKS:
            low = code.lower()
            columns |= {f"{low}_customers.csv": CUSTOMERS, f"{low}_business.csv": BUSINESS,
                        f"{low}_payments.csv": PAYMENTS}  # fmt: skip
        for name, header in columns.items():
            with (folder / name).open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=header)
                writer.writeheader()
                writer.writerows(self.files.get(name, []))
        mappings = []
        for name, text in _mappings().items():
            path = folder / name
            path.write_text(text, encoding="utf-8")
            mappings.append(path)
        return mappings


# -- drawing the world -------------------------------------------------------------------------


def _zipf(rng: random.Random, keys: Sequence[str], skew: float) -> str:
    return rng.choices(keys, [1 / (rank + 1) ** skew for rank in range(len(keys))])[0]


def _cnic(rng: random.Random, female: bool) -> str:
    body = f"3{rng.randint(1000, 8999)}{rng.randint(0, 9_999_999):07d}"
    return body + rng.choice("02468" if female else "13579")


def _phone(rng: random.Random) -> str:
    return (
        f"3{rng.choice(('00', '01', '05', '11', '21', '33', '45'))}{rng.randint(0, 9_999_999):07d}"
    )


class _Drawer:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.r = rates(seed)
        self.rng = random.Random(f"namesakes-{seed}")
        self.people: dict[str, Person] = {}
        self.businesses: dict[str, Business] = {}
        self.houses: dict[int, list[str]] = defaultdict(list)
        self.lookalikes: list[Lookalikes] = []
        self.accounts: dict[str, list[tuple[int, str]]] = defaultdict(list)  # uid -> accounts
        self.employees: dict[str, list[str]] = defaultdict(list)  # employer uid -> people
        self.cases: list[tuple[int, list[str]]] = []  # (place, accused)
        self.customers: dict[str, set[str]] = defaultdict(set)  # shop uid -> people
        self.numbers: set[str] = set()

    def number(self, digits: int) -> str:
        while True:
            drawn = "".join(self.rng.choice("0123456789") for _ in range(digits))
            if drawn not in self.numbers and drawn[0] != "0":
                self.numbers.add(drawn)
                return drawn

    def man_given(self) -> tuple[str, ...]:
        rng, r = self.rng, self.r
        names = list(MEN)
        given = [_zipf(rng, names, r.zipf)]
        if rng.random() < r.two_names:
            second = _zipf(rng, names, r.zipf)
            if second != given[0]:
                given.append(second)
        if rng.random() < r.muhammad:
            given.insert(0, "muhammad")
        return tuple(given)

    def person(self, place: int, house: int, address: str, phone: str, *, female: bool,
               born: tuple[int, int], caste: str | None, father: str) -> Person:  # fmt: skip
        rng = self.rng
        taken = {self.people[uid].given for uid in self.houses[house]}
        for _attempt in range(20):  # parents do not give two children (or a son and his father)
            given = (_zipf(rng, list(WOMEN), self.r.zipf),) if female else self.man_given()
            if given not in taken:  # one name
                break
        uid = f"P{len(self.people):05d}"
        person = Person(
            uid, given, caste, female, father, _cnic(rng, female),
            (rng.randint(*born), rng.randint(1, 12), rng.randint(1, 28)),
            phone, place, house, address,
        )  # fmt: skip
        self.people[uid] = person
        self.houses[house].append(uid)
        return person

    def address(self, place: int) -> str:
        return (
            f"House {self.rng.randint(1, 250)}, Street {self.rng.randint(1, 30)}, "
            f"{PLACES[place % len(PLACES)]}, {CITIES[place % len(CITIES)]}"
        )

    def household(self, place: int) -> None:
        rng, r = self.rng, self.r
        house = len(self.houses)
        address = self.address(place)
        shared = _phone(rng) if rng.random() < r.family_phone else ""
        caste = _zipf(rng, list(CASTES), r.zipf) if rng.random() < r.surname else None
        grandfather = rng.choice(ELDERS)
        head = self.person(place, house, address, shared or _phone(rng), female=False,
                           born=(1950, 1978), caste=caste, father=grandfather)  # fmt: skip
        self.person(place, house, address, shared or _phone(rng), female=True,
                    born=(1955, 1982), caste=caste, father=rng.choice(ELDERS))  # fmt: skip
        father = _spoken(head)
        for _ in range(rng.randint(0, 4)):
            self.person(place, house, address, shared or _phone(rng),
                        female=rng.random() < 0.4, born=(1975, 2008), caste=caste,
                        father=father)  # fmt: skip

    def men(self, place: int) -> list[Person]:
        return [p for p in self.people.values() if p.place == place and not p.female and p.adult]

    def business(self, kind: str, name: str, place: int, owner: str | None) -> Business:
        uid = f"B{len(self.businesses):04d}"
        prefix = "DC" if kind == "shop" else "EOBI"
        found = Business(uid, name, kind, place, f"{prefix}-{self.number(6)}",
                         self.number(12), self.rng.randrange(len(BANKS)), owner)  # fmt: skip
        self.businesses[uid] = found
        return found

    def draw(self) -> None:
        rng, r = self.rng, self.r
        for place in range(r.places):
            for _ in range(rng.randint(*r.households)):
                self.household(place)
        for place in range(r.places):
            men = self.men(place)
            employer = self.business(
                "employer", f"{CITIES[place % len(CITIES)]} {rng.choice(EMPLOYERS)}", place, None
            )
            self.employees[employer.uid] = [p.uid for p in men if rng.random() < r.employed]
            shops: list[Business] = []
            for number in range(rng.randint(2, 4)):
                owner = rng.choice(men).uid
                if number and rng.random() < r.same_shop_name:
                    name = shops[0].name  # another shop of the bazaar, the same name
                else:
                    name = _zipf(rng, SHOPS, r.zipf)
                shops.append(self.business("shop", name, place, owner))
            for _case in range(rng.randint(1, 3)):
                size = min(len(men), rng.randint(2, 5))
                self.cases.append((place, [p.uid for p in rng.sample(men, size)]))
            for p in self.people.values():
                if (
                    p.place == place
                    and p.adult
                    and rng.random() < r.banked * (0.5 if p.female else 1.0)
                ):
                    self.open_account(p.uid)
            for _ in range(rng.randint(*r.lookalikes)):
                self.plant(place, shops)
        for person in list(self.people.values()):
            for shop in self.businesses.values():
                if shop.kind == "shop" and shop.place == person.place and rng.random() < 0.3:
                    self.customers[shop.uid].add(person.uid)
        # A few men known to the police in more than one case, and a few cases across places.
        for place in range(r.places):
            men = self.men(place)
            if men and rng.random() < r.accused:
                repeat = rng.choice(men).uid
                other = rng.choice(self.men(rng.randrange(r.places)) or men).uid
                if other != repeat:
                    self.cases.append((place, [repeat, other]))

    def open_account(self, uid: str) -> None:
        bank = self.rng.randrange(len(BANKS))
        self.accounts[uid].append((bank, self.number(12)))
        if self.rng.random() < self.r.second_account:
            self.accounts[uid].append((1 - bank, self.number(12)))

    def plant(self, place: int, shops: list[Business]) -> None:
        """Distinct men of one place given one name, alike in one way, identified in one way."""
        rng = self.rng
        men = self.men(place)
        if not men:
            return
        anchor = rng.choice(men)
        tie = rng.choice(("employer", "case", "shop", "father", "place"))
        ids = rng.choices(("natural", "cnic", "dob", "bare"), (0.3, 0.25, 0.2, 0.25))[0]
        group = [anchor]
        houses = [h for h, members in self.houses.items()
                  if h != anchor.house and self.people[members[0]].place == place
                  and all(self.people[m].given != anchor.given for m in members)]  # fmt: skip
        if not houses:
            return
        for _ in range(min(len(houses), rng.choice((1, 1, 1, 2)))):
            house = houses.pop(rng.randrange(len(houses)))
            home = self.people[self.houses[house][0]]
            father = anchor.father if tie == "father" else rng.choice(ELDERS)
            twin = self.person(place, house, home.address, _phone(rng), female=False,
                               born=(1960, 2000), caste=anchor.caste, father=father)  # fmt: skip
            twin.given = anchor.given
            group.append(twin)
        employer = next(
            b for b in self.businesses.values() if b.kind == "employer" and b.place == place
        )
        for p in group:
            if ids in ("dob", "bare"):
                p.hide = frozenset({"cnic"} if ids == "dob" else {"cnic", "dob"})
            employed = tie == "employer" or (tie != "case" and rng.random() < 0.5)
            if employed and p.uid not in self.employees[employer.uid]:
                self.employees[employer.uid].append(p.uid)
            banked = tie in ("shop", "father", "place") or rng.random() < 0.5
            if banked and not self.accounts.get(p.uid):
                self.open_account(p.uid)
            if tie == "shop":
                self.customers[shops[0].uid].add(p.uid)
        if tie == "case":
            others = [m.uid for m in rng.sample(men, min(len(men), rng.randint(0, 3)))]
            self.cases.append((place, list(dict.fromkeys([*(p.uid for p in group), *others]))))
        self.lookalikes.append(Lookalikes([p.uid for p in group], _spoken(anchor), tie, ids))


def _spoken(person: Person) -> str:
    pool = WOMEN if person.female else MEN
    words = ["Muhammad" if g == "muhammad" else pool[g][0] for g in person.given]
    if person.caste:
        words.append(CASTES[person.caste][0])
    return " ".join(words)


# -- writing the records -----------------------------------------------------------------------


class _Writer:
    def __init__(self, drawer: _Drawer) -> None:
        self.d = drawer
        self.r = drawer.r
        self.rng = random.Random(f"namesakes-records-{drawer.seed}")
        self.files: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.truth: dict[tuple[str, int, str], str] = {}
        self.titles: dict[str, str] = {}  # account number -> title as the bank writes it

    def row(self, file: str, values: dict[str, str], **truth: str) -> None:
        rows = self.files[file]
        rows.append(values)
        for kind, uid in truth.items():
            self.truth[(file, len(rows) + 1, kind)] = uid  # row 1 is the header

    def name(self, person: Person, upper: bool = False) -> str:
        rng, r = self.rng, self.r
        pool = WOMEN if person.female else MEN
        words = []
        for g in person.given:
            if g == "muhammad":
                if rng.random() < r.abbreviated:
                    words.append("M.")
                else:
                    spellings = ("Muhammad", "Mohammad", "Muhammed", "Mohd.")
                    words.append(
                        spellings[0] if rng.random() >= r.variant else rng.choice(spellings[1:])
                    )
            else:
                words.append(self.spell(pool[g]))
        if person.caste:
            words.append(self.spell(CASTES[person.caste]))
        text = " ".join(words)
        return text.upper() if upper else text

    def spell(self, spellings: tuple[str, ...]) -> str:
        if len(spellings) > 1 and self.rng.random() < self.r.variant:
            return self.rng.choice(spellings[1:])
        return spellings[0]

    def father(self, person: Person, office: str) -> str:
        if self.rng.random() >= self.r.father.get(office, 0.0):
            return ""
        father = person.father
        if person.caste and self.rng.random() < 0.4:
            father += f" {CASTES[person.caste][0]}"
        return father

    def cnic(self, person: Person, office: str) -> str:
        rng, r = self.rng, self.r
        forced = any(g.ids == "cnic" and person.uid in g.people for g in self.d.lookalikes)
        if "cnic" in person.hide or (rng.random() >= r.cnic[office] and not forced):
            return ""
        cnic = person.cnic
        if rng.random() < r.cnic_typo:
            at = rng.randrange(12)
            cnic = cnic[:at] + str((int(cnic[at]) + rng.randint(1, 9)) % 10) + cnic[at + 1 :]
        if rng.random() < r.cnic_dashes:
            return f"{cnic[:5]}-{cnic[5:12]}-{cnic[12]}"
        return cnic

    def dob(self, person: Person, office: str) -> str:
        rng, r = self.rng, self.r
        forced = any(g.ids == "dob" and person.uid in g.people for g in self.d.lookalikes)
        if "dob" in person.hide or (rng.random() >= r.dob.get(office, 0.0) and not forced):
            return ""
        year, month, day = person.dob
        if rng.random() < r.dob_year_only:
            return str(year)
        if day <= 12 and rng.random() < r.dob_swapped:
            day, month = month, day
        return (
            f"{day:02d}/{month:02d}/{year}" if office == "eobi" else f"{day:02d}-{month:02d}-{year}"
        )

    def phone(self, person: Person) -> str:
        p = person.phone
        return self.rng.choice((f"0{p[:3]}-{p[3:]}", f"+92 {p[:3]} {p[3:]}", f"92{p}", f"0{p}"))

    def address(self, text: str, upper: bool = False) -> str:
        if self.rng.random() < self.r.address_variant:
            house, street, rest = text.split(", ", 2)
            text = f"H# {house.split()[-1]} St {street.split()[-1]} {rest}"
        return text.upper() if upper else text

    def write(self) -> None:
        d, rng = self.d, self.rng
        people, businesses = d.people, d.businesses
        for number, (place, accused) in enumerate(d.cases):
            fir = f"{rng.randint(10, 999)}/{2019 + number % 6}"
            station = f"PS {PLACES[place % len(PLACES)]}"
            date = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{2019 + number % 6}"
            offence = rng.choice(OFFENCES)
            for uid in accused:
                p = people[uid]
                self.row(
                    "police_register.csv",
                    {
                        "Entry No": f"E{len(self.files['police_register.csv']) + 1:05d}",
                        "FIR No": fir, "Police Station": station, "FIR Date": date,
                        "Offence": offence, "Accused": self.name(p),
                        "Father/Husband": self.father(p, "police"),
                        "CNIC": self.cnic(p, "police"),
                        "Mobile": self.phone(p) if rng.random() < 0.6 else "",
                        "Address": self.address(p.address) if rng.random() < 0.7 else "",
                    },
                    person=uid,
                )  # fmt: skip
        for employer_uid, staff in d.employees.items():
            employer = businesses[employer_uid]
            for number, uid in enumerate(staff, start=1):
                p = people[uid]
                name = self.name(p)
                father = self.father(p, "eobi")
                if father and rng.random() < 0.3:
                    name, father = f"{name} s/o {father}", ""
                self.row(
                    "eobi_register.csv",
                    {
                        "Employer Reg No": employer.registration,
                        "Employer": f"{employer.name} (Pvt) Ltd",
                        "Employee No": f"{number:04d}", "Name": name, "Father Name": father,
                        "CNIC": self.cnic(p, "eobi"), "Date of Birth": self.dob(p, "eobi"),
                    },
                    person=uid, org=employer_uid,
                )  # fmt: skip
        for uid, held in sorted(d.accounts.items()):
            p = people[uid]
            for bank, account in held:
                title = self.name(p, upper=True)
                self.titles[account] = title
                self.row(
                    f"{BANKS[bank][0].lower()}_customers.csv",
                    {
                        "Account No": account, "Account Title": title,
                        "CNIC": self.cnic(p, "bank"), "Date of Birth": self.dob(p, "bank"),
                        "Mobile": self.phone(p) if rng.random() < 0.7 else "",
                        "Address": self.address(p.address, upper=True)
                        if rng.random() < 0.6 else "",
                    },
                    person=uid,
                )  # fmt: skip
        for b in businesses.values():
            title = f"M/S {b.name.upper()}" if rng.random() < 0.3 else b.name.upper()
            if b.kind == "employer":
                title += " (PVT) LTD"
            self.titles[b.account] = title
            self.row(
                f"{BANKS[b.bank][0].lower()}_business.csv",
                {
                    "Account No": b.account, "Account Title": title,
                    "Registration No": b.registration if rng.random() < 0.5 else "",
                    "Address": f"{PLACES[b.place % len(PLACES)]} Bazaar, "
                    f"{CITIES[b.place % len(CITIES)]}".upper(),
                },
                org=b.uid,
            )  # fmt: skip
            if b.kind == "shop" and b.owner:
                owner = people[b.owner]
                self.row(
                    "trade_licences.csv",
                    {
                        "Licence No": b.registration, "Shop Name": b.name,
                        "Market": f"{PLACES[b.place % len(PLACES)]} Bazaar",
                        "Address": f"Shop {rng.randint(1, 90)}, {PLACES[b.place % len(PLACES)]} "
                        f"Bazaar, {CITIES[b.place % len(CITIES)]}",
                        "Owner": self.name(owner), "Father Name": self.father(owner, "dc"),
                        "Owner CNIC": self.cnic(owner, "dc"),
                    },
                    person=owner.uid, org=b.uid,
                )  # fmt: skip
        self.payments()

    def payments(self) -> None:
        d, rng = self.d, self.rng
        accounts = {uid: held for uid, held in d.accounts.items() if held}

        def pay(payer: tuple[int, str], payee: tuple[int, str], amount: int, why: str) -> None:
            file = f"{BANKS[payer[0]][0].lower()}_payments.csv"
            self.row(
                file,
                {
                    "Ref": f"T{self.number()}", "Date": f"2024-{rng.randint(1, 12):02d}-"
                    f"{rng.randint(1, 28):02d}", "Debit Account": payer[1],
                    "Debit Title": self.titles[payer[1]], "Credit Account": payee[1],
                    "Credit Title": self.titles[payee[1]], "Credit Bank": BANKS[payee[0]][1],
                    "Amount": str(amount),
                    "Narration": why,
                },
            )  # fmt: skip

        for employer_uid, staff in d.employees.items():
            employer = d.businesses[employer_uid]
            for uid in staff:
                if uid in accounts:
                    for _ in range(rng.randint(1, 3)):
                        target = rng.choice(accounts[uid])
                        pay((employer.bank, employer.account), target,
                            rng.randint(25, 60) * 1000, "salary")  # fmt: skip
        for shop_uid, buyers in d.customers.items():
            shop = d.businesses[shop_uid]
            for uid in sorted(buyers):
                if uid in accounts:
                    for _ in range(rng.randint(1, 2)):
                        pay(rng.choice(accounts[uid]), (shop.bank, shop.account),
                            rng.randint(1, 40) * 500, "purchase")  # fmt: skip
        for members in d.houses.values():
            banked = [m for m in members if m in accounts]
            for uid in banked:
                for other in banked:
                    if other != uid and rng.random() < 0.4:
                        pay(rng.choice(accounts[uid]), rng.choice(accounts[other]),
                            rng.randint(5, 50) * 1000, "family")  # fmt: skip
        everyone = sorted(accounts)
        for uid in everyone:
            if rng.random() < 0.15:
                other = rng.choice(everyone)
                if other != uid:
                    pay(rng.choice(accounts[uid]), rng.choice(accounts[other]),
                        rng.randint(2, 30) * 1000, "transfer")  # fmt: skip

    def number(self) -> str:
        return f"{sum(len(rows) for rows in self.files.values()):07d}"


def draw(seed: int) -> World:
    """The world of one seed: people, businesses, the rows of every file and the truth."""
    drawer = _Drawer(seed)
    drawer.draw()
    writer = _Writer(drawer)
    writer.write()
    holders = {n: uid for uid, held in drawer.accounts.items() for _b, n in held}
    holders |= {b.account: b.uid for b in drawer.businesses.values()}
    return World(
        seed, drawer.r, drawer.people, drawer.businesses, drawer.lookalikes,
        dict(writer.files), writer.truth, holders,
    )  # fmt: skip


# -- mappings ----------------------------------------------------------------------------------

_POLICE = """\
police_register:
  agency: POLICE
  classification: RESTRICTED
  country: pk
  queries:
    - csv_url: police_register.csv
      entities:
        case:
          schema: InvestigationCase
          keys: [FIR No, Police Station]
          properties:
            name: {column: FIR No}
            policeStation: {column: Police Station}
            offence: {column: Offence}
            openDate: {column: FIR Date, format: ["%d.%m.%Y"]}
        accused:
          schema: Person
          keys: [Entry No]
          properties:
            name: {column: Accused}
            fatherName: {column: Father/Husband}
            idNumber: {column: CNIC}
            phone: {column: Mobile}
            address: {column: Address}
        subject:
          schema: CaseSubject
          keys: [Entry No]
          properties:
            subject: {entity: accused, required: true}
            case: {entity: case, required: true}
            role: {literal: accused}
"""
_EOBI = """\
eobi_register:
  agency: EOBI
  classification: RESTRICTED
  queries:
    - csv_url: eobi_register.csv
      entities:
        employer:
          schema: Company
          keys: [Employer Reg No]
          properties:
            name: {column: Employer}
            registrationNumber: {column: Employer Reg No}
        employee:
          schema: Person
          keys: [Employer Reg No, Employee No]
          properties:
            name: {column: Name}
            fatherName: {column: Father Name}
            idNumber: {column: CNIC}
            birthDate: {column: Date of Birth, format: ["%d/%m/%Y", "%Y"]}
        job:
          schema: Employment
          keys: [Employer Reg No, Employee No]
          properties:
            employee: {entity: employee, required: true}
            employer: {entity: employer, required: true}
"""
_LICENCES = """\
trade_licences:
  agency: DISTRICT
  classification: UNCLASSIFIED
  queries:
    - csv_url: trade_licences.csv
      entities:
        shop:
          schema: Company
          keys: [Licence No]
          properties:
            name: {column: Shop Name}
            registrationNumber: {column: Licence No}
            address: {column: Address}
        owner:
          schema: Person
          keys: [Licence No]
          properties:
            name: {column: Owner}
            fatherName: {column: Father Name}
            idNumber: {column: Owner CNIC}
        owns:
          schema: Ownership
          keys: [Licence No]
          properties:
            owner: {entity: owner, required: true}
            asset: {entity: shop, required: true}
"""
# A customer file's account and its holder's ownership of it, in both of a bank's customer files.
_HELD = """\
        account:
          schema: BankAccount
          keys: [Account No]
          properties:
            accountNumber: {{column: Account No}}
            bankName: {{literal: {bank}}}
        holds:
          schema: Ownership
          keys: [Account No]
          properties:
            owner: {{entity: holder, required: true}}
            asset: {{entity: account, required: true}}
"""
_BANK = """\
bank_{code}:
  agency: FMU
  classification: CONFIDENTIAL
  country: pk
  queries:
    - csv_url: {code}_customers.csv
      entities:
        holder:
          schema: Person
          keys: [Account No]
          properties:
            name: {{column: Account Title}}
            idNumber: {{column: CNIC}}
            birthDate: {{column: Date of Birth, format: ["%d-%m-%Y", "%Y"]}}
            phone: {{column: Mobile}}
            address: {{column: Address}}
{held}    - csv_url: {code}_business.csv
      entities:
        holder:
          schema: Company
          keys: [Account No]
          properties:
            name: {{column: Account Title}}
            registrationNumber: {{column: Registration No}}
            address: {{column: Address}}
{held}    - csv_url: {code}_payments.csv
      entities:
        payer:
          schema: LegalEntity
          keys: [Debit Account, Debit Title]
          properties:
            name: {{column: Debit Title}}
        payer_account:
          schema: BankAccount
          keys: [Debit Account]
          properties:
            accountNumber: {{column: Debit Account}}
            bankName: {{literal: {bank}}}
        beneficiary:
          schema: LegalEntity
          keys: [Credit Account, Credit Title]
          properties:
            name: {{column: Credit Title}}
        beneficiary_account:
          schema: BankAccount
          keys: [Credit Account]
          properties:
            accountNumber: {{column: Credit Account}}
            bankName: {{column: Credit Bank}}
        payment:
          schema: Payment
          keys: [Ref]
          properties:
            date: {{column: Date}}
            amount: {{column: Amount}}
            currency: {{literal: PKR}}
            purpose: {{column: Narration}}
            payer: {{entity: payer}}
            payerAccount: {{entity: payer_account}}
            beneficiary: {{entity: beneficiary}}
            beneficiaryAccount: {{entity: beneficiary_account}}
"""


def _mappings() -> dict[str, str]:
    out = {
        "police_register.yml": _POLICE,
        "eobi_register.yml": _EOBI,
        "trade_licences.yml": _LICENCES,
    }
    for code, bank in BANKS:
        held = _HELD.format(bank=bank)
        out[f"bank_{code.lower()}.yml"] = _BANK.format(code=code.lower(), bank=bank, held=held)
    return out


# -- the pipeline, and the score ---------------------------------------------------------------

ADMIN = "admin"
PERSON, ORG = "person", "org"
ORG_SCHEMATA = frozenset({"Company", "Organization", "PublicBody"})
Pair = frozenset[str]


@dataclass(frozen=True)
class Decided:
    """One namesake pair the rule decided, as the records it rests on (one of each side)."""

    round: int
    kind: str  # PERSON | ORG
    outcome: str
    records: tuple[str, str]
    reasons: tuple[str, ...]


@dataclass
class Outcome:
    """What the pipeline made of one world: record -> entity after resolution (`pre`) and
    after settling the namesakes (`post`), the truth and kind of each record, the records'
    normalised names, the rule's decisions, and the same-name pairs of one community
    (pre-namesakes entities, as grouped apart from the rule) a naive tool would merge."""

    world: World
    pre: dict[str, str]
    post: dict[str, str]
    truth: dict[str, str]
    kinds: dict[str, str]
    names: dict[str, set[str]]
    decided: list[Decided]
    candidates: list[tuple[str, str, str]]  # (kind, entity, entity) of round one
    features: dict[str, dict[str, list[str]]]  # entity -> prop -> values (round one)
    seconds: dict[str, float]


def load(world: World, home: Path) -> None:
    """Load the world's files through their mappings into a SQLite store under `home` and
    resolve it as the administrator."""
    from nexus.ingest import ingest, load_mapping
    from nexus.policy import ADMIN_ROLE, AccessLayer
    from nexus.resolve.pipeline import resolve
    from nexus.settings import load_settings
    from nexus.store import UserRecord, open_store

    settings = load_settings(home=home)
    store = open_store(settings.store_url, batch_size=settings.batch_size)
    try:
        access = AccessLayer(store, settings)
        access.add_user(None, UserRecord(ADMIN, "NEXUS", "SECRET", roles=frozenset({ADMIN_ROLE})))
        viewer = access.viewer(ADMIN)
        for mapping in world.write(home / "data"):
            ingest(access, viewer, load_mapping(mapping, settings))
        resolve(access, viewer)
    finally:
        store.close()


def run(world: World, home: Path, rounds: int = 5) -> Outcome:
    """`load`, then settle the namesakes round by round as `nexus network namesakes --settle`
    does (until a round merges nothing), reading what each step made."""
    import time

    from nexus.graph import GraphCache, load_graph
    from nexus.graph.namesakes import MERGED, QUEUED, REVIEW, namesakes, settle
    from nexus.graph.roles import roles
    from nexus.policy import AccessLayer
    from nexus.settings import load_settings
    from nexus.store import open_store

    started = time.perf_counter()
    load(world, home)
    seconds = {"load_and_resolve": time.perf_counter() - started}
    settings = load_settings(home=home)
    store = open_store(settings.store_url, batch_size=settings.batch_size)
    try:
        access = AccessLayer(store, settings)
        viewer = access.viewer(ADMIN)
        pre, kinds, rows, names = _records(access.reader(viewer))
        truth = _truth(world, kinds, rows)
        cache = GraphCache(home / "graphs")
        decided: list[Decided] = []
        candidates: list[tuple[str, str, str]] = []
        features: dict[str, dict[str, list[str]]] = {}
        for number in range(1, rounds + 1):
            reader = access.reader(viewer)
            graph = load_graph(reader, cache=cache)
            found = roles(graph, seed=0)
            pairs = namesakes(graph, found, reader)
            if number == 1:
                candidates, features = _same_names(found, reader)
            kind_of = {n.id: n.schema for n in graph.nodes}
            decided += [
                Decided(
                    number,
                    PERSON if kind_of.get(p.left) == "Person" else ORG,
                    REVIEW if p.outcome == QUEUED else p.outcome,
                    p.records,
                    p.reasons,
                )
                for p in pairs
                if p.outcome in (MERGED, REVIEW, QUEUED)
            ]
            settle(access, viewer, pairs)
            if not any(p.outcome == MERGED for p in pairs):
                break
        post = _records(access.reader(viewer))[0]
        seconds["namesakes"] = time.perf_counter() - started - seconds["load_and_resolve"]
    finally:
        store.close()
    return Outcome(world, pre, post, truth, kinds, names, decided, candidates, features, seconds)


def _records(
    reader: Any,
) -> tuple[dict[str, str], dict[str, str], dict[str, set[tuple[str, int]]], dict[str, set[str]]]:
    """Record -> entity (every legal entity, titles on payment lines too); for the people and
    businesses of the files, record -> kind, -> the rows it comes from, -> normalised names."""
    from nexus.resolve.normalise_names import parse_person_name
    from nexus.resolve.normalise_orgs import parse_org_name

    entity: dict[str, str] = {}
    kinds: dict[str, str] = {}
    rows: dict[str, set[tuple[str, int]]] = defaultdict(set)
    names: dict[str, set[str]] = defaultdict(set)
    for stmt in reader.iter_statements(schema="LegalEntity"):
        entity[stmt.entity_id] = stmt.canonical_id
        kind = PERSON if stmt.schema == "Person" else ORG if stmt.schema in ORG_SCHEMATA else ""
        if not kind:
            continue
        kinds[stmt.entity_id] = kind
        file, _, row = stmt.origin.partition("#row=")
        if row.isdigit():
            rows[stmt.entity_id].add((file, int(row)))
        if stmt.prop == "name":
            text = stmt.original_value or stmt.value
            key = parse_person_name(text).key if kind == PERSON else parse_org_name(text).key
            if key:
                names[stmt.entity_id].add(key)
    return entity, kinds, dict(rows), dict(names)


def _truth(
    world: World, kinds: dict[str, str], rows: dict[str, set[tuple[str, int]]]
) -> dict[str, str]:
    """record -> the true person or business, from the rows it was read from."""
    out = {}
    for record, found in rows.items():
        uids = {world.truth.get((file, row, kinds[record])) for file, row in found} - {None}
        if len(uids) == 1:
            out[record] = next(iter(u for u in uids if u))
    return out


def _same_names(found: Any, reader: Any) -> tuple[list[tuple[str, str, str]], dict[str, Any]]:
    """Pairs of entities of one community whose names normalise the same (people by the
    resolver's person names, businesses by its organisation names), hubs left out: what a
    naive tool merges. With each entity's values (for the peers)."""
    from nexus.resolve.normalise_names import parse_person_name
    from nexus.resolve.normalise_orgs import parse_org_name

    groups: dict[tuple[int, str, str], list[str]] = defaultdict(list)
    for role in found.roles:
        if role.role == "hub":
            continue
        if role.schema == "Person":
            kind, key = PERSON, parse_person_name(role.caption).key
        elif role.schema in ORG_SCHEMATA:
            kind, key = ORG, parse_org_name(role.caption).key
        else:
            continue
        if key:
            groups[(role.community, kind, key)].append(role.id)
    pairs = [
        (kind, a, b)
        for (_c, kind, _k), ids in sorted(groups.items())
        for i, a in enumerate(ids)
        for b in ids[i + 1 :]
    ]
    values: dict[str, dict[str, list[str]]] = {}
    for node in {n for _k, a, b in pairs for n in (a, b)}:
        props: dict[str, list[str]] = defaultdict(list)
        schema = ""
        for stmt in reader.statements(node):
            if stmt.prop != "id":
                props[stmt.prop].append(stmt.value)
            if stmt.schema != "LegalEntity":
                schema = stmt.schema
        props["$schema"] = [schema or "LegalEntity"]
        values[node] = dict(props)
    return pairs, values


@dataclass(frozen=True)
class Figures:
    """Merges and the review queue of one tool on one world, for people or for businesses,
    counted over pairs of the entities resolution left (each entity its records' true owner
    by majority). `eligible`: pairs of one true owner whose names normalise the same, what a
    namesake rule could join; `splits` of them in one community (a rule sees them);
    `lookalikes`: pairs of different owners with one name in one community, `listed` of them
    merged or queued."""

    joined: int
    wrong: int
    eligible: int
    found: int
    queued: int
    queued_same: int
    missed: int  # eligible pairs left apart
    missed_queued: int  # of them, in the review queue
    lookalikes: int
    listed: int
    lookalikes_merged: int
    splits: int
    splits_found: int
    splits_listed: int  # merged or queued

    @property
    def precision(self) -> float:
        return 1 - _share(self.wrong, self.joined, 0.0)

    @property
    def recall(self) -> float:
        return _share(self.found, self.eligible)

    @property
    def recall_in_community(self) -> float:
        return _share(self.splits_found, self.splits)

    @property
    def listed_in_community(self) -> float:
        """Share of the one-owner pairs of one community merged or put before an analyst."""
        return _share(self.splits_listed, self.splits)

    @property
    def queue_precision(self) -> float:
        """Share of the queued pairs that are one person (or business): the analyst's yield."""
        return _share(self.queued_same, self.queued)

    @property
    def queue_recall(self) -> float:
        """Share of the one-owner pairs left apart that the queue puts before an analyst."""
        return _share(self.missed_queued, self.missed)


def _share(part: int, whole: int, empty: float = 1.0) -> float:
    return part / whole if whole else empty


def _owners(outcome: Outcome, kind: str) -> dict[str, str]:
    """Entity (after resolution) -> its records' true owner, by majority."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for record, uid in outcome.truth.items():
        if outcome.kinds.get(record) == kind:
            votes[outcome.pre[record]][uid] += 1
    return {e: c.most_common(1)[0][0] for e, c in votes.items()}


def joined_by(pairs: Iterable[tuple[str, str]], entities: Iterable[str]) -> dict[str, str]:
    """Entity -> its group once `pairs` are joined (transitively)."""
    parent = {e: e for e in entities}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {e: find(e) for e in list(parent)}


def score(outcome: Outcome, kind: str, groups: dict[str, str] | None = None,
          queue: Iterable[tuple[str, str]] = ()) -> Figures:  # fmt: skip
    """Figures of a tool whose merges make `groups` (entity after resolution -> group; the
    rule's, read back from the store after settling, when None) and whose review queue holds
    `queue` (entity pairs; the rule's decisions when `groups` is None)."""
    owners = _owners(outcome, kind)
    names: dict[str, set[str]] = defaultdict(set)
    for record, entity in outcome.pre.items():
        names[entity] |= outcome.names.get(record, set())
    if groups is None:
        groups = {outcome.pre[r]: outcome.post[r] for r in outcome.pre}
        queue = [
            (outcome.pre[d.records[0]], outcome.pre[d.records[1]])
            for d in outcome.decided
            if d.kind == kind and d.outcome == "review"
        ]
    members: dict[str, list[str]] = defaultdict(list)
    for entity in owners:
        members[groups.get(entity, entity)].append(entity)
    joined = [
        frozenset((a, b)) for m in members.values() for i, a in enumerate(m) for b in m[i + 1 :]
    ]
    by_owner: dict[str, list[str]] = defaultdict(list)
    for entity, uid in owners.items():
        by_owner[uid].append(entity)
    eligible = {
        frozenset((a, b))
        for m in by_owner.values()
        for i, a in enumerate(m)
        for b in m[i + 1 :]
        if names[a] & names[b]
    }
    joined_set = set(joined)
    queued = {frozenset(p) for p in queue if p[0] != p[1] and p[0] in owners and p[1] in owners}
    missed = eligible - joined_set
    candidates = {
        frozenset((a, b))
        for k, a, b in outcome.candidates
        if k == kind and a in owners and b in owners
    }
    lookalikes = {p for p in candidates if len({owners[e] for e in p}) == 2}
    splits = candidates - lookalikes
    listed = lookalikes & (queued | joined_set)

    def same(pair: frozenset[str]) -> bool:
        a, b = tuple(pair)
        return owners[a] == owners[b]

    return Figures(
        joined=len(joined_set),
        wrong=sum(not same(p) for p in joined_set),
        eligible=len(eligible),
        found=len(eligible & joined_set),
        queued=len(queued),
        queued_same=sum(same(p) for p in queued),
        missed=len(missed),
        missed_queued=len(missed & queued),
        lookalikes=len(lookalikes),
        listed=len(listed),
        lookalikes_merged=len(lookalikes & joined_set),
        splits=len(splits),
        splits_found=len(splits & joined_set),
        splits_listed=len(splits & (joined_set | queued)),
    )


def naive(outcome: Outcome, kind: str) -> dict[str, str]:
    """The naive peer: every pair of one community with one normalised name merged."""
    owners = _owners(outcome, kind)
    return joined_by([(a, b) for k, a, b in outcome.candidates if k == kind], owners)
