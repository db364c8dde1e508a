"""Real attachment files made for the tests, each carrying canaries in every metadata field it can hold.

A canary is a word that appears nowhere else: if it is found in a cleaned file (as bytes, in UTF-8 or
UTF-16, or by exiftool), metadata leaked.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import wave
from pathlib import Path

CANARIES = ("CANARYARTIST", "CANARYMAKE", "CANARYMODEL", "CANARYSERIAL", "CANARYXMP", "CANARYCOMMENT",
            "CANARYAUTHOR", "CANARYTITLE", "CANARYID3", "CANARYINFO", "CANARYNOTE", "CANARYANNOT")
GPS = {1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (79.0, 58.0, 56.0)}  # GPSLatitudeRef .. GPSLongitude
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>CANARYXMP</dc:creator>'
       b'</rdf:Description></rdf:RDF></x:xmpmeta>')


def leaked(data: bytes) -> list[str]:
    """The canaries found in ``data``, as UTF-8/ASCII or UTF-16 (PDF strings and ID3 frames use both)."""
    return [c for c in CANARIES
            if c.encode() in data or c.encode("utf-16-le") in data or c.encode("utf-16-be") in data]


def _exif():
    from PIL import Image

    exif = Image.Exif()
    exif[0x013B] = "CANARYARTIST"  # Artist
    exif[0x010F] = "CANARYMAKE"  # Make
    exif[0x0110] = "CANARYMODEL"  # Model
    exif[0x0112] = 6  # Orientation: rotated, so the cleaned picture must be turned upright
    exif[0x9286] = "CANARYCOMMENT"  # UserComment (stored in the main IFD here; readers still find it)
    exif.get_ifd(0x8769)[0xA431] = "CANARYSERIAL"  # BodySerialNumber in the Exif IFD
    exif.get_ifd(0x8825).update(GPS)
    return exif


def photo(path: Path, size: tuple[int, int] = (64, 32), fmt: str = "JPEG") -> Path:
    """A picture with GPS, camera, serial number, artist, XMP and a comment; wider than tall before rotation."""
    from PIL import Image, PngImagePlugin

    image = Image.new("RGB", size, (200, 30, 30))
    for x in range(size[0] // 2):
        for y in range(size[1]):
            image.putpixel((x, y), (20, 20, 200))
    if fmt == "JPEG":
        image.save(path, "JPEG", exif=_exif(), xmp=XMP, comment=b"CANARYCOMMENT", quality=85)
    elif fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", "CANARYAUTHOR")
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
        image.save(path, "PNG", pnginfo=info, exif=_exif())
    elif fmt == "TIFF":
        image.save(path, "TIFF", exif=_exif())
    elif fmt == "WEBP":
        image.save(path, "WEBP", exif=_exif(), xmp=XMP, lossless=True)
    return path


def leaflet_pdf(path: Path, photo_jpeg: bytes | None = None) -> Path:
    """A one-page PDF with text, author metadata, XMP, a comment annotation and (optionally) a photo whose
    embedded JPEG keeps its EXIF."""
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    content = b"BT /F1 18 Tf 72 720 Td (Laundry room strike meeting tonight) Tj ET"
    if photo_jpeg is not None:
        import io

        from PIL import Image

        with Image.open(io.BytesIO(photo_jpeg)) as im:
            width, height = im.size
        image = pikepdf.Stream(pdf, photo_jpeg)
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height, image.BitsPerComponent = width, height, 8
        image.ColorSpace, image.Filter = pikepdf.Name.DeviceRGB, pikepdf.Name.DCTDecode
        resources.XObject = pikepdf.Dictionary(Im1=image)
        content += b" q 128 0 0 64 72 500 cm /Im1 Do Q"
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792], Resources=resources,
                              Contents=pikepdf.Stream(pdf, content))
    page.Annots = pdf.make_indirect(pikepdf.Array([pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[10, 10, 50, 50],
        T=pikepdf.String("CANARYANNOT"), Contents=pikepdf.String("CANARYNOTE"))]))
    pdf.pages.append(pikepdf.Page(page))
    pdf.docinfo["/Author"] = "CANARYAUTHOR"
    pdf.docinfo["/Title"] = "CANARYTITLE"
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:creator"] = ["CANARYXMP"]
    pdf.save(path)
    return path


def mp3(path: Path, frames: int = 40) -> Path:
    """A silent MPEG-1 Layer III stream (128 kbit/s, 44.1 kHz) with ID3v2, ID3v1 and APEv2 tags."""
    from mutagen.apev2 import APEv2
    from mutagen.id3 import COMM, ID3, TIT2, TPE1

    header = bytes([0xFF, 0xFB, 0x90, 0x64])
    frame = header + bytes(417 - 4)
    path.write_bytes(frame * frames)
    tags = ID3()
    tags.add(TPE1(encoding=3, text="CANARYID3"))
    tags.add(TIT2(encoding=1, text="CANARYTITLE"))
    tags.add(COMM(encoding=3, lang="eng", desc="", text="CANARYCOMMENT"))
    tags.save(path, v1=2)
    ape = APEv2()
    ape["Artist"] = "CANARYARTIST"
    ape.save(path)
    return path


def wav(path: Path) -> Path:
    """A short WAV with a LIST/INFO chunk naming the artist and an ID3 chunk."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes(1600))
    data = path.read_bytes()
    info_body = b"INFO" + b"IART" + struct.pack("<I", 14) + b"CANARYARTIST\x00\x00"
    info = b"LIST" + struct.pack("<I", len(info_body)) + info_body
    body = data[12:] + info
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    from mutagen.id3 import TPE1
    from mutagen.wave import WAVE

    tagged = WAVE(path)
    tagged.add_tags()
    tagged.tags.add(TPE1(encoding=3, text="CANARYID3"))
    tagged.save()
    return path


def ffmpeg_media(path: Path) -> Path:
    """An Ogg, M4A, MP4 or WebM file (by extension) made by FFmpeg, with artist, comment and location tags."""
    kind = path.suffix.lower()
    inputs = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
    if kind in (".mp4", ".webm"):
        inputs += ["-f", "lavfi", "-i", "color=c=red:s=64x48:d=1"]
    codecs = {".ogg": ["-c:a", "libvorbis"], ".m4a": ["-c:a", "aac"],
              ".mp4": ["-c:a", "aac", "-c:v", "mpeg4"], ".webm": ["-c:a", "libvorbis", "-c:v", "libvpx"]}[kind]
    metadata = ["-metadata", "artist=CANARYARTIST", "-metadata", "comment=CANARYCOMMENT",
                "-metadata", "title=CANARYTITLE"]
    if kind in (".mp4", ".m4a"):
        metadata += ["-metadata", "location=+40.4461-079.9822/", "-movflags", "+use_metadata_tags"]
    subprocess.run([shutil.which("ffmpeg") or "ffmpeg", "-nostdin", "-loglevel", "error", "-y", *inputs, *codecs,
                    *metadata, str(path)], check=True, capture_output=True)
    return path


def transcript(path: Path) -> Path:
    if path.suffix == ".srt":
        path.write_text("1\n00:00:01,000 --> 00:00:03,500\nWe walked out at noon.\n\n"
                        "2\n00:00:04,000 --> 00:00:06,000\nThe laundry room stayed shut.\n", encoding="utf-8")
    else:
        path.write_text("WEBVTT\n\nNOTE interviewer CANARYNOTE\n\n00:00:01.000 --> 00:00:03.500\n"
                        "We walked out at noon.\n\n00:00:04.000 --> 00:00:06.000\nThe laundry room stayed shut.\n",
                        encoding="utf-8")
    return path
