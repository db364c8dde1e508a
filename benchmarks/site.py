"""Benchmark ``archive build``: full build, incremental rebuild, output size, and search transfer in Chromium.

The archive holds N accounts shaped like the real data sets in ../shared/data (bodies are passages of the
Project Gutenberg texts and descriptions from Collective Action in Tech), spread over a few hundred
struggles in three waves. Search transfer is measured in headless Chromium (Debian's ``/usr/bin/chromium``)
over http on 127.0.0.1, with a cold cache per query; the same pages are indexed with Pagefind
(``pip install 'pagefind[bin]'``) and its bytes per query measured the same way.

Usage::

    python benchmarks/site.py                  # 10,000 accounts
    python benchmarks/site.py --large          # 100,000 accounts
    python benchmarks/site.py -n 2000 --no-pagefind
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
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ARCHIVE_SHARED_DATA", REPO.parent / "shared" / "data"))
CHROMIUM = os.environ.get("ARCHIVE_CHROMIUM", "/usr/bin/chromium")
QUERIES = {1: ["strike", "union", "revolution", "police"],
           2: ["union workers", "general strike", "women vote", "factory committee"],
           3: ["workers council power", "strike for wages", "black workers union"]}
SEED = 1917


def corpus() -> tuple[list[str], list[dict[str, Any]]]:
    passages: list[str] = []
    for path in sorted((SHARED / "gutenberg_movement_texts").glob("*.txt")):
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        text = text[text.find("*** START OF"):text.find("*** END OF")]
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 200]
        passages.extend(paragraphs)
    actions = json.loads((SHARED / "collective_action_in_tech" / "actions.json").read_text(encoding="utf-8"))
    return passages, actions


def records(n: int) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    passages, actions = corpus()
    waves = [("first-wave", "1900", "1925"), ("second-wave", "1960", "1975"), ("third-wave", "2015", None)]
    out: list[dict[str, Any]] = [{"type": "wave", "slug": s, "title": s.replace("-", " ").title(), "start": a,
                                  **({"end": b} if b else {})} for s, a, b in waves]
    struggles = max(20, n // 50)
    for number in range(struggles):
        action = actions[number % len(actions)]
        wave = waves[number % 3]
        out.append({"type": "struggle", "slug": f"s-{number}", "title": f"Struggle {number}: "
                    + ", ".join(action.get("actions") or ["action"]), "body": action["description"][:400],
                    "waves": [wave[0]], "start": f"{int(wave[1]) + number % 10}",
                    "tags": action.get("struggles") or []})
    for number in range(n):
        passage = passages[rng.randrange(len(passages))]
        year = rng.choice([1905, 1917, 1919, 1968, 1970, 2018, 2020, 2021])
        out.append({"type": "account", "slug": f"a-{number}", "title": " ".join(passage.split()[:8]),
                    "body": passage, "date": f"{year}-{rng.randint(1, 12):02d}", "kind": "testimony",
                    "narrator": rng.choice(["Anonymous", "A steward", "R.", "Organizing committee"]),
                    "struggles": [f"s-{rng.randrange(struggles)}"], "language": "en"})
    return out


def write(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def folder_size(root: Path, under: str = "") -> tuple[int, int]:
    files = [p for p in (root / under).rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def build_once(archive: Any, engine: Any) -> tuple[float, float, Any]:
    """Wall and CPU seconds of one build: on a shared machine the CPU time is the steadier figure."""
    from archive.publish import build

    started, cpu = time.perf_counter(), time.process_time()
    report = build(archive, engine)
    return time.perf_counter() - started, time.process_time() - cpu, report


def serve(site: Path) -> tuple[Any, str]:
    from archive.publish.serve import make_server

    server = make_server(site, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


PAGEFIND_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>pf</title></head><body>
<script type="module">
window.runQuery = async (q) => {
  const pagefind = await import("./pagefind/pagefind.js");
  const started = performance.now();
  const search = await pagefind.search(q);
  const top = await Promise.all(search.results.slice(0, 10).map(r => r.data()));
  return {ms: performance.now() - started, n: top.length};
};
window.ready = true;
</script></body></html>"""


def measure_queries(browser: Any, base: str, kind: str) -> list[dict[str, Any]]:
    """Bytes and time to the top 10 results for each query, each in a fresh context (cold cache).

    Bytes are the response bodies of the search's own files (uncompressed, as http.server sends them),
    seen by the browser context, workers included: for the site, search.js, meta.js, shards, tails and
    the top 10 documents; for Pagefind, pagefind.js, its WebAssembly, entry and index chunks and the
    top 10 fragments."""
    rows = []
    for words, queries in QUERIES.items():
        for query in queries:
            context = browser.new_context()
            page = context.new_page()
            seen: list[tuple[str, int]] = []
            context.on("requestfinished", lambda request, seen=seen: seen.append(
                (request.url, request.sizes()["responseBodySize"])))
            if kind == "site":
                page.goto(base + "search.html")
                page.wait_for_function("() => window.LA && window.LA.search")
                ms = page.evaluate("""async (q) => { const t = performance.now();
                    const r = await LA.search(q, '', '', 10);
                    await Promise.all(r.results.slice(0, 10).map(x => new Promise(ok => {
                        const s = document.createElement('script'); s.src = 'search/d/' + x[0] + '.js';
                        s.onload = ok; s.onerror = ok; document.head.appendChild(s); })));
                    return performance.now() - t; }""", query)
                wanted = ("/search/", "/assets/search.js")
            else:
                page.goto(base + "pagefind-bench.html")
                page.wait_for_function("() => window.ready")
                ms = page.evaluate("async (q) => (await window.runQuery(q)).ms", query)
                wanted = ("/pagefind/",)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)  # let the last requestfinished events reach this process
            entries = [(name, size) for name, size in seen if any(w in name for w in wanted)]
            rows.append({"engine": kind, "words": words, "query": query, "bytes": sum(s for _, s in entries),
                         "requests": len(entries), "ms": round(ms, 1)})
            context.close()
    return rows


def measure_site(site: Path, pagefind: bool) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    result: dict[str, Any] = {}
    server, base = serve(site)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        rows = measure_queries(browser, base, "site")
        if pagefind:
            rows += measure_queries(browser, base, "pagefind")
        browser.close()
    server.shutdown()
    result["queries"] = rows
    for engine_name in ("site", "pagefind"):
        mine = [r for r in rows if r["engine"] == engine_name]
        if mine:
            result[f"{engine_name}_mean_bytes_per_query"] = round(sum(r["bytes"] for r in mine) / len(mine))
            result[f"{engine_name}_mean_ms"] = round(sum(r["ms"] for r in mine) / len(mine), 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000, help="accounts (default 10,000)")
    parser.add_argument("--large", action="store_true", help="100,000 accounts")
    parser.add_argument("--no-pagefind", action="store_true", help="skip the Pagefind comparison")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument("--queries-only", type=Path, metavar="SITE",
                        help="only measure search transfer on an already built (and Pagefind-indexed) site")
    args = parser.parse_args()
    n = 100_000 if args.large else args.n
    if args.queries_only:
        print(json.dumps(measure_site(args.queries_only, not args.no_pagefind), indent=2))
        return

    from archive.create import init_archive
    from archive.db import make_engine
    from archive.ingest import ingest

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="site-bench-"))
    archive = init_archive(workdir / "archive", title="Benchmark")
    engine = make_engine(archive.db_url(), writer=True)
    data = workdir / "records.jsonl"
    write(data, records(n))
    started = time.perf_counter()
    ingest(engine, [data], default_language="en")
    result: dict[str, Any] = {"accounts": n, "ingest_s": round(time.perf_counter() - started, 1)}

    seconds, cpu, report = build_once(archive, engine)
    result.update(full_build_s=round(seconds, 1), full_build_cpu_s=round(cpu, 1), pages=report.pages,
                  files=report.write.files, pages_per_s=round(report.pages / seconds),
                  pages_per_cpu_s=round(report.pages / cpu))
    seconds, cpu, report = build_once(archive, engine)
    result.update(noop_rebuild_s=round(seconds, 1), noop_rebuild_cpu_s=round(cpu, 1),
                  noop_written=len(report.write.written))
    extra = workdir / "one.jsonl"
    write(extra, [{"type": "account", "slug": "one-more", "title": "One more account of the general strike",
                   "body": "We walked out together.", "date": "2021-05", "struggles": ["s-1"]}])
    ingest(engine, [extra], default_language="en")
    seconds, cpu, report = build_once(archive, engine)
    result.update(incremental_rebuild_s=round(seconds, 1), incremental_rebuild_cpu_s=round(cpu, 1),
                  incremental_written=len(report.write.written))
    files, size = folder_size(report.out)
    search_files, search_size = folder_size(report.out, "search")
    result.update(output_files=files, output_mb=round(size / 1e6, 1), search_files=search_files,
                  search_mb=round(search_size / 1e6, 1))
    engine.dispose()

    if Path(CHROMIUM).is_file():

        if not args.no_pagefind:
            pagefind_dir = report.out / "pagefind"
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pagefind", "--site", str(report.out), "--output-path",
                            str(pagefind_dir)], check=True, capture_output=True)
            result["pagefind_index_s"] = round(time.perf_counter() - started, 1)
            result["pagefind_mb"] = round(folder_size(pagefind_dir)[1] / 1e6, 1)
            (report.out / "pagefind-bench.html").write_text(PAGEFIND_PAGE, encoding="utf-8")
        result.update(measure_site(report.out, not args.no_pagefind))
    print(json.dumps(result, indent=2))
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
