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
After a small change (at most ``UPDATE_LIMIT`` of the documents) a copy of the last index is updated with
the documents that changed and merged into one segment, which purges the old versions (their words must
not stay behind); otherwise the projection is indexed from scratch. (An updated document moves
to the end of Whoosh's numbering, so until the next full indexing two records with exactly equal scores
may be listed in the other order than on the site.) The folder holds only public, redacted text; the
previous one is kept for a search still reading it, older ones are removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import RamStorage

from archive.analysis import ANALYSIS_VERSION, LINEAGE_RELATIONS, compose_body
from archive.index import add_documents, make_schema, to_fields
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
UPDATE_LIMIT = 0.1  # the share of documents changed above which the index is built from scratch


def public_index(engine: Engine, today: dt.date | None, redactions: Mapping[str, str],
                 cache_dir: Path | None = None) -> tuple[Any, Graph]:
    """A Whoosh index of the public projection, and the projection itself: kept in ``cache_dir`` when
    given (reused while the projection is unchanged), else in memory."""
    graph = load(engine, None, today, redactions=redactions)
    docs = list(public_documents(graph))
    if cache_dir is None:
        ix = RamStorage().create_index(make_schema())
        add_documents(ix, docs)
        return ix, graph
    return _cached_index(cache_dir, docs), graph


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
    previous = _latest(cache_dir)
    try:
        if previous is None or not _updated(previous, building, docs):
            shutil.rmtree(building, ignore_errors=True)
            building.mkdir()
            ix = whoosh_index.create_in(str(building), make_schema())
            add_documents(ix, docs)
            ix.close()
        with contextlib.suppress(OSError):  # another search built the same folder first
            building.rename(folder)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    _prune(cache_dir, folder)
    return whoosh_index.open_dir(str(folder))


def _latest(cache_dir: Path) -> Path | None:
    folders = [p for p in cache_dir.iterdir() if p.is_dir() and not p.name.startswith("tmp-")]
    for folder in sorted(folders, key=lambda p: p.stat().st_mtime, reverse=True):
        if whoosh_index.exists_in(str(folder)):
            return folder
    return None


def _updated(previous: Path, building: Path, docs: list[Document]) -> bool:
    """Copy ``previous`` to ``building`` and bring it up to ``docs``; False when too much changed."""
    ix = whoosh_index.open_dir(str(previous))
    with ix.searcher() as searcher:
        indexed = {fields["rid"]: fields.get("fingerprint") for fields in searcher.all_stored_fields()}
    ix.close()
    wanted = {str(doc.record_id): doc for doc in docs}
    changed = [doc for rid, doc in wanted.items() if indexed.get(rid) != doc.fingerprint()]
    removed = indexed.keys() - wanted.keys()
    if len(changed) + len(removed) > UPDATE_LIMIT * max(len(docs), 1):
        return False
    shutil.copytree(previous, building)
    ix = whoosh_index.open_dir(str(building))
    writer = ix.writer()
    try:
        for rid in sorted(removed):
            writer.delete_by_term("rid", rid)
        for doc in changed:
            writer.update_document(**to_fields(doc))
        # Merge everything into one segment: a deleted document's words and lengths must not stay behind,
        # where "did you mean" and the statistics would still see them.
        writer.commit(optimize=True)
    except BaseException:
        writer.cancel()
        raise
    finally:
        ix.close()
    return True


def _prune(cache_dir: Path, current: Path) -> None:
    others = sorted((p for p in cache_dir.iterdir() if p.is_dir() and p != current and not p.name.startswith("tmp-")),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)
