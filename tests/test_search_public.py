"""`archive search --public` shows what the site shows: pseudonyms, and nothing shaped by private records."""

from __future__ import annotations

import json

from click.testing import CliRunner

from archive.cli import cli


def run(root, *args):
    return CliRunner().invoke(cli, ["--archive", str(root), *args])


def test_public_search_shows_pseudonyms(archive, write):
    (archive.root / "redactions.yaml").write_text("Maria Ruiz: Compañera M.\n", encoding="utf-8")
    path = write("a.md", "---\ntitle: Maria Ruiz on the canteen strike\nredactions: {Jon Etxeberria: J.}\n---\n"
                         "Maria Ruiz and Jon Etxeberria organised the canteen strike.\n")
    assert run(archive.root, "ingest", "--set", "visibility=public", str(path)).exit_code == 0
    public = json.loads(run(archive.root, "search", "canteen", "--public", "--json").output)
    assert public[0]["title"] == "Compañera M. on the canteen strike"
    assert public[0]["slug"] == "companera-m-on-the-canteen-strike"
    text = json.dumps(public, ensure_ascii=False)
    assert "Ruiz" not in text and "Etxeberria" not in text and "ruiz" not in text
    assert "J. organised" in public[0]["snippet"].replace("**", "")
    archivist = json.loads(run(archive.root, "search", "canteen", "--json").output)
    assert archivist[0]["title"] == "Maria Ruiz on the canteen strike"


def test_a_private_records_language_does_not_shape_public_search(archive, write):
    public = write("en.md", "---\ntitle: Strikers\n---\nThe strikers held the gate.\n")
    private = write("nl.md", "---\ntitle: Stakers\nlanguage: nl\nvisibility: private\n---\nDe stakers hielden stand.\n")
    assert run(archive.root, "ingest", "--set", "visibility=public", str(public), str(private)).exit_code == 0
    from archive.search.searcher import ArchiveSearcher, SearchRequest
    from archive.store.db import make_engine

    engine = make_engine(archive.db_url())
    with ArchiveSearcher(archive.index_dir, engine) as searcher:
        assert searcher.public_searcher().languages == ["en"]
        assert "nl" in searcher.languages
        hits = searcher.search(SearchRequest("strikers", public=True)).hits
    engine.dispose()
    assert [h.slug for h in hits] == ["strikers"]
