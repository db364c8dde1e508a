"""A cheap fingerprint of everything the public projection is made from, read without loading texts.

``archive.search.public_index`` keeps an index of the projection on disk and must know, on every public
search, whether it is still current. Loading the projection to find out costs seconds at 10,000
records; this reads a handful of aggregates instead: each record's id, content hash, visibility, embargo,
consent and stub flag, whether its embargo has passed as of ``today``, every link and tag assignment,
and the redactions in force. Any change to what the projection could show changes the fingerprint (a
false alarm only costs a refresh; a missed change could show a record that left, so the inputs are
over-covered rather than chosen finely). Store-level only: no Whoosh, no publisher.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, FromClause, Select, String, case, cast, func, literal, select

from archive.store.models import Attachment, Link, Record, RecordTag, Tag

records_t = Record.__table__
links_t = Link.__table__
record_tags_t = RecordTag.__table__
tags_t = Tag.__table__
attachments_t = Attachment.__table__

# Raise when the projection or its documents change shape, so that every kept index is refreshed.
PROJECTION_VERSION = "2"  # 2: attachments


def _joined(table: FromClause, order: list[ColumnElement], *columns: ColumnElement) -> Select:
    """A count and one string of the columns' values (``|`` between columns, ``;`` between rows), in
    ``order``: built by the database, so no Python loop over rows. (An order the database did not keep
    would only cost a needless refresh.)"""
    parts: list[ColumnElement] = []
    for column in columns:
        if parts:
            parts.append(literal("|"))
        parts.append(func.coalesce(cast(column, String), literal("")))
    row = parts[0]
    for part in parts[1:]:
        row = row + part
    rows = select(row.label("row")).select_from(table).order_by(*order).subquery()
    return select(func.count(), func.aggregate_strings(rows.c.row, ";"))


def projection_state(conn: Connection, today: dt.date | None, redactions: Mapping[str, str]) -> str:
    """A digest of the store's rows the public projection is computed from, as of ``today``."""
    today = today or dt.date.today()
    t = records_t
    passed = case((t.c.embargo_until.is_(None), literal("")), (t.c.embargo_until <= today, literal("p")),
                  else_=literal("e"))
    r, lk, rt, tg = t.c, links_t.c, record_tags_t.c, tags_t.c
    queries = (
        _joined(t, [r.id], r.id, r.content_sha256, r.visibility, r.embargo_until, r.consent, r.is_stub, passed),
        _joined(links_t, [lk.id], lk.id, lk.source_id, lk.relation, lk.target_id, lk.position, lk.date),
        _joined(record_tags_t, [rt.record_id, rt.tag_id], rt.record_id, rt.tag_id, rt.position),
        _joined(tags_t, [tg.id], tg.id, tg.name),
        _joined(attachments_t, [attachments_t.c.id], attachments_t.c.id, attachments_t.c.record_id,
                attachments_t.c.position, attachments_t.c.sha256, attachments_t.c.visibility,
                attachments_t.c.consent, attachments_t.c.caption, attachments_t.c.credit, attachments_t.c.licence,
                func.length(attachments_t.c.text)),
    )
    digest = hashlib.sha256(f"projection {PROJECTION_VERSION}\n".encode())
    for name, pseudonym in sorted(redactions.items()):
        digest.update(f"redact {name!r} {pseudonym!r}\n".encode())
    for query in queries:
        count, joined = conn.execute(query).one()
        digest.update(f"{count}\n{joined or ''}\n".encode())
    return digest.hexdigest()[:40]


RACY_SECONDS = 2.0  # a file written this recently may be written again within its timestamp's granularity


def store_files_key(engine: Engine, today: dt.date | None, redactions: Mapping[str, str]) -> str | None:
    """For an SQLite store, a key that changes whenever its files are written: the database's and its
    write-ahead log's size, inode and modification time, with ``today`` and the redactions. Read before
    ``projection_state``, it lets a search trust a state computed earlier for the same files, as Git
    trusts a file's stat data; None for another store, or for files written so recently that a second
    write could leave the same times (Git's "racily clean" case), where only the aggregates can tell."""
    if engine.url.get_backend_name() != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        return None
    path = Path(engine.url.database.removeprefix("file:").split("?")[0])
    parts = [f"{(today or dt.date.today()).isoformat()} {PROJECTION_VERSION}"]
    newest = 0
    for name in (path, path.with_name(path.name + "-wal")):
        try:
            stat = name.stat()
        except FileNotFoundError:
            parts.append(f"{name.name} -")
            continue
        except OSError:
            return None
        if stat.st_size == 0 and name != path:
            parts.append(f"{name.name} -")  # an empty log holds nothing (a reader opening the store makes one)
            continue
        newest = max(newest, stat.st_mtime_ns)
        parts.append(f"{name.name} {stat.st_ino} {stat.st_size} {stat.st_mtime_ns} {stat.st_ctime_ns}")
    if newest > (time.time() - RACY_SECONDS) * 1e9:
        return None
    for real, pseudonym in sorted(redactions.items()):
        parts.append(f"redact {real!r} {pseudonym!r}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]


@dataclass(frozen=True)
class ProjectionInputs:
    """The rows ``projection_state`` digests, as sets of tuples, so that two readings can be compared row
    by row: what changed tells which records' public form may have changed (no texts are read)."""

    records: frozenset[tuple[Any, ...]]  # (id, content hash, visibility, embargo, consent, is stub, passed)
    links: frozenset[tuple[Any, ...]]  # (id, source, relation, target, position, date)
    record_tags: frozenset[tuple[Any, ...]]  # (record id, tag id, position)
    tags: frozenset[tuple[Any, ...]]  # (tag id, digest of its name: a private record's tag is kept out)
    # (id, record id, position, file hash, visibility, consent, digest of caption, credit, licence and text)
    attachments: frozenset[tuple[Any, ...]] = frozenset()


def projection_inputs(conn: Connection, today: dt.date | None) -> ProjectionInputs:
    """The rows the public projection is computed from as of ``today`` (the redactions aside), as
    ``projection_state`` reads them, one tuple a row of plain values (text, numbers), with no text of any
    record (tag names only as digests): they may be kept beside a public index."""
    today_text = (today or dt.date.today()).isoformat()
    r, lk, rt, tg = records_t.c, links_t.c, record_tags_t.c, tags_t.c
    rows = _raw_rows(conn)
    records = frozenset(
        (i, sha or "", visibility or "", embargo, consent or "", bool(stub),
         "" if not embargo else "p" if embargo <= today_text else "e")
        for i, sha, visibility, embargo, consent, stub in rows(
            select(r.id, r.content_sha256, r.visibility, r.embargo_until, r.consent, r.is_stub), dates=(3,)))
    links = frozenset(
        (i, source, relation, target, position or 0, str(date) if date else "")
        for i, source, relation, target, position, date in rows(
            select(lk.id, lk.source_id, lk.relation, lk.target_id, lk.position, lk.date)))
    record_tags = frozenset(rows(select(rt.record_id, rt.tag_id, rt.position)))
    tags = frozenset((i, hashlib.sha256(name.encode()).hexdigest()[:32]) for i, name in rows(select(tg.id, tg.name)))
    at = attachments_t.c
    attachments = frozenset(
        (i, record, position, sha, visibility or "", consent or "",
         hashlib.sha256("\0".join((caption or "", credit or "", licence or "", text or "")).encode()).hexdigest()[:32])
        for i, record, position, sha, visibility, consent, caption, credit, licence, text in rows(
            select(at.id, at.record_id, at.position, at.sha256, at.visibility, at.consent, at.caption, at.credit,
                   at.licence, at.text)))
    return ProjectionInputs(records, links, record_tags, tags, attachments)


def _raw_rows(conn: Connection) -> Callable[..., list[tuple[Any, ...]]]:
    """Rows of a parameterless select as the driver gives them, without the ORM's per-row cost (at 100,000
    records a third of an update's time); ``dates``: columns turned to ISO text (SQLite stores them so)."""

    def rows(query: Select, dates: tuple[int, ...] = ()) -> list[tuple[Any, ...]]:
        cursor = conn.connection.cursor()
        try:
            cursor.execute(str(query.compile(dialect=conn.dialect)))
            found = [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()
        if dates:
            found = [tuple((str(v)[:10] if v else "") if n in dates else v for n, v in enumerate(row))
                     for row in found]
        return found

    return rows
