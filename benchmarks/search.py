"""Benchmark search: the archive's indexing against bare Whoosh and SQLite FTS5, then query latency.

    python benchmarks/search.py                 # 10,000 accounts
    python benchmarks/search.py --n 100000      # the goal size (takes long; not on a shared machine)
    python benchmarks/search.py --procs 2       # index with two processes

Accounts are shaped like the real data in ../shared/data: half are Collective Action in Tech descriptions
with their places, grievances and dates, half are 300-700 word passages of the Gutenberg testimonies.
In one run it measures:

- indexing through the archive's own path (``archive.search.index.rebuild_index``: read the store, build the
  documents, a tuned writer), and the same documents given to bare Whoosh with the same schema and a
  default writer committing once; and SQLite FTS5 on the same texts, the anchor;
- p50 and p95 latency per kind of query (common and rare terms, two-term AND, phrases, prefixes, a
  fielded query with a date range) through ``archive.search.searcher.ArchiveSearcher`` as ``archive search
  --json`` runs it, less the snippets (the top 10 with their public marks from the store), and through
  FTS5 with bm25() ordering (LIMIT 10).
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.formats import Positions

from archive.search import whoosh_tuning
from archive.search.index import make_schema, rebuild_index, to_fields
from archive.search.index_docs import iter_documents
from archive.search.searcher import ArchiveSearcher, SearchRequest
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.trust.create import init_archive

DATA = Path(os.environ.get("ARCHIVE_SHARED_DATA", Path(__file__).resolve().parent.parent.parent / "shared" / "data"))
KINDS = ("testimony", "report", "minutes", "leaflet", "interview", "article", "statement")
QUERIES = {
    "term (common)": ["workers", "government", "strike", "people"],
    "term (rare)": ["petrograd", "suffragette", "overseer", "contractors"],
    "two-term AND": ["workers union", "police strike", "women vote", "amazon warehouse"],
    "phrase": ['"working conditions"', '"the people"', '"general strike"', '"open letter"'],
    "prefix": ["strik*", "organi*", "revol*", "emplo*"],
    "fielded + date range": ["title:workers date:[1950 to 2000]", "body:strike date:[2010-01-01 to 2020-12-31]",
                             "kind:testimony date:[1900 to 1950]", "tags:ethics date:[2015 to 2022]"],
}
FTS_QUERIES = {  # the same searches in FTS5's syntax
    "term (common)": ["workers", "government", "strike", "people"],
    "term (rare)": ["petrograd", "suffragette", "overseer", "contractors"],
    "two-term AND": ["workers union", "police strike", "women vote", "amazon warehouse"],
    "phrase": ['"working conditions"', '"the people"', '"general strike"', '"open letter"'],
    "prefix": ["strik*", "organi*", "revol*", "emplo*"],
    "fielded + date range": [("title:workers", "1950", "2000~"), ("body:strike", "2010-01-01", "2020-12-31~"),
                             ("kind:testimony", "1900", "1950~"), ("tags:ethics", "2015", "2022~")],
}


LATENCY_KEYS = ("p50", "p95", "fts5_p50", "fts5_p95", "cpu_p50", "cpu_p95")


def real_texts() -> tuple[list[dict], list[str]]:
    """Collective Action in Tech rows, and the Gutenberg books as word lists."""
    with open(DATA / "collective_action_in_tech" / "actions.csv", encoding="utf-8", newline="") as handle:
        actions = [row for row in csv.DictReader(handle) if row["description"].strip()]
    books = []
    for path in sorted((DATA / "gutenberg_movement_texts").glob("*.txt")):
        text = path.read_text(encoding="utf-8-sig")
        start = text.find("*** START OF")
        end = text.find("*** END OF", start + 1)
        words = text[start:end if end > 0 else None].split()[10:]  # past the START line itself
        if len(words) > 1000:
            books.append(words)
    return actions, books


def _list(cell: str) -> list[str]:
    try:
        value = ast.literal_eval(cell)
    except (ValueError, SyntaxError):
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def make_accounts(n: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    actions, books = real_texts()
    accounts = []
    for number in range(n):
        action = rng.choice(actions)
        if number % 2:
            words = rng.choice(books)
            start = rng.randrange(0, len(words) - 800)
            body = " ".join(words[start:start + rng.randint(300, 700)])
            date = f"{rng.randint(1840, 1940)}-{rng.randint(1, 12):02d}"
        else:
            body = action["description"]
            date = action["date"]
        title = " ".join(re.split(r"(?<=[.!?])\s", body, maxsplit=1)[0].split()[:14])
        accounts.append({
            "type": "account", "slug": f"bench-{number}", "title": title, "body": body,
            "kind": rng.choice(KINDS), "date": date, "language": "en",
            "places": _list(action["locations"])[:2], "tags": _list(action["struggles"]),
        })
    return accounts


def _cpu() -> float:
    times = os.times()  # children count too: a --procs 2 rebuild works in subprocesses
    return times.user + times.system + times.children_user + times.children_system


def timed(label: str, fn: Callable[[], object]) -> tuple[float, float, object]:
    """Wall and CPU seconds: on a shared machine the CPU time is the fairer comparison."""
    started, cpu = time.perf_counter(), _cpu()
    result = fn()
    elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
    print(f"  {label}: {elapsed:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    return elapsed, cpu, result


def bare_whoosh(folder: Path, fields: list[dict]) -> None:
    schema = make_schema()
    for name in ("title", "body"):  # Whoosh's own positions format, not the archive's (whoosh_tuning)
        schema[name].format = Positions(field_boost=schema[name].format.field_boost)
    ix = whoosh_index.create_in(str(folder), schema)
    writer = ix.writer()  # the default: one process, limitmb=128
    for doc in fields:
        writer.add_document(**doc)
    writer.commit()


def fts5(path: Path, accounts: list[dict]) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, kind, tags, date UNINDEXED, "
                 "tokenize='porter unicode61')")
    with conn:
        conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
                         [(a["title"], a["body"], a["kind"], " ".join(a["tags"]), a["date"]) for a in accounts])
    return conn


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def query_latency(searcher: ArchiveSearcher, conn: sqlite3.Connection, rounds: int,
                  full: bool = False) -> dict[str, tuple]:
    """p50/p95 per kind of query: ``full`` is the default mode of ``archive search`` (exact count and
    facets), otherwise the ``--json`` mode (top 10, estimated count)."""
    options = {"facets": full, "snippets": False, "suggest": False, "count": full}
    results = {}
    for kind, queries in QUERIES.items():
        ours, theirs, cpu = [], [], []
        searcher.search(SearchRequest(queries[0], **options))  # warm up
        for _ in range(rounds):
            for query, fts_query in zip(queries, FTS_QUERIES[kind], strict=True):
                started, started_cpu = time.perf_counter(), time.process_time()
                searcher.search(SearchRequest(query, limit=10, **options))
                ours.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
                started = time.perf_counter()
                if isinstance(fts_query, tuple):
                    match, low, high = fts_query
                    conn.execute("SELECT rowid FROM docs WHERE docs MATCH ? AND date BETWEEN ? AND ? "
                                 "ORDER BY bm25(docs) LIMIT 10", (match, low, high)).fetchall()
                else:
                    conn.execute("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 10",
                                 (fts_query,)).fetchall()
                theirs.append(time.perf_counter() - started)
        results[kind] = (*percentiles(ours), *percentiles(theirs), *percentiles(cpu))
    return results


def command_latency(archive_dir: Path, rounds: int) -> dict[str, dict[str, float]]:
    """``archive search --json QUERY`` as a whole command (start-up included), wall and CPU per run, against
    ``python -c pass`` and ``python -c "import whoosh.index"`` (the interpreter, and the least a Whoosh
    search must import) and ``archive --help``, all in this run."""
    import resource
    import subprocess

    def run(args: list[str]) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    archive_cmd = [sys.executable, "-m", "archive"]
    out: dict[str, dict[str, float]] = {}
    for label, args in (("python -c pass", [sys.executable, "-c", "pass"]),
                        ("python -c 'import whoosh.index'", [sys.executable, "-c", "import whoosh.index"]),
                        ("archive --help", [*archive_cmd, "--help"])):
        runs = [run(args) for _ in range(rounds * 2)]
        out[label] = {"wall_p50_ms": statistics.median(w for w, _ in runs) * 1000,
                      "cpu_p50_ms": statistics.median(c for _, c in runs) * 1000}
    for kind in ("term (common)", "two-term AND", "phrase", "prefix"):
        runs = [run([*archive_cmd, "--archive", str(archive_dir), "search", "--json", query])
                for _ in range(rounds) for query in QUERIES[kind]]
        p50, p95 = percentiles([w for w, _ in runs])
        c50, c95 = percentiles([c for _, c in runs])
        out[f"search --json, {kind}"] = {"wall_p50_ms": p50, "wall_p95_ms": p95, "cpu_p50_ms": c50,
                                         "cpu_p95_ms": c95,
                                         "cpu_p50_over_python": c50 / out["python -c pass"]["cpu_p50_ms"],
                                         "cpu_p50_over_whoosh_import":
                                             c50 / out["python -c 'import whoosh.index'"]["cpu_p50_ms"]}
    return out


def queries_only(args: argparse.Namespace) -> None:
    """Query latency on an archive built earlier (for a size whose full run does not fit the time)."""
    from sqlalchemy import select

    from archive.store.models import Record

    load = os.getloadavg()
    engine = make_engine(f"sqlite:///{args.existing / 'archive.sqlite'}")
    records = Record.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(records.c.title, records.c.body, records.c.kind, records.c.date)).all()
    accounts = [{"title": t or "", "body": b or "", "kind": k or "", "tags": [], "date": d or ""}
                for t, b, k, d in rows]
    with tempfile.TemporaryDirectory() as tmp:
        fts_s, fts_cpu, conn = timed("SQLite FTS5", lambda: fts5(Path(tmp) / "fts.sqlite", accounts))
        latency = {}
        with ArchiveSearcher(args.existing / "index", engine) as searcher:
            print(f"{searcher.searcher.doc_count()} documents; load average {load[0]:.1f}", flush=True)
            for full in (False, True):
                figures = query_latency(searcher, conn, args.rounds, full=full)
                latency["full" if full else "json"] = figures
                print("default mode" if full else "--json mode", flush=True)
                for kind, (p50, p95, f50, f95, c50, c95) in figures.items():
                    print(f"  {kind:22} wall p50 {p50:7.1f} p95 {p95:7.1f}  CPU p50 {c50:7.1f} p95 {c95:7.1f}  "
                          f"FTS5 p50 {f50:6.2f} p95 {f95:6.2f}", flush=True)
        commands = command_latency(args.existing, args.command_rounds)
        for label, figures in commands.items():
            print(f"  {label:32} " + ", ".join(f"{k} {v:.1f}" for k, v in figures.items()), flush=True)
        conn.close()
    if args.json:
        args.json.write_text(json.dumps({"n": len(accounts), "load_average": load, "fts5_cpu_s": fts_cpu,
                                         "latency_ms": {k: dict(zip(LATENCY_KEYS, v, strict=True))
                                                        for k, v in latency["json"].items()},
                                         "latency_full_ms": {k: dict(zip(LATENCY_KEYS, v, strict=True))
                                                             for k, v in latency["full"].items()},
                                         "commands_ms": commands}, indent=2))


def build_only(args: argparse.Namespace) -> None:
    """An archive of ``--n`` generated accounts at ``--build``, ingested and indexed, kept for ``--existing``."""
    accounts = make_accounts(args.n)
    args.build.mkdir(parents=True, exist_ok=False)
    source = args.build / "accounts.jsonl"
    with open(source, "w", encoding="utf-8") as handle:
        for item in accounts:
            handle.write(json.dumps(item) + "\n")
    archive = init_archive(args.build / "archive")
    engine = make_engine(archive.db_url(), writer=True)
    timed("ingest into the store (not indexing)", lambda: ingest(engine, [source]))
    timed(f"archive reindex (procs={args.procs})", lambda: rebuild_index(archive.index_dir, engine, procs=args.procs))
    engine.dispose()
    source.unlink()


def fit_exponent(points: list[tuple[float, float]]) -> float:
    """The b of y = a * n^b, least squares on the logarithms."""
    import math

    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(y, 1e-9)) for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def series(sizes: list[int], args: argparse.Namespace) -> None:
    """Each size in a fresh process (its own peak memory), then the growth exponents."""
    import subprocess

    results = []
    for n in sizes:
        out = Path(tempfile.mkdtemp()) / f"search-{n}.json"
        command = ["nice", "-n", "10", sys.executable, __file__, "--n", str(n), "--procs", str(args.procs),
                   "--rounds", str(args.rounds), "--command-rounds", str(args.command_rounds), "--json", str(out)]
        print(f"== {n:,} accounts (load average {os.getloadavg()[0]:.1f})", flush=True)
        subprocess.run(command, check=True)
        results.append(json.loads(out.read_text()))
    if len(results) > 1:
        print("Growth exponents (y = a * n^b, fitted over the series):")
        for key in ("archive_index_cpu_s", "bare_whoosh_cpu_s", "fts5_cpu_s", "ingest_cpu_s"):
            print(f"  {key}: {fit_exponent([(r['n'], r[key]) for r in results]):.2f}")
        for kind in QUERIES:
            print(f"  p95 {kind} (--json mode): "
                  f"{fit_exponent([(r['n'], r['latency_ms'][kind]['p95']) for r in results]):.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="accounts (default 10,000; the goal is 100,000)")
    parser.add_argument("--sizes", help="a series, e.g. 1000,10000,30000,100000: each size in its own process, "
                                        "then the growth exponents")
    parser.add_argument("--procs", type=int, default=1, help="indexing processes for the archive's path")
    parser.add_argument("--rounds", type=int, default=10, help="times each query is run")
    parser.add_argument("--existing", type=Path,
                        help="only the query figures, on this archive (already indexed), against FTS5 on its records")
    parser.add_argument("--command-rounds", type=int, default=2,
                        help="times each whole command is run (each is a fresh process)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--build", type=Path,
                        help="only build an archive of --n accounts here (ingest and index), for --existing")
    args = parser.parse_args(argv)
    if args.sizes:
        series([int(size) for size in args.sizes.split(",")], args)
        return
    if args.existing:
        queries_only(args)
        return
    if args.build:
        build_only(args)
        return
    import resource

    load = os.getloadavg()
    accounts = make_accounts(args.n)
    words = sum(len(a["body"].split()) for a in accounts)
    print(f"{args.n} accounts, {words / args.n:.0f} words on average; load average {load[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        with open(root / "in" / "accounts.jsonl", "w", encoding="utf-8") as handle:
            for item in accounts:
                handle.write(json.dumps(item) + "\n")
        archive = init_archive(root / "archive")
        engine = make_engine(archive.db_url(), writer=True)
        print("Indexing", flush=True)
        ingest_s, ingest_cpu, _ = timed("ingest into the store (not indexing)", lambda: ingest(engine, [root / "in"]))
        archive_s, archive_cpu, _ = timed(f"archive reindex (procs={args.procs})",
                                          lambda: rebuild_index(archive.index_dir, engine, procs=args.procs))
        archive_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with engine.connect() as conn:
            fields = [to_fields(doc) for doc in iter_documents(conn)]
        (root / "bare").mkdir()
        with whoosh_tuning.reverted():
            bare_s, bare_cpu, _ = timed("bare Whoosh, default writer, one commit",
                                        lambda: bare_whoosh(root / "bare", fields))
        fts_s, fts_cpu, conn = timed("SQLite FTS5", lambda: fts5(root / "fts.sqlite", accounts))
        print(f"  throughput (wall): archive {args.n / archive_s:.0f} docs/s, bare Whoosh {args.n / bare_s:.0f} "
              f"docs/s, FTS5 {args.n / fts_s:.0f} docs/s", flush=True)
        print(f"  bare Whoosh / archive: {bare_s / archive_s:.2f} by wall time, {bare_cpu / archive_cpu:.2f} by CPU "
              "time (above 1: the archive is faster)", flush=True)
        print(f"  archive / FTS5: {archive_s / fts_s:.0f}x by wall time, "
              f"{archive_cpu / max(fts_cpu, 1e-6):.0f}x by CPU time", flush=True)
        print(f"  peak RSS after ingest and reindex: {archive_rss:.0f} MB", flush=True)

        latency = {}
        with ArchiveSearcher(archive.index_dir, engine) as searcher:
            for full in (False, True):
                mode = "default mode (exact count, facets)" if full else "--json mode (top 10, estimated count)"
                print(f"Queries, {mode}, {args.rounds} rounds of 4 queries per kind, ms", flush=True)
                print(f"  {'kind':22} {'p50':>7} {'p95':>7}   {'FTS5 p50':>8} {'FTS5 p95':>8}   p95 ratio"
                      "   CPU p50  CPU p95", flush=True)
                figures = query_latency(searcher, conn, args.rounds, full=full)
                for kind, (p50, p95, f50, f95, c50, c95) in figures.items():
                    print(f"  {kind:22} {p50:7.1f} {p95:7.1f}   {f50:8.2f} {f95:8.2f}   {p95 / f95:9.0f}x"
                          f"   {c50:7.1f}  {c95:7.1f}", flush=True)
                latency["full" if full else "json"] = figures
        commands = command_latency(root / "archive", args.command_rounds)
        print("Whole commands, ms", flush=True)
        for label, figures in commands.items():
            print(f"  {label:32} " + ", ".join(f"{k} {v:.1f}" for k, v in figures.items()), flush=True)
        conn.close()
        engine.dispose()
    if args.json:
        args.json.write_text(json.dumps({
            "n": args.n, "procs": args.procs, "words": words / args.n, "load_average": load,
            "ingest_s": ingest_s, "ingest_cpu_s": ingest_cpu,
            "archive_index_s": archive_s, "bare_whoosh_s": bare_s, "fts5_s": fts_s,
            "archive_index_cpu_s": archive_cpu, "bare_whoosh_cpu_s": bare_cpu, "fts5_cpu_s": fts_cpu,
            "archive_peak_rss_mb": archive_rss,
            "latency_ms": {k: dict(zip(LATENCY_KEYS, v, strict=True)) for k, v in latency["json"].items()},
            "latency_full_ms": {k: dict(zip(LATENCY_KEYS, v, strict=True)) for k, v in latency["full"].items()},
            "commands_ms": commands,
        }, indent=2))


if __name__ == "__main__":
    sys.exit(main())
