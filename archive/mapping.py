"""Spreadsheet mappings: how a real spreadsheet's columns become record fields, declared in a YAML file.

A mapping says which column feeds which field, and how each value is read on the way: dates in other
formats, messy numbers, replacements and regular expressions, flag columns, repeated columns by pattern,
templates, constants, and rows to merge. ``docs/mapping.md`` documents every key with examples::

    columns:
      Employer: organizations                       # column -> field
      "City, State": places
      Start Date: {field: start, date: month-first} # with a transform
      "# Idled": {field: workers, number: true}
      "place_*": places                             # every column whose name matches
      Union: [organizations, {field: union, regex: {'\\s+N/A$': ''}}]   # one column, two fields
    split: {places: ";"}
    null: ["None", "N/A"]
    constants: {type: struggle}
    templates: {source_note: "FMCS case {Case Number}"}
    slug: "fmcs-{Case Number}"
    title: "{Employer} strike ({Union})"
    merge_rows: {start: earliest, end: latest}
    keep_unmapped: false

A mapping file is checked when it is loaded: an unknown key is an error with the likely intended one.
A row the mapping cannot read is an error for that row, naming the line, the field and the column.
"""

from __future__ import annotations

import ast
import difflib
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from archive.dates import DateError, parse_partial_date, sort_key
from archive.formats import RawRecord
from archive.mapping_values import DateFormat, read_flag, read_number
from archive.placeholders import is_placeholder
from archive.records import LIST_SEPARATOR, REFERENCE_FIELDS, TYPE_FIELDS, make_slug

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_TOP_KEYS = ("columns", "split", "null", "constants", "templates", "slug", "title", "merge_rows", "keep_unmapped")
_RULE_KEYS = ("field", "split", "replace", "regex", "extract", "optional", "date", "number", "flag")
_MERGE_HOWS = ("earliest", "latest", "first", "last")
_GAP = "\x00"  # marks an empty template part while the template is tidied
_SEPARATOR = r"[,;:/|·–—-]"


class MappingError(ValueError):
    """A mapping file that cannot be used, or a row it cannot map."""


@dataclass(frozen=True)
class ColumnRule:
    """How one column (or every column matching a pattern) feeds one field."""

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

    def read(self, column: str, cell: Any, mapping: Mapping) -> tuple[list[Any], bool]:
        """The values one cell gives this field, and whether they form a list."""
        if self.flag is not None:
            try:
                flagged = read_flag("" if mapping.is_null(cell) else str(cell))
            except ValueError as exc:
                raise self.error(column, str(exc)) from None
            if not flagged:
                return [], True
            label = self.flag if isinstance(self.flag, str) else (self.matched_part(column) or column)
            return [label.replace("_", " ").strip() if self.flag is True else label], True
        if isinstance(cell, list):  # a JSON or YAML list cell
            items = [self._clean(column, item, mapping) for item in cell]
            return [v for item in items if item is not None for v in self._items(column, item, mapping)], True
        text = self._clean(column, cell, mapping)
        if text is None:
            return [], False
        items = self._items(column, text, mapping)
        return items, self.split is not None or len(items) != 1

    def _clean(self, column: str, cell: Any, mapping: Mapping) -> Any:
        if mapping.is_null(cell):
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
        return None if mapping.is_null(text) else text

    def _items(self, column: str, value: Any, mapping: Mapping) -> list[Any]:
        rule = self.split
        if rule is not None and isinstance(value, str):
            parts = _python_list(value) if rule == "python" else value.split(rule)
            items = [str(p).strip() for p in parts if not mapping.is_null(p)]
        else:
            items = [value]
        typed = [self._typed(column, item, mapping) for item in items if not mapping.is_null(item)]
        return [item for item in typed if item is not None]

    def _typed(self, column: str, value: Any, mapping: Mapping) -> Any:
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


@dataclass
class Mapping:
    path: Path
    rules: list[ColumnRule] = field(default_factory=list)
    split: dict[str, str] = field(default_factory=dict)
    nulls: frozenset[str] = frozenset({""})
    constants: dict[str, Any] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)
    slug: str | None = None
    title: str | None = None
    merge_rows: dict[str, str] | None = None  # None: every row is a record
    keep_unmapped: bool = False
    _by_column: dict[str, list[ColumnRule]] = field(default_factory=dict, repr=False)

    def is_null(self, value: Any) -> bool:
        return value is None or (isinstance(value, str) and value.strip() in self.nulls)

    def rules_for(self, column: str) -> list[ColumnRule]:
        """The rules that read ``column``: those naming it, else those of the first pattern it matches."""
        if column not in self._by_column:
            exact = [r for r in self.rules if not r.is_pattern and r.column == column]
            if not exact:
                pattern = next((r.column for r in self.rules if r.is_pattern and r.matched_part(column)), None)
                exact = [r for r in self.rules if r.column == pattern]
            self._by_column[column] = [self._with_field_split(rule) for rule in exact]
        return self._by_column[column]

    def apply(self, row: dict[str, Any]) -> dict[str, Any]:
        """Map one row; raise ``MappingError`` naming the field and the column that cannot be read."""
        out: dict[str, Any] = dict(self.constants)
        gathered: dict[str, list[tuple[list[Any], bool]]] = {}
        for column, cell in row.items():
            rules = self.rules_for(column)
            if not rules:
                if self.keep_unmapped and column not in out and not self.is_null(cell):
                    out[column] = list(dict.fromkeys(cell.values)) if isinstance(cell, _Merged) else cell
                continue
            for rule in rules:
                if isinstance(cell, _Merged):
                    parts = [rule.read(column, item, self) for item in cell.values]
                    values = [v for vs, _ in parts for v in vs]
                    gathered.setdefault(rule.field, []).append((values, any(many for _, many in parts)))
                else:
                    values, many = rule.read(column, cell, self)
                    if values:
                        gathered.setdefault(rule.field, []).append((values, many))
        for name, template in self.templates.items():
            filled = [f for f in self._fill_each(template, row, name) if f]
            if filled:
                gathered.setdefault(name, []).append((filled, False))
        record_type = str(out.get("type", "account")).strip().lower()
        for name, parts in gathered.items():
            value = self._combine(name, parts, record_type)
            if value is not None:
                out[name] = value
        if self.slug:
            out["slug"] = self._fill(self.slug, row, "slug", required=True)
        if self.title:
            title = self._fill(self.title, row, "title", required=False)
            if title:
                out["title"] = title
        return out

    def _with_field_split(self, rule: ColumnRule) -> ColumnRule:
        if rule.split is None and rule.field in self.split:
            return replace(rule, split=self.split[rule.field])
        return rule

    def _combine(self, name: str, parts: list[tuple[list[Any], bool]], record_type: str) -> Any:
        values = [v for vs, _ in parts for v in vs]
        if not values:
            return None
        if len(parts) == 1 and not parts[0][1] and len(values) == 1:
            return values[0]
        if self.merge_rows is not None and len(parts) == 1 and not parts[0][1]:
            return self._merge_scalar(name, values, record_type)
        items: list[Any] = []
        for value, many in ((v, m) for vs, m in parts for v in vs):
            items.extend(value.split(LIST_SEPARATOR) if isinstance(value, str) and not many else [value])
        return list(dict.fromkeys(i.strip() if isinstance(i, str) else i for i in items))

    def _merge_scalar(self, name: str, values: list[Any], record_type: str) -> Any:
        distinct = list(dict.fromkeys(values))
        if len(distinct) == 1:
            return distinct[0]
        how = (self.merge_rows or {}).get(name)
        if how is None:
            if not _is_scalar_field(record_type, name):
                return distinct
            raise MappingError(f"field {name!r}: the merged rows give different values "
                               f"({', '.join(map(repr, distinct))}); say under merge_rows how to combine them "
                               f"({', '.join(_MERGE_HOWS)})")
        if how in ("first", "last"):
            return distinct[0] if how == "first" else distinct[-1]
        try:
            dated = sorted(distinct, key=lambda v: sort_key(parse_partial_date(v)))
        except DateError as exc:
            raise MappingError(f"field {name!r}: merge_rows {how} compares dates: {exc}") from None
        return dated[0] if how == "earliest" else dated[-1]

    def _fill_each(self, template: str, row: dict[str, Any], target: str) -> list[str]:
        """A template filled from each of the merged rows (from the row itself when it is not merged)."""
        merged = [row[name].values for name in _PLACEHOLDER.findall(template)
                  if isinstance(row.get(name), _Merged)]
        if not merged:
            return [self._fill(template, row, target, required=False)]
        return [self._fill(template, {k: v.values[min(i, len(v.values) - 1)] if isinstance(v, _Merged) else v
                                      for k, v in row.items()},
                           target, required=False) for i in range(max(map(len, merged)))]

    def _fill(self, template: str, row: dict[str, Any], target: str, *, required: bool) -> str:
        def value_of(match: re.Match[str]) -> str:
            column = match.group(1)
            if column not in row:
                raise MappingError(f"field {target!r}: column {column!r} from the mapping is not in this file")
            cell = row[column]
            if isinstance(cell, _Merged):
                cell = cell.values[0]
            if self.is_null(cell) or is_placeholder(cell) or not str(cell).strip():
                if required:
                    raise MappingError(f"field {target!r}: column {column!r} is empty on this row, so the "
                                       f"{target} would not tell this row from others")
                return _GAP
            return str(cell).strip()

        return _tidy(_PLACEHOLDER.sub(value_of, template))

    def rows(self, records: Iterator[RawRecord]) -> Iterator[RawRecord]:
        """The file's rows as records: as read, or with the rows that make one slug merged (``merge_rows``)."""
        if self.merge_rows is None or not self.slug:
            yield from records
            return
        groups: dict[Any, list[RawRecord]] = {}
        for raw in records:  # the whole file: rows of one item may be far apart
            try:
                key: Any = make_slug(self._fill(self.slug, raw.fields, "slug", required=True))
            except MappingError:
                key = object()  # the row goes on alone; apply() reports the error with its line
            groups.setdefault(key, []).append(raw)
        for group in groups.values():
            yield group[0] if len(group) == 1 else _merge(group)


@dataclass(frozen=True)
class _Merged:
    """A cell whose merged rows hold different values."""

    values: tuple[Any, ...]


def _merge(group: list[RawRecord]) -> RawRecord:
    columns = list(dict.fromkeys(name for raw in group for name in raw.fields))
    fields: dict[str, Any] = {}
    for name in columns:
        values = [raw.fields[name] for raw in group if name in raw.fields]
        distinct = list(dict.fromkeys(repr(v) for v in values))
        fields[name] = values[0] if len(distinct) == 1 else _Merged(tuple(values))
    first = group[0]
    return RawRecord(fields, first.line, dict(first.field_lines), b"\n".join(raw.source for raw in group),
                     first.default_type)


def _is_scalar_field(record_type: str, name: str) -> bool:
    kinds = TYPE_FIELDS.get(record_type, {})
    if name in ("title", "body", "slug", "visibility", "language", "embargo_until", "type"):
        return True
    if name in kinds:
        return kinds[name] not in ("list", "demands")
    reference = REFERENCE_FIELDS.get(record_type, {}).get(name)
    return reference is not None and not reference[1]


def _tidy(text: str) -> str:
    """Drop the empty parts of a filled template: "Acme (\0), Boston" -> "Acme, Boston"."""
    text = re.sub(r",(\s*,)+", ",", text)  # a filled cell that starts with a comma (", OH")
    if _GAP not in text:
        return text.strip()
    text = re.sub(rf"[(\[{{\"“']\s*{_GAP}\s*[)\]}}\"”']", _GAP, text)  # "({Union})"
    text = re.sub(rf"{_GAP}(\s*{_GAP})+", _GAP, text)
    text = re.sub(rf"({_SEPARATOR})\s*{_GAP}\s*{_SEPARATOR}", r"\1 ", text)  # "A, {B} - C" -> "A, C"
    text = re.sub(rf"^\s*{_GAP}\s*{_SEPARATOR}?", "", text)  # "{A}, B" -> "B"
    text = re.sub(rf"\s*{_SEPARATOR}?\s*{_GAP}", "", text)  # "A, {B}" -> "A"
    return re.sub(r"\s{2,}", " ", text).strip(" ,;:/|·–—-")


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


def _did_you_mean(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; errors name the file and the key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the mapping: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise MappingError(f"{path}{where}: invalid YAML in the mapping") from None
    if not isinstance(data, dict):
        raise MappingError(f"{path}: a mapping file holds keys such as columns, split, constants and slug")
    # YAML reads the key ``null`` as None.
    data = {("null" if key is None else str(key)): value for key, value in data.items()}
    for key in data:
        if key not in _TOP_KEYS:
            raise MappingError(f"{path}: unknown key {key!r}{_did_you_mean(key, _TOP_KEYS)}; "
                               f"known keys are {', '.join(_TOP_KEYS)}")
    mapping = Mapping(path=path)
    for key in ("columns", "split", "constants", "templates"):
        value = data.get(key) or {}
        if not isinstance(value, dict):
            raise MappingError(f"{path}: {key!r} must be a mapping of name: value")
        if key in ("split", "templates") and not all(isinstance(v, str) for v in value.values()):
            raise MappingError(f"{path}: every value under {key!r} must be text")
    mapping.split = {str(k): v for k, v in (data.get("split") or {}).items()}
    mapping.constants = {str(k): v for k, v in (data.get("constants") or {}).items()}
    mapping.templates = {str(k): v for k, v in (data.get("templates") or {}).items()}
    for column, spec in (data.get("columns") or {}).items():
        specs = spec if isinstance(spec, list) else [spec]
        if not specs:
            raise MappingError(f"{path}: columns: {column!r} feeds no field")
        mapping.rules.extend(_rule(path, str(column), s) for s in specs)
    nulls = data.get("null", [])
    if not isinstance(nulls, list):
        raise MappingError(f"{path}: 'null' must be a list of cell values that mean no value")
    mapping.nulls = frozenset({"", *(str(n).strip() for n in nulls)})
    for key in ("slug", "title"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise MappingError(f"{path}: {key!r} must be a template such as \"{{Case Number}}\"")
        setattr(mapping, key, value)
    mapping.merge_rows = _merge_rules(path, data.get("merge_rows"))
    if mapping.merge_rows is not None and not mapping.slug:
        raise MappingError(f"{path}: merge_rows merges the rows that make the same slug: give a slug template")
    keep = data.get("keep_unmapped", False)
    if not isinstance(keep, bool):
        raise MappingError(f"{path}: 'keep_unmapped' must be true or false")
    mapping.keep_unmapped = keep
    return mapping


def _rule(path: Path, column: str, spec: Any) -> ColumnRule:
    where = f"{path}: columns: {column!r}"
    if isinstance(spec, str):
        return ColumnRule(column, spec.strip())
    if not isinstance(spec, dict):
        raise MappingError(f"{where}: write a field name, or a mapping with 'field' and transforms")
    spec = {str(k): v for k, v in spec.items()}
    for key in spec:
        if key not in _RULE_KEYS:
            raise MappingError(f"{where}: unknown key {key!r}{_did_you_mean(key, _RULE_KEYS)}; "
                               f"known keys are {', '.join(_RULE_KEYS)}")
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


def _merge_rules(path: Path, value: Any) -> dict[str, str] | None:
    if value is None or value is False:
        return None
    if value is True:
        return {}
    if not isinstance(value, dict):
        raise MappingError(f"{path}: 'merge_rows' is true, or a mapping of field: how ({', '.join(_MERGE_HOWS)})")
    rules = {}
    for name, how in value.items():
        if how not in _MERGE_HOWS:
            raise MappingError(f"{path}: merge_rows: {name!r}: {how!r} is not one of {', '.join(_MERGE_HOWS)}"
                               f"{_did_you_mean(str(how), _MERGE_HOWS)}")
        rules[str(name)] = how
    return rules
