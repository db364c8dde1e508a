"""What an attached file is, and whether it is safe to keep: the type from its bytes, within limits.

A file's name is a claim; its first bytes say what it is. ``inspect_file`` reads the bytes, names the type
(image, PDF, audio, video, transcript), checks that the extension agrees, and opens the file with the
library made for its type, so that a truncated image, a malformed PDF or a decompression bomb is refused
here, with a message naming the file, before anything is stored. SVG is refused: it can carry scripts,
and the archive publishes only files it can clean (docs/attachments.md).

Limits (also in docs/attachments.md): ``MAX_BYTES`` per kind, ``MAX_IMAGE_PIXELS`` (all frames together),
``MAX_PDF_PAGES``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from archive.errors import ArchiveError

MIB = 1024 * 1024
MAX_BYTES = {"image": 64 * MIB, "pdf": 256 * MIB, "audio": 512 * MIB, "video": 2048 * MIB, "transcript": 8 * MIB}
MAX_IMAGE_PIXELS = 80_000_000  # 80 megapixels: a large scan at 600 dpi, far below what exhausts memory
MAX_PDF_PAGES = 2_000

# extension -> (kind, MIME type)
EXTENSIONS: dict[str, tuple[str, str]] = {
    ".jpg": ("image", "image/jpeg"), ".jpeg": ("image", "image/jpeg"), ".png": ("image", "image/png"),
    ".tif": ("image", "image/tiff"), ".tiff": ("image", "image/tiff"), ".webp": ("image", "image/webp"),
    ".heic": ("image", "image/heic"), ".heif": ("image", "image/heic"),
    ".pdf": ("pdf", "application/pdf"),
    ".mp3": ("audio", "audio/mpeg"), ".ogg": ("audio", "audio/ogg"), ".oga": ("audio", "audio/ogg"),
    ".opus": ("audio", "audio/ogg"), ".wav": ("audio", "audio/wav"), ".m4a": ("audio", "audio/mp4"),
    ".mp4": ("video", "video/mp4"), ".m4v": ("video", "video/mp4"), ".webm": ("video", "video/webm"),
    ".vtt": ("transcript", "text/vtt"), ".srt": ("transcript", "application/x-subrip"),
}
# The usual extension of each accepted type (a kept original has no name; its copies get these).
EXTENSION_OF = {"image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif", "image/webp": ".webp",
                "image/heic": ".heic", "application/pdf": ".pdf", "audio/mpeg": ".mp3", "audio/ogg": ".ogg",
                "audio/wav": ".wav", "audio/mp4": ".m4a", "video/mp4": ".mp4", "video/webm": ".webm",
                "text/vtt": ".vtt", "application/x-subrip": ".srt"}
DESCRIPTIONS = {
    "image/jpeg": "a JPEG image", "image/png": "a PNG image", "image/tiff": "a TIFF image",
    "image/webp": "a WebP image", "image/heic": "a HEIC image", "application/pdf": "a PDF document",
    "audio/mpeg": "an MP3 recording", "audio/ogg": "an Ogg recording", "audio/wav": "a WAV recording",
    "audio/mp4": "an M4A recording", "video/mp4": "an MP4 video", "video/webm": "a WebM video",
    "text/vtt": "a WebVTT transcript", "application/x-subrip": "an SRT transcript",
    "image/svg+xml": "an SVG drawing", "text/html": "an HTML page", "application/zip": "a ZIP archive",
}
_MP4_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


class MediaError(ArchiveError, ValueError):
    """An attachment that cannot be kept: the message names the file and what is wrong."""


@dataclass(frozen=True)
class MediaInfo:
    kind: str  # image, pdf, audio, video or transcript
    mime: str
    size: int
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    seconds: float | None = None

    @property
    def description(self) -> str:
        return DESCRIPTIONS.get(self.mime, self.mime)


def sniff(head: bytes) -> str | None:
    """The MIME type the first bytes (at least 64) show, or None when no accepted type matches."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIC_BRANDS:
            return "image/heic"
        return "audio/mp4" if brand in _MP4_AUDIO_BRANDS else "video/mp4"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"WEBVTT"):
        return "text/vtt"
    if _looks_like_srt(text):
        return "application/x-subrip"
    lowered = text[:512].lower()
    if b"<svg" in lowered:
        return "image/svg+xml"
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    return None


def _looks_like_srt(text: bytes) -> bool:
    lines = text.replace(b"\r\n", b"\n").split(b"\n", 2)
    return len(lines) >= 2 and lines[0].strip().isdigit() and b"-->" in lines[1]


def inspect_file(path: Path) -> MediaInfo:
    """Identify ``path`` from its bytes and open it fully with its type's reader; MediaError if it cannot be kept."""
    expected = EXTENSIONS.get(path.suffix.lower())
    if path.suffix.lower() == ".svg":
        raise MediaError(f"{path}: SVG is not accepted as an attachment: it can carry scripts and links that run "
                         "in a reader's browser. Export it as PNG and attach that")
    if expected is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise MediaError(f"{path}: {path.suffix or 'no extension'} is not an accepted attachment type "
                         f"(accepted: {known})")
    kind, mime = expected
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise MediaError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    if size == 0:
        raise MediaError(f"{path}: the file is empty")
    if size > MAX_BYTES[kind]:
        raise MediaError(f"{path}: {size / MIB:.0f} MiB is more than the {MAX_BYTES[kind] // MIB} MiB allowed "
                         f"for {kind} attachments")
    found = sniff(head)
    if found == "image/svg+xml" and b"<script" in head.lower():
        raise MediaError(f"{path}: the file is an SVG drawing with a script in it, not {DESCRIPTIONS[mime]}")
    if found != mime:
        actual = DESCRIPTIONS.get(found or "", "of a type the archive does not accept")
        raise MediaError(f"{path}: the name says {DESCRIPTIONS[mime]} but the content is {actual}")
    reader = {"image": _inspect_image, "pdf": _inspect_pdf, "audio": _inspect_audio, "video": _inspect_video,
              "transcript": _inspect_transcript}[kind]
    return reader(path, MediaInfo(kind=kind, mime=mime, size=size))


def _inspect_image(path: Path, info: MediaInfo) -> MediaInfo:
    from PIL import Image, UnidentifiedImageError

    if info.mime == "image/heic":
        register_heif(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as image:
                width, height = image.size
                frames = getattr(image, "n_frames", 1)
                if width * height * frames > MAX_IMAGE_PIXELS:
                    raise MediaError(f"{path}: {width}x{height} pixels{f' in {frames} frames' if frames > 1 else ''} "
                                     f"is more than the {MAX_IMAGE_PIXELS:,} pixels allowed")
                for frame in range(frames):
                    image.seek(frame)
                    image.load()  # decodes every pixel: a truncated or corrupt file fails here
        except MediaError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise MediaError(f"{path}: refused as a decompression bomb ({exc})") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise MediaError(f"{path}: the image is damaged or truncated ({exc})") from exc
    return MediaInfo(info.kind, info.mime, info.size, width=width, height=height)


def register_heif(path: Path) -> None:
    try:
        import pillow_heif  # type: ignore[import-not-found]  # optional: HEIC where it is installed
    except ImportError as exc:
        raise MediaError(f"{path}: HEIC images need the pillow-heif package "
                         "(pip install pillow-heif), or convert it to JPEG") from exc
    pillow_heif.register_heif_opener()


def _inspect_pdf(path: Path, info: MediaInfo) -> MediaInfo:
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            pages = len(pdf.pages)
    except pikepdf.PasswordError as exc:
        raise MediaError(f"{path}: the PDF is encrypted; attach an unencrypted copy") from exc
    except (pikepdf.PdfError, OSError, RecursionError, ValueError) as exc:
        raise MediaError(f"{path}: the PDF is damaged ({_first_line(exc)})") from exc
    if pages == 0:
        raise MediaError(f"{path}: the PDF has no pages")
    if pages > MAX_PDF_PAGES:
        raise MediaError(f"{path}: {pages} pages is more than the {MAX_PDF_PAGES} allowed")
    return MediaInfo(info.kind, info.mime, info.size, pages=pages)


def _inspect_audio(path: Path, info: MediaInfo) -> MediaInfo:
    return MediaInfo(info.kind, info.mime, info.size, seconds=_stream_seconds(path, info))


def _inspect_video(path: Path, info: MediaInfo) -> MediaInfo:
    if info.mime == "video/webm":
        return info  # mutagen does not read Matroska; the EBML header and the doctype were checked
    return MediaInfo(info.kind, info.mime, info.size, seconds=_stream_seconds(path, info))


def _stream_seconds(path: Path, info: MediaInfo) -> float | None:
    import mutagen

    try:
        parsed = mutagen.File(path)
    except (mutagen.MutagenError, OSError, ValueError, EOFError, IndexError, KeyError) as exc:
        raise MediaError(f"{path}: {info.description} that cannot be read ({_first_line(exc)})") from exc
    if parsed is None or parsed.info is None:
        raise MediaError(f"{path}: {info.description} that cannot be read")
    length = getattr(parsed.info, "length", None)
    return round(float(length), 3) if length else None


def _inspect_transcript(path: Path, info: MediaInfo) -> MediaInfo:
    read_cues(path)
    return info


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str


def read_cues(path: Path) -> list[Cue]:
    """The cues of a WebVTT or SRT transcript (UTF-8; which one, its first line says); MediaError naming
    what is wrong."""
    import webvtt
    from webvtt.errors import MalformedFileError

    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MediaError(f"{path}: a transcript must be UTF-8 text (byte {exc.start} is not)") from exc
    srt = not path.read_bytes()[:16].lstrip(b"\xef\xbb\xbf").lstrip().startswith(b"WEBVTT")
    try:
        captions = webvtt.from_srt(str(path)) if srt else webvtt.read(str(path))
    except (MalformedFileError, ValueError, IndexError) as exc:
        raise MediaError(f"{path}: the transcript is malformed ({_first_line(exc)})") from exc
    cues = [Cue(_seconds(c.start), _seconds(c.end), c.text.strip()) for c in captions.captions]
    if not cues:
        raise MediaError(f"{path}: the transcript has no cues")
    return cues


def _seconds(timestamp: str) -> float:
    parts = timestamp.replace(",", ".").split(":")
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return round(total, 3)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
