"""Plan every HTML page: its path, template and context. Planning reads the gathered data and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from archive.continuity.lessons import Vocabulary
from archive.publish.conversation import conversation, lesson_categories
from archive.publish.demands_view import DemandRecord, demand_path, demand_records, struggle_demands
from archive.publish.earlier import EarlierIndex
from archive.publish.i18n import Nn_, gettext
from archive.publish.lineage import MAX_ROWS, LineageIndex
from archive.publish.maps import ArticulationMap, wave_maps
from archive.publish.model import Item, SiteData, time_key
from archive.publish.paths import COUNTS, PAGE_SIZE, TYPES, index_path, item_path, page_name, paged, tag_slugs
from archive.publish.placemap import PlaceMap, archive_map, wave_place_maps
from archive.publish.places import Places
from archive.publish.timeline import item_wave_span

RECENT = 10
MAP_INDEX = "maps/index.html"
SHOWN = 20  # related records shown on a record page before "all N" links to a paginated list
_ = gettext
# "and 12 more organizations" under a form's timeline
MORE = {"organization": Nn_("%(num)s more organization", "%(num)s more organizations"),
        "struggle": Nn_("%(num)s more struggle", "%(num)s more struggles")}


def plural_title(record_type: str) -> str:
    """A record type's plural, in the interface's language ("Struggles", "Luchas")."""
    return _(TYPES[record_type][2])


@dataclass
class Page:
    path: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    language: str | None = None  # the content's language when it differs from the site's


@dataclass
class Listing:
    """A window on a list that may grow, with a link to the paginated list of all of it."""

    items: list[Item]
    total: int
    more: str | None = None


def _window(items: list[Item], more: str | None) -> Listing:
    """Show the first few when a paginated list holds them all; otherwise show every one."""
    if more is None or len(items) <= SHOWN:
        return Listing(items, len(items))
    return Listing(items[:SHOWN], len(items), more)


def _paginate(base: str, items: list[Any], template: str, crumbs: list[tuple[str, str | None]],
              **context: Any) -> Iterator[Page]:
    pages = max(1, -(-len(items) // PAGE_SIZE))
    for number in range(1, pages + 1):
        chunk = items[(number - 1) * PAGE_SIZE: number * PAGE_SIZE]
        # The total only on the first page: one more record then rewrites the pages it moves, not every page.
        pager = {"number": number, "pages": pages, "total": len(items) if number == 1 else None,
                 "prev": paged(base, number - 1) if number > 1 else None,
                 "next": paged(base, number + 1) if number < pages else None}
        title = context["title"]
        if number > 1:
            title = _("%(title)s (page %(number)s of %(pages)s)") % {"title": title, "number": number, "pages": pages}
        yield Page(paged(base, number), template,
                   {**context, "title": title, "items": chunk, "pager": pager, "crumbs": crumbs})


def map_path(wave: Item) -> str:
    """A wave's map of places; ``maps/`` holds nothing else, so no slug can clash with the index."""
    return f"maps/{page_name(wave.slug)}.html"


def _others(articulation: Item, item: Item) -> list[Item]:
    return [end for end in articulation.linked("between") if end is not item]


class Planner:
    """Builds the page list from ``SiteData``; each method yields the pages of one kind."""

    def __init__(self, data: SiteData, continuity: bool = True, vocabulary: Vocabulary | None = None,
                 demand_synonyms: dict[str, str] | None = None) -> None:
        self.data = data
        self.demand_synonyms = demand_synonyms  # demands.yaml (archive.ingest.demands.load_synonyms)
        self.vocabulary = vocabulary  # lesson categories (archive.continuity.lessons); None: the built-in ones
        self.continuity = continuity  # the views across waves: lineage, earlier struggles, demands, lessons, maps
        self.tag_slugs = tag_slugs(list(data.tags))
        # Accounts reach a wave through their struggles.
        self.wave_accounts: dict[str, list[Item]] = {}
        for wave in data.of_type("wave"):
            seen: dict[int, Item] = {}
            for struggle in wave.linking("waves", "struggle"):
                for account in struggle.linking("struggles", "account"):
                    seen[account.id] = account
            self.wave_accounts[wave.slug] = sorted(seen.values(), key=time_key)
        # Place roll-ups, border crossings and wave maps: computed once per build, never per page.
        self.places: Places | None = Places(data) if continuity else None
        self.wave_maps: dict[str, ArticulationMap] = wave_maps(data, self.places) if self.places else {}
        # Maps of places (archive/publish/placemap.py): the whole archive's and each wave's.
        self.place_map: PlaceMap | None = archive_map(data)
        self.wave_place_maps: dict[str, PlaceMap] = wave_place_maps(data)
        # Earlier struggles like each one: an index over the public struggles, built once.
        self.earlier: EarlierIndex | None = EarlierIndex(data) if continuity else None
        # Lineage edges and each organization's waves, built once; a page walks only its own family.
        self.lineage: LineageIndex | None = LineageIndex(data) if continuity else None

    def place_members(self, place: Item, record_type: str) -> list[Item]:
        """Records in the place: with continuity, also those in any place within it (town → region → country)."""
        if self.places is None:
            return place.linking("places", record_type)
        return self.places.under(place, record_type)

    def tag_path(self, name: str, page: int = 1) -> str:
        return paged(f"tags/{self.tag_slugs[name]}.html", page)

    def pages(self) -> Iterator[Page]:
        yield from self.lists()
        yield from self.facets()
        yield from self.records()
        yield from self.tag_pages()
        yield from self.map_pages()
        if self.continuity:
            yield from self.demand_pages()
            yield from self.lesson_pages()
            yield from self.form_instance_pages()

    @cached_property
    def demand_list(self) -> list[DemandRecord]:
        """Every public demand, grouped, computed once per build."""
        return demand_records(self.data, self.demand_synonyms)

    @cached_property
    def demands(self) -> dict[str, DemandRecord]:
        """Each wording's key -> the grouped demand it belongs to."""
        return {key: d for d in self.demand_list for key in d.keys}

    def demand_pages(self) -> Iterator[Page]:
        records = self.demand_list
        crumbs: list[tuple[str, str | None]] = [(_("Demands"), None)]
        yield from _paginate("demands/index.html", records, "demands.html", crumbs, title=_("Demands"),
                             recurring=sum(1 for d in records if d.recurring), demand_path=demand_path)
        for record in records:
            if record.recurring:
                yield Page(demand_path(record), "demand.html",
                           {"title": record.text, "demand": record,
                            "crumbs": [(_("Demands"), "demands/index.html"), (record.text, None)]})

    def lesson_pages(self) -> Iterator[Page]:
        categories = lesson_categories(self.data, self.vocabulary)
        yield Page("lessons/index.html", "lessons.html",
                   {"title": _("Lessons and limits"), "categories": categories, "crumbs": [(_("Lessons"), None)]})
        for category in categories:
            yield from _paginate(f"lessons/{category.slug}.html", category.findings, "lesson_category.html",
                                 [(_("Lessons"), "lessons/index.html")],
                                 title=_("Lessons and limits: %(category)s") % {"category": category.name})

    def home_context(self) -> dict[str, Any]:
        # Newest first; an undated account is not recent, so it only fills the list after every dated one.
        accounts = sorted(self.data.of_type("account"), key=time_key)
        dated = [a for a in accounts if a.date]
        accounts = dated[::-1] + [a for a in accounts if not a.date]
        counts = [(t, COUNTS[t], len(self.data.items.get(t, {}))) for t in TYPES]
        return {"recent": accounts[:RECENT], "counts": [c for c in counts if c[2]],
                "waves": sorted(self.data.of_type("wave"), key=time_key)}

    def lists(self) -> Iterator[Page]:
        for record_type in TYPES:
            plural = plural_title(record_type)
            items = self.data.of_type(record_type)
            if record_type in ("account", "balance_sheet", "wave", "struggle", "organization", "articulation"):
                items = sorted(items, key=time_key)
            else:
                items = sorted(items, key=lambda i: (i.title.casefold(), i.slug))
            context: dict[str, Any] = {"title": plural, "record_type": record_type}
            if record_type == "struggle":
                context["facets"] = self.struggle_facets()
            yield from _paginate(index_path(record_type), items, "list.html", [(plural, None)], **context)
        tags = [(name, self.tag_path(name), len(members)) for name, members in self.data.tags.items()]
        yield from _paginate("tags/index.html", tags, "tags.html", [(_("Tags"), None)], title=_("Tags"))

    def struggle_facets(self) -> dict[str, list[tuple[str, str, int]]]:
        """Filters for the struggle index: (label, path, count), counting public struggles only."""
        struggles = self.data.of_type("struggle")
        waves = [(w.title, f"struggles/by_wave_{w.slug}.html", len(w.linking("waves", "struggle")))
                 for w in sorted(self.data.of_type("wave"), key=time_key)]
        places = [(p.title, f"struggles/by_place_{p.slug}.html", len(self.place_members(p, "struggle")))
                  for p in self.data.of_type("place")]
        grievances: dict[str, int] = {}
        for struggle in struggles:
            for tag in struggle.tags:
                grievances[tag] = grievances.get(tag, 0) + 1
        return {
            "wave": [f for f in waves if f[2]],
            "place": sorted((f for f in places if f[2]), key=lambda f: (-f[2], f[0].casefold())),
            "grievance": [(t, f"struggles/by_tag_{self.tag_slugs[t]}.html", n) for t, n in sorted(grievances.items())],
        }

    def facets(self) -> Iterator[Page]:
        crumbs_base = [(plural_title("struggle"), index_path("struggle"))]
        in_place = {"struggle": _("Struggles in %(place)s"), "account": _("Accounts in %(place)s"),
                    "organization": _("Organizations in %(place)s")}
        for wave in self.data.of_type("wave"):
            yield from self._facet(f"struggles/by_wave_{wave.slug}.html", wave.linking("waves", "struggle"),
                                   _("Struggles in %(wave)s") % {"wave": wave.title}, crumbs_base)
            yield from self._facet(f"accounts/by_wave_{wave.slug}.html", self.wave_accounts[wave.slug],
                                   _("Accounts from %(wave)s") % {"wave": wave.title},
                                   [(plural_title("account"), index_path("account"))])
        for place in self.data.of_type("place"):
            for record_type in ("struggle", "account", "organization"):
                members = self.place_members(place, record_type)
                if members:
                    folder = TYPES[record_type][0]
                    yield from self._facet(f"{folder}/by_place_{place.slug}.html", members,
                                           in_place[record_type] % {"place": place.title},
                                           [(plural_title(record_type), index_path(record_type))])
        for tag, members in self.data.tags.items():
            struggles = [m for m in members if m.type == "struggle"]
            if struggles:
                yield from self._facet(f"struggles/by_tag_{self.tag_slugs[tag]}.html", struggles,
                                       _("Struggles over %(tag)s") % {"tag": tag}, crumbs_base)

    def _facet(self, base: str, items: list[Item], title: str,
               crumbs: Sequence[tuple[str, str | None]]) -> Iterator[Page]:
        yield from _paginate(base, sorted(items, key=time_key), "list.html", [*crumbs, (title, None)], title=title)

    def map_pages(self) -> Iterator[Page]:
        """``maps/index.html`` for the whole archive (also when no place is located: it says so and links
        the waves' maps), and ``maps/WAVE.html`` for each wave whose struggles name a place."""
        waves = [(w, map_path(w)) for w in sorted(self.data.of_type("wave"), key=time_key)
                 if w.slug in self.wave_place_maps]
        yield Page(MAP_INDEX, "placemap.html", {"title": "Map of places", "place_map": self.place_map, "wave": None,
                                                "wave_maps": waves, "crumbs": [("Map of places", None)]})
        for wave, path in waves:
            title = f"Map of places: {wave.title}"
            yield Page(path, "placemap.html", {"title": title, "place_map": self.wave_place_maps[wave.slug],
                                               "wave": wave, "wave_maps": [],
                                               "crumbs": [("Map of places", MAP_INDEX), (wave.title, None)]})

    def tag_pages(self) -> Iterator[Page]:
        for name, members in self.data.tags.items():
            yield from _paginate(self.tag_path(name), members, "list.html",
                                 [(_("Tags"), "tags/index.html"), (name, None)],
                                 title=_("Tagged “%(tag)s”") % {"tag": name}, show_type=True)

    def records(self) -> Iterator[Page]:
        for record_type in TYPES:
            plural = plural_title(record_type)
            for item in self.data.of_type(record_type):
                context = {"item": item, "title": item.title, "related": self.related(item),
                           "tags": [(t, self.tag_path(t)) for t in item.tags],
                           "crumbs": [(plural, index_path(record_type)), (item.title, None)]}
                yield Page(item_path(item), f"records/{record_type}.html", context, item.language)

    def struggle_demand_links(self, struggle: Item) -> list[tuple[Any, str | None, int]]:
        """(demand, path of the demand's page or None, how many struggles raised it)."""
        out = []
        for demand in struggle_demands(struggle):
            record = self.demands.get(demand.key) if self.continuity else None
            path = demand_path(record) if record is not None and record.recurring else None
            out.append((demand, path, len(record.raised) if record else 1))
        return out

    def lineage_context(self, item: Item) -> dict[str, Any]:
        """An organization's or form's lineage; a form's instances on a timeline. Nothing without continuity."""
        if self.lineage is None:
            return {}
        context: dict[str, Any] = {"lineage": self.lineage.lineage(item)}
        if item.type == "form":
            instances = self.lineage.instances(item)
            # Drawn here, not in the template, so the page's fingerprint covers it (a record page's root is "../").
            root = "../" * item_path(item).count("/")
            hidden = instances[MAX_ROWS:]
            more = [(n, path, MORE[t]) for t, _items, path in self._instance_lists(item)
                    if (n := sum(1 for i in hidden if i.type == t))]
            context["instances"] = {"svg": self.lineage.form_timeline(instances, root), "total": len(instances),
                                    "shown": len(instances) - len(hidden), "more": more}
        return context

    def _instance_lists(self, form: Item) -> list[tuple[str, list[Item], str]]:
        return [("organization", form.linking("form", "organization"), f"organizations/by_form_{form.slug}.html"),
                ("struggle", form.linking("forms", "struggle"), f"struggles/by_form_{form.slug}.html")]

    def form_instance_pages(self) -> Iterator[Page]:
        """Full lists behind a form timeline's "and N more", for forms with more instances than it draws."""
        of_form = {"organization": _("Organizations of the form %(form)s"),
                   "struggle": _("Struggles of the form %(form)s")}
        for form in self.data.of_type("form"):
            lists = self._instance_lists(form)
            if sum(len(items) for _type, items, _path in lists) <= MAX_ROWS:
                continue
            for record_type, items, path in lists:
                if items:
                    title = of_form[record_type] % {"form": form.title}
                    yield from self._facet(path, items, title, [(plural_title("form"), index_path("form")),
                                                                 (form.title, item_path(form))])

    def related(self, item: Item) -> dict[str, Any]:
        """The public neighbours a record's page shows, by heading."""
        t = item.type
        if t == "wave":
            return {"struggles": _window(item.linking("waves", "struggle"), f"struggles/by_wave_{item.slug}.html"),
                    "accounts": _window(self.wave_accounts[item.slug], f"accounts/by_wave_{item.slug}.html"),
                    "balance_sheets": _window(item.linking("wave", "balance_sheet"), None),
                    "map": self.wave_maps.get(item.slug), "span": item_wave_span(item),
                    "place_map": map_path(item) if item.slug in self.wave_place_maps else None}
        if t == "struggle":
            return {"waves": item.linked("waves"), "places": item.linked("places"), "forces": item.linked("forces"),
                    "organizations": sorted(item.joined("organizations", "struggles", "organization"), key=time_key),
                    "forms": item.linked("forms"),
                    "accounts": _window(item.linking("struggles", "account"), None),
                    "balance_sheets": _window(item.linking("struggle", "balance_sheet"), None),
                    "conversation": conversation(item) if self.continuity else [],
                    "earlier": self.earlier.find(item) if self.earlier else None,
                    "demands": self.struggle_demand_links(item),
                    "articulations": [(a, _others(a, item)) for a in item.linking("between")]}
        if t == "account":
            return {"struggles": item.linked("struggles"), "places": item.linked("places"),
                    "organizations": item.linked("organizations"), "forms": item.linked("forms"),
                    "forces": item.linked("forces")}
        if t == "balance_sheet":
            return {"assesses": item.linked("struggle") + item.linked("wave"),
                    "replies_to": item.linked("replies_to", "balance_sheet"),
                    "replied_by": sorted(item.linking("replies_to", "balance_sheet"), key=time_key)}
        if t == "form":
            return {"organizations": sorted(item.linking("form", "organization"), key=time_key),
                    "struggles": _window(item.linking("forms", "struggle"), None),
                    "accounts": _window(item.linking("forms", "account"), None), **self.lineage_context(item)}
        if t == "organization":
            struggles = item.joined("struggles", "organizations", "struggle")
            return {"forms": item.linked("form"), "places": item.linked("places"),
                    "struggles": _window(sorted(struggles, key=time_key), None),
                    "accounts": _window(item.linking("organizations", "account"), None),
                    "articulations": [(a, _others(a, item)) for a in item.linking("between")],
                    **self.lineage_context(item)}
        if t == "force":
            return {"struggles": _window(item.linking("forces", "struggle"), None),
                    "accounts": _window(item.linking("forces", "account"), None),
                    "articulations": [(a, _others(a, item)) for a in item.linking("between")]}
        if t == "place":
            place = {"parents": item.linked("parent"), "children": item.linking("parent", "place"),
                     **{f"{rt}s": _window(self.place_members(item, rt), f"{TYPES[rt][0]}/by_place_{item.slug}.html")
                        for rt in ("struggle", "account", "organization")}}
            if self.places is not None:
                place.update(chain=self.places.chain(item)[1:], crossings=self.places.crossings(item),
                             country=self.places.country(item))
            return place
        if t == "articulation":
            return {"between": item.linked("between")}
        return {}
