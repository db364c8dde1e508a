"""``archive search``'s read path without SQLAlchemy (archive.store.dbapi), the public rule's row form, the
Whoosh import stand-ins and the bounded cache of public searchers.

Runs on SQLite, and on PostgreSQL when ARCHIVE_TEST_DATABASE_URL is set (the ``engine`` fixture).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, insert, select

from archive.cli import cli
from archive.public.rule import is_always_public, is_public, projection_clause, public_among
from archive.search.searcher import JSON_BODY_COLUMNS, PUBLIC_SEARCHERS_KEPT, ArchiveSearcher, SearchRequest
from archive.store.dbapi import SchemaOutOfDate, StoreReader, open_reader, read_transaction, safe_url
from archive.store.models import Link, Record

TODAY = dt.date(2026, 6, 1)
VISIBILITIES = ("public", "private", "restricted")
EMBARGOES = (None, dt.date(2026, 5, 31), TODAY, dt.date(2026, 6, 2))
CONSENTS = (None, "given", "withdrawn")


def _insert_every_case(engine: Engine) -> list[int]:
    """A described record for every combination of the rule's inputs, and a stub for each kind of namer
    (none, and each described record's combination), so both forms of the rule see every case."""
    records, links = Record.__table__, Link.__table__
    ids: list[int] = []
    with engine.begin() as conn:
        described = []
        for number, (visibility, embargo, consent) in enumerate(itertools.product(VISIBILITIES, EMBARGOES, CONSENTS)):
            result = conn.execute(insert(records).values(
                type="account", slug=f"case-{number}", title=f"Case {number}", body="", visibility=visibility,
                embargo_until=embargo, consent=consent, is_stub=False, content_sha256="", extra={}))
            described.append(result.inserted_primary_key[0])
        for number, (visibility, embargo) in enumerate(itertools.product(VISIBILITIES, EMBARGOES)):
            for namer in (None, *described):
                slug = f"stub-{number}-{namer or 'none'}"
                stub = conn.execute(insert(records).values(
                    type="organization", slug=slug, title=slug, body="", visibility=visibility,
                    embargo_until=embargo, is_stub=True, content_sha256="", extra={})).inserted_primary_key[0]
                if namer is not None:
                    conn.execute(insert(links).values(source_id=namer, relation="organizations", target_id=stub,
                                                      position=0))
                ids.append(stub)
        ids.extend(described)
    return ids


def test_the_row_form_of_the_public_rule_agrees_with_the_sql_form(engine: Engine) -> None:
    ids = _insert_every_case(engine)
    for today in (TODAY, dt.date(2020, 1, 1), dt.date(2030, 1, 1)):
        with engine.connect() as conn:
            in_sql = set(conn.execute(select(Record.__table__.c.id).where(projection_clause(today))).scalars())
        with read_transaction(engine) as (conn, placeholder):
            in_rows = public_among(conn, ids, today, placeholder)
        assert in_rows == in_sql
        assert in_sql and len(in_sql) < len(ids)  # both kinds of answer were asked for


def test_is_public_reads_dates_as_either_driver_gives_them() -> None:
    assert is_public("public", "2026-05-31", None, TODAY)
    assert not is_public("public", "2026-06-02", None, TODAY)
    assert is_public("public", dt.date(2026, 6, 1), "given", TODAY)
    assert not is_public("public", None, "withdrawn", TODAY)
    assert not is_public("private", None, None, TODAY)
    assert is_always_public("public", None, None) and not is_always_public("public", "2000-01-01", None)


def _ingest(archive, write, records: list[dict]) -> None:  # noqa: ANN001
    path = write("in/records.jsonl", "\n".join(json.dumps(record) for record in records) + "\n")
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "ingest", str(path.parent)])
    assert result.exit_code == 0, result.output


RECORDS = [
    {"type": "struggle", "slug": "dock-strike", "title": "The dock strike", "body": "Dockers struck for pay.",
     "demands": ["higher wages for dockers", "an end to casual hiring"], "language": "en", "visibility": "public"},
    {"type": "account", "slug": "night-shift", "title": "Night shift", "body": "The dockers walked out at night.",
     "visibility": "private", "language": "en"},
    {"type": "account", "slug": "embargoed", "title": "Later", "body": "Dockers spoke of the strike.",
     "embargo_until": "2999-01-01", "language": "en", "visibility": "public"},
]


def test_the_command_reads_through_the_db_api_and_marks_what_is_not_public(archive, write) -> None:  # noqa: ANN001
    _ingest(archive, write, RECORDS)
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "search", "dockers"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    marked = {line.split(". ", 1)[1].split("  [")[0] for line in lines if "[NOT PUBLIC]" in line}
    assert marked == {"Night shift", "Later"}
    # A demand (a JSON list column) is cut into the snippet as text, not as '["...", ...]'.
    demands = CliRunner().invoke(cli, ["--archive", str(archive.root), "search", "--json", "casual hiring"])
    assert demands.exit_code == 0, demands.output
    snippet = json.loads(demands.output)[0]["snippet"]
    assert "**casual** **hiring**" in snippet and '["' not in snippet


def test_the_reader_gives_the_same_rows_as_an_engine(archive, engine: Engine, write) -> None:  # noqa: ANN001
    _ingest(archive, write, RECORDS)
    reader = open_reader(archive.db_url())
    assert reader is not None
    request = SearchRequest("dockers strike OR night", facets=False, suggest=False, count=False)
    try:
        with ArchiveSearcher(archive.index_dir, reader) as plain, ArchiveSearcher(archive.index_dir, engine) as full:
            ours, theirs = plain.search(request), full.search(request)
    finally:
        reader.close()
    assert [(h.slug, h.public, h.snippet, h.score) for h in ours.hits] == \
        [(h.slug, h.public, h.snippet, h.score) for h in theirs.hits]
    assert len(ours.hits) == 3


def test_json_body_columns_are_the_models_json_columns() -> None:
    from sqlalchemy import JSON

    from archive.search.analysis import BODY_COLUMNS

    json_columns = {column.name for column in Record.__table__.columns if isinstance(column.type, JSON)}
    assert set(JSON_BODY_COLUMNS) == json_columns & set(BODY_COLUMNS)


def test_a_store_behind_the_code_is_refused_with_the_migration_message(archive, engine: Engine) -> None:  # noqa: ANN001
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'abc123'")
    with pytest.raises(SchemaOutOfDate, match="at abc123 but this version"):
        open_reader(archive.db_url())
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "search", "anything"])
    assert result.exit_code == 1 and "archive db upgrade" in result.output


def test_a_missing_sqlite_file_is_a_message_and_is_not_created(tmp_path: Path) -> None:
    from archive.store.dbapi import StoreUnavailable

    with pytest.raises(StoreUnavailable, match="no database file"):
        open_reader(f"sqlite:///{tmp_path / 'gone.sqlite'}")
    assert not (tmp_path / "gone.sqlite").exists()


def test_urls_the_reader_does_not_open_are_left_to_an_engine() -> None:
    assert open_reader("sqlite://") is None  # in memory: nothing to share
    assert open_reader("mysql+pymysql://user@host/db") is None
    assert safe_url("postgresql+psycopg://ann:s3cret@db.example/archive") == \
        "postgresql+psycopg://ann:***@db.example/archive"


def test_search_imports_neither_sqlalchemy_nor_asyncio(archive, write, tmp_path: Path) -> None:  # noqa: ANN001
    _ingest(archive, write, RECORDS)
    probe = (
        "import sys\n"
        "from archive.cli import main\n"
        f"sys.argv = ['archive', '--archive', {str(archive.root)!r}, 'search', '--json', 'dockers']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'asyncio', 'cached_property', 'alembic') or m in ('urllib.request', "
        "'archive.store.models', 'importlib.metadata')))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    loaded = json.loads(out.strip().splitlines()[-1].replace("'", '"'))
    if archive.db_url().startswith("sqlite"):
        assert loaded == []
    else:  # psycopg imports what it imports; never SQLAlchemy or the models
        assert not [name for name in loaded if name.startswith(("sqlalchemy", "archive.store.models", "alembic"))]


def test_whoosh_gets_stand_ins_only_while_it_imports() -> None:
    probe = (
        "import functools, sys, archive.search.searcher, whoosh.reading, whoosh.compat\n"
        "assert whoosh.reading.cached_property is functools.cached_property\n"
        "assert 'urllib.request' not in sys.modules and 'cached_property' not in sys.modules\n"
        "import urllib.request, cached_property\n"
        "assert hasattr(urllib.request, 'urlopen')\n"
        "assert cached_property.cached_property is not functools.cached_property\n"
        "print('ok')\n"
    )
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout == "ok\n"


def test_public_searchers_are_kept_per_day_and_bounded(archive, engine: Engine, write) -> None:  # noqa: ANN001
    _ingest(archive, write, RECORDS)
    CliRunner().invoke(cli, ["--archive", str(archive.root), "reindex"])
    with ArchiveSearcher(archive.index_dir, engine) as searcher:
        first = searcher.public_searcher(TODAY, {})
        assert searcher.public_searcher(TODAY, {}) is first  # kept
        days = [TODAY + dt.timedelta(days=n) for n in range(1, PUBLIC_SEARCHERS_KEPT + 2)]
        for day in days:
            searcher.public_searcher(day, {})
        assert len(searcher._public) == PUBLIC_SEARCHERS_KEPT
        assert first.searcher.is_closed  # the least recently used was closed when it was dropped
        assert searcher.public_searcher(days[-1], {}).search(SearchRequest("dockers", public=True)).total == 1
        # A command that brings the kept public index up to date makes the next public search reopen it.
        kept = searcher.public_searcher(days[-1], {})
        _ingest(archive, write, [{"type": "account", "slug": "more", "title": "More", "body": "Dockers again.",
                                 "visibility": "public"}])
        assert searcher.public_searcher(days[-1], {}) is not kept


def test_a_public_search_needs_an_engine(archive, write) -> None:  # noqa: ANN001
    _ingest(archive, write, RECORDS)
    with open_reader(archive.db_url()) as reader, ArchiveSearcher(archive.index_dir, reader) as searcher:
        assert isinstance(reader, StoreReader)
        with pytest.raises(TypeError, match="needs an SQLAlchemy engine"):
            searcher.search(SearchRequest("dockers", public=True))
