"""The index follows the store: ingest updates it, verify finds every drift, reindex repairs it, and a
busy lock is a message. Runs on SQLite, and on PostgreSQL with ARCHIVE_TEST_DATABASE_URL."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from archive.cli import cli
from archive.search.index import (
    IndexBusy,
    current_dir,
    pending_ids,
    rebuild_index,
    update_index,
    writer_lock,
)
from archive.search.index_verify import verify_index
from archive.search.searcher import ArchiveSearcher, SearchRequest
from archive.store.config import Archive
from archive.store.ingest import ingest
from archive.store.write import delete_records


def descriptions(shared_data: Path, count: int, containing: str = "") -> list[tuple[str, str]]:
    """(id, description) of real Collective Action in Tech actions."""
    found = []
    with open(shared_data / "collective_action_in_tech" / "actions.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if containing.lower() in row["description"].lower():
                found.append((row["id"], row["description"]))
            if len(found) == count:
                break
    return found


def account(slug: str, body: str, **front: object) -> str:
    fields = {"type": "account", "slug": slug, "title": body.split(".")[0][:100], "kind": "report", **front}
    header = "\n".join(f"{k}: {json.dumps(v)}" for k, v in fields.items())
    return f"---\n{header}\n---\n{body}\n"


def run(archive: Archive, *args: str) -> object:
    return CliRunner().invoke(cli, ["--archive", str(archive.root), *args])


def slugs(archive: Archive, engine: Engine, query: str, **options: object) -> list[str]:
    with ArchiveSearcher(archive.index_dir, engine) as searcher:
        return [h.slug for h in searcher.search(SearchRequest(query, limit=100, **options)).hits]


def test_ingest_updates_the_index_after_its_commit(archive: Archive, engine: Engine, write, shared_data: Path) -> None:
    (first, text_one), (second, text_two) = descriptions(shared_data, 2, containing="strike")
    one = write("one.md", account(f"cait-{first}", text_one))
    write("two.md", account(f"cait-{second}", text_two))
    result = run(archive, "ingest", str(one.parent))
    assert result.exit_code == 0, result.output
    assert "Search index updated: 2 record(s), 0 removed." in result.output  # init made it, empty
    assert f"cait-{first}" in slugs(archive, engine, "strike")

    one.write_text(account(f"cait-{first}", text_one.replace("strike", "zebra-crossing")), encoding="utf-8")
    result = run(archive, "ingest", str(one))
    assert "Search index updated: 1 record(s)" in result.output
    assert f"cait-{first}" in slugs(archive, engine, "zebra")
    assert run(archive, "verify").exit_code == 0


def test_stubs_and_inherited_waves_follow_their_records(archive: Archive, engine: Engine, write,
                                                        shared_data: Path) -> None:
    (action, text), = descriptions(shared_data, 1, containing="walkout")
    write("account.md", account("the-account", text, struggles=["the-struggle"]))
    run(archive, "ingest", str(write("wave.yaml", "[{type: wave, slug: first-wave, title: First}, "
                                                  "{type: wave, slug: second-wave, title: Second}]")))
    assert run(archive, "ingest", str(archive.root.parent / "in" / "account.md")).exit_code == 0
    assert "the-struggle" in slugs(archive, engine, "type:struggle")  # the stub the ingest created
    struggle = write("struggle.yaml", "{type: struggle, slug: the-struggle, title: The struggle, waves: [first-wave]}")
    run(archive, "ingest", str(struggle))
    assert slugs(archive, engine, "walkout", waves=["first-wave"]) == ["the-account"]
    struggle.write_text("{type: struggle, slug: the-struggle, title: The struggle, waves: [second-wave]}")
    run(archive, "ingest", str(struggle))
    assert slugs(archive, engine, "walkout", waves=["second-wave"]) == ["the-account"]
    assert slugs(archive, engine, "walkout", waves=["first-wave"]) == []
    assert verify_index(archive.index_dir, engine).ok


def test_verify_reports_each_drift_and_reindex_repairs_it(archive: Archive, engine: Engine, write,
                                                         shared_data: Path) -> None:
    texts = descriptions(shared_data, 4)
    paths = [write(f"{n}.md", account(f"cait-{i}", text)) for n, (i, text) in enumerate(texts)]
    ingest(engine, paths[:3])
    rebuild_index(archive.index_dir, engine)
    assert verify_index(archive.index_dir, engine).ok

    ingest(engine, [paths[3]])  # missing: stored, never indexed
    paths[0].write_text(account(f"cait-{texts[0][0]}", texts[0][1] + " Amended."), encoding="utf-8")
    ingest(engine, [paths[0]])  # stale: indexed from the older version
    with engine.begin() as conn:
        delete_records(conn, [("account", f"cait-{texts[1][0]}")])  # extra: gone from the store
    live = current_dir(archive.index_dir)
    (live / "MAIN_deadbeef.seg").write_bytes(b"half a segment")  # stray: an interrupted commit
    (archive.index_dir / "gen-interrupted").mkdir()  # stray: an interrupted rebuild
    meta = json.loads((live / "index.json").read_text())
    (live / "index.json").write_text(json.dumps({**meta, "analysis_version": 0}))  # outdated

    report = verify_index(archive.index_dir, engine)
    assert {(d.kind, d.key) for d in report.drifts} >= {
        ("missing", f"account/cait-{texts[3][0]}"), ("stale", f"account/cait-{texts[0][0]}"),
        ("extra", f"account/cait-{texts[1][0]}"), ("stray", f"{live.name}/MAIN_deadbeef.seg"),
        ("stray", "gen-interrupted"), ("outdated", str(archive.index_dir))}
    result = run(archive, "verify")
    assert result.exit_code == 1
    assert "1 missing, 1 extra, 1 stale, 2 stray, 1 outdated" in result.output
    result = run(archive, "search", "workers")
    assert result.exit_code == 1 and "run 'archive reindex'" in result.output

    result = run(archive, "reindex")
    assert result.exit_code == 0, result.output
    assert run(archive, "verify").exit_code == 0
    assert not live.exists() and not (archive.index_dir / "gen-interrupted").exists()


def test_a_rebuild_with_two_processes(archive: Archive, engine: Engine, write, shared_data: Path) -> None:
    texts = descriptions(shared_data, 30)
    ingest(engine, [write(f"{n}.md", account(f"cait-{i}", text)) for n, (i, text) in enumerate(texts)])
    assert rebuild_index(archive.index_dir, engine, procs=2) == 30
    assert verify_index(archive.index_dir, engine).ok
    assert len(slugs(archive, engine, "*")) == 30


def test_an_update_removes_deleted_records(archive: Archive, engine: Engine, write, shared_data: Path) -> None:
    (i, text), = descriptions(shared_data, 1)
    ingest(engine, [write("a.md", account("gone-soon", text))])
    rebuild_index(archive.index_dir, engine)
    with engine.begin() as conn:
        ids = delete_records(conn, [("account", "gone-soon")])
    assert update_index(archive.index_dir, engine, ids).deleted == 1
    assert verify_index(archive.index_dir, engine).ok


def test_a_search_keeps_working_while_reindex_swaps_the_index(archive: Archive, engine: Engine, write,
                                                              shared_data: Path) -> None:
    (i, text), = descriptions(shared_data, 1, containing="protest")
    ingest(engine, [write("a.md", account("protest", text))])
    rebuild_index(archive.index_dir, engine)
    old = current_dir(archive.index_dir)
    with ArchiveSearcher(archive.index_dir, engine) as before:
        rebuild_index(archive.index_dir, engine)
        assert current_dir(archive.index_dir) != old and not old.exists()
        assert [h.slug for h in before.search(SearchRequest("protest")).hits] == ["protest"]
    assert slugs(archive, engine, "protest") == ["protest"]


def test_a_busy_lock_is_a_message_and_the_update_is_queued(archive: Archive, engine: Engine, write,
                                                           shared_data: Path, monkeypatch) -> None:
    texts = descriptions(shared_data, 2, containing="union")
    ingest(engine, [write("a.md", account("first", texts[0][1]))])
    rebuild_index(archive.index_dir, engine)
    monkeypatch.setenv("ARCHIVE_INDEX_LOCK_TIMEOUT", "0.2")
    with writer_lock(archive.index_dir):
        with pytest.raises(IndexBusy, match="another process is writing the search index"):
            update_index(archive.index_dir, engine, [1])
        result = run(archive, "ingest", str(write("b.md", account("second", texts[1][1]))))
        assert result.exit_code == 0, result.output
        assert "Search index not updated yet" in result.output and "Traceback" not in result.output
        result = run(archive, "reindex")
        assert result.exit_code == 1 and "another process is writing" in result.output
    assert pending_ids(archive.index_dir)
    assert not verify_index(archive.index_dir, engine).ok  # "second" is stored but not yet indexed
    update_index(archive.index_dir, engine, [])  # the next writer applies the queue
    assert not pending_ids(archive.index_dir)
    assert verify_index(archive.index_dir, engine).ok
    assert slugs(archive, engine, "union") == ["first", "second"] or set(slugs(archive, engine, "union")) == {
        "first", "second"}


def test_whoosh_is_tuned_for_writing() -> None:
    from whoosh.codec import whoosh3

    from archive.search import whoosh_tuning

    assert whoosh3.W3PerDocReader._cached_reader is whoosh_tuning._cached_reader
