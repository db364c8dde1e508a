"""Attachments on the site: cleaned copies and their derivatives, and what record pages show of them.

The projection (``archive.public``) says which attachments are published; this module makes, for each,
the cleaned copy (``archive.public.media.clean``: never the original) and its reading derivatives
(``archive.publish.media``), names them from the record's published slug and the attachment's number
(``media/account/laundry-walkout-1.jpg``: the original file name may name a person and is never used),
and gives the templates one ``MediaView`` per file. A file that cannot be cleaned is left out, and the
build report says which and why.

Cleaning is deterministic but not free (a PDF, a recording), so its results are kept in
``ARCHIVE/.media-cache/``, keyed by the original's SHA-256 and the cleaner's version: a rebuild cleans
only new files and stays byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from archive.ingest.media import MediaError, MediaInfo, read_cues
from archive.public.graph import AttachedFile, Graph, Item
from archive.public.media import Cleaned, NotCleanable, clean
from archive.publish.i18n import N_
from archive.publish.media import Derivative, image_derivatives, pdf_preview
from archive.store.files import FileStore

MEDIA_FOLDER = "media"
LISTED = 200  # files listed on a struggle's or a wave's page
CACHE_FOLDER = ".media-cache"
# Bump when cleaning or derivatives change, so that cached copies are made again.
CLEANER_VERSION = "1"
# Translated where they are shown (templates/attachments.html); marked here for the catalog.
KIND_LABELS = {"image": N_("Image"), "pdf": N_("PDF document"), "audio": N_("Recording"), "video": N_("Video"),
               "transcript": N_("Transcript")}


@dataclass(frozen=True)
class Cue:
    start: float
    label: str  # 00:01:12
    text: str


@dataclass(frozen=True)
class MediaView:
    """One published attachment as a template shows it (paths relative to the site's root)."""

    number: int
    kind: str
    label: str  # "Image", "PDF document", ...
    href: str  # the cleaned file, for download
    mime: str
    size: int
    size_label: str
    caption: str
    credit: str
    licence: str
    language: str | None
    thumbnail: str | None = None  # an image's or a PDF's first page, small
    display: str | None = None  # the image shown on the page (web-sized when the original is large)
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    duration: str | None = None
    track: str | None = None  # a transcript beside a recording, as WebVTT for the player
    cues: tuple[Cue, ...] = ()  # a transcript's cues, each a link to its moment in the recording
    media_href: str | None = None  # for a transcript: the recording its cues point into


@dataclass
class MediaPlan:
    """Every published attachment's files and views, made before any page is rendered."""

    views: dict[int, list[MediaView]] = field(default_factory=dict)  # record id -> views in order
    files: dict[str, bytes] = field(default_factory=dict)  # site path -> bytes
    refused: list[str] = field(default_factory=list)  # "type/slug: attachment N (...): reason"

    def of(self, item: Item) -> list[MediaView]:
        return self.views.get(item.id, [])

    def around(self, item: Item, limit: int = LISTED) -> tuple[list[tuple[Item, MediaView]], int]:
        """The files of a struggle's accounts, or of a wave's struggles and their accounts: the first
        ``limit`` and how many there are."""
        if item.type == "struggle":
            owners = item.linking("struggles", "account")
        elif item.type == "wave":
            struggles = item.linking("waves", "struggle")
            owners = struggles + [a for s in struggles for a in s.linking("struggles", "account")]
            owners += [a for a in item.linking("waves", "account") if a not in owners]
        else:
            return [], 0
        listed = [(owner, view) for owner in owners for view in self.of(owner)]
        return listed[:limit], len(listed)

    def state(self) -> str:
        """What decides how pages show media, for the page fingerprints."""
        return hashlib.sha256(json.dumps(sorted(self.refused)).encode()).hexdigest()[:16]


def plan_media(data: Graph, archive_root: Path) -> MediaPlan:
    """Clean every attachment the projection publishes and plan its files and views."""
    plan = MediaPlan()
    store = FileStore(archive_root)
    cache = _Cache(archive_root / CACHE_FOLDER / _cleaner_key())
    for items in data.items.values():
        for item in items.values():
            if item.attachments:
                _plan_item(item, store, cache, plan)
    return plan


def media_files(plan: MediaPlan) -> Iterator[tuple[str, bytes]]:
    for path in sorted(plan.files):
        yield path, plan.files[path]


def _plan_item(item: Item, store: FileStore, cache: _Cache, plan: MediaPlan) -> None:
    base = f"{MEDIA_FOLDER}/{item.type}/{item.slug}"
    views: list[MediaView] = []
    for attached in item.attachments:
        where = f"{item.key}: attachment {attached.number} ({KIND_LABELS.get(attached.kind, attached.kind).lower()}" \
                f"{', ' + repr(attached.caption[:60]) if attached.caption else ''})"
        try:
            cleaned, derivatives = cache.get(attached, store)
        except (NotCleanable, MediaError, OSError) as exc:
            plan.refused.append(f"{where}: not published: {_reason(exc)}")
            continue
        name = f"{base}-{attached.number}"
        plan.files[name + cleaned.extension] = cleaned.data
        extra: dict[str, object] = {}
        for derivative in derivatives:
            path = f"{name}.{derivative.role}{derivative.extension}"
            plan.files[path] = derivative.data
            if derivative.role in ("thumbnail", "preview"):
                extra["thumbnail"] = path
            if derivative.role == "web":
                extra["display"] = path
        if attached.kind == "image":
            extra.setdefault("display", name + cleaned.extension)
        view = MediaView(
            number=attached.number, kind=attached.kind, label=KIND_LABELS.get(attached.kind, attached.kind),
            href=name + cleaned.extension, mime=cleaned.mime, size=len(cleaned.data),
            size_label=size_label(len(cleaned.data)), caption=attached.caption, credit=attached.credit,
            licence=attached.licence, language=attached.language, width=attached.width, height=attached.height,
            pages=attached.pages, duration=clock(attached.seconds) if attached.seconds else None,
            cues=_cues(cleaned) if attached.kind == "transcript" else (), **extra)  # type: ignore[arg-type]
        views.append(view)
    plan.views[item.id] = _pair_transcripts(views)


def _pair_transcripts(views: list[MediaView]) -> list[MediaView]:
    """A transcript beside a recording: the player gets it as its track, its cues link into the recording."""
    recordings = [v for v in views if v.kind in ("audio", "video")]
    transcripts = [v for v in views if v.kind == "transcript"]
    if not recordings or not transcripts:
        return views
    paired: dict[int, MediaView] = {}
    for recording, transcript in zip(recordings, transcripts, strict=False):
        paired[recording.number] = _replace(recording, track=transcript.href)
        paired[transcript.number] = _replace(transcript, media_href=recording.href)
    return [paired.get(v.number, v) for v in views]


def _replace(view: MediaView, **changes: object) -> MediaView:
    from dataclasses import replace

    return replace(view, **changes)  # type: ignore[arg-type]


def _cues(cleaned: Cleaned) -> tuple[Cue, ...]:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="archive-cues-") as folder:
        path = Path(folder) / "transcript.vtt"
        path.write_bytes(cleaned.data)
        return tuple(Cue(cue.start, clock(cue.start), cue.text) for cue in read_cues(path))


def clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def size_label(size: int) -> str:
    for unit, step in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if size >= step:
            return f"{size / step:.1f} {unit}"
    return f"{size} B"


def _reason(exc: BaseException) -> str:
    text = str(exc)
    # The message names the original's path in files/ (its hash): keep only the reason.
    return text.split(": ", 1)[1] if ": " in text and text.startswith("/") else text


def _cleaner_key() -> str:
    """The cleaner's version with the versions of the libraries and tools whose output it keeps."""
    from importlib.metadata import PackageNotFoundError, version

    parts = [CLEANER_VERSION]
    for package in ("pillow", "pikepdf", "pypdfium2", "mutagen", "webvtt-py"):
        try:
            parts.append(f"{package}={version(package)}")
        except PackageNotFoundError:
            parts.append(f"{package}=none")
    parts.append(f"ffmpeg={'yes' if shutil.which('ffmpeg') else 'no'}")
    return hashlib.sha256(" ".join(parts).encode()).hexdigest()[:16]


class _Cache:
    """Cleaned copies and derivatives by original SHA-256, on disk between builds."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, attached: AttachedFile, store: FileStore) -> tuple[Cleaned, list[Derivative]]:
        entry = self.folder / attached.sha256
        index = entry / "index.json"
        if index.is_file():
            try:
                return self._read(entry, json.loads(index.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError):
                shutil.rmtree(entry, ignore_errors=True)
        info = MediaInfo(kind=attached.kind, mime=attached.mime, size=attached.size, width=attached.width,
                         height=attached.height, pages=attached.pages, seconds=attached.seconds)
        original = store.path(attached.sha256)
        if not original.is_file():
            raise NotCleanable(f"the kept original {attached.sha256[:12]} is missing ('archive verify' checks them)")
        cleaned = clean(original, info)
        derivatives: list[Derivative] = []
        if attached.kind == "image":
            derivatives = image_derivatives(cleaned)
        elif attached.kind == "pdf":
            derivatives = [pdf_preview(cleaned)]
        self._write(entry, cleaned, derivatives)
        return cleaned, derivatives

    @staticmethod
    def _read(entry: Path, index: dict) -> tuple[Cleaned, list[Derivative]]:
        cleaned = Cleaned((entry / "cleaned").read_bytes(), index["mime"], index["extension"])
        derivatives = [Derivative(d["role"], (entry / d["role"]).read_bytes(), d["mime"], d["extension"], d["width"],
                                  d["height"]) for d in index["derivatives"]]
        return cleaned, derivatives

    @staticmethod
    def _write(entry: Path, cleaned: Cleaned, derivatives: list[Derivative]) -> None:
        try:
            partial = entry.with_name(entry.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            (partial / "cleaned").write_bytes(cleaned.data)
            for derivative in derivatives:
                (partial / derivative.role).write_bytes(derivative.data)
            index = {"mime": cleaned.mime, "extension": cleaned.extension,
                     "derivatives": [{"role": d.role, "mime": d.mime, "extension": d.extension, "width": d.width,
                                      "height": d.height} for d in derivatives]}
            (partial / "index.json").write_text(json.dumps(index, sort_keys=True), encoding="utf-8")
            shutil.rmtree(entry, ignore_errors=True)
            os.replace(partial, entry)
        except OSError:
            pass  # a cache that cannot be written only costs the next build the cleaning again
