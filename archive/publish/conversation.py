"""Balance sheets as a conversation, and the lessons gathered across every wave.

A struggle can have many balance sheets, written from different positions, and one can answer another
(``replies_to``). The struggle's page shows them side by side in date order, each with its author's
position and what it answers. The lessons pages gather every limit and lesson of every public balance sheet
by category, each linked to the sheet it came from.

A finding's category is the one its text names ("repression: the police broke the picket"), or else the
first of the common limits whose words it uses, or else "other".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from slugify import slugify

from archive.publish.model import Item, SiteData, time_key

# The limits the design names, with the words that signal them in free text.
KNOWN_CATEGORIES: dict[str, tuple[str, ...]] = {
    "repression": ("repress", "police", "arrest", "fired", "firing", "retaliat", "injunction", "blacklist",
                   "jail", "prison", "deport", "surveil", "crackdown", "troops", "army", "outlaw", "banned"),
    "lost momentum": ("momentum", "burnout", "burned out", "exhaust", "fatigue", "demobili", "dwindl",
                      "fizzl", "petered", "turnout fell", "lost steam"),
    "internal tensions": ("tension", "split", "faction", "division", "infighting", "disagree", "conflict within",
                          "sectarian", "rivalr"),
    "co-optation": ("co-opt", "coopt", "co opt", "absorb", "incorporat", "bought off", "channelled",
                    "channeled", "institutionali"),
}
OTHER = "other"
# "repression: the police ...": a short run of words, then a colon and a space (so "https://" is no category).
_PREFIX = re.compile(r"^\s*(?P<category>[^\W\d_][\w' -]{1,39}?)\s*:\s+(?P<text>\S.*)$", re.S)


@dataclass(frozen=True)
class Finding:
    kind: str  # "lesson" or "limit"
    text: str
    sheet: Item


@dataclass
class Category:
    name: str
    slug: str
    findings: list[Finding] = field(default_factory=list)


def categorize(text: str) -> tuple[str, str]:
    """(category, text without its category prefix)."""
    match = _PREFIX.match(text)
    if match and len(match["category"].split()) <= 4:
        return _canonical(match["category"]), match["text"].strip()
    lowered = text.casefold()
    for name, words in KNOWN_CATEGORIES.items():
        if any(word in lowered for word in words):
            return name, text
    return OTHER, text


def _canonical(name: str) -> str:
    key = " ".join(re.sub(r"[-_]+", " ", name.casefold()).split())
    squashed = key.replace(" ", "")
    for known in KNOWN_CATEGORIES:
        if squashed == known.replace(" ", "").replace("-", ""):
            return known
    return key


def lesson_categories(data: SiteData) -> list[Category]:
    """Every public limit and lesson, by category: the design's four first, then the records' own, then other."""
    by_name: dict[str, Category] = {}
    for sheet in sorted(data.of_type("balance_sheet"), key=time_key):
        for kind, values in (("limit", sheet.fields.get("limits")), ("lesson", sheet.fields.get("lessons"))):
            for value in values or []:
                name, text = categorize(str(value))
                category = by_name.setdefault(name, Category(name, _category_slug(name)))
                category.findings.append(Finding(kind, text, sheet))
    order = {name: n for n, name in enumerate(KNOWN_CATEGORIES)}
    categories = sorted(by_name.values(),
                        key=lambda c: (c.name == OTHER, order.get(c.name, len(order)), -len(c.findings), c.name))
    taken: set[str] = set()
    for category in categories:  # two names can share a slug ("Co-op" and "co op"): number the later ones
        slug, number = category.slug, 2
        while slug in taken or slug == "index":
            slug, number = f"{category.slug}-{number}", number + 1
        category.slug = slug
        taken.add(slug)
    return categories


def _category_slug(name: str) -> str:
    return slugify(name, max_length=60, word_boundary=True) or "category"


@dataclass
class SheetView:
    """One balance sheet in a struggle's conversation."""

    sheet: Item
    replies_to: list[Item]
    replied_by: list[Item]


def conversation(struggle: Item) -> list[SheetView]:
    """The struggle's public balance sheets in date order, each with what it answers and who answered it."""
    sheets = sorted(struggle.linking("struggle", "balance_sheet"), key=time_key)
    return [SheetView(s, s.linked("replies_to", "balance_sheet"), sorted(s.linking("replies_to", "balance_sheet"),
                                                                         key=time_key))
            for s in sheets]

