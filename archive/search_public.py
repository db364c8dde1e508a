"""``archive search --public``: the same search, over an index of the public projection only.

The archive's Whoosh index holds every record, unredacted: searching it and hiding the other records
afterwards would still let them shape the answer (a real name a record redacts would match it, "did you
mean" would suggest a private word, scores would count private text). So a public search runs on an index
built from ``archive.public.load``, the graph the site is built from: its documents hold the redacted
titles, bodies, tags and slugs, and links only between public records. Filters, facets, statistics and
suggestions then see nothing else, and the ranking is the site's by construction.

Building that index costs what indexing costs (about a second per hundred accounts), so it is kept on
disk, in ``ARCHIVE/index/public/<digest>/``, named by a digest of every public document: a command whose
projection has not changed since the last public search only loads the projection and opens the index.
A changed projection is indexed again from scratch, never updated: Whoosh keeps a deleted document's
terms and counts until its segment is merged, where "did you mean" and the statistics would still see a
record that left the projection, and a merge of every segment costs as much as indexing again (measured).
Indexing from scratch also keeps documents in record-id order, so equal scores rank as on the site. The
folder holds only public, redacted text; the previous one is kept for a search still reading it, older
ones are removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import RamStorage

from archive.analysis import ANALYSIS_VERSION, LINEAGE_RELATIONS, compose_body
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
    """What a snippet is cut from (the published text, never the store's), and the indexed body that
    "did you mean" reads a word back from."""
    return {**item.fields, "id": item.id, "title": item.title, "body": item.body, "language": item.language,
            "indexed_body": public_text(item)}


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


KEEP = 2  # index folders kept: the current one, and the one before for a search still reading it
STALE_BUILD_SECONDS = 24 * 3600  # a folder still being built after this long was left by a killed search


def public_index(engine: Engine, today: dt.date | None, redactions: Mapping[str, str],
                 cache_dir: Path | None = None) -> tuple[Any, Graph]:
    """A Whoosh index of the public projection, and the projection itself: kept in ``cache_dir`` when
    given (reused while the projection is unchanged), else in memory."""
    graph = load(engine, None, today, redactions=redactions)
    docs = list(public_documents(graph))
    if cache_dir is not None:
        try:
            return _cached_index(cache_dir, docs), graph
        except OSError:  # a read-only archive (a copy on a DVD, say): search from memory instead
            pass
    ix = RamStorage().create_index(make_schema())
    add_documents(ix, docs)
    return ix, graph


def _digest(docs: list[Document]) -> str:
    digest = hashlib.sha256(f"analysis {ANALYSIS_VERSION}\n".encode())
    for doc in docs:
        digest.update(f"{doc.record_id} {doc.fingerprint()}\n".encode())
    return digest.hexdigest()[:40]


def _cached_index(cache_dir: Path, docs: list[Document]) -> Any:
    folder = cache_dir / _digest(docs)
    if whoosh_index.exists_in(str(folder)):
        os.utime(folder)  # the most recently used folders are the ones kept
        return whoosh_index.open_dir(str(folder))
    cache_dir.mkdir(parents=True, exist_ok=True)
    building = cache_dir / f"tmp-{uuid.uuid4().hex}"
    building.mkdir()
    try:
        ix = whoosh_index.create_in(str(building), make_schema())
        add_documents(ix, docs)
        ix.close()
        with contextlib.suppress(OSError):  # another search built the same folder first
            building.rename(folder)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    _prune(cache_dir, folder)
    return whoosh_index.open_dir(str(folder))


def _prune(cache_dir: Path, current: Path) -> None:
    """Keep the ``KEEP`` most recently used folders; remove a half-built one a killed search left."""
    folders = [p for p in cache_dir.iterdir() if p.is_dir() and p != current]
    stale = time.time() - STALE_BUILD_SECONDS
    for old in [p for p in folders if p.name.startswith("tmp-") and p.stat().st_mtime < stale]:
        shutil.rmtree(old, ignore_errors=True)
    others = sorted((p for p in folders if not p.name.startswith("tmp-")), key=lambda p: p.stat().st_mtime,
                    reverse=True)
    for old in others[KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)
