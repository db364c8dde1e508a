"""What the downloads (data/TYPE.json, .csv, .schema.json) and the record citations cost a build.

``archive.publish.downloads.download_files`` turns the public projection into one JSON and one CSV file
per record type; ``archive.publish.citation.record_citation`` builds each record page's citation. The
baseline, measured in the same run, is the least any export does: ``json.dumps`` of each record's
slug, title, body and tags (no fields, no links, no CSV). Growth: 1,000, 10,000 and 100,000 records
(half accounts, a quarter struggles, a quarter places), each account naming two struggles and a place.
The records are built in memory (the projection's ``Item``), so only the serialization is timed.
"unchanged" is a rebuild where no record changed: each type's fingerprint is computed (including every
record's content digest, which a real build has already computed for its pages) and nothing is rendered.

    python benchmarks/downloads.py [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections import defaultdict

from archive.public import Graph, Item
from archive.publish.cache import BuildCache
from archive.publish.citation import record_citation
from archive.publish.downloads import download_files

SITE = {"title": "Benchmark archive", "description": "", "language": "en", "base_url": "https://example.org/",
        "keeper": "The keepers", "contact": "", "licence": "CC BY 4.0", "licence_url": "", "open_end": "ongoing"}
BODY = "The dockers struck for wages and held the picket line through the night; " * 12  # about 900 bytes


def graph(size: int) -> Graph:
    items: dict[str, dict[str, Item]] = defaultdict(dict)
    places = [Item(i, "place", f"place-{i}", f"Place {i}", "", "en", False, {"lat": 50.5, "lon": 4.25})
              for i in range(size // 4)]
    struggles = [Item(size + i, "struggle", f"struggle-{i}", f"Struggle {i}", BODY, "en", False,
                      {"start": "2021-02", "outcome": "won", "demands": ["Higher wages (won)"]}, ["wages"])
                 for i in range(size // 4)]
    accounts = [Item(2 * size + i, "account", f"account-{i}", f"Account {i}", BODY, "en", False,
                     {"kind": "testimony", "date": "2021-02-03", "narrator": f"Docker {i}"}, ["wages", "picket"])
                for i in range(size - 2 * (size // 4))]
    for i, account in enumerate(accounts):
        for struggle in (struggles[i % len(struggles)], struggles[(i * 7) % len(struggles)]):
            account.out["struggles"].append(struggle)
        account.out["places"].append(places[i % len(places)])
    for item in (*places, *struggles, *accounts):
        items[item.type][item.slug] = item
    return Graph(items={t: dict(sorted(v.items())) for t, v in items.items()}, tags={})


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def baseline(data: Graph) -> None:
    for items in data.items.values():
        json.dumps([{"slug": i.slug, "title": i.title, "body": i.body, "tags": i.tags} for i in items.values()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print("| records | downloads | MB written | baseline json.dumps | ratio | unchanged | ratio | citations "
          "| per record |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        data = graph(size)
        gc.collect()
        gc.freeze()  # as archive build does with the gathered records
        base = timed(lambda data=data: baseline(data))
        files: list = []
        first = BuildCache()
        spent = timed(lambda data=data, files=files, c=first: files.extend(download_files(data, SITE, c)[0]))
        second = BuildCache()
        second.old = first.used
        unchanged = timed(lambda data=data, c=second: download_files(data, SITE, c))
        cites = timed(lambda data=data: [record_citation(i, SITE) for v in data.items.values() for i in v.values()])
        written = sum(len(b) for _, b in files if isinstance(b, bytes)) / 1e6
        print(f"| {size:,} | {spent:.2f} s | {written:.1f} | {base:.2f} s | {spent / base:.1f}x | {unchanged:.2f} s "
              f"| {unchanged / base:.2f}x | {cites:.2f} s | {cites / size * 1e6:.0f} µs |", flush=True)
        del data, files, first, second
        gc.unfreeze()


if __name__ == "__main__":
    main()
