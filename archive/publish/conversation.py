"""Balance sheets as a conversation, and the lessons gathered across every wave.

A struggle can have many balance sheets, written from different positions, and one can answer another
(``replies_to``). The struggle's page shows them side by side in date order, each with its author's
position and what it answers. The lessons pages gather every limit and lesson of every public balance sheet
by category, each linked to the sheet it came from.

A finding's category comes from the archive's controlled vocabulary (``archive.continuity.lessons``): the category
its text names when the vocabulary has it ("repression: the police broke the picket"), else the one whose
keywords it uses most, else "other".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slugify import slugify

from archive.continuity import lessons
from archive.continuity.lessons import Vocabulary
from archive.publish.model import Item, SiteData, time_key

OTHER = lessons.OTHER


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


def categorize(text: str, vocabulary: Vocabulary | None = None) -> tuple[str, str]:
    """(category, text without its category prefix), by the archive's vocabulary (``archive.continuity.lessons``)."""
    return (vocabulary or _BUILT_IN).categorize(text)


_BUILT_IN = lessons.built_in()


def lesson_categories(data: SiteData, vocabulary: Vocabulary | None = None) -> list[Category]:
    """Every public limit and lesson, by category, in the vocabulary's order (the design's four limits
    first), then other."""
    vocabulary = vocabulary or _BUILT_IN
    by_name: dict[str, Category] = {}
    for sheet in sorted(data.of_type("balance_sheet"), key=time_key):
        for kind, values in (("limit", sheet.fields.get("limits")), ("lesson", sheet.fields.get("lessons"))):
            for value in values or []:
                name, text = vocabulary.categorize(str(value))
                category = by_name.setdefault(name, Category(name, _category_slug(name)))
                category.findings.append(Finding(kind, text, sheet))
    order = {name: n for n, name in enumerate(vocabulary.names)}
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

