"""Attaching files to records: kept once by SHA-256, all or none, searchable, verified, deleted with the record."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from archive.cli import cli
from archive.ingest.media import MediaError
from archive.search.index import rebuild_index
from archive.search.searcher import ArchiveSearcher, SearchRequest
from archive.store.attach import AttachError, Description, attach_files, detach_files
from archive.store.files import FileStore
from archive.store.ingest import ingest
from archive.store.models import Attachment, StoredFile
from archive.trust.delete import delete_permanently
from archive.trust.fixity import verify_fixity
from tests import media_files as make
from tests.helpers import PUBLIC


@pytest.fixture
def walkout(archive, engine, write):
    ingest(engine, [write("walkout.md", "---\ntitle: Laundry walkout\nslug: laundry-walkout\nlanguage: en\n---\n"
                                        "We walked out of the laundry.\n")], defaults=PUBLIC)
    ingest(engine, [write("mill.md", "---\ntitle: Mill strike\nslug: mill-strike\n---\nThe mill.\n")],
           defaults=PUBLIC)
    return archive


def rows(engine, table) -> list:
    with engine.connect() as conn:
        return conn.execute(select(table.__table__)).mappings().all()


def test_attach_keeps_each_file_once_describes_it_and_reads_its_words(walkout, engine, tmp_path):
    leaflet = make.leaflet_pdf(tmp_path / "leaflet.pdf")
    photo = make.photo(tmp_path / "picket.jpg")
    notes = make.transcript(tmp_path / "interview.vtt")
    report = attach_files(walkout.root, engine, "account/laundry-walkout", [leaflet, photo, notes],
                          Description(caption="Strike leaflet, 1937", credit="T. Ruiz", licence="CC-BY-4.0"))
    assert report.added == ["leaflet.pdf", "picket.jpg", "interview.vtt"]
    attached = sorted(rows(engine, Attachment), key=lambda r: r["position"])
    assert [(a["name"], a["kind"], a["position"], a["visibility"]) for a in attached] == [
        ("leaflet.pdf", "pdf", 0, None), ("picket.jpg", "image", 1, None), ("interview.vtt", "transcript", 2, None)]
    assert {(a["caption"], a["credit"], a["licence"]) for a in attached} == {("Strike leaflet, 1937", "T. Ruiz",
                                                                                "CC-BY-4.0")}
    assert "Laundry room strike" in attached[0]["text"] and "walked out at noon" in attached[2]["text"]
    assert (attached[1]["width"], attached[1]["height"]) == (64, 32)
    store = FileStore(walkout.root)
    for row in attached:
        assert store.path(row["sha256"]).read_bytes() == (tmp_path / row["name"]).read_bytes()
    # The same photograph on another record is kept once; attaching it again changes nothing.
    attach_files(walkout.root, engine, "account/mill-strike", [photo])
    assert len(rows(engine, StoredFile)) == 3 and len(list(store.kept())) == 3
    again = attach_files(walkout.root, engine, "account/laundry-walkout", [photo])
    assert again.unchanged == ["picket.jpg"] and again.added == []


def test_one_bad_file_refuses_the_command_and_nothing_is_kept(walkout, engine, tmp_path):
    photo = make.photo(tmp_path / "picket.jpg")
    liar = tmp_path / "minutes.pdf"
    liar.write_bytes(photo.read_bytes())
    with pytest.raises(MediaError, match=r"minutes\.pdf: the name says a PDF document"):
        attach_files(walkout.root, engine, "account/laundry-walkout", [photo, liar])
    assert rows(engine, Attachment) == [] and rows(engine, StoredFile) == []
    assert list(FileStore(walkout.root).kept()) == []


def test_bad_descriptions_and_records_get_clear_errors(walkout, engine, tmp_path):
    photo = make.photo(tmp_path / "picket.jpg")
    with pytest.raises(AttachError, match="account/nobody: no such record"):
        attach_files(walkout.root, engine, "account/nobody", [photo])
    with pytest.raises(AttachError, match="TYPE/SLUG"):
        attach_files(walkout.root, engine, "laundry-walkout", [photo])
    with pytest.raises(AttachError, match="visibility: 'secret'"):
        attach_files(walkout.root, engine, "account/laundry-walkout", [photo], Description(visibility="secret"))
    with pytest.raises(AttachError, match="caption: a NUL"):
        attach_files(walkout.root, engine, "account/laundry-walkout", [photo], Description(caption="a\x00b"))


def test_new_bytes_under_a_name_replace_the_file_and_keep_the_caption(walkout, engine, tmp_path):
    (tmp_path / "a").mkdir()
    first = make.photo(tmp_path / "a" / "picket.jpg")
    attach_files(walkout.root, engine, "account/laundry-walkout", [first], Description(caption="The picket"))
    (tmp_path / "b").mkdir()
    second = make.photo(tmp_path / "b" / "picket.jpg", size=(80, 40))
    report = attach_files(walkout.root, engine, "account/laundry-walkout", [second])
    assert report.replaced == ["picket.jpg"]
    [row] = rows(engine, Attachment)
    assert (row["caption"], row["width"]) == ("The picket", 80)
    assert [r["sha256"] for r in rows(engine, StoredFile)] == [row["sha256"]]  # the old bytes are gone
    assert list(FileStore(walkout.root).kept()) == [row["sha256"]]


def test_detach_removes_files_nothing_else_uses(walkout, engine, tmp_path):
    photo = make.photo(tmp_path / "picket.jpg")
    attach_files(walkout.root, engine, "account/laundry-walkout", [photo])
    attach_files(walkout.root, engine, "account/mill-strike", [photo])
    assert detach_files(walkout.root, engine, "account/laundry-walkout", ["picket.jpg"]) == ["picket.jpg"]
    assert len(list(FileStore(walkout.root).kept())) == 1  # the mill strike still uses it
    detach_files(walkout.root, engine, "account/mill-strike", ["picket.jpg"])
    assert list(FileStore(walkout.root).kept()) == [] and rows(engine, StoredFile) == []
    with pytest.raises(AttachError, match="no attachment named picket.jpg"):
        detach_files(walkout.root, engine, "account/mill-strike", ["picket.jpg"])


def test_search_finds_the_words_of_attached_files(walkout, engine, tmp_path):
    attach_files(walkout.root, engine, "account/laundry-walkout",
                 [make.leaflet_pdf(tmp_path / "leaflet.pdf"), make.transcript(tmp_path / "interview.srt")])
    rebuild_index(walkout.index_dir, engine)
    searcher = ArchiveSearcher(walkout.index_dir, engine)
    for words in ("meeting tonight", "noon"):
        result = searcher.search(SearchRequest(query=words))
        assert [hit.slug for hit in result.hits] == ["laundry-walkout"], words


def test_verify_finds_a_changed_or_missing_kept_file(walkout, engine, tmp_path):
    attach_files(walkout.root, engine, "account/laundry-walkout", [make.photo(tmp_path / "picket.jpg")])
    report = verify_fixity(engine, record_run=False, files_root=walkout.root)
    assert report.ok and report.files_checked == 1
    [sha] = FileStore(walkout.root).kept()
    path = FileStore(walkout.root).path(sha)
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes() + b"tampered")
    changed = verify_fixity(engine, record_run=False, files_root=walkout.root)
    assert changed.changed == [f"account/laundry-walkout: attachment picket.jpg: its bytes no longer match their "
                               f"SHA-256 {sha[:12]}"]
    path.unlink()
    missing = verify_fixity(engine, record_run=False, files_root=walkout.root)
    assert len(missing.missing) == 1 and "is missing" in missing.missing[0]


def test_deleting_a_record_deletes_its_attachments_and_logs_the_files(walkout, engine, tmp_path):
    photo, leaflet = make.photo(tmp_path / "picket.jpg"), make.leaflet_pdf(tmp_path / "leaflet.pdf")
    attach_files(walkout.root, engine, "account/laundry-walkout", [photo, leaflet])
    attach_files(walkout.root, engine, "account/mill-strike", [photo])
    verify_fixity(engine, files_root=walkout.root)  # a first run, so the deletion is logged
    result = delete_permanently(engine, [("account", "laundry-walkout")], reason="consent withdrawn",
                                archive_root=walkout.root)
    assert result.attachments_deleted == 2 and len(result.files_purged) == 1
    kept = list(FileStore(walkout.root).kept())
    assert len(kept) == 1 and [r["sha256"] for r in rows(engine, StoredFile)] == kept
    with engine.connect() as conn:
        summary = conn.execute(text("SELECT summary FROM fixity_log ORDER BY id DESC")).scalars().first()
    assert result.files_purged[0] in summary and "laundry-walkout" in summary
    assert verify_fixity(engine, record_run=False, files_root=walkout.root).ok


def test_the_attach_command_reports_each_file_and_refuses_bad_ones(walkout, tmp_path):
    runner = CliRunner()
    photo = make.photo(tmp_path / "picket.jpg")
    done = runner.invoke(cli, ["--archive", str(walkout.root), "attach", "account/laundry-walkout", str(photo),
                                "--caption", "The picket", "--visibility", "restricted"])
    assert done.exit_code == 0, done.output
    assert "attached  account/laundry-walkout/picket.jpg" in done.output
    svg = tmp_path / "drawing.svg"
    svg.write_text("<svg><script>alert(1)</script></svg>")
    refused = runner.invoke(cli, ["--archive", str(walkout.root), "attach", "account/laundry-walkout", str(svg)])
    assert refused.exit_code == 1 and "SVG is not accepted" in refused.output and "Traceback" not in refused.output
    gone = runner.invoke(cli, ["--archive", str(walkout.root), "detach", "account/laundry-walkout", "picket.jpg"])
    assert gone.exit_code == 0 and "detached  account/laundry-walkout/picket.jpg" in gone.output


def test_the_migration_makes_the_tables_the_models_describe(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from archive.store.models import Base

    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "attachments" in repr(d) or "'files'" in repr(d)] == []


def test_kept_files_are_read_only_and_a_crash_leaves_no_partial_file(walkout, tmp_path, monkeypatch):
    store = FileStore(walkout.root)
    photo = make.photo(tmp_path / "picket.jpg")
    sha = store.put(photo)
    assert oct(store.path(sha).stat().st_mode & 0o777) == "0o444"

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    other = make.photo(tmp_path / "other.jpg", size=(10, 10))
    from archive.store.files import FileStoreError

    with pytest.raises(FileStoreError, match="No space left"):
        store.put(other)
    assert list(store.kept()) == [sha] and store.stray_incoming() == []


def test_attached_path_names_stay_inside_the_store(walkout, engine, tmp_path):
    photo = make.photo(tmp_path / "picket.jpg")
    attach_files(walkout.root, engine, "account/laundry-walkout", [photo])
    [row] = rows(engine, Attachment)
    assert FileStore(walkout.root).path(row["sha256"]).resolve().is_relative_to(Path(walkout.root).resolve())


def test_a_bag_carries_attachments_and_round_trips_identically(walkout, engine, tmp_path):
    from archive.store.db import make_engine
    from archive.trust.bag import BagRejected, export_bag, import_bag
    from archive.trust.create import init_archive

    attach_files(walkout.root, engine, "account/laundry-walkout",
                 [make.leaflet_pdf(tmp_path / "leaflet.pdf"), make.transcript(tmp_path / "interview.vtt")],
                 Description(caption="From the strike", credit="T. Ruiz", visibility="restricted"))
    attach_files(walkout.root, engine, "account/mill-strike", [make.photo(tmp_path / "picket.jpg")])
    with pytest.raises(BagRejected, match="needs the archive folder"):
        export_bag(engine, tmp_path / "no-folder")
    first = tmp_path / "bag"
    result = export_bag(engine, first, walkout)
    assert (result.attachments, result.files) == (3, 3)
    second_archive = init_archive(tmp_path / "second")
    second = make_engine(second_archive.db_url(), writer=True)
    try:
        imported = import_bag(second, first, second_archive.root)
        assert (imported.attachments, imported.files) == (3, 3)
        again = tmp_path / "bag2"
        export_bag(second, again, second_archive)
        assert _payload(again) == _payload(first)
        assert sorted(FileStore(second_archive.root).kept()) == sorted(FileStore(walkout.root).kept())
        assert import_bag(second, first, second_archive.root).attachments == 3  # again: the same rows, no new ones
        assert len(rows(second, Attachment)) == 3
    finally:
        second.dispose()


def test_a_bag_whose_file_does_not_match_its_name_is_refused_before_anything_is_written(walkout, engine, tmp_path):
    from archive.store.db import make_engine
    from archive.trust.bag import BagRejected, export_bag, import_bag
    from archive.trust.create import init_archive

    attach_files(walkout.root, engine, "account/mill-strike", [make.photo(tmp_path / "picket.jpg")])
    bag = tmp_path / "bag"
    export_bag(engine, bag, walkout)
    [kept] = (bag / "data" / "files").iterdir()
    (bag / "data" / "attachments" / "account" / "mill-strike.json").write_text(
        (bag / "data" / "attachments" / "account" / "mill-strike.json").read_text().replace(kept.name, "0" * 64))
    second_archive = init_archive(tmp_path / "second")
    second = make_engine(second_archive.db_url(), writer=True)
    try:
        with pytest.raises(BagRejected):  # the manifest no longer matches (and the file would be missing)
            import_bag(second, bag, second_archive.root)
        assert rows(second, Attachment) == [] and list(FileStore(second_archive.root).kept()) == []
    finally:
        second.dispose()


def _payload(bag: Path) -> dict[str, str]:
    lines = (bag / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines()
    return dict(reversed(line.split(maxsplit=1)) for line in lines if line)


def test_a_backup_carries_the_files_its_store_names(walkout, engine, tmp_path):
    from archive.trust.backup import backup, files_beside

    if not walkout.db_url().startswith("sqlite") and shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is needed to back up a PostgreSQL store (Debian: postgresql-client)")
    attach_files(walkout.root, engine, "account/laundry-walkout", [make.photo(tmp_path / "picket.jpg")])
    (tmp_path / "backups").mkdir()
    made = backup(walkout.db_url(), tmp_path / "backups" / "archive.backup", files_root=walkout.root)
    [sha] = FileStore(walkout.root).kept()
    copy = files_beside(made) / sha[:2] / sha
    assert copy.read_bytes() == FileStore(walkout.root).path(sha).read_bytes()


def test_clean_files_removes_old_unused_files_and_interrupted_copies_only(walkout, engine, tmp_path):
    from archive.trust.clean_files import MIN_AGE, clean_unused_files

    attach_files(walkout.root, engine, "account/laundry-walkout", [make.photo(tmp_path / "picket.jpg")])
    store = FileStore(walkout.root)
    [named] = store.kept()
    orphan = store.put(make.leaflet_pdf(tmp_path / "leaflet.pdf"))  # kept, but no row names it (a crash)
    partial = store.root / ".incoming-x1"
    partial.write_bytes(b"half a file")
    young = clean_unused_files(walkout.root, engine, dry_run=True)
    assert young.unused == [] and young.partial == []  # an attach may still be running
    later = clean_unused_files(walkout.root, engine, now=__import__("time").time() + MIN_AGE + 1)
    assert later.unused == [orphan] and later.partial == [partial]
    assert list(store.kept()) == [named] and not partial.exists()
    assert verify_fixity(engine, record_run=False, files_root=walkout.root).ok
