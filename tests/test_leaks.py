"""Leak suite: nothing of a restricted, private, embargoed or consent-withdrawn record reaches the site or
a ``--public`` command, and no name a redaction withholds does either.

Every non-public record carries a unique canary in every field (slug, title, body, narrator, source,
tags, place names, linked slugs, findings); public records carry real names that only a redaction hides
(the archive's ``redactions.yaml``, a record's own list, in its body, tags and the stubs its references
create). The whole output is searched for every canary after decoding HTML entities, JSON and JavaScript
escapes and URL encoding, in lower case, file names included. ``test_leaks_differential.py`` checks that
two different sets of secrets give byte-identical public output.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, or_, select

from archive.public import public_clause
from archive.publish.build import build
from archive.search.lookup import stats
from archive.store.ingest import ingest
from archive.store.models import Link, Record
from tests.helpers import PUBLIC

HIDDEN = {  # how a record is kept out of public output
    "restricted": {"visibility": "restricted"},
    "private": {"visibility": "private"},
    "embargoed": {"embargo_until": "2999-01-01", "visibility": "public"},
    "withdrawn": {"consent": "withdrawn", "visibility": "public"},
}


def canary(kind: str, name: str, world: str = "") -> str:
    return f"qx{world}{kind}{name.replace('_', '')}zk"


def hidden_records(kind: str, world: str = "") -> list[dict]:
    """The non-public records of one kind; ``world`` makes a second, different set of secrets."""
    c = lambda name: canary(kind, name, world)  # noqa: E731
    common = HIDDEN[kind]
    records = [
        {"type": "account", "slug": c("accslug"), "title": f"Account {c('acctitle')}",
         "body": f"Text {c('accbody')} and more.", "narrator": c("narrator"), "source": c("source"),
         "tags": [c("tag")], "places": [c("place")], "struggles": [c("strugref")], "date": "2021-03",
         "kind": "testimony", **common},
        {"type": "struggle", "slug": c("strugslug"), "title": f"Struggle {c('strugtitle')}",
         "body": c("strugbody"), "outcome": c("outcome"), "places": [c("strugplace")],
         "demands": [c("demand"), "Higher wages (lost)"],  # the public tally must not count it
         "waves": ["public-wave"], "tags": [c("strugtag"), "wages"], "start": "2021", **common},
        {"type": "organization", "slug": c("orgslug"), "title": c("orgtitle"), "form": c("formref"),
         "struggles": ["public-struggle"], "split_from": ["dock-union"], **common},
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


# Real names only redactions stand between and the public: the archive's redactions.yaml ("wide"), one
# record's own list ("real", "own") and a struggle's own list ("strug"). Pseudonyms are fixed.
NAMES = {"real": "Qxrealname Kanarzk", "own": "Qxrecordnamezk", "strug": "Qxstrugnamezk", "wide": "Qxwidenamezk"}


def public_records(names: dict[str, str] = NAMES) -> list[dict]:
    records = [
        {"type": "place", "slug": "public-country", "title": "Belgium"},
        {"type": "wave", "slug": "public-wave", "title": "The 2021 wave", "start": "2020", "end": "2022"},
        {"type": "struggle", "slug": "public-struggle", "title": "Public dock strike", "start": "2021-02",
         "places": ["Antwerpen"], "waves": ["public-wave"], "tags": ["wages"], "demands": ["Higher wages (won)"],
         "body": f"{names['wide']} spoke for the dockers."},
        {"type": "wave", "slug": "earlier-wave", "title": "The 1990s wave", "start": "1990", "end": "1995"},
        {"type": "struggle", "slug": "earlier-strike", "title": "Earlier dock strike", "start": "1992",
         "waves": ["earlier-wave"], "tags": ["wages"], "places": ["Antwerpen"], "demands": ["Higher wages (lost)"],
         "body": "The dockers struck for wages."},
        {"type": "balance_sheet", "slug": "public-balance", "title": "Looking back", "struggle": "earlier-strike",
         "author": "Dock committee", "lessons": ["Hold the line together"],
         "limits": ["repression: the police broke the picket"]},
        {"type": "organization", "slug": "dock-union", "title": "Dock union", "split_from": ["old-dock-union"],
         "struggles": ["public-struggle"]},
        {"type": "organization", "slug": "old-dock-union", "title": "Old dock union"},
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
                    "body": f"{names['real']} chaired the meeting.", "narrator": names["real"],
                    "redactions": {names["real"]: "Chair A."}})
    # Names withheld by the record's own list, in its tags and in the stubs its references create.
    own, strug = names["own"], names["strug"]
    records.append({"type": "account", "slug": "own-list-account", "title": "Picket roster",
                    "body": f"{own} kept the roster.", "tags": [own, f"roster of {own}"],
                    "struggles": [f"{own} lockout"], "places": [f"{own} square"], "redactions": {own: "Picket D."}})
    records.append({"type": "struggle", "slug": "own-list-struggle", "title": "The warehouse dispute",
                    "start": "2021-03", "organizations": [f"{strug} committee"], "forces": [f"{strug} crew"],
                    "forms": [f"{strug} caucus"], "tags": [strug], "waves": ["public-wave"],
                    "redactions": {strug: "Group E."}})
    return [{"visibility": "public", **record} for record in records]


def decoded_variants(data: bytes) -> list[str]:
    text = data.decode("utf-8", errors="ignore")
    unescaped_js = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text).replace("\\/", "/")
    variants = [text, unescaped_js, html.unescape(text), urllib.parse.unquote(text),
                urllib.parse.unquote(html.unescape(unescaped_js))]
    return [v.lower() for v in variants]


def all_canaries(world: str = "") -> list[str]:
    found = []
    for kind in HIDDEN:
        for record in hidden_records(kind, world):
            for value in record.values():
                for item in value if isinstance(value, list) else [value]:
                    found += re.findall(r"qx[a-z]+zk", str(item))
    found += ["qxrealname", "kanarzk", "qxrecordnamezk", "qxstrugnamezk", "qxwidenamezk"]
    return sorted(set(found))


def leaks(site: Path, canaries: list[str] | None = None) -> list[str]:
    canaries = all_canaries() if canaries is None else canaries
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
    (archive.root / "redactions.yaml").write_text(f"{NAMES['wide']}: Person X\n", encoding="utf-8")
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
    assert expected["account"] == 23  # 20 public accounts, the pointer, the redacted one and the own-list one
    pages = [p for p in (tmp_path / "site" / "accounts").glob("*.html")
             if p.name != "index.html" and not p.name.startswith(("by_", "page"))]
    assert len(pages) == expected["account"]
    # Every record is either published or counted, under one reason, in the build's report.
    from archive.public import load
    from tests.helpers import count

    graph = load(engine, archive.root)
    assert graph.count() + sum(graph.left_out.values()) == count(engine)
    assert set(graph.left_out) == {"restricted", "private", "embargoed", "consent withdrawn",
                                   "stub named only by non-public records"}


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


def public_commands(hidden: list[str]) -> list[list[str]]:
    """Every ``--public`` command, with queries that would find or suggest a leaked word: the public
    words, a wildcard, and each hidden word with one letter changed (a "did you mean" probe)."""
    queries = ["dockers", "wages", "strike", "picket", "roster", "qx*", "struggles:qx*", "tags:qx*"]
    commands = [["search", query, "--public", *options] for query in queries for options in ([], ["--json"])]
    # "Did you mean" is printed with the text output only.
    commands += [["search", word[:5] + ("a" if word[5] != "a" else "b") + word[6:], "--public"] for word in hidden]
    commands += [["search", "dockers", "--public", "--wave", "public-wave"],
                 ["continuity", "public-struggle", "--public"], ["continuity", "public-struggle", "--public", "--json"],
                 ["demands", "--public"],
                 ["demands", "--public", "--json"], ["lessons", "--public"], ["lessons", "--public", "--json"],
                 ["lineage", "dock-union", "--public"], ["lineage", "old-dock-union", "--public", "--json"]]
    return commands


def test_no_canary_in_any_public_command(seeded):
    from click.testing import CliRunner

    from archive.cli import cli

    archive, _ = seeded
    canaries = all_canaries()
    hidden = [c for c in canaries if c.startswith("qx") and len(c) > 8]
    outputs = 0
    hits = []
    for command in public_commands(hidden):
        result = CliRunner().invoke(cli, ["--archive", str(archive.root), *command])
        assert result.exit_code == 0, (command, result.output)
        outputs += 1
        text = " ".join(decoded_variants(result.output.encode("utf-8")))
        hits += [f"{' '.join(command)}: {name}" for name in canaries if name in text]
        assert "did you mean" not in result.output.lower() or command[1] in ("dockers", "wages"), result.output
    assert hits == []
    assert outputs > len(hidden)  # one probe per hidden word, and every other public command
    # The probes would have been answered for the archivist: the check above is not vacuous.
    probe = hidden[0][:5] + ("a" if hidden[0][5] != "a" else "b") + hidden[0][6:]
    assert CliRunner().invoke(cli, ["--archive", str(archive.root), "reindex"]).exit_code == 0
    archivist = CliRunner().invoke(cli, ["--archive", str(archive.root), "search", probe])
    assert f"Did you mean: {hidden[0]}" in archivist.output
