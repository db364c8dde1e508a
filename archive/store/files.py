"""The archive's ``files/`` folder: attached originals, each kept once under its SHA-256.

A file is written to a temporary name in the folder it belongs in, flushed to disk, and renamed into
place, so a crash leaves either the whole file or nothing under its name. The file is written before
the database row that names it is committed: a crash between the two leaves an unused file (which
``unused`` lists and ``archive clean files`` removes once it is an hour old), never a row without its
bytes. Kept files are read-only; their name is their hash, which ``verify`` recomputes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from archive.errors import ArchiveError

FOLDER = "files"
CHUNK = 1024 * 1024


class FileStoreError(ArchiveError):
    """A kept file could not be written or read."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class FileStore:
    """The ``files/`` folder of the archive at ``root``."""

    def __init__(self, archive_root: Path) -> None:
        self.root = archive_root / FOLDER

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, source: Path) -> str:
        """Keep a copy of ``source``; its SHA-256. Keeping the same bytes again writes nothing."""
        digest = hashlib.sha256()
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            handle, temporary = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
            with os.fdopen(handle, "wb") as out, source.open("rb") as data:
                for block in iter(lambda: data.read(CHUNK), b""):
                    digest.update(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path(sha)
            if target.is_file():
                os.unlink(temporary)
                return sha
            target.parent.mkdir(exist_ok=True)
            os.chmod(temporary, 0o444)
            os.replace(temporary, target)
            _fsync_folder(target.parent)
            return sha
        except OSError as exc:
            if "temporary" in locals() and os.path.exists(temporary):
                os.unlink(temporary)
            raise FileStoreError(f"{source}: cannot be kept in {self.root}: {exc.strerror or exc}") from exc

    def open(self, sha256: str):  # noqa: ANN201 (a binary file object)
        try:
            return self.path(sha256).open("rb")
        except OSError as exc:
            raise FileStoreError(f"kept file {sha256} cannot be read: {exc.strerror or exc}") from exc

    def check(self, sha256: str) -> str | None:
        """None when the kept file is there and its bytes still hash to its name, else what is wrong."""
        path = self.path(sha256)
        if not path.is_file():
            return f"file {sha256} is missing from {self.root}"
        actual = sha256_of(path)
        return None if actual == sha256 else f"file {sha256} has changed: its bytes now hash to {actual}"

    def kept(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and len(folder.name) == 2:
                for path in sorted(folder.iterdir()):
                    if len(path.name) == 64:
                        yield path.name

    def unused(self, used: Iterable[str]) -> list[str]:
        wanted = set(used)
        return [sha for sha in self.kept() if sha not in wanted]

    def remove(self, sha256: str) -> None:
        path = self.path(sha256)
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise FileStoreError(f"kept file {sha256} cannot be removed: {exc.strerror or exc}") from exc

    def stray_incoming(self) -> list[Path]:
        """Temporary files a crash left behind (never named by the database)."""
        return sorted(self.root.glob(".incoming-*")) if self.root.is_dir() else []


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
