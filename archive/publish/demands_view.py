"""The demands page: each demand raised across struggles and waves, with its record of outcomes.

Demands that mean the same are one demand (``archive.ingest.demands.group_demands``: normalized wording, the
archivist's synonyms in ``demands.yaml``, containment and near-duplicates); the page shows the group's
heading with its variant wordings beneath it. It lists recurring demands first, most often raised first,
each with its tally of outcomes and the struggles that raised it, with their waves. This is the raw
material of a program, drawn from the struggles themselves.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from archive.ingest.demands import OUTCOMES, Demand, group_demands, stored_demands
from archive.publish.model import Item, SiteData, time_key

UNKNOWN = "not recorded"
OUTCOME_ORDER = (*OUTCOMES, UNKNOWN)
SHOWN = 10  # struggles listed under a demand on the demands page; more get the demand's own page


@dataclass(frozen=True)
class Raised:
    struggle: Item
    demand: Demand

    @property
    def outcome(self) -> str:
        return self.demand.outcome or UNKNOWN


@dataclass
class DemandRecord:
    key: str
    text: str  # the heading: the archivist's (demands.yaml), else the group's head as first worded
    raised: list[Raised] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # every Demand.key in the group

    @property
    def variants(self) -> list[str]:
        """The other wordings under this heading, each once, most raised first."""
        counts = Counter(r.demand.text for r in self.raised if r.demand.text.casefold() != self.text.casefold())
        return [text for text, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))]

    @property
    def tally(self) -> list[tuple[str, int]]:
        counts = Counter(r.outcome for r in self.raised)
        return [(o, counts[o]) for o in OUTCOME_ORDER if counts[o]]

    @property
    def waves(self) -> list[Item]:
        seen = {w.id: w for r in self.raised for w in r.struggle.linked("waves")}
        return sorted(seen.values(), key=time_key)

    @property
    def recurring(self) -> bool:
        return len(self.raised) > 1


def struggle_demands(struggle: Item) -> list[Demand]:
    """A struggle's demands as published (the text was redacted at gather time)."""
    return stored_demands(struggle.fields.get("demands"))


def demand_records(data: SiteData, synonyms: dict[str, str] | None = None) -> list[DemandRecord]:
    """Every demand of every public struggle, grouped (see the module's documentation), recurring first, then
    most raised, then alphabetical. ``synonyms`` are ``archive.ingest.demands.load_synonyms`` of the archive."""
    synonyms = synonyms or {}
    demands = [(s, struggle_demands(s)) for s in sorted(data.of_type("struggle"), key=time_key)]
    groups = group_demands((d.text for _, raised in demands for d in raised), synonyms)
    by_key: dict[str, DemandRecord] = {}
    for struggle, raised in demands:
        seen: set[str] = set()  # a struggle that words one demand twice raised it once
        for demand in raised:
            group = groups[demand.key]
            if group not in seen:
                seen.add(group)
                record = by_key.setdefault(group, DemandRecord(group, demand.text))
                record.keys.add(demand.key)
                record.raised.append(Raised(struggle, demand))
    for group, record in by_key.items():
        # The heading: the archivist's; else the group's head as the earliest struggle worded it.
        heading = synonyms.get(group) if synonyms.get(group) and Demand(synonyms[group], None).key == group else None
        record.text = heading or next((r.demand.text for r in record.raised if r.demand.key == group), record.text)
    return sorted(by_key.values(), key=lambda d: (-len(d.raised), d.text.casefold(), d.key))


def demand_path(record: DemandRecord) -> str:
    return f"demands/{record.key}.html"
