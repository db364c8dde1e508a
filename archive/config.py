"""An archive is a folder: ``archive.toml`` with its settings, the SQLite database and the index."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

CONFIG_NAME = "archive.toml"
DEFAULT_DB_NAME = "archive.sqlite"
INDEX_DIR_NAME = "index"
ENV_ARCHIVE_DIR = "ARCHIVE_DIR"


class ArchiveNotFound(Exception):
    """No archive folder could be found."""


class ConfigError(Exception):
    """``archive.toml`` is unreadable or holds a bad value."""


@dataclass
class Archive:
    """A located archive folder and its settings."""

    root: Path
    title: str = "Living Archive"
    description: str = ""
    language: str = "en"
    database_url: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def index_dir(self) -> Path:
        return self.root / INDEX_DIR_NAME

    @property
    def public_dir(self) -> Path:
        return self.root / "public"

    def db_url(self, override: str | None = None) -> str:
        """The database URL: ``--db`` first, then ``archive.toml``, then the SQLite file in the folder."""
        url = override or self.database_url
        if url:
            return url
        return f"sqlite:///{(self.root / DEFAULT_DB_NAME).as_posix()}"


def load_archive(root: Path) -> Archive:
    """Read ``archive.toml`` in ``root``."""
    path = root / CONFIG_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ArchiveNotFound(f"{root} is not an archive: it has no {CONFIG_NAME}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    section = data.get("archive", {})
    known = {"title", "description", "language", "database_url"}
    for key in known:
        if key in section and not isinstance(section[key], str):
            raise ConfigError(f"{path}: [archive] {key} must be a string")
    return Archive(
        root=root.resolve(),
        title=section.get("title", "Living Archive"),
        description=section.get("description", ""),
        language=section.get("language", "en"),
        database_url=section.get("database_url", ""),
        extra={k: v for k, v in data.items() if k != "archive"},
    )


def write_config(archive: Archive) -> None:
    section = {
        "title": archive.title,
        "description": archive.description,
        "language": archive.language,
        "database_url": archive.database_url,
    }
    text = (
        "# Living Archive settings. database_url empty means the SQLite file archive.sqlite here;\n"
        "# a postgresql+psycopg:// URL puts the archive on PostgreSQL.\n"
    )
    text += tomli_w.dumps({"archive": section, **archive.extra})
    archive.config_path.write_text(text, encoding="utf-8")


def find_archive(explicit: Path | None = None, cwd: Path | None = None) -> Archive:
    """Locate the archive: ``--archive`` first, then ``$ARCHIVE_DIR``, then walk up from ``cwd``."""
    if explicit is not None:
        return load_archive(explicit)
    env = os.environ.get(ENV_ARCHIVE_DIR)
    if env:
        return load_archive(Path(env))
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return load_archive(folder)
    raise ArchiveNotFound(
        f"no archive found in {start} or any folder above it; "
        f"run 'archive init PATH', or pass --archive PATH, or set {ENV_ARCHIVE_DIR}"
    )
