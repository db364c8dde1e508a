"""The record format: one set of field names for every concept and every file format.

``normalize`` turns the fields read from any file into a validated ``NormalizedRecord``, or raises a
``RecordError`` naming every bad field at once (``.errors``). The field names are a public contract,
listed in docs/record-format.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import OSA
from slugify import slugify

from archive.dates import DateError, parse_partial_date, period_end, precedes
from archive.ingest.demands import DemandError, parse_demand
from archive.ingest.placeholders import is_placeholder
from archive.ingest.record_files import DeclaredFile, parse_files
from archive.ingest.record_rules import (
    DEFAULT_VISIBILITY,
    RECORD_TYPES,
    VISIBILITIES,
    Problems,
    RecordDefaults,
    RecordError,
    RecordErrors,
    RecordRules,
)
from archive.ingest.redaction import RedactionError, parse_redactions

# Re-exported: callers have always caught ``archive.ingest.records.RecordError``.
__all__ = ["DEFAULT_VISIBILITY", "RecordDefaults", "RecordError", "RecordErrors", "RecordRules"]

# A longer slug is cut at a word and given a short hash of the whole, so two long names stay apart.
SLUG_MAX = 120
SLUG_HASH_LENGTH = 8
# The store's column sizes (archive.store.models); checked here so SQLite and PostgreSQL accept the same records.
TAG_MAX = 200
WORD_MAX = 64
LANGUAGE_MAX = 16
LIST_SEPARATOR = ";"
CONSENT_STATUSES = ("given", "withdrawn", "unknown")
ARTICULATION_KINDS = {
    "alliance": "alliance",
    "coalition": "coalition",
    "solidarity": "solidarity",
    "solidarity action": "solidarity",
    "shared members": "shared members",
    "common target": "common target",
    "same locale": "same locale",
}
ARTICULATION_ENDS = ("struggle", "force", "organization")
_TYPE_ALIASES = {"balance sheet": "balance_sheet", "balance-sheet": "balance_sheet", "organisation": "organization"}
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")

COMMON_FIELDS = ("type", "slug", "title", "body", "visibility", "embargo_until", "tags", "language",
                 "redactions", "files")
# Consent applies to every type: withdrawn consent keeps any record out of public output.
CONSENT_FIELDS = {"consent": "consent", "consent_scope": "text", "consent_date": "date"}

# Scalar fields per type: name -> kind of value.
TYPE_FIELDS: dict[str, dict[str, str]] = {
    record_type: {**fields, **CONSENT_FIELDS}
    for record_type, fields in {
        "account": {
            "date": "date",
            "recorded": "date",
            "kind": "word",
            "narrator": "text",
            "source": "text",
        },
        "struggle": {"start": "date", "end": "date", "outcome": "text", "demands": "demands"},
        "wave": {"start": "date", "end": "date"},
        "balance_sheet": {
            "author": "text",
            "position": "text",
            "date": "date",
            "won": "text",
            "lost": "text",
            "limits": "list",
            "lessons": "list",
        },
        "organization": {"founded": "date", "dissolved": "date"},
        "form": {},
        "force": {"determinants": "list"},
        "place": {"lat": "latitude", "lon": "longitude"},
        "articulation": {"kind": "articulation_kind", "start": "date", "end": "date"},
    }.items()
}

# Reference fields per type: name -> (type referred to, many?).
REFERENCE_FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "account": {"places": ("place", True), "struggles": ("struggle", True), "organizations": ("organization", True),
                "forms": ("form", True), "forces": ("force", True)},
    "struggle": {
        "places": ("place", True),
        "waves": ("wave", True),
        "forces": ("force", True),
        "organizations": ("organization", True),
        "forms": ("form", True),
    },
    "wave": {},
    "balance_sheet": {"struggle": ("struggle", False), "wave": ("wave", False),
                      "replies_to": ("balance_sheet", True)},
    "organization": {
        "form": ("form", False),
        "places": ("place", True),
        "struggles": ("struggle", True),
        "succeeded_by": ("organization", True),
        "split_from": ("organization", True),
        "merged_into": ("organization", True),
        "grew_out_of": ("organization", True),
    },
    "form": {"variant_of": ("form", True)},
    "force": {},
    "place": {"parent": ("place", False)},
    "articulation": {"between": ("", True)},
}

# Lineage: references that may carry the date of the event, written "slug (1936)" or {slug: ..., date: ...}.
DATED_RELATIONS = frozenset({"succeeded_by", "split_from", "merged_into", "grew_out_of", "variant_of"})
_TRAILING_DATE = re.compile(r"^(?P<name>.*\S)\s*\((?P<date>[^()]+)\)\s*$", re.S)

DATE_RANGES = {"struggle": ("start", "end"), "wave": ("start", "end"), "articulation": ("start", "end"),
               "organization": ("founded", "dissolved")}


def known_fields(record_type: str) -> tuple[str, ...]:
    """Every field the record format gives ``record_type``."""
    return _KNOWN_FIELDS[record_type]


_KNOWN_FIELDS = {t: (*COMMON_FIELDS, *TYPE_FIELDS[t], *REFERENCE_FIELDS[t]) for t in RECORD_TYPES}
_KNOWN_SETS = {t: frozenset(fields) for t, fields in _KNOWN_FIELDS.items()}
ALL_FIELDS = frozenset(name for fields in _KNOWN_FIELDS.values() for name in fields)


@dataclass(frozen=True)
class Reference:
    relation: str
    target_type: str
    slug: str
    label: str  # the name as written, used as a stub's title
    date: str | None = None  # when the relation began (lineage links only)

    def content_value(self) -> str:
        """How the reference appears in canonical content (and in an exported record)."""
        value = f"{self.target_type}/{self.slug}" if self.relation == "between" else self.slug
        return f"{value} ({self.date})" if self.date else value


@dataclass
class NormalizedRecord:
    type: str
    slug: str | None  # None: derive one from the title when storing
    title: str
    body: str = ""
    visibility: str = DEFAULT_VISIBILITY
    embargo_until: dt.date | None = None
    language: str | None = None
    tags: list[str] = field(default_factory=list)
    columns: dict[str, Any] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # Files to attach when the record is stored (archive.store.declared_files); not part of its content.
    files: list[DeclaredFile] = field(default_factory=list)

    def content(self) -> dict[str, Any]:
        """The canonical content: every field but the identity (type and slug)."""
        refs: dict[str, list[str]] = {}
        for ref in self.references:
            refs.setdefault(ref.relation, []).append(ref.content_value())
        return {
            "title": self.title,
            "body": self.body,
            "visibility": self.visibility,
            "embargo_until": self.embargo_until.isoformat() if self.embargo_until else None,
            "language": self.language,
            "tags": list(self.tags),
            **{k: v for k, v in sorted(self.columns.items())},
            **refs,
            "extra": self.extra,
        }

    def content_sha256(self) -> str:
        return hashlib.sha256(canonical_json(self.content()).encode("utf-8")).hexdigest()


def canonical_json(value: Any) -> str:
    """One stable serialization, so that equal content always hashes the same."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@functools.lru_cache(maxsize=65536)  # the same place and struggle names recur on thousands of records
def make_slug(text: str) -> str:
    """The slug of a name; a long one is cut at a word boundary and ends in a hash of the whole name."""
    whole = slugify(text) or ""
    if len(whole) <= SLUG_MAX:
        return whole
    digest = hashlib.sha256(whole.encode("utf-8")).hexdigest()[:SLUG_HASH_LENGTH]
    head = slugify(whole, max_length=SLUG_MAX - SLUG_HASH_LENGTH - 1, word_boundary=True)
    return f"{head}-{digest}"


def normalize(fields: dict[str, Any], *, default_type: str = "account", default_language: str | None = None,
              defaults: Mapping[str, Any] | None = None, rules: RecordRules | None = None,
              extra_fields: Collection[str] = ()) -> NormalizedRecord:
    """Validate and normalize one record's fields; raise ``RecordError`` naming every bad field.

    ``defaults`` are a batch's fields (``archive ingest --set``), given to a record that does not give
    them; ``rules`` are the archive's (default visibility, declared extra fields); ``extra_fields`` are
    further names declared for this record (a mapping's kept columns).
    """
    rules = rules or RecordRules()
    problems = Problems()
    fields = {str(k).strip(): v for k, v in fields.items() if not _is_empty(v)}
    for name in [name for name, value in fields.items()
                 if "\x00" in name or (value.__class__ is str and "\x00" in value if value.__class__ is str
                                       else _holds_nul(value))]:
        fields.pop(name)
        problems.errors.append(RecordError(name, "holds a NUL character (\\0), which the store cannot keep; "
                                                 "remove it from the file"))
    defaults = {k: v for k, v in (defaults or {}).items() if not _is_empty(v)}
    record_type = default_type
    with problems.check():
        record_type = _record_type(fields.pop("type", defaults.get("type", default_type)))
    if defaults:
        own = _KNOWN_SETS[record_type]
        for name, value in defaults.items():
            if name != "type" and name not in fields and (name in own or name not in ALL_FIELDS):
                fields[name] = value
    record = NormalizedRecord(type=record_type, slug=None, title="")
    with problems.check():
        record.title = _text(fields, "title")
    slug_value = fields.pop("slug", None)
    if slug_value is not None:
        with problems.check():
            record.slug = make_slug(str(slug_value))
            if not record.slug:
                raise RecordError("slug", f"{slug_value!r} gives an empty slug; use letters or digits")
    with problems.check():
        record.body = _text(fields, "body")
    with problems.check():
        visibility = _text(fields, "visibility").lower() or rules.visibility_for(record_type)
        if visibility not in VISIBILITIES:
            raise RecordError("visibility", f"must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
        record.visibility = visibility
    if "embargo_until" in fields:
        with problems.check():
            record.embargo_until = _embargo(fields.pop("embargo_until"))
    with problems.check():
        language = _text(fields, "language").lower().replace("_", "-") or default_language
        if language and (not _LANGUAGE.match(language) or len(language) > LANGUAGE_MAX):
            raise RecordError("language", f"not a language code such as 'en' or 'nl': {language!r}")
        record.language = language or None
    with problems.check():
        record.tags = _dedupe(_list(fields.pop("tags", None), "tags"))
        for tag in record.tags:
            if len(tag) > TAG_MAX:
                raise RecordError("tags", f"a tag may be at most {TAG_MAX} characters; put longer text in the "
                                          f"body (this one has {len(tag)})")
    for name, kind in TYPE_FIELDS[record_type].items():
        if name in fields:
            with problems.check():
                record.columns[name] = _convert(name, kind, fields.pop(name))
    with problems.check():
        _check_range(record)
    for name, (target_type, many) in REFERENCE_FIELDS[record_type].items():
        if name in fields:
            with problems.check():
                record.references.extend(_references(name, target_type, many, fields.pop(name)))
    ends = [r for r in record.references if r.relation == "between"]
    if record_type == "articulation" and len(ends) != 2 and not _failed(problems, "between"):
        problems.errors.append(RecordError("between", "an articulation links exactly two records, written as "
                                                      "type/slug"))
    if record_type == "balance_sheet" and not record.references and not _failed(problems, "struggle", "wave",
                                                                                 "replies_to"):
        problems.errors.append(RecordError("struggle", "a balance sheet assesses a struggle or a wave: give "
                                                       "'struggle' or 'wave'"))
    if not record.title:
        if record_type == "articulation" and len(ends) == 2:
            record.title = _articulation_title(record, ends)
        elif record.slug is not None:
            record.title = record.slug.replace("-", " ")
        elif not _failed(problems, "title", "slug"):
            problems.errors.append(RecordError("title", "required: give a title or a slug"))
    declared_files = fields.pop("files", None)
    if declared_files is not None:
        with problems.check():
            record.files = parse_files(declared_files)
            if record.files and record.slug is None:
                raise RecordError("files", "a record with files needs a slug, so that its files stay with it "
                                           "when its title changes")
    redactions = fields.pop("redactions", None)
    if fields:
        declared = rules.extras_for(record_type)
        for name in sorted(fields):
            if name not in declared and name not in extra_fields:
                with problems.check():
                    _check_not_a_typo(name, record_type)
    record.extra = {name: _plain(value) for name, value in sorted(fields.items())}
    if redactions is not None:
        with problems.check():
            try:
                record.extra["redactions"] = parse_redactions(redactions)
            except RedactionError as exc:
                raise RecordError("redactions", str(exc)) from None
    problems.raise_any()
    return record


def check_defaults(defaults: Mapping[str, Any], rules: RecordRules | None = None) -> None:
    """Check a batch's default fields once, before any file is read: a misspelt name or a bad value is an
    error naming the field, not one error per record."""
    rules = rules or RecordRules()
    problems = Problems()
    declared = rules.extra_fields.union(*rules.type_extra_fields.values())
    if "slug" in defaults:
        problems.errors.append(RecordError("slug", "a slug is one record's identity; it cannot be given to a "
                                                   "whole batch"))
    for name in defaults:
        if name not in ALL_FIELDS and name not in declared:
            with problems.check():
                _check_not_a_typo(name, None)
    checked = {"type", "title", "visibility", "embargo_until", "language", "tags", "consent",
               "consent_date"}
    sample = {k: v for k, v in defaults.items() if k in checked}
    if sample and not problems.errors:
        try:
            normalize({"title": "check", **sample}, default_type=str(defaults.get("type", "account")),
                      rules=rules)
        except RecordError as exc:
            problems.errors.extend(e for e in exc.errors if e.field in sample)
    problems.raise_any()


def _failed(problems: Problems, *names: str) -> bool:
    return any(error.field in names for error in problems.errors)


def _articulation_title(record: NormalizedRecord, ends: list[Reference]) -> str:
    """An articulation without a title is named by its two ends (and its kind)."""
    title = f"{ends[0].label} and {ends[1].label}"
    kind = record.columns.get("kind")
    return f"{kind.capitalize()}: {title}" if kind else title


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


def _folded(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().casefold())


@functools.lru_cache(maxsize=4096)  # the same extra columns recur on every row of a file
def likely_field(name: str, record_type: str | None) -> str | None:
    """The field ``name`` most likely misspells, or None when it is no near miss of any.

    A near miss differs by case or separators, by one edit (a transposition counts as one; two for
    fields of nine letters or more), or is the start of a longer field name (``embargo``, ``lang``)."""
    folded = _folded(name)
    candidates = known_fields(record_type) if record_type else sorted(ALL_FIELDS)
    best: tuple[int, str] | None = None
    for known in candidates:
        if known == name:
            return None
        distance = OSA.distance(folded, known)
        limit = 2 if len(known) >= 9 else 1
        near = distance <= limit or (len(folded) >= 4 and known.startswith(folded))
        if near and (best is None or distance < best[0]):
            best = (distance, known)
    return best[1] if best else None


def _check_not_a_typo(name: str, record_type: str | None) -> None:
    guess = likely_field(name, record_type)
    if guess is not None:
        where = f"an {record_type}" if record_type and record_type[0] in "aeiou" else f"a {record_type}"
        raise RecordError(name, f"not a field of {where if record_type else 'any record'}: did you mean "
                                f"'{guess}'? (a field kept on purpose is declared in archive.toml: "
                                f"[records] extra_fields = [\"{name}\"])")


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _record_type(value: Any) -> str:
    text = str(value).strip().lower()
    text = _TYPE_ALIASES.get(text, text)
    if text not in RECORD_TYPES:
        raise RecordError("type", f"unknown type {value!r}; use one of {', '.join(RECORD_TYPES)}")
    return text


def _text(fields: dict[str, Any], name: str) -> str:
    value = fields.pop(name, None)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        raise RecordError(name, f"expected text, got a {type(value).__name__}")
    return str(value).strip() if name != "body" else str(value)


def _list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, dict):
        raise RecordError(name, "expected a list (or text with items separated by ';'), got a mapping")
    items = value if isinstance(value, list) else str(value).split(LIST_SEPARATOR)
    out = []
    for item in items:
        if isinstance(item, dict | list):
            raise RecordError(name, _not_text_item(item))
        text = str(item).strip() if item is not None else ""
        if text:
            out.append(text)
    return out


def _not_text_item(item: Any) -> str:
    """A list item that is not text; ``[repression: police]`` in YAML is a mapping: show it quoted."""
    if isinstance(item, dict) and len(item) == 1:
        key, value = next(iter(item.items()))
        text = f"{key}: {_plain(value)}" if value is not None else f"{key}:"
        return (f"list items must be text, and YAML read {json.dumps(text, ensure_ascii=False)} as a mapping "
                f"because of its colon; quote the item: [{json.dumps(text, ensure_ascii=False)}]")
    kind = "mapping" if isinstance(item, dict) else "list"
    return f"list items must be text, got a {kind}: {json.dumps(_plain(item), ensure_ascii=False)}"


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _embargo(value: Any) -> dt.date:
    try:
        # A partial date embargoes to the end of its period, the cautious reading.
        return period_end(parse_partial_date(value))
    except DateError as exc:
        raise RecordError("embargo_until", str(exc)) from exc


def _convert(name: str, kind: str, value: Any) -> Any:
    try:
        if kind == "date":
            return parse_partial_date(value)
    except DateError as exc:
        raise RecordError(name, str(exc)) from exc
    if kind == "list":
        return _list(value, name)
    if kind == "demands":
        return _demands(value)
    if kind in ("latitude", "longitude"):
        limit = 90 if kind == "latitude" else 180
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise RecordError(name, f"expected a number, got {value!r}") from None
        if math.isnan(number) or not -limit <= number <= limit:
            raise RecordError(name, f"{kind} must be between -{limit} and {limit}, got {value!r}")
        return number
    if isinstance(value, dict | list):
        raise RecordError(name, f"expected text, got a {type(value).__name__}")
    text = str(value).strip()
    if kind == "word":
        if len(text) > WORD_MAX:
            raise RecordError(name, f"at most {WORD_MAX} characters, such as 'testimony' (this has {len(text)})")
        return text.lower()
    if kind == "consent":
        status = text.lower()
        if status not in CONSENT_STATUSES:
            raise RecordError(name, f"must be one of {', '.join(CONSENT_STATUSES)}, not {text!r}")
        return status
    if kind == "articulation_kind":
        key = re.sub(r"[\s_-]+", " ", text.lower())
        if key not in ARTICULATION_KINDS:
            raise RecordError(name, f"unknown articulation kind {text!r}; use one of "
                                    f"{', '.join(sorted(set(ARTICULATION_KINDS.values())))}")
        return ARTICULATION_KINDS[key]
    return text


def _demands(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else \
        str(value).split(LIST_SEPARATOR)
    out: list[str] = []
    for item in items:
        if item is None or (isinstance(item, str) and not item.strip()):
            continue
        if isinstance(item, dict) and len(item) == 1 and not {"demand", "text"} & set(map(str, item)):
            raise RecordError("demands", _not_text_item(item))
        try:
            out.append(parse_demand(item).stored())
        except DemandError as exc:
            raise RecordError("demands", str(exc)) from None
    return _dedupe(out)


def _check_range(record: NormalizedRecord) -> None:
    bounds = DATE_RANGES.get(record.type)
    if not bounds:
        return
    first, last = (record.columns.get(b) for b in bounds)
    if first and last and precedes(last, first):
        raise RecordError(bounds[1], f"{bounds[1]} {last} is before {bounds[0]} {first}")


def _references(name: str, target_type: str, many: bool, value: Any) -> list[Reference]:
    if name in DATED_RELATIONS:
        items, dates = _dated_items(name, target_type, value)
    else:
        items = _list(value, name)
        dates = [None] * len(items)
    if not many and len(items) > 1:
        raise RecordError(name, f"takes one {target_type} slug, got {len(items)}")
    refs: list[Reference] = []
    seen: set[tuple[str, str]] = set()
    for item, date in zip(items, dates, strict=True):
        ref_type = target_type
        label = item
        if name == "between":
            ref_type, _, label = item.partition("/")
            ref_type = ref_type.strip().lower()
            if ref_type not in ARTICULATION_ENDS or not label.strip():
                raise RecordError(name, f"write each end as type/slug with type one of "
                                        f"{', '.join(ARTICULATION_ENDS)}, not {item!r}")
        if is_placeholder(label):  # "Not known", "n/a", "-": no value, never a stub (archive.ingest.placeholders)
            continue
        slug = make_slug(label)
        if not slug:
            raise RecordError(name, f"{item!r} gives an empty slug")
        if (ref_type, slug) not in seen:
            seen.add((ref_type, slug))
            refs.append(Reference(name, ref_type, slug, label.strip(), date))
    return refs


def _dated_items(name: str, target_type: str, value: Any) -> tuple[list[str], list[str | None]]:
    """Lineage references: "slug", "slug (1936)" or a mapping {slug: ..., date: ...}."""
    raw = value if isinstance(value, list) else [value] if isinstance(value, dict) else \
        str(value).split(LIST_SEPARATOR)
    items: list[str] = []
    dates: list[str | None] = []
    for entry in raw:
        if isinstance(entry, dict):
            unknown = sorted(set(map(str, entry)) - {"slug", "name", target_type, "date"})
            target = entry.get("slug", entry.get(target_type, entry.get("name")))
            if len(entry) == 1 and unknown:
                raise RecordError(name, _not_text_item(entry))
            if unknown or not isinstance(target, str) or not target.strip():
                raise RecordError(name, f"write each entry as a {target_type} slug, 'slug (date)', or a mapping "
                                        f"with 'slug' and 'date'; got {entry!r}")
            date_value = entry.get("date")
            text = target.strip()
        elif isinstance(entry, list):
            raise RecordError(name, _not_text_item(entry))
        else:
            text = str(entry).strip() if entry is not None else ""
            if not text:
                continue
            date_value = None
            match = _TRAILING_DATE.match(text)
            if match:
                try:
                    parse_partial_date(match["date"].strip())
                    text, date_value = match["name"].strip(), match["date"].strip()
                except DateError:
                    pass  # "(CIO)" is part of the name, not a date
        date = None
        if date_value is not None and str(date_value).strip():
            try:
                date = parse_partial_date(date_value)
            except DateError as exc:
                raise RecordError(name, f"{text}: {exc}") from None
        items.append(text)
        dates.append(date)
    return items, dates


def _plain(value: Any) -> Any:
    """Make an extra field's value JSON-safe (YAML gives dates and timestamps)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
