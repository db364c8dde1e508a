"""No folder of a published site of a few thousand records holds more than a few thousand files, and the
search index's folders stay small as the archive grows: they are fanned out by prefix, hash or document range.

The records are generated: 2,500 accounts whose titles and bodies are paragraphs of the Project Gutenberg
texts in the shared data (public domain), over 50 struggles in three waves.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from archive.publish import build
from archive.publish.searchindex import FOLDER_FILES
from archive.store.config import Archive
from archive.store.ingest import ingest

TODAY = dt.date(2026, 1, 1)
ACCOUNTS = 2_500
SITE_LIMIT = 3_000  # "a few thousand" entries in any folder of this site
SEARCH_LIMIT = 2 * FOLDER_FILES  # any folder of the search index (a few hundred at 100,000 records too)


def generated_records(shared_data: Path, accounts: int) -> list[dict]:
    passages = []
    for path in sorted((shared_data / "gutenberg_movement_texts").glob("*.txt")):
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        passages += [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 200]
    rng = random.Random(1917)
    waves = [("first-wave", "1900", "1925"), ("second-wave", "1960", "1975"), ("third-wave", "2015", "2022")]
    records: list[dict] = [{"type": "wave", "slug": s, "title": s.replace("-", " ").title(), "start": a, "end": b}
                           for s, a, b in waves]
    for number in range(50):
        wave = waves[number % 3]
        records.append({"type": "struggle", "slug": f"s-{number}", "title": f"Struggle {number}",
                        "waves": [wave[0]], "start": str(int(wave[1]) + number % 10)})
    for number in range(accounts):
        passage = passages[rng.randrange(len(passages))]
        records.append({"type": "account", "slug": f"a-{number}", "title": " ".join(passage.split()[:8]),
                        "body": passage, "date": f"{rng.choice([1905, 1917, 1968, 2020])}-{rng.randint(1, 12):02d}",
                        "struggles": [f"s-{rng.randrange(50)}"], "language": "en"})
    for record in records:
        record["visibility"] = "public"
    return records


pytestmark = pytest.mark.slow  # a site of 2,500 accounts


@pytest.fixture
def large_site(archive: Archive, engine, full_shared_data: Path, tmp_path: Path) -> Path:
    path = tmp_path / "records.jsonl"
    records = generated_records(full_shared_data, ACCOUNTS)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    report = ingest(engine, [path])
    assert not report.errors, report.errors
    return build(archive, engine, today=TODAY).out


def test_no_folder_holds_more_than_a_few_thousand_files(large_site: Path) -> None:
    entries = Counter(p.parent.relative_to(large_site).as_posix() for p in large_site.rglob("*"))
    assert sum(entries.values()) > 2 * ACCOUNTS
    crowded = {folder: n for folder, n in entries.items() if n > SITE_LIMIT}
    assert crowded == {}
    search = {folder: n for folder, n in entries.items() if folder == "search" or folder.startswith("search/")}
    assert {folder: n for folder, n in search.items() if n > SEARCH_LIMIT} == {}
    # The fan-out is real: more document summaries than one folder would take, in several folders.
    summaries = [f for f in search if f.startswith("search/d/")]
    assert len(summaries) >= 2 and sum(search[f] for f in summaries) > FOLDER_FILES
    assert sum(n for f, n in search.items() if f.startswith("search/")) > 3 * SEARCH_LIMIT
