"""Data to take away: the public projection as JSON and CSV, one file per record type, with its schema.

Everything here is read from the projection the pages are built from (``archive.public``): the same
records, the same redactions, links only between public records. Nothing else is read, so a download
can hold nothing a page could not show. The field names are the record format's (docs/record-format.md),
plus ``stub``, ``path`` and ``url``; every record of a type has every field (null or an empty list when
the record says nothing), so a table has the same columns whatever the data.

Files, under ``data/`` in the site (``TYPE`` is the type's folder, ``struggles``, ``balance-sheets``...):
``TYPE.json`` (an array of records), ``TYPE.csv`` (the same, one row per record, list items joined by
``"; "``), ``TYPE.schema.json`` (a JSON Schema of ``TYPE.json``) and ``datapackage.json`` (a Frictionless
Data Package describing the CSV files with a Table Schema). The bytes depend only on the projection and
the ``[site]`` settings: no build time, the records in slug order, the keys in a fixed order.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archive.ingest.records import DATED_RELATIONS, REFERENCE_FIELDS, TYPE_FIELDS
from archive.publish.cache import BuildCache
from archive.publish.incremental import Deferred, item_digest
from archive.publish.model import PUBLISHED_COLUMNS, Item, SiteData
from archive.publish.paths import TYPES, item_path

DATA_DIR = "data"
FORMAT = 1  # bump when the bytes of a download change for the same records (it is in the fingerprint)
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
LIST_JOIN = "; "
# A spreadsheet runs a cell that starts with one of these as a formula: such a text cell gets a leading
# apostrophe in the CSV (the JSON keeps the exact text). Numbers and dates ("-0509", "-33.9") are left alone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$|^-\d{4}(-\d{2}(-\d{2})?)?$")

# What each field means (the record format's words); the schema and docs/about-and-data.md say the same.
_COMMON = {
    "type": "The record type.",
    "slug": "The record's stable identifier within its type (after redaction).",
    "title": "The record's name or headline.",
    "stub": "True for a record other records name but nobody has described yet.",
    "path": "The record's page, relative to the site's root folder.",
    "url": "The record's permanent address, when the archive sets [site] base_url; otherwise null.",
    "language": "The language code of the record's text, if known.",
    "tags": "Free tags: grievances, themes.",
    "body": "The record's text, in Markdown.",
}
_FIELDS = {
    "kind": "Kind of account (testimony, report, minutes, ...) or of articulation (alliance, coalition, ...).",
    "date": "When the events happened (account) or when the balance sheet was drawn.",
    "recorded": "When the account was written or recorded.",
    "narrator": "Who speaks (may be a pseudonym).",
    "source": "Citation or URL of the account's source.",
    "start": "Start date.", "end": "End date; null when open or not recorded.",
    "outcome": "A short outcome.", "demands": "Demands, each optionally ending in its outcome, e.g. '(won)'.",
    "author": "Who drew the balance sheet.", "position": "The position it was written from.",
    "won": "What was won.", "lost": "What was lost.", "limits": "Limits hit ('category: text').",
    "lessons": "Lessons drawn ('category: text').", "founded": "Founding date.", "dissolved": "Dissolution date.",
    "determinants": "Compositional determinants, such as 'occupation: nurses'.",
    "lat": "Latitude, -90 to 90.", "lon": "Longitude, -180 to 180.",
}
_DATE_PATTERN = r"^-?\d{4}(-\d{2}(-\d{2})?)?$"


@dataclass(frozen=True)
class Field:
    name: str
    # "string", "text" (never null), "optional" (text or null), "code", "url", "date", "number", "boolean",
    # "list", "reference" (a slug or null), "references" (a list of slugs)
    kind: str
    description: str


@dataclass(frozen=True)
class Download:
    """One record type's files, for the About page."""

    record_type: str
    label: str
    count: int
    json_path: str
    json_bytes: int
    csv_path: str
    csv_bytes: int
    schema_path: str


@functools.cache
def fields_of(record_type: str) -> tuple[Field, ...]:
    """Every field of a record type's download, in column order."""
    out = [Field(n, k, _COMMON[n]) for n, k in (("type", "string"), ("slug", "string"), ("title", "text"),
                                                 ("stub", "boolean"), ("path", "string"), ("url", "url"),
                                                 ("language", "code"), ("tags", "list"))]
    kinds = TYPE_FIELDS[record_type]
    for name in PUBLISHED_COLUMNS[record_type]:
        kind = kinds.get(name, "text")
        kind = {"date": "date", "list": "list", "demands": "list", "latitude": "number",
                "longitude": "number"}.get(kind, "optional")
        out.append(Field(name, kind, _FIELDS.get(name, name)))
    for name, (target, many) in REFERENCE_FIELDS[record_type].items():
        what = f"{target}s" if target else "records, written 'type/slug'"
        if name in DATED_RELATIONS:
            what += ", each with its date in brackets when known: 'slug (1938)'"
        out.append(Field(name, "references" if many else "reference",
                         f"Slugs of the public {what} this record names." if many
                         else f"Slug of the public {target} this record names."))
    out.append(Field("body", "text", _COMMON["body"]))
    return tuple(out)


def record_row(item: Item, base_url: str) -> dict[str, Any]:
    """One record as a download holds it: every field of its type, in order."""
    path = item_path(item)
    row: dict[str, Any] = {"type": item.type, "slug": item.slug, "title": item.title, "stub": item.is_stub,
                           "path": path, "url": base_url + path if base_url else None,
                           "language": item.language, "tags": list(item.tags)}
    for field in fields_of(item.type)[len(row):-1]:
        if field.kind in ("reference", "references"):
            values = [_reference(item, field.name, target) for target in item.linked(field.name)]
            row[field.name] = values if field.kind == "references" else (values[0] if values else None)
        else:
            value = item.fields.get(field.name)
            row[field.name] = list(value or []) if field.kind == "list" else value
    row["body"] = item.body
    return row


def _reference(item: Item, relation: str, target: Item) -> str:
    value = f"{target.type}/{target.slug}" if relation == "between" else target.slug
    date = item.link_date(relation, target)
    return f"{value} ({date})" if date else value


def json_bytes(rows: list[dict[str, Any]]) -> bytes:
    """A JSON array with one record a line: diffs stay readable, and without ``indent`` the C encoder runs
    (indented output goes through the pure-Python one, several times slower)."""
    lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
    return ("[\n" + lines + "\n]\n" if rows else "[]\n").encode("utf-8")


def csv_bytes(record_type: str, rows: list[dict[str, Any]]) -> bytes:
    names = [f.name for f in fields_of(record_type)]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
    writer.writerow(names)
    for row in rows:
        writer.writerow([_cell(row[name]) for name in names])
    return buffer.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if type(value) is str:  # the common case first: a build writes one cell per field per record
        text = value
    elif value is None:
        return ""
    elif isinstance(value, bool):
        return "true" if value else "false"
    elif isinstance(value, int | float):
        return json.dumps(value)
    elif isinstance(value, list):
        text = LIST_JOIN.join(map(str, value))
    else:
        text = str(value)
    if text[:1] in _FORMULA_START and text and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def _json_type(field: Field) -> dict[str, Any]:
    nullable: dict[str, Any] = {"type": ["string", "null"]}
    types: dict[str, dict[str, Any]] = {
        "string": {"type": "string"},
        "text": {"type": "string"},
        "boolean": {"type": "boolean"},
        "url": {"type": ["string", "null"], "format": "uri"},
        "code": nullable,
        "optional": nullable,
        "date": {"type": ["string", "null"], "pattern": _DATE_PATTERN},
        "number": {"type": ["number", "null"]},
        "list": {"type": "array", "items": {"type": "string"}},
        "references": {"type": "array", "items": {"type": "string"}},
        "reference": nullable,
    }
    return types[field.kind] | {"description": field.description}


def json_schema(record_type: str, site: Mapping[str, str]) -> dict[str, Any]:
    """A JSON Schema (2020-12) of ``data/TYPE.json``."""
    fields = fields_of(record_type)
    properties = {f.name: _json_type(f) for f in fields}
    properties["type"]["const"] = record_type
    return {
        "$schema": SCHEMA_DIALECT,
        "title": f"{TYPES[record_type][2]}: {site['title']}",
        "description": (f"The public {TYPES[record_type][2].lower()} of {site['title']}, as published on its "
                        "site, with its redactions applied. Field names are those of the Living Archive "
                        "record format."),
        "type": "array",
        "items": {"type": "object", "additionalProperties": False, "required": [f.name for f in fields],
                  "properties": properties},
    }


def _table_field(field: Field) -> dict[str, Any]:
    kind = {"boolean": "boolean", "number": "number", "date": "string", "url": "string"}.get(field.kind, "string")
    out: dict[str, Any] = {"name": field.name, "type": kind, "description": field.description}
    if field.kind in ("list", "references"):
        out["description"] += f" Items are joined by '{LIST_JOIN}'."
    if field.kind == "url":
        out["format"] = "uri"
    return out


def data_package(site: Mapping[str, str], downloads: list[Download]) -> dict[str, Any]:
    """A Frictionless Data Package (datapackage.json) describing the CSV files."""
    package: dict[str, Any] = {"name": "living-archive-public-records", "title": site["title"]}
    if site.get("description"):
        package["description"] = site["description"]
    if site.get("licence"):
        package["licenses"] = [{"title": site["licence"], **({"path": site["licence_url"]}
                                                             if site.get("licence_url") else {})}]
    if site.get("base_url"):
        package["homepage"] = site["base_url"]
    if site.get("keeper"):
        package["contributors"] = [{"title": site["keeper"], "role": "publisher"}]
    package["resources"] = [
        {"name": d.record_type.replace("_", "-"), "path": d.csv_path.removeprefix(f"{DATA_DIR}/"),
         "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
         "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "header": True},
         "schema": {"fields": [_table_field(f) for f in fields_of(d.record_type)], "primaryKey": ["slug"]}}
        for d in downloads
    ]
    return package


def type_fingerprint(items: list[Item], site: Mapping[str, str]) -> str:
    """A digest of everything a type's JSON and CSV are made of: each record's content (``item_digest``:
    key, title, body, language, stub, fields, tags), the type, slug and date of every public record it
    links to (a target's slug can change by redaction while the record does not), the settings and the
    file format. Equal digests mean equal bytes."""
    digest = hashlib.sha256(json.dumps([FORMAT, dict(site)], sort_keys=True).encode("utf-8"))
    for item in items:
        digest.update(item_digest(item).encode("ascii"))
        for relation in sorted(item.out):
            for target in item.out[relation]:
                date = item.link_dates.get((relation, target.id)) or ""
                digest.update(f"\0{relation}\0{target.type}/{target.slug}\0{date}".encode())
        digest.update(b"\1")
    return digest.hexdigest()


def download_files(data: SiteData, site: Mapping[str, str], cache: BuildCache | None = None,
                   ) -> tuple[list[tuple[str, bytes | Deferred]], list[Download]]:
    """Every file under ``data/`` (path, bytes), and what the About page says of each record type.

    With the build's ``cache``, a type whose fingerprint matches the last build's is handed on unrendered
    (``Deferred``, as unchanged pages are): the writer renders it only if the site lacks its bytes."""
    files: list[tuple[str, bytes | Deferred]] = []
    downloads: list[Download] = []
    for record_type, (folder, _, plural) in TYPES.items():
        items = data.of_type(record_type)
        base = f"{DATA_DIR}/{folder}"
        paths = (f"{base}.json", f"{base}.csv")
        print_ = type_fingerprint(items, site) if cache is not None else ""
        known = [cache.page(path) if cache is not None else None for path in paths]
        if cache is not None and all(k and k[0] == print_ for k in known):
            entries = [k for k in known if k]
            rows = functools.cache(lambda items=items: [record_row(i, site["base_url"]) for i in items])
            renders = (lambda rows=rows: json_bytes(rows()), lambda rows=rows, t=record_type: csv_bytes(t, rows()))
            for path, entry, render in zip(paths, entries, renders, strict=True):
                cache.set_page(path, *entry)
                files.append((path, Deferred(entry[1], entry[2], render)))
            sizes = [entry[2] for entry in entries]
        else:
            rows_now = [record_row(item, site["base_url"]) for item in items]
            rendered = (json_bytes(rows_now), csv_bytes(record_type, rows_now))
            for path, content in zip(paths, rendered, strict=True):
                if cache is not None:
                    cache.set_page(path, print_, hashlib.sha256(content).hexdigest(), len(content))
                files.append((path, content))
            sizes = [len(content) for content in rendered]
        schema = (json.dumps(json_schema(record_type, site), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        files.append((f"{base}.schema.json", schema))
        downloads.append(Download(record_type, plural, len(items), paths[0], sizes[0], paths[1], sizes[1],
                                  f"{base}.schema.json"))
    package = json.dumps(data_package(site, downloads), ensure_ascii=False, indent=1) + "\n"
    files.append((f"{DATA_DIR}/datapackage.json", package.encode("utf-8")))
    return files, downloads
