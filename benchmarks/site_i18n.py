"""Benchmark the translated interface: what a build in another language costs against an English build.

The demo archive (real public records from Collective Action in Tech: 256 public records, about 500 pages)
is built cold (a fresh output folder, the build cache removed) in English, the baseline measured in the
same run, and in each translated language, alternating the order on each repeat. A translated build
renders every string through a compiled gettext catalog and formats dates and numbers with Babel; the
English build uses the same code with the English catalog. Also timed: compiling each catalog from its
``.po`` (done once per build, in memory).

Usage::

    python benchmarks/site_i18n.py              # 3 repeats
    python benchmarks/site_i18n.py --repeat 5
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.publish import build, i18n  # noqa: E402
from archive.publish.cache import CACHE_NAME  # noqa: E402
from archive.publish.demo import build_demo  # noqa: E402
from archive.store.config import load_archive  # noqa: E402
from archive.store.db import make_engine  # noqa: E402


def compile_seconds(language: str) -> float:
    """Reading the ``.po`` and compiling it to ``.mo`` bytes in memory, uncached."""
    i18n._compiled.cache_clear()
    i18n._interface.cache_clear()
    started = time.perf_counter()
    i18n.interface(language)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    languages = i18n.available_languages()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        demo = build_demo(root / "demo")
        archive = load_archive(demo.archive.root)
        engine = make_engine(archive.db_url())
        seconds: dict[str, list[float]] = {lang: [] for lang in languages}
        cpu: dict[str, list[float]] = {lang: [] for lang in languages}
        pages = 0
        try:
            for run in range(args.repeat):
                order = languages if run % 2 == 0 else list(reversed(languages))
                for language in order:
                    out = root / f"site-{language}-{run}"
                    (archive.root / CACHE_NAME).unlink(missing_ok=True)
                    started, started_cpu = time.perf_counter(), time.process_time()
                    report = build(archive, engine, out=out, language=language)
                    seconds[language].append(time.perf_counter() - started)
                    cpu[language].append(time.process_time() - started_cpu)
                    pages = report.pages
                    shutil.rmtree(out)
        finally:
            engine.dispose()
    baseline, baseline_cpu = statistics.median(seconds["en"]), statistics.median(cpu["en"])
    print(f"Demo archive, {pages} pages, cold builds, median of {args.repeat} (baseline: English)\n")
    print("| language | wall s | wall ratio | CPU s | CPU ratio | catalog compile ms |")
    print("|---|---|---|---|---|---|")
    for language in languages:
        wall, used = statistics.median(seconds[language]), statistics.median(cpu[language])
        print(f"| {language} | {wall:.2f} | {wall / baseline:.3f} | {used:.2f} | {used / baseline_cpu:.3f} | "
              f"{compile_seconds(language) * 1000:.1f} |")


if __name__ == "__main__":
    main()
