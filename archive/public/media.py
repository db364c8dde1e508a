"""Cleaned copies of attachments: the only form in which an attached file's bytes may leave the archive.

An original is never published. ``clean`` makes a copy with everything that can identify a person, a
place or a device taken out, and checks the copy with a reader before it is used:
- images: the pixels only, re-encoded (EXIF with GPS and serial numbers, XMP, IPTC, maker notes, ICC
  profiles, comments and embedded thumbnails are not carried over); the EXIF orientation is applied first,
  so the picture still stands the right way up;
- PDF: the document information, XMP metadata (of the document and of every object), annotations other
  than plain links, attached files, scripts and form actions are removed, and every embedded JPEG loses
  its metadata segments (the EXIF of a photograph pasted into a leaflet);
- audio and video: with FFmpeg (Debian's ``ffmpeg``), the streams are copied bit for bit into a new file
  with no metadata, chapters or attachments; without FFmpeg, MP3 and Ogg lose their tags through mutagen,
  WAV keeps only its format and sound chunks, and other formats cannot be cleaned;
- transcripts: rewritten as WebVTT from their cues (NOTE blocks and styles are not carried over).

A file that cannot be cleaned raises ``NotCleanable`` with the reason, and is not published. Every
output is deterministic (same original, same bytes), so rebuilds stay byte-identical.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from archive.ingest.media import EXTENSION_OF, MediaError, MediaInfo, read_cues

if TYPE_CHECKING:  # imported where used: the publisher loads them only when a site has attachments
    import pikepdf
    from PIL import Image

JPEG_QUALITY = 90
FFMPEG_SECONDS = 600


class NotCleanable(MediaError):
    """The file could not be cleaned; it is not published."""


@dataclass(frozen=True)
class Cleaned:
    data: bytes
    mime: str
    extension: str  # with the dot


def clean(path: Path, info: MediaInfo) -> Cleaned:
    """A copy of ``path`` with its metadata removed, checked; NotCleanable when that cannot be done."""
    cleaner = {"image": clean_image, "pdf": clean_pdf, "audio": clean_stream, "video": clean_stream,
               "transcript": clean_transcript}[info.kind]
    return cleaner(path, info)


# Images ---------------------------------------------------------------------------------------------------

def clean_image(path: Path, info: MediaInfo) -> Cleaned:
    from PIL import Image, ImageOps

    if info.mime == "image/heic":
        from archive.ingest.media import register_heif

        register_heif(path)
    try:
        with Image.open(path) as original:
            original.seek(0)  # the first frame of a multi-page TIFF or an animation
            upright = ImageOps.exif_transpose(original)
            pixels = _plain_pixels(upright)
    except (OSError, ValueError, SyntaxError) as exc:
        raise NotCleanable(f"{path}: the image cannot be decoded ({exc})") from exc
    lossless = info.mime in ("image/png", "image/tiff")  # scans and drawings stay sharp
    return encode_image(pixels, keep_alpha=pixels.mode == "RGBA", lossless=lossless)


def _plain_pixels(image: Image.Image) -> Image.Image:
    """A new image holding only the pixels: no ``info``, no EXIF, no palette metadata."""
    from PIL import Image

    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    converted = image.convert("RGBA" if has_alpha else "RGB")
    return Image.frombytes(converted.mode, converted.size, converted.tobytes())


def encode_image(image: Image.Image, *, keep_alpha: bool, lossless: bool = False) -> Cleaned:
    """PNG for pictures with transparency or from lossless originals, JPEG for photographs; no metadata of
    any kind is written (Pillow writes only what it is given, and the image carries no ``info``)."""
    out = io.BytesIO()
    if keep_alpha or lossless:
        image.save(out, "PNG", optimize=False)
        return Cleaned(out.getvalue(), "image/png", ".png")
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=False)
    return Cleaned(out.getvalue(), "image/jpeg", ".jpg")


def strip_jpeg_metadata(data: bytes) -> bytes:
    """A JPEG stream without APP1-APP15 and COM segments (EXIF, XMP, IPTC, maker notes), losslessly.

    APP0 (JFIF) stays: it holds only the pixel density. Everything from the start of scan on is copied
    unchanged."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG stream")
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise ValueError(f"JPEG marker expected at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA or marker == 0xD9:  # start of scan (or end): the rest is image data
            out += data[pos:]
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out += data[pos:pos + 2]
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        segment = data[pos:pos + 2 + length]
        if len(segment) < 2 + length:
            raise ValueError("truncated JPEG segment")
        if not (0xE1 <= marker <= 0xEF or marker == 0xFE):
            out += segment
        pos += 2 + length
    raise ValueError("JPEG stream without image data")


# PDF ------------------------------------------------------------------------------------------------------

_PDF_CATALOG_KEYS = ("/Metadata", "/Names", "/OpenAction", "/AA", "/AcroForm", "/PieceInfo", "/SpiderInfo",
                     "/Perms", "/Threads", "/Collection", "/URI")
_PDF_OBJECT_KEYS = ("/Metadata", "/PieceInfo", "/AA", "/LastModified")


def clean_pdf(path: Path, info: MediaInfo) -> Cleaned:
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            _strip_pdf(pdf)
            out = io.BytesIO()
            pdf.save(out, deterministic_id=True, fix_metadata_version=False, compress_streams=True,
                     object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    except (pikepdf.PdfError, OSError, ValueError, RecursionError) as exc:
        raise NotCleanable(f"{path}: the PDF cannot be cleaned ({str(exc).splitlines()[0][:200]})") from exc
    data = out.getvalue()
    _check_pdf(path, data)
    return Cleaned(data, "application/pdf", ".pdf")


def _strip_pdf(pdf: pikepdf.Pdf) -> None:
    import pikepdf

    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
    for key in _PDF_CATALOG_KEYS:
        if key in pdf.Root:
            del pdf.Root[key]
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            target = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
            for key in _PDF_OBJECT_KEYS:
                if key in target:
                    del target[key]
            if isinstance(obj, pikepdf.Stream) and target.get("/Subtype") == "/Image" \
                    and target.get("/Filter") == "/DCTDecode":
                raw = obj.read_raw_bytes()
                try:
                    obj.write(strip_jpeg_metadata(raw), filter=pikepdf.Name.DCTDecode)
                except ValueError:
                    obj.write(raw, filter=pikepdf.Name.DCTDecode)
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if annots is None:
            continue
        kept = pikepdf.Array([annot for annot in annots if _plain_link(annot)])
        for annot in kept:
            for key in ("/T", "/Contents", "/M", "/NM", "/Popup", "/RC", "/CreationDate"):
                if key in annot:
                    del annot[key]
        if len(kept):
            page.obj["/Annots"] = kept
        else:
            del page.obj["/Annots"]


def _plain_link(annot: pikepdf.Object) -> bool:
    """A link to a page or a web address; comments, form fields, sounds and scripts are dropped."""
    if annot.get("/Subtype") != "/Link":
        return False
    action = annot.get("/A")
    return action is None or action.get("/S") == "/URI"


def _check_pdf(path: Path, data: bytes) -> None:
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/Info" in pdf.trailer or "/Metadata" in pdf.Root:
            raise NotCleanable(f"{path}: metadata remained in the cleaned PDF")


# Audio and video ------------------------------------------------------------------------------------------

def clean_stream(path: Path, info: MediaInfo) -> Cleaned:
    extension = EXTENSION_OF[info.mime]  # from the type: a kept original's name has no extension
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        return Cleaned(_ffmpeg_copy(ffmpeg, path, extension), info.mime, extension)
    if info.mime in ("audio/mpeg", "audio/ogg"):
        return Cleaned(_mutagen_strip(path, extension), info.mime, extension)
    if info.mime == "audio/wav":
        return Cleaned(strip_wav(path.read_bytes()), info.mime, extension)
    raise NotCleanable(f"{path}: {info.description} can be cleaned only with FFmpeg, which is not installed "
                       "(Debian: apt-get install ffmpeg)")


def _ffmpeg_copy(ffmpeg: str, path: Path, extension: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="archive-clean-") as folder:
        out = Path(folder) / f"clean{extension}"
        command = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(path),
                   "-map", "0:a?", "-map", "0:v?", "-map", "0:s?", "-dn", "-map_metadata", "-1",
                   "-map_chapters", "-1", "-c", "copy", "-fflags", "+bitexact", "-flags:v", "+bitexact",
                   "-flags:a", "+bitexact", str(out)]
        try:
            subprocess.run(command, capture_output=True, timeout=FFMPEG_SECONDS, check=True)
        except subprocess.CalledProcessError as exc:
            reason = exc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise NotCleanable(f"{path}: FFmpeg could not copy the streams ({reason[-1] if reason else exc})") from exc
        except subprocess.TimeoutExpired as exc:
            raise NotCleanable(f"{path}: FFmpeg took more than {FFMPEG_SECONDS} s") from exc
        return out.read_bytes()


def _mutagen_strip(path: Path, extension: str) -> bytes:
    import mutagen

    with tempfile.TemporaryDirectory(prefix="archive-clean-") as folder:
        copy = Path(folder) / f"clean{extension}"
        shutil.copyfile(path, copy)
        try:
            if extension == ".mp3":
                from mutagen.apev2 import delete as delete_ape
                from mutagen.id3 import delete as delete_id3

                # Either tag may sit last in the file (APEv2 after ID3v1, or before it): strip the APE tag
                # first so that ID3v1 is found at the end, then once more for an APE tag that preceded it.
                delete_ape(copy)
                delete_id3(copy, delete_v1=True, delete_v2=True)
                delete_ape(copy)
            else:
                parsed = mutagen.File(copy)
                if parsed is not None and parsed.tags is not None:
                    parsed.delete()
        except (mutagen.MutagenError, OSError) as exc:
            raise NotCleanable(f"{path}: the tags cannot be removed ({exc})") from exc
        return copy.read_bytes()


def strip_wav(data: bytes) -> bytes:
    """A RIFF/WAVE file with only its ``fmt `` and ``data`` chunks (no LIST/INFO, bext, iXML or ID3)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise NotCleanable("not a WAV file")
    kept = bytearray()
    pos = 12
    while pos + 8 <= len(data):
        chunk_id, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if chunk_id in (b"fmt ", b"data"):
            kept += chunk_id + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")
        pos += 8 + size + (size % 2)
    if b"fmt " not in kept or b"data" not in kept:
        raise NotCleanable("the WAV file lacks its format or sound chunk")
    return b"RIFF" + struct.pack("<I", 4 + len(kept)) + b"WAVE" + bytes(kept)


# Transcripts ----------------------------------------------------------------------------------------------

def clean_transcript(path: Path, info: MediaInfo) -> Cleaned:
    lines = ["WEBVTT", ""]
    for cue in read_cues(path):
        lines += [f"{_timestamp(cue.start)} --> {_timestamp(cue.end)}", cue.text.replace("-->", "->"), ""]
    return Cleaned("\n".join(lines).encode("utf-8"), "text/vtt", ".vtt")


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
