"""Attaching files to a record: checked, kept once by SHA-256, described, in one transaction.

Every file is checked (``archive.ingest.media.inspect_file``) and read for search before anything is
kept, so one bad file refuses the whole command and nothing is half-stored. The originals go into the
``files/`` folder first, then one transaction writes their rows; a crash in between leaves only unused
files. Attaching the same bytes under the same name again changes nothing; other bytes under a name the
record already has replace that attachment.

An attachment has its own ``visibility`` and ``consent``; left out, it follows its record. It is never
more public than its record: the public projection (``archive.public``) decides, not this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

from archive.errors import ArchiveError
from archive.ingest.media import MediaInfo, inspect_file
from archive.ingest.media_text import extract_text
from archive.ingest.record_rules import VISIBILITIES
from archive.store.files import FileStore
from archive.store.models import Attachment, Record, StoredFile, table_of

attachments_t = table_of(Attachment)
files_t = table_of(StoredFile)
records_t = table_of(Record)

CONSENTS = ("given", "withdrawn", "unknown")
MAX_CAPTION = 4000
MAX_SHORT = 500  # credit and licence
MAX_NAME = 255
_DESCRIBED = ("caption", "credit", "licence", "visibility", "consent")


class AttachError(ArchiveError, ValueError):
    """The files could not be attached; nothing was kept."""


@dataclass(frozen=True)
class Description:
    """What the archivist says about attached files (the same for every file of one command)."""

    caption: str = ""
    credit: str = ""
    licence: str = ""
    visibility: str | None = None  # None: the record's
    consent: str | None = None

    def check(self) -> None:
        for name, value, limit in (("caption", self.caption, MAX_CAPTION), ("credit", self.credit, MAX_SHORT),
                                   ("licence", self.licence, MAX_SHORT)):
            if "\x00" in value:
                raise AttachError(f"{name}: a NUL character is not allowed")
            if len(value) > limit:
                raise AttachError(f"{name}: {len(value)} characters is more than the {limit} allowed")
        if self.visibility is not None and self.visibility not in VISIBILITIES:
            raise AttachError(f"visibility: {self.visibility!r} is not one of {', '.join(VISIBILITIES)}")
        if self.consent is not None and self.consent not in CONSENTS:
            raise AttachError(f"consent: {self.consent!r} is not one of {', '.join(CONSENTS)}")


@dataclass
class AttachReport:
    record: str
    record_id: int = 0
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    described: list[str] = field(default_factory=list)  # same file, new caption, credit, licence or visibility
    unchanged: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Checked:
    path: Path
    name: str
    info: MediaInfo
    text: str


def find_record(conn: Connection, ref: str) -> tuple[int, str | None]:
    """(id, language) of the record written ``type/slug``; AttachError naming it when there is none."""
    kind, slash, slug = ref.partition("/")
    if not slash or not kind or not slug:
        raise AttachError(f"{ref!r}: name the record as TYPE/SLUG, for example account/laundry-walkout")
    row = conn.execute(select(records_t.c.id, records_t.c.language)
                       .where(records_t.c.type == kind, records_t.c.slug == slug)).first()
    if row is None:
        raise AttachError(f"{ref}: no such record")
    return row.id, row.language


def attach_files(archive_root: Path, engine: Engine, ref: str, paths: Sequence[Path],
                 description: Description = Description()) -> AttachReport:
    """Attach ``paths`` to the record ``ref`` (TYPE/SLUG), all or none."""
    description.check()
    if not paths:
        raise AttachError("name at least one file to attach")
    report = AttachReport(ref)
    with engine.connect() as conn:
        record_id, language = find_record(conn, ref)
    report.record_id = record_id
    checked = _check_all(paths, language, report)
    store = FileStore(archive_root)
    hashes = [store.put(item.path) for item in checked]  # bytes on disk before any row names them
    with engine.begin() as conn:
        existing = {row.name: row for row in conn.execute(
            select(attachments_t.c.id, attachments_t.c.name, attachments_t.c.sha256,
                   *(attachments_t.c[name] for name in _DESCRIBED))
            .where(attachments_t.c.record_id == record_id))}
        known = set(conn.execute(select(files_t.c.sha256).where(files_t.c.sha256.in_(hashes))).scalars())
        position = conn.execute(select(func.coalesce(func.max(attachments_t.c.position), -1))
                                .where(attachments_t.c.record_id == record_id)).scalar_one() + 1
        for item, sha in zip(checked, hashes, strict=True):
            if sha not in known:
                conn.execute(files_t.insert().values(sha256=sha, size=item.info.size, mime=item.info.mime))
                known.add(sha)
            values = _row(item, sha, description, language)
            before = existing.get(item.name)
            if before is None:
                conn.execute(attachments_t.insert().values(record_id=record_id, position=position, **values))
                position += 1
                report.added.append(item.name)
            elif before.sha256 == sha and (description == Description() or same_description(before, description)):
                report.unchanged.append(item.name)
            else:
                if description == Description():  # new bytes, same words: the caption and the rest stay
                    values = {k: v for k, v in values.items() if k not in _DESCRIBED}
                conn.execute(attachments_t.update().where(attachments_t.c.id == before.id).values(**values))
                (report.described if before.sha256 == sha else report.replaced).append(item.name)
        unused = forget_unused_files(conn) if report.replaced else []
    for sha in unused:
        store.remove(sha)
    return report


def _check_all(paths: Sequence[Path], language: str | None, report: AttachReport) -> list[_Checked]:
    checked: list[_Checked] = []
    names: dict[str, Path] = {}
    for path in paths:
        name = path.name
        if len(name) > MAX_NAME:
            raise AttachError(f"{path}: a file name of {len(name)} characters is more than the {MAX_NAME} allowed")
        if name in names:
            raise AttachError(f"{path}: the same name as {names[name]}; one record's attachments need distinct names")
        names[name] = path
        info = inspect_file(path)
        extraction = extract_text(path, info, language)
        if extraction.notice:
            report.notices.append(extraction.notice)
        checked.append(_Checked(path, name, info, extraction.text))
    return checked


def same_description(row: object, description: Description) -> bool:
    """The attachment already has exactly these words (re-ingesting a record's ``files`` changes nothing)."""
    return all(getattr(row, name) == getattr(description, name) for name in _DESCRIBED)


def _row(item: _Checked, sha: str, description: Description, language: str | None) -> dict[str, object]:
    info = item.info
    return {"sha256": sha, "name": item.name, "kind": info.kind, "mime": info.mime, "size": info.size,
            "width": info.width, "height": info.height, "pages": info.pages, "seconds": info.seconds,
            "caption": description.caption, "credit": description.credit, "licence": description.licence,
            "language": language, "visibility": description.visibility, "consent": description.consent,
            "text": item.text}


def detach_files(archive_root: Path, engine: Engine, ref: str, names: Sequence[str]) -> list[str]:
    """Remove attachments by name from a record; their kept files go when nothing else uses them."""
    with engine.begin() as conn:
        record_id, _ = find_record(conn, ref)
        rows = dict(conn.execute(select(attachments_t.c.name, attachments_t.c.id)
                                 .where(attachments_t.c.record_id == record_id,
                                        attachments_t.c.name.in_(list(names)))).all())
        missing = [name for name in names if name not in rows]
        if missing:
            raise AttachError(f"{ref} has no attachment named {', '.join(missing)}")
        conn.execute(attachments_t.delete().where(attachments_t.c.id.in_(list(rows.values()))))
        unused = forget_unused_files(conn)
    store = FileStore(archive_root)
    for sha in unused:
        store.remove(sha)
    return sorted(rows)


def forget_unused_files(conn: Connection) -> list[str]:
    """Delete the rows of kept files no attachment uses any more, in the caller's transaction; their hashes.

    The caller removes the bytes (``FileStore.remove``) only after its transaction has committed: a
    rollback must not lose a file a surviving row still names. A crash between the two leaves unused
    files, which ``FileStore.unused`` finds."""
    unused = list(conn.execute(select(files_t.c.sha256).where(
        files_t.c.sha256.not_in(select(attachments_t.c.sha256).distinct()))).scalars())
    if unused:
        conn.execute(files_t.delete().where(files_t.c.sha256.in_(unused)))
    return unused
