"""Fixity: every content and source hash is recomputed, and the log of checks is hash-chained."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from archive.store.ingest import ingest
from archive.trust.fixity import verify_fixity


@pytest.fixture
def populated(engine, write):
    ingest(engine, [write("a.md", "---\ntitle: Sit-down\nplaces: [Flint]\ntags: [speed-up]\n---\n"
                                  "We sat down at the machines.\n"),
                    write("s.yaml", "type: struggle\nslug: flint\ntitle: Flint sit-down\nstart: 1936-12-30\n")])
    return engine


def test_clean_archive_verifies_and_is_logged(populated):
    report = verify_fixity(populated)
    assert report.ok, report
    assert (report.checked, report.sources_checked) == (2, 2)
    assert verify_fixity(populated).log_entries == 1


def test_a_changed_byte_in_a_body_is_caught_though_integrity_check_passes(populated, archive):
    with populated.begin() as conn:
        conn.execute(text("UPDATE records SET body = replace(body, 'machines', 'machinez') WHERE slug = 'sit-down'"))
    if populated.dialect.name == "sqlite":
        raw = sqlite3.connect(archive.root / "archive.sqlite")
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        raw.close()
    report = verify_fixity(populated)
    assert [c.split(":")[0] for c in report.changed] == ["account/sit-down"]


def test_changed_link_tag_and_source_bytes(populated):
    with populated.begin() as conn:
        conn.execute(text("DELETE FROM record_tags"))
        conn.execute(text("UPDATE sources SET content = :c WHERE size > 0 AND sha256 IN "
                          "(SELECT source_sha256 FROM records WHERE slug = 'flint')"), {"c": b"forged"})
    report = verify_fixity(populated)
    assert any(c.startswith("account/sit-down:") for c in report.changed)
    assert any(c.startswith("source ") for c in report.changed)


def test_missing_and_untracked(populated):
    verify_fixity(populated)
    with populated.begin() as conn:
        conn.execute(text("DELETE FROM links"))
        conn.execute(text("DELETE FROM revisions WHERE record_id IN (SELECT id FROM records WHERE slug='flint')"))
        conn.execute(text("DELETE FROM records WHERE slug = 'sit-down'"))
        conn.execute(text("INSERT INTO records (type, slug, title, body, visibility, is_stub, content_sha256,"
                          " extra) VALUES ('account', 'smuggled', 'Smuggled', '', 'public', :f, '', '{}')"),
                     {"f": False})
    report = verify_fixity(populated)
    assert report.missing == ["account/sit-down: checked before, now gone"]
    assert sorted(u.split(":")[0] for u in report.untracked) == ["account/smuggled", "struggle/flint"]


def test_an_edited_or_removed_log_entry_is_detected(populated):
    for _ in range(3):
        verify_fixity(populated)
    with populated.begin() as conn:
        conn.execute(text("UPDATE fixity_log SET summary = replace(summary, '\"checked\": 2', '\"checked\": 9') "
                          "WHERE id = 2"))
    assert verify_fixity(populated, record_run=False).log_problems == [
        "fixity log entry 2: its content was altered"]
    with populated.begin() as conn:
        conn.execute(text("DELETE FROM fixity_log WHERE id = 2"))
    problems = verify_fixity(populated, record_run=False).log_problems
    assert problems == ["fixity log entry 3: does not follow the entry before it (an entry was removed or edited)"]
