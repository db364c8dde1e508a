"""Portable bundles: export the archive as a BagIt bag (RFC 8493) and import one.

The payload (``data/``) has one stable, documented layout:

- ``records/TYPE/SLUG.json``: every described record in the record format (the same field names as
  ingestion), UTF-8 JSON with sorted keys, two-space indent and a final newline;
- ``revisions/TYPE/SLUG.jsonl``: the record's revisions, oldest first, one JSON object a line
  (``number``, ``content``, ``content_sha256``, ``source_sha256``);
- ``sources/SHA256``: the bytes each record was ingested from, named by their SHA-256;
- ``stubs.json``: the records referred to but not yet described (type, slug, title, visibility);
- ``attachments/TYPE/SLUG.json``: the record's attached files in order (name, SHA-256, caption, credit,
  licence, language, visibility, consent, what the file is and the text search read from it);
- ``files/SHA256``: each attached original, named by its SHA-256.

``bag-info.txt`` names the exporting archive (``Living-Archive-Title``, ``Living-Archive-Language``,
``Living-Archive-Open-End``), so that importing into a folder that is not an archive yet creates one with
that title, language and ``[site] open_end``. The default visibility is not carried: the new archive
starts from ``archive init``'s (restricted), so nothing becomes public by moving.

Where records came from on the exporting machine (file paths) is left out on purpose.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import bagit  # type: ignore[import-untyped]  # bagit publishes no types
from sqlalchemy import Engine, or_, select, update

from archive import __version__
from archive.errors import ArchiveError
from archive.ingest.records import RecordError, normalize
from archive.store.attach import find_record
from archive.store.canonical import iter_stored_records
from archive.store.config import CONFIG_NAME, OPEN_END_CHOICES, Archive
from archive.store.db import make_engine
from archive.store.files import FileStore, sha256_of
from archive.store.models import Attachment, Record, Revision, Source, StoredFile, table_of
from archive.store.write import Incoming, insert_ignoring_conflicts, write_chunk
from archive.trust.create import init_archive

FORMAT_NAME = "Living-Archive-Bag-Format"
FORMAT_VERSION = "1"
TITLE_LABEL = "Living-Archive-Title"
LANGUAGE_LABEL = "Living-Archive-Language"
OPEN_END_LABEL = "Living-Archive-Open-End"
records_t = table_of(Record)
revisions_t = table_of(Revision)
attachments_t = table_of(Attachment)
files_t = table_of(StoredFile)
# An attachment's columns as a bag carries them (not its id, record id or time of attaching).
ATTACHMENT_FIELDS = ("name", "sha256", "position", "kind", "mime", "size", "width", "height", "pages", "seconds",
                     "caption", "credit", "licence", "language", "visibility", "consent", "text")


class BagRejected(ArchiveError):
    """A bag that is invalid, unsafe or not ours; nothing was written."""


@dataclass
class BagResult:
    records: int = 0
    stubs: int = 0
    sources: int = 0
    revisions: int = 0
    attachments: int = 0
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_ids: list[int] = field(default_factory=list)


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def export_bag(engine: Engine, dest: Path, archive: Archive | None = None) -> BagResult:
    """Write every record, revision, source and stub into a new BagIt bag at ``dest``; ``archive`` names
    the exporting archive in ``bag-info.txt`` (its title and language)."""
    if dest.exists() and any(dest.iterdir()):
        raise BagRejected(f"{dest} is not empty; export into a new folder")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BagRejected(f"cannot make the folder {dest}: {exc.strerror}") from None
    result = BagResult()
    with engine.connect() as conn:
        sources: set[str] = set()
        for stored in iter_stored_records(conn):
            folder = dest / "records" / stored.type
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{stored.slug}.json").write_text(_dump(stored.as_record_fields()), encoding="utf-8")
            result.records += 1
            if stored.source_sha256:
                sources.add(stored.source_sha256)
            history = conn.execute(
                select(Revision.number, Revision.content, Revision.content_sha256, Revision.source_sha256)
                .where(Revision.record_id == stored.id).order_by(Revision.number)
            ).all()
            if history:
                lines = [json.dumps({"number": n, "content": json.loads(c), "content_sha256": cs,
                                     "source_sha256": ss}, sort_keys=True, ensure_ascii=False)
                         for n, c, cs, ss in history]
                sources.update(ss for *_, ss in history if ss)
                revision_folder = dest / "revisions" / stored.type
                revision_folder.mkdir(parents=True, exist_ok=True)
                (revision_folder / f"{stored.slug}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
                result.revisions += len(history)
        (dest / "sources").mkdir(exist_ok=True)
        for sha in sorted(sources):
            content = conn.execute(select(Source.content).where(Source.sha256 == sha)).scalar()
            if content is not None:
                (dest / "sources" / sha).write_bytes(content)
                result.sources += 1
        stubs = [dict(row) for row in conn.execute(
            select(records_t.c.type, records_t.c.slug, records_t.c.title, records_t.c.visibility)
            .where(records_t.c.is_stub.is_(True)).order_by(records_t.c.type, records_t.c.slug)
        ).mappings()]
        (dest / "stubs.json").write_text(_dump(stubs), encoding="utf-8")
        result.stubs = len(stubs)
        _export_attachments(conn, dest, archive, result)
    info = {FORMAT_NAME: FORMAT_VERSION, "Bag-Software-Agent": f"living-archive {__version__}"}
    if archive is not None:
        info.update({TITLE_LABEL: " ".join(archive.title.split()), LANGUAGE_LABEL: archive.language,
                     OPEN_END_LABEL: archive.open_end})
    bagit.make_bag(str(dest), info, checksums=["sha256", "sha512"])
    return result


def _export_attachments(conn: Any, dest: Path, archive: Archive | None, result: BagResult) -> None:
    rows = conn.execute(select(records_t.c.type, records_t.c.slug, *[attachments_t.c[f] for f in ATTACHMENT_FIELDS])
                        .join(records_t, records_t.c.id == attachments_t.c.record_id)
                        .order_by(records_t.c.type, records_t.c.slug, attachments_t.c.position,
                                  attachments_t.c.name)).mappings().all()
    if not rows:
        return
    if archive is None:
        raise BagRejected("the records have attached files: export needs the archive folder that keeps them")
    by_record: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        by_record.setdefault((row["type"], row["slug"]), []).append({f: row[f] for f in ATTACHMENT_FIELDS})
    for (record_type, slug), attached in by_record.items():
        folder = dest / "attachments" / record_type
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{slug}.json").write_text(_dump(attached), encoding="utf-8")
        result.attachments += len(attached)
    store = FileStore(archive.root)
    (dest / "files").mkdir()
    for sha in sorted({row["sha256"] for row in rows}):
        with store.open(sha) as kept, (dest / "files" / sha).open("wb") as out:
            shutil.copyfileobj(kept, out)
        result.files += 1


def check_bag(path: Path) -> bagit.Bag:
    """Refuse unsafe paths, a bad manifest, a flipped bit, or a missing or extra file."""
    if not (path / "bagit.txt").is_file():
        raise BagRejected(f"{path} is not a BagIt bag (no bagit.txt)")
    for manifest in sorted(path.glob("*manifest-*.txt")):
        try:
            text = manifest.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise BagRejected(f"{manifest}: cannot read it: {exc.strerror}") from None
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            parts = line.split(maxsplit=1)
            if len(parts) != 2:
                raise BagRejected(f"{manifest.name}:{number}: not 'checksum path'")
            _check_safe_path(parts[1].strip(), f"{manifest.name}:{number}")
    try:
        bag = bagit.Bag(str(path))
        bag.validate()
    except bagit.BagValidationError as exc:
        details = "; ".join(str(d) for d in exc.details[:5]) if exc.details else str(exc)
        raise BagRejected(f"{path}: the bag does not validate: {details}") from None
    except bagit.BagError as exc:
        raise BagRejected(f"{path}: not a valid bag: {exc}") from None
    except OSError as exc:
        raise BagRejected(f"{path}: cannot read the bag ({exc.filename or 'a file'}: {exc.strerror})") from None
    if bag.info.get(FORMAT_NAME) != FORMAT_VERSION:
        raise BagRejected(f"{path}: not a Living Archive bag (bag-info.txt has no {FORMAT_NAME}: {FORMAT_VERSION})")
    return bag


def _check_safe_path(text: str, where: str) -> None:
    if "\\" in text or text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        raise BagRejected(f"{where}: unsafe path {text!r} (absolute)")
    if ".." in PurePosixPath(text).parts or "%2e%2e" in text.lower():
        raise BagRejected(f"{where}: unsafe path {text!r} (leaves the bag)")


def import_bag(engine: Engine, path: Path, archive_root: Path | None = None) -> BagResult:
    """Read a bag into this archive in one transaction; an invalid bag writes nothing. A bag with attached
    files needs ``archive_root``, whose ``files/`` folder keeps them."""
    check_bag(path)
    return _import_checked(engine, path, archive_root)


def import_into_new_archive(root: Path, path: Path, *, database_url: str = "") -> tuple[Archive, BagResult]:
    """Create an archive in ``root`` (a folder that does not exist yet, or is empty) and import the bag.

    The title, language and ``[site] open_end`` come from the bag; every other setting is ``archive
    init``'s default (records that do not give their visibility are restricted), and each record keeps its
    own visibility. The bag is validated before anything is created; if the import fails, the new folder
    is removed again."""
    if (root / CONFIG_NAME).exists():
        raise BagRejected(f"{root} already holds an archive: import into it with 'archive --archive {root} import'")
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise BagRejected(f"{root} is not an archive and is not empty: run 'archive init {root}' first, "
                          "or import into a new folder")
    bag = check_bag(path)
    existed = root.exists()
    try:
        archive = init_archive(root, title=_info(bag, TITLE_LABEL) or "Living Archive",
                               language=_info(bag, LANGUAGE_LABEL) or "en", database_url=database_url,
                               open_end=_open_end(_info(bag, OPEN_END_LABEL)))
        engine = make_engine(archive.db_url(), writer=True)
        try:
            result = _import_checked(engine, path, archive.root)
        finally:
            engine.dispose()
    except BaseException:
        _remove_new_archive(root, existed)
        raise
    return archive, result


def _info(bag: bagit.Bag, label: str) -> str:
    value = bag.info.get(label) or ""
    return str(value[0] if isinstance(value, list) else value).strip()


def _open_end(value: str) -> str:
    return value if value in OPEN_END_CHOICES else OPEN_END_CHOICES[0]


def _remove_new_archive(root: Path, existed: bool) -> None:
    if not existed:
        shutil.rmtree(root, ignore_errors=True)
        return
    for child in root.iterdir():  # the folder was empty: everything in it is ours
        shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)


def _import_checked(engine: Engine, path: Path, archive_root: Path | None = None) -> BagResult:
    data = path / "data"
    result = BagResult()
    attached = _read_attachments(path, archive_root)
    incoming: list[Incoming] = []
    histories: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record_file in sorted((data / "records").glob("*/*.json")):
        where = record_file.relative_to(path)
        try:
            fields = json.loads(record_file.read_text(encoding="utf-8"))
            # The archive's own export: its extra fields were accepted once and are restored as they are.
            record = normalize(fields, extra_fields=set(fields))
        except (ValueError, RecordError) as exc:
            field_name = getattr(exc, "field", None)
            raise BagRejected(f"{where}: " + (f"field '{field_name}': " if field_name else "") + str(exc)) from None
        if record.slug is None:  # the archive's export gives every record its slug
            raise BagRejected(f"{where}: the record has no slug")
        source = _source_for(data, record.type, record.slug)
        incoming.append(Incoming(record, source, f"bag:{record.type}/{record.slug}", str(where)))
        history_file = data / "revisions" / record.type / f"{record.slug}.jsonl"
        if history_file.is_file():
            histories[(record.type, record.slug)] = [
                json.loads(line) for line in history_file.read_text(encoding="utf-8").splitlines() if line]
    stubs = json.loads((data / "stubs.json").read_text(encoding="utf-8")) if (data / "stubs.json").is_file() else []
    with engine.begin() as conn:
        for start in range(0, len(incoming), 500):
            written = write_chunk(conn, incoming[start:start + 500])
            for stored in written.stored:
                setattr(result, stored.action, getattr(result, stored.action) + 1)
                if stored.action != "unchanged":
                    result.changed_ids.append(stored.record_id)
                if stored.action == "added" and (stored.type, stored.slug) in histories:
                    result.revisions += _restore_history(conn, data, stored.record_id,
                                                         histories[(stored.type, stored.slug)])
        for stub in stubs:
            conn.execute(update(records_t).where(
                records_t.c.type == stub["type"], records_t.c.slug == stub["slug"], records_t.c.is_stub.is_(True),
                or_(records_t.c.title != stub["title"], records_t.c.visibility != stub["visibility"]),
            ).values(title=stub["title"], visibility=stub["visibility"]))
        result.attachments, result.files = _restore_attachments(conn, attached, result)
    result.records = len(incoming)
    result.stubs = len(stubs)
    return result


def _read_attachments(path: Path, archive_root: Path | None) -> dict[str, list[dict[str, Any]]]:
    """The bag's attachments by ``type/slug``, with every file they name kept in ``archive_root`` first
    (files before rows, as ``archive attach`` does); BagRejected naming what is wrong."""
    data = path / "data"
    attached: dict[str, list[dict[str, Any]]] = {}
    for listing in sorted((data / "attachments").glob("*/*.json")):
        where = listing.relative_to(path)
        try:
            entries = json.loads(listing.read_text(encoding="utf-8"))
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise ValueError("a list of attachments was expected")
            for entry in entries:
                missing = [f for f in ("name", "sha256", "kind", "mime", "size") if not entry.get(f)]
                if missing:
                    raise ValueError(f"an attachment lacks {', '.join(missing)}")
        except ValueError as exc:
            raise BagRejected(f"{where}: {exc}") from None
        attached[f"{listing.parent.name}/{listing.stem}"] = entries
    if not attached:
        return attached
    if archive_root is None:
        raise BagRejected(f"{path}: the bag has attached files: import it into an archive folder")
    store = FileStore(archive_root)
    for sha in sorted({entry["sha256"] for entries in attached.values() for entry in entries}):
        original = data / "files" / sha
        if not original.is_file():
            raise BagRejected(f"{path}: data/files/{sha} is named by an attachment but not in the bag")
        if sha256_of(original) != sha:
            raise BagRejected(f"{path}: data/files/{sha}: its bytes do not hash to its name")
        store.put(original)
    return attached


def _restore_attachments(conn: Any, attached: dict[str, list[dict[str, Any]]], result: BagResult) -> tuple[int, int]:
    if not attached:
        return 0, 0
    hashes = sorted({entry["sha256"] for entries in attached.values() for entry in entries})
    known = set(conn.execute(select(files_t.c.sha256).where(files_t.c.sha256.in_(hashes))).scalars())
    sizes = {entry["sha256"]: (entry["size"], entry["mime"]) for entries in attached.values() for entry in entries}
    new = [{"sha256": sha, "size": sizes[sha][0], "mime": sizes[sha][1]} for sha in hashes if sha not in known]
    if new:
        conn.execute(files_t.insert(), new)
    count = 0
    for key, entries in attached.items():
        record_id, _ = find_record(conn, key)
        existing = set(conn.execute(select(attachments_t.c.name).where(attachments_t.c.record_id == record_id))
                       .scalars())
        for entry in entries:
            values = {f: entry.get(f) for f in ATTACHMENT_FIELDS}
            for text_field in ("caption", "credit", "licence", "text"):
                values[text_field] = values[text_field] or ""
            if entry["name"] in existing:
                conn.execute(attachments_t.update().where(attachments_t.c.record_id == record_id,
                                                          attachments_t.c.name == entry["name"]).values(**values))
            else:
                conn.execute(attachments_t.insert().values(record_id=record_id, **values))
            count += 1
        if record_id not in result.changed_ids:
            result.changed_ids.append(record_id)
    return count, len(hashes)


def _source_for(data: Path, record_type: str, slug: str) -> bytes:
    """The bytes the record was first ingested from, as named by its latest revision."""
    history_file = data / "revisions" / record_type / f"{slug}.jsonl"
    if history_file.is_file():
        lines = [line for line in history_file.read_text(encoding="utf-8").splitlines() if line]
        sha = json.loads(lines[-1]).get("source_sha256") if lines else None
        if sha and (data / "sources" / sha).is_file():
            return (data / "sources" / sha).read_bytes()
    return b""


def _restore_history(conn: Any, data: Path, record_id: int, history: list[dict[str, Any]]) -> int:
    """Replace the revision that import just created with the exported history."""
    conn.execute(revisions_t.delete().where(revisions_t.c.record_id == record_id))
    needed = {h["source_sha256"] for h in history if h.get("source_sha256")}
    insert_ignoring_conflicts(conn, table_of(Source), [
        {"sha256": sha, "content": (data / "sources" / sha).read_bytes(),
         "size": (data / "sources" / sha).stat().st_size}
        for sha in sorted(needed) if (data / "sources" / sha).is_file()])
    conn.execute(revisions_t.insert(), [
        {"record_id": record_id, "number": h["number"],
         "content": json.dumps(h["content"], sort_keys=True, ensure_ascii=False, separators=(",", ":")),
         "content_sha256": h["content_sha256"], "source_sha256": h.get("source_sha256"),
         "origin": "bag"} for h in history])
    return len(history)
