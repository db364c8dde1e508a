"""What attachments cost a build: time and site size with images and recordings, against the same build
without them, in the same run.

An archive of N public accounts (demo-like text) is built once without attachments (the baseline), then
with one photograph (JPEG with EXIF and GPS, 1600x1200) on each of the first ``--images`` accounts and one
recording (MP3, ``--seconds`` long, tagged) on each of the first ``--recordings``: a first build (every
file cleaned and its derivatives made) and a rebuild with nothing changed (cleaned copies come from
``ARCHIVE/.media-cache``, and the writer finds every file unchanged). CPU time includes child processes
(FFmpeg). Attaching itself (checking, hashing, keeping, reading for search) is timed too.

    python benchmarks/attachments.py [--accounts 1000] [--images 1000] [--recordings 100]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.publish.build import build  # noqa: E402
from archive.store.attach import Description, attach_files  # noqa: E402
from archive.store.db import make_engine  # noqa: E402
from archive.store.ingest import ingest  # noqa: E402
from archive.trust.create import init_archive  # noqa: E402
from tests import media_files as make  # noqa: E402


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measured(action, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    wall, used = time.perf_counter(), cpu()
    result = action(*args, **kwargs)
    return result, time.perf_counter() - wall, cpu() - used


def size_of(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def photo(path: Path, number: int) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 1200), (40 + number % 200, 90, 140))
    draw = ImageDraw.Draw(image)
    for stripe in range(0, 1600, 40):
        draw.rectangle((stripe, 0, stripe + 20, 1200), fill=((stripe * 7 + number) % 255, 120, 60))
    draw.text((100, 100), f"Picket {number}", fill="white", font_size=120)
    image.save(path, "JPEG", quality=85, exif=make._exif(), xmp=make.XMP)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--recordings", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60, help="length of each recording")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-attach-") as tmp:
        root = Path(tmp)
        archive = init_archive(root / "archive", title="Bench")
        engine = make_engine(archive.db_url(), writer=True)
        records = root / "records"
        records.mkdir()
        for number in range(args.accounts):
            (records / f"a{number}.md").write_text(
                f"---\ntitle: Account {number}\nslug: account-{number}\nvisibility: public\n"
                f"date: 19{30 + number % 60}\n"
                f"struggles: [Strike {number % 50}]\n---\nWe walked out of shop {number} at noon, "
                "and the laundry room stayed shut for three weeks.\n", encoding="utf-8")
        ingest(engine, [records])
        base, base_wall, base_cpu = measured(build, archive, engine, root / "site-base")
        base_files, base_bytes = size_of(root / "site-base")

        media = root / "media"
        media.mkdir()
        attach_wall = attach_cpu = 0.0
        originals = 0
        for number in range(args.images):
            folder = media / f"i{number}"
            folder.mkdir()
            path = photo(folder / "picket.jpg", number)
            originals += path.stat().st_size
            _, wall, used = measured(attach_files, archive.root, engine, f"account/account-{number}", [path],
                                     Description(caption=f"Picket {number}", credit="Bench"))
            attach_wall += wall
            attach_cpu += used
        for number in range(args.recordings):
            folder = media / f"r{number}"
            folder.mkdir()
            path = make.mp3(folder / "interview.mp3", frames=int(args.seconds * 44100 / 1152))
            originals += path.stat().st_size
            _, wall, used = measured(attach_files, archive.root, engine, f"account/account-{number}", [path],
                                     Description(caption=f"Interview {number}"))
            attach_wall += wall
            attach_cpu += used
        first, first_wall, first_cpu = measured(build, archive, engine, root / "site")
        first_files, first_bytes = size_of(root / "site")
        again, again_wall, again_cpu = measured(build, archive, engine, root / "site")
        rebuild_base, rb_wall, rb_cpu = measured(build, archive, engine, root / "site-base-again")
        assert not first.media_refused, first.media_refused[:3]
        print(f"accounts {args.accounts}, images {args.images} (1600x1200 JPEG), recordings {args.recordings} "
              f"({args.seconds} s MP3); originals {originals / 1e6:.1f} MB")
        print()
        print("| build | wall s | CPU s | CPU ratio to the baseline | files | MB |")
        print("|---|---:|---:|---:|---:|---:|")
        print(f"| baseline: no attachments | {base_wall:.1f} | {base_cpu:.1f} | 1.00 | {base_files} | "
              f"{base_bytes / 1e6:.1f} |")
        print(f"| attaching {args.images + args.recordings} files (check, hash, keep, read for search) | "
              f"{attach_wall:.1f} | {attach_cpu:.1f} | {attach_cpu / base_cpu:.2f} | | |")
        print(f"| first build with attachments (cleaning, derivatives) | {first_wall:.1f} | {first_cpu:.1f} | "
              f"{first_cpu / base_cpu:.2f} | {first_files} | {first_bytes / 1e6:.1f} |")
        print(f"| rebuild, nothing changed (media cache) | {again_wall:.1f} | {again_cpu:.1f} | "
              f"{again_cpu / base_cpu:.2f} | | |")
        print(f"| the same archive built into a new folder (media cache warm) | {rb_wall:.1f} | {rb_cpu:.1f} | "
              f"{rb_cpu / base_cpu:.2f} | | |")
        print(f"\nwritten on rebuild: {len(again.write.written)} files; pages {first.pages} vs {base.pages}; "
              f"rebuild into a new folder wrote {len(rebuild_base.write.written)} files")
        engine.dispose()


if __name__ == "__main__":
    main()
