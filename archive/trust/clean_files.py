"""Unused kept files: what a crash between writing an attached file and committing its row leaves.

``archive attach`` writes a file into ``files/`` before the row that names it is committed, so a crash (or
a refused batch) can leave a kept file that no attachment names, and a kill mid-copy a ``.incoming-*``
temporary file. Neither is ever published or read. This removes them, but only those older than
``min_age`` seconds: a younger one may belong to an attach still running, whose row is about to commit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select

from archive.store.files import FileStore
from archive.store.models import StoredFile

MIN_AGE = 3600.0  # seconds: far longer than any attach takes between writing a file and committing


@dataclass
class FilesCleanResult:
    unused: list[str] = field(default_factory=list)  # SHA-256 of kept files no row names
    partial: list[Path] = field(default_factory=list)  # temporary files of interrupted copies
    bytes: int = 0


def clean_unused_files(archive_root: Path, engine: Engine, *, dry_run: bool = False,
                       min_age: float = MIN_AGE, now: float | None = None) -> FilesCleanResult:
    """Remove (or with ``dry_run`` only list) kept files no attachment names and interrupted copies."""
    store = FileStore(archive_root)
    now = time.time() if now is None else now
    with engine.connect() as conn:
        named = set(conn.execute(select(StoredFile.sha256)).scalars())
    result = FilesCleanResult()
    for sha in store.unused(named):
        path = store.path(sha)
        if now - path.stat().st_mtime >= min_age:
            result.unused.append(sha)
            result.bytes += path.stat().st_size
    for path in store.stray_incoming():
        if now - path.stat().st_mtime >= min_age:
            result.partial.append(path)
            result.bytes += path.stat().st_size
    if not dry_run:
        for sha in result.unused:
            store.remove(sha)
        for path in result.partial:
            path.unlink(missing_ok=True)
    return result
