"""Shared vocabulary of the synthetic money flows: scales, patterns, banks, branches, IBANs, rates.

Owns the constants and small helpers that the account opener, generator and writers all use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# -- sizes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FinanceScale:
    """How much money traffic to make: ordinary accounts and transactions, patterns planted."""

    ordinary_accounts: int
    ordinary_transactions: int
    patterns_per_typology: int


SCALES: dict[str, FinanceScale] = {
    "tiny": FinanceScale(
        ordinary_accounts=250, ordinary_transactions=1_200, patterns_per_typology=2
    ),
    "small": FinanceScale(
        ordinary_accounts=4_000, ordinary_transactions=28_000, patterns_per_typology=4
    ),
    "medium": FinanceScale(
        ordinary_accounts=50_000, ordinary_transactions=960_000, patterns_per_typology=12
    ),
    "large": FinanceScale(
        ordinary_accounts=250_000, ordinary_transactions=9_800_000, patterns_per_typology=30
    ),
}

# -- ground truth ---------------------------------------------------------------------------------


@dataclass
class Pattern:
    """One planted typology (or one look-alike) with the transactions that make it up.

    `accounts` are account numbers (as in transactions), core accounts first; `roles` names the
    part each account plays (origin, intermediaries, collector, senders, …).
    """

    id: str
    typology: str
    accounts: list[str]
    transaction_ids: list[str]
    network: str | None
    description: str
    lookalike: bool = False
    roles: dict[str, list[str]] = field(default_factory=dict)


TYPOLOGIES: tuple[str, ...] = (
    "structuring",
    "fan_in",
    "fan_out",
    "cycle",
    "scatter_gather",
    "pass_through",
    "hawala",
    "dormant",
    "high_risk",
)
LOOKALIKES: tuple[str, ...] = ("merchant", "payroll", "daily_cash_shop", "remittance_family")

# A currency transaction report is due for cash at or above this (PKR); structuring stays under it.
REPORTING_THRESHOLD_PKR = 2_000_000.0
STRUCTURING_BAND = (0.90, 0.995)  # fractions of the threshold that planted deposits fall between
HIGH_RISK_JURISDICTIONS: tuple[str, ...] = ("af", "ir", "kp", "mm")

# Indicative rates for converting foreign amounts to PKR (bank extracts, thresholds).
FX_TO_PKR: dict[str, float] = {
    "PKR": 1.0,
    "USD": 280.0,
    "AED": 76.2,
    "SAR": 74.6,
    "GBP": 355.0,
    "EUR": 302.0,
    "AFN": 3.95,
    "IRR": 0.0066,
}

# -- banks ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bank:
    code: str  # the 4-letter code inside a Pakistani IBAN
    name: str
    share: float  # rough share of accounts


BANKS: tuple[Bank, ...] = (
    Bank("HABB", "HBL", 0.17),
    Bank("UNIL", "UBL", 0.11),
    Bank("MUCB", "MCB Bank", 0.10),
    Bank("ABPA", "Allied Bank", 0.09),
    Bank("ALFH", "Bank Alfalah", 0.08),
    Bank("MEZN", "Meezan Bank", 0.10),
    Bank("ASCM", "Askari Bank", 0.05),
    Bank("MPBL", "Habib Metropolitan Bank", 0.06),
    Bank("FAYS", "Faysal Bank", 0.06),
    Bank("JSBL", "JS Bank", 0.05),
    Bank("NBPA", "National Bank of Pakistan", 0.13),
)
BANK_BY_NAME: dict[str, Bank] = {b.name: b for b in BANKS}

# Mobile wallets and the mobile prefixes (03XX) of their networks.
WALLETS: dict[str, tuple[str, ...]] = {
    "JazzCash": ("0300", "0301", "0302", "0303", "0304", "0305", "0306", "0307", "0308", "0320"),
    "Easypaisa": ("0340", "0341", "0342", "0343", "0344", "0345", "0346", "0347", "0348", "0349"),
}


@dataclass(frozen=True)
class ForeignBank:
    name: str
    country: str
    iban_code: str | None  # bank code inside the IBAN; None: local account numbers only
    digits: int = 16  # length of the account part (IBAN) or of the local number


FOREIGN_BANKS: dict[str, tuple[ForeignBank, ...]] = {
    "ae": (
        ForeignBank("Emirates NBD", "ae", "026"),
        ForeignBank("Dubai Islamic Bank", "ae", "024"),
        ForeignBank("Mashreq Bank", "ae", "033"),
        ForeignBank("Abu Dhabi Commercial Bank", "ae", "030"),
    ),
    "sa": (
        ForeignBank("Al Rajhi Bank", "sa", "80", 18),
        ForeignBank("Saudi National Bank", "sa", "10", 18),
    ),
    "gb": (ForeignBank("HSBC UK", "gb", "HBUK", 14), ForeignBank("Barclays", "gb", "BARC", 14)),
    "us": (ForeignBank("Citibank N.A.", "us", None, 10),),
    "af": (
        ForeignBank("Afghanistan International Bank", "af", None, 12),
        ForeignBank("Azizi Bank", "af", None, 13),
        ForeignBank("New Kabul Bank", "af", None, 12),
    ),
    "ir": (
        ForeignBank("Bank Melli Iran", "ir", None, 13),
        ForeignBank("Bank Saderat", "ir", None, 13),
    ),
    "kp": (ForeignBank("Foreign Trade Bank", "kp", None, 12),),
    "mm": (ForeignBank("Myanma Economic Bank", "mm", None, 11),),
}
COUNTRY_CURRENCY: dict[str, str] = {
    "pk": "PKR",
    "ae": "AED",
    "sa": "SAR",
    "gb": "GBP",
    "us": "USD",
    "af": "AFN",
    "ir": "IRR",
    "kp": "USD",
    "mm": "USD",
}

# -- branches -------------------------------------------------------------------------------------

# City -> (relative weight for where account holders bank, areas that have branches).
PK_CITIES: dict[str, tuple[float, tuple[str, ...]]] = {
    "Karachi": (
        16.0,
        ("Saddar", "Clifton", "Gulshan-e-Iqbal", "North Nazimabad", "Korangi", "SITE"),
    ),
    "Lahore": (12.0, ("Gulberg", "Mall Road", "Anarkali", "Johar Town", "Model Town", "DHA")),
    "Faisalabad": (4.0, ("Clock Tower", "D Ground", "Susan Road")),
    "Rawalpindi": (3.5, ("Saddar", "Raja Bazar", "Satellite Town")),
    "Islamabad": (3.0, ("Blue Area", "F-7 Markaz", "G-9 Markaz")),
    "Peshawar": (3.5, ("Saddar", "Khyber Bazar", "University Road", "Hayatabad")),
    "Multan": (2.5, ("Hussain Agahi", "Cantt", "Bosan Road")),
    "Quetta": (2.0, ("Jinnah Road", "Satellite Town", "Liaquat Bazar")),
    "Hyderabad": (2.0, ("Latifabad", "Saddar")),
    "Gujranwala": (2.0, ("GT Road", "Satellite Town")),
    "Sialkot": (1.2, ("Paris Road", "Cantt")),
    "Gujrat": (1.0, ("GT Road", "Kutchery Chowk")),
    "Mandi Bahauddin": (0.5, ("Main Bazar",)),
    "Kohat": (0.6, ("Main Bazar",)),
    "Chaman": (0.4, ("Trunch Road",)),
    "Turbat": (0.4, ("Main Bazar",)),
    "Gwadar": (0.4, ("Marine Drive",)),
    "Khuzdar": (0.3, ("Main Bazar",)),
}
FOREIGN_CITIES: dict[str, tuple[str, ...]] = {
    "ae": ("Dubai Deira", "Dubai Bur Dubai", "Sharjah Rolla", "Abu Dhabi Hamdan Street"),
    "sa": ("Riyadh Batha", "Jeddah Sharafiya"),
    "gb": ("London Southall", "Birmingham Alum Rock"),
    "us": ("New York Jackson Heights",),
    "af": ("Kabul Shahr-e Naw", "Kandahar Eidgah", "Jalalabad Talashi"),
    "ir": ("Zahedan Imam Khomeini", "Mashhad Ahmadabad"),
    "kp": ("Pyongyang Central",),
    "mm": ("Yangon Downtown",),
}


def pk_branches() -> list[str]:
    """Every Pakistani branch name, "<City> <Area> Branch", in a fixed order."""
    return [f"{city} {area} Branch" for city, (_w, areas) in PK_CITIES.items() for area in areas]


def foreign_branches() -> list[str]:
    return [f"{place} Branch" for places in FOREIGN_CITIES.values() for place in places]


ALL_BRANCHES: tuple[str, ...] = (*pk_branches(), *foreign_branches())
BRANCH_INDEX: dict[str, int] = {name: i for i, name in enumerate(ALL_BRANCHES)}


def branch_city(branch: str) -> str:
    """The city of a "<City> <Area> Branch" name."""
    for city in PK_CITIES:
        if branch.startswith(city + " "):
            return city
    return branch.split(" ")[0]


def branch_code(bank_code: str, branch: str | None) -> str:
    """A bank's 4-digit code for one of its branches (distinct within a bank)."""
    if branch is None or branch not in BRANCH_INDEX:
        return ""
    offset = sum(ord(c) for c in bank_code)
    return f"{(BRANCH_INDEX[branch] * 7 + offset) % 9000 + 1000:04d}"


# -- identifiers ----------------------------------------------------------------------------------


def _iban_digits(text: str) -> str:
    return "".join(str(int(c, 36)) for c in text)


def iban(country: str, bban: str) -> str:
    """An IBAN with correct check digits (ISO 13616, mod 97) for a country and its BBAN."""
    country = country.upper()
    remainder = int(_iban_digits(bban + country + "00")) % 97
    return f"{country}{98 - remainder:02d}{bban}"


def pk_iban(bank_code: str, account: str) -> str:
    """A Pakistani IBAN: PK, check digits, the bank's 4-letter code and 16 digits."""
    if len(account) != 16 or not account.isdigit():
        raise ValueError(f"a Pakistani account part has 16 digits, not {account!r}")
    return iban("PK", bank_code + account)


EPOCH = dt.datetime(1970, 1, 1)


def to_seconds(moment: dt.datetime | dt.date) -> int:
    """Seconds since 1970-01-01 for a naive local datetime (a date means its midnight)."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime(moment.year, moment.month, moment.day)
    return int((moment - EPOCH).total_seconds())


def to_day(moment: dt.date) -> int:
    """Days since 1970-01-01."""
    return (moment - EPOCH.date()).days
