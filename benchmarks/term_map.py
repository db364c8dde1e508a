"""Benchmark the map of indexed words' terms (archive.search.term_map): `archive search` with and without it.

    nice -n 10 python benchmarks/term_map.py --sizes 1000,10000

For each size it builds an archive of the search benchmark's accounts (benchmarks/search.py; real texts
from ../shared/data) with one in a hundred written in Dutch, so a query is analyzed in English and Dutch,
and measures in one run:

- the rebuild, and the part of it that computes and writes the map;
- ``archive search workers --json`` as a whole command, CPU and wall time per run, with the map and
  without it (the file moved aside: the old path, which loads simplemma's dictionaries), alternated;
- reading a map and looking up a query's words, at 10,000 and 100,000 distinct words.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import make_accounts  # noqa: E402

from archive.search import term_map, whoosh_tuning  # noqa: E402
from archive.search.index import current_dir, open_index, rebuild_index  # noqa: E402
from archive.search.lemmas import LEMMA_LANGUAGES, term  # noqa: E402
from archive.store.db import make_engine  # noqa: E402
from archive.store.ingest import ingest  # noqa: E402
from archive.trust.create import init_archive  # noqa: E402

DUTCH = ["De arbeiders van de haven legden het werk neer en eisten hogere lonen.",
         "Na de staking ontsloeg de directie de havenarbeiders, maar in augustus kwamen zij terug.",
         "De vakbond organiseerde bijeenkomsten in de fabrieken en op de werven."]


def run(args: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def one_size(n: int, rounds: int) -> None:
    accounts = make_accounts(n)
    rng = random.Random(2)
    for account in accounts[::100]:
        account["language"] = "nl"
        account["body"] = " ".join(rng.choice(DUTCH) for _ in range(8))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        import json
        with open(root / "in" / "accounts.jsonl", "w", encoding="utf-8") as handle:
            for item in accounts:
                handle.write(json.dumps(item) + "\n")
        archive = init_archive(root / "archive")
        engine = make_engine(archive.db_url(), writer=True)
        ingest(engine, [root / "in"], defaults={"visibility": "public"})
        started = time.process_time()
        rebuild_index(archive.index_dir, engine)
        rebuild_cpu = time.process_time() - started
        ix = open_index(archive.index_dir)
        folder, generation = Path(ix.storage.folder), ix.latest_generation()
        ix.close()
        term.cache_clear()  # each word's term in the other language, as the rebuild computed it
        started = time.process_time()
        terms = term_map.every_language(whoosh_tuning.indexed_terms(LEMMA_LANGUAGES), None)
        term_map.write(folder, generation, terms)
        map_cpu = time.process_time() - started
        words = len(terms["en"])
        size = (folder / term_map.MAP_NAME).stat().st_size
        print(f"{n} accounts: rebuild {rebuild_cpu:.1f} s CPU, of which the map {map_cpu:.2f} s "
              f"({map_cpu / rebuild_cpu:.1%}); {words} distinct words in {len(terms)} languages, "
              f"{size / 1e6:.2f} MB", flush=True)
        command = [sys.executable, "-m", "archive", "--archive", str(root / "archive"), "search", "--json",
                   "workers"]
        live = current_dir(archive.index_dir)
        assert live is not None
        path, aside = live / term_map.MAP_NAME, root / "aside.map"
        samples: dict[str, list[tuple[float, float]]] = {"with the map": [], "without (old path)": []}
        run(command)  # warm the file cache
        for _ in range(rounds):
            samples["with the map"].append(run(command))
            shutil.move(path, aside)
            samples["without (old path)"].append(run(command))
            shutil.move(aside, path)
        cpu = {label: statistics.median(c for _, c in runs) for label, runs in samples.items()}
        for label, runs in samples.items():
            print(f"  search workers --json, {label}: CPU p50 {cpu[label] * 1000:.0f} ms, "
                  f"wall p50 {statistics.median(w for w, _ in runs) * 1000:.0f} ms", flush=True)
        print(f"  ratio with/without: {cpu['with the map'] / cpu['without (old path)']:.2f}", flush=True)
        engine.dispose()


def map_load(words: int, rounds: int = 20) -> None:
    rng = random.Random(words)
    table = {"".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 12))): "" for _ in range(words)}
    terms = {language: {word: word[:-1] or word for word in table} for language in ("en", "nl")}
    queries = list(table)[:: max(1, len(table) // 10)][:10] + ["zzzzzzzzzzzzz"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        term_map.write(folder, 1, terms)
        reads, dicts = [], []
        for _ in range(rounds):
            started = time.process_time()
            known = term_map.read(folder, 1)
            assert known is not None
            for word in queries:
                for language in ("en", "nl"):
                    known.term(word, language)
            reads.append(time.process_time() - started)
            started = time.process_time()
            known.as_dicts()
            dicts.append(time.process_time() - started)
        size = (folder / term_map.MAP_NAME).stat().st_size
    print(f"map of {len(table)} words x 2 languages ({size / 1e6:.1f} MB): read + 22 lookups "
          f"{statistics.median(reads) * 1000:.2f} ms CPU; building dicts of it instead "
          f"{statistics.median(dicts) * 1000:.0f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    for words in (10_000, 100_000):
        map_load(words)
    for n in (int(size) for size in args.sizes.split(",")):
        one_size(n, args.rounds)


if __name__ == "__main__":
    main()
