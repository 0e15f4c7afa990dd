"""Dates as agencies write them, to the precision they give (year, month or day).

Owns DateValue and parse_date: ISO, day-first with any separator, month names, Febrl's YYYYMMDD.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache

from nexus.resolve.normalise_ids import ascii_digits

MIN_YEAR = 1800
MAX_YEAR = 2100

# Month names in English (as records abbreviate them) and Urdu; calendar words, not name data.
# fmt: off
_MONTHS: dict[str, int] = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9,
    "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12,
    "december": 12, "جنوری": 1, "فروری": 2, "مارچ": 3, "اپریل": 4, "مئی": 5, "جون": 6,
    "جولائی": 7, "اگست": 8, "ستمبر": 9, "اکتوبر": 10, "نومبر": 11, "دسمبر": 12,
}
# fmt: on


@dataclass(frozen=True, slots=True)
class DateValue:
    """A date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        """ "1980", "1980-03" or "1980-03-12"."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def alternatives(self) -> tuple[DateValue, ...]:
        """Other readings of the same written date: day and month swapped when both are ≤ 12
        and differ (12/03/1980 may be 3 December). Excludes this reading."""
        if self.month is None or self.day is None or self.day == self.month or self.day > 12:
            return ()
        return (DateValue(self.year, self.day, self.month),)

    def agrees_with(self, other: DateValue) -> bool:
        """Same year, and the same month and day wherever both give them (or a swapped reading
        of one agrees)."""
        for candidate in (self, *self.alternatives()):
            if (
                candidate.year == other.year
                and _agree(candidate.month, other.month)
                and _agree(candidate.day, other.day)
            ):
                return True
        return False


def _agree(one: int | None, other: int | None) -> bool:
    return one is None or other is None or one == other


def _make(year: int, month: int, day: int) -> DateValue | None:
    """A DateValue if the parts are a real date; 0 for month or day means "not given"."""
    if not MIN_YEAR <= year <= MAX_YEAR or not 0 <= month <= 12:
        return None
    if month == 0:
        return DateValue(year) if day == 0 else None
    if day == 0:
        return DateValue(year, month)
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return DateValue(year, month, day)


_YEAR_FIRST = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[t\s].*)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.\s](\d{1,2})[-/.\s](\d{4})$")
_PARTS = re.compile(r"\d+(?:st|nd|rd|th)\b|\d+|[^\W\d_]+")
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)$")


@lru_cache(maxsize=65536)
def parse_date(text: str | None) -> DateValue | None:
    """A date in any format the agencies use; None if it is not one (or has a two-digit year).

    ISO "1980-03-12" (a time after it is ignored), "1980-03", "1980"; day first "12/03/1980",
    "12-03-1980", "12.03.1980" (month first only when the day-first reading is impossible);
    month names "12-Mar-1980", "12 March 1980", "March 12, 1980", "March 1980"; "19800312".
    """
    if not text:
        return None
    value = ascii_digits(text).strip().lower()
    if not value:
        return None
    if value.isdigit():
        return _digits_only(value)
    if match := _YEAR_FIRST.match(value):
        year, month, day = match.groups()
        return _make(int(year), int(month), int(day or 0))
    if match := _DAY_FIRST.match(value):
        first, second, year = (int(g) for g in match.groups())
        day_first = _make(year, second, first)
        return day_first if day_first is not None else _make(year, first, second)
    return _with_month_name(value)


def _digits_only(value: str) -> DateValue | None:
    if len(value) == 4:
        return _make(int(value), 0, 0)
    if len(value) == 8:  # Febrl writes YYYYMMDD; some registers DDMMYYYY
        as_ymd = _make(int(value[:4]), int(value[4:6]), int(value[6:]))
        if as_ymd is not None:
            return as_ymd
        return _make(int(value[4:]), int(value[2:4]), int(value[:2]))
    return None


def _with_month_name(value: str) -> DateValue | None:
    month = 0
    numbers: list[str] = []
    for part in _PARTS.findall(value):
        if part.isdigit():
            numbers.append(part)
        elif ordinal := _ORDINAL.match(part):
            numbers.append(ordinal.group(1))
        elif part in _MONTHS and month == 0:
            month = _MONTHS[part]
        else:
            return None
    if month == 0:
        return None
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    if len(years) != 1 or len(days) > 1 or len(years) + len(days) != len(numbers):
        return None
    return _make(int(years[0]), month, int(days[0]) if days else 0)
