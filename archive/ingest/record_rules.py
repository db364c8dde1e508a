"""What every record is checked against besides its own fields: the archive's rules for its records
(``[records]`` in archive.toml), a batch's defaults, and the errors that name every bad field at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from archive.errors import ArchiveError

# The record types and visibilities: the record format's words, also the store's (archive.store.models).
RECORD_TYPES = (
    "account",
    "struggle",
    "wave",
    "balance_sheet",
    "organization",
    "form",
    "force",
    "place",
    "articulation",
)
VISIBILITIES = ("public", "restricted", "private")

# Privacy by default: a record that says nothing about its visibility stays out of public output.
DEFAULT_VISIBILITY = "restricted"


class RecordError(ArchiveError, ValueError):
    """A field holds a value the record format does not accept."""

    def __init__(self, field_name: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message

    @property
    def errors(self) -> list[RecordError]:
        """Every problem found; one here, several in ``RecordErrors``."""
        return [self]


class RecordErrors(RecordError):
    """Several fields of one record are bad; ``errors`` names each, ``field`` is the first."""

    def __init__(self, errors: list[RecordError]) -> None:
        first, *rest = errors
        message = first.message + "".join(f"; field '{e.field}': {e.message}" if e.field else f"; {e.message}"
                                          for e in rest)
        super().__init__(first.field, message)
        self._errors = list(errors)

    @property
    def errors(self) -> list[RecordError]:
        return list(self._errors)


class Problems:
    """Gathers a record's errors, so that one pass reports every bad field: ``with problems.check(): ...``
    keeps going after a ``RecordError``. (A plain class: a generator-based context manager per field
    tripled the cost of normalizing a record.)"""

    def __init__(self) -> None:
        self.errors: list[RecordError] = []

    def check(self) -> Problems:
        return self

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, exc: BaseException | None, traceback: object) -> bool:
        if isinstance(exc, RecordError):
            self.errors.extend(exc.errors)
            return True
        return False

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise RecordErrors(self.errors)


@dataclass(frozen=True)
class RecordRules:
    """An archive's rules for its records (``[records]`` in archive.toml).

    ``default_visibility`` applies to a record that says nothing about its visibility (per type in
    ``type_visibility``); ``extra_fields`` are fields beyond the format declared on purpose, kept as given
    even when they look like a misspelt field (per type in ``type_extra_fields``).
    """

    default_visibility: str = DEFAULT_VISIBILITY
    type_visibility: Mapping[str, str] = field(default_factory=dict)
    extra_fields: frozenset[str] = frozenset()
    type_extra_fields: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def visibility_for(self, record_type: str) -> str:
        return self.type_visibility.get(record_type, self.default_visibility)

    def extras_for(self, record_type: str) -> frozenset[str]:
        return self.extra_fields | self.type_extra_fields.get(record_type, frozenset())


@dataclass(frozen=True)
class RecordDefaults:
    """What a batch gives the records that do not say: language, fields (``--set``) and the archive's rules."""

    language: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    rules: RecordRules = field(default_factory=RecordRules)
