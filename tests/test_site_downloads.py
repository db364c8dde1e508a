"""Data to take away, the About page, citations and permanent addresses (archive/publish/downloads.py,
citation.py, feeds.py; templates/about.html and citation.html).

On the demo archive (real records shipped with the package) and on a larger archive built from the shared
Collective Action in Tech data set with restricted, private and embargoed records: every download parses,
validates against the schema shipped beside it and holds exactly the public projection (the same records,
fields, tags and links as ``archive.public.load``); no canary of a non-public record reaches a download
(the leak suite's records); each record page's citation names the record; ``[site] base_url`` makes the
feed, the sitemap, the citations and the downloads absolute; a rebuild writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from test_site_data import SECRET_WORDS, write_sample

from archive.cli import cli
from archive.public import load
from archive.publish import build, verify_site
from archive.publish.citation import bibtex_text
from archive.publish.demo import build_demo
from archive.publish.downloads import LIST_JOIN, fields_of
from archive.publish.model import Item
from archive.publish.paths import TYPES, item_path
from archive.store.config import ConfigError, load_archive
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.trust.create import init_archive
from tests.helpers import PUBLIC
from tests.test_leaks import HIDDEN, NAMES, all_canaries, canary, hidden_records, leaks, public_records

TODAY = dt.date(2026, 1, 1)
BASE = "https://archive.example.org/memory/"


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _expected(item: Item, field: str, kind: str) -> object:
    if kind in ("reference", "references"):
        values = []
        for target in item.linked(field):
            value = f"{target.type}/{target.slug}" if field == "between" else target.slug
            date = item.link_dates.get((field, target.id))
            values.append(f"{value} ({date})" if date else value)
        return values if kind == "references" else (values[0] if values else None)
    value = item.fields.get(field)
    return list(value or []) if kind == "list" else value


def check_downloads(site: Path, graph, base_url: str) -> int:
    """Every download against the projection; returns how many records were compared."""
    compared = 0
    package = json.loads((site / "data" / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["path"]: r for r in package["resources"]}
    for record_type, (folder, _, _) in TYPES.items():
        rows = json.loads((site / "data" / f"{folder}.json").read_text(encoding="utf-8"))
        schema = json.loads((site / "data" / f"{folder}.schema.json").read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(rows, schema, cls=jsonschema.Draft202012Validator)
        items = graph.of_type(record_type)
        assert [r["slug"] for r in rows] == [i.slug for i in items]
        for row, item in zip(rows, items, strict=True):
            assert (row["type"], row["title"], row["body"], row["tags"], row["stub"], row["language"]) == (
                item.type, item.title, item.body, item.tags, item.is_stub, item.language)
            assert row["path"] == item_path(item) and (site / row["path"]).is_file()
            assert row["url"] == (base_url + row["path"] if base_url else None)
            for field in fields_of(record_type)[8:-1]:
                assert row[field.name] == _expected(item, field.name, field.kind), (item.key, field.name)
            # Every link the projection holds is in the download: none is dropped for want of a column.
            assert set(item.out) <= set(row), item.key
            compared += 1
        # The CSV holds the same records: same columns, same values (lists joined, nothing neutralized here).
        text = (site / "data" / f"{folder}.csv").read_bytes().decode("utf-8")
        table = list(csv.DictReader(io.StringIO(text, newline="")))
        assert list(csv.reader(io.StringIO(text, newline="")))[0] == [f.name for f in fields_of(record_type)]
        assert len(table) == len(rows)
        for cells, row in zip(table, rows, strict=True):
            for name, value in row.items():
                if isinstance(value, list):
                    assert cells[name] == LIST_JOIN.join(value)
                elif isinstance(value, bool):
                    assert cells[name] == ("true" if value else "false")
                elif value is None:
                    assert cells[name] == ""
                elif isinstance(value, float | int):
                    assert float(cells[name]) == value
                else:
                    assert cells[name] in (value, "'" + value), (name, cells[name])
        resource = resources[f"{folder}.csv"]
        assert [f["name"] for f in resource["schema"]["fields"]] == [f.name for f in fields_of(record_type)]
    return compared


def _pre(page: str, name: str) -> str:
    match = re.search(rf'<pre class="{name}">(.*?)</pre>', page, re.S)
    assert match, name
    return html.unescape(match.group(1))


def _balanced(text: str) -> bool:
    depth = 0
    for i, char in enumerate(text):
        if char in "{}" and (i == 0 or text[i - 1] != "\\"):
            depth += 1 if char == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def check_citations(site: Path, graph, base_url: str) -> int:
    checked = 0
    for items in graph.items.values():
        for item in items.values():
            page = (site / item_path(item)).read_text(encoding="utf-8")
            key = f"{item.type}/{item.slug}"
            csl = json.loads(_pre(page, "cite-csl"))
            assert len(csl) == 1 and csl[0]["id"] == key and csl[0]["title"] == item.title
            assert csl[0]["archive_location"] == key
            author = item.fields.get({"account": "narrator", "balance_sheet": "author"}.get(item.type, ""))
            assert csl[0].get("author") == ([{"literal": author}] if author else None), key
            bibtex = _pre(page, "cite-bibtex")
            assert bibtex.startswith(f"@misc{{{item.type}:{item.slug},\n") and _balanced(bibtex), bibtex
            assert f"  title = {{{{{bibtex_text(item.title)}}}}},\n" in bibtex
            plain = html.unescape(re.search(r'<p class="cite-text">(.*?)</p>', page, re.S).group(1))
            assert item.title in plain
            if base_url:
                address = base_url + item_path(item)
                assert csl[0]["URL"] == address and f"  url = {{{address}}},\n" in bibtex and address in plain
                assert f'<link rel="canonical" href="{address}">' in page
                assert f'Permanent address: <a href="{address}">' in page
            else:
                assert "URL" not in csl[0] and "url = " not in bibtex and f"Record {key}" in plain
                assert "canonical" not in page
            checked += 1
    return checked


# --- The demo archive -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    result = build_demo(tmp_path_factory.mktemp("demo") / "demo")
    engine = make_engine(result.archive.db_url())
    try:
        graph = load(engine, result.archive.root)
    finally:
        engine.dispose()
    return result, graph


def test_demo_downloads_are_the_projection(demo) -> None:
    result, graph = demo
    site = result.site
    assert check_downloads(site, graph, "") == graph.count() > 200
    # Every file under data/ is in the signed manifest, and the copy verifies.
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))["files"]
    data = [p for p in _files(site) if p.startswith("data/")]
    assert len(data) == 3 * len(TYPES) + 1 and set(data) <= set(manifest)
    report = verify_site(site)
    assert report.ok, report


def test_demo_about_page(demo) -> None:
    result, graph = demo
    about = (result.site / "about.html").read_text(encoding="utf-8")
    counts = dict(re.findall(r'<li><a href="([\w-]+)/index.html"><strong>(\d+)</strong>', about))
    assert counts == {TYPES[t][0]: str(len(items)) for t, items in graph.items.items() if items}
    for record_type, (folder, _, _) in TYPES.items():
        for name in (f"{folder}.json", f"{folder}.csv", f"{folder}.schema.json"):
            assert f'href="data/{name}"' in about
        assert f"<td>{len(graph.of_type(record_type))}</td>" in about
    assert 'href="data/datapackage.json"' in about
    # The licence the demo's data set carries, the signer's fingerprint and the commands to check a copy.
    assert 'href="https://unlicense.org/" rel="license' in about and "The Unlicense" in about
    signer = verify_site(result.site).signer
    assert f"<code>{signer}</code>" in about
    assert "archive verify --site" in about and "ssh-keygen -Y verify -f allowed_signers" in about
    assert "The keepers of this archive have not given their name here." in about
    # Every page links to it; its own links all resolve inside the site.
    assert 'href="about.html"' in (result.site / "index.html").read_text(encoding="utf-8")
    assert 'href="../about.html"' in (result.site / "struggles" / "index.html").read_text(encoding="utf-8")
    for link in re.findall(r'href="([^"#]+)"', about):
        if not link.startswith(("https://", "http://")):
            assert (result.site / link).is_file(), link


def test_demo_citations(demo) -> None:
    result, graph = demo
    assert check_citations(result.site, graph, "") == graph.count()
    # An account's citation: its narrator, its date and its kind.
    account = next(a for a in graph.of_type("account") if a.fields.get("narrator") and a.fields.get("kind"))
    page = (result.site / item_path(account)).read_text(encoding="utf-8")
    csl = json.loads(_pre(page, "cite-csl"))[0]
    date = account.fields.get("recorded") or account.fields["date"]
    assert csl["issued"]["date-parts"][0][0] == int(date[:4])
    assert csl["genre"] == f"Account ({account.fields['kind']})"


# --- A larger archive from the shared data, with base_url ---------------------------------------------------


@pytest.fixture(scope="module")
def larger(tmp_path_factory: pytest.TempPathFactory, full_shared_data: Path):
    root = tmp_path_factory.mktemp("larger")
    archive = init_archive(root / "archive", title="Tech {Actions} & 100% of #them")
    with archive.config_path.open("a", encoding="utf-8") as handle:
        handle.write(f'\n[site]\nbase_url = "{BASE.rstrip("/")}"\nkeeper = "The Tech Workers\' Archive"\n'
                     'contact = "https://archive.example.org/contact"\nlicence = "CC BY 4.0"\n'
                     'licence_url = "https://creativecommons.org/licenses/by/4.0/"\n')
    archive = load_archive(archive.root)
    engine = make_engine(archive.db_url(), writer=True)
    try:
        report = ingest(engine, [write_sample(root / "sample", full_shared_data, limit=300)], default_language="en",
                        defaults=PUBLIC)
        assert not report.errors, report.errors
        first = build(archive, engine, today=TODAY)
        graph = load(engine, archive.root, TODAY)
        again = build(archive, engine, today=TODAY)
        cold = build(archive, engine, out=root / "cold", today=TODAY)
    finally:
        engine.dispose()
    return archive, graph, first, again, cold


def test_larger_downloads_are_the_projection_with_absolute_addresses(larger) -> None:
    archive, graph, first, _, _ = larger
    assert graph.count() > 500
    assert check_downloads(first.out, graph, BASE) == graph.count()
    package = json.loads((first.out / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["homepage"] == BASE
    assert package["licenses"] == [{"title": "CC BY 4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}]
    # Nothing of the restricted, private or embargoed records of the sample.
    for path, data in _files(first.out / "data").items():
        for word in SECRET_WORDS:
            assert word.lower().encode() not in data.lower(), (path, word)
    assert first.notices == []


def test_larger_citations_feed_and_sitemap_are_absolute(larger) -> None:
    archive, graph, first, _, _ = larger
    assert check_citations(first.out, graph, BASE) == graph.count()
    feed = (first.out / "feed.xml").read_text(encoding="utf-8")
    links = re.findall(r'<link (?:rel="self" )?href="([^"]+)"', feed)
    assert len(links) == 52 and all(link.startswith(BASE) for link in links)
    assert f"<id>{BASE}accounts/" in feed and "urn:living-archive:account" not in feed
    sitemap = (first.out / "sitemap.xml").read_text(encoding="utf-8")
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    pages = [p for p in _files(first.out) if p.endswith(".html") and p != "404.html"]
    assert sorted(locs) == sorted(BASE + p for p in pages)
    # The archive's own citation, with its title's special characters escaped for BibTeX.
    about = (first.out / "about.html").read_text(encoding="utf-8")
    bibtex = _pre(about, "cite-bibtex")
    assert r"title = {{Tech \{Actions\} \& 100\% of \#them}}," in bibtex and _balanced(bibtex)
    assert "  author = {{The Tech Workers' Archive}},\n" in bibtex
    assert f"url = {{{BASE}}}" in bibtex
    assert "This archive is kept by The Tech Workers&#39; Archive." in about
    assert '<a href="https://archive.example.org/contact" rel="noopener noreferrer">' in about


def test_larger_rebuild_is_byte_identical(larger) -> None:
    archive, _, first, again, cold = larger
    assert again.write.written == [] and again.write.deleted == []
    built, scratch = _files(first.out), _files(cold.out)
    assert sorted(built) == sorted(scratch)
    assert [p for p in built if built[p] != scratch[p]] == []
    assert any(p.startswith("data/") for p in built)


# --- No leaks: the leak suite's canaries --------------------------------------------------------------------


def test_no_canary_in_any_download(archive, engine, tmp_path) -> None:
    (archive.root / "redactions.yaml").write_text(f"{NAMES['wide']}: Person X\n", encoding="utf-8")
    records = public_records() + [r for kind in HIDDEN for r in hidden_records(kind)]
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump_all(records, allow_unicode=True), encoding="utf-8")
    assert ingest(engine, [path], defaults=PUBLIC).errors == []
    report = build(archive, engine, out=tmp_path / "site")
    data = tmp_path / "site" / "data"
    assert leaks(data) == [] and leaks(tmp_path / "site") == []  # the downloads, and the whole site with them
    graph = load(engine, archive.root)
    assert check_downloads(tmp_path / "site", graph, "") == report.records
    accounts = json.loads((data / "accounts.json").read_text(encoding="utf-8"))
    # Redactions as on the pages: the pseudonyms are there, in the narrator, the body, the tags and the
    # stubs a record's references create; the canaries are really in the store (the build left them out).
    redacted = next(r for r in accounts if r["slug"] == "redacted-account")
    assert redacted["narrator"] == "Chair A." and "Chair A. chaired" in redacted["body"]
    own = next(r for r in accounts if r["slug"] == "own-list-account")
    assert own["tags"] == ["Picket D.", "roster of Picket D."] and own["struggles"] == ["picket-d-lockout"]
    everything = load(engine, everything=True)
    assert canary("private", "accslug") in everything.items["account"] and len(all_canaries()) > 100
    # The public pointer named hidden struggles: the download, like its page, shows no link to them.
    pointer = next(r for r in accounts if r["slug"] == "public-pointer")
    assert pointer["struggles"] == []


# --- Settings --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "problem"), [
    ("archive.example.org", "must be an absolute http:// or https:// address"),
    ("ftp://archive.example.org/", "must be an absolute http:// or https:// address"),
    ("https://archive.example.org/?lang=en", "must not have a query"),
    ("https://archive.example.org/#top", "must not have a fragment"),
    ("https://user:secret@archive.example.org/", "must not hold a user name or password"),
    ("https://archive.example.org/my archive/", "must not hold spaces"),
    ("https://archive.example.org:99999/", "must be an absolute http:// or https:// address"),
])
def test_a_bad_base_url_is_refused_naming_the_file_and_field(archive, value, problem) -> None:
    with archive.config_path.open("a", encoding="utf-8") as handle:
        handle.write(f'\n[site]\nbase_url = "{value}"\n')
    with pytest.raises(ConfigError) as caught:
        load_archive(archive.root)
    message = str(caught.value)
    assert message.startswith(f"{archive.config_path}: [site] base_url {problem}") and repr(value) in message
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "build"])
    assert result.exit_code != 0 and "archive.toml: [site] base_url" in result.output
    assert "Traceback" not in result.output and not archive.public_dir.exists()


def test_site_settings_are_read_and_checked(archive) -> None:
    assert load_archive(archive.root).site.base_url == ""
    text = archive.config_path.read_text(encoding="utf-8")
    archive.config_path.write_text(text + '\n[site]\nbase_url = "http://example.org/a"\nlicense = "CC0"\n',
                                   encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[site\] has no setting 'license'; did you mean 'licence'\?"):
        load_archive(archive.root)
    archive.config_path.write_text(text + '\n[site]\nbase_url = "http://example.org/a"\nkeeper = 3\n',
                                   encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[site\] keeper must be a string"):
        load_archive(archive.root)
    archive.config_path.write_text(text + '\n[site]\nbase_url = " http://example.org/a "\nkeeper = "Us"\n',
                                   encoding="utf-8")
    site = load_archive(archive.root).site
    assert (site.base_url, site.keeper, site.licence) == ("http://example.org/a/", "Us", "")


def test_without_base_url_the_build_says_there_is_no_sitemap(archive, engine, tmp_path, write) -> None:
    path = write("one.yaml", "type: struggle\nslug: one\ntitle: One strike\nvisibility: public\n")
    assert ingest(engine, [path]).errors == []
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "build"])
    assert result.exit_code == 0, result.output
    assert "No sitemap.xml" in result.output and "[site] base_url in archive.toml" in result.output
    assert not (archive.public_dir / "sitemap.xml").exists()
    feed = (archive.public_dir / "feed.xml").read_text(encoding="utf-8")
    assert "<!-- This archive sets no [site] base_url" in feed


def test_csv_cells_a_spreadsheet_would_run_are_neutralized(archive, engine, tmp_path, write) -> None:
    records = [
        {"type": "struggle", "slug": "formula", "title": "=HYPERLINK(\"http://evil.example\",\"x\")",
         "body": "+cmd|' /C calc'!A0", "tags": ["@SUM(A1)", "plain; tag"], "start": "-0509", "visibility": "public"},
        {"type": "place", "slug": "south", "title": "South", "lat": -33.9, "lon": 18.4, "visibility": "public"},
        {"type": "balance_sheet", "slug": "odd", "title": "A {brace \\ and % sign", "struggle": "formula",
         "author": "-1+1", "visibility": "public"},
    ]
    assert ingest(engine, [write("odd.yaml", yaml.safe_dump_all(records))]).errors == []
    build(archive, engine)
    data = archive.public_dir / "data"
    struggle = next(csv.DictReader(io.StringIO((data / "struggles.csv").read_text(encoding="utf-8"), newline="")))
    assert struggle["title"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert struggle["body"] == "'+cmd|' /C calc'!A0" and struggle["start"] == "-0509"
    assert struggle["tags"] == "'@SUM(A1); plain; tag"
    place = next(csv.DictReader(io.StringIO((data / "places.csv").read_text(encoding="utf-8"), newline="")))
    assert (place["lat"], place["lon"]) == ("-33.9", "18.4")
    # The JSON keeps every value exactly.
    exact = json.loads((data / "struggles.json").read_text(encoding="utf-8"))[0]
    assert exact["title"] == records[0]["title"] and exact["tags"] == ["@SUM(A1)", "plain; tag"]
    sheet = (archive.public_dir / "balance-sheets" / "odd.html").read_text(encoding="utf-8")
    bibtex = _pre(sheet, "cite-bibtex")
    assert r"title = {{A \{brace \textbackslash{} and \% sign}}," in bibtex and "author = {{-1+1}}," in bibtex


def test_the_docs_list_every_download_field() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "about-and-data.md").read_text(encoding="utf-8")
    for record_type, (folder, _, _) in TYPES.items():
        row = next(line for line in docs.splitlines() if line.startswith(f"| `{record_type}` | `data/{folder}.json`"))
        assert re.findall(r"`(\w+)` \(", row) == [f.name for f in fields_of(record_type)[8:-1]], record_type
    for field in (*fields_of("wave")[:8], fields_of("wave")[-1]):
        assert f"| `{field.name}` | " in docs


def test_unchanged_downloads_are_not_rendered_again_and_a_renamed_link_is_seen(archive, engine, tmp_path, write,
                                                                               monkeypatch) -> None:
    from archive.publish import downloads

    records = [{"type": "account", "slug": "plain", "title": "Plain account", "body": "No names here.",
                "struggles": ["Jane Doe strike"], "date": "2021", "visibility": "public"},
               {"type": "struggle", "slug": "named", "title": "Named", "body": "Jane Doe led it.",
                "visibility": "public"},
               {"type": "place", "slug": "somewhere", "title": "Somewhere", "visibility": "public"}]
    assert ingest(engine, [write("r.yaml", yaml.safe_dump_all(records))]).errors == []
    build(archive, engine)
    rendered: list[str] = []
    real = downloads.record_row
    monkeypatch.setattr(downloads, "record_row", lambda item, base: rendered.append(item.key) or real(item, base))
    again = build(archive, engine)
    assert rendered == [] and again.write.written == []
    # A redaction renames the stub the account links to; the account's own text did not change, but its
    # download must: the fingerprint covers the slugs of the records a record links to.
    (archive.root / "redactions.yaml").write_text("Jane Doe: J. D.\n", encoding="utf-8")
    third = build(archive, engine)
    assert "data/accounts.json" in third.write.written and "data/places.json" not in third.write.written
    assert "place/somewhere" not in rendered and "account/plain" in rendered
    account = json.loads((archive.public_dir / "data" / "accounts.json").read_text(encoding="utf-8"))[0]
    assert account["struggles"] == ["j-d-strike"]
    cold = build(archive, engine, out=tmp_path / "cold")
    assert _files(cold.out) == _files(archive.public_dir)
