"""Schema changes go through Alembic, keep data, and cannot drift from the models."""

from __future__ import annotations

import json

from alembic.script import ScriptDirectory
from sqlalchemy import text

from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.store.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    schema_differences,
    upgrade,
)
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


def test_consent_kept_as_an_extra_field_moves_to_its_column(db_url):
    """Before 0004 a struggle's consent was an extra field and did not keep it out of public output."""
    from sqlalchemy import select

    from archive.ingest.records import NormalizedRecord
    from archive.public import public_clause
    from archive.store.canonical import iter_stored_records
    from archive.store.models import Record
    from archive.store.write import Incoming, write_chunk

    engine = make_engine(db_url, writer=True)
    upgrade(engine, "0003")
    old = [NormalizedRecord(type="struggle", slug="s", title="S", visibility="public",
                            extra={"consent": "Withdrawn", "consent_scope": "none", "note": "kept"}),
           NormalizedRecord(type="place", slug="p", title="P", visibility="public", extra={"consent": "yes"}),
           NormalizedRecord(type="form", slug="f", title="F", visibility="public")]
    with engine.begin() as conn:
        write_chunk(conn, [Incoming(record, b"bytes", f"old/{record.slug}", record.slug) for record in old])
    upgrade(engine)
    with engine.connect() as conn:
        rows = {row.slug: row for row in conn.execute(select(Record.__table__))}
        stored = {record.slug: record for record in iter_stored_records(conn)}
        public = set(conn.scalars(select(Record.slug).where(public_clause())))
    assert (rows["s"].consent, rows["s"].consent_scope, rows["s"].extra) == ("withdrawn", "none", {"note": "kept"})
    assert (rows["p"].consent, rows["p"].extra) == (None, {"consent": "yes"})  # refused today: left as it was
    assert public == {"p", "f"}
    assert all(record.recomputed_sha256() == record.content_sha256 for record in stored.values())
    with engine.connect() as conn:
        numbers = conn.execute(text("SELECT r.slug, COUNT(*) FROM revisions v JOIN records r ON r.id = v.record_id "
                                    "GROUP BY r.slug")).all()
    assert dict(numbers) == {"s": 2, "p": 1, "f": 1}
    engine.dispose()
