"""The hot queries' plans do not depend on luck: each is linear in the records it touches, with or
without the planner's statistics (SQLite's EXPLAIN QUERY PLAN; PostgreSQL plans by its own statistics).

A plan is read as its table accesses, outermost first. Reading a chunk of records by id must start from
those ids and reach every other table through a key; reading the whole graph may scan one table and must
reach every other through a key. The quadratic plan this guards against drove ``_lineage_names`` from the
visibility index: every public record probed for each chunk of 1,000 ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, event

from archive.public import load
from archive.search import index_docs
from archive.search.index_docs import iter_documents, link_targets, related_ids
from archive.store.db import has_statistics, refresh_statistics
from archive.store.ingest import ingest
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by ANALYZE")

KEYED = re.compile(r"^SEARCH \w+ USING (INTEGER PRIMARY KEY \(rowid=\?\)|"
                   r"(COVERING )?INDEX \w+ \((id|source_id|target_id|record_id|tag_id)=\?)")


def populate(engine: Engine, folder: Path, count: int = 300) -> None:
    """Accounts about struggles in waves, and organizations with lineage links, most of them public."""
    lines = ["- {type: wave, slug: wave-1, title: The first wave, visibility: public}"]
    for n in range(count // 10):
        lines.append(f"- {{type: struggle, slug: s-{n}, title: Struggle {n}, waves: [wave-1], visibility: public}}")
        lines.append(f"- {{type: organization, slug: o-{n}, title: Union {n}, visibility: "
                     f"{'private' if n % 7 == 0 else 'public'}, split_from: [o-{max(n - 1, 0)}], "
                     f"merged_into: [o-{n + 1}]}}")
    for n in range(count):
        lines.append(f"- {{type: account, slug: a-{n}, title: Account {n}, struggles: [s-{n % (count // 10)}], "
                     f"places: [town-{n % 5}], tags: [t-{n % 3}], visibility: "
                     f"{'restricted' if n % 4 == 0 else 'public'}, body: We walked out {n}}}")
    path = folder / "records.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest(engine, [path])
    assert not report.errors and report.added, report.errors


def statements(engine: Engine, work: Callable[[Connection], object]) -> list[tuple[str, object]]:
    """The SELECT statements ``work`` runs, with their parameters."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as conn:
            work(conn)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen
    return seen


def accesses(engine: Engine, statement: str, parameters: object) -> list[str]:
    return [line for block in passes(engine, statement, parameters) for line in block]


def passes(engine: Engine, statement: str, parameters: object) -> list[list[str]]:
    """The plan's table accesses, split into the statement's own pass and one per uncorrelated subquery
    (SQLite runs those once, into a temporary list). A correlated subquery runs once per outer row, so its
    accesses stay in the pass that runs it, where they must be keyed."""
    with engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    parent_of = {row[0]: row[1] for row in plan}
    detail_of = {row[0]: row[3] for row in plan}

    def block(node: int) -> int:
        while node in parent_of:
            node = parent_of[node]
            detail = detail_of.get(node, "")
            if "SUBQUERY" in detail and not detail.startswith("CORRELATED"):
                return node
        return 0

    blocks: dict[int, list[str]] = {}
    for row in plan:
        if row[3].startswith(("SCAN", "SEARCH")):
            blocks.setdefault(block(row[0]), []).append(row[3])
    return list(blocks.values())


def assert_by_ids(engine: Engine, work: Callable[[Connection], object]) -> None:
    """Every statement starts from the ids it was given and reaches the rest through keys."""
    for statement, parameters in statements(engine, work):
        plan = accesses(engine, statement, parameters)
        assert plan, statement
        assert all(KEYED.match(line) or re.match(r"^SEARCH \w+ USING INTEGER PRIMARY KEY \(rowid>\?\)", line)
                   for line in plan), (statement, plan)


def assert_one_pass(engine: Engine, work: Callable[[Connection], object]) -> None:
    """Every pass of a statement (its own, and each uncorrelated subquery's) reads one table once at most;
    each other table is reached through a key."""
    for statement, parameters in statements(engine, work):
        blocks = passes(engine, statement, parameters)
        assert blocks, statement
        assert all(KEYED.match(line) for plan in blocks for line in plan[1:]), (statement, blocks)


@pytest.fixture(params=["no statistics", "after ANALYZE"])
def store(request: pytest.FixtureRequest, engine: Engine, tmp_path: Path) -> Engine:
    populate(engine, tmp_path)
    with engine.begin() as conn:
        if request.param == "after ANALYZE":
            refresh_statistics(conn)
            assert has_statistics(conn)
        else:
            conn.exec_driver_sql("DROP TABLE IF EXISTS sqlite_stat1")
            assert not has_statistics(conn)
    return engine


def test_documents_by_id_start_from_the_ids(store: Engine) -> None:
    ids = list(range(1, 400, 25))  # a chunk is a small share of the store, as 1,000 of 100,000
    assert_by_ids(store, lambda conn: list(iter_documents(conn, ids)))
    assert_by_ids(store, lambda conn: related_ids(conn, ids))
    assert_by_ids(store, lambda conn: link_targets(conn, ids))


def test_a_full_read_of_documents_goes_by_id_chunks(store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_docs, "CHUNK", 25)  # a chunk is a small share of the store, as at scale
    assert_by_ids(store, lambda conn: list(iter_documents(conn)))


def test_whole_graph_reads_scan_once(store: Engine) -> None:
    assert_one_pass(store, lambda conn: load(conn.engine))
    assert_one_pass(store, lambda conn: load(conn.engine, everything=True))


def test_lineage_names_keep_only_unconditionally_public_targets(store: Engine) -> None:
    with store.connect() as conn:
        docs = {doc.key: doc for doc in iter_documents(conn)}
    # o-7 is private: o-8, which split from it, must not carry its name; o-9 names o-8, which is public.
    assert "Union 7" not in docs["organization/o-8"].body
    assert "Union 8" in docs["organization/o-9"].body
