"""Evaluate wave suggestion: precision and recall of the waves found, before and after issue 13.

"Before" is the moving median alone (``methods=("peak",)``, yearly, overall: the method as it was);
"after" is the default (sharp peaks and sustained levels) with ``--by place`` and ``--resolution month``
where the case calls for them.

Cases, each with the waves a historian would name (``truth``):
- real series from ``ARCHIVE_SHARED_DATA`` (default ``/work/shared/data``): BLS major work stoppages per
  year, FMCS strikes per year, Wikidata protests and strikes per year of their start, Collective Action
  in Tech per year;
- synthetic series with known waves, each drawn with 20 seeds: a sharp peak, a plateau decade, a
  regional wave inside a flat global series, a monthly burst in a five-year series, and two series
  with no wave at all (flat noise, a slow decline).

A wave found matches a true wave when their spans overlap and the one found is not more than three
times as long plus two periods (a wave covering the whole series matches nothing). Precision is the
share of waves found that match; recall the share of true waves matched.

Run: ``python benchmarks/waves_eval.py [--seeds 20]``; the figures of the last run are in
``benchmarks/RESULTS-waves.md``.
"""

from __future__ import annotations

import argparse
import csv
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archive.continuity.wave_activity import ActivitySeries
from archive.continuity.waves import WaveProposal, suggest_by_place, suggest_waves

DATA = Path(os.environ.get("ARCHIVE_SHARED_DATA", "/work/shared/data"))
Span = tuple[int, int]


@dataclass
class Tally:
    found: int = 0
    found_matching: int = 0
    truths: int = 0
    truths_matched: int = 0

    def add(self, found: list[Span], truth: list[Span]) -> None:
        def match(f: Span, t: Span) -> bool:
            return f[0] <= t[1] and t[0] <= f[1] and (f[1] - f[0] + 1) <= 3 * (t[1] - t[0] + 1) + 2
        self.found += len(found)
        self.found_matching += sum(any(match(f, t) for t in truth) for f in found)
        self.truths += len(truth)
        self.truths_matched += sum(any(match(f, t) for f in found) for t in truth)

    def row(self) -> str:
        precision = f"{self.found_matching / self.found:.2f}" if self.found else "–"
        recall = f"{self.truths_matched / self.truths:.2f}" if self.truths else "–"
        return f"{precision} | {recall} | {self.found}"


def spans(waves: list[WaveProposal]) -> list[Span]:
    return [(w.start, w.end) for w in waves]


def before(series: dict[int, float]) -> list[Span]:
    return spans(suggest_waves(series, methods=("peak",)))


def after(series: dict[int, float]) -> list[Span]:
    return spans(suggest_waves(series))


# Real series ------------------------------------------------------------------------------------------

def bls() -> dict[int, float]:
    path = DATA / "bls_us_work_stoppages" / "bls_annual_major_work_stoppages_1947_onward.csv"
    with path.open(encoding="utf-8") as f:
        return {int(r["year"]): float(r["stoppages_beginning"]) for r in csv.DictReader(f)}


def fmcs() -> dict[int, float]:
    counts: Counter[int] = Counter()
    with (DATA / "fmcs_work_stoppages" / "work_stoppages.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            counts[int(row["Start Date"][:4])] += 1
    return dict(counts)


def wikidata() -> dict[int, float]:
    counts: Counter[int] = Counter()
    seen: set[str] = set()
    for name in ("protests", "strikes"):
        with (DATA / "wikidata_protests_strikes" / f"wikidata_{name}_raw_rows.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                date = row["startDate"]
                if row["event"] not in seen and date[:4].isdigit() and int(date[:4]) >= 1900:
                    seen.add(row["event"])
                    counts[int(date[:4])] += 1
    return dict(counts)


def tech() -> dict[int, float]:
    counts: Counter[int] = Counter()
    with (DATA / "collective_action_in_tech" / "actions.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            counts[int(row["date"][:4])] += 1
    return dict(counts)


REAL: list[tuple[str, Callable[[], dict[int, float]], list[Span]]] = [
    # The post-war wave, the rank-and-file wave of the late 1960s and early 1970s, the 2018-19 teachers.
    ("BLS major work stoppages (count)", bls, [(1950, 1953), (1966, 1974), (2018, 2019)]),
    # The concession strikes of the mid-1980s (Hormel, TWA, the meatpackers).
    ("FMCS work stoppages (count)", fmcs, [(1985, 1986)]),
    # 1968; 2011 (the Arab Spring, Occupy); the global protest wave from 2018 on.
    ("Wikidata protests and strikes since 1900", wikidata, [(1968, 1968), (2011, 2011), (2018, 2024)]),
    # The tech worker movement from the 2018 Google walkout through the pandemic.
    ("Collective Action in Tech", tech, [(2018, 2021)]),
]


# Synthetic series -------------------------------------------------------------------------------------

def noisy(levels: list[float], rng: np.random.Generator, first: int = 1970) -> dict[int, float]:
    return {first + i: float(rng.poisson(level * rng.lognormal(0, 0.1))) for i, level in enumerate(levels)}


def sharp(rng: np.random.Generator) -> tuple[dict[int, float], list[Span]]:
    return noisy([200.0 if i in (25, 26) else 100.0 for i in range(50)], rng), [(1995, 1996)]


def plateau(rng: np.random.Generator) -> tuple[dict[int, float], list[Span]]:
    return noisy([100.0] * 25 + [150.0] * 9 + [100.0] * 10, rng), [(1995, 2003)]


def flat(rng: np.random.Generator) -> tuple[dict[int, float], list[Span]]:
    return noisy([100.0] * 50, rng), []


def decline(rng: np.random.Generator) -> tuple[dict[int, float], list[Span]]:
    return noisy([400 * 0.97 ** i for i in range(60)], rng), []


def regional(rng: np.random.Generator) -> ActivitySeries:
    """Eight regions of about twelve a year; one triples for 2000-2003 (a quarter more in the world)."""
    activity = ActivitySeries(parents={f"region-{n}": "world" for n in range(8)})
    for n in range(8):
        levels = [36.0 if n == 3 and 2000 <= 1990 + i <= 2003 else 12.0 for i in range(30)]
        activity.by_place[f"region-{n}"] = {1990 + i: float(rng.poisson(v)) for i, v in enumerate(levels)}
    activity.counts = {y: sum(s[y] for s in activity.by_place.values()) for y in range(1990, 2020)}
    activity.by_place["world"] = dict(activity.counts)
    return activity


def monthly(rng: np.random.Generator) -> dict[int, float]:
    """Ten a month for 2018-2022, forty in April to June 2020; periods are months (year * 12 + month - 1)."""
    return {2018 * 12 + m: float(rng.poisson(40 if 2020 * 12 + 3 <= 2018 * 12 + m <= 2020 * 12 + 5 else 10))
            for m in range(60)}


def evaluate(seeds: int) -> list[str]:
    lines = ["| case | before: precision | recall | waves found | after: precision | recall | waves found |",
             "|---|---|---|---|---|---|---|"]
    for name, load, truth in REAL:
        series = load()
        old, new = Tally(), Tally()
        old.add(before(series), truth)
        new.add(after(series), truth)
        lines.append(f"| {name} | {old.row()} | {new.row()} |")
    for name, make in (("sharp peak (2 years at 2x)", sharp), ("plateau decade (+50% for 9 years)", plateau),
                       ("flat noise, no wave", flat), ("slow decline (-3% a year), no wave", decline)):
        old, new = Tally(), Tally()
        for seed in range(seeds):
            series, truth = make(np.random.default_rng(seed))
            old.add(before(series), truth)
            new.add(after(series), truth)
        lines.append(f"| {name}, {seeds} seeds | {old.row()} | {new.row()} |")
    old, new = Tally(), Tally()
    for seed in range(seeds):
        activity = regional(np.random.default_rng(seed))
        truth = [(2000, 2003)]
        old.add(before(activity.counts), truth)
        found = [w for w in suggest_waves(activity.counts) + suggest_by_place(activity, min_records=30)]
        new.add([(w.start, w.end) for w in found if w.place in (None, "world", "region-3")], truth)
        # A wave in another region is a false one: count it against precision.
        new.found += sum(1 for w in found if w.place not in (None, "world", "region-3"))
    lines.append(f"| regional wave in a flat global series (after: --by place), {seeds} seeds | {old.row()} | "
                 f"{new.row()} |")
    old, new = Tally(), Tally()
    for seed in range(seeds):
        months = monthly(np.random.default_rng(seed))
        years: Counter[int] = Counter()
        for period, count in months.items():
            years[period // 12] += count
        old.add(before(dict(years)), [(2020, 2020)])  # yearly: the best it can do is the year
        new.add(spans(suggest_waves(months, resolution="month")), [(2020 * 12 + 3, 2020 * 12 + 5)])
    lines.append(f"| monthly burst in a five-year series (before: by year; after: --resolution month), {seeds} "
                 f"seeds | {old.row()} | {new.row()} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    print("\n".join(evaluate(args.seeds)))


if __name__ == "__main__":
    main()
