"""Ingesting again changes nothing; a changed record is updated and its earlier version kept."""

from __future__ import annotations

import json

from archive.store.ingest import ingest
from tests.helpers import count, get, links, revisions, snapshot


def test_same_file_twice_changes_nothing(engine, write):
    path = write("a.md", "---\ntitle: Sit-down at the plant\nplaces: [Flint]\ntags: [speed-up]\n---\nWe sat.\n")
    first = ingest(engine, [path])
    before = snapshot(engine)
    second = ingest(engine, [path])
    assert (first.added, second.added, second.updated, second.unchanged, second.stubs) == (1, 0, 0, 1, 0)
    assert snapshot(engine) == before


def test_changed_record_is_updated_and_earlier_version_kept(engine, write):
    path = write("s.yaml", "type: struggle\nslug: flint-sit-down\ntitle: Flint sit-down\nplaces: [Flint]\n")
    ingest(engine, [path])
    path.write_text("type: struggle\nslug: flint-sit-down\ntitle: Flint sit-down strike\n"
                    "places: [Flint, Michigan]\noutcome: UAW recognised\n", encoding="utf-8")
    report = ingest(engine, [path])
    assert (report.updated, report.added) == (1, 0)
    struggle = get(engine, "struggle", "flint-sit-down")
    assert (struggle.title, struggle.outcome) == ("Flint sit-down strike", "UAW recognised")
    history = revisions(engine, "struggle", "flint-sit-down")
    assert [r.number for r in history] == [1, 2]
    assert json.loads(history[0].content)["title"] == "Flint sit-down"
    assert json.loads(history[1].content)["places"] == ["flint", "michigan"]
    assert history[1].content_sha256 == struggle.content_sha256
    assert links(engine, "struggle", "flint-sit-down") == [
        ("places", "place", "flint"), ("places", "place", "michigan")]


def test_slugless_file_is_recognised_by_its_path_when_edited(engine, write):
    path = write("account.md", "---\ntitle: Testimony\n---\nFirst draft.\n")
    ingest(engine, [path])
    path.write_text("---\ntitle: Testimony\n---\nSecond draft.\n", encoding="utf-8")
    report = ingest(engine, [path])
    assert report.updated == 1 and count(engine, "account") == 1
    assert get(engine, "account", "testimony").body == "Second draft."


def test_same_title_from_another_file_gets_its_own_slug(engine, write):
    ingest(engine, [write("one/interview.md", "---\ntitle: Interview\n---\nOne.\n")])
    ingest(engine, [write("two/interview.md", "---\ntitle: Interview\n---\nTwo.\n")])
    assert get(engine, "account", "interview").body == "One."
    assert get(engine, "account", "interview-2").body == "Two."


def test_identical_bytes_elsewhere_are_one_record(engine, write):
    ingest(engine, [write("one/leaflet.md", "---\ntitle: Leaflet\n---\nStrike!\n")])
    report = ingest(engine, [write("copy/leaflet.md", "---\ntitle: Leaflet\n---\nStrike!\n")])
    assert report.unchanged == 1 and count(engine, "account") == 1


def test_stub_is_created_then_described(engine, write):
    account = write("a.md", "---\ntitle: Account\nstruggles: [Great Dock Strike]\n---\n")
    report = ingest(engine, [account])
    assert report.stubs == 1
    stub = get(engine, "struggle", "great-dock-strike")
    assert stub.is_stub and stub.title == "Great Dock Strike"
    described = write("s.md", "---\ntype: struggle\nslug: great-dock-strike\ntitle: The Great Dock Strike\n"
                      "start: 1889-08-14\nend: 1889-09-16\n---\nDockers won the tanner.\n")
    report = ingest(engine, [described])
    assert report.updated == 1
    struggle = get(engine, "struggle", "great-dock-strike")
    assert not struggle.is_stub and struggle.start == "1889-08-14"
    assert links(engine, "account", "account") == [("struggles", "struggle", "great-dock-strike")]
    assert count(engine, "struggle") == 1


def test_stub_named_only_by_a_private_record_is_private(engine, write):
    ingest(engine, [write("p.md", "---\ntitle: Private\nvisibility: private\nplaces: [Safehouse street]\n---\n")])
    assert get(engine, "place", "safehouse-street").visibility == "private"
    ingest(engine, [write("q.md", "---\ntitle: Public\nvisibility: public\nplaces: [Safehouse street]\n---\n")])
    assert get(engine, "place", "safehouse-street").visibility == "public"


def test_record_referring_to_one_later_in_the_same_file(engine, write):
    path = write("all.yaml", """
- {type: account, slug: early, title: Early, struggles: [later-struggle]}
- {type: struggle, slug: later-struggle, title: Later struggle, start: 1970}
""")
    report = ingest(engine, [path])
    assert report.stubs == 0 and report.added == 2
    assert not get(engine, "struggle", "later-struggle").is_stub


def test_stub_named_by_an_embargoed_or_withdrawn_account_is_not_public(engine, write):
    ingest(engine, [write("e.md", "---\ntitle: E\nvisibility: public\nembargo_until: 2999-01-01\n"
                                  "places: [Hidden square]\n---\n"),
                    write("w.md", "---\ntitle: W\nvisibility: public\nconsent: withdrawn\n"
                                  "struggles: [Hidden strike]\n---\n")])
    assert get(engine, "place", "hidden-square").visibility == "restricted"
    assert get(engine, "struggle", "hidden-strike").visibility == "restricted"
