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

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from archive.dates import DateError, parse_partial_date, sort_key
from archive.ingest.formats import FormatError, RawRecord, load_yaml_bounded
from archive.ingest.mapping_rules import ColumnRule, MappingError, did_you_mean, is_null, parse_rule
from archive.ingest.placeholders import is_placeholder
from archive.ingest.records import LIST_SEPARATOR, REFERENCE_FIELDS, TYPE_FIELDS, make_slug

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_TOP_KEYS = ("columns", "split", "null", "constants", "templates", "slug", "title", "merge_rows", "keep_unmapped")
_MERGE_HOWS = ("earliest", "latest", "first", "last")
_GAP = "\x00"  # marks an empty template part while the template is tidied
_SEPARATOR = r"[,;:/|·–—-]"


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
        return is_null(self.nulls, value)

    def rules_for(self, column: str) -> list[ColumnRule]:
        """The rules that read ``column``: those naming it, else those of the first pattern it matches."""
        if column not in self._by_column:
            exact = [r for r in self.rules if not r.is_pattern and r.column == column]
            if not exact:
                pattern = next((r.column for r in self.rules if r.is_pattern and r.matched_part(column)), None)
                exact = [r for r in self.rules if r.column == pattern]
            self._by_column[column] = [self._with_field_split(rule) for rule in exact]
        return self._by_column[column]

    def kept_columns(self, row: dict[str, Any]) -> set[str]:
        """The columns this mapping keeps as extra fields, as they are (``keep_unmapped``)."""
        return {column for column in row if not self.rules_for(column)} if self.keep_unmapped else set()

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
                    parts = [rule.read(column, item, self.nulls) for item in cell.values]
                    values = [v for vs, _ in parts for v in vs]
                    gathered.setdefault(rule.field, []).append((values, any(many for _, many in parts)))
                else:
                    values, many = rule.read(column, cell, self.nulls)
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


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; errors name the file and the key."""
    try:
        data = load_yaml_bounded(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the mapping: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise MappingError(f"{path}: the mapping is not UTF-8 text (byte {exc.start}: 0x{exc.object[exc.start]:02x})") \
            from None
    except FormatError as exc:
        raise MappingError(f"{path}:{exc.line}: {exc.message}") from None
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
            raise MappingError(f"{path}: unknown key {key!r}{did_you_mean(key, _TOP_KEYS)}; "
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
        mapping.rules.extend(parse_rule(path, str(column), s) for s in specs)
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
                               f"{did_you_mean(str(how), _MERGE_HOWS)}")
        rules[str(name)] = how
    return rules
