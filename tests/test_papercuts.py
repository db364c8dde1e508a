"""Papercuts a new archivist meets in the first hour (issue 18): each one, as the archivist meets it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from archive.cli import cli


def run(root: Path, *args: str, **kwargs: object):
    return CliRunner().invoke(cli, ["--archive", str(root), *args], **kwargs)


def test_search_on_a_fresh_archive_finds_nothing_rather_than_no_index(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    assert CliRunner().invoke(cli, ["init", str(root), "--default-visibility", "restricted"]).exit_code == 0
    result = run(root, "search", "strike")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "No records match."
    assert run(root, "verify").exit_code == 0


def _records(write) -> Path:
    return write("accounts.yaml", """\
- {slug: open, title: Open, visibility: public}
- {slug: was-embargoed, title: Was embargoed, visibility: public, embargo_until: 2001-01-01}
- {slug: sealed, title: Sealed, visibility: public, embargo_until: 2040-01-01}
- {slug: taken-back, title: Taken back, visibility: public, consent: withdrawn}
- {slug: inside, title: Inside, visibility: restricted, embargo_until: 2040-01-01}
- {slug: own, title: Own, visibility: private, struggles: [hidden-strike]}
- {type: struggle, slug: general-strike, title: General strike, visibility: public, start: 1926-05-04}
""")


def test_stats_counts_what_is_public_now(archive, engine, write) -> None:
    import datetime as dt
    import json

    from archive.search.lookup import stats
    from archive.store.ingest import ingest

    assert not ingest(engine, [_records(write)]).errors
    data = stats(engine, today=dt.date(2026, 12, 2))
    assert data["records"]["account"] == {"total": 6, "public": 2, "embargoed": 1, "restricted": 1,
                                          "private": 1, "withdrawn": 1}
    assert data["records"]["struggle"] == {"total": 1, "public": 1}
    assert data["stubs"]["by_type"] == {"struggle": 1}
    assert data["total"] == 7
    # The same rule as the site: after the embargo ends, the sealed account counts as public.
    assert stats(engine, today=dt.date(2040, 1, 2))["records"]["account"]["public"] == 3
    result = run(archive.root, "stats")
    assert "account             6  (2 public, 1 embargoed, 1 restricted, 1 private, 1 withdrawn)" in result.output
    assert "1 stub(s) to be described (1 struggle)" in result.output
    assert json.loads(run(archive.root, "stats", "--json").output)["records"]["account"]["embargoed"] == 1
    assert "struggle/hidden-strike" in run(archive.root, "stats", "--stubs").output


def test_show_gives_the_dates_of_lineage_links(archive, engine, write) -> None:
    from archive.store.ingest import ingest

    path = write("unions.yaml", """\
- {type: organization, slug: cio, title: Congress of Industrial Organizations, visibility: public,
   split_from: ["afl (1938)"], merged_into: [{slug: afl-cio, date: 1955-12-05}], places: [Pittsburgh]}
- {type: organization, slug: afl, title: American Federation of Labor, visibility: public}
""")
    assert not ingest(engine, [path]).errors
    shown = run(archive.root, "show", "organization/cio").output
    assert "-> split_from: organization/afl (1938)  American Federation of Labor" in shown
    assert "-> merged_into: organization/afl-cio (1955-12-05)  " in shown
    assert "-> places: place/pittsburgh  Pittsburgh" in shown  # undated links stay as they were
    assert "<- organization/cio (split_from, 1938)  Congress of Industrial Organizations" in (
        run(archive.root, "show", "organization/afl").output)
    lineage = run(archive.root, "lineage", "cio").output
    assert "1938" in lineage and "1955-12-05" in lineage  # what 'lineage' shows, 'show' shows too
