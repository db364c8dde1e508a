"""Where each page lives, and the words for each record type.

Every page sits at the top or one folder down and links with relative paths ending in ``.html``, so the
site opens from ``file://`` (where ``folder/`` would show a directory listing) and from any sub-path.
"""

from __future__ import annotations

import hashlib

from slugify import slugify

from archive.publish.i18n import N_, Nn_
from archive.publish.model import Item

# type -> (folder, singular, plural); the words are msgids, translated where they are shown (_()).
TYPES: dict[str, tuple[str, str, str]] = {
    "wave": ("waves", N_("Wave"), N_("Waves")),
    "struggle": ("struggles", N_("Struggle"), N_("Struggles")),
    "account": ("accounts", N_("Account"), N_("Accounts")),
    "balance_sheet": ("balance-sheets", N_("Balance sheet"), N_("Balance sheets")),
    "form": ("forms", N_("Organizational form"), N_("Organizational forms")),
    "organization": ("organizations", N_("Organization"), N_("Organizations")),
    "force": ("forces", N_("Social force"), N_("Social forces")),
    "place": ("places", N_("Place"), N_("Places")),
    "articulation": ("articulations", N_("Articulation"), N_("Articulations")),
}
# The home page's counts, "3 waves": a plural pair per type.
COUNTS: dict[str, tuple[str, str]] = {
    "wave": Nn_("%(num)s wave", "%(num)s waves"),
    "struggle": Nn_("%(num)s struggle", "%(num)s struggles"),
    "account": Nn_("%(num)s account", "%(num)s accounts"),
    "balance_sheet": Nn_("%(num)s balance sheet", "%(num)s balance sheets"),
    "form": Nn_("%(num)s organizational form", "%(num)s organizational forms"),
    "organization": Nn_("%(num)s organization", "%(num)s organizations"),
    "force": Nn_("%(num)s social force", "%(num)s social forces"),
    "place": Nn_("%(num)s place", "%(num)s places"),
    "articulation": Nn_("%(num)s articulation", "%(num)s articulations"),
}
PAGE_SIZE = 50
TAG_SLUG_MAX = 80


def page_name(slug: str) -> str:
    """A slug's file name. Slugs hold only ``[a-z0-9-]``, so names with ``_`` (list pages) never clash;
    only ``index`` needs moving aside."""
    return "_index" if slug == "index" else slug


def display_name(item: Item) -> str:
    """The record's title; for a stub named only by its slug (``parent: spain``), a name made from the
    slug (``Spain``), since a reader should not see an identifier where a name belongs."""
    if item.is_stub and item.title == item.slug:
        return " ".join(word.capitalize() for word in item.slug.split("-") if word) or item.slug
    return item.title


def item_path(item: Item) -> str:
    return f"{TYPES[item.type][0]}/{page_name(item.slug)}.html"


def index_path(record_type: str, page: int = 1) -> str:
    return paged(f"{TYPES[record_type][0]}/index.html", page)


def paged(path: str, page: int) -> str:
    """Page 3 of ``x/y.html`` is ``x/y_3.html``; the ``_`` keeps it apart from every record's page."""
    if page == 1:
        return path
    return f"{path.removesuffix('.html')}_{page}.html"


def tag_slugs(names: list[str]) -> dict[str, str]:
    """A file name for every tag; tags that slugify alike get a short hash so none overwrites another."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(names):
        # Capped: a file name may not pass 255 bytes, and a tag can be a sentence.
        base = page_name(slugify(name, max_length=TAG_SLUG_MAX, word_boundary=True) or "tag")
        slug = base
        if slug in taken:
            slug = f"{base}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
        taken.add(slug)
        out[name] = slug
    return out


def relative(from_path: str, to_path: str) -> str:
    """A relative link between two site paths, both at most one folder deep."""
    depth = from_path.count("/")
    return "../" * depth + to_path
