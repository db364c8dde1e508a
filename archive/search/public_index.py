"""``archive search --public``: the same search, over an index of the public projection only.

The archive's Whoosh index holds every record, unredacted: searching it and hiding the other records
afterwards would still let them shape the answer (a real name a record redacts would match it, "did you
mean" would suggest a private word, scores would count private text). So a public search runs on an index
built from ``archive.public.load``, the graph the site is built from: its documents hold the redacted
titles, bodies, tags and slugs, and links only between public records. Filters, facets, statistics and
suggestions then see nothing else, and the ranking is the site's by construction.

Building that index costs what indexing costs, so it is kept on disk, in ``ARCHIVE/index/public/``
(``CURRENT`` names the folder and the projection state it holds), and kept current where changes happen:
after ``ingest``, ``delete`` and the other commands that update the archive's index, and during ``build``,
which loads the projection anyway. A search only checks that the index is current, from the store's rows
(``archive.public.state``, no texts loaded) or, for an SQLite store whose files have not changed since,
from their stat data; each record's published row, for snippets and "did you mean", is kept beside it.

The index is appended to when only new records came (their ids following every indexed one), and indexed
again from scratch into a new folder for anything else; it is never edited in place. Whoosh keeps a
deleted document's terms and counts until its segment is merged, where "did you mean" and the statistics
would still see a record that left the projection, and a merge costs about as much as indexing again.
Appending only (in record-id order, without Whoosh's reordering merge) keeps the lexicon, the statistics
and the order of equal scores exactly those of an index built from scratch. See docs/search.md. The
folders hold only public, redacted text; the previous one is kept for a search still reading it, older
ones are removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import RamStorage

from archive.ingest.redaction import RedactionError, load_redactions
from archive.public import Graph, Item, load, names_in_search_text
from archive.public.state import projection_state, store_files_key
from archive.search.analysis import ANALYSIS_VERSION, LINEAGE_RELATIONS, compose_body
from archive.search.index import make_schema, to_fields
from archive.search.index_docs import Document, document_field, time_fields

PUBLIC_CACHE = "public"  # ARCHIVE/index/public/ (the same name as archive.search.searcher.PUBLIC_CACHE)


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
                         "lineage": names_in_search_text(item, LINEAGE_RELATIONS),
                         "attachments": item.attachment_words()})


def public_row(item: Item, indexed_body: str | None = None) -> dict[str, Any]:
    """What a snippet is cut from (the published text, never the store's), and the indexed body that
    "did you mean" reads a word back from (``public_text``, unless already composed)."""
    return {**item.fields, "id": item.id, "title": item.title, "body": item.body, "language": item.language,
            "indexed_body": public_text(item) if indexed_body is None else indexed_body}


def _links(item: Item) -> dict[str, list[str]]:
    """The link fields, as ``archive.search.index_docs`` fills them, over public links and published slugs."""
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
CURRENT = "CURRENT"  # {"folder": name, "state": projection state} of the index that is current
LOCK = ".lock"
DOCS = "docs.json"  # record id -> fingerprint of its public document, in that folder's index
PUBLISHED = "published.sqlite"  # record id -> published row, beside the index (see PublishedTexts)
BULK_LIMIT_MB = 256
COMMIT_EVERY = 20_000
TAIL_SHARE = 0.1  # trailing segments each under this share of the documents are merged, in order


class PublishedTexts(Mapping[int, dict[str, Any]]):
    """Record id -> the published row (``public_row``) of a record in a public index, so that a search
    needs no projection loaded: kept in an SQLite file beside the index (not as a stored field: Whoosh
    copies a compound segment's stored-fields file into memory each time a searcher opens it), or in
    memory for an index in memory. Rows are only ever added to a file, before the documents that need them."""

    def __init__(self, path: Path | None = None, rows: dict[int, dict[str, Any]] | None = None) -> None:
        self.path, self.memory = path, rows if rows is not None else {}

    def __getitem__(self, record_id: int) -> dict[str, Any]:
        found = self.rows([record_id])
        if record_id not in found:
            raise KeyError(record_id)
        return found[record_id]

    def __iter__(self) -> Iterator[int]:
        if self.path is None:
            return iter(list(self.memory))
        with contextlib.closing(self._connect()) as conn:
            return iter([i for (i,) in conn.execute("SELECT record_id FROM rows ORDER BY record_id")])

    def __len__(self) -> int:
        return len(list(iter(self)))

    def rows(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        if self.path is None:
            return {i: self.memory[i] for i in ids if i in self.memory}
        with contextlib.closing(self._connect()) as conn:
            marks = ",".join("?" * len(ids))
            return {i: json.loads(row) for i, row in
                    conn.execute(f"SELECT record_id, row FROM rows WHERE record_id IN ({marks})", ids)}

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None, "rows kept in memory have no file to open"
        return sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)

    @staticmethod
    def add(path: Path, rows: list[tuple[int, dict[str, Any]]]) -> None:
        with contextlib.closing(sqlite3.connect(path)) as conn, conn:
            conn.execute("CREATE TABLE IF NOT EXISTS rows (record_id INTEGER PRIMARY KEY, row TEXT NOT NULL)")
            conn.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?)",
                             [(i, json.dumps(row, ensure_ascii=False, default=str)) for i, row in rows])


def published_rows(published: Mapping[int, Any], ids: list[int]) -> dict[int, dict[str, Any]]:
    """The published rows of ``ids`` (those the public index holds)."""
    if isinstance(published, PublishedTexts):
        return published.rows(ids)
    return {i: public_row(published[i]) for i in ids if i in published}


def public_index(engine: Engine, today: dt.date | None, redactions: Mapping[str, str],
                 cache_dir: Path | None = None) -> tuple[Any, PublishedTexts]:
    """A Whoosh index of the public projection, and the published text of its records: kept in
    ``cache_dir`` when given (reused while ``projection_state`` is unchanged, else brought up to date),
    else built in memory."""
    if cache_dir is not None:
        try:
            ix, folder = _cached_index(cache_dir, engine, today, redactions)
            return ix, PublishedTexts(folder / PUBLISHED)
        except OSError:  # a read-only archive (a copy on a DVD, say): search from memory instead
            pass
    graph = load(engine, None, today, redactions=redactions)
    docs = list(_documents(graph))
    ix = RamStorage().create_index(make_schema())
    _write_documents(ix, [doc for doc, _, _ in docs], bulk=False)
    return ix, PublishedTexts(rows={doc.record_id: row for doc, row, _ in docs})


def keep_current(index_dir: Path, engine: Engine, *, graph: Graph | None = None, state: str | None = None,
                 create: bool = False) -> str | None:
    """Bring the kept public index of the archive whose index folder is ``index_dir`` up to date with
    today's projection and the archive's ``redactions.yaml``, so that the next public search is warm.

    ``graph`` (that projection, already loaded) with ``state`` (``projection_state`` read before it was
    loaded) saves loading it again. Without ``create`` nothing is done for an archive never searched in
    public. Returns a line for the user, or None when there was nothing to do; never raises for a bad
    redactions file or a folder it cannot write (the next public search reports or works around them)."""
    cache_dir = index_dir / PUBLIC_CACHE
    if not create and not (cache_dir / CURRENT).is_file():
        return None
    try:
        redactions = load_redactions(index_dir.parent)
        outcome = _refresh(cache_dir, engine, None, redactions, graph=graph, state=state)
    except (RedactionError, OSError):
        return None
    except Exception as exc:  # noqa: BLE001 - the store has committed; the next public search refreshes
        return f"Public search index not updated ({exc.__class__.__name__}: {exc}); the next public search will."
    return {"current": None, "added": "Public search index updated.",
            "rebuilt": "Public search index rebuilt."}[outcome]


def _documents(graph: Graph) -> Iterator[tuple[Document, dict[str, Any], str]]:
    """Each public document, its published row and a fingerprint of both."""
    by_id = graph.by_id()
    for doc in public_documents(graph):
        row = public_row(by_id[doc.record_id], doc.body)  # the document's body is the indexed body
        text = json.dumps(row, sort_keys=True, ensure_ascii=False, default=str)
        yield doc, row, hashlib.sha256(f"{doc.fingerprint()}\n{text}".encode()).hexdigest()[:32]


def _write_documents(ix: Any, docs: list[Document], *, bulk: bool) -> None:
    """Add documents in the given order, one segment after the last (no merge: merging appends older
    segments after the new documents, and equal scores must keep ranking in record id order)."""
    options: dict[str, Any] = {"limitmb": BULK_LIMIT_MB, "codec": W3Codec(compression=0)} if bulk else {}
    writer = ix.writer(**options)
    try:
        for count, doc in enumerate(docs, 1):
            writer.add_document(**to_fields(doc))
            if count % COMMIT_EVERY == 0:
                writer.commit(merge=False)
                writer = ix.writer(**options)
        writer.commit(merge=False)
    except BaseException:
        writer.cancel()
        raise


def _merge_tail(ix: Any) -> None:
    """Merge the trailing small segments that appends leave, in order, into one, so their number stays
    small; a writer with no documents of its own keeps the merged documents in segment order."""
    segments = ix._segments()
    total = sum(s.doc_count_all() for s in segments) or 1
    tail = 0
    while tail < len(segments) and segments[-1 - tail].doc_count_all() < TAIL_SHARE * total:
        tail += 1
    if tail < 3:
        return

    def merge(writer: Any, current: list[Any]) -> list[Any]:
        from whoosh.reading import SegmentReader

        for segment in current[-tail:]:
            reader = SegmentReader(ix.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
        return current[:-tail]

    writer = ix.writer()
    writer.commit(mergetype=merge)


def _cached_index(cache_dir: Path, engine: Engine, today: dt.date | None,
                  redactions: Mapping[str, str]) -> tuple[Any, Path]:
    files = store_files_key(engine, today, redactions)  # read before the state: see store_files_key
    current = _read_current(cache_dir)
    if current is None or files is None or current.get("files") != files:
        with engine.connect() as conn:
            state = projection_state(conn, today, redactions)
        if current is None or current.get("state") != _versioned(state):
            _refresh(cache_dir, engine, today, redactions, state=state)
        if files is not None:
            _remember_files(cache_dir, _versioned(state), files)
        current = _read_current(cache_dir)
    if current is None:
        raise OSError("the public index could not be kept")
    folder = cache_dir / current["folder"]
    with contextlib.suppress(OSError):
        os.utime(folder)  # the most recently used folders are the ones kept
    return whoosh_index.open_dir(str(folder)), folder


def _remember_files(cache_dir: Path, state: str, files: str) -> None:
    """Note that the store's files with key ``files`` hold the projection of ``state``, if that is still
    the current index's, so that the next search need not read the aggregates."""
    with _locked(cache_dir):
        current = _read_current(cache_dir)
        if current is not None and current["state"] == state and current.get("files") != files:
            _write_current(cache_dir, current["folder"], state, files)


def _versioned(state: str) -> str:
    """The projection's state and the analysis that indexed it: a new analysis indexes again."""
    return f"{state}-{ANALYSIS_VERSION}"


def _read_current(cache_dir: Path) -> dict[str, str] | None:
    try:
        current = json.loads((cache_dir / CURRENT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    folder = cache_dir / str(current.get("folder", ""))
    if not isinstance(current, dict) or not current.get("folder") or not whoosh_index.exists_in(str(folder)):
        return None
    return current


@contextlib.contextmanager
def _locked(cache_dir: Path) -> Iterator[None]:
    """One writer at a time; a search waiting here then finds the index current."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / LOCK, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _refresh(cache_dir: Path, engine: Engine, today: dt.date | None, redactions: Mapping[str, str], *,
             graph: Graph | None = None, state: str | None = None) -> str:
    """Make the kept index match the projection: "current" (nothing to do), "added" (only new records,
    whose ids follow every indexed one, appended in place) or "rebuilt" (anything else: a new folder)."""
    with _locked(cache_dir):
        if state is None:
            with engine.connect() as conn:
                state = projection_state(conn, today, redactions)
        state = _versioned(state)
        current = _read_current(cache_dir)
        if current is not None and current["state"] == state:
            return "current"
        if graph is None:
            graph = load(engine, None, today, redactions=redactions)
        docs = list(_documents(graph))
        fingerprints = {doc.record_id: fp for doc, _, fp in docs}
        if current is not None and _append(cache_dir / current["folder"], docs, fingerprints):
            _write_current(cache_dir, current["folder"], state)
            return "added"
        folder = _build(cache_dir, docs, fingerprints)
        _write_current(cache_dir, folder.name, state)
        _prune(cache_dir, folder)
        return "rebuilt"


def _append(folder: Path, docs: list[tuple[Document, dict[str, Any], str]], fingerprints: dict[int, str]) -> bool:
    """Append the new documents in place when that is all that changed; False when anything indexed
    changed or left (then only a new index holds nothing of the old text, see the module's note)."""
    try:
        indexed = {int(k): v for k, v in json.loads((folder / DOCS).read_text(encoding="utf-8")).items()}
    except (OSError, ValueError):
        return False
    if any(fingerprints.get(record_id) != fp for record_id, fp in indexed.items()):
        return False
    last = max(indexed, default=0)
    new = [(doc, row) for doc, row, _ in docs if doc.record_id not in indexed]
    if any(doc.record_id <= last for doc, _ in new):
        return False  # it would rank after records with higher ids: rebuild, to keep the site's order
    ix = whoosh_index.open_dir(str(folder))
    try:
        if ix.doc_count_all() != len(indexed):
            return False  # an append was interrupted before its list was written
        PublishedTexts.add(folder / PUBLISHED, [(doc.record_id, row) for doc, row in new])  # rows first
        _write_documents(ix, [doc for doc, _ in new], bulk=len(new) > 1000)
        _merge_tail(ix)
    finally:
        ix.close()
    _write_json(folder / DOCS, fingerprints)
    return True


def _build(cache_dir: Path, docs: list[tuple[Document, dict[str, Any], str]], fingerprints: dict[int, str]) -> Path:
    building = cache_dir / f"tmp-{uuid.uuid4().hex}"
    building.mkdir()
    try:
        PublishedTexts.add(building / PUBLISHED, [(doc.record_id, row) for doc, row, _ in docs])
        ix = whoosh_index.create_in(str(building), make_schema())
        _write_documents(ix, [doc for doc, _, _ in docs], bulk=True)
        ix.close()
        _write_json(building / DOCS, fingerprints)
        folder = cache_dir / f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        building.rename(folder)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return folder


def _write_current(cache_dir: Path, folder: str, state: str, files: str | None = None) -> None:
    _write_json(cache_dir / CURRENT, {"folder": folder, "state": state, "files": files})


def _write_json(path: Path, data: Any) -> None:
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data), encoding="utf-8")
    os.replace(temporary, path)


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
