"""The words in an attached file, for search: PDF text, transcript cues, and OCR of scanned images.

PDF text comes from pypdf; transcripts from their cues; images are read with Tesseract OCR where the
``tesseract`` program is installed (Debian's ``tesseract-ocr`` and its language packs), in the record's
language when that language's data is installed. Where Tesseract is missing, the text is empty and the
extraction carries a notice saying so, which ``archive attach`` and ``archive ingest`` print: a scanned
leaflet is kept, just not searchable by its words.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from archive.ingest.media import MediaError, MediaInfo, read_cues

MAX_TEXT_CHARS = 2_000_000  # per attachment: more is not read
MAX_TEXT_PAGES = 1_000
OCR_SECONDS = 120
# ISO 639-1 (the record's language) -> Tesseract's language data name
TESSERACT_LANGUAGES = {
    "ar": "ara", "ca": "cat", "cs": "ces", "da": "dan", "de": "deu", "el": "ell", "en": "eng", "es": "spa",
    "eu": "eus", "fa": "fas", "fi": "fin", "fr": "fra", "gl": "glg", "he": "heb", "hi": "hin", "hu": "hun",
    "id": "ind", "it": "ita", "ja": "jpn", "ko": "kor", "nl": "nld", "no": "nor", "pl": "pol", "pt": "por",
    "ro": "ron", "ru": "rus", "sv": "swe", "tr": "tur", "uk": "ukr", "vi": "vie", "zh": "chi_sim",
}


@dataclass(frozen=True)
class Extraction:
    text: str
    notice: str | None = None  # why the text is empty or partial, for the archivist


def extract_text(path: Path, info: MediaInfo, language: str | None = None) -> Extraction:
    """The searchable text of an attachment already checked by ``inspect_file``."""
    if info.kind == "pdf":
        return _pdf_text(path)
    if info.kind == "transcript":
        text = "\n".join(cue.text for cue in read_cues(path))
        return Extraction(text[:MAX_TEXT_CHARS])
    if info.kind == "image":
        return _ocr(path, language)
    return Extraction("")


def _pdf_text(path: Path) -> Extraction:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    parts: list[str] = []
    size = 0
    try:
        reader = PdfReader(path)
        for number, page in enumerate(reader.pages):
            if number >= MAX_TEXT_PAGES or size >= MAX_TEXT_CHARS:
                return Extraction("\n".join(parts)[:MAX_TEXT_CHARS],
                                  f"{path}: only the first {number} pages were read for search")
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise MediaError(f"{path}: the PDF's text cannot be read ({reason})") from exc
    text = "\n".join(parts).strip()
    notice = None if text else f"{path}: the PDF has no text layer (a scan?); its words are not searchable"
    return Extraction(text[:MAX_TEXT_CHARS], notice)


@cache
def installed_ocr_languages() -> frozenset[str]:
    """Tesseract's installed language data, or an empty set when Tesseract is not installed."""
    program = shutil.which("tesseract")
    if program is None:
        return frozenset()
    try:
        done = subprocess.run([program, "--list-langs"], capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.strip() for line in done.stdout.splitlines()[1:] if line.strip())


def _ocr(path: Path, language: str | None) -> Extraction:
    installed = installed_ocr_languages()
    if not installed:
        return Extraction("", f"{path}: not read for search: Tesseract OCR is not installed "
                              "(Debian: apt-get install tesseract-ocr)")
    wanted = TESSERACT_LANGUAGES.get((language or "en").split("-")[0].lower(), "eng")
    notice = None
    if wanted not in installed:
        notice = (f"{path}: read with English OCR data: Tesseract's data for '{language}' ({wanted}) is not installed "
                  f"(Debian: apt-get install tesseract-ocr-{wanted.replace('_', '-')})")
        wanted = "eng" if "eng" in installed else sorted(installed)[0]
    program = shutil.which("tesseract") or "tesseract"
    try:
        done = subprocess.run([program, str(path), "stdout", "-l", wanted], capture_output=True, timeout=OCR_SECONDS,
                              check=True)
    except subprocess.TimeoutExpired:
        return Extraction("", f"{path}: OCR took more than {OCR_SECONDS} s and was stopped")
    except (OSError, subprocess.CalledProcessError) as exc:
        return Extraction("", f"{path}: OCR failed ({exc})")
    text = done.stdout.decode("utf-8", "replace").strip()
    return Extraction(text[:MAX_TEXT_CHARS], notice)
