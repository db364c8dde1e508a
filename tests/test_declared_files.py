"""A record's ``files`` field: checked with the record, attached once it is stored, all or none per file."""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import select

from archive.ingest.record_files import DeclaredFile
from archive.ingest.records import RecordError, normalize
from archive.store.files import FileStore
from archive.store.ingest import ingest
from archive.store.models import Attachment, Record
from archive.trust.fixity import verify_fixity
from tests import media_files as make
from tests.helpers import PUBLIC


def attachments(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(Attachment.__table__).order_by("record_id", "position"))
                .mappings()]


def records(engine) -> set[str]:
    with engine.connect() as conn:
        return {f"{r.type}/{r.slug}" for r in conn.execute(select(Record.__table__)).all() if not r.is_stub}


def media(folder):
    (folder / "scans").mkdir(parents=True, exist_ok=True)
    make.photo(folder / "scans" / "leaflet-1937.jpg")
    make.mp3(folder / "interview.mp3")
    make.transcript(folder / "interview.vtt")


def test_the_field_takes_paths_and_described_files():
    record = normalize({"title": "Walkout", "slug": "walkout", "files": [
        "scans/leaflet-1937.jpg", {"path": "interview.mp3", "caption": "Interview", "credit": "T. Ruiz",
                                   "licence": "CC-BY-4.0", "visibility": "Restricted", "consent": "given"}]})
    assert record.files == [DeclaredFile("scans/leaflet-1937.jpg"),
                            DeclaredFile("interview.mp3", "Interview", "T. Ruiz", "CC-BY-4.0", "restricted", "given")]
    assert "files" not in record.content() and "files" not in record.extra
    csv_like = normalize({"title": "W", "slug": "w", "files": "a.jpg; scans/b.pdf"})
    assert [f.path for f in csv_like.files] == ["a.jpg", "scans/b.pdf"]


@pytest.mark.parametrize(("value", "says"), [
    (["../secret.jpg"], "'..' leaves the folder"),
    (["scans/../../x.jpg"], "'..' leaves the folder"),
    (["/etc/passwd"], "an absolute path"),
    (["C:/photos/a.jpg"], "an absolute path"),
    (["scans\\a.jpg"], "with / between folders"),
    ([{"path": "a.jpg", "author": "x"}], "unknown key(s) author"),
    ([{"caption": "no path"}], "has no 'path'"),
    ([{"path": "a.jpg", "visibility": "open"}], "visibility must be one of"),
    ([{"path": "a.jpg", "consent": "yes"}], "consent must be one of"),
    ([["a.jpg"]], "not a list"),
    (["a.jpg", "scans/a.jpg"], "the same file name as a.jpg"),
])
def test_a_bad_files_field_names_the_field(value, says):
    with pytest.raises(RecordError) as caught:
        normalize({"title": "W", "slug": "w", "files": value})
    assert caught.value.field == "files" and says in caught.value.message


def test_a_record_with_files_needs_a_slug():
    with pytest.raises(RecordError, match="needs a slug"):
        normalize({"title": "Walkout", "files": ["a.jpg"]})


def test_ingest_attaches_declared_files_and_again_changes_nothing(archive, engine, tmp_path):
    folder = tmp_path / "in"
    media(folder)
    source = folder / "walkout.md"
    source.write_text("---\ntitle: Laundry walkout\nslug: laundry-walkout\nfiles:\n  - scans/leaflet-1937.jpg\n"
                      "  - path: interview.mp3\n    caption: Interview with T. Ruiz\n    credit: T. Ruiz\n"
                      "    licence: CC-BY-4.0\n    visibility: restricted\n    consent: given\n"
                      "  - interview.vtt\n---\nWe walked out.\n", encoding="utf-8")
    report = ingest(engine, [source], defaults=PUBLIC, archive_root=archive.root)
    assert report.errors == [] and report.added == 1
    attached = attachments(engine)
    assert [(a["name"], a["kind"]) for a in attached] == [
        ("leaflet-1937.jpg", "image"), ("interview.mp3", "audio"), ("interview.vtt", "transcript")]
    assert (attached[1]["caption"], attached[1]["credit"], attached[1]["licence"], attached[1]["visibility"],
            attached[1]["consent"]) == ("Interview with T. Ruiz", "T. Ruiz", "CC-BY-4.0", "restricted", "given")
    assert attached[0]["visibility"] is None and "walked out at noon" in attached[2]["text"]
    assert report.changed_ids
    store = FileStore(archive.root)
    assert store.path(attached[0]["sha256"]).read_bytes() == (folder / "scans" / "leaflet-1937.jpg").read_bytes()
    again = ingest(engine, [source], defaults=PUBLIC, archive_root=archive.root)
    assert again.errors == [] and again.unchanged == 1 and again.changed_ids == []
    assert attachments(engine) == attached
    assert verify_fixity(engine, record_run=False).changed == []


def test_json_yaml_jsonl_and_csv_declare_files(archive, engine, tmp_path):
    folder = tmp_path / "in"
    media(folder)
    (folder / "a.json").write_text(json.dumps({"title": "A", "slug": "a", "files": [
        {"path": "scans/leaflet-1937.jpg", "caption": "Leaflet"}]}), encoding="utf-8")
    (folder / "b.yaml").write_text("title: B\nslug: b\nfiles: [interview.mp3]\n", encoding="utf-8")
    (folder / "c.jsonl").write_text(json.dumps({"title": "C", "slug": "c", "files": ["interview.vtt"]}) + "\n",
                                    encoding="utf-8")
    (folder / "d.csv").write_text("title,slug,files\nD,d,scans/leaflet-1937.jpg;interview.vtt\n", encoding="utf-8")
    report = ingest(engine, [folder], defaults=PUBLIC, archive_root=archive.root)
    assert report.errors == [] and report.added == 4
    with engine.connect() as conn:
        named = {(r.slug, r.name) for r in conn.execute(
            select(Record.__table__.c.slug, Attachment.__table__.c.name)
            .join(Attachment.__table__, Attachment.__table__.c.record_id == Record.__table__.c.id))}
    assert named == {("a", "leaflet-1937.jpg"), ("b", "interview.mp3"), ("c", "interview.vtt"),
                     ("d", "leaflet-1937.jpg"), ("d", "interview.vtt")}
    assert len(list(FileStore(archive.root).kept())) == 3  # the leaflet is kept once for a and d


def test_one_bad_file_refuses_the_whole_ingested_file(archive, engine, tmp_path):
    folder = tmp_path / "in"
    media(folder)
    (folder / "lies.jpg").write_bytes((folder / "interview.mp3").read_bytes())
    rows = [{"title": "Good", "slug": "good", "files": ["scans/leaflet-1937.jpg"]},
            {"title": "Bad", "slug": "bad", "files": ["interview.vtt", "lies.jpg"]},
            {"title": "Missing", "slug": "missing", "files": ["nowhere.pdf"]}]
    source = folder / "batch.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    report = ingest(engine, [source], defaults=PUBLIC, archive_root=archive.root)
    assert report.files_failed == 1 and records(engine) == set()
    assert attachments(engine) == [] and list(FileStore(archive.root).kept()) == []
    messages = [str(e) for e in report.errors]
    assert any(m.startswith(f"{source}:2: field 'files': account/bad: lies.jpg: the name says a JPEG image")
               for m in messages), messages
    assert any(m.startswith(f"{source}:3: field 'files': account/missing: nowhere.pdf: no such file")
               for m in messages), messages
    # --skip-invalid refuses just those records.
    skipping = ingest(engine, [source], defaults=PUBLIC, archive_root=archive.root, skip_invalid=True)
    assert skipping.refused == 2 and records(engine) == {"account/good"}
    assert [a["name"] for a in attachments(engine)] == ["leaflet-1937.jpg"]


def test_a_symbolic_link_out_of_the_folder_is_refused(archive, engine, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    make.photo(tmp_path / "outside.jpg")
    os.symlink(tmp_path / "outside.jpg", folder / "inside.jpg")
    source = folder / "r.yaml"
    source.write_text("title: R\nslug: r\nfiles: [inside.jpg]\n", encoding="utf-8")
    report = ingest(engine, [source], defaults=PUBLIC, archive_root=archive.root)
    assert report.files_failed == 1 and records(engine) == set()
    assert "leads out of the folder of r.yaml" in str(report.errors[0])
    assert report.errors[0].line == 3 and report.errors[0].field == "files"


def test_a_dry_run_checks_the_files_and_keeps_nothing(archive, engine, tmp_path):
    folder = tmp_path / "in"
    media(folder)
    source = folder / "r.yaml"
    source.write_text("title: R\nslug: r\nfiles: [interview.mp3, gone.jpg]\n", encoding="utf-8")
    failed = ingest(engine, [source], defaults=PUBLIC, archive_root=archive.root, dry_run=True)
    assert failed.files_failed == 1 and "gone.jpg: no such file" in str(failed.errors[0])
    source.write_text("title: R\nslug: r\nfiles: [interview.mp3]\n", encoding="utf-8")
    passed = ingest(engine, [source], defaults=PUBLIC, archive_root=archive.root, dry_run=True)
    assert passed.errors == [] and passed.added == 1
    assert records(engine) == set() and attachments(engine) == [] and list(FileStore(archive.root).kept()) == []


def test_without_an_archive_declared_files_are_refused(engine, tmp_path):
    folder = tmp_path / "in"
    media(folder)
    source = folder / "r.yaml"
    source.write_text("title: R\nslug: r\nfiles: [interview.mp3]\n", encoding="utf-8")
    report = ingest(engine, [source], defaults=PUBLIC)
    assert report.files_failed == 1 and "attached only when ingesting into an archive" in str(report.errors[0])


def test_a_left_out_file_attaches_nothing_even_when_another_file_stores_the_record(archive, engine, tmp_path):
    folder = tmp_path / "in"
    media(folder)
    (folder / "a.yaml").write_text("title: R\nslug: r\nfiles: [interview.mp3]\n", encoding="utf-8")
    (folder / "b.jsonl").write_text(json.dumps({"title": "R", "slug": "r", "files": ["interview.vtt"]}) + "\n"
                                    + json.dumps({"title": "Broken", "slug": "x", "date": "not a date"}) + "\n",
                                    encoding="utf-8")
    report = ingest(engine, [folder / "a.yaml", folder / "b.jsonl"], defaults=PUBLIC, archive_root=archive.root)
    assert report.files_failed == 1 and records(engine) == {"account/r"}
    assert [a["name"] for a in attachments(engine)] == ["interview.mp3"]


def test_archive_ingest_attaches_indexes_and_verifies(archive, engine, tmp_path):
    from click.testing import CliRunner

    from archive.cli import cli
    from archive.search.searcher import ArchiveSearcher, SearchRequest

    folder = tmp_path / "in"
    media(folder)
    make.leaflet_pdf(folder / "leaflet.pdf")
    source = folder / "walkout.md"
    source.write_text("---\ntitle: Laundry walkout\nslug: laundry-walkout\nvisibility: public\n"
                      "files: [leaflet.pdf, interview.vtt]\n---\nWe walked out.\n", encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(cli, ["--archive", str(archive.root), "ingest", str(source)])
    assert done.exit_code == 0, done.output
    searcher = ArchiveSearcher(archive.index_dir, engine)
    for words in ("meeting tonight", "noon"):  # the PDF's and the transcript's words, indexed by the ingest
        assert [hit.slug for hit in searcher.search(SearchRequest(query=words)).hits] == ["laundry-walkout"], words
    verified = runner.invoke(cli, ["--archive", str(archive.root), "verify"])
    assert verified.exit_code == 0, verified.output
    (folder / "interview.vtt").write_text("not a transcript", encoding="utf-8")
    refused = runner.invoke(cli, ["--archive", str(archive.root), "ingest", str(source)])
    assert refused.exit_code == 1 and "field 'files': account/laundry-walkout: interview.vtt:" in refused.output
