"""What building beside the old site and swapping it in costs, against writing the files in place.

``archive.publish.output.write_site`` writes a new site into a sibling folder, links unchanged files from
the previous one, signs the manifest and swaps the folders. The baseline, measured in the same run, is
the least any writer does: each file written once into a folder (first build), and nothing written at
all when every file is unchanged (a rebuild only stats them). Growth: 1,000, 10,000 and 100,000 files
of 2 KB in folders of 1,000.

    python benchmarks/site_write.py [--sizes 1000,10000]
"""

from __future__ import annotations

import argparse
import functools
import shutil
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from archive.publish.output import write_site
from archive.trust.signing import sign


def files(count: int, salt: str = "") -> list[tuple[str, bytes]]:
    return [(f"pages/{i // 1000}/{i}.html", (f"<p>page {i}{salt}</p>" + "x" * 2000).encode()) for i in range(count)]


def plain_write(folder: Path, pages: list[tuple[str, bytes]]) -> None:
    for path, data in pages:
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def plain_unchanged(folder: Path, pages: list[tuple[str, bytes]]) -> None:
    for path, data in pages:
        assert (folder / path).stat().st_size == len(data)


def timed(action, *args, **kwargs) -> float:  # noqa: ANN001, ANN002, ANN003
    started = time.perf_counter()
    action(*args, **kwargs)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    key = Ed25519PrivateKey.generate()
    signer = functools.partial(sign, key)
    print("| files | first build | plain write | ratio | unchanged rebuild | plain stat | ratio | one page changed |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count in sizes:
        pages = files(count)
        changed = [*pages[:-1], (pages[-1][0], b"changed")]
        with tempfile.TemporaryDirectory(dir=".") as tmp:
            root = Path(tmp).resolve()
            first = timed(write_site, root / "site", pages, sign=signer)
            again = timed(write_site, root / "site", pages, sign=signer)
            one = timed(write_site, root / "site", changed, sign=signer)
            base_first = timed(plain_write, root / "plain", pages)
            base_again = timed(plain_unchanged, root / "plain", pages)
            shutil.rmtree(root / "plain")
        print(f"| {count:,} | {first:.2f} s | {base_first:.2f} s | {first / base_first:.1f}x | {again:.2f} s | "
              f"{base_again:.2f} s | {again / base_again:.1f}x | {one:.2f} s |")


if __name__ == "__main__":
    main()
