"""``archive search --public``: the same search, over an index of the public projection only.

The archive's Whoosh index holds every record, unredacted: searching it and hiding the other records
afterwards would still let them shape the answer (a real name a record redacts would match it, "did you
mean" would suggest a private word, scores would count private text). So a public search runs on an index
built from ``archive.public.load``, the graph the site is built from: its documents hold the redacted
titles, bodies, tags and slugs, and links only between public records. Filters, facets, statistics and
suggestions then see nothing else, and the ranking is the site's by construction.

The index is built in memory once per searcher (and per ``today`` and list of names), so a process that
searches many times pays for it once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Engine
from whoosh.filedb.filestore import RamStorage

from archive.analysis import LINEAGE_RELATIONS, compose_body
from archive.index import add_documents, make_schema
from archive.index_docs import Document, document_field, time_fields
from archive.public import Graph, Item, load, names_in_search_text


def public_documents(graph: Graph) -> Iterator[Document]:
    """The projection's records as search documents, in record id order (as a rebuilt index numbers them)."""
    for item in sorted(graph.by_id().values(), key=lambda i: i.id):
        date, start, end = time_fields(item.type, item.fields)
        yield Document(
            record_id=item.id, type=item.type, slug=item.slug, title=item.title, body=public_text(item),
            language=item.language, kind=item.fields.get("kind") if item.type in ("account", "articulation") else None,
            date=date, start=start, end=end, visibility="public", embargo_until=None, consent=None,
            is_stub=item.is_stub, content_sha256="", links=_links(item), tags=list(item.tags),
        )


def public_text(item: Item) -> str:
    """The indexed body of a public record, as the site's search holds it."""
    return compose_body({**item.fields, "body": item.body,
                         "lineage": names_in_search_text(item, LINEAGE_RELATIONS)})


def public_row(item: Item) -> dict[str, Any]:
    """What a snippet is cut from: the published text, never the store's."""
    return {**item.fields, "id": item.id, "title": item.title, "body": item.body, "language": item.language}


def _links(item: Item) -> dict[str, list[str]]:
    """The link fields, as ``archive.index_docs`` fills them, over public links and published slugs."""
    out: dict[str, list[str]] = {}
    struggles: list[Item] = []
    for relation, targets in item.out.items():
        for target in targets:
            name = document_field(relation, target.type)
            if name:
                _add(out, name, target.slug)
            if name == "struggles":
                struggles.append(target)
    for struggle in struggles:  # one hop: a record about a struggle is also in that struggle's waves
        for wave in struggle.linked("waves"):
            _add(out, "waves", wave.slug)
    return out


def _add(fields: dict[str, list[str]], name: str, value: str) -> None:
    values = fields.setdefault(name, [])
    if value not in values:
        values.append(value)


def public_index(engine: Engine, today: dt.date | None, redactions: Mapping[str, str]) -> tuple[Any, Graph]:
    """An in-memory Whoosh index of the public projection, and the projection itself."""
    graph = load(engine, None, today, redactions=redactions)
    ix = RamStorage().create_index(make_schema())
    add_documents(ix, public_documents(graph))
    return ix, graph
