"""Normalisation for entity resolution: names, identifiers and dates in one comparable form.

Owns the public surface of the normalise_* modules; the spelling data lives in resolve/data/*.yml.
"""

from __future__ import annotations

from nexus.resolve.normalise_dates import DateValue, parse_date
from nexus.resolve.normalise_ids import (
    cnic_gender,
    cnic_province,
    format_cnic,
    normalise_account,
    normalise_cnic,
    normalise_iban,
    normalise_phone,
)
from nexus.resolve.normalise_names import (
    RELATIONS,
    PersonName,
    canonical_token,
    canonical_tokens,
    family_count,
    is_name_family,
    names_compatible,
    parse_person_name,
    title_count,
)
from nexus.resolve.normalise_orgs import (
    OrgName,
    canonical_legal_form,
    legal_form_count,
    parse_org_name,
    registered_form,
)
from nexus.resolve.normalise_text import SCRIPTS, detect_script, skeleton, to_latin

__all__ = [
    "RELATIONS",
    "SCRIPTS",
    "DateValue",
    "OrgName",
    "PersonName",
    "canonical_legal_form",
    "canonical_token",
    "canonical_tokens",
    "cnic_gender",
    "cnic_province",
    "data_coverage",
    "detect_script",
    "format_cnic",
    "is_name_family",
    "names_compatible",
    "normalise_account",
    "normalise_cnic",
    "normalise_iban",
    "normalise_phone",
    "parse_date",
    "parse_org_name",
    "parse_person_name",
    "registered_form",
    "skeleton",
    "to_latin",
]


def data_coverage() -> dict[str, int]:
    """How many name families, titles and legal forms the data files hold (loads them)."""
    return {
        "name_families": family_count(),
        "titles": title_count(),
        "legal_forms": legal_form_count(),
    }
