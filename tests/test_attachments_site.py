"""Attachments on the published site and in public search: cleaned copies only, never more public than
their record, redacted, reported when they cannot be cleaned, byte-identical on rebuild."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from archive.publish.build import build
from archive.publish.output import verify_site
from archive.search.index import rebuild_index
from archive.search.searcher import ArchiveSearcher, SearchRequest
from archive.store.attach import Description, attach_files
from archive.store.ingest import ingest
from tests import media_files as make
from tests.helpers import PUBLIC
from tests.test_leaks import leaks

# Canaries (qx...zk, as the leak suite writes them) in everything an attachment that must not be published
# carries: its caption, credit, licence, its file name, its words and its metadata.
HIDDEN = {"private": Description(caption="qxprivcaptionzk", credit="qxprivcreditzk", licence="qxprivlicencezk",
                                 visibility="private"),
          "restricted": Description(caption="qxrestcaptionzk", visibility="restricted"),
          "withdrawn": Description(caption="qxwithdrawncaptionzk", consent="withdrawn")}


@pytest.fixture
def site_archive(archive, engine, tmp_path, write):
    (archive.root / "redactions.yaml").write_text("Maria Lopez: Picketer A\n", encoding="utf-8")
    ingest(engine, [write("walkout.md", "---\ntitle: Laundry walkout\nslug: laundry-walkout\nlanguage: en\n"
                                        "struggles: [Laundry strike]\n---\nWe walked out.\n"),
                    write("strike.md", "---\ntype: struggle\ntitle: Laundry strike\nslug: laundry-strike\n---\n"
                                       "The strike.\n"),
                    write("secret.md", "---\ntitle: Closed account\nslug: closed-account\nvisibility: private\n---\n"
                                       "Not for the site.\n")], defaults=PUBLIC)
    files = tmp_path / "files"
    files.mkdir()
    attach_files(archive.root, engine, "account/laundry-walkout",
                 [make.photo(files / "picket.jpg", size=(1800, 900)), make.leaflet_pdf(files / "leaflet.pdf"),
                  make.mp3(files / "interview.mp3"), make.transcript(files / "interview.vtt")],
                 Description(caption="Maria Lopez at the picket", credit="T. Ruiz", licence="CC-BY-4.0"))
    for kind, description in HIDDEN.items():
        hidden = files / kind
        hidden.mkdir()
        pdf = make.leaflet_pdf(hidden / f"qx{kind}namezk.pdf")
        attach_files(archive.root, engine, "account/laundry-walkout", [pdf], description)
    closed = files / "closed"
    closed.mkdir()
    attach_files(archive.root, engine, "account/closed-account", [make.photo(closed / "qxclosednamezk.jpg")],
                 Description(caption="qxclosedcaptionzk", visibility="public"))  # its record is private
    return archive, engine


def canaries() -> list[str]:
    return ["qxprivcaptionzk", "qxprivcreditzk", "qxprivlicencezk", "qxrestcaptionzk", "qxwithdrawncaptionzk",
            "qxprivatenamezk", "qxrestrictednamezk", "qxwithdrawnnamezk", "qxclosednamezk", "qxclosedcaptionzk",
            "maria lopez", "picket.jpg", "leaflet.pdf", "interview.mp3", *[c.lower() for c in make.CANARIES]]


def test_only_public_attachments_of_public_records_are_published_cleaned(site_archive, tmp_path):
    archive, engine = site_archive
    report = build(archive, engine, out=tmp_path / "site")
    assert report.media_refused == []
    site = tmp_path / "site"
    assert leaks(site, canaries()) == []
    media = sorted(p.relative_to(site).as_posix() for p in (site / "media").rglob("*") if p.is_file())
    assert media == ["media/account/laundry-walkout-1.jpg", "media/account/laundry-walkout-1.thumbnail.jpg",
                     "media/account/laundry-walkout-1.web.jpg", "media/account/laundry-walkout-2.pdf",
                     "media/account/laundry-walkout-2.preview.jpg", "media/account/laundry-walkout-3.mp3",
                     "media/account/laundry-walkout-4.vtt"]
    page = (site / "accounts" / "laundry-walkout.html").read_text(encoding="utf-8")
    assert "Picketer A at the picket" in page and 'alt="Picketer A at the picket"' in page
    assert '<audio controls preload="none" src="../media/account/laundry-walkout-3.mp3">' in page
    assert 'src="../media/account/laundry-walkout-4.vtt"' in page  # the transcript is the player's track
    assert 'href="../media/account/laundry-walkout-3.mp3#t=1.0"' in page  # cues link to their moments
    strike = (site / "struggles" / "laundry-strike.html").read_text(encoding="utf-8")
    assert 'href="../accounts/laundry-walkout.html#file-2"' in strike
    if shutil.which("exiftool"):
        for path in (site / "media").rglob("*"):
            done = subprocess.run(["exiftool", "-j", "-G1", "-a", str(path)], capture_output=True, check=True)
            fields = json.loads(done.stdout)[0]
            found = {k for k in fields if k.split(":")[0].startswith(("GPS", "XMP", "IPTC", "ID3", "APE"))
                     or k.split(":")[-1] in ("Artist", "Author", "Make", "Model", "SerialNumber", "Creator")}
            assert found == set(), path


def test_a_rebuild_is_byte_identical_and_the_manifest_covers_the_media(site_archive, tmp_path):
    archive, engine = site_archive
    first = build(archive, engine, out=tmp_path / "site")
    snapshot = {p: p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()}
    second = build(archive, engine, out=tmp_path / "site")
    assert second.write.written == [] and second.write.deleted == []
    assert {p: p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()} == snapshot
    manifest = json.loads((tmp_path / "site" / "manifest.json").read_text(encoding="utf-8"))
    assert "media/account/laundry-walkout-2.pdf" in json.dumps(manifest)
    assert verify_site(tmp_path / "site").ok
    assert first.media_refused == []


def test_a_file_that_cannot_be_cleaned_is_reported_and_not_published(site_archive, tmp_path, monkeypatch):
    archive, engine = site_archive
    if shutil.which("ffmpeg") is None:
        pytest.fail("FFmpeg is needed to make the MP4 sample (Debian: apt-get install ffmpeg)")
    video = make.ffmpeg_media(tmp_path / "march.mp4")
    attach_files(archive.root, engine, "account/laundry-walkout", [video], Description(caption="The march"))
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "ffmpeg" else real_which(name))
    shutil.rmtree(archive.root / ".media-cache", ignore_errors=True)
    report = build(archive, engine, out=tmp_path / "site")
    assert len(report.media_refused) == 1
    assert report.media_refused[0].startswith("account/laundry-walkout: attachment 5 (video, 'The march'): "
                                              "not published:")
    assert "FFmpeg" in report.media_refused[0]
    assert not any(p.suffix == ".mp4" for p in (tmp_path / "site").rglob("*"))
    assert "The march" not in (tmp_path / "site" / "accounts" / "laundry-walkout.html").read_text(encoding="utf-8")


def test_public_search_reads_public_attachments_only(site_archive, tmp_path):
    archive, engine = site_archive
    rebuild_index(archive.index_dir, engine)
    searcher = ArchiveSearcher(archive.index_dir, engine)
    assert [h.slug for h in searcher.search(SearchRequest(query="meeting tonight", public=True)).hits] == [
        "laundry-walkout"]
    assert searcher.search(SearchRequest(query="qxprivcaptionzk", public=True)).hits == []
    assert [h.slug for h in searcher.search(SearchRequest(query="qxprivcaptionzk")).hits] == ["laundry-walkout"]
    assert searcher.search(SearchRequest(query="qxclosedcaptionzk", public=True)).hits == []
    build(archive, engine, out=tmp_path / "site")
    shards = b"".join(p.read_bytes() for p in (tmp_path / "site" / "search").rglob("*") if p.is_file())
    assert b"qxprivcaptionzk" not in shards and b"qxclosedcaptionzk" not in shards


def test_the_kept_public_index_follows_a_new_attachment(site_archive, tmp_path):
    """The public index kept beside the private one is brought up to date from what changed: a file
    attached after a build is found by its words, and a private one never is."""
    archive, engine = site_archive
    rebuild_index(archive.index_dir, engine)
    build(archive, engine, out=tmp_path / "site")  # keeps the public index current
    searcher = ArchiveSearcher(archive.index_dir, engine)
    assert searcher.search(SearchRequest(query="noon", public=True)).hits  # the transcript, published
    late = tmp_path / "late"
    late.mkdir()
    transcript = late / "late.vtt"
    transcript.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nThe quartermaster came back.\n", encoding="utf-8")
    attach_files(archive.root, engine, "account/laundry-walkout", [transcript])
    hidden = late / "hidden.vtt"
    hidden.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nThe qxlatehiddenzk word.\n", encoding="utf-8")
    attach_files(archive.root, engine, "account/laundry-walkout", [hidden], Description(visibility="private"))
    fresh = ArchiveSearcher(archive.index_dir, engine)
    assert [h.slug for h in fresh.search(SearchRequest(query="quartermaster", public=True)).hits] == [
        "laundry-walkout"]
    assert fresh.search(SearchRequest(query="qxlatehiddenzk", public=True)).hits == []
