"""BagIt export and import: a round trip keeps every payload byte; a bad bag writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import bagit
import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.store.config import load_archive
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.trust.bag import BagRejected, export_bag, import_bag, import_into_new_archive
from archive.trust.create import init_archive
from tests.helpers import get, revisions, snapshot


def payload_manifest(bag: Path) -> str:
    return (bag / "manifest-sha256.txt").read_text(encoding="utf-8")


@pytest.fixture
def bag(engine, write, tmp_path, shared_data):
    account = write("a.md", "---\ntitle: Night shift\nstruggles: [Dock strike]\nplaces: [Antwerpen]\n"
                            "language: nl\ntags: [lonen]\nconsent: given\n---\nWe legden het werk neer.\n")
    reed = shared_data / "gutenberg_movement_texts" / "pg3076_reed_ten_days_that_shook_the_world.txt"
    ingest(engine, [account, reed])
    account.write_text(account.read_text(encoding="utf-8").replace("neer.", "neer, allemaal."), encoding="utf-8")
    ingest(engine, [account, write("o.yaml", "type: organization\nslug: bbtk\ntitle: BBTK\nform: union\n"
                                             "visibility: restricted\n")])
    out = tmp_path / "bag"
    result = export_bag(engine, out)
    assert (result.records, result.revisions, result.stubs) == (3, 4, 3)
    return out


def new_engine(tmp_path: Path, name: str):
    return make_engine(init_archive(tmp_path / name).db_url(), writer=True)


def test_round_trip_gives_identical_payload(bag, tmp_path):
    second = new_engine(tmp_path, "second")
    result = import_bag(second, bag)
    assert (result.added, result.revisions) == (3, 4)
    again = tmp_path / "bag2"
    export_bag(second, again)
    assert payload_manifest(again) == payload_manifest(bag)
    assert len(revisions(second, "account", "night-shift")) == 2
    assert get(second, "form", "union").is_stub
    assert get(second, "organization", "bbtk").visibility == "restricted"


def test_record_files_use_the_record_format(bag):
    record = json.loads((bag / "data" / "records" / "account" / "night-shift.json").read_text(encoding="utf-8"))
    assert record["type"] == "account" and record["struggles"] == ["dock-strike"]
    assert record["body"] == "We legden het werk neer, allemaal."
    assert "origin" not in json.dumps(record)


def test_import_twice_changes_nothing(bag, tmp_path):
    second = new_engine(tmp_path, "second")
    import_bag(second, bag)
    before = snapshot(second)
    assert import_bag(second, bag).unchanged == 3
    assert snapshot(second) == before


def _flip_a_bit(bag: Path) -> None:
    target = next((bag / "data" / "records" / "account").glob("*.json"))
    data = bytearray(target.read_bytes())
    data[10] ^= 0x01
    target.write_bytes(bytes(data))


def _remove_a_file(bag: Path) -> None:
    next((bag / "data" / "sources").iterdir()).unlink()


def _add_a_file(bag: Path) -> None:
    (bag / "data" / "records" / "account" / "smuggled.json").write_text('{"title": "x"}', encoding="utf-8")


def _traversal(bag: Path) -> None:
    manifest = bag / "manifest-sha256.txt"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "0" * 64 + "  data/../../etc/passwd\n",
                        encoding="utf-8")


def _absolute(bag: Path) -> None:
    manifest = bag / "manifest-sha256.txt"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "0" * 64 + "  /etc/passwd\n", encoding="utf-8")


def _bad_manifest(bag: Path) -> None:
    (bag / "manifest-sha256.txt").write_text("this is not a manifest\n", encoding="utf-8")


@pytest.mark.parametrize("damage", [_flip_a_bit, _remove_a_file, _add_a_file, _traversal, _absolute, _bad_manifest])
def test_invalid_bag_is_rejected_and_writes_nothing(bag, tmp_path, damage):
    second = new_engine(tmp_path, "second")
    before = snapshot(second)
    damage(bag)
    with pytest.raises(BagRejected):
        import_bag(second, bag)
    assert snapshot(second) == before


def test_export_refuses_a_non_empty_folder(engine, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x", encoding="utf-8")
    with pytest.raises(BagRejected, match="not empty"):
        export_bag(engine, tmp_path / "full")


def test_import_into_a_missing_folder_creates_the_archive(engine, archive, bag, tmp_path):
    # The bag made by the fixture carries no archive name; export again through the command, which does.
    named = tmp_path / "named-bag"
    archive.config_path.write_text(archive.config_path.read_text(encoding="utf-8")
                                   + '\n[site]\nopen_end = "not recorded"\n', encoding="utf-8")
    run = CliRunner().invoke
    result = run(cli, ["--archive", str(archive.root), "export", "--bagit", str(named)])
    assert result.exit_code == 0, result.output
    target = tmp_path / "next-wave"
    result = run(cli, ["--archive", str(target), "import", str(named)])
    assert result.exit_code == 0, result.output
    assert "Created archive 'Test Archive'" in result.output
    assert "Imported 3 records: 3 added" in result.output
    assert load_archive(target).title == "Test Archive"
    assert load_archive(target).open_end == "not recorded"  # as the exporting archive says
    assert load_archive(target).records.default_visibility == "restricted"
    second = make_engine(load_archive(target).db_url())
    assert get(second, "organization", "bbtk").visibility == "restricted"
    assert len(revisions(second, "account", "night-shift")) == 2
    second.dispose()
    searched = run(cli, ["--archive", str(target), "search", "legden", "--json"])
    assert "night-shift" in searched.output
    again = tmp_path / "again"
    export_bag(make_engine(load_archive(target).db_url()), again)
    assert payload_manifest(again) == payload_manifest(named)


def test_a_bad_bag_creates_no_archive(bag, tmp_path):
    _flip_a_bit(bag)
    target = tmp_path / "next-wave"
    result = CliRunner().invoke(cli, ["--archive", str(target), "import", str(bag)])
    assert result.exit_code == 1
    assert "bag rejected, nothing written" in result.output
    assert not target.exists()


def test_import_into_a_folder_that_holds_other_files_says_to_init(bag, tmp_path):
    target = tmp_path / "papers"
    target.mkdir()
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--archive", str(target), "import", str(bag)])
    assert result.exit_code == 1
    assert f"run 'archive init {target}' first" in result.output
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]


def test_a_failed_import_removes_the_new_archive(bag, tmp_path):
    record = next((bag / "data" / "records" / "account").glob("*.json"))
    record.write_text(record.read_text(encoding="utf-8").replace("{", '{"date": "someday",', 1), encoding="utf-8")
    bagit.Bag(str(bag)).save(manifests=True)  # a well-formed bag whose record is not
    target = tmp_path / "empty"
    target.mkdir()
    with pytest.raises(BagRejected, match="field 'date': not a date"):
        import_into_new_archive(target, bag)
    assert target.is_dir() and not any(target.iterdir())
