"""Demands and their outcomes.

A struggle's ``demands`` is a list. Each item is the demand's text, optionally followed by its outcome in
parentheses: ``Recognition of the union (won)``. Structured files may also write a mapping
``{demand: ..., outcome: ...}``; it is stored in the same text form, so the column stays a list of text and
records written before outcomes existed keep their content hash.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from slugify import slugify

OUTCOMES = ("won", "partly won", "lost", "pending")
_OUTCOME_ALIASES = {
    "won": "won", "win": "won", "granted": "won",
    "partly won": "partly won", "partially won": "partly won", "partly": "partly won", "partial": "partly won",
    "lost": "lost", "defeated": "lost", "refused": "lost",
    "pending": "pending", "open": "pending", "ongoing": "pending",
}
_TRAILING = re.compile(r"^(?P<text>.*\S)\s*\((?P<outcome>[^()]+)\)\s*$", re.S)
DEMAND_MAX = 10_000  # a demand is often a paragraph in real data; longer text belongs in the body


class DemandError(ValueError):
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


@functools.lru_cache(maxsize=65536)  # the same demands recur across thousands of struggles
def demand_key(text: str) -> str:
    # Text that transliterates to nothing still needs a stable key that is safe in a file name.
    return slugify(text, max_length=120, word_boundary=True) or \
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
