"""Write phase: put files in the output folder incrementally, keep the manifest, verify a copy.

A file is rewritten only when its bytes changed, and every file the build did not produce is deleted,
so a record that was removed or made private leaves nothing behind. Each write goes to a temporary file
first and is renamed into place, so a reader never sees half a page.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from archive.publish.incremental import Deferred

MANIFEST = "manifest.json"


class SiteError(Exception):
    """The output folder cannot be used, or a site copy cannot be read."""


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    total_bytes: int = 0

    @property
    def files(self) -> int:
        return len(self.written) + self.unchanged


@dataclass
class VerifyReport:
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.extra)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(site: Path) -> dict[str, str]:
    """The manifest's ``path -> sha256``; empty when the folder has none."""
    path = site / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SiteError(f"{path} is not a site manifest: {exc}") from exc
    out = {str(k): str(v) for k, v in files.items()}
    for name in out:
        # A manifest from a mirror is untrusted: it must not point outside the site.
        if name.startswith("/") or ".." in name.split("/") or "\\" in name:
            raise SiteError(f"{path} names a file outside the site: {name!r}")
    return out


def _existing_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def check_output_folder(out: Path) -> None:
    """Refuse a non-empty folder that holds no site: the build deletes files it did not write."""
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out} is a file; give a folder for the site")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise SiteError(f"{out} is not empty and holds no {MANIFEST}; choose an empty folder or a built site")


def write_site(out: Path, files: Iterable[tuple[str, bytes | Deferred]]) -> WriteReport:
    """Write ``files`` (path, bytes) under ``out``, skipping unchanged ones and deleting the rest.

    A ``Deferred`` file is one the build expects to be unchanged: it is rendered only if the folder
    does not hold exactly the expected bytes (by manifest digest and size)."""
    check_output_folder(out)
    previous = read_manifest(out)
    out.mkdir(parents=True, exist_ok=True)
    report = WriteReport()
    hashes: dict[str, str] = {}
    for path, data in files:
        if path in hashes or path == MANIFEST:
            raise SiteError(f"the build produced {path} twice")
        target = out / path
        if isinstance(data, Deferred):
            if previous.get(path) == data.digest and _size(target) == data.size:
                hashes[path] = data.digest
                report.total_bytes += data.size
                report.unchanged += 1
                continue
            data = data.render()
        digest = _sha256(data)
        hashes[path] = digest
        report.total_bytes += len(data)
        # Trust the previous manifest only when the file's size also matches; verify catches the rest.
        if previous.get(path) == digest and _size(target) == len(data):
            report.unchanged += 1
            continue
        _atomic_write(target, data)
        report.written.append(path)
    # Stale files are those the last build wrote (its manifest) and this one did not. A folder without a
    # manifest was empty (see check_output_folder), so nothing else of ours can be there.
    for stale in sorted(set(previous) - set(hashes)):
        if (out / stale).is_file():
            (out / stale).unlink()
            report.deleted.append(stale)
    _remove_empty_folders(out, {str(Path(p).parent) for p in report.deleted})
    manifest = json.dumps({"algorithm": "sha256", "files": dict(sorted(hashes.items()))},
                          indent=0, sort_keys=True).encode("utf-8") + b"\n"
    if not (out / MANIFEST).is_file() or (out / MANIFEST).read_bytes() != manifest:
        _atomic_write(out / MANIFEST, manifest)
    return report


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _remove_empty_folders(root: Path, folders: set[str]) -> None:
    """Remove the folders (relative paths) that deletions left empty, deepest first, and their parents."""
    candidates = set()
    for folder in folders:
        parts = Path(folder).parts
        candidates.update(Path(*parts[:n]) for n in range(1, len(parts) + 1) if parts[0] != ".")
    for folder in sorted(candidates, key=lambda p: len(p.parts), reverse=True):
        path = root / folder
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def verify_site(site: Path) -> VerifyReport:
    """Check a copy of a site (a mirror, a USB stick) against its manifest."""
    if not site.is_dir():
        raise SiteError(f"{site} is not a folder")
    if not (site / MANIFEST).is_file():
        raise SiteError(f"{site} has no {MANIFEST}; is it a site built by 'archive build'?")
    expected = read_manifest(site)
    present = _existing_files(site) - {MANIFEST}
    report = VerifyReport()
    for path, digest in sorted(expected.items()):
        target = site / path
        if path not in present:
            report.missing.append(path)
            continue
        report.checked += 1
        if _sha256(target.read_bytes()) != digest:
            report.changed.append(path)
    report.extra = sorted(present - set(expected))
    return report
