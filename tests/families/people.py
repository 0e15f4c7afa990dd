"""An independent family of person records: the same people written many ways by many offices.

Built apart from `nexus.scenario` (no shared code, name list or parameter). Every seed draws its
own variation rates from wide ranges, so a matcher is measured on habits it was not tuned on:

* names from small pools, drawn with a Zipf skew so that a few names ("Muhammad Ali Khan") are
  borne by many different people, the hard case for precision;
* transliteration variants (Mohammad / Muhammad / Mohd.), Urdu script renderings, `s/o` father
  names written into the name, reordered name parts;
* CNICs with or without dashes (sometimes one digit mistyped), Pakistani mobiles as 03xx-…,
  +92 3xx …, 923…, 0092…;
* dates of birth ISO or day-first, sometimes with day and month swapped, sometimes only a year;
* missing fields, and a share of records with a name and nothing else.

Brothers share a father's name, a family phone and an address: relatives are where a loose
matcher merges the wrong people.

`draw(seed, records)` returns the rows (dicts in the columns `nexus dedupe` reads) and the truth
(row id -> person id); `generate(seed, records, outdir)` writes `people.csv` (those columns) and
`truth.csv` (`id,person`).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("id", "name", "fatherName", "birthDate", "idNumber", "phone", "address", "gender")

# canonical -> (Latin spellings, Urdu script). Own small pools.
MALE: dict[str, tuple[tuple[str, ...], str]] = {
    "muhammad": (("Muhammad", "Mohammad", "Mohd.", "Muhammed", "Md."), "محمد"),
    "ali": (("Ali", "Aly"), "علی"),
    "ahmed": (("Ahmed", "Ahmad"), "احمد"),
    "hassan": (("Hassan", "Hasan"), "حسن"),
    "hussain": (("Hussain", "Hussein", "Husain"), "حسین"),
    "usman": (("Usman", "Osman"), "عثمان"),
    "bilal": (("Bilal",), "بلال"),
    "imran": (("Imran",), "عمران"),
    "tariq": (("Tariq", "Tarik"), "طارق"),
    "yousaf": (("Yousaf", "Yusuf", "Yousuf"), "یوسف"),
    "rashid": (("Rashid", "Rasheed"), "رشید"),
    "asif": (("Asif",), "آصف"),
    "kashif": (("Kashif",), "کاشف"),
    "nadeem": (("Nadeem", "Nadim"), "ندیم"),
    "shahid": (("Shahid",), "شاہد"),
    "zahid": (("Zahid",), "زاہد"),
    "irfan": (("Irfan",), "عرفان"),
    "waqas": (("Waqas",), "وقاص"),
    "sajid": (("Sajid",), "ساجد"),
    "faisal": (("Faisal", "Faysal"), "فیصل"),
    "arshad": (("Arshad",), "ارشد"),
    "javed": (("Javed", "Javaid"), "جاوید"),
    "khalid": (("Khalid",), "خالد"),
    "naveed": (("Naveed", "Navid"), "نوید"),
    "sohail": (("Sohail", "Suhail"), "سہیل"),
}
FEMALE: dict[str, tuple[tuple[str, ...], str]] = {
    "fatima": (("Fatima", "Fatimah"), "فاطمہ"),
    "ayesha": (("Ayesha", "Aisha"), "عائشہ"),
    "zainab": (("Zainab", "Zenab"), "زینب"),
    "maryam": (("Maryam", "Mariam"), "مریم"),
    "sadia": (("Sadia",), "سعدیہ"),
    "nazia": (("Nazia",), "نازیہ"),
    "rubina": (("Rubina", "Rubeena"), "روبینہ"),
    "shazia": (("Shazia",), "شازیہ"),
    "samina": (("Samina", "Sameena"), "ثمینہ"),
    "kiran": (("Kiran",), "کرن"),
}
FAMILY: dict[str, tuple[tuple[str, ...], str]] = {
    "khan": (("Khan",), "خان"),
    "malik": (("Malik",), "ملک"),
    "butt": (("Butt", "Bhatt"), "بٹ"),
    "chaudhry": (("Chaudhry", "Chaudhary", "Ch."), "چوہدری"),
    "qureshi": (("Qureshi", "Qureshy"), "قریشی"),
    "sheikh": (("Sheikh", "Shaikh"), "شیخ"),
    "awan": (("Awan",), "اعوان"),
    "rajput": (("Rajput",), "راجپوت"),
    "afridi": (("Afridi",), "آفریدی"),
    "baloch": (("Baloch", "Baluch"), "بلوچ"),
    "abbasi": (("Abbasi",), "عباسی"),
    "mughal": (("Mughal", "Moghal"), "مغل"),
    "shah": (("Shah",), "شاہ"),
    "siddiqui": (("Siddiqui", "Siddiqi"), "صدیقی"),
    "jatoi": (("Jatoi",), "جتوئی"),
}
PLACES = (
    "Lahore", "Karachi", "Peshawar", "Quetta", "Multan", "Faisalabad", "Sialkot", "Gujranwala",
    "Rawalpindi", "Hyderabad", "Sukkur", "Mardan", "Bannu", "Gujrat", "Okara",
)  # fmt: skip
STREETS = ("Mohalla", "Street", "Gali", "Block", "Sector", "Chak")
NEIGHBOURHOODS = (
    "Islampura", "Gulberg", "Saddar", "Model Town", "Nishtar", "Iqbal Colony", "Hayatabad",
    "Shadman", "Baghbanpura", "Data Nagar", "Faisal Colony", "Town Ship",
)  # fmt: skip


@dataclass(frozen=True)
class Rates:
    """One seed's habits: the share of records written each way (drawn from wide ranges)."""

    records_per_person: float  # mean of a geometric count, at least one record each
    zipf: float  # skew of the name pools: larger, fewer names borne by more people
    variant: float  # a Latin spelling other than the first
    urdu: float  # name written in Urdu script
    so_in_name: float  # father written into the name as "X s/o Y"
    father: float  # father's name present (in its field or the name)
    middle: float  # a person has two given names
    reorder: float  # family name first
    cnic: float  # CNIC present
    cnic_dashes: float
    cnic_typo: float
    phone: float
    dob: float
    dob_year_only: float
    dob_swap: float  # day and month swapped (only when both are 12 or less)
    address: float
    bare: float  # a record with the name and nothing else
    brothers: float  # share of people who have a brother in the set


def rates(seed: int) -> Rates:
    rng = random.Random(f"people-rates-{seed}")
    u = rng.uniform
    return Rates(
        records_per_person=u(1.4, 2.2),
        zipf=u(0.8, 1.3),
        variant=u(0.1, 0.5),
        urdu=u(0.0, 0.25),
        so_in_name=u(0.05, 0.4),
        father=u(0.3, 0.8),
        middle=u(0.3, 0.7),
        reorder=u(0.0, 0.15),
        cnic=u(0.3, 0.8),
        cnic_dashes=u(0.2, 0.8),
        cnic_typo=u(0.0, 0.04),
        phone=u(0.2, 0.7),
        dob=u(0.3, 0.8),
        dob_year_only=u(0.0, 0.15),
        dob_swap=u(0.0, 0.08),
        address=u(0.1, 0.6),
        bare=u(0.05, 0.15),
        brothers=u(0.05, 0.25),
    )


@dataclass(frozen=True)
class Person:
    pid: str
    given: tuple[str, ...]  # canonical given names
    family: str
    female: bool
    father: tuple[str, str]  # canonical given, family
    cnic: str  # 13 digits
    phone: str  # 10 digits after the 0 of 03xx
    dob: tuple[int, int, int]
    address: str


def _zipf(rng: random.Random, keys: list[str], skew: float) -> str:
    weights = [1 / (rank + 1) ** skew for rank in range(len(keys))]
    return rng.choices(keys, weights)[0]


def _cnic(rng: random.Random, female: bool) -> str:
    body = f"{rng.randint(1, 7)}{rng.randint(0, 9999):04d}{rng.randint(0, 9_999_999):07d}"
    last = rng.choice("02468" if female else "13579")
    return body + last


def _people(rng: random.Random, count: int, r: Rates) -> list[Person]:
    male, female, family = list(MALE), list(FEMALE), list(FAMILY)
    people: list[Person] = []
    while len(people) < count:
        is_female = rng.random() < 0.3
        pool = female if is_female else male
        given = [_zipf(rng, pool, r.zipf)]
        if rng.random() < r.middle:
            if not is_female and rng.random() < 0.4:
                given.insert(0, "muhammad")
            else:
                given.append(_zipf(rng, pool, r.zipf))
        surname = _zipf(rng, family, r.zipf)
        father = (_zipf(rng, male, r.zipf), surname)
        phone = f"3{rng.randint(0, 49):02d}{rng.randint(0, 9_999_999):07d}"
        address = (
            f"{rng.choice(STREETS)} {rng.choice(NEIGHBOURHOODS)} {rng.randint(1, 40)}, "
            f"{rng.choice(PLACES)}"
        )
        dob = (rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
        person = Person(
            f"P{len(people):06d}",
            tuple(dict.fromkeys(given)),
            surname,
            is_female,
            father,
            _cnic(rng, is_female),
            phone,
            dob,
            address,
        )
        people.append(person)
        if rng.random() < r.brothers and len(people) < count:
            # A brother: same father, family phone and address, his own given name and CNIC.
            other = [g for g in male if g not in person.given]
            people.append(
                Person(
                    f"P{len(people):06d}",
                    (_zipf(rng, other, r.zipf),),
                    surname,
                    False,
                    father,
                    _cnic(rng, False),
                    phone,
                    (min(dob[0] + rng.randint(1, 8), 2005), rng.randint(1, 12), rng.randint(1, 28)),
                    address,
                )
            )
    return people


def _spell(rng: random.Random, canonical: str, pool: dict[str, tuple[tuple[str, ...], str]],
           r: Rates, urdu: bool) -> str:  # fmt: skip
    latin, script = pool[canonical]
    if urdu:
        return script
    if len(latin) > 1 and rng.random() < r.variant:
        return rng.choice(latin[1:])
    return latin[0]


def _name(rng: random.Random, person: Person, r: Rates, urdu: bool) -> str:
    pool = FEMALE if person.female else MALE
    parts = [_spell(rng, g, pool if g in pool else MALE, r, urdu) for g in person.given]
    family = _spell(rng, person.family, FAMILY, r, urdu)
    if not urdu and rng.random() < r.reorder:
        return f"{family}, {' '.join(parts)}"
    return " ".join([*parts, family])


def _father(rng: random.Random, person: Person, r: Rates, urdu: bool) -> str:
    given = _spell(rng, person.father[0], MALE, r, urdu)
    if rng.random() < 0.5:
        return given
    return f"{given} {_spell(rng, person.father[1], FAMILY, r, urdu)}"


def _render_cnic(rng: random.Random, cnic: str, r: Rates) -> str:
    if rng.random() < r.cnic_typo:
        at = rng.randrange(13)
        cnic = cnic[:at] + str((int(cnic[at]) + rng.randint(1, 9)) % 10) + cnic[at + 1 :]
    if rng.random() < r.cnic_dashes:
        return f"{cnic[:5]}-{cnic[5:12]}-{cnic[12]}"
    return cnic if rng.random() < 0.8 else f"{cnic[:5]} {cnic[5:12]} {cnic[12]}"


def _render_phone(rng: random.Random, phone: str) -> str:
    style = rng.randrange(5)
    if style == 0:
        return f"0{phone[:3]}-{phone[3:]}"
    if style == 1:
        return f"+92 {phone[:3]} {phone[3:]}"
    if style == 2:
        return f"92{phone}"
    if style == 3:
        return f"0092{phone}"
    return f"0{phone}"


def _render_dob(rng: random.Random, dob: tuple[int, int, int], r: Rates) -> str:
    year, month, day = dob
    if rng.random() < r.dob_year_only:
        return str(year)
    if day <= 12 and rng.random() < r.dob_swap:
        month, day = day, month
    if rng.random() < 0.5:
        return f"{year:04d}-{month:02d}-{day:02d}"
    sep = rng.choice("/-.")
    return f"{day:02d}{sep}{month:02d}{sep}{year:04d}"


def _record(rng: random.Random, rid: str, person: Person, r: Rates) -> dict[str, str]:
    urdu = rng.random() < r.urdu
    row = dict.fromkeys(COLUMNS, "")
    row["id"] = rid
    row["name"] = _name(rng, person, r, urdu)
    if rng.random() < r.bare:
        return row
    if rng.random() < r.father:
        father = _father(rng, person, r, urdu)
        if rng.random() < r.so_in_name:
            row["name"] += f" {'d/o' if person.female else 's/o'} {father}"
        else:
            row["fatherName"] = father
    if rng.random() < r.cnic:
        row["idNumber"] = _render_cnic(rng, person.cnic, r)
    if rng.random() < r.phone:
        row["phone"] = _render_phone(rng, person.phone)
    if rng.random() < r.dob:
        row["birthDate"] = _render_dob(rng, person.dob, r)
    if rng.random() < r.address:
        row["address"] = person.address
    if rng.random() < 0.3:
        row["gender"] = "female" if person.female else "male"
    return row


def draw(seed: int, records: int) -> tuple[list[dict[str, str]], dict[str, str]]:
    """About `records` rows (exactly that many) of people drawn for `seed`, and the truth."""
    r = rates(seed)
    rng = random.Random(f"people-{seed}")
    people = _people(rng, max(1, int(records / r.records_per_person)), r)
    rows: list[dict[str, str]] = []
    truth: dict[str, str] = {}
    # Each person one record, then more records for random people until the count is reached.
    order = list(people)
    while len(order) < records:
        order.append(rng.choice(people))
    rng.shuffle(order)
    for person in order[:records]:
        rid = f"R{len(rows):07d}"
        rows.append(_record(rng, rid, person, r))
        truth[rid] = person.pid
    return rows, truth


def generate(seed: int, records: int, outdir: Path) -> tuple[Path, Path]:
    """Write `people.csv` and `truth.csv` under `outdir`; returns both paths."""
    rows, truth = draw(seed, records)
    outdir.mkdir(parents=True, exist_ok=True)
    people, answers = outdir / "people.csv", outdir / "truth.csv"
    with people.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    with answers.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(("id", "person"))
        out.writerows(truth.items())
    return people, answers


def score(truth: dict[str, str], clusters: dict[str, str]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of `clusters` (row id -> cluster) against the truth."""

    def pairs(groups: dict[tuple[str, ...], int]) -> int:
        return sum(n * (n - 1) // 2 for n in groups.values())

    def count(key: list[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
        out: dict[tuple[str, ...], int] = {}
        for k in key:
            out[k] = out.get(k, 0) + 1
        return out

    ids = list(truth)
    true_pairs = pairs(count([(truth[i],) for i in ids]))
    predicted = pairs(count([(clusters[i],) for i in ids]))
    hits = pairs(count([(truth[i], clusters[i]) for i in ids]))
    precision = hits / predicted if predicted else 1.0
    recall = hits / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
