"""Dates that keep their precision: ``1933``, ``1933-04`` and ``1933-04-01`` are all valid.

The rule, the same on every store (dates are kept as text): years 1 to 9999 of the common era, and years
before it written with a minus sign as Wikidata and ISO 8601 do (``-0509`` is 509 BCE), back to -9999.
There is no year 0: the sources disagree on what it means (1 BCE in ISO 8601, nothing in Wikidata and
in historians' usage), so it is refused rather than guessed. An embargo is a calendar date, 0001-01-01
to 9999-12-31.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from archive.errors import ArchiveError

_PARTIAL = re.compile(r"^(-?)(\d{1,4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_TIMESTAMP = re.compile(r"^(-?\d{1,4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


class DateError(ArchiveError, ValueError):
    """A value that is not a date of any precision."""


def parse_partial_date(value: object) -> str:
    """Normalize a year, year-month or full date to ISO text of the same precision.

    Accepts ISO text, a YAML date, an integer year, and a timestamp (kept to the day). Years before
    the common era are written with a minus sign, as ISO 8601 and Wikidata do.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise DateError(f"expected a date such as 1933, 1933-04 or 1933-04-01, got {value!r}")
    text = value.strip()
    stamp = _TIMESTAMP.match(text)
    if stamp:
        text = stamp.group(1)
    match = _PARTIAL.match(text)
    if not match:
        raise DateError(f"not a date: {value!r} (write 1933, 1933-04 or 1933-04-01)")
    sign, year_text, month_text, day_text = match.groups()
    year = int(year_text)
    if year == 0:
        raise DateError(f"not a date: {value!r} (there is no year 0: write 1 for 1 CE, -1 for 1 BCE)")
    out = f"{sign}{year:04d}"
    if month_text is not None:
        month = int(month_text)
        if not 1 <= month <= 12:
            raise DateError(f"not a date: {value!r} (month {month} does not exist)")
        out += f"-{month:02d}"
        if day_text is not None:
            day = int(day_text)
            last = _days_in_month(-year if sign else year, month)
            if not 1 <= day <= last:
                raise DateError(f"not a date: {value!r} (day {day} does not exist in that month)")
            out += f"-{day:02d}"
    return out


def _days_in_month(year: int, month: int) -> int:
    """Days in a month of the proleptic Gregorian calendar; a year before the common era is counted as
    Wikidata counts it (-1 is 1 BCE, a leap year)."""
    if month != 2:
        return calendar.monthrange(2001, month)[1]  # any year that is not a leap year
    return 29 if calendar.isleap(year + 1 if year < 0 else year) else 28


def sort_key(partial: str) -> tuple[int, int, int]:
    """Order partial dates; a coarser date sorts before the finer dates inside it."""
    negative = partial.startswith("-")
    parts = [int(p) for p in partial.lstrip("-").split("-")]
    year = -parts[0] if negative else parts[0]
    month = parts[1] if len(parts) > 1 else 0
    day = parts[2] if len(parts) > 2 else 0
    return (year, month, day)


def period_end(partial: str) -> dt.date:
    """The last day a partial date covers: ``2027`` ends on 2027-12-31."""
    year, month, day = sort_key(partial)
    if year < 1:
        raise DateError(f"{partial} is before the year 1")
    if not month:
        return dt.date(year, 12, 31)
    if not day:
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def precedes(first: str, second: str) -> bool:
    """True when ``first`` is certainly before ``second`` at their common precision."""
    a, b = sort_key(first), sort_key(second)
    depth = min(first.lstrip("-").count("-"), second.lstrip("-").count("-")) + 1
    return a[:depth] < b[:depth]
