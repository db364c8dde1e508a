"""Every command meets bad input and bad paths with ``Error: <message>`` and an exit code, never a traceback.

Library errors share one base (``archive.errors.ArchiveError``) and the command line catches it once; these
tests run each command through Click's runner with a missing archive, paths that cannot be used, files that
cannot be read and values that make no sense, and check the message, the exit code and that nothing was
stored. An unreadable file is a link to ``/proc/self/mem``: reading it fails with EIO even for root, where a
``chmod 000`` file would still be readable.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

import archive
from archive.cli import cli
from archive.errors import ArchiveError, UsageError
from archive.store.config import CONFIG_NAME, find_archive
from archive.store.db import make_engine
from archive.trust.create import init_archive
from tests.helpers import count

UNREADABLE_TARGET = Path("/proc/self/mem")

# Exceptions that never reach a user: control flow inside one module, caught where they are raised.
# Control flow inside one module, never shown: a page that cannot be fingerprinted, a strict ingest's stop,
# and a query part the block scorer hands back to Whoosh's matchers.
PRIVATE = {"archive.publish.incremental.NotFingerprintable", "archive.store.ingest.StrictAbort",
           "archive.search.topn._Unsupported"}

RECORD = "---\ntitle: Port strike\ntype: struggle\nvisibility: public\ndate: 1934-05\n---\nThe port stopped.\n"
BAD_RECORD = "---\ntitle: Undated\ndate: someday\n---\n"


def unreadable(path: Path) -> Path:
    """A file that exists and cannot be read (EIO), whoever runs the tests."""
    if not UNREADABLE_TARGET.exists():
        pytest.skip("needs Linux's /proc/self/mem to make a file that cannot be read")
    path.unlink(missing_ok=True)
    path.symlink_to(UNREADABLE_TARGET)
    return path


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with an archive holding one public record, a built site and an exported bag."""
    root = tmp_path_factory.mktemp("errors")
    made = init_archive(root / "archive", title="Errors")
    (root / "record.md").write_text(RECORD, encoding="utf-8")
    (root / "bad.md").write_text(BAD_RECORD, encoding="utf-8")
    (root / "a-file").write_text("not a folder\n", encoding="utf-8")
    for args in (["ingest", str(root / "record.md")], ["build"], ["export", "--bagit", str(root / "bag")]):
        result = CliRunner().invoke(cli, ["--archive", str(made.root), *args])
        assert result.exit_code == 0, result.output
    return root


def run(place: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--archive", str(place / "archive"), *args])


def assert_message(result: Result, exit_code: int, *expected: str) -> None:
    """The command ended with ``Error: ...`` on stderr naming what went wrong, and no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code == exit_code, result.output
    assert "Error: " in result.stderr, result.output
    for text in expected:
        assert text in result.stderr, result.output


def test_every_error_a_user_can_meet_is_an_archive_error() -> None:
    """Each exception class defined in ``archive`` subclasses ArchiveError, except the private ones."""
    found: dict[str, type] = {}
    for module_info in pkgutil.walk_packages(archive.__path__, "archive."):
        if module_info.name.endswith("__main__"):  # runs the command line when imported
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    # The command line's own Click exceptions are how these errors are shown, not errors of their own.
    outside = sorted(name for name, cls in found.items()
                     if not issubclass(cls, ArchiveError | click.ClickException))
    assert outside == sorted(PRIVATE)
    assert len(found) > 30  # the walk reached every room
    # Callers that have long caught ValueError or LookupError still catch them.
    from archive.ingest.records import RecordError
    from archive.publish.crosswave import LineageError, UnknownCategory
    from archive.search.query import QueryError

    assert issubclass(RecordError, ValueError) and issubclass(QueryError, ValueError)
    assert issubclass(LineageError, LookupError) and issubclass(UnknownCategory, LookupError)
    assert issubclass(QueryError, UsageError) and QueryError("x").exit_code == 2
    assert RecordError("date", "not a date").exit_code == 1


@pytest.mark.parametrize("command", [
    ["stats"], ["build"], ["search", "strike"], ["show", "port-strike"], ["reindex"], ["verify"],
    ["continuity", "port-strike"], ["demands"], ["lessons"], ["lineage", "cio"], ["waves", "suggest"],
    ["clean", "placeholders"], ["db", "current"], ["backup", "copy.sqlite"], ["export", "--bagit", "bag"],
    ["serve"], ["delete", "account/x", "--yes"],
])
def test_a_missing_archive_is_named(tmp_path: Path, command: list[str]) -> None:
    result = CliRunner().invoke(cli, ["--archive", str(tmp_path / "nowhere"), *command])
    assert_message(result, 1, f"{tmp_path / 'nowhere'} is not an archive: it has no {CONFIG_NAME}")


def test_build_into_a_relative_folder(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(place)
    result = run(place, "build", "--out", "relative/site")
    assert result.exit_code == 0, result.output
    assert (place / "relative" / "site" / "index.html").is_file()
    assert (place / "relative" / "site" / "manifest.json").is_file()


def test_build_under_a_file_is_refused(place: Path) -> None:
    result = run(place, "build", "--out", str(place / "a-file" / "site"))
    assert_message(result, 1, f"{place / 'a-file'} is a file, not a folder")


def test_a_bad_map_is_named(place: Path) -> None:
    data = place / "rows.csv"
    data.write_text("title\nA strike\n", encoding="utf-8")
    missing = run(place, "ingest", "--map", str(place / "no.map.yaml"), str(data))
    assert_message(missing, 1, f"{place / 'no.map.yaml'}: cannot read the mapping: No such file or directory")
    latin = place / "latin.map.yaml"
    latin.write_bytes("columns: {t\xedtulo: title}\n".encode("latin-1"))
    assert_message(run(place, "ingest", "--map", str(latin), str(data)), 1,
                   f"{latin}: the mapping is not UTF-8 text (byte 11: 0xed)")
    broken = place / "broken.map.yaml"
    broken.write_text("columns: [title\n", encoding="utf-8")
    assert_message(run(place, "ingest", "--map", str(broken), str(data)), 1, f"{broken}:2: invalid YAML")
    cannot = unreadable(place / "eio.map.yaml")
    assert_message(run(place, "ingest", "--map", str(cannot), str(data)), 1,
                   f"{cannot}: cannot read the mapping: Input/output error")


def test_an_unreadable_record_file_is_left_out_with_its_reason(place: Path) -> None:
    cannot = unreadable(place / "eio.md")
    result = run(place, "ingest", str(cannot))
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert f"error: {cannot}: cannot read: Input/output error" in result.stderr, result.output


def test_rejects_under_a_file_are_refused_before_anything_is_stored(place: Path) -> None:
    engine = make_engine(find_archive(place / "archive").db_url())
    try:
        before = count(engine)
        fresh = place / "fresh.md"
        fresh.write_text(RECORD.replace("Port strike", "Dock strike"), encoding="utf-8")
        result = run(place, "ingest", "--skip-invalid", "--rejects", str(place / "a-file" / "rejects"),
                     str(place / "bad.md"), str(fresh))
        assert_message(result, 1, f"cannot make the rejects folder {place / 'a-file' / 'rejects'}: "
                                  f"{place / 'a-file'} is a file, not a folder")
        assert count(engine) == before
    finally:
        engine.dispose()


@pytest.mark.parametrize(("args", "exit_code", "expected"), [
    (["search", "date:[2020 to"], 2, "the range date:[2020 to is not closed"),
    (["search", "strike", "--wave", "no-such-wave"], 2, "Invalid value for '--wave': unknown wave 'no-such-wave'"),
    (["search", "strike", "--type", "strugle"], 2, "Invalid value for '--type': unknown type 'strugle'"),
    (["lessons", "--category", "no-such"], 2, "Invalid value for '--category': unknown category 'no-such'"),
    (["show", "no-such-record"], 1, "no record with slug 'no-such-record'"),
    (["continuity", "no-such-struggle"], 1, "no struggle 'no-such-struggle'"),
    (["lineage", "no-such-org"], 1, "no organization or form 'no-such-org'"),
    (["delete", "account/no-such", "--yes"], 1, "no such record: account/no-such"),
    (["delete", "no-type"], 2, "write TYPE/SLUG"),
    (["db", "upgrade", "--revision", "no-such-revision"], 1, "cannot upgrade to 'no-such-revision'"),
    (["ingest", "--set", "visiblity=public", "x.md"], 2, "did you mean 'visibility'"),
    (["ingest", "--encoding", "no-such-encoding", "x.md"], 2, "unknown encoding 'no-such-encoding'"),
    (["serve", "--site", "/no-such-site"], 1, "/no-such-site holds no built site; run 'archive build' first"),
    (["reindex", "--procs", "0"], 2, "Invalid value for '--procs'"),
    (["waves", "suggest", "--window", "1"], 2, "Invalid value for '--window'"),
])
def test_a_bad_value_is_named(place: Path, args: list[str], exit_code: int, expected: str) -> None:
    assert_message(run(place, *args), exit_code, expected)


def test_bad_paths_for_what_the_archive_writes(place: Path) -> None:
    a_file = place / "a-file"
    assert_message(run(place, "backup", str(place / "no-folder" / "copy.sqlite")), 1,
                   f"{place / 'no-folder'} is not a folder")
    assert_message(run(place, "backup", str(a_file / "copy.sqlite")), 1, f"{a_file} is not a folder")
    assert not list(place.glob("**/copy.sqlite*"))
    assert_message(run(place, "export", "--bagit", str(a_file / "bag")), 1,
                   f"cannot make the folder {a_file / 'bag'}: Not a directory")
    assert_message(CliRunner().invoke(cli, ["init", str(a_file / "archive")]), 1,
                   f"cannot create the archive in {a_file / 'archive'}: Not a directory")
    assert_message(CliRunner().invoke(cli, ["demo", str(a_file / "demo")]), 1,
                   f"cannot create the archive in {a_file / 'demo'}: Not a directory")


def test_bad_paths_for_what_the_archive_reads(place: Path) -> None:
    site = place / "archive" / "public"
    assert_message(run(place, "verify", "--site", str(place / "no-site")), 1, f"{place / 'no-site'} is not a folder")
    key = unreadable(place / "eio.pub")
    assert_message(run(place, "verify", "--site", str(site), "--key", str(key)), 2,
                   f"Invalid value for '--key': cannot read the key {key}: Input/output error")
    anchor = unreadable(place / "eio.anchor.json")
    assert_message(run(place, "verify", "--anchor", str(anchor)), 1,
                   f"{anchor}: cannot read a fixity anchor: Input/output error")
    assert_message(run(place, "import", str(place / "archive")), 1,
                   f"bag rejected, nothing written: {place / 'archive'} is not a BagIt bag")


def test_an_unreadable_bag_is_rejected(place: Path, tmp_path: Path) -> None:
    bag = tmp_path / "bag"
    shutil.copytree(place / "bag", bag)
    unreadable(bag / "bagit.txt")
    assert_message(run(place, "import", str(bag)), 1, "bag rejected, nothing written", "Input/output error")


def test_an_unreadable_site_manifest_is_named(place: Path, tmp_path: Path) -> None:
    copy = tmp_path / "site"
    shutil.copytree(place / "archive" / "public", copy)
    manifest = unreadable(copy / "manifest.json")
    assert_message(run(place, "verify", "--site", str(copy)), 1, f"cannot read {manifest}: Input/output error")


@pytest.mark.parametrize(("name", "command"), [
    ("lessons.yaml", ["lessons"]),
    ("demands.yaml", ["demands"]),
    ("redactions.yaml", ["search", "strike", "--public"]),
    ("redactions.yaml", ["build"]),
])
def test_an_unreadable_settings_file_is_named(tmp_path: Path, name: str, command: list[str]) -> None:
    made = init_archive(tmp_path / "archive")
    path = unreadable(made.root / name)
    result = CliRunner().invoke(cli, ["--archive", str(made.root), *command])
    assert_message(result, 1, f"{path}: cannot read it: Input/output error")


@pytest.mark.parametrize("kind", ["unreadable", "a folder", "not UTF-8"])
def test_a_bad_archive_toml_is_named(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "archive"
    root.mkdir()
    config = root / CONFIG_NAME
    makers: dict[str, Callable[[], object]] = {
        "unreadable": lambda: unreadable(config),
        "a folder": config.mkdir,
        "not UTF-8": lambda: config.write_bytes(b"title = '\xff'\n"),
    }
    makers[kind]()
    result = CliRunner().invoke(cli, ["--archive", str(root), "stats"])
    assert_message(result, 1, f"{config}: ")


def test_an_unreachable_database_is_named(place: Path) -> None:
    result = run(place, "--db", "sqlite:////no-such-folder/x.sqlite", "stats")
    assert_message(result, 1, "cannot open the database sqlite:////no-such-folder/x.sqlite")
    result = run(place, "--db", "nosuchdriver://x", "stats")
    assert_message(result, 1, "cannot open the database nosuchdriver://x: Can't load plugin")


def test_an_unexpected_file_error_is_still_a_message() -> None:
    """Whatever the library did not foresee (a disk gone, a permission taken away) ends in a message too."""
    from archive.cli import LazyGroup

    group = LazyGroup("archive")

    @group.command("copy")
    def copy() -> None:
        raise PermissionError(13, "Permission denied", "/media/usb/site")

    @group.command("fail")
    def fail() -> None:
        raise ArchiveError("the thing went wrong", exit_code=4)

    result = CliRunner().invoke(group, ["copy"])
    assert_message(result, 1, "Error: /media/usb/site: Permission denied")
    assert_message(CliRunner().invoke(group, ["fail"]), 4, "Error: the thing went wrong")
