"""The comparisons of person and organisation records, as data: each feature's levels with
their labels, how they are tested and their prior m and u (engines.py turns them into Splink's).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ORGANISATION_COMPARISONS", "PERSON_COMPARISONS", "Comparison", "Level"]


@dataclass(frozen=True)
class Level:
    """One comparison level: its label in explanations, how it is tested, its prior m and u.

    kind: exact | jaro_winkler (param: threshold) | damerau (param: distance) | subset (list
    column: one within the other) | overlap (lists share an item) | jaccard (param: share of
    the union) | sql (param: the condition, standard SQL) | else. `tf`: term-frequency adjusted
    on that column (on its own u unless it is the exact level of the comparison's key).
    `fixed_m`, `fixed_u`: known, not estimated (a registry's unique names; a weight of nothing).
    `agrees`: on a name level, the names agree (what `names_agree` levels require);
    `names_agree`: the level also requires the records' names to agree (see _contact).
    """

    label: str
    kind: str
    column: str = ""
    param: float | str = 0.0
    m: float | None = None
    u: float | None = None
    tf: str | None = None
    fixed_m: bool = False
    fixed_u: bool = False
    agrees: bool = False
    names_agree: bool = False


@dataclass(frozen=True)
class Comparison:
    """A feature compared: name shown to analysts, Splink output column, the column whose
    values are shown (and whose absence makes the comparison "missing"), its levels.
    """

    name: str
    output: str
    show: str
    levels: tuple[Level, ...]


def _name_levels(prefix: str, tokens: str, own: bool) -> tuple[Level, ...]:
    key, skel = f"{prefix}_key", f"{prefix}_skeleton"
    common = (
        Level("exact match", "exact", key, m=0.55, u=0.002, tf=key, agrees=True),
        Level("skeleton match", "exact", skel, m=0.15, u=0.002, agrees=True),
        Level("one name within the other", "subset", tokens, m=0.08, u=0.003, agrees=True),
        Level("similar spelling", "jaro_winkler", key, 0.92, m=0.08, u=0.003, agrees=True),
    )
    compatible = "initials_l = initials_r AND (family_l = family_r OR given_l = given_r)"
    rest = (
        (
            Level("initials compatible", "sql", param=compatible, m=0.05, u=0.003),
            Level("same family name only", "exact", "family", m=0.03, u=0.03, tf="family"),
            Level("same given name only", "exact", "given", m=0.03, u=0.03, tf="given"),
        )
        if own
        else (Level("a name in common", "overlap", tokens, m=0.06, u=0.05),)
    )
    return (*common, *rest, Level("different", "else", m=0.03, u=0.9))


_IDENTIFIER = (
    Level("exact match", "exact", m=0.85, u=1e-5),
    Level("one digit off", "damerau", param=1, m=0.08, u=1e-4),
    Level("different", "else", m=0.07, u=0.9999),
)


def _contact(name: str, column: str, noun: str, m: float, u: float) -> Comparison:
    """Something both records are linked to: a phone, a bank account, a vehicle. Relatives,
    partners and accomplices share these too, far more often than random pairs of people do, so
    shared by records whose names disagree it counts for nothing (m = u, a weight of 0): a
    shared phone, account or vehicle adds to agreeing names, never makes a match on its own.
    """
    return Comparison(
        name,
        column,
        column,
        (
            Level(f"shared {noun}", "overlap", column, m=m, u=u, names_agree=True),
            Level(
                f"shared {noun}, names differ",
                "overlap",
                column,
                m=0.01,
                u=0.01,
                fixed_m=True,
                fixed_u=True,
            ),
            Level("different", "else", m=1 - m, u=1 - u),
        ),
    )


_PHONE = _contact("Phone", "phones", "number", 0.7, 1e-5)
_ACCOUNT = _contact("Bank account", "accounts", "account", 0.5, 1e-5)
# A vehicle is shared by the few people seized with it: weaker evidence than an account.
_VEHICLE = _contact("Vehicle", "vehicles", "vehicle", 0.3, 1e-3)
_ADDRESS = Comparison(
    "Address",
    "address",
    "address_tokens",
    (
        Level("most words shared", "jaccard", "address_tokens", 0.6, m=0.6, u=0.002),
        Level("some words shared", "jaccard", "address_tokens", 0.3, m=0.2, u=0.03),
        Level("different", "else", m=0.2, u=0.97),
    ),
)


def _same(name: str, output: str, m: float, u: float) -> Comparison:
    return Comparison(
        name,
        output,
        output,
        (Level("same", "exact", output, m=m, u=u), Level("different", "else", m=1 - m, u=1 - u)),
    )


PERSON_COMPARISONS = (
    Comparison("Name", "name", "name_key", _name_levels("name", "tokens", own=True)),
    Comparison(
        "Father's name", "father", "father_key", _name_levels("father", "father_tokens", own=False)
    ),
    Comparison("CNIC", "id_number", "id_number", _IDENTIFIER),
    _PHONE,
    Comparison(
        "Date of birth",
        "dob",
        "dob",
        (
            Level("exact match", "exact", "dob", m=0.8, u=1e-4),
            Level(
                "day and month swapped",
                "sql",
                param="dob_l = dob_swapped_r OR dob_swapped_l = dob_r",
                m=0.04,
                u=1e-5,
            ),
            Level("one digit off", "damerau", "dob", 1, m=0.08, u=0.002),
            Level("same year", "exact", "dob_year", m=0.04, u=0.02),
            Level("different", "else", m=0.04, u=0.98),
        ),
    ),
    _same("Gender", "gender", 0.98, 0.55),
    _same("Nationality", "nationality", 0.97, 0.7),
    _ADDRESS,
    _ACCOUNT,
    _VEHICLE,
)
# The same name with the same registered legal form, or with it on one side and no legal form
# written on the other ("Ittefaq Goods Transport" for "… (Pvt) Ltd"), in one country.
_SAME_REGISTERED_NAME = (
    "name_key_l = name_key_r"
    " AND (registered_form_l = registered_form_r"
    " OR (registered_form_l IS NOT NULL AND legal_form_r IS NULL)"
    " OR (registered_form_r IS NOT NULL AND legal_form_l IS NULL))"
    " AND (country_l IS NULL OR country_r IS NULL OR country_l = country_r)"
)
ORGANISATION_COMPARISONS = (
    Comparison(
        "Name",
        "name",
        "name_key",
        (
            # A registry keeps incorporated bodies' names unique within its country.
            Level(
                "exact match, registered company name",
                "sql",
                param=_SAME_REGISTERED_NAME,
                m=0.3,
                u=1e-5,
                fixed_u=True,
                agrees=True,
            ),
            Level("exact match", "exact", "name_key", m=0.3, u=0.001, tf="name_key", agrees=True),
            Level("skeleton match", "exact", "name_skeleton", m=0.15, u=0.001, agrees=True),
            Level("one name within the other", "subset", "tokens", m=0.1, u=0.002, agrees=True),
            Level(
                "similar spelling", "jaro_winkler", "name_key", 0.92, m=0.08, u=0.003, agrees=True
            ),
            Level("most words shared", "jaccard", "tokens", 0.5, m=0.04, u=0.01, agrees=True),
            Level("different", "else", m=0.03, u=0.98),
        ),
    ),
    _same("Legal form", "legal_form", 0.9, 0.4),
    Comparison("Registration number", "registration", "registration", _IDENTIFIER),
    _PHONE,
    _same("Country", "country", 0.97, 0.7),
    _ADDRESS,
    _ACCOUNT,
)
