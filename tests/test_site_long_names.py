"""A tag or place can be a sentence: its page's file name stays within the file system's limit."""

from __future__ import annotations

from archive.publish.build import build
from archive.store.ingest import ingest
from tests.helpers import PUBLIC


def test_long_tag_and_place_names(archive, engine, write, tmp_path):
    tag = ("a grievance written out as a whole sentence by the people who lived it " * 3)[:199].strip()
    place = "a place named in a long sentence by the people who lived there " * 6
    path = write("s.yaml", f"type: struggle\nslug: s\ntitle: S\ntags: ['{tag}']\nplaces: ['{place}']\n")
    assert ingest(engine, [path], defaults=PUBLIC).errors == []
    build(archive, engine, out=tmp_path / "site")
    names = [p.name for p in (tmp_path / "site").rglob("*")]
    assert max(len(n.encode()) for n in names) < 200
    assert any(n.startswith("by_tag_a-grievance-written") for n in names)
