"""Readers for the values a mapping declares: dates in other formats, messy numbers and 0/1 flags.

Each reader takes one cell's text and returns the value in the record format, or raises ``ValueError``
with a message that says what it expected; the mapping adds the column and the line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from archive.dates import DateError, parse_partial_date

# Named date formats; anything with a % is a strptime format (or a list of them).
_NUMERIC_FORMATS = {
    "month-first": ("%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y", "%m/%Y", "%m-%Y"),
    "day-first": ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%m/%Y", "%m-%Y", "%m.%Y"),
    "month-name": ("%B %d, %Y", "%B %d %Y", "%b %d, %Y", "%b %d %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y",
                   "%d %b. %Y", "%B %Y", "%b %Y", "%B, %Y"),
}
DATE_FORMATS = ("iso", "year", *_NUMERIC_FORMATS)
_ISO = re.compile(r"^-?\d{4}(-\d{2}(-\d{2})?)?([T ]\d{2}:\d{2}.*)?$")
_YEAR_NUMBER = re.compile(r"^(-?\d{1,4})(\.0+)?$")
_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th)\b", re.IGNORECASE)


@dataclass(frozen=True)
class DateFormat:
    """How a column writes its dates: ``iso``, ``year``, ``month-first``, ``day-first``, ``month-name``,
    or strptime formats such as ``%d.%m.%Y``. ISO dates are always read as well: they are unambiguous."""

    name: str
    patterns: tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: object) -> DateFormat:
        if isinstance(spec, str) and spec in DATE_FORMATS:
            return cls(spec, _NUMERIC_FORMATS.get(spec, ()))
        patterns = [spec] if isinstance(spec, str) else spec
        if not isinstance(patterns, list) or not patterns or not all(
                isinstance(p, str) and "%" in p for p in patterns):
            raise ValueError(f"use one of {', '.join(DATE_FORMATS)}, or strptime formats such as '%d.%m.%Y'")
        for pattern in patterns:
            try:
                dt.datetime.strptime(dt.date(2001, 2, 3).strftime(pattern), pattern)
            except ValueError:
                raise ValueError(f"{pattern!r} is not a strptime format that can read its own output") from None
        return cls(" | ".join(patterns), tuple(patterns))

    def read(self, text: str) -> str:
        value = text.strip()
        if _ISO.match(value):
            return parse_partial_date(value)
        if self.name == "year":
            match = _YEAR_NUMBER.match(value)
            if not match:
                raise ValueError(f"not a year: {text!r}")
            return parse_partial_date(match.group(1))
        if self.name == "iso":
            return parse_partial_date(value)
        cleaned = _ORDINAL.sub("", re.sub(r"\s+", " ", value))
        for pattern in self.patterns:
            try:
                parsed = dt.datetime.strptime(cleaned, pattern)
            except ValueError:
                continue
            return parsed.date().isoformat()[:_precision(pattern)]
        raise ValueError(f"not a date in the format {self.name}: {text!r}")


def _precision(pattern: str) -> int:
    """How much of an ISO date a format gives: 10 (day), 7 (month) or 4 (year)."""
    if any(d in pattern for d in ("%d", "%j")):
        return 10
    if any(d in pattern for d in ("%m", "%b", "%B")):
        return 7
    return 4


_NUMBER = re.compile(
    r"^(?:~|≈|c\.|ca\.|circa|about|approx\.?|approximately|over|more than|at least|>)?\s*"
    r"(?P<sign>-)?(?P<digits>\d[\d ,.'\u00a0\u202f]*)\s*"
    r"(?P<scale>k|thousand|m|million)?\s*(?:\+|s|or more|plus)?$",
    re.IGNORECASE,
)
_SCALES = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}


def read_number(text: str, decimal: str = ".") -> int | float:
    """Read ``50501.0``, ``1,200``, ``1000s``, ``50+``, ``~300`` or ``2.5k``: a count as written in data sets.

    ``decimal`` is the decimal mark ("." or ","); the other one, spaces and apostrophes group thousands.
    A whole number comes back as an int. A range ("100-200") is refused: say which end to keep.
    """
    match = _NUMBER.match(text.strip())
    if not match:
        raise ValueError(f"not a number: {text!r}")
    digits = re.sub(r"[ '\u00a0\u202f]", "", match["digits"])
    grouping = "," if decimal == "." else "."
    digits = digits.replace(grouping, "")
    if digits.count(decimal) > 1:
        raise ValueError(f"not a number: {text!r}")
    number = float(digits.replace(decimal, ".")) * _SCALES.get((match["scale"] or "").lower(), 1)
    if match["sign"]:
        number = -number
    return int(number) if number.is_integer() else number


_TRUE = frozenset({"1", "1.0", "true", "yes", "y", "x", "✓", "✔"})
_FALSE = frozenset({"0", "0.0", "false", "no", "n", ""})


def read_flag(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"a flag column holds 1 or 0 (or yes/no, true/false, x/empty), not {text!r}")


__all__ = ["DATE_FORMATS", "DateError", "DateFormat", "read_flag", "read_number"]
