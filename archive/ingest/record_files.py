"""The ``files`` field of a record: the files it carries, named relative to the ingested file.

``files: [scans/leaflet-1937.jpg, {path: interview.mp3, caption: ..., credit: ..., licence: ...,
visibility: ..., consent: ...}]`` (in CSV: paths separated by ``;``). This module checks the field's
shape and that each path stays inside the folder of the ingested file as written (relative, no ``..``);
the files themselves (that they exist, that a symbolic link does not lead out, what they hold) are
checked when the record is stored (``archive.store.declared_files``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from archive.ingest.record_rules import VISIBILITIES, RecordError

FIELD = "files"
CONSENTS = ("given", "withdrawn", "unknown")
DESCRIBED = ("caption", "credit", "licence", "visibility", "consent")
KEYS = ("path", *DESCRIBED)
SEPARATOR = ";"


@dataclass(frozen=True)
class DeclaredFile:
    """One file a record names, with what the record says about it."""

    path: str  # relative to the ingested file's folder, with / between folders
    caption: str = ""
    credit: str = ""
    licence: str = ""
    visibility: str | None = None  # None: the record's
    consent: str | None = None


def parse_files(value: Any) -> list[DeclaredFile]:
    """The declared files of a ``files`` value; ``RecordError`` on the field ``files`` when it is malformed."""
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else \
        str(value).split(SEPARATOR)
    out: list[DeclaredFile] = []
    seen: dict[str, str] = {}
    for item in items:
        if item is None or (isinstance(item, str) and not item.strip()):
            continue
        declared = _entry(item)
        name = PurePosixPath(declared.path).name
        if name in seen:
            raise RecordError(FIELD, f"{declared.path}: the same file name as {seen[name]}; one record's files "
                                     f"need distinct names")
        seen[name] = declared.path
        out.append(declared)
    return out


def _entry(item: Any) -> DeclaredFile:
    if isinstance(item, dict):
        keys = {str(k) for k in item}
        unknown = sorted(keys - set(KEYS))
        if unknown:
            raise RecordError(FIELD, f"unknown key(s) {', '.join(unknown)} in {item!r}; a file is a path, or a "
                                     f"mapping with {', '.join(KEYS)}")
        if "path" not in keys:
            raise RecordError(FIELD, f"{item!r} has no 'path'")
        words: dict[str, Any] = {}
        for key in DESCRIBED:
            value = item.get(key)
            if value is None:
                continue
            if isinstance(value, dict | list):
                raise RecordError(FIELD, f"{item.get('path')}: {key} must be text, not a {type(value).__name__}")
            words[key] = str(value).strip()
        for key, allowed in (("visibility", VISIBILITIES), ("consent", CONSENTS)):
            if key in words:
                words[key] = words[key].lower() or None
                if words[key] is not None and words[key] not in allowed:
                    raise RecordError(FIELD, f"{item.get('path')}: {key} must be one of {', '.join(allowed)}, "
                                             f"not {item[key]!r}")
        return DeclaredFile(_path(item["path"]), **words)
    if isinstance(item, list):
        raise RecordError(FIELD, f"a file is a path or a mapping with {', '.join(KEYS)}, not a list: {item!r}")
    return DeclaredFile(_path(item))


def _path(value: Any) -> str:
    if not isinstance(value, str | int | float) or not str(value).strip():
        raise RecordError(FIELD, f"a file's path must be text, got {value!r}")
    text = str(value).strip()
    if "\\" in text:
        raise RecordError(FIELD, f"{text}: write the path with / between folders")
    if PurePosixPath(text).is_absolute() or PureWindowsPath(text).drive:
        raise RecordError(FIELD, f"{text}: an absolute path; name the file relative to the ingested file")
    parts = PurePosixPath(text).parts
    if ".." in parts:
        raise RecordError(FIELD, f"{text}: '..' leaves the folder of the ingested file; keep a record's files "
                                 f"in its folder or below")
    if not parts or parts[-1] == ".":
        raise RecordError(FIELD, f"{text}: not a file name")
    return str(PurePosixPath(*parts))
