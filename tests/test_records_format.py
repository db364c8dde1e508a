"""The record format refuses what would silently go wrong: misspelt fields, every bad field at once, values
the two stores would treat differently; and it takes real text whole."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from archive.cli import cli
from archive.ingest.records import SLUG_MAX, RecordError, RecordRules, normalize
from archive.public import public_clause
from archive.store.config import ConfigError, load_archive
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.store.models import Record
from tests.helpers import PUBLIC, count, get, links


def errors_of(report) -> list[tuple[str | None, str]]:
    return [(e.field, e.message) for e in report.errors]


# Typos


@pytest.mark.parametrize(("record", "field", "meant"), [
    ("title: A\nvisiblity: private\n", "visiblity", "visibility"),
    ("title: A\nVisibility: private\n", "Visibility", "visibility"),
    ("title: A\nembargo: 2040-01-01\n", "embargo", "embargo_until"),
    ("title: A\nembargo_untill: 2040-01-01\n", "embargo_untill", "embargo_until"),
    ("title: A\nconsnet: withdrawn\n", "consnet", "consent"),
    ("title: A\npalces: [Flint]\n", "palces", "places"),
    ("title: A\nstruggle: flint-sit-down\n", "struggle", "struggles"),
])
def test_a_misspelt_field_is_an_error_naming_the_field_meant(engine, write, record, field, meant):
    report = ingest(engine, [write("a.md", f"---\n{record}---\nText.\n")])
    assert report.files_failed == 1 and count(engine) == 0
    [(name, message)] = errors_of(report)
    assert name == field
    assert f"did you mean '{meant}'" in message
    assert "extra_fields" in message  # says how to keep it on purpose


def test_a_misspelt_visibility_never_publishes_a_record_meant_to_be_private(engine, write):
    path = write("a.yaml", "- {slug: meant-private, title: T, visiblity: private}\n"
                           "- {slug: other, title: U, visibility: public}\n")
    report = ingest(engine, [path], defaults=PUBLIC)
    assert [e.field for e in report.errors] == ["visiblity"]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Record).where(public_clause())) == 0


def test_fields_that_are_no_near_miss_are_kept_as_given(engine, write):
    path = write("a.md", "---\ntitle: A\nvisibility: public\ninterviewer: J. Brecher\nstart: 1937\n---\n")
    assert ingest(engine, [path]).errors == []
    assert get(engine, "account", "a").extra == {"interviewer": "J. Brecher", "start": 1937}


def test_declared_extra_fields_are_kept_even_when_close_to_a_field(tmp_path, write):
    root = tmp_path / "a"
    assert CliRunner().invoke(cli, ["init", str(root), "--default-visibility", "public"]).exit_code == 0
    config = root / "archive.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        '[records]\n', '[records]\nextra_fields = ["dates"]\n[records.struggle]\nextra_fields = ["state"]\n'
        '[records.account]\nextra_fields = ["sources"]\n'), encoding="utf-8")
    rules = load_archive(root).records
    assert rules.extras_for("account") == {"dates", "sources"} and rules.extras_for("struggle") == {"dates", "state"}
    path = write("a.yaml", "- {type: account, slug: a, title: A, dates: 1937-1938, sources: [tape 14]}\n"
                           "- {type: struggle, slug: s, title: S, state: Michigan}\n"
                           "- {type: struggle, slug: t, title: T, sources: [tape 15]}\n")
    result = CliRunner().invoke(cli, ["--archive", str(root), "ingest", str(path)])
    assert result.exit_code == 0, result.output
    engine = make_engine(load_archive(root).db_url())
    with engine.connect() as conn:
        extras = dict(conn.execute(select(Record.slug, Record.extra)).all())
    engine.dispose()
    # "sources" is declared for accounts only; on a struggle it is near no struggle field, so it is kept too.
    assert extras == {"a": {"dates": "1937-1938", "sources": ["tape 14"]}, "s": {"state": "Michigan"},
                      "t": {"sources": ["tape 15"]}}
    assert normalize({"type": "struggle", "title": "S", "state": "MI"}, rules=rules).extra == {"state": "MI"}
    with pytest.raises(RecordError) as caught:
        normalize({"type": "account", "title": "A", "tag": "x"}, rules=rules)
    assert caught.value.field == "tag" and "'tags'" in caught.value.message


def test_archive_toml_records_settings_are_checked(tmp_path):
    assert CliRunner().invoke(cli, ["init", str(tmp_path / "a")]).exit_code == 0
    config = tmp_path / "a" / "archive.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('default_visibility = "restricted"', 'default_visiblity = "public"'),
                      encoding="utf-8")
    with pytest.raises(ConfigError, match="did you mean 'default_visibility'"):
        load_archive(tmp_path / "a")
    config.write_text(text.replace('default_visibility = "restricted"', 'default_visibility = "secret"'),
                      encoding="utf-8")
    with pytest.raises(ConfigError, match="must be one of public, restricted, private"):
        load_archive(tmp_path / "a")


def test_a_mappings_kept_columns_are_declared(engine, write):
    mapping = write("m.map.yaml", "columns:\n  Name: title\nconstants:\n  type: struggle\n  visibility: public\n"
                                  "slug: 's-{Id}'\nkeep_unmapped: true\n")
    path = write("rows.csv", "Id,Name,Place\n1,Flint sit-down,Flint\n")
    from archive.ingest.mapping import load_mapping

    assert ingest(engine, [path], mapping=load_mapping(mapping)).errors == []
    assert get(engine, "struggle", "s-1").extra == {"Id": "1", "Place": "Flint"}
    typo = write("typo.map.yaml", "columns:\n  Name: title\n  Place: palces\nconstants:\n  type: struggle\n"
                                  "slug: 's-{Id}'\n")
    report = ingest(engine, [path], mapping=load_mapping(typo))
    assert [(e.field, "did you mean 'places'" in e.message) for e in report.errors] == [("palces", True)]


# Every bad field at once


def test_every_bad_field_of_a_record_is_reported(engine, write):
    path = write("a.yaml", "slug: a\ntitle: A\nvisibility: secret\nconsent: yes\ndate: spring\nvisiblity: x\n")
    report = ingest(engine, [path])
    assert sorted((e.field, e.line) for e in report.errors) == [
        ("consent", 4), ("date", 5), ("visibility", 3), ("visiblity", 6)]
    assert count(engine) == 0


def test_record_errors_keep_the_single_error_interface():
    with pytest.raises(RecordError) as caught:
        normalize({"title": "A", "visibility": "secret", "consent": "yes"})
    assert caught.value.field == "visibility"
    assert [e.field for e in caught.value.errors] == ["visibility", "consent"]
    assert "field 'consent'" in caught.value.message


def test_an_unquoted_colon_in_a_flow_list_shows_the_item_quoted(engine, write):
    path = write("b.yaml", "type: balance_sheet\nslug: b\ntitle: B\nstruggle: s\n"
                           "limits: [repression: organizers faced retaliation]\n")
    [error] = ingest(engine, [path]).errors
    assert error.field == "limits" and error.line == 5
    assert '["repression: organizers faced retaliation"]' in error.message


# Privacy by default


def test_a_record_that_says_nothing_is_restricted(engine, write):
    assert ingest(engine, [write("a.md", "---\ntitle: Quiet\n---\nText.\n")]).errors == []
    assert get(engine, "account", "quiet").visibility == "restricted"


def test_the_archive_the_type_and_the_batch_can_set_the_default(engine, write):
    path = write("a.yaml", "- {type: account, slug: a, title: A}\n- {type: struggle, slug: s, title: S}\n"
                           "- {type: place, slug: p, title: P, visibility: private}\n")
    rules = RecordRules(default_visibility="public", type_visibility={"account": "private"})
    assert ingest(engine, [path], rules=rules).errors == []
    assert [get(engine, t, s).visibility for t, s in [("account", "a"), ("struggle", "s"), ("place", "p")]] == [
        "private", "public", "private"]
    assert ingest(engine, [path], rules=rules, defaults={"visibility": "restricted"}).updated == 2
    assert [get(engine, t, s).visibility for t, s in [("account", "a"), ("struggle", "s"), ("place", "p")]] == [
        "restricted", "restricted", "private"]


def test_init_takes_the_default_and_says_what_to_do_next(tmp_path, write):
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "quiet")])
    assert result.exit_code == 0
    assert load_archive(tmp_path / "quiet").records.default_visibility == "restricted"
    for step in ("ingest", "build", "serve"):
        assert f"archive --archive {tmp_path / 'quiet'} {step}" in result.output
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "open"), "--default-visibility", "public"])
    assert result.exit_code == 0 and "will be public" in result.output
    root = tmp_path / "open"
    path = write("a.md", "---\ntitle: Leaflet\n---\nText.\n")
    assert CliRunner().invoke(cli, ["--archive", str(root), "ingest", str(path)]).exit_code == 0
    data = json.loads(CliRunner().invoke(cli, ["--archive", str(root), "stats", "--json"]).output)
    assert data["records"]["account"] == {"total": 1, "public": 1}


# Batch defaults (--set)


def test_set_gives_fields_to_the_records_that_do_not_give_them(archive, engine, write):
    folder = write("minutes/1936-04.txt", "Meeting of April\nThe committee met.\n").parent
    write("minutes/1936-05.md", "---\ntitle: Meeting of May\nvisibility: private\nlanguage: nl\n---\nText.\n")
    write("minutes/s.yaml", "type: struggle\nslug: flint\ntitle: Flint\n")
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "ingest", "--set", "visibility=public",
                                      "--set", "language=en", "--set", "struggles=flint;gm-strike", str(folder)])
    assert result.exit_code == 0, result.output
    april = get(engine, "account", "meeting-of-april")
    assert (april.visibility, april.language) == ("public", "en")
    may = get(engine, "account", "meeting-of-may")
    assert (may.visibility, may.language) == ("private", "nl")
    assert links(engine, "account", "meeting-of-april") == [
        ("struggles", "struggle", "flint"), ("struggles", "struggle", "gm-strike")]
    assert get(engine, "struggle", "flint").extra == {}  # a struggle has no 'struggles': not given to it


@pytest.mark.parametrize(("setting", "expected"), [
    ("visiblity=public", "did you mean 'visibility'"),
    ("visibility=secret", "must be one of public, restricted, private"),
    ("visibility", "write FIELD=VALUE"),
    ("slug=one", "cannot be given to a whole batch"),
    ("embargo_until=someday", "not a date"),
])
def test_a_bad_set_is_a_usage_error_before_anything_is_read(archive, engine, write, setting, expected):
    path = write("a.md", "---\ntitle: A\n---\n")
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "ingest", "--set", setting, str(path)])
    assert result.exit_code == 2 and expected in result.output
    assert count(engine) == 0


# Consent applies to every type


@pytest.mark.parametrize("record_type", ["struggle", "organization", "place", "balance_sheet", "wave", "form"])
def test_withdrawn_consent_keeps_any_record_out_of_public_output(engine, write, record_type):
    extra = "struggle: s\n" if record_type == "balance_sheet" else ""
    path = write("r.yaml", f"type: {record_type}\nslug: r\ntitle: R\nvisibility: public\n{extra}"
                           "consent: withdrawn\nconsent_scope: none\nconsent_date: 2024-03\n")
    assert ingest(engine, [path]).errors == []
    record = get(engine, record_type, "r")
    assert (record.consent, record.consent_scope, record.consent_date, record.extra) == (
        "withdrawn", "none", "2024-03", {})
    with engine.connect() as conn:
        public = conn.scalars(select(Record.slug).where(public_clause(), Record.is_stub.is_(False))).all()
    assert public == []


# No arbitrary limit refuses real text


def test_long_text_goes_in_and_long_names_get_short_unique_slugs(engine, write):
    demand = ("That the company recognise the union as the sole bargaining agent of every worker " * 13)[:1000]
    title = "The night shift walked out " * 40
    org = "The Amalgamated Association of Iron, Steel and Tin Workers of the Monongahela Valley " * 3
    path = write("s.yaml", json.dumps({
        "type": "struggle", "slug": "s", "title": title, "visibility": "public", "demands": [demand],
        "organizations": [org + "(first lodge)", org + "(second lodge)"]}))
    assert ingest(engine, [path]).errors == []
    stored = get(engine, "struggle", "s")
    assert stored.title == title.strip() and stored.demands == [" ".join(demand.split())]
    stubs = [slug for _, _, slug in links(engine, "struggle", "s")]
    assert len(set(stubs)) == 2 and all(len(slug) <= SLUG_MAX for slug in stubs)
    assert all(slug.startswith("the-amalgamated-association-of-iron-steel") for slug in stubs)
    assert get(engine, "organization", stubs[0]).title == (org + "(first lodge)").strip()


def test_an_articulation_without_a_title_is_named_by_its_ends(engine, write):
    path = write("a.yaml", "type: articulation\nkind: solidarity\nvisibility: public\n"
                           "between: [struggle/Flint sit-down, organization/UAW]\n")
    assert ingest(engine, [path]).errors == []
    assert get(engine, "articulation", "solidarity-flint-sit-down-and-uaw").title == (
        "Solidarity: Flint sit-down and UAW")


# The same records go in, or are refused, on SQLite and PostgreSQL


@pytest.mark.parametrize(("front", "field", "message"), [
    ("date: 0000-05-01", "date", "there is no year 0"),
    ("date: '0'", "date", "there is no year 0"),
    ("date: -0002-02-29", "date", "day 29 does not exist"),
    ("embargo_until: -0100", "embargo_until", "before the year 1"),
    ("date: 10000-01-01", "date", "not a date"),
    ('narrator: "M.\\0"', "narrator", "NUL"),
    ('tags: ["ok", "bad\\0"]', "tags", "NUL"),
    ('interviewer: {name: "a\\0"}', "interviewer", "NUL"),
])
def test_values_refused_on_every_store(engine, write, front, field, message):
    report = ingest(engine, [write("a.md", f"---\ntitle: A\n{front}\n---\nText.\n")])
    assert [(e.field, message in e.message) for e in report.errors] == [(field, True)]
    assert count(engine) == 0


def test_a_nul_in_the_body_is_refused(engine, write):
    report = ingest(engine, [write("a.md", b"---\ntitle: A\n---\nText\x00more.\n")])
    assert [e.field for e in report.errors] == ["body"]


def test_boundary_dates_are_kept_on_every_store(engine, write):
    path = write("s.yaml", "- {type: struggle, slug: rome, title: Rome, start: -0509-01-01, end: -0508}\n"
                           "- {type: struggle, slug: far, title: Far, start: 9999-12-31}\n"
                           "- {type: account, slug: sealed, title: Sealed, embargo_until: 9999-12-31}\n"
                           "- {type: account, slug: leap, title: Leap, date: -0001-02-29}\n")
    assert ingest(engine, [path]).errors == []
    assert (get(engine, "struggle", "rome").start, get(engine, "struggle", "rome").end) == ("-0509-01-01", "-0508")
    assert get(engine, "struggle", "far").start == "9999-12-31"
    assert get(engine, "account", "sealed").embargo_until.isoformat() == "9999-12-31"
    assert get(engine, "account", "leap").date == "-0001-02-29"


def test_a_bag_restores_declared_extra_fields_into_an_archive_that_does_not_declare_them(engine, write, tmp_path):
    from archive.trust.bag import export_bag, import_bag
    from archive.trust.create import init_archive

    path = write("a.md", "---\ntitle: A\nvisibility: public\ndates: 1937-1938\n---\nText.\n")
    assert ingest(engine, [path], rules=RecordRules(extra_fields=frozenset({"dates"}))).errors == []
    export_bag(engine, tmp_path / "bag")
    copy = make_engine(init_archive(tmp_path / "copy").db_url(), writer=True)
    assert import_bag(copy, tmp_path / "bag").added == 1
    assert get(copy, "account", "a").extra == {"dates": "1937-1938"}
    copy.dispose()


def test_an_articulation_with_a_slug_but_no_title_is_named_by_its_ends():
    record = normalize({"type": "articulation", "slug": "a1", "between": "struggle/flint;organization/uaw"})
    assert (record.slug, record.title) == ("a1", "flint and uaw")


def test_pages_shorten_a_long_title_in_links_and_keep_it_whole_on_its_page(archive, engine, write, tmp_path):
    from archive.publish.build import build

    title = "The night shift walked out of the Fisher Body plant number one and sat down " * 6
    path = write("s.yaml", f"- {{type: struggle, slug: long, title: '{title.strip()}', visibility: public}}\n"
                           "- {type: account, slug: a, title: A, visibility: public, struggles: [long]}\n")
    assert ingest(engine, [path]).errors == []
    build(archive, engine, out=tmp_path / "site")
    listing = (tmp_path / "site" / "struggles" / "index.html").read_text(encoding="utf-8")
    page = next((tmp_path / "site" / "struggles").glob("long*.html")).read_text(encoding="utf-8")
    assert f"<h1>{title.strip()}</h1>" in page
    assert f'title="{title.strip()}">' in listing and f">{title.strip()}</a>" not in listing
    assert ">The night shift walked out of the Fisher Body plant number one and sat down The night" in listing
