"""How long ingest's readers take to refuse a file built to hang them, and how much memory they use.

Each case is read in a fresh child process by ``archive.ingest.formats`` (decode, then read every record) and
compared with a baseline in the same run: an ordinary file of the same format and about the same size,
read the same way. Growth: each bomb at three sizes (YAML aliases 9**7, 9**8, 9**9 strings once
expanded; JSON nested 1,000, 10,000 and 100,000 deep; CSV headers of 1,000, 10,000 and 100,000 columns).

    python benchmarks/bombs.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import resource, sys, time
from pathlib import Path
from archive.ingest.formats import FormatError, decode, format_of, read_records
path = Path(sys.argv[1])
data = path.read_bytes()
started = time.perf_counter()
try:
    records = sum(1 for _ in read_records(path, data, format_of(path), decode(data).text))
    outcome = f"{records} record(s)"
except FormatError as exc:
    outcome = f"refused: line {exc.line}: {exc.message}"
seconds = time.perf_counter() - started
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, outcome, sep="\\t")
"""


def alias_bomb(levels: int) -> str:
    lines = ["title: laughs", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnop"
    for index in range(1, levels):
        lines.append(f"{names[index]}: &{names[index]} [" + ",".join([f"*{names[index - 1]}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def ordinary_yaml(size: int) -> str:
    text = "title: An ordinary record\ntags: [rent, repairs, heat]\nbody: "
    return text + "x" * max(1, size - len(text) - 1) + "\n"


def deep_json(depth: int) -> str:
    return '{"title": "deep", "x": ' + "[" * depth + "]" * depth + "}"


def ordinary_json(size: int) -> str:
    return json.dumps({"title": "ordinary", "body": "x" * max(1, size - 40)})


def wide_csv(columns: int) -> str:
    return ",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("x" * columns) + "\n"


def ordinary_csv(size: int) -> str:
    rows = ["title,body"]
    while sum(len(r) + 1 for r in rows) < size:
        rows.append(f"Record {len(rows)},{'x' * 80}")
    return "\n".join(rows) + "\n"


def measure(folder: Path, name: str, text: str) -> tuple[float, int, str, int]:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{name}: the child failed:\n{done.stderr}")
    seconds, rss, outcome = done.stdout.strip().split("\t", 2)
    return float(seconds), int(rss), outcome, len(text.encode())


def main() -> None:
    cases = [("yaml", "aliases 9**7", alias_bomb(7)), ("yaml", "aliases 9**8", alias_bomb(8)),
             ("yaml", "aliases 9**9", alias_bomb(9)),
             ("json", "nested 1,000", deep_json(1_000)), ("json", "nested 10,000", deep_json(10_000)),
             ("json", "nested 100,000", deep_json(100_000)),
             ("csv", "1,000 columns", wide_csv(1_000)), ("csv", "10,000 columns", wide_csv(10_000)),
             ("csv", "100,000 columns", wide_csv(100_000))]
    baselines = {"yaml": ordinary_yaml, "json": ordinary_json, "csv": ordinary_csv}
    print("| case | bytes | time | baseline time | ratio | peak RSS | baseline RSS | outcome |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for index, (fmt, label, text) in enumerate(cases):
            seconds, rss, outcome, size = measure(folder, f"bomb{index}.{fmt}", text)
            base_seconds, base_rss, _, _ = measure(folder, f"base{index}.{fmt}", baselines[fmt](size))
            print(f"| {fmt} {label} | {size:,} | {seconds * 1000:.1f} ms | {base_seconds * 1000:.1f} ms | "
                  f"{seconds / base_seconds:.1f}x | {rss / 1024:.0f} MB | {base_rss / 1024:.0f} MB | {outcome[:70]} |")


if __name__ == "__main__":
    main()
