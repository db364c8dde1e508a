"""The Whoosh index: schema, opening, incremental updates, full rebuilds, and the writer lock.

The index is a cache of the store. It lives in ``ARCHIVE/index/``::

    index/CURRENT        the name of the live generation folder (replaced atomically)
    index/LOCK           held by whoever writes the index (an update or a rebuild)
    index/PENDING        record ids whose update could not take the lock in time, applied by the next writer
    index/gen-.../       Whoosh's files, index.json (the analysis version), and terms.map (each indexed
                         word's term, so a search loads no lemma dictionary: ``archive.search.term_map``)

A rebuild writes a fresh generation folder and then points ``CURRENT`` at it, so searches opened on
the old folder keep working; the old folder is removed afterwards. Only this module and
``archive.search.searcher`` import Whoosh's index and writer APIs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.index import FileIndex
from whoosh.writing import SegmentWriter

from archive.dates import DateError, period_end, sort_key
from archive.errors import ArchiveError
from archive.search import term_map, whoosh_tuning
from archive.search.analysis import ANALYSIS_VERSION, MultilingualAnalyzer, mark_language
from archive.search.facets import is_cache_file
from archive.search.lemmas import LEMMA_LANGUAGES
from archive.store.db import LARGE_CHANGE, has_statistics, refresh_statistics

if TYPE_CHECKING:  # the store's reader (SQLAlchemy, the models) is imported by what writes, not by a search
    from sqlalchemy import Engine

    from archive.search.index_docs import Document

whoosh_tuning.apply()

CURRENT_NAME = "CURRENT"
LOCK_NAME = "LOCK"
PENDING_NAME = "PENDING"
META_NAME = "index.json"
LOCK_TIMEOUT = 60.0  # seconds a writer waits for another to finish; $ARCHIVE_INDEX_LOCK_TIMEOUT overrides
BULK_LIMIT_MB = 256
BULK_UPDATE = 5_000  # an update of at least this many records, and of more than the index holds, rebuilds
# Documents per segment in a rebuild. It bounds the writer's memory, and keeps a segment's postings within the
# pool (BULK_LIMIT_MB): past that Whoosh spills pickled runs to disk and merges them, which made 25,000
# documents cost 1.8x the CPU of 2 x 12,500 (benchmarks/RESULTS-scale.md).
COMMIT_EVERY = 10_000


class SearchIndexError(ArchiveError):
    """Base for index problems the CLI reports as messages."""


class IndexBusy(SearchIndexError):
    """Another process holds the index lock for longer than we were willing to wait."""


class IndexMissing(SearchIndexError):
    """No index has been built yet (or it was removed)."""


def make_schema() -> Schema:
    """The index's fields. Text fields analyze each record in its own language (see archive.search.analysis)."""
    text = MultilingualAnalyzer()
    title, body = TEXT(analyzer=text, stored=True), TEXT(analyzer=text)
    for field in (title, body):  # the same postings, each distinct word analyzed once (whoosh_tuning)
        field.format = whoosh_tuning.CachedPositions(field_boost=field.format.field_boost)
    from archive.search.analysis import LINK_FIELDS

    lists = {name: KEYWORD(commas=True, lowercase=True, stored=True) for name in (*LINK_FIELDS, "tags")}
    return Schema(
        rid=ID(unique=True, stored=True),
        record_id=NUMERIC(int, bits=64, stored=True, sortable=True),
        key=ID(stored=True),
        type=ID(stored=True),
        slug=ID(stored=True),
        # No spelling=True: Whoosh would analyze every text twice and double the terms to write;
        # "did you mean" finds near terms in these fields instead (archive.search.query).
        title=title,
        body=body,
        language=ID(stored=True),
        kind=ID(stored=True),
        date=DATETIME(sortable=True),
        start=DATETIME,
        end=DATETIME,
        date_text=STORED,
        visibility=ID(stored=True),
        consent=ID(stored=True),
        embargo_until=ID(stored=True),
        stub=BOOLEAN(stored=True),
        content_sha256=STORED,
        fingerprint=STORED,
        **lists,
    )


def to_fields(doc: Document) -> dict[str, Any]:
    """The values handed to Whoosh for one document."""
    fields: dict[str, Any] = {
        "rid": str(doc.record_id), "record_id": doc.record_id, "key": doc.key, "type": doc.type,
        "slug": doc.slug, "title": mark_language(doc.title, doc.language), "_stored_title": doc.title,
        "body": mark_language(doc.body, doc.language), "language": (doc.language or "en").lower(),
        "visibility": doc.visibility, "stub": doc.is_stub, "content_sha256": doc.content_sha256,
        "fingerprint": doc.fingerprint(),
    }
    optional = {"kind": doc.kind, "consent": doc.consent, "date_text": doc.date,
                "embargo_until": doc.embargo_until.isoformat() if doc.embargo_until else None,
                "date": _first_day(doc.date), "start": _first_day(doc.start), "end": _last_day(doc.end)}
    fields.update({k: v for k, v in optional.items() if v is not None})
    for name, values in doc.links.items():
        fields[name] = ",".join(values)
    if doc.tags:
        fields["tags"] = ",".join(tag.replace(",", " ") for tag in doc.tags)
    return fields


def _first_day(partial: str | None) -> dt.datetime | None:
    """The first moment of a partial date; None for dates Python cannot hold (before the year 1)."""
    if not partial:
        return None
    year, month, day = sort_key(partial)
    if year < 1:
        return None
    return dt.datetime(year, month or 1, day or 1)


def _last_day(partial: str | None) -> dt.datetime | None:
    if not partial:
        return None
    try:
        end = period_end(partial)
    except DateError:
        return None
    return dt.datetime(end.year, end.month, end.day)


# Where things are


def current_dir(index_dir: Path) -> Path | None:
    """The live generation folder, or None when no index has been built."""
    try:
        name = (index_dir / CURRENT_NAME).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = index_dir / name
    return path if name and path.is_dir() else None


def open_index(index_dir: Path) -> FileIndex:
    """Open the live index for reading or writing."""
    folder = current_dir(index_dir)
    if folder is None or not whoosh_index.exists_in(str(folder)):
        raise IndexMissing(f"no search index in {index_dir}; run 'archive reindex'")
    return whoosh_index.open_dir(str(folder))


def index_meta(index_dir: Path) -> dict[str, Any]:
    folder = current_dir(index_dir)
    if folder is None:
        return {}
    try:
        return json.loads((folder / META_NAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


# The writer lock


def lock_timeout() -> float:
    """How long a writer waits for the lock: ``$ARCHIVE_INDEX_LOCK_TIMEOUT`` seconds, else ``LOCK_TIMEOUT``."""
    try:
        return float(os.environ.get("ARCHIVE_INDEX_LOCK_TIMEOUT", LOCK_TIMEOUT))
    except ValueError:
        return LOCK_TIMEOUT


@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the index's writer lock, waiting up to ``timeout`` seconds; raise ``IndexBusy`` after that.

    ``flock`` is released by the kernel when its holder dies, so a ``kill -9`` never leaves a stale lock.
    """
    timeout = lock_timeout() if timeout is None else timeout
    index_dir.mkdir(parents=True, exist_ok=True)
    handle = open(index_dir / LOCK_NAME, "a+")  # noqa: SIM115 - held for the whole block
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        f"another process is writing the search index in {index_dir} (waited {timeout:g} s); "
                        "try again when it has finished") from None
                time.sleep(0.05)
        yield
    finally:
        handle.close()  # closing releases the lock


# Writing


@dataclass
class UpdateResult:
    updated: int = 0
    deleted: int = 0
    rebuilt: bool = False
    queued: bool = False


def update_index(index_dir: Path, engine: Engine, ids: Iterable[int], *,
                 timeout: float | None = None) -> UpdateResult:
    """Bring the index up to date for the records ``ids`` (added, changed or deleted in the store).

    Call it after the store's transaction has committed. Records that inherit from them (an account
    inherits its struggle's waves) are updated too. Without an index yet, this builds one.
    """
    ids = set(ids)
    _statistics_after_write(engine, len(ids))
    try:
        with writer_lock(index_dir, timeout):
            if current_dir(index_dir) is None:
                _, claimed = _take_pending(index_dir)
                count = _rebuild_locked(index_dir, engine)
                _done_pending(claimed)
                return UpdateResult(updated=count, rebuilt=True)
            queued, claimed = _take_pending(index_dir)
            ids |= queued
            result = _update_locked(index_dir, engine, ids) if ids else UpdateResult()
            _done_pending(claimed)
            return result
    except IndexBusy:
        _queue_pending(index_dir, ids)
        raise


def update_after_ingest(index_dir: Path, engine: Engine, changed_ids: Iterable[int], *,
                        timeout: float | None = None) -> str:
    """Update the index after an ingest has committed; return one line for the user. Never raises for a
    busy lock: the ids are queued for the next writer, and the store already holds the records."""
    try:
        result = update_index(index_dir, engine, changed_ids, timeout=timeout)
    except IndexBusy as exc:
        return f"Search index not updated yet: {exc}. The update is queued; 'archive reindex' applies it now."
    from archive.search.public_index import keep_current  # the public projection's index, if one is kept

    public = keep_current(index_dir, engine)
    line = _update_line(result)
    return f"{line} {public}" if public else line


def _update_line(result: UpdateResult) -> str:
    if result.rebuilt:
        return f"Search index built: {result.updated} record(s)."
    if result.updated or result.deleted:
        return f"Search index updated: {result.updated} record(s), {result.deleted} removed."
    return "Search index up to date."


def _statistics_after_write(engine: Engine, changed: int) -> None:
    """After a large write (or on a store never analyzed), refresh the planner's statistics."""
    with engine.begin() as conn:
        if changed >= LARGE_CHANGE or not has_statistics(conn):
            refresh_statistics(conn)


def _update_locked(index_dir: Path, engine: Engine, ids: set[int]) -> UpdateResult:
    from archive.search.index_docs import iter_documents, link_targets, related_ids

    result = UpdateResult()
    ix = open_index(index_dir)
    try:
        with engine.connect() as conn:
            # Stubs an ingest creates are link targets of what it changed; inheritors link to what changed.
            changed = sorted(ids)
            ids |= link_targets(conn, changed) | related_ids(conn, changed)
            if len(ids) >= max(BULK_UPDATE, ix.doc_count_all()):
                # A batch as large as the index itself: one bulk pass over the store is faster than
                # replacing documents one by one, and leaves one generation of large segments.
                ix.close()
                return UpdateResult(updated=_rebuild_locked(index_dir, engine), rebuilt=True)
            whoosh_tuning.forget_indexed_terms()  # the map keeps this index's words, no other archive's
            writer = ix.writer()
            try:
                found: set[int] = set()
                for doc in iter_documents(conn, ids):  # streamed: memory does not grow with the batch
                    writer.update_document(**to_fields(doc))
                    found.add(doc.record_id)
                result.updated = len(found)
                for missing in ids - found:
                    result.deleted += writer.delete_by_term("rid", str(missing))
                before = ix.latest_generation()
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            _write_term_map(ix, term_map.read(Path(ix.storage.folder), before))
    finally:
        ix.close()
    return result


def rebuild_index(index_dir: Path, engine: Engine, *, timeout: float | None = None, procs: int = 1) -> int:
    """Rebuild the whole index from the store into a fresh folder and swap it in; return the count."""
    _statistics_after_write(engine, LARGE_CHANGE)
    with writer_lock(index_dir, timeout):
        _, claimed = _take_pending(index_dir)  # the rebuild reads every record, so queued ids are covered
        count = _rebuild_locked(index_dir, engine, procs=procs)
        _done_pending(claimed)
        return count


def _rebuild_locked(index_dir: Path, engine: Engine, procs: int = 1) -> int:
    from archive.search.index_docs import iter_documents

    name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    folder = index_dir / name
    folder.mkdir(parents=True)
    try:
        ix = whoosh_index.create_in(str(folder), make_schema())
        whoosh_tuning.forget_indexed_terms()  # the map keeps this index's words, no other archive's
        with engine.connect() as conn:
            count = add_documents(ix, iter_documents(conn), procs=procs)
        _write_term_map(ix, None)
        ix.close()
        (folder / META_NAME).write_text(json.dumps({"analysis_version": ANALYSIS_VERSION}), encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _point_current(index_dir, name)
    remove_old_generations(index_dir)
    return count


def _write_term_map(ix: FileIndex, previous: term_map.TermMap | None) -> None:
    """Keep the terms of the words this process indexed (and the previous generation's) beside the index.
    With ``--procs`` above 1 the words were analyzed in other processes: the map holds fewer of them, and
    a search looks the rest up in simplemma."""
    words = term_map.every_language(whoosh_tuning.indexed_terms(LEMMA_LANGUAGES), previous)
    # A cache: if it cannot be written, searches load the dictionaries (the last generation's map is ignored).
    with contextlib.suppress(OSError):
        term_map.write(Path(ix.storage.folder), ix.latest_generation(), words, previous)


def add_documents(ix: FileIndex, docs: Iterable[Document], *, procs: int = 1) -> int:
    """Add documents to an empty index with a writer tuned for bulk loading; return how many."""
    count = 0
    writer = _bulk_writer(ix, procs)
    try:
        for doc in docs:
            writer.add_document(**to_fields(doc))
            count += 1
            if count % COMMIT_EVERY == 0:
                # Commit in large segments and merge at the end: bounded memory, and no re-merge per batch.
                writer.commit(merge=False)
                writer = _bulk_writer(ix, procs)
        writer.commit(merge=False)
    except BaseException:
        writer.cancel()
        raise
    return count


def _bulk_writer(ix: FileIndex, procs: int) -> SegmentWriter:
    # Whoosh's default zlib-compresses every posting block; a rebuild skips that: faster to write, no
    # slower to read. The segment stays one compound file, opened whole by a searcher, so a search
    # still works after a rebuild has removed the folder it opened.
    options: dict[str, Any] = {"codec": W3Codec(compression=0)}
    if procs > 1:
        return ix.writer(procs=procs, limitmb=BULK_LIMIT_MB // procs, multisegment=True, **options)
    return ix.writer(limitmb=BULK_LIMIT_MB, **options)


def _point_current(index_dir: Path, name: str) -> None:
    temporary = index_dir / f"{CURRENT_NAME}.{os.getpid()}"
    temporary.write_text(name + "\n", encoding="utf-8")
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, index_dir / CURRENT_NAME)  # atomic: a reader sees the old or the new name


def remove_old_generations(index_dir: Path) -> list[Path]:
    """Delete generation folders other than the live one (left by rebuilds, or by a crash during one)."""
    live = current_dir(index_dir)
    removed = []
    for path in sorted(index_dir.glob("gen-*")):
        if path.is_dir() and path != live:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def stray_files(index_dir: Path) -> list[Path]:
    """Files in the index folder that no live generation uses: left by a crash mid-commit or mid-rebuild."""
    live = current_dir(index_dir)
    strays = [p for p in index_dir.glob("gen-*") if p != live]
    strays += [p for p in index_dir.glob(f"{CURRENT_NAME}.*")]
    if live is None or not whoosh_index.exists_in(str(live)):
        return sorted(strays)
    ix = whoosh_index.open_dir(str(live))
    try:
        toc = f"_{ix.indexname}_{ix.latest_generation()}.toc"
        prefixes = tuple(f"{segment.segment_id()}." for segment in ix._segments())
    finally:
        ix.close()
    for path in live.iterdir():
        name = path.name
        if (name in (toc, META_NAME, term_map.MAP_NAME) or name.startswith(prefixes) or name.endswith("WRITELOCK")
                or is_cache_file(name)):
            continue
        strays.append(path)
    return sorted(strays)


# Updates that could not wait for the lock


def _queue_pending(index_dir: Path, ids: Iterable[int]) -> None:
    lines = "".join(f"{i}\n" for i in sorted(ids))
    if lines:
        # One O_APPEND write per call: concurrent writers do not interleave within it.
        fd = os.open(index_dir / PENDING_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, lines.encode("ascii"))
        finally:
            os.close(fd)


def _take_pending(index_dir: Path) -> tuple[set[int], list[Path]]:
    """Claim the queued ids (call under the lock); delete the returned files once they are committed.

    The queue is renamed before it is read, so ids queued meanwhile go to a new file and are kept; a
    claimed file left by a crash is claimed again by the next writer.
    """
    claimed = index_dir / f"{PENDING_NAME}.claimed-{uuid.uuid4().hex[:8]}"
    with contextlib.suppress(FileNotFoundError):
        os.replace(index_dir / PENDING_NAME, claimed)
    files = sorted(index_dir.glob(f"{PENDING_NAME}.claimed-*"))
    ids: set[int] = set()
    for path in files:
        ids |= {int(x) for x in path.read_text(encoding="ascii").split() if x.isdigit()}
    return ids, files


def _done_pending(files: list[Path]) -> None:
    for path in files:
        path.unlink(missing_ok=True)


def pending_ids(index_dir: Path) -> set[int]:
    """Record ids queued for the next index update."""
    ids: set[int] = set()
    for path in index_dir.glob(f"{PENDING_NAME}*"):
        with contextlib.suppress(FileNotFoundError):
            ids |= {int(x) for x in path.read_text(encoding="ascii").split() if x.isdigit()}
    return ids
