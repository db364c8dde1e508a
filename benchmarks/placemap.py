"""Benchmark: what the maps of places cost a build, against the place roll-up computed in the same run.

A synthetic archive of N located places (random coordinates from a fixed seed, a third of them without
coordinates inside a located parent), 2N struggles at them and one wave holding every struggle. Measured:

1. baseline: ``Places(data)``, the roll-up town → region → country every build already computes;
2. ``archive_map`` + ``wave_place_maps`` (collecting marks and counts) and drawing both SVGs.

Times are CPU time of this process (``time.process_time``), best of 3 (1 at 100,000), so that other work
on a shared machine does not blur them. The ratio map / baseline should stay flat from 1,000 to 100,000
places: the maps are linear in places and struggles, labels are tried for at most ``LABELLED`` marks and at
most ``DRAWN`` are drawn.

Usage::

    python benchmarks/placemap.py              # 1,000 / 10,000 / 100,000 places
    python benchmarks/placemap.py -n 5000      # one size
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict

from archive.public.graph import Graph, Item
from archive.publish.placemap import archive_map, wave_place_maps
from archive.publish.places import Places


def _item(next_id: list[int], record_type: str, slug: str, title: str, **fields: object) -> Item:
    next_id[0] += 1
    return Item(next_id[0], record_type, slug, title, "", "en", False, dict(fields))


def synthetic(n: int, seed: int = 1917) -> Graph:
    rng = random.Random(seed)
    ids = [0]
    places: dict[str, Item] = {}
    located: list[Item] = []
    for i in range(n):
        if located and i % 3 == 2:  # a town without coordinates inside a located place
            place = _item(ids, "place", f"p{i}", f"Town {i}")
            parent = rng.choice(located)
            place.out["parent"].append(parent)
            parent.inbound["parent"].append(place)
        else:
            place = _item(ids, "place", f"p{i}", f"Place {i}", lat=round(rng.uniform(-55, 75), 4),
                          lon=round(rng.uniform(-180, 180), 4))
            located.append(place)
        places[place.slug] = place
    wave = _item(ids, "wave", "w", "The wave", start="1960", end="1980")
    struggles: dict[str, Item] = {}
    everywhere = list(places.values())
    for i in range(2 * n):
        struggle = _item(ids, "struggle", f"s{i}", f"Struggle {i}", start=str(1960 + i % 20))
        for place in rng.sample(everywhere, 2):
            struggle.out["places"].append(place)
            place.inbound["places"].append(struggle)
        struggle.out["waves"].append(wave)
        wave.inbound["waves"].append(struggle)
        struggles[struggle.slug] = struggle
    return Graph(items={"place": places, "struggle": struggles, "wave": {"w": wave}}, tags=defaultdict(list))


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


def measure(n: int) -> tuple[float, float, int]:
    data = synthetic(n)
    repeat = 3 if n <= 10_000 else 1
    baseline = _best(lambda: Places(data), repeat)
    size = [0]

    def maps() -> None:
        world = archive_map(data)
        waves = wave_place_maps(data)
        size[0] = len(world.svg("../", "Map")) + sum(len(m.svg("../", "Map")) for m in waves.values())

    return baseline, _best(maps, repeat), size[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, action="append", help="places (repeatable)")
    sizes = parser.parse_args().n or [1_000, 10_000, 100_000]
    print("| places | struggles | roll-up (baseline) | maps of places | ratio | SVG bytes |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        baseline, maps, size = measure(n)
        print(f"| {n:,} | {2 * n:,} | {baseline * 1000:.1f} ms | {maps * 1000:.1f} ms | {maps / baseline:.2f} | "
              f"{size:,} |")


if __name__ == "__main__":
    main()
