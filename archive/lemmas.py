"""Word forms to lemmas (``buses`` -> ``bus``, ``huelgas`` -> ``huelga``) with simplemma's dictionaries.

A lemma groups the inflections of a word and nothing else, so ``boycotting``, ``boycotted`` and
``boycotts`` meet at ``boycott`` (Snowball split them into ``boycot`` and ``boycott``) while ``Philips``
stays apart from ``Philip`` and ``organizing`` from ``organ`` (Snowball joined those). Words simplemma
does not know are kept as written. Each language's dictionary is loaded the first time it is needed
(0.5 s for English, up to several seconds for Finnish or Russian), then every word's lemma is cached.
"""

from __future__ import annotations

from functools import cache

import simplemma

# Languages the archive analyzes that simplemma has a dictionary for; the others keep Snowball stems.
# Norwegian records (``no``) use the Bokmål dictionary.
_SIMPLEMMA_CODES = {"ar": "ar", "da": "da", "de": "de", "en": "en", "es": "es", "fi": "fi", "fr": "fr",
                    "hu": "hu", "it": "it", "nl": "nl", "no": "nb", "pt": "pt", "ro": "ro", "ru": "ru",
                    "sv": "sv", "tr": "tr"}
LEMMA_LANGUAGES: frozenset[str] = frozenset(_SIMPLEMMA_CODES)


@cache
def lemma(word: str, language: str) -> str:
    """The lowercased lemma of the lowercased ``word`` in ``language`` (a code in ``LEMMA_LANGUAGES``)."""
    if not word.isalpha():
        return word  # numbers, abbreviations (u.s), addresses: kept as written
    return simplemma.lemmatize(word, lang=_SIMPLEMMA_CODES[language]).lower()
