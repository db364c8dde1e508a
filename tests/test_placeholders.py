"""Placeholder values ("Not known", "n/a", "onbekend") are no value at ingest, and old stubs can be cleaned."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from archive.cli import cli
from archive.ingest.mapping import load_mapping
from archive.ingest.placeholders import DEFAULT, PlaceholderConfigError, from_config, in_use, is_placeholder
from archive.ingest.records import RecordError, normalize
from archive.store.ingest import ingest
from archive.store.models import FixityRun
from archive.trust.clean import clean_placeholder_stubs
from archive.trust.fixity import verify_fixity
from tests.helpers import count, get, links, revisions


@pytest.mark.parametrize("value", [
    "Not known", "NOT KNOWN", "not_known", "Unknown", "(unknown)", "n/a", "N/A", "none", "None", "-", "--", "?",
    "desconocido", "Desconocida", "inconnu", "Unbekannt", "keine Angabe", "onbekend", "n.v.t.", "Onbekend.",
])
def test_placeholders_in_several_languages(value):
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["Unknown Workers Union", "Nan", "Nonesuch Mills", "NA", "Geneva", "So"])
def test_names_are_not_placeholders(value):
    assert not is_placeholder(value)


def test_reference_fields_drop_placeholders_in_every_format(engine, write):
    files = [
        write("a.md", "---\nslug: a\nstruggles: [Mill strike, unknown]\nplaces: [n/a]\n---\nText.\n"),
        write("b.yaml", "type: struggle\nslug: b\norganizations: [Not known, UE]\nforms: ['-']\nforces: ['?']\n"
                        "waves: [onbekend]\nplaces: Lowell; desconocido\n"),
        write("c.csv", "type,slug,organizations,places\nstruggle,c,None;Acme,inconnu\n"),
        write("d.jsonl", json.dumps({"type": "organization", "slug": "d", "form": "unbekannt",
                                     "split_from": ["n.v.t. (1936)", "CIO (1938)"]}) + "\n"),
        write("e.json", json.dumps([{"type": "balance_sheet", "slug": "e", "struggle": "b", "wave": "none"}])),
    ]
    report = ingest(engine, files)
    assert report.errors == [] and report.added == 5
    assert links(engine, "account", "a") == [("struggles", "struggle", "mill-strike")]
    assert links(engine, "struggle", "b") == [("organizations", "organization", "ue"), ("places", "place", "lowell")]
    assert links(engine, "struggle", "c") == [("organizations", "organization", "acme")]
    assert links(engine, "organization", "d") == [("split_from", "organization", "cio")]
    assert links(engine, "balance_sheet", "e") == [("struggle", "struggle", "b")]
    with engine.connect() as conn:
        stubs = set(conn.execute(text("SELECT type || '/' || slug FROM records WHERE is_stub")).scalars())
    assert stubs == {"struggle/mill-strike", "organization/ue", "place/lowell", "organization/acme",
                     "organization/cio"}


def test_a_record_that_needs_the_value_is_refused_not_stubbed():
    with pytest.raises(RecordError, match="assesses a struggle"):
        normalize({"type": "balance_sheet", "slug": "x", "struggle": "unknown"})
    with pytest.raises(RecordError, match="exactly two"):
        normalize({"type": "articulation", "slug": "y", "between": ["struggle/a", "organization/n/a"]})


def test_archive_and_mapping_extend_the_list(engine, write):
    placeholders = from_config({"placeholders": {"add": ["sin información"], "remove": ["none"]}})
    with in_use(placeholders):
        assert is_placeholder("Sin información") and not is_placeholder("None") and is_placeholder("unknown")
    assert not is_placeholder("sin información") and is_placeholder("None")  # only inside in_use
    for bad, message in (({"placeholders": ["x"]}, "must be a table"),
                         ({"placeholders": {"ad": ["x"]}}, "unknown key 'ad'"),
                         ({"placeholders": {"add": "x"}}, "add must be a list")):
        with pytest.raises(PlaceholderConfigError, match=message):
            from_config(bad)
    mapping = load_mapping(write("m.yaml", "columns: {Union: organizations}\nnull: ['NR']\n"
                                           "constants: {type: struggle}\nslug: 's-{ID}'\n"))
    with in_use(DEFAULT.extended(mapping.nulls)):
        report = ingest(engine, [write("s.csv", "ID,Union\n1,NR;UAW\n2,Not Known\n")], mapping=mapping)
    assert report.errors == []
    assert links(engine, "struggle", "s-1") == [("organizations", "organization", "uaw")]
    assert links(engine, "struggle", "s-2") == []


def test_cli_ingest_uses_archive_toml(archive, write):
    archive.config_path.write_text(archive.config_path.read_text(encoding="utf-8")
                                   + '\n[placeholders]\nadd = ["sans info"]\n', encoding="utf-8")
    path = write("s.yaml", "type: struggle\nslug: s\norganizations: [Sans info, Not known, CGT]\n")
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "ingest", str(path)])
    assert result.exit_code == 0, result.output
    from archive.store.db import make_engine
    engine = make_engine(archive.db_url())
    try:
        assert links(engine, "struggle", "s") == [("organizations", "organization", "cgt")]
    finally:
        engine.dispose()
    archive.config_path.write_text(archive.config_path.read_text(encoding="utf-8") + "remove = 3\n",
                                   encoding="utf-8")
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "ingest", str(path)])
    assert result.exit_code == 1 and "[placeholders] remove must be a list of text" in result.output


def _old_archive_with_placeholder_stubs(engine, write):
    """What ingest made before placeholders were recognized: stubs named "Not known" and "N/A"."""
    files = [
        write("s1.yaml", "type: struggle\nslug: s1\norganizations: [Not known, UE]\nplaces: [N/A, Lowell]\n"),
        write("s2.yaml", "type: struggle\nslug: s2\norganizations: [Not known]\n"),
        write("b.yaml", "type: balance_sheet\nslug: b\nstruggle: unknown\n"),
        write("o.yaml", "type: organization\nslug: unknown-workers\ntitle: Unknown workers\n"),
    ]
    with in_use(DEFAULT.without(["not known", "n/a", "unknown"])):
        report = ingest(engine, files)
    assert report.errors == []
    assert get(engine, "organization", "not-known").is_stub and get(engine, "place", "n-a").is_stub
    verify_fixity(engine)
    return files


def test_clean_placeholder_stubs(engine, write):
    files = _old_archive_with_placeholder_stubs(engine, write)
    before = count(engine)
    dry = clean_placeholder_stubs(engine, DEFAULT, dry_run=True)
    assert dry.stubs_removed == ["organization/not-known  Not known", "place/n-a  N/A"]
    assert count(engine) == before and links(engine, "struggle", "s2") == [
        ("organizations", "organization", "not-known")]

    result = clean_placeholder_stubs(engine, DEFAULT)
    assert result.stubs_removed == dry.stubs_removed
    assert sorted(result.records_updated) == ["struggle/s1", "struggle/s2"]
    assert result.kept == ["struggle/unknown: balance_sheet/b needs it (field 'struggle': a balance sheet "
                           "assesses a struggle or a wave: give 'struggle' or 'wave')"]
    assert result.described == []  # "Unknown workers" is a name
    assert count(engine) == before - 2
    assert links(engine, "struggle", "s1") == [("organizations", "organization", "ue"),
                                               ("places", "place", "lowell")]
    assert links(engine, "struggle", "s2") == []
    assert [r.number for r in revisions(engine, "struggle", "s1")] == [1, 2]
    report = verify_fixity(engine)
    assert report.ok, report
    with engine.connect() as conn:
        summaries = [json.loads(s) for s in conn.execute(select(FixityRun.summary).order_by(FixityRun.id)).scalars()]
    assert len(summaries) == 3  # verify, the cleanup, verify again
    assert summaries[1]["deleted"] == ["organization/not-known", "place/n-a"]
    assert summaries[1]["updated"] == ["struggle/s1", "struggle/s2"]
    # Ingesting the old files again gives the cleaned records: unchanged, no stub comes back.
    again = ingest(engine, files[:2])
    assert (again.unchanged, again.stubs, again.errors) == (2, 0, [])


def test_cli_clean_placeholders(archive, engine, write):
    _old_archive_with_placeholder_stubs(engine, write)
    run = CliRunner().invoke
    result = run(cli, ["--archive", str(archive.root), "clean", "placeholders", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would remove organization/not-known  Not known" in result.output
    assert "Dry run, nothing written: would have removed 2 placeholder stub(s), updated 2 record(s)" in result.output
    assert get(engine, "organization", "not-known").is_stub
    result = run(cli, ["--archive", str(archive.root), "clean", "placeholders"])
    assert result.exit_code == 0, result.output
    assert "removed      place/n-a  N/A" in result.output and "updated      struggle/s2" in result.output
    assert "kept         struggle/unknown: balance_sheet/b needs it" in result.output
    assert count(engine, "organization") == 2  # ue and unknown-workers
