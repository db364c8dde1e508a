"""Spreadsheet mappings: how a real spreadsheet's columns become record fields.

A mapping is a YAML file::

    columns:            # column -> field; several columns may feed one list field
      Employer: organizations
      "City, State": places
      Start Date: start
    split:              # how to split list cells: a separator, or "python" for "['a', 'b']"
      places: ";"
    null: ["None", "N/A"]   # cells that mean "no value"
    constants:          # the same value on every row
      type: struggle
    slug: "fmcs-{Case Number}"        # how a row's columns make its slug
    title: "{Employer} strike"        # and, optionally, its title
    keep_unmapped: false              # true keeps other columns as extra fields
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from archive.formats import FormatError, load_yaml_bounded
from archive.records import LIST_SEPARATOR

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_KNOWN_KEYS = {"columns", "split", "null", "constants", "slug", "title", "keep_unmapped"}


class MappingError(ValueError):
    """A mapping file that cannot be used, or a row it cannot map."""


@dataclass
class Mapping:
    path: Path
    columns: dict[str, str] = field(default_factory=dict)
    split: dict[str, str] = field(default_factory=dict)
    nulls: frozenset[str] = frozenset({""})
    constants: dict[str, Any] = field(default_factory=dict)
    slug: str | None = None
    title: str | None = None
    keep_unmapped: bool = False

    def placeholders(self) -> set[str]:
        return {name for template in (self.slug, self.title) if template
                for name in _PLACEHOLDER.findall(template)}

    def apply(self, row: dict[str, Any]) -> dict[str, Any]:
        """Map one row; raise ``MappingError`` naming a missing column."""
        out: dict[str, Any] = dict(self.constants)
        mapped: set[str] = set()
        for column, value in row.items():
            if self._is_null(value):
                continue
            target = self.columns.get(column)
            if target is None:
                if self.keep_unmapped and column not in out:
                    out[column] = value
                continue
            items = self._split(target, value)
            if target in mapped:  # several columns feed one field: gather them into a list
                out[target] = _as_list(out[target]) + _as_list(items)
            else:
                out[target] = items
                mapped.add(target)
        if self.slug:
            out["slug"] = self._fill(self.slug, row, "slug")
        if self.title:
            out["title"] = self._fill(self.title, row, "title")
        return out

    def _is_null(self, value: Any) -> bool:
        return value is None or (isinstance(value, str) and value.strip() in self.nulls)

    def _split(self, target: str, value: Any) -> Any:
        rule = self.split.get(target)
        if rule is None or not isinstance(value, str):
            return value
        if rule == "python":
            try:
                parsed = ast.literal_eval(value.strip())
            except (ValueError, SyntaxError):
                return [value.strip()]
            if isinstance(parsed, list | tuple | set):
                return [str(item) for item in parsed if not self._is_null(item)]
            return [str(parsed)]
        return [item.strip() for item in value.split(rule) if item.strip() not in self.nulls]

    def _fill(self, template: str, row: dict[str, Any], target: str) -> str:
        def replace(match: re.Match[str]) -> str:
            column = match.group(1)
            if column not in row:
                raise MappingError(f"field {target!r}: column {column!r} from the mapping is not in this file")
            value = row[column]
            return "" if self._is_null(value) else str(value).strip()

        return _PLACEHOLDER.sub(replace, template).strip()


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [item for item in str(value).split(LIST_SEPARATOR)]


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; errors name the file and the key."""
    try:
        data = load_yaml_bounded(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the mapping: {exc.strerror}") from None
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
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise MappingError(f"{path}: unknown key {unknown[0]!r}; known keys are {', '.join(sorted(_KNOWN_KEYS))}")
    mapping = Mapping(path=path)
    for key in ("columns", "split", "constants"):
        value = data.get(key) or {}
        if not isinstance(value, dict):
            raise MappingError(f"{path}: {key!r} must be a mapping of name: value")
        if key != "constants" and not all(isinstance(v, str) for v in value.values()):
            raise MappingError(f"{path}: every value under {key!r} must be text")
        setattr(mapping, key, {str(k): v for k, v in value.items()})
    nulls = data.get("null", [])
    if not isinstance(nulls, list):
        raise MappingError(f"{path}: 'null' must be a list of cell values that mean no value")
    mapping.nulls = frozenset({"", *(str(n).strip() for n in nulls)})
    for key in ("slug", "title"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise MappingError(f"{path}: {key!r} must be a template such as \"{{Case Number}}\"")
        setattr(mapping, key, value)
    mapping.keep_unmapped = bool(data.get("keep_unmapped", False))
    return mapping
