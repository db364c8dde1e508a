"""Create a new archive folder: settings, database schema and index folder."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from archive.errors import ArchiveError
from archive.ingest.record_rules import RecordRules
from archive.search.index import rebuild_index
from archive.store.config import CONFIG_NAME, OPEN_END_CHOICES, Archive, write_config
from archive.store.db import make_engine
from archive.store.migrate import upgrade
from archive.trust.signing import ensure_key


class ArchiveExists(ArchiveError):
    """The folder already holds an archive."""


class CreateError(ArchiveError):
    """The folder or the database of a new archive cannot be made (a bad path, a database out of reach)."""


def init_archive(root: Path, *, title: str = "Living Archive", description: str = "",
                 language: str = "en", database_url: str = "", records: RecordRules | None = None,
                 open_end: str = OPEN_END_CHOICES[0]) -> Archive:
    """Create ``archive.toml``, the database (SQLite unless a URL is given) and the search index (empty,
    so that a search answers "no records match" before the first ingest)."""
    root = root.resolve()
    if (root / CONFIG_NAME).exists():
        raise ArchiveExists(f"{root} already holds an archive ({CONFIG_NAME} exists)")
    archive = Archive(root=root, title=title, description=description, language=language,
                      database_url=database_url, records=records or RecordRules(), open_end=open_end,
                      extra={} if open_end == OPEN_END_CHOICES[0] else {"site": {"open_end": open_end}})
    try:
        root.mkdir(parents=True, exist_ok=True)
        engine = make_engine(archive.db_url(), writer=True)
        try:
            upgrade(engine)
            rebuild_index(archive.index_dir, engine)  # empty, unless --db names a store that holds records
        finally:
            engine.dispose()
        ensure_key(root)  # signs what the archive publishes; kept out of the site and of backups
        write_config(archive)
    except ArchiveError:
        raise
    except OSError as exc:
        raise CreateError(f"cannot create the archive in {root}: {exc.strerror} ({exc.filename or root})") from None
    except (SQLAlchemyError, ImportError) as exc:  # ImportError: the database's driver is missing
        raise CreateError(f"cannot create the archive in {root}: {exc}") from None
    return archive
