"""Index terms for words: simplemma's lemma, then Whoosh's Snowball stem of the lemma.

The lemma joins the inflections Snowball splits: ``buses`` -> ``bus`` (Snowball: ``buse``), and
``boycotting``, ``boycotted`` -> ``boycott`` (Snowball: ``boycot``, apart from ``boycott``). Stemming the
lemma then keeps what Snowball joined before (``unionizing`` and ``union``). A word simplemma neither
knows nor can reduce gets Snowball's stem only when that cuts two letters or more (``walkouted`` ->
``walkout``): a lone letter is where names meet, so a Dutch ``Philips`` is not ``Philip``.

Each language's dictionary is loaded the first time it is needed (0.5 s for English, 1 to 3 s for Dutch,
Spanish or German, up to 12 s for Finnish), then every word's term is cached. A search first asks the
index's map of the words it holds (``use_known_terms``, ``archive.search.term_map``), so that it loads no
dictionary for them; simplemma itself is imported only when a word is missing there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, Protocol

from whoosh.lang import stemmer_for_language

# Languages the archive analyzes that simplemma has a dictionary for; Norwegian (``no``) uses Bokmål.
_SIMPLEMMA_CODES = {"ar": "ar", "da": "da", "de": "de", "en": "en", "es": "es", "fi": "fi", "fr": "fr",
                    "hu": "hu", "it": "it", "nl": "nl", "no": "nb", "pt": "pt", "ro": "ro", "ru": "ru",
                    "sv": "sv", "tr": "tr"}
LEMMA_LANGUAGES: frozenset[str] = frozenset(_SIMPLEMMA_CODES)


class KnownTerms(Protocol):
    def term(self, word: str, language: str) -> str | None: ...


# Where terms already computed are looked up first: None, or a function giving the map (read lazily).
_known_loader: Callable[[], KnownTerms | None] | None = None
_known: list[KnownTerms | None] = []


def use_known_terms(loader: Callable[[], KnownTerms | None] | None) -> None:
    """Look words up first in the map ``loader()`` returns (called at the first lookup), else in simplemma.

    The map must hold what ``term`` gives (``archive.search.term_map`` checks the analysis and simplemma
    versions), so the terms are the same either way; ``None`` turns the lookup off."""
    global _known_loader
    _known_loader = loader
    _known.clear()


def _known_term(word: str, language: str) -> str | None:
    if _known_loader is None:
        return None
    if not _known:
        _known.append(_known_loader())
    known = _known[0]
    return known.term(word, language) if known is not None else None


@cache
def simplemma_version() -> str:
    """The installed simplemma's version (a map of terms is only valid for the one that wrote it).

    Read from its ``dist-info`` beside the package when there is exactly one: ``importlib.metadata`` costs
    about 40 ms of CPU to import, a quarter of what a whole ``archive search`` may spend."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("simplemma")
    if spec is not None and spec.origin:
        found = list(Path(spec.origin).parent.parent.glob("simplemma-*.dist-info/METADATA"))
        if len(found) == 1:
            with open(found[0], encoding="utf-8") as metadata:
                for line in metadata:
                    if line.startswith("Version:"):
                        return line.partition(":")[2].strip()
                    if not line.strip():
                        break  # the end of the headers
    from importlib.metadata import version

    return version("simplemma")


def _simplemma() -> Any:
    import simplemma  # 0.1 s to import: only for words no map holds

    return simplemma


def lemma(word: str, language: str) -> str:
    """simplemma's lemma of the lowercased ``word``, lowercased (``word`` itself for numbers and addresses)."""
    if not word.isalpha():
        return word
    return _simplemma().lemmatize(word, lang=_SIMPLEMMA_CODES[language]).lower()


@cache
def _stemmer(language: str) -> Callable[[str], str]:
    return stemmer_for_language(language)


@cache
def term(word: str, language: str) -> str:
    """The index term of the lowercased ``word`` in ``language`` (a code in ``LEMMA_LANGUAGES``)."""
    if not word.isalpha():
        return word  # numbers, abbreviations (u.s), addresses: kept as written
    known = _known_term(word, language)
    if known is not None:
        return known
    found = lemma(word, language)
    stem = _stemmer(language)
    if found == word and not _simplemma().is_known(word, lang=_SIMPLEMMA_CODES[language]):
        # Unknown to the dictionary: Snowball's stem when it cuts a real suffix (walkouted -> walkout), but
        # not a lone letter, which is where names meet (Philips and Philip, Peters and Peter).
        stemmed = stem(word)
        return stemmed if len(word) - len(stemmed) >= 2 else word
    if _derivation(word, found, stem):
        return stem(word)
    return stem(found)


def _derivation(word: str, found: str, stem: Callable[[str], str]) -> bool:
    """Whether a lemma longer than a base form and from its root is another word (Dutch ``arbeider`` has the
    lemma ``arbeidster`` in simplemma's dictionary), not an inflection (``kwam`` -> ``komen`` is one)."""
    return len(found) > len(word) and found[:4] == word[:4] and stem(word) == word
