"""Leak suite: nothing of a restricted, private, embargoed or consent-withdrawn record reaches the site.

Every non-public record carries a unique canary in every field (slug, title, body, narrator, source,
tags, place names, linked slugs, findings). The whole output is searched for every canary after decoding
HTML entities, JSON and JavaScript escapes and URL encoding, in lower case, file names included.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, or_, select

from archive.ingest import ingest
from archive.models import Link, Record
from archive.public import public_clause
from archive.publish.build import build
from archive.queries import stats
from tests.helpers import PUBLIC

HIDDEN = {  # how a record is kept out of public output
    "restricted": {"visibility": "restricted"},
    "private": {"visibility": "private"},
    "embargoed": {"embargo_until": "2999-01-01"},
    "withdrawn": {"consent": "withdrawn"},
}


def canary(kind: str, name: str) -> str:
    return f"qx{kind}{name.replace('_', '')}zk"


def hidden_records(kind: str) -> list[dict]:
    c = lambda name: canary(kind, name)  # noqa: E731
    common = HIDDEN[kind]
    records = [
        {"type": "account", "slug": c("accslug"), "title": f"Account {c('acctitle')}",
         "body": f"Text {c('accbody')} and more.", "narrator": c("narrator"), "source": c("source"),
         "tags": [c("tag")], "places": [c("place")], "struggles": [c("strugref")], "date": "2021-03",
         "kind": "testimony", **common},
        {"type": "struggle", "slug": c("strugslug"), "title": f"Struggle {c('strugtitle')}",
         "body": c("strugbody"), "outcome": c("outcome"), "demands": [c("demand")], "places": [c("strugplace")],
         "waves": ["public-wave"], "tags": [c("strugtag")], "start": "2021", **common},
        {"type": "organization", "slug": c("orgslug"), "title": c("orgtitle"), "form": c("formref"),
         "struggles": ["public-struggle"], **common},
        {"type": "balance_sheet", "slug": c("bsslug"), "title": c("bstitle"), "struggle": "public-struggle",
         "author": c("author"), "won": c("won"), "lost": c("lost"), "limits": [c("limit")],
         "lessons": [c("lesson")], **common},
        {"type": "place", "slug": c("placeslug"), "title": c("placetitle"), "parent": "public-country", **common},
        {"type": "force", "slug": c("forceslug"), "title": c("forcetitle"), "determinants": [c("determinant")],
         **common},
        {"type": "wave", "slug": c("waveslug"), "title": c("wavetitle"), "start": "2020", **common},
        {"type": "articulation", "slug": c("artslug"), "title": c("arttitle"), "kind": "alliance",
         "between": ["struggle/public-struggle", f"struggle/{c('strugslug')}"], **common},
    ]
    if kind == "withdrawn":  # consent belongs to accounts
        return records[:1]
    return records


def public_records() -> list[dict]:
    records = [
        {"type": "place", "slug": "public-country", "title": "Belgium"},
        {"type": "wave", "slug": "public-wave", "title": "The 2021 wave", "start": "2020", "end": "2022"},
        {"type": "struggle", "slug": "public-struggle", "title": "Public dock strike", "start": "2021-02",
         "places": ["Antwerpen"], "waves": ["public-wave"], "tags": ["wages"]},
    ]
    for i in range(20):
        records.append({"type": "account", "slug": f"public-account-{i}", "title": f"Public account {i}",
                        "body": f"The dockers held the line on day {i}.", "date": f"2021-02-{i + 1:02d}",
                        "struggles": ["public-struggle"], "places": ["Antwerpen"], "tags": ["wages", "picket"],
                        "narrator": f"Docker {i}"})
    # A public account that names hidden records: the links must vanish without a trace.
    records.append({"type": "account", "slug": "public-pointer", "title": "Public pointer",
                    "body": "Names hidden things.",
                    "struggles": [canary("private", "strugslug"), canary("restricted", "strugslug")],
                    "places": ["Antwerpen"]})
    # A real name that must appear only as its pseudonym.
    records.append({"type": "account", "slug": "redacted-account", "title": "Meeting notes",
                    "body": "Qxrealname Kanarzk chaired the meeting.", "narrator": "Qxrealname Kanarzk",
                    "redactions": {"Qxrealname Kanarzk": "Chair A."}})
    return records


def decoded_variants(data: bytes) -> list[str]:
    text = data.decode("utf-8", errors="ignore")
    unescaped_js = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text).replace("\\/", "/")
    variants = [text, unescaped_js, html.unescape(text), urllib.parse.unquote(text),
                urllib.parse.unquote(html.unescape(unescaped_js))]
    return [v.lower() for v in variants]


def all_canaries() -> list[str]:
    found = []
    for kind in HIDDEN:
        for record in hidden_records(kind):
            for value in record.values():
                for item in value if isinstance(value, list) else [value]:
                    found += re.findall(r"qx[a-z]+zk", str(item))
    found += ["qxrealname", "kanarzk"]
    return sorted(set(found))


def leaks(site: Path) -> list[str]:
    canaries = all_canaries()
    hits = []
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(site).as_posix().lower()
        haystacks = [relative, *decoded_variants(path.read_bytes())]
        for name in canaries:
            if any(name in haystack for haystack in haystacks):
                hits.append(f"{relative}: {name}")
    return hits


@pytest.fixture
def seeded(archive, engine, tmp_path):
    records = public_records() + [r for kind in HIDDEN for r in hidden_records(kind)]
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump_all(records, allow_unicode=True), encoding="utf-8")
    report = ingest(engine, [path], defaults=PUBLIC)
    assert report.errors == [], report.errors
    return archive, engine


def test_no_canary_anywhere_in_the_output(seeded, tmp_path):
    archive, engine = seeded
    assert len(all_canaries()) > 100
    build(archive, engine, out=tmp_path / "site")
    assert leaks(tmp_path / "site") == []
    # The canaries are really in the store: the search would find them if they leaked.
    assert stats(engine)["total"] > 40


def public_counts(engine) -> dict[str, int]:
    """Per type: public records, counting a stub only when a public described record names it."""
    records = Record.__table__
    source = records.alias("source")
    named = (select(Link.target_id).join(source, source.c.id == Link.source_id)
             .where(source.c.is_stub.is_(False), source.c.visibility == "public",
                    source.c.embargo_until.is_(None), or_(source.c.consent.is_(None),
                                                          source.c.consent != "withdrawn")))
    query = (select(records.c.type, func.count()).where(public_clause())
             .where(or_(records.c.is_stub.is_(False), records.c.id.in_(named))).group_by(records.c.type))
    with engine.connect() as conn:
        return dict(conn.execute(query).all())


def test_counts_on_the_site_are_public_counts(seeded, tmp_path):
    archive, engine = seeded
    build(archive, engine, out=tmp_path / "site")
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    shown = {folder: int(n) for folder, n in re.findall(r'href="(\w[\w-]*)/index.html"><strong>(\d+)</strong>', home)}
    expected = public_counts(engine)
    folders = {"account": "accounts", "struggle": "struggles", "wave": "waves", "place": "places",
               "organization": "organizations", "balance_sheet": "balance-sheets", "force": "forces", "form": "forms",
               "articulation": "articulations"}
    assert shown == {folders[t]: n for t, n in expected.items()}
    assert expected["account"] == 22  # 20 public accounts, the pointer and the redacted one
    pages = [p for p in (tmp_path / "site" / "accounts").glob("*.html")
             if p.name != "index.html" and not p.name.startswith(("by_", "page"))]
    assert len(pages) == expected["account"]


def test_flipping_ten_records_to_private_leaves_nothing_stale(seeded, tmp_path):
    archive, engine = seeded
    site = tmp_path / "site"
    build(archive, engine, out=site)
    flipped = [r | {"visibility": "private"} for r in public_records() if r["slug"].startswith("public-account-")][:10]
    path = tmp_path / "flip.yaml"
    path.write_text(yaml.safe_dump_all(flipped, allow_unicode=True), encoding="utf-8")
    assert ingest(engine, [path]).updated == 10
    build(archive, engine, out=site)
    build(archive, engine, out=tmp_path / "scratch")
    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    assert files(site) == files(tmp_path / "scratch")
    for record in flipped:
        assert f"accounts/{record['slug']}.html" not in files(site)
        assert not any(f"{record['slug']}.html".encode() in data for data in files(site).values())
        assert not any(f"Docker {record['slug'].rsplit('-', 1)[1]}<".encode() in data for data in files(site).values())
