"""Attachments' bytes: what a file is (from its bytes), hostile files refused, cleaned copies without metadata.

The cleaned copies are checked two ways: no canary planted in a metadata field remains in their bytes, and
exiftool (Debian's libimage-exiftool-perl, an independent reader) finds no field that identifies a person,
a place or a device. FFmpeg makes the Ogg, M4A, MP4 and WebM samples and cleans them; both tools are
installed by .ci/run. Where one is missing the tests that need it skip and say which (ARCHIVE_REQUIRE_MEDIA_TOOLS=1,
set in CI, makes that a failure).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from archive.errors import ArchiveError
from archive.ingest.media import MAX_IMAGE_PIXELS, MediaError, inspect_file, sniff
from archive.ingest.media_text import extract_text, installed_ocr_languages
from archive.public.media import NotCleanable, clean, strip_jpeg_metadata, strip_wav
from archive.publish.media import THUMBNAIL_PIXELS, image_derivatives, pdf_preview
from tests import media_files as make


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        package = "libimage-exiftool-perl" if name == "exiftool" else name
        message = f"{name} is not installed (Debian: apt-get install {package})"
        if os.environ.get("ARCHIVE_REQUIRE_MEDIA_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)
    return found


# exiftool groups and tags that identify a person, a place or a device
IDENTIFYING_GROUPS = ("GPS", "XMP", "IPTC", "MakerNotes", "Photoshop", "ID3", "APE", "ICC_Profile")
IDENTIFYING_TAGS = ("Artist", "Author", "Creator", "Make", "Model", "SerialNumber", "BodySerialNumber",
                    "UserComment", "Comment", "Title", "Location", "LocationInformation", "GPSPosition",
                    "GPSLatitude", "GPSLongitude", "Producer", "OwnerName", "Copyright", "ThumbnailImage",
                    "PreviewImage")


def identifying_fields(data: bytes, suffix: str, tmp_path: Path) -> dict[str, str]:
    exiftool = _tool("exiftool")
    target = tmp_path / f"cleaned-check{suffix}"
    target.write_bytes(data)
    done = subprocess.run([exiftool, "-j", "-G1", "-a", "-u", "-ee", str(target)], capture_output=True, check=True)
    fields = json.loads(done.stdout)[0]
    found = {}
    for key, value in fields.items():
        group, _, tag = key.partition(":")
        if any(group.startswith(g) for g in IDENTIFYING_GROUPS) or tag in IDENTIFYING_TAGS:
            found[key] = value
    return found


def assert_clean(original: Path, data: bytes, suffix: str, tmp_path: Path) -> None:
    assert make.leaked(original.read_bytes()), "the sample must carry canaries, or the test proves nothing"
    assert make.leaked(data) == []
    before = identifying_fields(original.read_bytes(), original.suffix, tmp_path)
    assert before, "exiftool must see identifying fields in the original"
    assert identifying_fields(data, suffix, tmp_path) == {}


@pytest.mark.parametrize("fmt,suffix", [("JPEG", ".jpg"), ("PNG", ".png"), ("TIFF", ".tif"), ("WEBP", ".webp")])
def test_images_lose_every_identifying_field_and_stand_upright(tmp_path, fmt, suffix):
    from PIL import Image

    original = make.photo(tmp_path / f"picket{suffix}", fmt=fmt)
    info = inspect_file(original)
    assert info.kind == "image" and {info.width, info.height} == {64, 32}
    cleaned = clean(original, info)
    assert_clean(original, cleaned.data, cleaned.extension, tmp_path)
    with Image.open(__import__("io").BytesIO(cleaned.data)) as image:
        assert image.size == (32, 64)  # EXIF orientation 6 applied before the EXIF was dropped
        assert not image.getexif()
        # the left half was blue: after turning 90 degrees clockwise it is the top half
        top, bottom = image.convert("RGB").getpixel((16, 4)), image.convert("RGB").getpixel((16, 60))
        assert top[2] > 150 and bottom[0] > 150
    assert cleaned.extension == (".jpg" if fmt in ("JPEG", "WEBP") else ".png")
    assert clean(original, info) == cleaned  # deterministic: rebuilds stay byte-identical


def test_jpeg_segments_are_stripped_losslessly(tmp_path):
    original = make.photo(tmp_path / "p.jpg").read_bytes()
    stripped = strip_jpeg_metadata(original)
    assert make.leaked(stripped) == []
    start_of_scan = original.index(b"\xff\xda")
    assert stripped.endswith(original[start_of_scan:])  # the compressed pixels are untouched


def test_pdf_loses_author_xmp_comments_and_the_exif_of_embedded_photos(tmp_path):
    photo = make.photo(tmp_path / "p.jpg").read_bytes()
    original = make.leaflet_pdf(tmp_path / "leaflet.pdf", photo)
    info = inspect_file(original)
    assert (info.kind, info.pages) == ("pdf", 1)
    cleaned = clean(original, info)
    assert_clean(original, cleaned.data, ".pdf", tmp_path)
    assert "Laundry room strike" in extract_text(original, info).text
    again = tmp_path / "again.pdf"
    again.write_bytes(cleaned.data)
    assert "Laundry room strike" in extract_text(again, inspect_file(again)).text  # the text survives cleaning
    assert clean(original, info) == cleaned


def test_pdf_preview_is_a_thumbnail_of_the_first_page(tmp_path):
    original = make.leaflet_pdf(tmp_path / "leaflet.pdf")
    preview = pdf_preview(clean(original, inspect_file(original)))
    assert preview.role == "preview" and max(preview.width, preview.height) == THUMBNAIL_PIXELS
    assert make.leaked(preview.data) == []


def test_image_derivatives_fit_and_carry_nothing(tmp_path):
    original = make.photo(tmp_path / "big.jpg", size=(2400, 1200))
    derivatives = image_derivatives(clean(original, inspect_file(original)))
    assert [(d.role, d.width, d.height) for d in derivatives] == [("thumbnail", 200, 400), ("web", 800, 1600)]
    for derivative in derivatives:
        assert identifying_fields(derivative.data, derivative.extension, tmp_path) == {}


def test_mp3_and_wav_lose_their_tags(tmp_path):
    for original in (make.mp3(tmp_path / "interview.mp3"), make.wav(tmp_path / "interview.wav")):
        info = inspect_file(original)
        assert info.kind == "audio" and info.seconds
        cleaned = clean(original, info)
        assert_clean(original, cleaned.data, original.suffix, tmp_path)
        assert inspect_file(_written(tmp_path, cleaned.data, original.suffix)).seconds == pytest.approx(info.seconds,
                                                                                                    abs=0.05)


def test_wav_keeps_only_format_and_sound(tmp_path):
    original = make.wav(tmp_path / "a.wav").read_bytes()
    stripped = strip_wav(original)
    assert b"LIST" not in stripped and b"id3 " not in stripped.lower()
    import wave

    with wave.open(str(_written(tmp_path, stripped, ".wav"))) as sound:
        assert sound.getnframes() == 800


@pytest.mark.parametrize("suffix", [".ogg", ".m4a", ".mp4", ".webm"])
def test_recordings_and_videos_are_copied_without_metadata(tmp_path, suffix):
    _tool("ffmpeg")
    original = make.ffmpeg_media(tmp_path / f"march{suffix}")
    info = inspect_file(original)
    cleaned = clean(original, info)
    assert_clean(original, cleaned.data, suffix, tmp_path)
    assert clean(original, info) == cleaned  # bit-exact: the same original gives the same copy


def test_without_ffmpeg_an_mp4_is_not_cleanable(tmp_path, monkeypatch):
    _tool("ffmpeg")
    original = make.ffmpeg_media(tmp_path / "march.mp4")
    info = inspect_file(original)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(NotCleanable, match="FFmpeg"):
        clean(original, info)
    mp3 = make.mp3(tmp_path / "a.mp3")
    assert make.leaked(clean(mp3, inspect_file(mp3)).data) == []  # mutagen still cleans MP3 without FFmpeg


@pytest.mark.parametrize("suffix", [".vtt", ".srt"])
def test_transcripts_become_webvtt_without_notes(tmp_path, suffix):
    original = make.transcript(tmp_path / f"interview{suffix}")
    info = inspect_file(original)
    assert extract_text(original, info).text == "We walked out at noon.\nThe laundry room stayed shut."
    cleaned = clean(original, info)
    assert cleaned.data.startswith(b"WEBVTT\n\n00:00:01.000 --> 00:00:03.500\nWe walked out at noon.\n")
    assert b"CANARYNOTE" not in cleaned.data


def test_ocr_reads_a_scanned_leaflet_or_says_why_not(tmp_path, monkeypatch):
    from PIL import Image, ImageDraw

    scan = tmp_path / "scan.png"
    image = Image.new("RGB", (900, 140), "white")
    ImageDraw.Draw(image).text((20, 40), "HUELGA GENERAL MANANA", fill="black", font_size=56)
    image.save(scan)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    installed_ocr_languages.cache_clear()
    missing = extract_text(scan, inspect_file(scan), "es")
    assert missing.text == "" and "Tesseract OCR is not installed" in missing.notice
    monkeypatch.undo()
    installed_ocr_languages.cache_clear()
    _tool("tesseract")
    read = extract_text(scan, inspect_file(scan), "es")
    assert "HUELGA" in read.text.upper()


# Hostile files ---------------------------------------------------------------------------------------------

def _written(tmp_path: Path, data: bytes, suffix: str, name: str = "file") -> Path:
    path = tmp_path / f"{name}{suffix}"
    path.write_bytes(data)
    return path


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    idat = zlib.compress(b"\x00" * 1000)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path):
    bomb = _written(tmp_path, _png_header(50_000, 50_000), ".png", "bomb")
    with pytest.raises(MediaError, match="bomb|pixels allowed"):
        inspect_file(bomb)
    assert MAX_IMAGE_PIXELS < 50_000 * 50_000


def test_a_truncated_image_is_refused(tmp_path):
    whole = make.photo(tmp_path / "whole.jpg", size=(400, 300)).read_bytes()
    cut = _written(tmp_path, whole[: len(whole) // 2], ".jpg", "cut")
    with pytest.raises(MediaError, match="damaged or truncated"):
        inspect_file(cut)


def test_a_malformed_pdf_is_refused(tmp_path):
    broken = _written(tmp_path, b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\ngarbage", ".pdf", "broken")
    with pytest.raises(MediaError, match=r"broken\.pdf: the PDF"):
        inspect_file(broken)


def test_an_extension_that_lies_is_refused(tmp_path):
    pdf = make.leaflet_pdf(tmp_path / "leaflet.pdf").read_bytes()
    liar = _written(tmp_path, pdf, ".jpg", "holiday")
    with pytest.raises(MediaError, match=r"holiday\.jpg: the name says a JPEG image but the content is a PDF"):
        inspect_file(liar)
    html = _written(tmp_path, b"<!DOCTYPE html><script>alert(1)</script>", ".mp3", "song")
    with pytest.raises(MediaError, match="content is an HTML page"):
        inspect_file(html)


def test_svg_is_refused_with_or_without_a_script(tmp_path):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
    with pytest.raises(MediaError, match="SVG is not accepted"):
        inspect_file(_written(tmp_path, svg, ".svg", "drawing"))
    with pytest.raises(MediaError, match="SVG drawing with a script"):
        inspect_file(_written(tmp_path, svg, ".png", "drawing"))


def test_unknown_empty_and_unreadable_files_get_clear_errors(tmp_path):
    with pytest.raises(MediaError, match=r"\.exe is not an accepted attachment type"):
        inspect_file(_written(tmp_path, b"MZ", ".exe"))
    with pytest.raises(MediaError, match="empty"):
        inspect_file(_written(tmp_path, b"", ".png", "empty"))
    with pytest.raises(MediaError, match="cannot be read"):
        inspect_file(tmp_path / "missing.png")
    with pytest.raises(MediaError, match="malformed|no cues"):
        inspect_file(_written(tmp_path, b"WEBVTT\n\nthis is not a cue\n", ".vtt", "bad"))
    with pytest.raises(MediaError, match="UTF-8"):
        inspect_file(_written(tmp_path, b"1\n00:00:01,000 --> 00:00:02,000\n\xff\xfe\n", ".srt", "latin"))
    assert issubclass(MediaError, ArchiveError)


def test_sniffing_names_each_accepted_type():
    assert sniff(b"\xff\xd8\xff\xe0" + bytes(60)) == "image/jpeg"
    assert sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ") == "audio/wav"
    assert sniff(b"\x00\x00\x00\x18ftypM4A \x00") == "audio/mp4"
    assert sniff(b"\x00\x00\x00\x18ftypisom\x00") == "video/mp4"
    assert sniff(b"\x00\x00\x00\x18ftypheic\x00") == "image/heic"
    assert sniff(b"OggS\x00\x02") == "audio/ogg"
    assert sniff(b"\xef\xbb\xbfWEBVTT\n") == "text/vtt"
    assert sniff(b"MZ\x90\x00") is None
