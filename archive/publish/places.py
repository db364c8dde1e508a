"""Places roll up from town to region to country, and articulations that cross a border.

A place's ``parent`` chain runs town → region → country; its root is the record's *country*. Everything
here is computed once per build from ``SiteData`` (so only public records and public links are seen), in
time linear in the records times the depth of the place tree: no pair of records is ever compared.

Decisions:
- A place has at most one parent: the first ``parent`` link (the record format names one enclosing place).
- A parent cycle (A in B in A) is cut where it closes; every place in the cycle then takes the cycle's
  member with the smallest slug as its country, so they all agree.
- A record's countries are the roots of its own places (struggles, accounts and organizations carry
  ``places``; a force is located only if a later record format gives it places). A record may lie in
  several countries.
- An articulation crosses a border when both ends are located and share no country. An end without a
  place is unknown, never counted as foreign.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.publish.model import Item, SiteData, time_key

ROLLED_UP = ("struggle", "account", "organization")


@dataclass
class Crossing:
    """An articulation seen from a place: its ends inside the place and the ends abroad."""

    articulation: Item
    inside: list[Item]
    outside: list[Item]
    countries: list[Item]  # the countries of the ends abroad


class Places:
    """The place tree of one build: chains, countries, roll-ups and border crossings, each computed once."""

    def __init__(self, data: SiteData) -> None:
        self.data = data
        self._chain: dict[int, list[Item]] = {}
        self._country: dict[int, Item] = {}
        self._within: dict[int, list[Item]] = {}  # record id -> every place it lies in, transitively
        self._countries: dict[int, list[Item]] = {}
        self._under: dict[int, dict[str, list[Item]]] = {}
        self._crossings: dict[int, list[Crossing]] = {}
        self._roll_up()
        self._mark_crossings()

    def chain(self, place: Item) -> list[Item]:
        """``place`` and its enclosing places, nearest first, stopping where a cycle would repeat."""
        known = self._chain.get(place.id)
        if known is not None:
            return known
        chain: list[Item] = []
        seen: set[int] = set()
        node: Item | None = place
        while node is not None and node.id not in seen:
            seen.add(node.id)
            chain.append(node)
            parents = node.linked("parent", "place")
            node = parents[0] if parents else None
        if node is not None:  # the walk closed a cycle: its members agree on the smallest slug as root
            cycle = chain[chain.index(node):]
            self._country[place.id] = min(cycle, key=lambda p: p.slug)
        else:
            self._country[place.id] = chain[-1]
        self._chain[place.id] = chain
        return chain

    def country(self, place: Item) -> Item:
        """The root of the place's parent chain."""
        self.chain(place)
        return self._country[place.id]

    def within(self, record: Item) -> list[Item]:
        """Every place the record lies in, its own places and all that enclose them, without repeats."""
        known = self._within.get(record.id)
        if known is not None:
            return known
        places = _own_places(record)
        if len(places) == 1:  # the common case: the place's own chain, shared, not copied
            self._within[record.id] = self.chain(places[0])
            return self._within[record.id]
        out: dict[int, Item] = {}
        for place in places:
            for enclosing in self.chain(place):
                out.setdefault(enclosing.id, enclosing)
        self._within[record.id] = list(out.values())
        return self._within[record.id]

    def countries(self, record: Item) -> list[Item]:
        """The countries a record lies in (empty when it has no place)."""
        known = self._countries.get(record.id)
        if known is None:
            found = {c.id: c for c in (self.country(p) for p in _own_places(record))}
            known = self._countries[record.id] = sorted(found.values(), key=lambda c: c.slug)
        return known

    def cross_border(self, first: Item, second: Item) -> bool:
        """Both ends located, in no common country."""
        a, b = self.countries(first), self.countries(second)
        return bool(a and b) and not {c.id for c in a} & {c.id for c in b}

    def crosses(self, ends: list[Item]) -> bool:
        """Some two of an articulation's ends are across a border from each other."""
        return any(self.cross_border(a, b) for i, a in enumerate(ends) for b in ends[i + 1:])

    def under(self, place: Item, record_type: str) -> list[Item]:
        """Records of ``record_type`` in the place or any place within it, in time order."""
        return self._under.get(place.id, {}).get(record_type, [])

    def crossings(self, place: Item) -> list[Crossing]:
        """Articulations with an end in the place and an end outside its country."""
        return self._crossings.get(place.id, [])

    def _roll_up(self) -> None:
        # Each record is added to every place above its own: records × depth, never places × records.
        # Records are taken in time order once, so every place's list comes out sorted.
        for record_type in ROLLED_UP:
            for record in sorted(self.data.of_type(record_type), key=time_key):
                for place in self.within(record):
                    self._under.setdefault(place.id, {}).setdefault(record_type, []).append(record)

    def _mark_crossings(self) -> None:
        for articulation in sorted(self.data.of_type("articulation"), key=time_key):
            ends = articulation.linked("between")
            if len(ends) < 2 or not self.crosses(ends):
                continue
            within = [{p.id for p in self.within(e)} for e in ends]
            located = [{c.id for c in self.countries(e)} for e in ends]
            marked: set[int] = set()
            for end in ends:
                for place in self.within(end):
                    if place.id in marked:
                        continue
                    marked.add(place.id)
                    country = self.country(place).id
                    inside = [e for e, ids in zip(ends, within, strict=True) if place.id in ids]
                    outside = [e for e, ids in zip(ends, located, strict=True) if ids and country not in ids]
                    if not outside:
                        continue
                    abroad = {c.id: c for e in outside for c in self.countries(e)}
                    self._crossings.setdefault(place.id, []).append(
                        Crossing(articulation, inside, outside, sorted(abroad.values(), key=lambda c: c.slug)))


def _own_places(record: Item) -> list[Item]:
    """A place is its own place; any other record is where its ``places`` say."""
    return [record] if record.type == "place" else record.linked("places", "place")
