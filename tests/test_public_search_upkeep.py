"""The kept index of the public projection (archive.search.public_index): reused while the projection is
unchanged (found without loading it), kept current by ingest, delete and build, and never holding a
trace of a record that left the projection (no suggestion, count or statistic drawn from it)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import update

from archive.cli import cli
from archive.search import public_index as search_public
from archive.search.searcher import SearchRequest, search
from archive.store.models import Record

SECRET = "Qxleftprojectionzk"


def run(root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--archive", str(root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def leaflets(count: int, start: int = 0) -> list[dict[str, object]]:
    return [{"type": "account", "slug": f"leaflet-{i}", "title": f"Leaflet {i}", "visibility": "public",
             "kind": "testimony" if i % 2 else "interview", "tags": ["dockers"],
             "body": f"The dockers handed out leaflet {i} at the gate."} for i in range(start, start + count)]


def ingest(root: Path, write, name: str, records: list[dict[str, object]]) -> str:  # noqa: ANN001
    return run(root, "ingest", str(write(name, yaml.safe_dump_all(records))))


def forbid_projection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if anything loads the projection: a current public index must be opened without it."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the projection was loaded")

    monkeypatch.setattr(search_public, "load", refuse)


def public(archive, engine, query: str, **options: object):  # noqa: ANN001, ANN201
    return search(archive.index_dir, engine, SearchRequest(query, public=True, **options))


def current(archive) -> dict[str, str]:  # noqa: ANN001
    return json.loads((archive.index_dir / "public" / "CURRENT").read_text(encoding="utf-8"))


def test_an_unchanged_projection_is_searched_without_loading_it(archive, engine, write, monkeypatch):
    ingest(archive.root, write, "a.yaml", leaflets(5))
    assert len(public(archive, engine, "leaflet").hits) == 5
    forbid_projection(monkeypatch)
    result = public(archive, engine, "leaflet", snippets=True)
    assert len(result.hits) == 5
    assert all("**leaflet**" in h.snippet.lower() for h in result.hits)  # the published text, read from the index


def test_ingest_appends_new_records_to_the_kept_index(archive, engine, write, monkeypatch):
    ingest(archive.root, write, "a.yaml", leaflets(5))
    public(archive, engine, "leaflet")
    folder = current(archive)["folder"]
    out = ingest(archive.root, write, "b.yaml", leaflets(3, start=5))
    assert "Public search index updated." in out
    assert current(archive)["folder"] == folder  # appended in place
    forbid_projection(monkeypatch)
    assert public(archive, engine, "leaflet", limit=20).total == 8
    # The same answers, scores and order as an index built from scratch.
    appended = [h.as_json() for h in public(archive, engine, "dockers leaflet", limit=20).hits]
    monkeypatch.undo()
    (archive.index_dir / "public" / "CURRENT").unlink()
    assert [h.as_json() for h in public(archive, engine, "dockers leaflet", limit=20).hits] == appended


def test_an_archive_never_searched_in_public_keeps_no_public_index(archive, write):
    ingest(archive.root, write, "a.yaml", leaflets(3))
    assert not (archive.index_dir / "public").exists()


def test_build_leaves_the_public_index_current(archive, engine, write, tmp_path, monkeypatch):
    ingest(archive.root, write, "a.yaml", leaflets(4))
    run(archive.root, "build", "--out", str(tmp_path / "site"))
    forbid_projection(monkeypatch)
    assert public(archive, engine, "leaflet").total == 4


def test_a_record_turned_private_leaves_no_trace(archive, engine, write):
    records = leaflets(12)
    records[7]["body"] += f" {SECRET} wrote it."
    records[7]["tags"] = ["dockers", "qxsecrettagzk"]
    ingest(archive.root, write, "a.yaml", records)
    assert [h.slug for h in public(archive, engine, SECRET).hits] == ["leaflet-7"]
    records[7]["visibility"] = "private"
    out = ingest(archive.root, write, "a.yaml", records)
    assert "Public search index rebuilt." in out
    result = public(archive, engine, SECRET[:-1] + "q")  # one edit away: "did you mean" must not find it
    assert result.hits == [] and result.suggestion is None
    assert public(archive, engine, "leaflet", limit=20).total == 11
    assert public(archive, engine, "leaflet").facets["kind"] == {"interview": 6, "testimony": 5}
    folder = archive.index_dir / "public" / current(archive)["folder"]
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as reader:
        assert reader.doc_count_all() == reader.doc_count() == 11  # no deleted document left to count
        words = {w.decode() if isinstance(w, bytes) else w for w in reader.lexicon("body")}
        assert not any("qxleftprojection" in w or "qxsecrettag" in w for w in words)
    ix.close()
    data = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file()).lower()
    assert SECRET.lower().encode() not in data and b"qxsecrettagzk" not in data


def test_delete_keeps_the_public_index_current(archive, engine, write, monkeypatch):
    records = leaflets(4)
    records[2]["body"] += f" {SECRET}."
    ingest(archive.root, write, "a.yaml", records)
    public(archive, engine, "leaflet")
    run(archive.root, "delete", "account/leaflet-2", "--yes")
    forbid_projection(monkeypatch)
    assert public(archive, engine, "leaflet").total == 3
    result = public(archive, engine, SECRET[:-1] + "q")
    assert result.hits == [] and result.suggestion is None


def test_a_change_made_directly_in_the_store_is_seen(archive, engine, write):
    """Visibility changed by hand, without the archive's commands (``updated_at`` untouched)."""
    ingest(archive.root, write, "a.yaml", leaflets(3))
    assert public(archive, engine, "leaflet").total == 3
    with engine.begin() as conn:
        conn.execute(update(Record.__table__).where(Record.__table__.c.slug == "leaflet-1")
                     .values(visibility="private"))
    assert sorted(h.slug for h in public(archive, engine, "leaflet").hits) == ["leaflet-0", "leaflet-2"]


def test_an_embargo_that_passes_opens_the_record_without_any_write(archive, engine, write):
    records = leaflets(3)
    records[1]["embargo_until"] = "2030-01-01"
    ingest(archive.root, write, "a.yaml", records)
    before = public(archive, engine, "leaflet", today=dt.date(2029, 12, 31))
    after = public(archive, engine, "leaflet", today=dt.date(2030, 1, 1))
    assert before.total == 2 and after.total == 3
    assert public(archive, engine, "leaflet", today=dt.date(2029, 12, 31)).total == 2


def test_a_changed_redactions_file_is_seen(archive, engine, write):
    records = leaflets(3)
    records[0]["body"] += " Qxnamezk Smith spoke."
    ingest(archive.root, write, "a.yaml", records)
    assert public(archive, engine, "qxnamezk").total == 1
    (archive.root / "redactions.yaml").write_text("Qxnamezk Smith: A. S.\n", encoding="utf-8")
    result = public(archive, engine, "qxnamezk")
    assert result.total == 0 and result.suggestion is None


def test_many_appends_keep_few_segments_and_the_order_of_an_index_built_from_scratch(archive, engine, write):
    from whoosh import index as whoosh_index

    ingest(archive.root, write, "a.yaml", leaflets(20))
    public(archive, engine, "leaflet")
    for number in range(20, 27):
        ingest(archive.root, write, f"b{number}.yaml", leaflets(1, start=number))
    ix = whoosh_index.open_dir(str(archive.index_dir / "public" / current(archive)["folder"]))
    segments = [s.doc_count_all() for s in ix._segments()]
    ix.close()
    assert sum(segments) == 27 and len(segments) <= 4  # the trailing small ones were merged
    appended = [h.as_json() for h in public(archive, engine, "dockers leaflet", limit=30).hits]
    assert [h["slug"] for h in appended] == [f"leaflet-{i}" for i in range(27)]  # equal scores: id order
    (archive.index_dir / "public" / "CURRENT").unlink()
    assert [h.as_json() for h in public(archive, engine, "dockers leaflet", limit=30).hits] == appended


def age_store_files(archive, seconds: float) -> None:  # noqa: ANN001
    """Date the store's files ``seconds`` back, as if the last write were that old."""
    import os
    import time

    for path in archive.root.glob("archive.sqlite*"):
        then = time.time() - seconds
        os.utime(path, (then, then))


def test_store_files_unchanged_since_the_last_check_are_trusted_without_the_aggregates(
        archive, engine, write, monkeypatch):
    if engine.url.get_backend_name() != "sqlite":
        pytest.skip("the files' key is for an SQLite store; other stores always read the aggregates")
    ingest(archive.root, write, "a.yaml", leaflets(3))
    age_store_files(archive, 60)
    assert public(archive, engine, "leaflet").total == 3  # checks the aggregates, notes the files' key
    age_store_files(archive, 60)  # the search's own connection may have touched them: date them again
    public(archive, engine, "leaflet")
    forbid_projection(monkeypatch)
    monkeypatch.setattr(search_public, "projection_state",
                        lambda *a, **k: pytest.fail("the aggregates were read"))
    assert public(archive, engine, "leaflet").total == 3
    monkeypatch.undo()
    # A change by hand moves the files' times: the aggregates are read again and see it.
    with engine.begin() as conn:
        conn.execute(update(Record.__table__).where(Record.__table__.c.slug == "leaflet-1")
                     .values(visibility="private"))
    age_store_files(archive, 30)
    assert sorted(h.slug for h in public(archive, engine, "leaflet").hits) == ["leaflet-0", "leaflet-2"]


def test_files_written_a_moment_ago_are_never_trusted(archive, engine, write):
    from archive.public.state import store_files_key

    if engine.url.get_backend_name() != "sqlite":
        assert store_files_key(engine, None, {}) is None  # no files to key: the aggregates are always read
        pytest.skip("the files' key is for an SQLite store; other stores always read the aggregates")
    ingest(archive.root, write, "a.yaml", leaflets(1))
    assert store_files_key(engine, None, {}) is None  # racily clean: only the aggregates can tell
    age_store_files(archive, 60)
    key = store_files_key(engine, None, {})
    assert key is not None and key != store_files_key(engine, None, {"Real Name": "R. N."})
    assert key != store_files_key(engine, dt.date(2000, 1, 1), {})


def test_a_failed_upkeep_does_not_fail_the_ingest_and_the_next_search_catches_up(archive, engine, write,
                                                                                  monkeypatch):
    ingest(archive.root, write, "a.yaml", leaflets(2))
    public(archive, engine, "leaflet")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    with monkeypatch.context() as patch:
        patch.setattr(search_public, "_refresh", broken)
        out = ingest(archive.root, write, "b.yaml", leaflets(1, start=2))
    assert "Public search index not updated (RuntimeError: disk on fire)" in out
    assert public(archive, engine, "leaflet").total == 3


# --- an update loads only what changed, and gives what a rebuild gives -----------------------------------

BASE = """
- {type: wave, slug: dock-wave, title: The dock wave, visibility: public, body: Strikes along the coast.}
- {type: struggle, slug: gate-strike, title: The gate strike, visibility: public, waves: [dock-wave],
   body: The dockers struck at the northern gate.}
- {type: account, slug: gate-notes, title: Gate notes, visibility: public, struggles: [gate-strike],
   places: [Northern gate], tags: [dockers], body: The dockers held the picket line at the gate.}
- {type: account, slug: night-notes, title: Night notes, visibility: public, struggles: [gate-strike],
   places: [Quay Qxstubnamezk], body: The night shift joined the dockers.}
- {type: account, slug: kept-notes, title: Kept notes, visibility: private, places: [Hidden yard],
   body: Qxprivatewordzk met the organisers at night.}
"""


def index_contents(ix) -> dict[str, object]:  # noqa: ANN001
    """Everything a search can read from an index: stored fields in document order, every term with its
    frequencies and postings, the field lengths."""
    with ix.reader() as reader:
        terms = {}
        for field_name, text in reader.all_terms():
            postings = reader.postings(field_name, text)
            terms[(field_name, text)] = (reader.doc_frequency(field_name, text), reader.frequency(field_name, text),
                                         list(postings.all_items()))
        lengths = {name: reader.field_length(name) for name in reader.indexed_field_names()}
        return {"count": reader.doc_count_all(), "live": reader.doc_count(),
                "stored": list(reader.all_stored_fields()), "terms": terms, "lengths": lengths}


def assert_equals_a_rebuild(archive, engine) -> str:  # noqa: ANN001
    """Bring the kept index up to date; it must hold what an index built from the whole projection holds."""
    from archive.ingest.redaction import load_redactions

    outcome = search_public.keep_current(archive.index_dir, engine)
    redactions = load_redactions(archive.root)
    kept, published = search_public.public_index(engine, None, redactions, archive.index_dir / "public")
    fresh, fresh_rows = search_public.public_index(engine, None, redactions)
    assert index_contents(kept) == index_contents(fresh)
    ids = sorted(fresh_rows)
    expected = {i: json.loads(json.dumps(row, default=str)) for i, row in fresh_rows.rows(ids).items()}
    assert published.rows(ids) == expected
    kept.close()
    return outcome or ""


def ingest_text(archive, engine, write, name: str, text: str) -> None:  # noqa: ANN001
    from archive.store.ingest import ingest as ingest_files

    report = ingest_files(engine, [write(name, text)])
    assert not report.errors, report.errors


def test_each_kind_of_change_leaves_the_kept_index_equal_to_a_rebuild(archive, engine, write, monkeypatch):
    from archive.trust.delete import delete_permanently

    ingest_text(archive, engine, write, "base.yaml", BASE)
    assert search_public.keep_current(archive.index_dir, engine, create=True) == "Public search index rebuilt."
    loads: list[object] = []
    real_load = search_public.load

    def counting_load(*args: object, **kwargs: object):  # noqa: ANN202
        loads.append(kwargs.get("ids"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(search_public, "load", counting_load)
    steps = [
        # a new account naming an existing struggle and stub: appended, loading only its part
        ("new.yaml", """{type: account, slug: dawn-notes, title: Dawn notes, visibility: public,
            struggles: [gate-strike], places: [Northern gate], tags: [dockers, dawn], body: At dawn the gate.}""",
         "updated"),
        # a new account naming the private record's stub: the stub becomes public
        ("yard.yaml", """{type: account, slug: yard-notes, title: Yard notes, visibility: public,
            places: [Hidden yard], body: They met in the yard.}""", None),
        # a new account whose own redactions rename a stub others name (their documents change)
        ("own.yaml", """{type: account, slug: quay-notes, title: Quay notes, visibility: public,
            places: [Quay Qxstubnamezk], redactions: {Qxstubnamezk: Q.}, body: The quay.}""", None),
        # an edit, a new wave for the struggle (every account about it is in that wave too)
        ("base2.yaml", BASE.replace("waves: [dock-wave]", "waves: [dock-wave, coast-wave]")
         .replace("held the picket line", "kept the picket line"), None),
        # visibility: a public account turned private, the private one turned public
        ("base3.yaml", BASE.replace("waves: [dock-wave]", "waves: [dock-wave, coast-wave]")
         .replace("held the picket line", "kept the picket line")
         .replace("slug: night-notes, title: Night notes, visibility: public",
                  "slug: night-notes, title: Night notes, visibility: private")
         .replace("visibility: private, places: [Hidden yard]", "visibility: public, places: [Hidden yard]"),
         None),
        # a new account whose slug redaction makes equal to an existing one (numbered, as a rebuild does)
        ("clash.yaml", """{type: account, slug: qxclashzk-notes, title: Clash, visibility: public,
            redactions: {qxclashzk: dawn}, body: Another dawn.}""", None),
    ]
    for name, text, expected in steps:
        loads.clear()
        ingest_text(archive, engine, write, name, text)
        outcome = search_public.keep_current(archive.index_dir, engine) or ""
        if expected:
            assert expected in outcome
            assert loads and all(ids is not None and len(ids) < 10 for ids in loads), loads
        assert_equals_a_rebuild(archive, engine)
    # a deletion, then a new redactions file
    delete_permanently(engine, [("account", "gate-notes")])
    assert_equals_a_rebuild(archive, engine)
    (archive.root / "redactions.yaml").write_text("Northern gate: the gate\n", encoding="utf-8")
    assert_equals_a_rebuild(archive, engine)
    loads.clear()
    ingest_text(archive, engine, write, "late.yaml", """{type: account, slug: late-notes, title: Late notes,
        visibility: public, places: [Northern gate], body: Late at the gate.}""")
    assert "updated" in (search_public.keep_current(archive.index_dir, engine) or "")
    assert loads and all(ids is not None for ids in loads)
    assert_equals_a_rebuild(archive, engine)


@pytest.mark.parametrize("seed", [3, 8])
def test_random_changes_leave_the_kept_index_equal_to_a_rebuild(archive, engine, write, seed):
    """Random adds, edits, visibility and embargo changes, deletions, new waves and redactions files, each
    followed by the upkeep: the kept index always equals an index built from the whole projection, and
    some of the updates were appends (the part that loads only what changed)."""
    from archive.trust.delete import delete_permanently

    rng = random.Random(seed)
    places = ["Northern gate", "Quay Qxstubnamezk", "Hidden yard", "Dawn square"]
    names = ["Qxstubnamezk", "Dawn", "Hidden"]
    accounts: dict[str, dict[str, object]] = {}
    outcomes: list[str] = []

    def account(number: int) -> dict[str, object]:
        record: dict[str, object] = {
            "type": "account", "slug": f"note-{number}", "title": f"Note {number} {rng.choice(names)}",
            "visibility": rng.choice(["public", "public", "public", "private"]),
            "places": rng.sample(places, rng.randint(0, 2)), "struggles": [rng.choice(["gate-strike", "quay-strike"])],
            "tags": rng.sample(["dockers", "night", "Dawn"], rng.randint(0, 2)),
            "body": f"Body {number}: " + " ".join(rng.sample(["picket", "gate", "quay", "dawn", "night"], 3))}
        if rng.random() < 0.3:
            record["redactions"] = {rng.choice(names): rng.choice(["Q.", "dawn", "H. Y."])}
        if rng.random() < 0.15:
            record["embargo_until"] = rng.choice(["2001-01-01", "2200-01-01"])
        return record

    ingest_text(archive, engine, write, "base.yaml", BASE)
    search_public.keep_current(archive.index_dir, engine, create=True)
    for step in range(12):
        choice = rng.random()
        if choice < 0.45 or not accounts:
            number = len(accounts) + 100 * step
            accounts[f"note-{number}"] = account(number)
            ingest_text(archive, engine, write, f"s{step}.yaml", yaml.safe_dump(accounts[f"note-{number}"]))
        elif choice < 0.7:
            slug = rng.choice(sorted(accounts))
            changed = account(int(slug.split("-")[1]))
            accounts[slug] = changed
            ingest_text(archive, engine, write, f"s{step}.yaml", yaml.safe_dump(changed))
        elif choice < 0.8:
            slug = rng.choice(sorted(accounts))
            del accounts[slug]
            delete_permanently(engine, [("account", slug)])
        elif choice < 0.9:
            wave = f"wave-{step}"
            ingest_text(archive, engine, write, f"s{step}.yaml", yaml.safe_dump(
                {"type": "struggle", "slug": "quay-strike", "title": "The quay strike", "visibility": "public",
                 "waves": [wave], "body": "At the quay."}))
        else:
            (archive.root / "redactions.yaml").write_text(f"{rng.choice(places)}: {rng.choice(['X.', 'Y.'])}\n",
                                                          encoding="utf-8")
        outcomes.append(assert_equals_a_rebuild(archive, engine))
    assert any("updated" in outcome for outcome in outcomes), outcomes
