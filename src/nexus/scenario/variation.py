"""Owns how each agency's clerks write the same facts: spellings, typos, order, script and formats
of names, patronymics, CNICs, phone numbers, dates and company names (agency habits in STYLES).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from nexus.scenario.model import Sex
from nexus.scenario.names import NameBank, Relation, load_names

CNIC_FORMATS = ("dashed", "plain", "spaced")
PHONE_FORMATS = ("local_dashed", "local", "intl", "intl_spaced", "intl_00", "bare")
MAIN_DATE_SHARE = 0.8  # how often an agency uses its main date format
WIFE_SHARE = 0.5  # how often a married woman is recorded as "w/o" her husband, not "d/o"
OTHER_UNITS_SHARE = 0.5  # spelling_variant: chance that each further name part also varies

# A foreign number written for a Pakistani reader keeps its country code: local forms map to these.
_FOREIGN_FORMAT = {"local_dashed": "intl_spaced", "local": "intl_00", "bare": "intl"}
# ITU country calling codes of the region and its partners (prefix-free: at most one matches).
_CALLING_CODES_TEXT = (
    "1 7 20 27 30 31 32 33 34 39 41 43 44 45 46 47 49 60 61 62 63 65 66 81 82 84 86 90 91 92 93 "
    "94 95 98 212 213 216 218 249 251 252 253 254 255 256 880 960 961 962 963 964 965 966 967 "
    "968 970 971 972 973 974 975 976 977 992 993 994 995 996 998"
)
_CALLING_CODES = frozenset(_CALLING_CODES_TEXT.split())
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


@dataclass(frozen=True)
class Style:
    """An agency's habits: rates are probabilities in [0, 1], formats carry relative weights."""

    name: str
    spelling_rate: float
    typo_rate: float
    abbreviate_rate: float
    order_swap_rate: float
    urdu_rate: float
    title_rate: float
    patronymic_rate: float
    missing_rate: float
    cnic_formats: tuple[tuple[str, float], ...]
    phone_formats: tuple[tuple[str, float], ...]
    date_formats: tuple[str, ...]  # strftime formats; the first is the agency's main one

    def __post_init__(self) -> None:
        for field in (
            "spelling_rate",
            "typo_rate",
            "abbreviate_rate",
            "order_swap_rate",
            "urdu_rate",
            "title_rate",
            "patronymic_rate",
            "missing_rate",
        ):
            value = getattr(self, field)
            if not 0 <= value <= 1:
                raise ValueError(f"style {self.name}: {field} must be in [0, 1], not {value}")
        _check_formats(self.name, "cnic_formats", self.cnic_formats, CNIC_FORMATS)
        _check_formats(self.name, "phone_formats", self.phone_formats, PHONE_FORMATS)
        if not self.date_formats:
            raise ValueError(f"style {self.name}: date_formats must not be empty")


def _check_formats(
    style: str, field: str, formats: tuple[tuple[str, float], ...], known: tuple[str, ...]
) -> None:
    if not formats or any(name not in known or weight <= 0 for name, weight in formats):
        raise ValueError(
            f"style {style}: {field} must be (format, positive weight) pairs "
            f"with formats from {', '.join(known)}"
        )


STYLES: dict[str, Style] = {
    "ANF": Style(
        name="ANF",
        spelling_rate=0.30,
        typo_rate=0.04,
        abbreviate_rate=0.15,
        order_swap_rate=0.05,
        urdu_rate=0.0,
        title_rate=0.30,
        patronymic_rate=0.85,
        missing_rate=0.10,
        cnic_formats=(("dashed", 0.7), ("plain", 0.2), ("spaced", 0.1)),
        phone_formats=(
            ("local_dashed", 0.55),
            ("local", 0.30),
            ("intl", 0.10),
            ("intl_spaced", 0.05),
        ),
        date_formats=("%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"),
    ),
    "FIA": Style(
        name="FIA",
        spelling_rate=0.30,
        typo_rate=0.03,
        abbreviate_rate=0.10,
        order_swap_rate=0.05,
        urdu_rate=0.0,
        title_rate=0.20,
        patronymic_rate=0.80,
        missing_rate=0.08,
        cnic_formats=(("dashed", 0.8), ("plain", 0.2)),
        phone_formats=(("local_dashed", 0.4), ("local", 0.3), ("intl", 0.2), ("intl_00", 0.1)),
        date_formats=("%d/%m/%Y", "%d-%m-%Y", "%d-%b-%Y"),
    ),
    "CUSTOMS": Style(
        name="CUSTOMS",
        spelling_rate=0.35,
        typo_rate=0.05,
        abbreviate_rate=0.20,
        order_swap_rate=0.10,
        urdu_rate=0.0,
        title_rate=0.25,
        patronymic_rate=0.70,
        missing_rate=0.15,
        cnic_formats=(("plain", 0.5), ("dashed", 0.5)),
        phone_formats=(("local", 0.5), ("local_dashed", 0.3), ("intl_00", 0.2)),
        date_formats=("%d.%m.%Y", "%d-%m-%Y", "%d-%b-%Y"),
    ),
    "POLICE": Style(
        name="POLICE",
        spelling_rate=0.45,
        typo_rate=0.07,
        abbreviate_rate=0.20,
        order_swap_rate=0.10,
        urdu_rate=0.06,
        title_rate=0.45,
        patronymic_rate=0.95,
        missing_rate=0.20,
        cnic_formats=(("dashed", 0.5), ("plain", 0.3), ("spaced", 0.2)),
        phone_formats=(("local_dashed", 0.5), ("local", 0.4), ("bare", 0.1)),
        date_formats=("%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y"),
    ),
    "CTD": Style(
        name="CTD",
        spelling_rate=0.35,
        typo_rate=0.04,
        abbreviate_rate=0.15,
        order_swap_rate=0.10,
        urdu_rate=0.04,
        title_rate=0.40,
        patronymic_rate=0.90,
        missing_rate=0.12,
        cnic_formats=(("dashed", 0.7), ("plain", 0.3)),
        phone_formats=(("local_dashed", 0.5), ("local", 0.3), ("intl", 0.2)),
        date_formats=("%d-%m-%Y", "%d.%m.%Y"),
    ),
    "FMU": Style(
        name="FMU",
        spelling_rate=0.20,
        typo_rate=0.02,
        abbreviate_rate=0.10,
        order_swap_rate=0.05,
        urdu_rate=0.0,
        title_rate=0.05,
        patronymic_rate=0.30,
        missing_rate=0.10,
        cnic_formats=(("plain", 0.6), ("dashed", 0.4)),
        phone_formats=(("intl", 0.5), ("local", 0.3), ("bare", 0.2)),
        date_formats=("%Y-%m-%d", "%d/%m/%Y"),
    ),
    "BANK": Style(
        name="BANK",
        spelling_rate=0.25,
        typo_rate=0.03,
        abbreviate_rate=0.25,
        order_swap_rate=0.05,
        urdu_rate=0.0,
        title_rate=0.03,
        patronymic_rate=0.40,
        missing_rate=0.15,
        cnic_formats=(("plain", 0.5), ("dashed", 0.4), ("spaced", 0.1)),
        phone_formats=(("local", 0.5), ("intl", 0.2), ("bare", 0.2), ("intl_00", 0.1)),
        date_formats=("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "%d-%b-%Y"),
    ),
    "UN": Style(
        name="UN",
        spelling_rate=0.15,
        typo_rate=0.01,
        abbreviate_rate=0.05,
        order_swap_rate=0.30,
        urdu_rate=0.0,
        title_rate=0.30,
        patronymic_rate=0.10,
        missing_rate=0.40,
        cnic_formats=(("dashed", 1.0),),
        phone_formats=(("intl_spaced", 0.7), ("intl", 0.3)),
        date_formats=("%Y-%m-%d", "%d %b. %Y", "%d %B %Y"),
    ),
    "PRESS": Style(
        name="PRESS",
        spelling_rate=0.50,
        typo_rate=0.01,
        abbreviate_rate=0.05,
        order_swap_rate=0.05,
        urdu_rate=0.0,
        title_rate=0.40,
        patronymic_rate=0.30,
        missing_rate=0.60,
        cnic_formats=(("dashed", 1.0),),
        phone_formats=(("intl", 0.5), ("local_dashed", 0.5)),
        date_formats=("%B %d, %Y", "%d %B %Y", "%d %b %Y"),
    ),
}


# --- names ------------------------------------------------------------------------------------


def spelling_variant(name: str, rng: random.Random) -> str:
    """Another Latin spelling of the name: one part that has variants always changes, the others
    sometimes (Muhammad Yousaf -> Mohammad Yusuf); a name with no known variants comes back as is.
    """
    names = load_names()
    units = names.units(name)
    variable = [i for i, unit in enumerate(units) if len(names.spelling_family(unit)) > 1]
    if not variable:
        return name
    forced = rng.choice(variable)
    out = list(units)
    for i in variable:
        if i == forced or rng.random() < OTHER_UNITS_SHARE:
            options = [m for m in names.spelling_family(units[i]) if m != units[i]]
            choice = rng.choice(options)
            out[i] = choice.upper() if units[i].isupper() and len(units[i]) > 1 else choice
    return " ".join(out)


def _keyboard_neighbours() -> dict[str, str]:
    neighbours: dict[str, str] = {}
    for r, row in enumerate(_KEY_ROWS):
        for c, key in enumerate(row):
            near = [row[c - 1] if c > 0 else "", row[c + 1] if c + 1 < len(row) else ""]
            if r > 0:
                above = _KEY_ROWS[r - 1]
                near += [
                    above[c] if c < len(above) else "",
                    above[c + 1] if c + 1 < len(above) else "",
                ]
            if r + 1 < len(_KEY_ROWS):
                below = _KEY_ROWS[r + 1]
                near += [
                    below[c - 1] if 0 < c <= len(below) else "",
                    below[c] if c < len(below) else "",
                ]
            neighbours[key] = "".join(near)
    return neighbours


_NEIGHBOURS = _keyboard_neighbours()


def typo(text: str, rng: random.Random) -> str:
    """One keyboard slip in a letter: dropped, doubled, swapped with the next, or a near key."""
    positions = [i for i, ch in enumerate(text) if ch.isalpha()]
    positions = positions or [i for i, ch in enumerate(text) if not ch.isspace()]
    if not positions:
        return text
    i = rng.choice(positions)
    slip = rng.choice(("drop", "double", "swap", "neighbour"))
    ch = text[i]
    if slip == "neighbour" and ch.lower() in _NEIGHBOURS:
        key = rng.choice(_NEIGHBOURS[ch.lower()])
        return text[:i] + (key.upper() if ch.isupper() else key) + text[i + 1 :]
    if slip == "swap" and i + 1 < len(text) and text[i + 1].isalpha() and text[i + 1] != ch:
        return text[:i] + text[i + 1] + ch + text[i + 2 :]
    if slip == "double":
        return text[:i] + ch + text[i:]
    return text[:i] + text[i + 1 :]


def _abbreviate(given: str, rng: random.Random, names: NameBank) -> str:
    """Muhammad Yousaf -> M. Yousaf / Mohd. Yousaf; Abdul Rehman -> A. Rehman; Imran stays."""
    tokens = given.split()
    for i, token in enumerate(tokens):
        options = names.abbreviations(token)
        if options:
            tokens[i] = rng.choice(options)
            return " ".join(tokens)
    if len(tokens) > 1 and tokens[0][:1].isalpha():
        tokens[0] = f"{tokens[0][0].upper()}."
    return " ".join(tokens)


def render_name(
    given: str,
    family: str | None,
    rng: random.Random,
    style: Style,
    names: NameBank,
    title: str | None = None,
) -> str:
    """The name as this agency's clerk writes it: each habit at the style's rate (title prefix,
    Urdu script, spelling variant, abbreviation, family name first, one typo).
    """
    lead = title if title is not None and rng.random() < style.title_rate else None
    if rng.random() < style.urdu_rate:
        return names.to_urdu(" ".join(p for p in (lead, given, family) if p))
    if rng.random() < style.spelling_rate:
        given = spelling_variant(given, rng)
    if family is not None and rng.random() < style.spelling_rate:
        family = spelling_variant(family, rng)
    if rng.random() < style.abbreviate_rate:
        given = _abbreviate(given, rng, names)
    front = " ".join(p for p in (lead, given) if p)
    if family is None:
        text = front
    elif rng.random() < style.order_swap_rate:
        text = f"{family}, {front}"
    else:
        text = f"{front} {family}"
    return typo(text, rng) if rng.random() < style.typo_rate else text


def _is_arabic_script(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def render_patronymic(
    full_name: str,
    father: str,
    sex: Sex,
    rng: random.Random,
    style: Style,
    married_to: str | None = None,
) -> str:
    """At the style's rate, the name with its relative: "Ali Khan s/o Akbar Khan", "… d/o …",
    "… w/o …" (a married woman, sometimes), "walad", or ولد when the name is in Urdu script.
    """
    if rng.random() >= style.patronymic_rate:
        return full_name
    names = load_names()
    urdu = _is_arabic_script(full_name)
    relation: Relation = "son" if sex == "male" else "daughter"
    relative = father
    if sex == "female" and married_to is not None and rng.random() < WIFE_SHARE:
        relation, relative = "wife", married_to
    connector = names.patronymic_connector(rng, relation, urdu=urdu)
    if urdu:
        relative = relative if _is_arabic_script(relative) else names.to_urdu(relative)
    elif rng.random() < style.spelling_rate:
        relative = spelling_variant(relative, rng)
    return f"{full_name} {connector} {relative}"


# --- identifiers and dates --------------------------------------------------------------------


def _pick(rng: random.Random, formats: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([f for f, _ in formats], weights=[w for _, w in formats])[0]


def _slip_digit(digits: str, rng: random.Random, start: int = 0) -> str:
    i = rng.randrange(start, len(digits))
    other = rng.choice([d for d in "0123456789" if d != digits[i]])
    return digits[:i] + other + digits[i + 1 :]


def render_cnic(cnic: str, rng: random.Random, style: Style) -> str | None:
    """The CNIC as written (dashed 12345-1234567-1, plain, spaced); None when the record lacks
    it; one mistyped digit at the style's typo rate.
    """
    if len(cnic) != 13 or not cnic.isdigit():
        raise ValueError(f"a CNIC has 13 digits without dashes, not {cnic!r}")
    if rng.random() < style.missing_rate:
        return None
    digits = _slip_digit(cnic, rng) if rng.random() < style.typo_rate else cnic
    layout = _pick(rng, style.cnic_formats)
    if layout == "plain":
        return digits
    sep = "-" if layout == "dashed" else " "
    return f"{digits[:5]}{sep}{digits[5:12]}{sep}{digits[12]}"


def _calling_code(digits: str) -> str:
    for size in (1, 2, 3):
        if digits[:size] in _CALLING_CODES:
            return digits[:size]
    return ""


def render_phone(e164: str, rng: random.Random, style: Style) -> str | None:
    """The number as written (0300-1234567, 03001234567, +923001234567, +92 300 1234567,
    00923001234567, 923001234567); foreign numbers always keep their country code. None when
    missing; one mistyped subscriber digit at the style's typo rate.
    """
    digits = e164[1:]
    if not e164.startswith("+") or not digits.isdigit() or len(digits) < 8:
        raise ValueError(f"a phone number must be E.164 (+ and digits), not {e164!r}")
    if rng.random() < style.missing_rate:
        return None
    code = _calling_code(digits)
    if rng.random() < style.typo_rate:
        digits = _slip_digit(digits, rng, start=max(len(code), len(digits) - 7))
    layout = _pick(rng, style.phone_formats)
    national = digits[len(code) :]
    if code != "92":
        layout = _FOREIGN_FORMAT.get(layout, layout)
    mobile = code == "92" and national.startswith("3")
    split = 3 if mobile else 2  # operator code 3xx, or (roughly) a two-digit area code
    if layout == "local_dashed":
        return f"0{national[:split]}-{national[split:]}"
    if layout == "local":
        return f"0{national}"
    if layout == "intl_spaced":
        if code == "92":
            return f"+92 {national[:split]} {national[split:]}"
        return f"+{code} {national}" if code else f"+{digits}"
    if layout == "intl_00":
        return f"00{digits}"
    if layout == "bare":
        return digits
    return f"+{digits}"


def _strftime(day: dt.date, fmt: str) -> str:
    """strftime with English month names whatever the process locale."""
    month = _MONTHS[day.month - 1]
    return day.strftime(fmt.replace("%B", month).replace("%b", month[:3]))


def render_date(d: dt.date, rng: random.Random, style: Style) -> str:
    """The date in one of the style's formats (mostly its main one)."""
    formats = style.date_formats
    if len(formats) == 1 or rng.random() < MAIN_DATE_SHARE:
        return _strftime(d, formats[0])
    return _strftime(d, rng.choice(formats[1:]))


# --- organisations ----------------------------------------------------------------------------


def render_company(name: str, rng: random.Random, style: Style) -> str:
    """The company as written: legal form dropped (at the abbreviate rate, where it can be) or
    written another way ((Pvt) Ltd / Pvt. Ltd. / (Private) Limited; & Co / and Company), a
    spelling variant of its words, a typo, or (rarely, some agencies) Urdu script.
    """
    names = load_names()
    if rng.random() < style.urdu_rate:
        return names.to_urdu(name)
    text = name
    found = _legal_form(text, names)
    if found is not None:
        stem, forms, droppable = found
        roll = rng.random()
        if droppable and roll < style.abbreviate_rate:
            text = stem
        elif roll < style.abbreviate_rate + style.spelling_rate:
            current = text[len(stem) + 1 :]
            text = f"{stem} {rng.choice([f for f in forms if f != current] or list(forms))}"
    if rng.random() < style.spelling_rate:
        text = spelling_variant(text, rng)
    return typo(text, rng) if rng.random() < style.typo_rate else text


def _legal_form(text: str, names: NameBank) -> tuple[str, tuple[str, ...], bool] | None:
    """(name without its legal form, that form's spellings, droppable) for the longest match."""
    candidates = sorted(
        (
            (form, forms, droppable)
            for forms, droppable in names.legal_form_variants
            for form in forms
        ),
        key=lambda c: (-len(c[0]), c[0]),
    )
    folded = text.casefold()
    for form, forms, droppable in candidates:
        if folded.endswith(" " + form.casefold()):
            return text[: -len(form) - 1], forms, droppable
    return None
