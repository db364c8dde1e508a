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
again from scratch into a new folder for anything else; it is never edited in place. To tell which, an
update loads only the part of the projection that could have changed (``_append``: the store's rows are
compared with those the index was made from, kept in ``upkeep.sqlite`` beside it), not all of it. Whoosh keeps a
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
from archive.public.state import ProjectionInputs, projection_inputs, projection_state, store_files_key
from archive.search.analysis import ANALYSIS_VERSION, LINEAGE_RELATIONS, compose_body
from archive.search.index import make_schema, to_fields
from archive.search.index_docs import Document, document_field, time_fields

PUBLIC_CACHE = "public"  # ARCHIVE/index/public/ (the same name as archive.search.searcher.PUBLIC_CACHE)


def public_documents(graph: Graph, only: set[int] | None = None) -> Iterator[Document]:
    """The projection's records (those of ``only``, when given) as search documents, in record id order
    (as a rebuilt index numbers them)."""
    for item in sorted(graph.by_id().values(), key=lambda i: i.id):
        if only is not None and item.id not in only:
            continue
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
UPKEEP = "upkeep.sqlite"  # what the folder's index was made from, to find what an update must load (_Upkeep)
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


def _documents(graph: Graph, only: set[int] | None = None) -> Iterator[tuple[Document, dict[str, Any], str]]:
    """Each public document (of the records ``only``, when given), its published row and a fingerprint."""
    by_id = graph.by_id()
    for doc in public_documents(graph, only):
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
    whose ids follow every indexed one, appended in place) or "rebuilt" (anything else: a new folder).

    An append loads only the part of the projection that changed (see ``_changed_part``); a rebuild loads
    all of it, unless ``graph`` (with the ``state`` read before it was loaded) is given."""
    with _locked(cache_dir):
        state_given = state is not None
        if state is None:
            with engine.connect() as conn:
                state = projection_state(conn, today, redactions)
        versioned = _versioned(state)
        current = _read_current(cache_dir)
        if current is not None and current["state"] == versioned:
            return "current"
        if current is not None and _append(cache_dir / current["folder"], engine, today, redactions):
            _write_current(cache_dir, current["folder"], versioned)
            return "added"
        inputs: ProjectionInputs | None
        with engine.connect() as conn:
            inputs = projection_inputs(conn, today)  # read before the projection: see _Upkeep
            if graph is not None and state_given and projection_state(conn, today, redactions) != state:
                inputs = None  # the store changed since ``graph`` was loaded: keep no inputs, rebuild next time
        if graph is None:
            graph = load(engine, None, today, redactions=redactions)
        folder = _build(cache_dir, graph, inputs, redactions)
        _write_current(cache_dir, folder.name, versioned)
        _prune(cache_dir, folder)
        return "rebuilt"


def _face(item: Item | None) -> str | None:
    """What other records' documents show of a record: whether it is public, its type, slug and title,
    and whether it was ever under embargo (which keeps its title out of their text)."""
    if item is None:
        return None
    return json.dumps([item.type, item.slug, item.title, item.embargoed], ensure_ascii=False)


class _Upkeep:
    """``upkeep.sqlite`` beside an index: each indexed record's fingerprint (``_documents``), face
    (``_face``), type and slug before numbering (``Graph.bases``), and the store's rows the projection was
    computed from (``ProjectionInputs``, read before it was loaded: an update finds what changed since by
    comparing them with the store's, over-covering a write made meanwhile, never missing one)."""

    TABLES = {"records": 7, "links": 6, "record_tags": 3, "tags": 2, "attachments": 7}

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.is_file()

    def read(self) -> tuple[dict[str, str], dict[int, tuple[str, str, str, str]], ProjectionInputs]:
        with contextlib.closing(sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)) as conn:
            meta = dict(conn.execute("SELECT key, value FROM meta"))
            items = {row[0]: row[1:] for row in conn.execute("SELECT id, fingerprint, face, type, base FROM items")}
            sets = {name: frozenset(conn.execute(f"SELECT * FROM input_{name}")) for name in self.TABLES}
        return meta, items, ProjectionInputs(**sets)

    def write(self, meta: dict[str, str], items: list[tuple[int, str, str | None, str, str]],
              inputs: ProjectionInputs, before: ProjectionInputs | None = None) -> None:
        """Record ``items`` (replacing their rows) and ``inputs`` (only the rows that differ from ``before``,
        the inputs already recorded, when given), in one transaction."""
        with contextlib.closing(sqlite3.connect(self.path)) as conn, conn:
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            conn.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, fingerprint TEXT, face TEXT, "
                         "type TEXT, base TEXT)")
            for name, width in self.TABLES.items():
                columns = ", ".join(f"c{i}" for i in range(width))
                conn.execute(f"CREATE TABLE IF NOT EXISTS input_{name} ({columns})")
                conn.execute(f"CREATE INDEX IF NOT EXISTS input_{name}_key ON input_{name} (c0)")
                rows, gone = getattr(inputs, name), frozenset[tuple[Any, ...]]()
                if before is not None:
                    old = getattr(before, name)
                    rows, gone = rows - old, old - rows
                where = " AND ".join(f"c{i} IS ?" for i in range(width))
                conn.executemany(f"DELETE FROM input_{name} WHERE {where}", gone)
                conn.executemany(f"INSERT INTO input_{name} VALUES ({', '.join('?' * width)})", rows)
            conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
            conn.executemany("INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?)", items)


def _meta(redactions: Mapping[str, str]) -> dict[str, str]:
    """What makes every document change at once: then the index is built again."""
    names = json.dumps(sorted(redactions.items()), ensure_ascii=False)
    return {"analysis": str(ANALYSIS_VERSION), "redactions": hashlib.sha256(names.encode()).hexdigest()}


def _changed_part(before: ProjectionInputs, now: ProjectionInputs) -> tuple[set[int], set[int]]:
    """The records whose own rows, links or tags changed between two readings of the inputs, and the
    sources of changed ``waves`` links (whose waves the records about them show)."""
    changed = {row[0] for row in before.records ^ now.records}
    waves_sources: set[int] = set()
    for _, source, relation, target, _, _ in before.links ^ now.links:
        changed.update((source, target))
        if relation == "waves":
            waves_sources.add(source)
    changed.update(row[0] for row in before.record_tags ^ now.record_tags)
    changed.update(row[1] for row in before.attachments ^ now.attachments)  # a record's files are in its document
    renamed = {row[0] for row in before.tags ^ now.tags}
    if renamed:
        changed.update(row[0] for row in before.record_tags | now.record_tags if row[1] in renamed)
    return changed, waves_sources


def _append(folder: Path, engine: Engine, today: dt.date | None, redactions: Mapping[str, str]) -> bool:
    """Append the new documents in place when that is all that changed, loading only the part of the
    projection that could have changed; False when an indexed document changed or left (then only a new
    index holds nothing of the old text, see the module's note), or the folder cannot tell.

    Which documents could have changed: those of records whose rows, links or tags changed (and the stubs
    they name, whose public form their redactions and visibility decide); then, for each of those whose
    face (``_face``) changed, the records linking to it, and the records linking to a struggle whose waves
    changed. Those are loaded (``archive.public.load`` with ``ids``) and compared by fingerprint."""
    upkeep = _Upkeep(folder / UPKEEP)
    if not upkeep.exists():
        return False
    try:
        meta, indexed, before = upkeep.read()
    except sqlite3.Error:
        return False
    if meta != _meta(redactions):
        return False
    with engine.connect() as conn:
        now = projection_inputs(conn, today)
    changed, waves_sources = _changed_part(before, now)
    out: dict[int, list[int]] = {}
    inbound: dict[int, list[tuple[int, str]]] = {}
    for _, source, relation, target, _, _ in now.links:
        out.setdefault(source, []).append(target)
        inbound.setdefault(target, []).append((source, relation))
    stubs = {row[0] for row in now.records if row[5]}
    changed |= {target for record_id in changed for target in out.get(record_id, ()) if target in stubs}
    others = {record_id: (kind, base) for record_id, (_, _, kind, base) in indexed.items()}
    graph = load(engine, None, today, redactions=redactions, ids=changed, other_slugs=others)
    loaded = graph.by_id()
    faced = {i for i in changed if _face(loaded.get(i)) != (indexed[i][1] if i in indexed else None)}
    waves_sources |= {source for i in faced for source, relation in inbound.get(i, ()) if relation == "waves"}
    wanted = changed | {source for i in faced | waves_sources for source, _ in inbound.get(i, ())}
    if wanted - changed:
        graph = load(engine, None, today, redactions=redactions, ids=wanted, other_slugs=others)
    docs = list(_documents(graph, wanted))
    fresh = {doc.record_id: fingerprint for doc, _, fingerprint in docs}
    if any(i in indexed and fresh.get(i) != indexed[i][0] for i in wanted):
        return False  # an indexed document changed or left
    last = max(indexed, default=0)
    new = [(doc, row) for doc, row, _ in docs if doc.record_id not in indexed]
    if any(doc.record_id <= last for doc, _ in new):
        return False  # it would rank after records with higher ids: rebuild, to keep the site's order
    ix = whoosh_index.open_dir(str(folder))
    try:
        if sum(segment.doc_count_all() for segment in ix._segments()) != len(indexed):  # no reader opened
            return False  # an append was interrupted before its records were noted
        if new:
            PublishedTexts.add(folder / PUBLISHED, [(doc.record_id, row) for doc, row in new])  # rows first
            _write_documents(ix, [doc for doc, _ in new], bulk=len(new) > 1000)
            _merge_tail(ix)
    finally:
        ix.close()
    by_id = graph.by_id()
    items = [(doc.record_id, fingerprint, _face(by_id[doc.record_id]), doc.type, graph.bases[doc.record_id])
             for doc, _, fingerprint in docs]
    upkeep.write(meta, items, now, before)
    return True


def _build(cache_dir: Path, graph: Graph, inputs: ProjectionInputs | None, redactions: Mapping[str, str]) -> Path:
    """Index the whole projection ``graph`` into a new folder; note ``inputs`` (the store's rows read
    before it was loaded) for the updates after, unless None."""
    building = cache_dir / f"tmp-{uuid.uuid4().hex}"
    building.mkdir()
    try:
        docs = list(_documents(graph))
        PublishedTexts.add(building / PUBLISHED, [(doc.record_id, row) for doc, row, _ in docs])
        ix = whoosh_index.create_in(str(building), make_schema())
        _write_documents(ix, [doc for doc, _, _ in docs], bulk=True)
        ix.close()
        if inputs is not None:
            by_id = graph.by_id()
            _Upkeep(building / UPKEEP).write(
                _meta(redactions), [(doc.record_id, fingerprint, _face(by_id[doc.record_id]), doc.type,
                                     graph.bases[doc.record_id]) for doc, _, fingerprint in docs], inputs)
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
