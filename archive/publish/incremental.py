"""Skip rendering pages whose inputs have not changed since the last build.

A page's fingerprint is the SHA-256 of everything its template can see: the context, with each record
reduced to its id and a content hash of the fields templates read (computed once per record and build,
however many pages show the record), the site settings, and the text of every template. Templates only read what
the context hands them, never a record's links, so an unchanged fingerprint means unchanged bytes. The
previous build's bytes are then trusted only if the output folder's manifest still lists the same digest
for that path and the file has the same size; otherwise the page is rendered after all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.publish.model import Item


class NotFingerprintable(Exception):
    """The context holds something (a function) whose output cannot be known without calling it."""


@dataclass
class Deferred:
    """A page that may not need rendering: its expected digest and size, and how to render it."""

    digest: str | None
    size: int
    render: Callable[[], bytes]


# Item -> its content hash. Weak keys: a build's records are freed with it, and a later build's new
# objects (even at a reused address) get their own entry.
_ITEM_DIGESTS: weakref.WeakKeyDictionary[Item, str] = weakref.WeakKeyDictionary()


def item_digest(item: Item) -> str:
    """A hash of what a template can read of a record: key, title, body, language, stub, fields, tags and
    attachments."""
    digest = _ITEM_DIGESTS.get(item)
    if digest is None:
        text = json.dumps([item.key, item.title, item.body, item.language, item.is_stub, _plain(item.fields),
                           item.tags, _plain(item.attachments)], sort_keys=True, ensure_ascii=False, default=str)
        digest = _ITEM_DIGESTS[item] = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    return digest


def _plain(value: Any) -> Any:
    if isinstance(value, Item):
        return f"{value.id}:{item_digest(value)}"
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise NotFingerprintable(type(value).__name__)


def templates_salt(folders: list[Path], extra: dict[str, Any]) -> str:
    """A digest of every template file (the user's and the bundled ones) and the site settings."""
    digest = hashlib.sha256(json.dumps(extra, sort_keys=True).encode())
    for folder in folders:
        if folder.is_dir():
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def fingerprint(salt: str, path: str, template: str, context: dict[str, Any], language: str | None) -> str | None:
    """The page's fingerprint, or None when it cannot be computed (then the page is always rendered)."""
    try:
        plain = _plain(context)
    except NotFingerprintable:
        return None
    text = json.dumps([salt, path, template, language, plain], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
