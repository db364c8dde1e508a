"""The demands page: each demand raised across struggles and waves, with its record of outcomes.

Two demands are the same demand when their words are (``Demand.key``: case and punctuation aside). The
page lists recurring demands first, most often raised first, each with its tally of outcomes and the
struggles that raised it, with their waves. This is the raw material of a program, drawn from the
struggles themselves.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from archive.demands import OUTCOMES, Demand, stored_demands
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
    text: str  # as the earliest struggle worded it
    raised: list[Raised] = field(default_factory=list)

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


def demand_records(data: SiteData) -> list[DemandRecord]:
    """Every demand of every public struggle, recurring first, then most raised, then alphabetical."""
    by_key: dict[str, DemandRecord] = {}
    for struggle in sorted(data.of_type("struggle"), key=time_key):
        seen: set[str] = set()  # a struggle that words one demand twice raised it once
        for demand in struggle_demands(struggle):
            key = demand.key
            if key not in seen:
                seen.add(key)
                by_key.setdefault(key, DemandRecord(key, demand.text)).raised.append(Raised(struggle, demand))
    return sorted(by_key.values(), key=lambda d: (-len(d.raised), d.text.casefold(), d.key))


def demand_path(record: DemandRecord) -> str:
    return f"demands/{record.key}.html"
