"""Redaction: real names become pseudonyms in everything published.

Names come from two places: the archive-wide file ``redactions.yaml`` in the archive folder (a mapping
of real name to pseudonym) and a record's own ``redactions`` field. A name with no pseudonym becomes
``[name withheld]``. Matching ignores case and treats any run of whitespace as one space, so a name
broken across lines is still caught; it respects word boundaries, so "Ana" does not touch "Banana".
Slugs are redacted too, since a title's real name would otherwise live on in a URL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from slugify import slugify

from archive.errors import ArchiveError
from archive.ingest.formats import FormatError, load_yaml_bounded

REDACTIONS_FILE = "redactions.yaml"
WITHHELD = "[name withheld]"


class RedactionError(ArchiveError, ValueError):
    """The redactions file or field cannot be read."""


def parse_redactions(value: Any, where: str = "redactions") -> dict[str, str]:
    """Read a mapping, a list of ``name=pseudonym`` items, or text with items separated by ``;``."""
    if value is None or value == "":
        return {}
    if isinstance(value, Mapping):
        pairs = [(str(k), "" if v is None else str(v)) for k, v in value.items()]
    else:
        items = value if isinstance(value, list) else str(value).split(";")
        pairs = []
        for item in items:
            if isinstance(item, Mapping):
                pairs.extend((str(k), "" if v is None else str(v)) for k, v in item.items())
                continue
            name, _, pseudonym = str(item).partition("=")
            pairs.append((name, pseudonym))
    out: dict[str, str] = {}
    for name, pseudonym in pairs:
        name, pseudonym = " ".join(name.split()), pseudonym.strip()
        if not name:
            continue
        if len(name) < 2:
            raise RedactionError(f"{where}: the name {name!r} is too short to redact safely")
        out[name] = pseudonym or WITHHELD
    return out


def load_redactions(archive_root: Path) -> dict[str, str]:
    path = archive_root / REDACTIONS_FILE
    if not path.is_file():
        return {}
    try:
        data = load_yaml_bounded(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise RedactionError(f"{path}: cannot read it: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise RedactionError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except FormatError as exc:
        raise RedactionError(f"{path}:{exc.line}: {exc.message}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RedactionError(f"{path}{f':{mark.line + 1}' if mark else ''}: invalid YAML") from None
    if data is not None and not isinstance(data, Mapping):
        raise RedactionError(f"{path}: write one 'Real Name: Pseudonym' line per person")
    return parse_redactions(data, str(path))


@dataclass
class Redactor:
    """Applies a set of name -> pseudonym replacements to text and slugs."""

    names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ordered = sorted(self.names, key=len, reverse=True)  # longest first: "Ana Lopez" before "Ana"
        self._lookup = {self._key(name): self.names[name] for name in ordered}
        self._pattern = (
            re.compile(r"(?<!\w)(" + "|".join(r"\s+".join(map(re.escape, n.split())) for n in ordered) + r")(?!\w)",
                       re.IGNORECASE)
            if ordered else None
        )
        slug_names = {slugify(n): slugify(self.names[n]) or "withheld" for n in ordered if slugify(n)}
        self._slug_pattern = (
            re.compile(r"(?<![a-z0-9])(" + "|".join(map(re.escape, sorted(slug_names, key=len, reverse=True)))
                       + r")(?![a-z0-9])")
            if slug_names else None
        )
        self._slug_lookup = slug_names

    @staticmethod
    def _key(name: str) -> str:
        return " ".join(name.split()).casefold()

    def with_record(self, record_names: dict[str, str]) -> Redactor:
        """This redactor plus a record's own list."""
        if not record_names:
            return self
        return Redactor({**self.names, **record_names})

    def text(self, value: str | None) -> str | None:
        if not value or self._pattern is None:
            return value
        return self._pattern.sub(lambda m: self._lookup[self._key(m.group(1))], value)

    def slug(self, value: str) -> str:
        if self._slug_pattern is None:
            return value
        return self._slug_pattern.sub(lambda m: self._slug_lookup[m.group(1)], value)

    def value(self, value: Any) -> Any:
        """Redact text inside strings, lists and mappings (for list fields such as lessons)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value
