"""Demands and their outcomes.

A struggle's ``demands`` is a list. Each item is the demand's text, optionally followed by its outcome in
parentheses: ``Recognition of the union (won)``. Structured files may also write a mapping
``{demand: ..., outcome: ...}``; it is stored in the same text form, so the column stays a list of text and
records written before outcomes existed keep their content hash.

Demands that mean the same are grouped (``group_demands``), in three steps:

1. **Normalization** (``Demand.key``): case, accents, punctuation, articles and small linking words in
   English, Spanish, French, German and Dutch ("a", "the", "for", "la", "des", "der", "het", ...) and a
   plural ``s`` are set aside: "A living wage!" and "living wages" have one key.
2. **Synonyms** an archivist keeps in ``demands.yaml`` beside ``archive.toml``: a heading and the
   wordings that mean it::

       living wage:
         - $15 an hour
         - salaire minimum vital
       end forced arbitration: [no more forced arbitration]

3. **Containment and near-duplicates**: a demand whose words contain another demand's words in order
   ("a living wage for all campus workers" contains "living wage") joins the group of the longest demand
   it contains (of at least two words, so "pay" does not swallow every demand about pay); a demand that
   contains two unrelated demands equally ("living wage and pay equity") joins neither, so it never glues
   two groups together. Two demands whose normalized wordings are near-identical (a difflib ratio of
   ``NEAR`` or more, a typo or a reordered word) are one group.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slugify import slugify

from archive.errors import ArchiveError
from archive.ingest.formats import FormatError, read_yaml_file

OUTCOMES = ("won", "partly won", "lost", "pending")
_OUTCOME_ALIASES = {
    "won": "won", "win": "won", "granted": "won",
    "partly won": "partly won", "partially won": "partly won", "partly": "partly won", "partial": "partly won",
    "lost": "lost", "defeated": "lost", "refused": "lost",
    "pending": "pending", "open": "pending", "ongoing": "pending",
}
_TRAILING = re.compile(r"^(?P<text>.*\S)\s*\((?P<outcome>[^()]+)\)\s*$", re.S)
DEMAND_MAX = 10_000  # a demand is often a paragraph in real data; longer text belongs in the body


class DemandError(ArchiveError, ValueError):
    """A demand the record format does not accept."""


@dataclass(frozen=True)
class Demand:
    text: str
    outcome: str | None  # one of OUTCOMES, or None when the record does not say

    @property
    def key(self) -> str:
        """What makes two demands the same demand across struggles: their words, not case or punctuation."""
        return demand_key(self.text)

    def stored(self) -> str:
        return f"{self.text} ({self.outcome})" if self.outcome else self.text


SYNONYMS_FILE = "demands.yaml"
NEAR = 0.9  # difflib ratio of two normalized wordings that are one demand
CONTAINED_MAX = 12  # words in a demand that another contains (longer ones are not looked up inside others)
SIGNATURE_CAP = 64  # near-duplicates are looked for among at most this many demands sharing all words but one
# Articles and small linking words of the five languages the vocabulary covers: no demand turns on them.
FILLER = frozenset([
    "a", "an", "the", "of", "for", "to", "and", "all", "our", "their", "its", "with", "on", "in", "at", "by",  # en
    "el", "la", "los", "las", "un", "una", "unos", "unas", "de", "del", "para", "por", "y", "al",  # es
    "le", "les", "l", "un", "une", "des", "du", "d", "pour", "et", "au", "aux", "sur",  # fr
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "fur", "und",  # de
    "zu", "zum", "zur",
    "de", "het", "een", "van", "voor", "en", "te", "op",  # nl
])


def demand_words(text: str) -> tuple[str, ...]:
    """A demand's meaningful words: case, accents, punctuation, articles and a plural ``s`` aside."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    words = []
    for word in re.findall(r"\w+", folded.replace("'", " ").replace("’", " ")):
        if word in FILLER:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        words.append(word)
    return tuple(words)


@functools.lru_cache(maxsize=65536)  # the same demands recur across thousands of struggles
def demand_key(text: str) -> str:
    # Text that transliterates to nothing still needs a stable key that is safe in a file name.
    words = demand_words(text)
    return slugify(" ".join(words) or text, max_length=120, word_boundary=True) or \
        "d-" + hashlib.sha256(text.casefold().encode("utf-8")).hexdigest()[:16]


def outcome_name(value: str) -> str | None:
    """The canonical outcome for ``value`` ('Partially won' -> 'partly won'), or None if it is not one."""
    return _OUTCOME_ALIASES.get(re.sub(r"[\s_-]+", " ", value.strip().casefold()))


def parse_demand(value: Any) -> Demand:
    """Read one demand as written in a record: text with an optional '(outcome)', or a mapping."""
    if isinstance(value, dict):
        text = value.get("demand", value.get("text"))
        if not isinstance(text, str) or not text.strip():
            raise DemandError("a demand written as a mapping needs 'demand' (its text) and may give 'outcome'")
        unknown = sorted(set(map(str, value)) - {"demand", "text", "outcome"})
        if unknown:
            raise DemandError(f"a demand takes 'demand' and 'outcome', not {', '.join(unknown)}")
        raw = value.get("outcome")
        outcome = None
        if raw is not None and str(raw).strip():
            outcome = outcome_name(str(raw))
            if outcome is None:
                raise DemandError(f"unknown outcome {raw!r} for demand {text.strip()!r}; "
                                  f"use one of {', '.join(OUTCOMES)}")
        return _checked(Demand(" ".join(text.split()), outcome))
    if isinstance(value, list):
        raise DemandError("a demand is text or a mapping, not a list")
    return _parse_text(str(value))


@functools.lru_cache(maxsize=65536)
def _parse_text(value: str) -> Demand:
    text = " ".join(value.split())
    match = _TRAILING.match(text)
    if match and (outcome := outcome_name(match["outcome"])):
        return _checked(Demand(match["text"].strip(), outcome))
    return _checked(Demand(text, None))


def _checked(demand: Demand) -> Demand:
    if len(demand.text) > DEMAND_MAX:
        raise DemandError(f"a demand may be at most {DEMAND_MAX} characters (this one has {len(demand.text)}); "
                          "put the reasoning in the body")
    return demand


def stored_demands(values: list[str] | None) -> list[Demand]:
    """The demands of a stored struggle (its ``demands`` column).

    A value stored before a check existed or a limit changed is read as written, with no outcome, so
    that reading never fails on what ingest once accepted."""
    out = []
    for value in values or []:
        if str(value).strip():
            try:
                out.append(parse_demand(value))
            except DemandError:
                out.append(Demand(str(value), None))
    return out


class SynonymsError(ArchiveError, ValueError):
    """``demands.yaml`` cannot be read."""


def load_synonyms(archive_root: Path | None) -> dict[str, str]:
    """The archivist's synonyms from ``demands.yaml``: each wording's key -> its heading (as written)."""
    path = archive_root / SYNONYMS_FILE if archive_root is not None else None
    if path is None or not path.is_file():
        return {}
    try:
        loaded = read_yaml_file(path)  # bounded: an alias bomb must not hang a build
    except FormatError as exc:
        raise SynonymsError(f"{path}{f':{exc.line}' if exc.line else ''}: {exc.message}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise SynonymsError(f"{path}: expected a mapping of each demand's heading to the wordings that mean it")
    synonyms: dict[str, str] = {}
    for heading, wordings in loaded.items():
        if not isinstance(heading, str) or not heading.strip():
            raise SynonymsError(f"{path}: a heading must be text, not {heading!r}")
        if isinstance(wordings, str):
            wordings = [wordings]
        if wordings is None:
            wordings = []
        if not isinstance(wordings, list) or not all(isinstance(w, str) for w in wordings):
            raise SynonymsError(f"{path}: heading {heading!r}: give a list of wordings")
        heading = " ".join(heading.split())
        for wording in [heading, *wordings]:
            key = demand_key(wording)
            if synonyms.get(key, heading) != heading:
                raise SynonymsError(f"{path}: {wording!r} is under both {synonyms[key]!r} and {heading!r}")
            synonyms[key] = heading
    return synonyms


def group_demands(texts: Iterable[str], synonyms: dict[str, str] | None = None) -> dict[str, str]:
    """Each demand's key -> its group's key (see the module's documentation). Texts are demands' wordings;
    the group's key is the key of its heading (a synonym heading, else the shortest demand in it)."""
    synonyms = synonyms or {}
    words: dict[str, tuple[str, ...]] = {}
    for text in texts:
        words.setdefault(demand_key(text), demand_words(text))
    parent = {key: key for key in words}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    headings: set[str] = set()

    def join(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:  # an archivist's heading heads its group; else the shorter (fewer words, then alphabetical)
            first, second = sorted((ra, rb), key=lambda k: (k not in headings, len(words[k]), k))
            parent[second] = first

    for key in list(words):
        heading = synonyms.get(key)
        if heading is not None:
            head = demand_key(heading)
            words.setdefault(head, demand_words(heading))
            parent.setdefault(head, head)
            headings.add(head)
            join(head, key)
    keys = sorted(words, key=lambda k: (len(words[k]), k))
    # Near-duplicates: demands that differ by at most one word (a typo, a word added, words reordered) are
    # found through shared "all words but one" signatures, then confirmed by difflib: never all pairs.
    signatures: dict[tuple[str, ...], list[str]] = {}
    for key in keys:
        tokens = sorted(words[key])
        if len(tokens) >= 2:
            for i in range(len(tokens)):
                signatures.setdefault(tuple(tokens[:i] + tokens[i + 1:]), []).append(key)
    for group in signatures.values():
        if len(group) > SIGNATURE_CAP:  # words that many demands share tell nothing about a typo
            continue
        for i, key in enumerate(group):
            text = " ".join(words[key])
            for other in group[i + 1:]:
                if root(other) == root(key):
                    continue
                matcher = difflib.SequenceMatcher(None, text, " ".join(words[other]))
                if matcher.real_quick_ratio() >= NEAR and matcher.quick_ratio() >= NEAR and matcher.ratio() >= NEAR:
                    join(key, other)
    # Containment: a demand joins the group of the longest demand it contains, if that one is unique. Each
    # run of two or more of its words is looked up among the demands' own words: never all pairs.
    by_words: dict[tuple[str, ...], list[str]] = {}
    for key in keys:
        by_words.setdefault(words[key], []).append(key)
    for key in keys:
        own = words[key]
        contained = [other for size in range(min(len(own) - 1, CONTAINED_MAX), 1, -1)
                     for i in range(len(own) - size + 1) for other in by_words.get(own[i:i + size], ())]
        if not contained:
            continue
        longest = max(len(words[c]) for c in contained)
        groups = {root(c) for c in contained if len(words[c]) == longest}
        if len(groups) == 1 and root(key) not in headings:  # what the archivist grouped stays grouped
            join(groups.pop(), key)
    return {key: root(key) for key in parent}

