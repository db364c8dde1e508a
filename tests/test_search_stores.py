"""The same records give the same search results on a SQLite store and on a PostgreSQL store.

Needs ARCHIVE_TEST_DATABASE_URL (CI sets it); the rest of the search suite runs on whichever store that
variable selects, and this test compares the two in one run.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from archive.cli import cli
from tests.conftest import PG_URL
from tests.test_search import build_corpus

QUERIES = [
    ["walkout"], ["strike", "--type", "account"], ['"working conditions"'], ["amazon NOT strike"], ["strik*"],
    ["date:[2018-01-01 to 2019-12-31]", "--sort", "date"], ["workers", "--public", "--page", "2"],
    ["soviet", "--wave", "russian-revolution-1917"], ["stakingen"], ["union", "--kind", "report", "--lang", "en"],
]


@pytest.mark.slow
@pytest.mark.store
@pytest.mark.skipif(not PG_URL, reason="needs ARCHIVE_TEST_DATABASE_URL for a PostgreSQL store")
def test_sqlite_and_postgresql_stores_search_alike(tmp_path: Path, shared_data: Path) -> None:
    schema = f"cmp_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    pg_url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)
    try:
        stores = [build_corpus(tmp_path / "sqlite", f"sqlite:///{tmp_path / 'sqlite.db'}", shared_data),
                  build_corpus(tmp_path / "pg", pg_url, shared_data)]
        for query in QUERIES:
            outputs = []
            for store in stores:
                result = CliRunner().invoke(cli, ["--archive", str(store.archive.root), "search", *query, "--json"])
                assert result.exit_code == 0, result.output
                outputs.append(json.loads(result.stdout))
            assert outputs[0], query
            assert outputs[0] == outputs[1], query
        for store in stores:
            store.engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
