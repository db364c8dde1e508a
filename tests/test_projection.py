"""The public projection (archive.public): one loader, one rule, and everything public built from it.

Each test here failed before the projection owned the rule: a record's own redactions skipped its tags
and the stubs its references made; ``search --public`` suggested words only private records hold, and
kept a stub public after the only public record naming it turned private.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from archive.cli import cli
from archive.public import REASONS, load

OWN_NAME = "Qxownname Kanaryzk"  # a real name that only the record's own ``redactions`` field withholds


def run(root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--archive", str(root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def site_text(site: Path) -> str:
    """Every file name and every file's text in the built site, lowercased."""
    parts = []
    for path in sorted(site.rglob("*")):
        if path.is_file():
            parts.append(path.relative_to(site).as_posix())
            parts.append(path.read_bytes().decode("utf-8", errors="ignore"))
    return "\n".join(parts).lower()


def test_importing_the_projection_loads_only_store_level_modules_and_no_whoosh():
    # (archive.public loads its modules when a name is first asked for: ask for the entry point.)
    code = ("import sys; from archive.public import load; "
            "print(sorted(m for m in sys.modules if m.startswith(('whoosh', 'archive'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # The projection sits on the store, which sits on the record format (archive.ingest: the bounded YAML
    # loader reads redactions.yaml, record_rules holds the vocabulary) and the kernel (archive.errors, the
    # base of its errors): nothing above it is loaded.
    assert out.strip() == str(["archive", "archive.dates", "archive.errors", "archive.ingest", "archive.ingest.formats",
                               "archive.ingest.record_rules", "archive.ingest.redaction", "archive.public",
                               "archive.public.graph", "archive.public.rule", "archive.store", "archive.store.models"])


def test_the_rule_alone_loads_neither_sqlalchemy_nor_the_models():
    # archive search decides the public marks of its hits with the rule's row form, without SQLAlchemy.
    code = ("import sys; from archive.public.rule import public_among, is_public; "
            "print(sorted(m for m in sys.modules if m.startswith(('whoosh', 'archive', 'sqlalchemy'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(["archive", "archive.public", "archive.public.rule"])


def test_importing_the_publisher_loads_no_search_index():
    # The site is built from the projection, not from the Whoosh index: importing the publisher loads no
    # index, searcher or query module. (It does load Whoosh's analyzers: the browser's search must analyse
    # words exactly as archive search does.)
    code = ("import sys, archive.publish; "
            "print(sorted(m for m in sys.modules if m.startswith(('whoosh', 'archive'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(ast.literal_eval(out.strip()))
    forbidden = {"archive.search.index", "archive.search.index_docs", "archive.search.searcher",
                 "archive.search.public_index", "archive.search.query", "archive.search.whoosh_tuning",
                 "whoosh.index", "whoosh.searching", "whoosh.query", "whoosh.writing"}
    assert loaded & forbidden == set()
    assert "archive.public" in loaded

OWN_REDACTIONS = f"""
- type: account
  slug: canteen-testimony
  title: The canteen strike
  body: {OWN_NAME} ran the strike kitchen.
  visibility: public
  tags: ["{OWN_NAME}", "kitchen"]
  struggles: ["{OWN_NAME} dismissal"]
  places: ["{OWN_NAME} street"]
  redactions: {{"{OWN_NAME}": "Cook B."}}
"""


def test_a_records_own_redactions_reach_its_tags_and_the_stubs_it_creates(archive, write, tmp_path):
    run(archive.root, "ingest", str(write("own.yaml", OWN_REDACTIONS)))
    site = tmp_path / "site"
    run(archive.root, "build", "--out", str(site))
    text = site_text(site)
    for word in ("qxownname", "kanaryzk"):
        assert word not in text
    # The pseudonym took the name's place everywhere: the tag, the stubs' titles, slugs and files.
    assert (site / "struggles" / "cook-b-dismissal.html").is_file()
    assert (site / "places" / "cook-b-street.html").is_file()
    assert "cook b. dismissal" in (site / "struggles" / "cook-b-dismissal.html").read_text().lower()
    assert '"path": "struggles/cook-b-dismissal.html"' in (site / "data" / "struggles.json").read_text()
    assert "struggles/cook-b-dismissal.html" in json.loads((site / "manifest.json").read_text())["files"]
    graph = load_public(archive)
    assert graph.items["account"]["canteen-testimony"].tags == ["Cook B.", "kitchen"]
    assert "Cook B." in graph.tags
    for query in ("kitchen", "dismissal", "street"):
        found = run(archive.root, "search", query, "--public", "--json").lower()
        assert "qxownname" not in found and "kanaryzk" not in found
    hits = json.loads(run(archive.root, "search", "dismissal", "--public", "--json"))
    assert [(h["type"], h["slug"], h["title"]) for h in hits] == [("struggle", "cook-b-dismissal", "Cook B. dismissal")]
    assert json.loads(run(archive.root, "search", "Kanaryzk", "--public", "--json")) == []
    # The archivist still sees the real name.
    assert "Kanaryzk" in run(archive.root, "search", "Kanaryzk")


def load_public(archive):
    from archive.store.db import make_engine

    engine = make_engine(archive.db_url())
    try:
        return load(engine, archive.root)
    finally:
        engine.dispose()


PROBE = """
- {type: account, slug: dock-notes, title: Dock notes, visibility: public,
   body: The dockers held the picket line at the northern gate.}
- {type: account, slug: private-notes, title: Private notes, visibility: private,
   body: Qxzorbaleak met the organisers at night.}
- type: account
  slug: redacted-notes
  title: Redacted notes
  visibility: public
  body: Qxpseudoleak chaired the meeting of the dockers.
  redactions: {Qxpseudoleak: Chair C.}
"""


def test_did_you_mean_never_suggests_a_word_only_non_public_text_holds(archive, write, tmp_path):
    run(archive.root, "ingest", str(write("probe.yaml", PROBE)))
    # The archivist is helped to the private word one edit away...
    assert "Did you mean: qxzorbaleak" in run(archive.root, "search", "qxzorbaleek")
    # ...the public is not, for a private record's word or a name a public record redacts.
    for probe in ("qxzorbaleek", "qxzorbalea", "qxpseudolaek", "qxpseudoleek"):
        out = run(archive.root, "search", probe, "--public")
        assert "Did you mean" not in out and "qx" not in out.lower().replace(probe, ""), out
    # A public word one edit away is still suggested, so the check above is not vacuous.
    assert "Did you mean: dockers" in run(archive.root, "search", "dockerz", "--public")
    # The site's search shards hold only public, redacted words.
    site = tmp_path / "site"
    run(archive.root, "build", "--out", str(site))
    shards = "\n".join(p.read_text(encoding="utf-8") for p in sorted((site / "search").rglob("*.js")))
    assert "dockers" in shards and "chair" in shards
    assert "qxzorbaleak" not in shards.lower() and "qxpseudoleak" not in shards.lower()


STUB = """
- {type: account, slug: lone-namer, title: The only public namer, visibility: public,
   body: We joined the sit-in., struggles: [lonely-sit-in]}
"""


def test_a_stub_leaves_public_search_when_its_only_public_namer_turns_private(archive, write, tmp_path):
    run(archive.root, "ingest", str(write("stub.yaml", STUB)))
    found = json.loads(run(archive.root, "search", "lonely", "--public", "--json"))
    assert [h["slug"] for h in found] == ["lonely-sit-in"]
    run(archive.root, "ingest", str(write("stub.yaml", STUB.replace("visibility: public", "visibility: private"))))
    assert json.loads(run(archive.root, "search", "lonely", "--public", "--json")) == []
    assert "NOT PUBLIC" in run(archive.root, "search", "lonely")  # the archivist sees it, marked
    out = run(archive.root, "build", "--out", str(tmp_path / "site"))
    assert not (tmp_path / "site" / "struggles" / "lonely-sit-in.html").exists()
    assert "Left out 2 record(s) that are not public: 1 private, 1 stub named only by non-public records." in out
    assert "Nothing is public yet" in out


def test_build_reports_what_it_left_out_and_why(archive, write):
    records = """
- {type: account, slug: a-public, title: Public, visibility: public, struggles: [shared-stub]}
- {type: account, slug: b-restricted, title: Restricted, visibility: restricted}
- {type: account, slug: c-private, title: Private, visibility: private, struggles: [private-only-stub]}
- {type: account, slug: d-embargoed, title: Embargoed, visibility: public, embargo_until: 2999-01-01}
- {type: account, slug: e-withdrawn, title: Withdrawn, visibility: public, consent: withdrawn}
- {type: struggle, slug: f-private-and-embargoed, title: Both, visibility: private, embargo_until: 2999-01-01}
"""
    run(archive.root, "ingest", str(write("mixed.yaml", records)))
    graph = load_public(archive)
    assert graph.left_out == {"private": 2, "restricted": 1, "embargoed": 1, "consent withdrawn": 1,
                              "stub named only by non-public records": 1}
    assert list(graph.left_out) == [r for r in REASONS if r in graph.left_out]
    assert sorted(i.key for items in graph.items.values() for i in items.values()) == [
        "account/a-public", "struggle/shared-stub"]
    out = run(archive.root, "build")
    assert ("Left out 6 record(s) that are not public: 2 private, 1 restricted, 1 embargoed, "
            "1 consent withdrawn, 1 stub named only by non-public records.") in out
    assert "Nothing is public yet" not in out


@pytest.mark.parametrize("record_type", ["struggle", "organization", "place", "balance_sheet"])
def test_withdrawn_consent_keeps_any_type_out(archive, engine, record_type):
    """The projection reads the consent column for every type (the record format decides who may set it)."""
    from sqlalchemy import insert

    from archive.store.models import Record

    with engine.begin() as conn:
        conn.execute(insert(Record.__table__).values(type=record_type, slug="withdrawn-one", title="Withdrawn",
                                                     body="", visibility="public", consent="withdrawn",
                                                     is_stub=False, content_sha256="", extra={}))
    graph = load(engine, archive.root)
    assert graph.count() == 0
    assert graph.left_out == {"consent withdrawn": 1}


CACHE = """
- {type: account, slug: open-letter, title: Open letter, visibility: public, body: The dockers signed the letter.}
- {type: account, slug: closed-letter, title: Closed letter, visibility: private, body: Qxcachedsecretzk signed.}
"""


def test_the_public_index_on_disk_holds_public_words_only_and_follows_changes(archive, write):
    run(archive.root, "ingest", str(write("cache.yaml", CACHE)))
    cache = archive.index_dir / "public"
    assert [h["slug"] for h in json.loads(run(archive.root, "search", "letter", "--public", "--json"))] == [
        "open-letter"]
    first = sorted(p.name for p in cache.iterdir() if p.is_dir())
    assert len(first) == 1
    data = b"".join(p.read_bytes() for p in cache.rglob("*") if p.is_file())
    assert b"docker" in data and b"qxcachedsecretzk" not in data.lower()
    run(archive.root, "search", "letter", "--public")
    assert sorted(p.name for p in cache.iterdir() if p.is_dir()) == first  # unchanged projection: the same index
    # A record turning public is only an addition (its id follows every indexed one): appended in place.
    run(archive.root, "ingest", str(write("cache.yaml", CACHE.replace("visibility: private", "visibility: public"))))
    found = json.loads(run(archive.root, "search", "letter", "--public", "--json"))
    assert sorted(h["slug"] for h in found) == ["closed-letter", "open-letter"]
    assert sorted(p.name for p in cache.iterdir() if p.is_dir()) == first
    # A changed record is indexed again from scratch, in a new folder; the previous one is kept for a
    # search still reading it.
    run(archive.root, "ingest", str(write("cache.yaml", CACHE.replace("Open letter", "An open letter"))))
    run(archive.root, "search", "letter", "--public")
    folders = [p.name for p in cache.iterdir() if p.is_dir()]
    assert len(folders) == 2 and first[0] in folders
    run(archive.root, "ingest", str(write("cache.yaml", CACHE.replace("Open letter", "A letter"))))
    folders = [p.name for p in cache.iterdir() if p.is_dir()]
    assert len(folders) == 2 and first[0] not in folders


def test_after_a_change_the_public_index_keeps_nothing_of_a_record_that_left(archive, write):
    records = [{"type": "account", "slug": f"leaflet-{i}", "title": f"Leaflet {i}", "visibility": "public",
                "body": f"The dockers handed out leaflet {i} at the gate."} for i in range(30)]
    records[7]["body"] += " Qxupdatesecretzk wrote it."
    path = write("leaflets.yaml", yaml.safe_dump_all(records))
    run(archive.root, "ingest", str(path))
    assert "leaflet-7" in run(archive.root, "search", "qxupdatesecretzk", "--public", "--json")
    records[7]["visibility"] = "private"
    records[3]["title"] = "Leaflet three"
    path.write_text(yaml.safe_dump_all(records), encoding="utf-8")
    run(archive.root, "ingest", str(path))
    out = run(archive.root, "search", "qxupdatesecretzq", "--public")
    assert "Did you mean" not in out and "No records match." in out
    assert "leaflet-3" in run(archive.root, "search", "three", "--public", "--json")
    cache = archive.index_dir / "public"
    newest = cache / json.loads((cache / "CURRENT").read_text())["folder"]
    data = b"".join(p.read_bytes() for p in newest.rglob("*") if p.is_file())
    assert b"docker" in data and b"qxupdatesecretzk" not in data
    # The same answers as an index built from scratch, scores included.
    for query in ("leaflet", "dockers gate", "three"):
        updated = run(archive.root, "search", query, "--public", "--json", "--limit", "40")
        shutil.rmtree(cache)
        assert run(archive.root, "search", query, "--public", "--json", "--limit", "40") == updated


def test_public_search_on_an_archive_it_cannot_write_to_searches_from_memory(archive, engine, write, monkeypatch):
    from archive.search import public_index as search_public
    from archive.search.searcher import SearchRequest, search

    run(archive.root, "ingest", str(write("cache.yaml", CACHE)))

    def read_only(*_args: object) -> None:
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(search_public, "_cached_index", read_only)
    hits = search(archive.index_dir, engine, SearchRequest("letter", public=True)).hits
    assert [h.slug for h in hits] == ["open-letter"]
    assert not (archive.index_dir / "public").exists()
