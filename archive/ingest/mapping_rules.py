"""One column of a mapping: the field it feeds and how its values are read on the way.

``ColumnRule.read`` applies a column's transforms to one cell (replace, regex, extract, split, then a date,
a number or a flag); ``parse_rule`` reads and checks one entry of a mapping file's ``columns``. The file as
a whole (templates, constants, merged rows) is ``archive.ingest.mapping``.
"""

from __future__ import annotations

import ast
import difflib
import functools
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from archive.dates import DateError
from archive.errors import ArchiveError
from archive.ingest.mapping_values import DateFormat, read_flag, read_number
from archive.ingest.placeholders import is_placeholder

RULE_KEYS = ("field", "split", "replace", "regex", "extract", "optional", "date", "number", "flag")


class MappingError(ArchiveError, ValueError):
    """A mapping file that cannot be used, or a row it cannot map."""


def is_null(nulls: frozenset[str], value: Any) -> bool:
    """A cell that means "no value" under a mapping's ``null`` list (the empty cell always does)."""
    return value is None or (isinstance(value, str) and value.strip() in nulls)


@dataclass(frozen=True)
class ColumnRule:
    """How one column (or every column matching a pattern) feeds one field, and how its values are read."""

    column: str
    field: str
    split: str | None = None
    replace: tuple[tuple[str, str], ...] = ()
    regex: tuple[tuple[re.Pattern[str], str], ...] = ()
    extract: re.Pattern[str] | None = None
    optional: bool = False
    date: DateFormat | None = None
    number: str | None = None  # the decimal mark
    flag: str | bool | None = None

    @property
    def is_pattern(self) -> bool:
        return "*" in self.column

    def matched_part(self, column: str) -> str | None:
        """The part of ``column`` that the pattern's ``*`` matched, or None when it does not match."""
        if not self.is_pattern:
            return column if column == self.column else None
        match = _glob(self.column).fullmatch(column)
        return None if match is None else " ".join(g for g in match.groups() if g)

    def read(self, column: str, cell: Any, nulls: frozenset[str]) -> tuple[list[Any], bool]:
        """The values one cell gives this field, and whether they form a list."""
        if self.flag is not None:
            try:
                flagged = read_flag("" if is_null(nulls, cell) else str(cell))
            except ValueError as exc:
                raise self.error(column, str(exc)) from None
            if not flagged:
                return [], True
            label = self.flag if isinstance(self.flag, str) else (self.matched_part(column) or column)
            return [label.replace("_", " ").strip() if self.flag is True else label], True
        if isinstance(cell, list):  # a JSON or YAML list cell
            items = [self._clean(column, item, nulls) for item in cell]
            return [v for item in items if item is not None for v in self._items(column, item, nulls)], True
        text = self._clean(column, cell, nulls)
        if text is None:
            return [], False
        items = self._items(column, text, nulls)
        return items, self.split is not None or len(items) != 1

    def _clean(self, column: str, cell: Any, nulls: frozenset[str]) -> Any:
        if is_null(nulls, cell):
            return None
        if not (self.replace or self.regex or self.extract):
            return cell  # as written: a body keeps its spacing
        text = str(cell)
        for old, new in self.replace:
            text = text.replace(old, new)
        for pattern, new in self.regex:
            text = pattern.sub(new, text)
        if self.extract is not None:
            match = self.extract.search(text)
            if match is None:
                if self.optional:
                    return None
                raise self.error(column, f"{_shown(str(cell))} does not match the extract pattern "
                                         f"{self.extract.pattern!r} (add optional: true if it may be absent)")
            text = match.group(1) if self.extract.groups else match.group(0)
        text = text.strip()
        return None if is_null(nulls, text) else text

    def _items(self, column: str, value: Any, nulls: frozenset[str]) -> list[Any]:
        rule = self.split
        if rule is not None and isinstance(value, str):
            parts = _python_list(value) if rule == "python" else value.split(rule)
            items = [str(p).strip() for p in parts if not is_null(nulls, p)]
        else:
            items = [value]
        typed = [self._typed(column, item, nulls) for item in items if not is_null(nulls, item)]
        return [item for item in typed if item is not None]

    def _typed(self, column: str, value: Any, nulls: frozenset[str]) -> Any:
        if self.date is None and self.number is None:
            return value
        text = str(value).strip()
        if is_placeholder(text):
            return None  # "unknown", "n/a", "?" in a date or number column: no value, not an error
        try:
            if self.date is not None:
                return self.date.read(text)
            return read_number(text, self.number or ".")
        except (ValueError, DateError) as exc:
            raise self.error(column, str(exc)) from None

    def error(self, column: str, message: str) -> MappingError:
        return MappingError(f"field {self.field!r}: column {column!r}: {message}")


@functools.lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """``place_*`` as a regular expression whose groups are what each ``*`` matched."""
    return re.compile("(.*)".join(re.escape(piece) for piece in pattern.split("*")))


def _shown(text: str, limit: int = 80) -> str:
    """A cell's value for a message: a long text is cut, with its length said."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"


def _python_list(value: str) -> list[Any]:
    try:
        parsed = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        return [value.strip()]
    if isinstance(parsed, list | tuple | set):
        return [str(item) for item in parsed if item is not None]
    return [str(parsed)]


def did_you_mean(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def parse_rule(path: Path, column: str, spec: Any) -> ColumnRule:
    """One entry of a mapping's ``columns``: a field name, or a mapping with ``field`` and transforms."""
    where = f"{path}: columns: {column!r}"
    if isinstance(spec, str):
        return ColumnRule(column, spec.strip())
    if not isinstance(spec, dict):
        raise MappingError(f"{where}: write a field name, or a mapping with 'field' and transforms")
    spec = {str(k): v for k, v in spec.items()}
    for key in spec:
        if key not in RULE_KEYS:
            raise MappingError(f"{where}: unknown key {key!r}{did_you_mean(key, RULE_KEYS)}; "
                               f"known keys are {', '.join(RULE_KEYS)}")
    target = spec.get("field")
    if not isinstance(target, str) or not target.strip():
        raise MappingError(f"{where}: say which field it feeds with 'field: NAME'")
    rule = ColumnRule(column, target.strip())
    if spec.get("split") is not None:
        if not isinstance(spec["split"], str) or not spec["split"]:
            raise MappingError(f"{where}: 'split' is a separator such as ';', or 'python'")
        rule = replace(rule, split=spec["split"])
    if spec.get("replace") is not None:
        rule = replace(rule, replace=tuple(_pairs(where, "replace", spec["replace"])))
    if spec.get("regex") is not None:
        pairs = []
        for pattern, new in _pairs(where, "regex", spec["regex"]):
            pairs.append((_compile(where, "regex", pattern), new))
        rule = replace(rule, regex=tuple(pairs))
    if spec.get("extract") is not None:
        if not isinstance(spec["extract"], str):
            raise MappingError(f"{where}: 'extract' is a regular expression; its first group is kept")
        rule = replace(rule, extract=_compile(where, "extract", spec["extract"]))
    if "optional" in spec:
        if not isinstance(spec["optional"], bool):
            raise MappingError(f"{where}: 'optional' must be true or false")
        rule = replace(rule, optional=spec["optional"])
    if spec.get("date") is not None:
        try:
            rule = replace(rule, date=DateFormat.parse(spec["date"]))
        except ValueError as exc:
            raise MappingError(f"{where}: 'date': {exc}") from None
    number = spec.get("number")
    if number is not None and number is not False:
        if number is True or number == "decimal-point":
            rule = replace(rule, number=".")
        elif number == "decimal-comma":
            rule = replace(rule, number=",")
        else:
            raise MappingError(f"{where}: 'number' is true (1,200.5), or decimal-comma (1.200,5)")
    if rule.date is not None and rule.number is not None:
        raise MappingError(f"{where}: a value is read as a date or as a number, not both")
    if spec.get("flag") is not None:
        flag = spec["flag"]
        if not isinstance(flag, bool | str) or flag is False:
            raise MappingError(f"{where}: 'flag' is true (the column's name is the value) or the value to add")
        rule = replace(rule, flag=flag)
    return rule


def _pairs(where: str, key: str, value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, dict) or not all(v is None or isinstance(v, str | int | float) for v in value.values()):
        raise MappingError(f"{where}: {key!r} is a mapping of what to find: what to put instead")
    return [(str(old), "" if new is None else str(new)) for old, new in value.items()]


def _compile(where: str, key: str, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise MappingError(f"{where}: {key!r}: not a regular expression: {pattern!r} ({exc})") from None
