"""`archive search --public` filters and counts waves and places through public links only, as the site."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.search.filters import UnknownFilterValue

RECORDS = """
- {type: wave, slug: tech-2018, title: The tech worker wave, start: 2018, end: 2021}
- {type: place, slug: usa, title: United States}
- {type: place, slug: mountain-view, title: Mountain View, parent: usa}
- {type: struggle, slug: google-walkout, title: Google Walkout for Real Change, start: 2018-11-01,
   waves: [tech-2018], places: [mountain-view]}
- {type: struggle, slug: hidden-campaign, title: A campaign kept private, start: 2019, visibility: private,
   waves: [tech-2018]}
- {type: place, slug: secret-town, title: A town kept private, visibility: private}
- {type: account, slug: walkout-testimony, title: Walking out at noon, struggles: [google-walkout],
   body: We walked out of the offices at eleven.}
- {type: account, slug: campaign-testimony, title: Organizing quietly, struggles: [hidden-campaign],
   places: [secret-town], body: We walked out of the offices in secret.}
"""


def run(root, *args: str) -> list[dict] | dict:
    result = CliRunner().invoke(cli, ["--archive", str(root), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_wave_filter_and_facets_follow_public_links_only(archive, write):
    path = write("records.yaml", RECORDS)
    assert CliRunner().invoke(cli, ["--archive", str(archive.root), "ingest", "--set", "visibility=public",
                                    str(path)]).exit_code == 0
    everything = run(archive.root, "search", "walked", "--wave", "tech-2018", "--json")
    assert {h["slug"] for h in everything} == {"walkout-testimony", "campaign-testimony"}
    public = run(archive.root, "search", "walked", "--wave", "tech-2018", "--public", "--json")
    # The second account is public, but it reaches the wave only through a private struggle.
    assert [h["slug"] for h in public] == ["walkout-testimony"]
    both = run(archive.root, "search", "walked", "--public", "--json")
    assert {h["slug"] for h in both} == {"walkout-testimony", "campaign-testimony"}


def test_public_facets_count_public_links_only(archive, engine, write):
    from archive.search.searcher import SearchRequest, search

    path = write("records.yaml", RECORDS)
    assert CliRunner().invoke(cli, ["--archive", str(archive.root), "ingest", "--set", "visibility=public",
                                    str(path)]).exit_code == 0
    private = search(archive.index_dir, engine, SearchRequest("walked"))
    assert private.facets["waves"] == {"tech-2018": 2}
    assert private.facets["places"] == {"secret-town": 1}
    public = search(archive.index_dir, engine, SearchRequest("walked", public=True))
    assert public.facets["waves"] == {"tech-2018": 1}
    assert public.facets["places"] == {}
    unknown = r"unknown public place 'secret-town' \(choose from: mountain-view, usa\)"  # never the private one
    with pytest.raises(UnknownFilterValue, match=unknown):
        search(archive.index_dir, engine, SearchRequest("walked", public=True, places=["secret-town"]))
