"""Write phase: build the site in a folder beside the output, then swap it in; keep the signed manifest.

The new site is written into a hidden sibling folder (``.NAME.staging-PID-XXXX``): a file whose bytes did
not change is linked (or copied) from the previous site, the rest is written. Only when every file, the
manifest and its signature are on disk does the new folder take the old one's place, in one rename
(``renameat2(RENAME_EXCHANGE)`` on Linux, else two renames). A full disk, an error or a ``kill -9``
leaves the previous site as it was, with no temporary file in it; the next build clears what a killed
one left beside it. (Files are not fsync'd: the site can always be built again from the store.) Every
file the build did not produce is gone from the new site, so a record that was removed or made private
leaves nothing behind.

``manifest.json`` lists every file's SHA-256 (the public key files included) and the fixity log's
anchor; ``manifest.json.sig`` is its SSHSIG signature by the archive's key (see ``archive.trust.signing``).
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.errors import ArchiveError
from archive.publish.incremental import Deferred
from archive.trust.signing import SigningError, fingerprint, parse_public_key, parse_signature, verify

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
ALLOWED_SIGNERS = "allowed_signers"
PUBLIC_KEY = "signing-key.pub"
_STAGING = ".staging-"
_PREVIOUS = ".previous-"


class SiteError(ArchiveError):
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
    signature_problem: str | None = None  # None: the manifest's signature verifies
    signer: str | None = None  # the fingerprint of the key that signed the manifest

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.extra or self.signature_problem)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(site: Path) -> dict[str, str]:
    """The manifest's ``path -> sha256``; empty when the folder has none."""
    path = site / MANIFEST
    if not path.is_file():
        return {}
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SiteError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
        files = data["files"]
        out = {str(k): str(v) for k, v in files.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SiteError(f"{path} is not a site manifest: {exc}") from exc
    for name in out:
        # A manifest from a mirror is untrusted: it must not point outside the site.
        if name.startswith("/") or ".." in name.split("/") or "\\" in name:
            raise SiteError(f"{path} names a file outside the site: {name!r}")
    return out


def _existing_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def check_output_folder(out: Path) -> None:
    """Refuse a place the site cannot go: a file, a folder inside a file, a non-empty folder that holds no
    site (the build replaces the folder), or a mount point (it cannot be swapped)."""
    if not out.is_absolute():
        raise SiteError(f"{out}: give the site's folder as an absolute path")
    for parent in out.parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise SiteError(f"{out}: {parent} is a file, not a folder")
            break
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out} is a file; give a folder for the site")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise SiteError(f"{out} is not empty and holds no {MANIFEST}; choose an empty folder or a built site")
    if out.is_dir() and os.path.ismount(out):
        raise SiteError(f"{out} is a mount point, which cannot be replaced; publish into a folder inside it")


def write_site(out: Path, files: Iterable[tuple[str, bytes | Deferred]], *,
               manifest_fields: dict[str, Any] | None = None,
               sign: Callable[[bytes], str] | None = None) -> WriteReport:
    """Write ``files`` (path, bytes) as the site in ``out``, reusing unchanged files, and swap it in.

    A ``Deferred`` file is one the build expects to be unchanged: it is rendered only if the previous
    site does not hold exactly the expected bytes (by manifest digest and size). ``manifest_fields`` go
    into the manifest beside the file list; ``sign`` turns the manifest's bytes into its signature."""
    check_output_folder(out)
    clear_leftovers(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}{_STAGING}{os.getpid()}-", dir=out.parent))
    except OSError as exc:
        raise SiteError(_os_message(exc, out, "cannot create the site")) from None
    try:
        staging.chmod(_folder_mode(out))  # mkdtemp makes it owner-only; a web server must read the site
        report, changed = _write_staging(out, staging, files, manifest_fields or {}, sign)
        if changed:
            _swap_in(staging, out)
        else:
            shutil.rmtree(staging)  # every byte is already in place: leave the site alone
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise SiteError(_os_message(exc, out, "cannot write the site")) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


def _folder_mode(out: Path) -> int:
    """The previous site's mode, else what a new folder gets under the process's umask."""
    if out.is_dir():
        return out.stat().st_mode & 0o7777
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o777 & ~umask


def _os_message(exc: OSError, out: Path, what: str) -> str:
    where = exc.filename or out
    reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
    kept = f"; the previous site in {out} is unchanged" if (out / MANIFEST).is_file() else ""
    return f"{what}: {where}: {reason}{kept}"


def _write_staging(out: Path, staging: Path, files: Iterable[tuple[str, bytes | Deferred]],
                   manifest_fields: dict[str, Any], sign: Callable[[bytes], str] | None) -> tuple[WriteReport, bool]:
    """Write the new and changed files into ``staging``, then, unless nothing at all changed, link the
    unchanged ones from ``out`` and add the manifest and its signature. Return the report and whether
    anything changed."""
    previous = read_manifest(out) if out.is_dir() else {}
    report = WriteReport()
    hashes: dict[str, str] = {}
    reused: list[str] = []
    for path, data in files:
        if path in hashes or path in (MANIFEST, SIGNATURE):
            raise SiteError(f"the build produced {path} twice")
        if isinstance(data, Deferred):
            if data.digest is not None and previous.get(path) == data.digest and _size(out / path) == data.size:
                reused.append(path)
                hashes[path] = data.digest
                report.total_bytes += data.size
                report.unchanged += 1
                continue
            data = data.render()
        digest = _sha256(data)
        hashes[path] = digest
        report.total_bytes += len(data)
        # Trust the previous manifest only when the file's size also matches; verify catches the rest.
        if previous.get(path) == digest and _size(out / path) == len(data):
            reused.append(path)
            report.unchanged += 1
            continue
        _write_new(staging / path, data)
        report.written.append(path)
    report.deleted = sorted(set(previous) - set(hashes))
    manifest = json.dumps({"algorithm": "sha256", **manifest_fields, "files": dict(sorted(hashes.items()))},
                          indent=0, sort_keys=True).encode("utf-8") + b"\n"
    signature = sign(manifest).encode("ascii") if sign is not None else None
    if not report.written and not report.deleted and _holds(out / MANIFEST, manifest) and (
            signature is None or _holds(out / SIGNATURE, signature)):
        return report, False
    for path in reused:
        _reuse(out / path, staging / path)
    _write_new(staging / MANIFEST, manifest)
    if signature is not None:
        _write_new(staging / SIGNATURE, signature)
    return report, True


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _write_new(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as handle:
        handle.write(data)


def _reuse(source: Path, target: Path) -> None:
    """Link the previous site's file into the new one; copy it where links are not possible (FAT)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _swap_in(staging: Path, out: Path) -> None:
    """Put ``staging`` where ``out`` is, in one step where the system allows it."""
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous site
        return
    previous = out.with_name(f".{out.name}{_PREVIOUS}{os.getpid()}")
    os.rename(out, previous)
    try:
        os.rename(staging, out)
    except OSError:
        os.rename(previous, out)
        raise
    shutil.rmtree(previous, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically with Linux's ``renameat2``; False where it is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(b))


def clear_leftovers(out: Path) -> None:
    """Remove what a killed build left beside ``out``; bring back the previous site if it was moved aside."""
    if not out.parent.is_dir():
        return
    for path in sorted(out.parent.iterdir()):
        for marker in (_STAGING, _PREVIOUS):
            prefix = f".{out.name}{marker}"
            pid = path.name[len(prefix):].split("-", 1)[0]
            if not path.name.startswith(prefix) or not pid.isdigit() or _alive(int(pid)):
                continue
            if marker == _PREVIOUS and not out.exists():
                os.rename(path, out)  # killed between the two renames: the previous site comes back
            else:
                shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def verify_site(site: Path, key_text: str | None = None) -> VerifyReport:
    """Check a copy of a site (a mirror, a USB stick): the manifest's signature, then every file.

    The signature is checked against the key the site carries in ``allowed_signers``, or against
    ``key_text`` (a public key, as in ``signing-key.pub``) when the reader has the key from elsewhere."""
    if not site.is_dir():
        raise SiteError(f"{site} is not a folder")
    if not (site / MANIFEST).is_file():
        raise SiteError(f"{site} has no {MANIFEST}; is it a site built by 'archive build'?")
    expected = read_manifest(site)
    report = VerifyReport()
    report.signature_problem, report.signer = _check_signature(site, key_text)
    present = _existing_files(site) - {MANIFEST, SIGNATURE}
    for path, digest in sorted(expected.items()):
        target = site / path
        if path not in present:
            report.missing.append(path)
            continue
        report.checked += 1
        try:
            content = target.read_bytes()
        except OSError as exc:
            raise SiteError(f"cannot read {target}: {exc.strerror}") from None
        if _sha256(content) != digest:
            report.changed.append(path)
    report.extra = sorted(present - set(expected))
    return report


def _check_signature(site: Path, key_text: str | None) -> tuple[str | None, str | None]:
    """(what is wrong with the manifest's signature or None, the signer's fingerprint)."""
    signature = site / SIGNATURE
    if not signature.is_file():
        return f"{SIGNATURE} is missing: the manifest is not signed", None
    try:
        armored = signature.read_text(encoding="ascii")
        signer = fingerprint(parse_signature(armored).key)
    except (UnicodeDecodeError, SigningError, ValueError) as exc:
        return f"{SIGNATURE} is not a signature: {exc}", None
    if key_text is None:
        try:
            key_text = (site / ALLOWED_SIGNERS).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return f"{ALLOWED_SIGNERS} is missing or unreadable: no key to check {SIGNATURE} with", signer
        source = ALLOWED_SIGNERS
    else:
        source = "the key given"
    try:
        key = parse_public_key(key_text)
        verify(armored, (site / MANIFEST).read_bytes(), key)
    except SigningError as exc:
        return f"{SIGNATURE} does not verify {MANIFEST} with {source}: {exc}", signer
    return None, signer
