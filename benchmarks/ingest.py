"""Benchmark: ingest N realistic accounts, against a bare sqlite3 insert of the same rows.

The accounts are shaped like the real data sets in ../shared/data: bodies are passages of the Project
Gutenberg texts (Reed, Pankhurst, Goldman, Du Bois, Douglass, Marx) and descriptions from Collective Action
in Tech; the front matter has a slug, title, date, kind, narrator, source, language, struggles, places and
tags drawn from that data. They are written as Markdown files in a temporary folder (``--format md``) or as
one JSON Lines file (``--format jsonl``).

Each measurement runs in a fresh child process, so that its peak memory (``ru_maxrss``) is the ingest's own:
1. ``archive.store.ingest.ingest`` into a new archive (SQLite, WAL, synchronous=FULL, as shipped);
2. the baseline: a plain ``sqlite3`` ``executemany`` of the same rows into a copy of the archive's
   ``records`` table (same columns, constraints and indexes), with the same pragmas, in one transaction.

Usage::

    python benchmarks/ingest.py                   # 10,000 accounts as Markdown files
    python benchmarks/ingest.py --format jsonl    # the same as one JSON Lines file
    python benchmarks/ingest.py --large           # 100,000 accounts
    python benchmarks/ingest.py --memory          # also at 2N, to see whether peak memory stays flat
    python benchmarks/ingest.py --profile         # cProfile the ingest; print the top costs
    python benchmarks/ingest.py --format csv --sizes 1000,10000,30000 --peak --before DIR
        # peak memory of the ingest alone against a bare reader pass over the same file (the growth with
        # one large file); DIR holds an earlier version: git archive REV archive | tar -x -C DIR
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ARCHIVE_SHARED_DATA", REPO.parent / "shared" / "data"))
KINDS = ["testimony", "report", "interview", "minutes", "leaflet", "article", "statement"]
NARRATORS = ["Collective Action in Tech contributors", "John Reed", "Emmeline Pankhurst", "Emma Goldman",
             "W. E. B. Du Bois", "Frederick Douglass", "a warehouse worker (pseudonym)", "R.", "Shop steward, Local 9",
             "Anonymous rider", "Karl Marx", "Organizing committee"]
SEED = 1933


# --- realistic accounts ---------------------------------------------------------------------------------

class Corpus:
    """Passages, descriptions and vocabularies from the real data sets."""

    def __init__(self, shared: Path) -> None:
        self.passages: list[str] = []
        for path in sorted((shared / "gutenberg_movement_texts").glob("*.txt")):
            text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
            start = text.find("*** START OF")
            end = text.find("*** END OF")
            text = text[text.find("\n", start) + 1 if start >= 0 else 0: end if end >= 0 else None]
            paragraphs = [re.sub(r"\s*\n\s*", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
            self.passages.extend(p for p in paragraphs if len(p) > 200)
        actions = json.loads((shared / "collective_action_in_tech" / "actions.json").read_text(encoding="utf-8"))
        self.actions = actions
        self.places = sorted({loc for a in actions for loc in a["locations"] or []})
        self.tags = sorted({t.replace("_", " ") for a in actions for t in (a["tags"] or []) + (a["struggles"] or [])})
        self.struggles = [f"cait-{a['id']}" for a in actions]

    def account(self, number: int, rng: random.Random) -> dict[str, Any]:
        if rng.random() < 0.5:
            action = rng.choice(self.actions)
            body = action["description"]
            date = action["date"].replace("/", "-")
            source = "; ".join(action["sources"] or [])
            places = [p for p in action["locations"] or []][:3]
            named = (action["struggles"] or []) + (action["tags"] or [])
            tags = list(dict.fromkeys(t.replace("_", " ") for t in named))
            struggles = [f"cait-{action['id']}"]
            narrator = NARRATORS[0]
        else:
            first = rng.randrange(len(self.passages) - 6)
            body = "\n\n".join(self.passages[first:first + rng.randint(1, 6)])
            date = f"{rng.randint(1845, 1925)}-{rng.randint(1, 12):02d}"
            source = f"Project Gutenberg, passage {first}"
            places = rng.sample(self.places, rng.randint(0, 2))
            tags = rng.sample(self.tags, rng.randint(0, 4))
            struggles = rng.sample(self.struggles, rng.randint(1, 2))
            narrator = rng.choice(NARRATORS[1:])
        title = re.split(r"(?<=[.!?])\s", body, maxsplit=1)[0][:90].strip()
        return {
            "slug": f"bench-{number:07d}",
            "title": title or f"Account {number}",
            "date": date,
            "recorded": f"{rng.randint(1990, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "kind": rng.choice(KINDS),
            "narrator": narrator,
            "source": source,
            "language": "en",
            "struggles": struggles,
            "places": places,
            "tags": tags,
            "body": body,
        }


def accounts(corpus: Corpus, n: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(SEED)
    for number in range(n):
        yield corpus.account(number, rng)


def write_markdown(corpus: Corpus, n: int, folder: Path) -> int:
    size = 0
    for number, record in enumerate(accounts(corpus, n)):
        body = record.pop("body")
        text = "---\n" + yaml.safe_dump(record, sort_keys=False, allow_unicode=True) + "---\n" + body + "\n"
        sub = folder / f"{number // 1000:04d}"  # 1,000 files a folder, as an archivist might keep them
        sub.mkdir(exist_ok=True)
        data = text.encode("utf-8")
        (sub / f"{record['slug']}.md").write_bytes(data)
        size += len(data)
    return size


CSV_COLUMNS = {"Case": "slug", "Headline": "title", "Happened": "date", "Taped": "recorded", "Kind": "kind",
               "Who": "narrator", "From": "source", "Lang": "language", "Fights": "struggles",
               "Where": "places", "Themes": "tags", "Text": "body"}


def write_csv(corpus: Corpus, n: int, folder: Path) -> int:
    """A spreadsheet whose columns are not named like our fields, and its mapping (outside the folder)."""
    import csv

    path = folder / "accounts.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(CSV_COLUMNS))
        for record in accounts(corpus, n):
            writer.writerow(["|".join(v) if isinstance(v, list) else v
                             for v in (record[field] for field in CSV_COLUMNS.values())])
    mapping = {"columns": {column: field for column, field in CSV_COLUMNS.items()},
               "split": {"struggles": "|", "places": "|", "tags": "|"}, "null": [""],
               "constants": {"type": "account"}, "keep_unmapped": False}
    (folder.parent / f"{folder.name}.map.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    return path.stat().st_size


def write_jsonl(corpus: Corpus, n: int, folder: Path) -> int:
    path = folder / "accounts.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for record in accounts(corpus, n):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path.stat().st_size


# --- the two measurements, each in its own process -----------------------------------------------------

def run_ingest(input_dir: Path, archive_dir: Path, profile: bool, trace: bool = False,
               index: bool = True) -> dict[str, Any]:
    """Ingest, then build the search index as ``archive ingest`` does after its commit (the first ingest of
    a batch builds it in one bulk pass), each timed on its own. ``trace``: also the peak of Python's heap
    during the ingest (tracemalloc, which slows it down: its times are then not comparable)."""
    import resource
    import tracemalloc

    from archive.ingest.mapping import load_mapping
    from archive.search.index import update_after_ingest
    from archive.store.db import make_engine
    from archive.store.ingest import ingest
    from archive.trust.create import init_archive

    archive = init_archive(archive_dir, title="Benchmark")
    engine = make_engine(archive.db_url(), writer=True)
    mapping_path = input_dir.parent / f"{input_dir.name}.map.yaml"
    mapping = load_mapping(mapping_path) if mapping_path.exists() else None
    profiler = None
    if profile:
        import cProfile
        profiler = cProfile.Profile()
    start, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    if trace:
        tracemalloc.start(1)
    report = ingest(engine, [input_dir], mapping=mapping)
    heap_peak = tracemalloc.get_traced_memory()[1] if trace else None
    tracemalloc.stop()
    if profiler:
        profiler.disable()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    ingest_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, index_cpu = time.perf_counter(), time.process_time()
    if index:
        update_after_ingest(archive.index_dir, engine, report.changed_ids)
    index_seconds, index_cpu = time.perf_counter() - start, time.process_time() - index_cpu
    engine.dispose()
    if profiler:
        import pstats
        stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime")
        stats.print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
    return {"seconds": seconds, "cpu_seconds": cpu, "records": report.records, "added": report.added,
            "stubs": report.stubs,
            "errors": [str(e) for e in report.errors[:5]],
            "maxrss_kb": ingest_rss, "heap_peak": heap_peak, "index_seconds": index_seconds,
            "index_cpu_seconds": index_cpu,
            "index_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "load_average": os.getloadavg()[0]}


def run_baseline(input_dir: Path, db_path: Path, schema_from: Path) -> dict[str, Any]:
    """A bare sqlite3 executemany of the same rows into a table of the same shape."""
    import hashlib
    import resource
    import sqlite3

    rows = []
    for path in sorted(input_dir.rglob("*")):
        if path.suffix == ".md":
            raw = path.read_bytes()
            _, front, body = raw.decode("utf-8").split("---\n", 2)
            records = [(yaml.load(front, Loader=yaml.CSafeLoader) | {"body": body}, raw, str(path))]
        elif path.suffix == ".csv":
            import csv
            with path.open(encoding="utf-8", newline="") as handle:
                records = [({CSV_COLUMNS[k]: v for k, v in row.items()}, ",".join(row.values()).encode(),
                            f"{path}:{i}") for i, row in enumerate(csv.DictReader(handle), start=2)]
        elif path.suffix == ".jsonl":
            records = [(json.loads(line), line.encode(), f"{path}:{i}")
                       for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)]
        else:
            continue
        for fields, raw, origin in records:
            sha = hashlib.sha256(raw).hexdigest()
            rows.append(("account", fields["slug"], fields["title"], fields["body"], "public", fields["language"],
                         False, sha, None, origin, json.dumps({}), fields["kind"], str(fields["date"]),
                         str(fields["recorded"]), fields["narrator"], fields["source"]))
    schema = sqlite3.connect(schema_from)
    ddl = [sql for (sql,) in schema.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'records' AND sql IS NOT NULL ORDER BY type DESC")]
    schema.close()
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    for sql in ddl:
        db.execute(sql)
    start, cpu = time.perf_counter(), time.process_time()
    db.execute("BEGIN IMMEDIATE")
    db.executemany(
        "INSERT INTO records (type, slug, title, body, visibility, language, is_stub, content_sha256, "
        "source_sha256, origin, extra, kind, date, recorded, narrator, source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.execute("COMMIT")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    db.close()
    return {"seconds": seconds, "cpu_seconds": cpu, "records": len(rows),
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def run_stream(input_dir: Path) -> dict[str, Any]:
    """The memory baseline: a bare pass over the same file in a process that imported what the ingest
    imports, a ``csv.reader`` row or a ``json.loads`` line at a time (the least any reader must hold)."""
    import csv
    import resource
    import tracemalloc

    import archive.ingest.mapping  # noqa: F401 - the same imports as the ingest, for the same base RSS
    import archive.search.index  # noqa: F401
    import archive.store.ingest  # noqa: F401
    import archive.trust.create  # noqa: F401

    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start(1)
    rows, cpu = 0, time.process_time()
    for path in sorted(input_dir.rglob("*")):
        if path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as handle:
                rows += sum(1 for _ in csv.reader(handle))
        elif path.suffix == ".jsonl":
            with path.open(encoding="utf-8") as handle:
                rows += sum(1 for line in handle if json.loads(line))
    heap_peak = tracemalloc.get_traced_memory()[1]
    return {"rows": rows, "cpu_seconds": time.process_time() - cpu, "heap_peak": heap_peak,
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "base_rss_kb": base_rss}


def child(*args: str, code: Path | None = None) -> dict[str, Any]:
    """Run a measurement in a fresh process; ``code``: import ``archive`` from that folder (an earlier
    version, for a before/after comparison in the same run)."""
    env = dict(os.environ, PYTHONPATH=str(code)) if code else None
    result = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False,
                            env=env)
    if result.returncode != 0:
        raise SystemExit(f"the benchmark child failed:\n{result.stderr}")
    if result.stderr and "--profile" in args:
        print(result.stderr, file=sys.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(corpus: Corpus, n: int, fmt: str, work: Path, profile: bool) -> dict[str, Any]:
    data = work / f"{fmt}-{n}"
    data.mkdir()
    started = time.perf_counter()
    size = {"md": write_markdown, "jsonl": write_jsonl, "csv": write_csv}[fmt](corpus, n, data)
    generated = time.perf_counter() - started
    archive_dir = work / f"archive-{fmt}-{n}"
    ingested = child("_ingest", str(data), str(archive_dir), *(["--profile"] if profile else []))
    if ingested["errors"] or ingested["records"] != n:
        raise SystemExit(f"ingest did not take all {n} records: {ingested}")
    baseline = child("_baseline", str(data), str(work / f"baseline-{fmt}-{n}.sqlite"),
                     str(archive_dir / "archive.sqlite"))
    shutil.rmtree(data)
    return {"n": n, "format": fmt, "bytes": size, "generate_s": generated, "ingest": ingested,
            "baseline": baseline}


def measure_peak(corpus: Corpus, n: int, fmt: str, work: Path, before: Path | None) -> dict[str, Any]:
    """Peak memory of the ingest alone (no index build) against a bare reader pass over the same file:
    resident set (``ru_maxrss``, untraced run) and Python's heap (tracemalloc, a second run); with
    ``before``, the same for the code in that folder."""
    data = work / f"{fmt}-{n}"
    data.mkdir()
    size = {"md": write_markdown, "jsonl": write_jsonl, "csv": write_csv}[fmt](corpus, n, data)
    out: dict[str, Any] = {"n": n, "format": fmt, "bytes": size, "stream": child("_stream", str(data))}
    for label, code in (("ingest", None), ("before", before)):
        if label == "before" and code is None:
            continue
        runs = []
        for trace in (False, True):
            archive_dir = work / f"archive-{fmt}-{n}-{label}-{trace}"
            runs.append(child("_ingest", str(data), str(archive_dir), "--no-index",
                              *(["--trace"] if trace else []), code=code))
            if runs[-1]["errors"] or runs[-1]["records"] != n:
                raise SystemExit(f"ingest did not take all {n} records: {runs[-1]}")
            shutil.rmtree(archive_dir)
        out[label] = {"cpu_seconds": runs[0]["cpu_seconds"], "maxrss_kb": runs[0]["maxrss_kb"],
                      "heap_peak": runs[1]["heap_peak"]}
    shutil.rmtree(data)
    return out


def describe_peak(result: dict[str, Any]) -> str:
    mb = 1e6
    stream, size = result["stream"], result["bytes"]
    lines = [f"{result['n']:>7,} accounts as {result['format']} ({size / mb:.1f} MB); load {os.getloadavg()[0]:.1f}",
             f"  bare reader pass   heap peak {stream['heap_peak'] / mb:7.1f} MB, "
             f"peak RSS {stream['maxrss_kb'] / 1024:6.1f} MB (after imports {stream['base_rss_kb'] / 1024:.1f} MB)"]
    for label in ("ingest", "before"):
        if label in result:
            run = result[label]
            growth = run["heap_peak"] - stream["heap_peak"]
            lines.append(f"  {label:<18} heap peak {run['heap_peak'] / mb:7.1f} MB "
                         f"(+{growth / mb:.1f} MB over the pass = {growth / size:.2f}x the file), "
                         f"peak RSS {run['maxrss_kb'] / 1024:6.1f} MB "
                         f"(+{(run['maxrss_kb'] - stream['maxrss_kb']) / 1024:.1f} MB), CPU {run['cpu_seconds']:.2f} s")
    return "\n".join(lines)


def describe(result: dict[str, Any]) -> str:
    n, ingest, base = result["n"], result["ingest"], result["baseline"]
    return (f"{n:>7,} accounts as {result['format']:<5} ({result['bytes'] / 1e6:.1f} MB, {ingest['stubs']:,} stubs)\n"
            f"  ingest      {ingest['seconds']:7.2f} s = {n / ingest['seconds']:8,.0f} records/s "
            f"(CPU {ingest['cpu_seconds']:6.2f} s = {n / ingest['cpu_seconds']:8,.0f}/s), "
            f"peak RSS {ingest['maxrss_kb'] / 1024:6.1f} MB\n"
            f"  bare insert {base['seconds']:7.2f} s = {n / base['seconds']:8,.0f} records/s "
            f"(CPU {base['cpu_seconds']:6.2f} s = {n / base['cpu_seconds']:8,.0f}/s)\n"
            f"  ratio       {ingest['seconds'] / base['seconds']:5.1f}x wall clock, "
            f"{ingest['cpu_seconds'] / base['cpu_seconds']:5.1f}x CPU time\n"
            f"  index build {ingest['index_seconds']:7.2f} s (CPU {ingest['index_cpu_seconds']:6.2f} s), "
            f"peak RSS {ingest['index_maxrss_kb'] / 1024:6.1f} MB\n"
            f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def fit_exponent(points: list[tuple[float, float]]) -> float:
    """The b of y = a * n^b, least squares on the logarithms."""
    import math

    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(y, 1e-9)) for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark ingest against a bare sqlite3 insert.")
    parser.add_argument("-n", type=int, default=10_000, help="how many accounts (default 10,000)")
    parser.add_argument("--large", action="store_true", help="100,000 accounts")
    parser.add_argument("--format", choices=["md", "jsonl", "csv"], default="md",
                        help="Markdown files, one JSONL file, or one CSV with a mapping")
    parser.add_argument("--sizes", help="a series such as 1000,10000,30000: fits the growth exponents")
    parser.add_argument("--memory", action="store_true", help="also run at 2N to compare peak memory")
    parser.add_argument("--profile", action="store_true", help="cProfile the ingest (slower) and print top costs")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--peak", action="store_true",
                        help="peak memory of the ingest alone against a bare reader pass (no timings, no index)")
    parser.add_argument("--before", type=Path, metavar="DIR",
                        help="with --peak: also measure the archive package found in DIR (an earlier version)")
    args = parser.parse_args()
    n = 100_000 if args.large else args.n
    corpus = Corpus(SHARED)
    results = []
    sizes = [int(x) for x in args.sizes.split(",")] if args.sizes else [n, 2 * n] if args.memory else [n]
    with tempfile.TemporaryDirectory(prefix="archive-bench-") as tmp:
        for size in sizes:
            if args.peak:
                result = measure_peak(corpus, size, args.format, Path(tmp), args.before)
                print(describe_peak(result), flush=True)
            else:
                result = measure(corpus, size, args.format, Path(tmp), args.profile)
                print(describe(result), flush=True)
            results.append(result)
    if args.peak:
        if len(results) > 1:
            for label in ("ingest", "before"):
                if label in results[0]:
                    growth = [(r["n"], max(r[label]["heap_peak"] - r["stream"]["heap_peak"], 1)) for r in results]
                    print(f"Growth exponent of the {label} heap peak over the bare pass: {fit_exponent(growth):.2f}")
        if args.json:
            print(json.dumps(results, indent=2))
        return
    if args.memory:
        first, second = (r["ingest"]["maxrss_kb"] for r in results)
        print(f"peak RSS at {2 * n:,} / at {n:,}: {second / first:.2f}x")
    if len(results) > 2:
        print("Growth exponents (y = a * n^b, fitted over the series):")
        for label, key in (("ingest CPU", "cpu_seconds"), ("index build CPU", "index_cpu_seconds"),
                           ("ingest peak RSS", "maxrss_kb")):
            print(f"  {label}: {fit_exponent([(r['n'], r['ingest'][key]) for r in results]):.2f}")
        print(f"  bare insert CPU: {fit_exponent([(r['n'], r['baseline']['cpu_seconds']) for r in results]):.2f}")
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_ingest":
        print(json.dumps(run_ingest(Path(sys.argv[2]), Path(sys.argv[3]), "--profile" in sys.argv,
                                    "--trace" in sys.argv, "--no-index" not in sys.argv)))
    elif len(sys.argv) > 1 and sys.argv[1] == "_stream":
        print(json.dumps(run_stream(Path(sys.argv[2]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "_baseline":
        print(json.dumps(run_baseline(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))))
    else:
        main()
