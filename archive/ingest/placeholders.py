"""Placeholder values: "Not known", "n/a", "-", "onbekend"... mean "no value", never a record.

Data sets fill empty cells with words. Taken as names, they become stub organizations and places
("not-known"), and then "same organization: not-known" links struggles that have nothing in common.
``is_placeholder`` recognizes them in any reference field of any file format (``archive.ingest.records``
asks it for every referenced name); an archive extends or trims the built-in list in ``archive.toml``::

    [placeholders]
    add = ["sin información", "TBC"]
    remove = ["none"]          # in an archive where "None" is a real name

and a mapping's ``null:`` list adds its own for the cells it reads. A value is compared whole,
ignoring case, surrounding spaces, brackets and quotes and a final full stop: "(Unknown)" is a
placeholder, "Unknown employer" is a name. A value with no letter or digit at all ("-", "?", "--")
is always a placeholder.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from slugify import slugify

from archive.errors import ArchiveError

# The built-in list, by language. Whole values only: "none" is a placeholder, "None of the above" is not.
BUILTIN: dict[str, tuple[str, ...]] = {
    "en": ("unknown", "not known", "n/a", "n.a.", "n. a.", "none", "nil", "null", "not applicable",
           "not available", "not provided", "not specified", "not stated", "not recorded", "unspecified",
           "no data", "no information", "tbd", "tba", "to be determined"),
    "es": ("desconocido", "desconocida", "no se sabe", "no conocido", "ninguno", "ninguna", "sin datos",
           "sin dato", "s/d", "n/d", "no aplica", "no disponible", "no especificado", "sin especificar"),
    "fr": ("inconnu", "inconnue", "non connu", "aucun", "aucune", "néant", "non renseigné", "non renseignée",
           "non disponible", "non spécifié", "sans objet", "s.o."),
    "de": ("unbekannt", "nicht bekannt", "keine", "keiner", "kein", "keine angabe", "keine angaben", "k.a.",
           "k. a.", "nicht angegeben", "entfällt"),
    "nl": ("onbekend", "niet bekend", "geen", "n.v.t.", "nvt", "niet van toepassing", "geen gegevens"),
    "pt": ("desconhecido", "desconhecida", "nenhum", "nenhuma", "sem dados", "não se sabe"),
    "it": ("sconosciuto", "sconosciuta", "ignoto", "nessuno", "nessuna", "non noto"),
}

CONFIG_SECTION = "placeholders"
_SURROUNDING = " \t\n\"'()[]{}<>«»“”‘’"
_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s]|_")
# Matching by slug catches "Not-Known" and "NOT_KNOWN", but only for words long enough not to be a
# real abbreviation ("s.o." and "k.a." are matched as written only).
_SLUG_MATCH_MIN_LETTERS = 4


class PlaceholderConfigError(ArchiveError, ValueError):
    """``[placeholders]`` in archive.toml holds something other than lists of text."""


def _key(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).casefold().strip(_SURROUNDING)
    return _SPACES.sub(" ", text).rstrip(".").strip()


def _slug(value: str) -> str:
    return slugify(value)


@dataclass(frozen=True)
class Placeholders:
    """A list of values that mean "no value"."""

    words: frozenset[str]

    @classmethod
    def of(cls, values: Iterable[str]) -> Placeholders:
        return cls(frozenset(k for k in (_key(str(v)) for v in values) if k))

    @property
    def slugs(self) -> frozenset[str]:
        return _slugs_of(self.words)

    def matches(self, value: Any) -> bool:
        if value is None:
            return True
        if not isinstance(value, str):
            return False
        return _matches(self.words, value)

    def extended(self, values: Iterable[str]) -> Placeholders:
        return Placeholders(self.words | Placeholders.of(values).words)

    def without(self, values: Iterable[str]) -> Placeholders:
        return Placeholders(self.words - Placeholders.of(values).words)

    def sorted_words(self) -> list[str]:
        return sorted(self.words)


@functools.lru_cache(maxsize=65536)  # the same names recur on thousands of rows
def _matches(words: frozenset[str], value: str) -> bool:
    if not any(ch.isalnum() for ch in value):
        return True
    key = _key(value)
    if key in words:
        return True
    # Only a value written with other punctuation ("NOT_KNOWN", "not-known") can match by slug alone.
    return (len(key) >= _SLUG_MATCH_MIN_LETTERS and _PUNCTUATION.search(key) is not None
            and _slug(key) in _slugs_of(words))


_SLUG_CACHE: dict[frozenset[str], frozenset[str]] = {}


def _slugs_of(words: frozenset[str]) -> frozenset[str]:
    cached = _SLUG_CACHE.get(words)
    if cached is None:
        cached = frozenset(s for w in words if sum(ch.isalpha() for ch in w) >= _SLUG_MATCH_MIN_LETTERS
                           for s in [_slug(w)] if s)
        _SLUG_CACHE[words] = cached
    return cached


DEFAULT = Placeholders.of(word for words in BUILTIN.values() for word in words)

# The list in use. Ingest runs under an archive's list (``in_use``) without every stage between the command
# and ``records.normalize`` passing it along; outside ``in_use`` the built-in list applies.
_ACTIVE: ContextVar[Placeholders] = ContextVar("placeholders", default=DEFAULT)


def active() -> Placeholders:
    return _ACTIVE.get()


def is_placeholder(value: Any) -> bool:
    """True when ``value`` means "no value" under the list in use."""
    return _ACTIVE.get().matches(value)


@contextmanager
def in_use(placeholders: Placeholders) -> Iterator[Placeholders]:
    """Make ``placeholders`` the list in use inside the ``with`` block."""
    token = _ACTIVE.set(placeholders)
    try:
        yield placeholders
    finally:
        _ACTIVE.reset(token)


def from_config(settings: dict[str, Any], where: str = "archive.toml") -> Placeholders:
    """The archive's list: the built-in one with ``[placeholders] add`` and ``remove`` applied."""
    section = settings.get(CONFIG_SECTION, {})
    if not isinstance(section, dict):
        raise PlaceholderConfigError(f"{where}: [{CONFIG_SECTION}] must be a table with 'add' and 'remove'")
    unknown = sorted(set(section) - {"add", "remove"})
    if unknown:
        raise PlaceholderConfigError(f"{where}: [{CONFIG_SECTION}] has unknown key {unknown[0]!r}; "
                                     "use 'add' and 'remove'")
    result = DEFAULT
    for key in ("add", "remove"):
        values = section.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise PlaceholderConfigError(f"{where}: [{CONFIG_SECTION}] {key} must be a list of text")
        result = result.extended(values) if key == "add" else result.without(values)
    return result


def archive_placeholders(archive: Any) -> Placeholders:
    """The list an archive uses: ``[placeholders]`` of its archive.toml applied to the built-in one."""
    return from_config(archive.extra, str(archive.config_path))
