"""Schema changes go through Alembic, keep data, and cannot drift from the models."""

from __future__ import annotations

import json

from alembic.script import ScriptDirectory
from sqlalchemy import text

from archive.db import make_engine
from archive.ingest import ingest
from archive.migrate import alembic_config, current_revision, downgrade, head_revision, schema_differences, upgrade
from tests.helpers import snapshot


def test_models_and_migrations_agree(engine):
    assert current_revision(engine) == head_revision(engine)
    assert schema_differences(engine) == []


def test_check_notices_drift(engine):
    with engine.begin() as conn:
        conn.execute(text("CREATE INDEX ix_stray ON records (title)"))
    assert schema_differences(engine) != []


def test_every_migration_downgrades_and_upgrades_cleanly(db_url):
    engine = make_engine(db_url, writer=True)
    upgrade(engine)
    downgrade(engine, "base")
    assert current_revision(engine) is None
    upgrade(engine)
    assert schema_differences(engine) == []
    engine.dispose()


def test_migrations_form_one_line(engine):
    script = ScriptDirectory.from_config(alembic_config(engine))
    assert len(script.get_heads()) == 1


def _populate_first_revision(engine) -> None:
    """Rows written with the first schema's own SQL, as an old installation would hold them."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sources (sha256, content, size) VALUES ('aa', :c, 3)"), {"c": b"abc"})
        for i in range(50):
            conn.execute(text(
                "INSERT INTO records (id, type, slug, title, body, visibility, is_stub, content_sha256,"
                " source_sha256, extra, date) VALUES (:id, 'account', :slug, :title, 'body', 'public', :stub,"
                " 'x', 'aa', :extra, '1936')"),
                {"id": i + 1, "slug": f"a{i}", "title": f"Account {i}", "stub": False,
                 "extra": json.dumps({"n": i})})
        conn.execute(text("INSERT INTO tags (id, name) VALUES (1, 'strike')"))
        conn.execute(text("INSERT INTO record_tags (record_id, tag_id, position) VALUES (1, 1, 0)"))
        conn.execute(text("INSERT INTO links (source_id, relation, target_id, position) VALUES (1, 'x', 2, 0)"))
        conn.execute(text("INSERT INTO revisions (record_id, number, content, content_sha256) "
                          "VALUES (1, 1, '{}', 'x')"))


def test_upgrading_a_populated_database_keeps_every_row(db_url):
    engine = make_engine(db_url, writer=True)
    script = ScriptDirectory.from_config(alembic_config(engine))
    first = script.get_base()
    upgrade(engine, first)
    _populate_first_revision(engine)
    before = snapshot(engine)
    upgrade(engine)
    after = snapshot(engine)
    for table, rows in before.items():
        assert len(after[table]) == len(rows), table
    assert current_revision(engine) == head_revision(engine)
    engine.dispose()


def test_upgrade_is_a_no_op_on_a_current_populated_store(engine, write):
    ingest(engine, [write("a.yaml", "type: struggle\nslug: s\ntitle: S\nplaces: [Ghent]\n")])
    before = snapshot(engine)
    upgrade(engine)
    assert snapshot(engine) == before
