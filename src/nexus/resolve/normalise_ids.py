"""Identifiers as agencies write them: CNIC, phone numbers, IBANs and local account numbers.

Owns the compact, comparable form of each identifier and the checks that refuse malformed ones.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError
from stdnum.pk import cnic as stdnum_cnic

# Arabic-Indic and Extended Arabic-Indic (Urdu/Persian) digits, as some extracts write them.
_DIGITS = str.maketrans(
    {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}
)
_DIGIT_GROUPS = re.compile(r"\d+")
# How a CNIC's 13 digits may be grouped: 54401-1234567-3, 5440112345673, 544011234567-3, …
_CNIC_GROUPINGS = ((13,), (5, 7, 1), (5, 8), (12, 1))


def ascii_digits(text: str) -> str:
    """Text with Arabic-Indic and Urdu digits replaced by ASCII ones."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text).translate(_DIGITS)


def normalise_cnic(text: str | None) -> str | None:
    """The 13 digits of a CNIC written as 54401-1234567-3, 5440112345673 or 54401 1234567 3.

    None unless the digits are exactly 13, grouped 5-7-1 or not at all (a label such as
    "CNIC:" is allowed), and not a placeholder of one repeated digit (0000000000000).
    """
    if not text:
        return None
    groups = _DIGIT_GROUPS.findall(ascii_digits(text))
    if tuple(len(g) for g in groups) not in _CNIC_GROUPINGS:
        return None
    digits = "".join(groups)
    if len(set(digits)) == 1:
        return None
    return digits


def cnic_gender(cnic: str) -> str | None:
    """ "male" for an odd last digit, "female" for an even one; None if not a CNIC."""
    digits = normalise_cnic(cnic)
    if digits is None:
        return None
    return "male" if int(digits[-1]) % 2 else "female"


def cnic_province(cnic: str) -> str | None:
    """The province or territory of issue from the first digit (python-stdnum's table)."""
    digits = normalise_cnic(cnic)
    if digits is None:
        return None
    return stdnum_cnic.get_province(digits)


def format_cnic(cnic: str) -> str | None:
    """The written form XXXXX-XXXXXXX-X."""
    digits = normalise_cnic(cnic)
    return None if digits is None else f"{digits[:5]}-{digits[5:12]}-{digits[12]}"


_PHONE_JUNK = re.compile(r"[^\d+]")


@lru_cache(maxsize=65536)
def normalise_phone(text: str | None, region: str = "PK") -> str | None:
    """E.164 form of a phone number ("0300-1234567", "0092 300 1234567" → "+923001234567").

    National numbers are read in `region`; international ones (+93, 0093, 93…) in their own
    country. None if phonenumbers does not consider the number valid.
    """
    if not text:
        return None
    cleaned = _PHONE_JUNK.sub("", ascii_digits(text))
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if len(cleaned.lstrip("+")) < 6:
        return None
    candidates = [cleaned]
    if not cleaned.startswith("+"):
        candidates.append("+" + cleaned)  # country code written without + or 00: 93701234567
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def normalise_iban(text: str | None) -> str | None:
    """Compact upper-case IBAN ("PK36 SCBL 0000 0011 2345 6702" → "PK36SCBL0000001123456702"),
    None unless python-stdnum validates its country format and check digits."""
    if not text:
        return None
    try:
        return str(stdnum_iban.validate(ascii_digits(text)))
    except ValidationError:
        return None


_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def normalise_account(text: str | None) -> str | None:
    """A local account number as its upper-case letters and digits, leading zeros kept."""
    if not text:
        return None
    compact = _NOT_ALNUM.sub("", ascii_digits(text).upper())
    return compact or None
