"""An incremental rebuild after one new account: it rewrites the files that show the account or hold its
words, and nothing else, and its output is byte for byte what a cold build of the same store gives.

The archive is the small real one of test_site_data.py (Collective Action in Tech, The Unlicense).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import regex
from test_site_data import sample_records

from archive.publish import build, verify_site
from archive.publish.cache import CACHE_NAME
from archive.publish.searchindex import DOC_CHUNK, docs_path, keys_path, positions_name, tail_name
from archive.search import analysis
from archive.store.config import Archive
from archive.store.ingest import ingest

TODAY = dt.date(2026, 1, 1)
# Words the archive already holds ("workers", "strike", "union"), one it does not, and a struggle it names.
NEW_ACCOUNT = {"type": "account", "slug": "night-shift-zymurgists", "title": "The night shift zymurgists walk out",
               "body": "Warehouse workers struck for union recognition; the zymurgists joined them at dawn.",
               "date": "2019-06", "struggles": ["cat-382"], "visibility": "public", "language": "en"}


def write_public_sample(folder: Path, shared_data: Path) -> Path:
    """The sample, its records that say nothing about visibility made public (as ``archive ingest --set
    visibility=public`` would): records are restricted by default."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sample.jsonl"
    records = [{"visibility": "public", **record} for record in sample_records(shared_data)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _all_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture
def grown(archive: Archive, engine, shared_data: Path, tmp_path: Path) -> tuple[dict[str, bytes], dict[str, bytes],
                                                                               list[str]]:
    """The site before and after adding NEW_ACCOUNT, and the second build's list of written files."""
    report = ingest(engine, [write_public_sample(tmp_path / "sample", shared_data)], default_language="en")
    assert not report.errors, report.errors
    build(archive, engine, today=TODAY)
    before = _all_files(archive.public_dir)
    path = tmp_path / "new.jsonl"
    path.write_text(json.dumps(NEW_ACCOUNT) + "\n", encoding="utf-8")
    assert not ingest(engine, [path]).errors
    second = build(archive, engine, today=TODAY)
    assert second.write.deleted == []
    return before, _all_files(archive.public_dir), second.write.written


def test_one_new_account_rewrites_only_its_own_terms_and_pages(grown) -> None:
    before, after, written = grown
    changed = sorted(p for p in after if before.get(p) != after[p])
    # The report counts what changed, but for the manifest and its signature, which change with any file.
    assert sorted(written) == [p for p in changed if p not in ("manifest.json", "manifest.json.sig")]
    text = NEW_ACCOUNT["title"] + " " + NEW_ACCOUNT["body"]
    words = {w.lower() for w in regex.findall(analysis.TOKEN_PATTERN, text)}
    terms = set(analysis.analyze(NEW_ACCOUNT["title"], "en")) | set(analysis.analyze(NEW_ACCOUNT["body"], "en"))
    search = [p for p in changed if p.startswith("search/")]
    shards = [p for p in search if p.startswith("search/s/")]
    assert shards and len(shards) <= len(words | terms)
    for path in shards:  # every rewritten shard holds one of the account's words or terms
        assert any(f'"{w}"' in after[path].decode("utf-8") for w in words | terms), path
    tails = {tail_name(t) for t in terms}
    for path in (p for p in search if p.startswith("search/t/")):  # and every rewritten tail is one of its terms'
        assert path.rsplit("/", 1)[1].rsplit("-", 1)[0] in tails, path
    summaries = [p for p in search if p.startswith("search/d/")]
    assert len(summaries) == 1 and b"night-shift-zymurgists" in after[summaries[0]]
    positions = {positions_name(t) for t in terms}
    for path in (p for p in search if p.startswith("search/x/")):  # phrase positions: its terms' files only
        assert path.rsplit("/", 1)[1].removesuffix(".js") in positions, path
    # Its dates: the files of its own year.
    assert {p for p in search if p.startswith("search/r/")} <= {f"search/r/date/{NEW_ACCOUNT['date'][:4]}.js"}
    others = {p for p in search if not p.startswith(("search/s/", "search/t/", "search/d/", "search/x/", "search/r/"))}
    # The global statistics, the filters and field values the account has (type, slug, places, ...), and
    # the shard tables of its first letters.
    assert {"search/meta.js", "search/f/" + b"every-body".hex() + ".js",
            keys_path("type", "ac"), keys_path("slug", "ni")} <= others
    assert all(p.startswith(("search/f/", "search/p/", "search/k/")) or p == "search/meta.js" for p in others), others
    # Pages: the account's own, the struggle it names, and lists and feeds that show it.
    pages = [p for p in changed if not p.startswith("search/")]
    assert {"accounts/night-shift-zymurgists.html", "struggles/cat-382.html", "data/accounts.json",
            "data/accounts.csv"} <= set(pages)
    # The other types' downloads did not change, so they were not rewritten.
    assert "data/waves.json" not in pages and "data/places.csv" not in pages
    assert "struggles/cat-9.html" not in pages and "accounts/cat-9-account.html" not in pages
    # The site has several hundred search files; before, every score moved and nearly all were rewritten.
    unchanged_search = [p for p in after if p.startswith("search/") and p not in changed]
    assert len(search) * 10 < len(unchanged_search), (len(search), len(unchanged_search))
    assert len(changed) * 10 < len(after), (len(changed), len(after))


def test_incremental_output_equals_a_cold_build(grown, archive: Archive, engine, tmp_path: Path) -> None:
    _, after, _ = grown
    (archive.root / CACHE_NAME).unlink()
    cold = build(archive, engine, tmp_path / "cold", today=TODAY)
    assert _all_files(cold.out) == after
    assert verify_site(archive.public_dir).ok


def test_document_summaries_are_packed_and_numbers_leave_no_gap(grown) -> None:
    _, after, _ = grown
    summaries = [p for p in after if p.startswith("search/d/")]
    numbers = [int(m) for p in summaries for m in re.findall(rb"\[(\d+),\{", after[p])]
    # Dense: record ids would show, by their gaps, where the archive holds records that are not public.
    assert len(numbers) > 200 and sorted(numbers) == list(range(len(numbers)))
    for path in summaries:
        for number in re.findall(rb"\[(\d+),\{", after[path]):
            assert docs_path(int(number) // DOC_CHUNK) == path
    # Packed: far fewer files than documents.
    assert len(summaries) * 3 < len(numbers)
