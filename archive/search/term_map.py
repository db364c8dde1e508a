"""The terms of the words an index holds, kept beside it so that a search loads no lemma dictionary.

A word's term in a language with a lemma dictionary (``archive.search.lemmas.term``) costs the first lookup in a
process the loading of simplemma's dictionary: 0.3 s for English, seconds for several languages, paid by
every ``archive search`` command. The index writer has computed the term of every word it indexed, so it
writes them down here, in its generation folder::

    index/gen-.../terms.map   a JSON header line, then per language the lines ``word<TAB>term`` sorted
                              by word (the term left empty when it is the word itself)

A query looks its words up with a binary search over the file's bytes: the load is one read, whatever the
archive's size, and no table is built. A word the map lacks (one the archive never holds, say) still gets
its term from simplemma, so the terms are the same with or without the map. The map is ignored when it
was written for another generation of the index, another analysis version or another simplemma.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archive.search.analysis import ANALYSIS_VERSION
from archive.search.lemmas import LEMMA_LANGUAGES, simplemma_version, use_known_terms
from archive.search.lemmas import term as lemma_term

MAP_NAME = "terms.map"


class TermMap:
    """The word -> term lines of one index generation, searched in place."""

    def __init__(self, data: bytes, sections: Mapping[str, tuple[int, int]], generation: int) -> None:
        self._data = data
        self._sections = dict(sections)
        self.generation = generation

    def languages(self) -> list[str]:
        return sorted(self._sections)

    def term(self, word: str, language: str) -> str | None:
        """The term of the lowercased ``word`` in ``language``, or None when the map does not hold it."""
        section = self._sections.get(language)
        if section is None or "\t" in word or "\n" in word:
            return None
        found = _find(self._data, word.encode("utf-8"), *section)
        if found is None:
            return None
        return found.decode("utf-8") if found else word

    def body(self) -> tuple[bytes, dict[str, tuple[int, int]]]:
        """The lines after the header, and each language's span of them."""
        first = min((start for start, _ in self._sections.values()), default=len(self._data))
        return self._data[first:], {language: (start - first, end - first)
                                    for language, (start, end) in self._sections.items()}

    def holds(self, terms: Mapping[str, Mapping[str, str]]) -> bool:
        """Whether every word of ``terms`` (language -> word -> term) is in the map already."""
        return all(language in self._sections and all(self.term(word, language) == term for word, term in words.items())
                   for language, words in terms.items() if words and language in LEMMA_LANGUAGES)

    def as_dicts(self) -> dict[str, dict[str, str]]:
        """Every language's words and terms (for merging into the next generation's map)."""
        result: dict[str, dict[str, str]] = {}
        for language, (start, end) in self._sections.items():
            words = result[language] = {}
            for line in self._data[start:end].decode("utf-8").splitlines():
                word, _, term = line.partition("\t")
                words[word] = term or word
        return result


def _find(data: bytes, key: bytes, lo: int, hi: int) -> bytes | None:
    """Binary search of the sorted lines ``word\\tterm\\n`` in ``data[lo:hi]`` (``lo``, ``hi``: line starts)."""
    while lo < hi:
        middle = (lo + hi) // 2
        start = max(data.rfind(b"\n", lo, middle) + 1, lo)
        end = data.index(b"\n", start)
        word, _, term = data[start:end].partition(b"\t")
        if word == key:
            return term
        if word < key:
            lo = end + 1
        else:
            hi = start
    return None


def read(folder: Path, generation: int) -> TermMap | None:
    """The map in the generation ``folder``, or None when there is none or it does not fit ``generation``,
    this analysis version or this simplemma."""
    try:
        data = (folder / MAP_NAME).read_bytes()
        newline = data.index(b"\n")
        header = json.loads(data[:newline])
    except (OSError, ValueError):
        return None
    if not _current(header, generation):
        return None
    offset = newline + 1
    try:
        sections = {str(language): (offset + int(start), offset + int(end))
                    for language, (start, end) in header["languages"].items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if any(not (offset <= start <= end <= len(data)) for start, end in sections.values()):
        return None
    return TermMap(data, sections, generation)


def _current(header: Any, generation: int) -> bool:
    return (isinstance(header, dict) and header.get("analysis_version") == ANALYSIS_VERSION
            and header.get("simplemma") == simplemma_version() and header.get("generation") == generation)


def write(folder: Path, generation: int, terms: Mapping[str, Mapping[str, str]],
          previous: TermMap | None = None) -> Path:
    """Write the map of ``terms`` (language -> word -> term) and of the ``previous`` generation's map for
    index ``generation``, replacing any.

    Written to a temporary file and renamed, so a reader sees the old map or the new one, never half. An
    update that brings no new word copies the previous map's lines as they are."""
    if previous is not None and previous.holds(terms):
        data, sections = previous.body()
        return _replace(folder, generation, sections, data)
    if previous is not None:
        terms = merged(previous, terms)
    body = bytearray()
    sections = {}
    for language in sorted(terms):
        if language not in LEMMA_LANGUAGES:
            continue  # Snowball-only languages load no dictionary: nothing to save
        start = len(body)
        lines = sorted((word.encode("utf-8"), ("" if term == word else term).encode("utf-8"))
                       for word, term in terms[language].items()
                       if word and "\t" not in word and "\n" not in word and "\t" not in term and "\n" not in term)
        for word, term in lines:
            body += word + b"\t" + term + b"\n"
        sections[language] = (start, len(body))
    return _replace(folder, generation, sections, bytes(body))


def _replace(folder: Path, generation: int, sections: Mapping[str, tuple[int, int]], body: bytes) -> Path:
    header = {"analysis_version": ANALYSIS_VERSION, "simplemma": simplemma_version(), "generation": generation,
              "languages": sections}
    path = folder / MAP_NAME
    temporary = folder / f"{MAP_NAME}.{os.getpid()}"
    try:
        temporary.write_bytes(json.dumps(header, separators=(",", ":")).encode("utf-8") + b"\n" + body)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    return path


def every_language(terms: Mapping[str, Mapping[str, str]], previous: TermMap | None) -> dict[str, dict[str, str]]:
    """``terms`` (language -> word -> term, as indexed) with every word's term in every language of the map.

    A query is analyzed in each language present, so an English word searched in an archive that also
    holds Dutch needs its Dutch term too; without it the Dutch dictionary would be loaded after all."""
    languages = {language for language, words in terms.items() if words and language in LEMMA_LANGUAGES}
    old_languages = set(previous.languages()) if previous is not None else set()
    words = {word for language in languages for word in terms[language]}
    if languages - old_languages and previous is not None:
        words |= {word for section in previous.as_dicts().values() for word in section}  # a new language
    result: dict[str, dict[str, str]] = {}
    for language in sorted(languages | old_languages):
        known = terms.get(language, {})
        result[language] = {word: known.get(word) or lemma_term(word, language) for word in words}
    return result


def merged(old: TermMap | None, new: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """The words of ``old`` (the map of the generation an update started from) and of ``new``."""
    result = old.as_dicts() if old is not None else {}
    for language, words in new.items():
        result.setdefault(language, {}).update(words)
    return result


def use_term_map(folder: Path, generation: int) -> None:
    """Have word terms looked up first in the map of generation ``folder`` (read at the first lookup)."""
    use_known_terms(lambda: read(folder, generation))
