"""How to cite a record, and the archive as a whole: plain text (assembled in templates/citation.html, so
its words can be translated), BibTeX and CSL-JSON.

A citation is built from the public projection's record (its redacted title, narrator, author, dates)
and the ``[site]`` settings: the permanent address is ``base_url`` + the record's page when the archive
sets ``base_url``; without it a citation names the record (``account/slug``) and the page's path in the
archive, never a guessed address. Nothing here reads the clock: the same record gives the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archive.dates import sort_key
from archive.publish.model import Item
from archive.publish.paths import TYPES, item_path

# CSL types for an account's kind; other accounts are documents, other records database entries.
_ACCOUNT_CSL = {"interview": "interview", "report": "report", "article": "article-newspaper",
                "minutes": "document", "leaflet": "pamphlet", "statement": "document", "testimony": "interview"}
_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
                   "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_BIBTEX_RE = re.compile("|".join(re.escape(c) for c in _BIBTEX_SPECIAL))


@dataclass(frozen=True)
class Citation:
    key: str  # "account/slug": the record's identity in the archive
    path: str  # its page, relative to the site's root
    address: str  # its permanent address, or "" when the archive sets no [site] base_url
    author: str
    title: str
    title_sentence: str  # the title ending in a full stop (or its own ?, !), for plain text
    genre: str  # "Account (testimony)", "Struggle"...
    date: str  # a partial date, or ""
    archive: str
    keeper: str
    bibtex: str
    csl_json: str


def bibtex_text(text: str) -> str:
    """Text safe inside a BibTeX field's braces: every special character escaped, so braces always balance."""
    return _BIBTEX_RE.sub(lambda m: _BIBTEX_SPECIAL[m.group(0)], " ".join(text.split()))


def _author(item: Item) -> str:
    name = {"account": "narrator", "balance_sheet": "author"}.get(item.type)
    return str(item.fields.get(name) or "").strip() if name else ""


def _date(item: Item) -> str:
    if item.type == "account":
        return str(item.fields.get("recorded") or item.fields.get("date") or "")
    if item.type == "balance_sheet":
        return str(item.fields.get("date") or "")
    return ""


def _genre(item: Item) -> str:
    label = TYPES[item.type][1]
    kind = item.fields.get("kind")
    return f"{label} ({kind})" if kind else label


def _sentence(title: str) -> str:
    return title if title.endswith((".", "?", "!", "…")) else title + "."


def _date_parts(date: str) -> list[int]:
    year, month, day = sort_key(date)
    return [year, *([month] if month else []), *([day] if month and day else [])]


def _bibtex(kind: str, key: str, entries: list[tuple[str, str]]) -> str:
    lines = [f"@{kind}{{{key},"]
    lines += [f"  {name} = {{{value}}}," for name, value in entries if value]
    return "\n".join(lines) + "\n}\n"


def _csl(record: dict[str, Any]) -> str:
    """A CSL-JSON file of one item: one variable a line, each value compact, so the block stays short."""
    lines = [f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in record.items()
             if v not in (None, "", [])]
    return "[\n  {\n" + ",\n".join(lines) + "\n  }\n]\n"


def record_citation(item: Item, site: Mapping[str, str]) -> Citation:
    """The citation of one public record."""
    path = item_path(item)
    address = site["base_url"] + path if site.get("base_url") else ""
    author, date, genre = _author(item), _date(item), _genre(item)
    archive, keeper = site["title"], site.get("keeper", "")
    key = f"{item.type}/{item.slug}"
    year = str(sort_key(date)[0]) if date else ""
    bibtex = _bibtex("misc", f"{item.type}:{item.slug}", [
        ("title", "{" + bibtex_text(item.title) + "}"),
        ("author", "{" + bibtex_text(author) + "}" if author else ""),
        ("year", year), ("date", date),
        ("howpublished", bibtex_text(f"{genre}, {archive}")),
        ("publisher", bibtex_text(keeper)),
        ("url", address),
        ("note", bibtex_text(f"Record {key}" + ("" if address else f", page {path} of the archive's site"))),
        ("langid", item.language or ""),
    ])
    csl_type = _ACCOUNT_CSL.get(str(item.fields.get("kind") or ""), "document") if item.type == "account" else (
        "report" if item.type == "balance_sheet" else "entry")
    csl = _csl({"id": key, "type": csl_type, "title": item.title,
                "author": [{"literal": author}] if author else None,
                "issued": {"date-parts": [_date_parts(date)]} if date else None,
                "genre": genre, "publisher": keeper, "archive": archive, "archive_location": key,
                "URL": address, "language": item.language})
    return Citation(key, path, address, author, item.title, _sentence(item.title), genre, date, archive, keeper,
                    bibtex, csl)


@dataclass(frozen=True)
class ArchiveCitation:
    title: str
    keeper: str
    address: str
    bibtex: str
    csl_json: str


def archive_citation(site: Mapping[str, str]) -> ArchiveCitation:
    """How to cite the archive (its site and its data) as a whole."""
    keeper, address = site.get("keeper", ""), site.get("base_url", "")
    bibtex = _bibtex("misc", "living-archive", [
        ("title", "{" + bibtex_text(site["title"]) + "}"),
        ("author", "{" + bibtex_text(keeper) + "}" if keeper else ""),
        ("howpublished", "Living Archive: public records and data"),
        ("url", address),
    ])
    csl = _csl({"id": "living-archive", "type": "dataset", "title": site["title"],
                "author": [{"literal": keeper}] if keeper else None, "publisher": keeper, "URL": address})
    return ArchiveCitation(site["title"], keeper, address, bibtex, csl)
