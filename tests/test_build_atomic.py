"""A build replaces the site whole or not at all: a full disk, an error or kill -9 leaves the previous site
intact and clean. It publishes only records that still match their content hash. A bad --out is an error."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from archive.cli import cli
from archive.publish import SiteError, build, verify_site
from archive.publish.build import UnverifiedRecords
from archive.store.ingest import ingest

RECORDS = """\
- {type: struggle, slug: rent-strike, title: Rent strike, start: 1932, visibility: public}
- {type: account, slug: night-shift, title: The night shift, date: 1932-05, struggles: [rent-strike],
   visibility: public, body: We stopped paying.}
- {type: account, slug: minutes-1932, title: Minutes, date: 1932-06, visibility: public, body: Motion carried.}
- {type: account, slug: private-note, title: A private note, visibility: private, body: Not for anyone.}
"""


@pytest.fixture
def small(archive, engine, write):
    assert ingest(engine, [write("records.yaml", RECORDS)]).errors == []
    return archive


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


def test_relative_out_is_taken_from_the_current_folder(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--archive", str(small.root), "build", "--out", "relative/dir"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "relative" / "dir" / "index.html").is_file()
    assert f"file://{tmp_path}/relative/dir/index.html" in result.output


def test_out_inside_a_file_is_a_clear_error(small, tmp_path):
    (tmp_path / "afile").write_text("keep", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--archive", str(small.root), "build", "--out", str(tmp_path / "afile" / "sub")])
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path}/afile/sub: {tmp_path}/afile is a file, not a folder\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_full_disk_leaves_the_previous_site_intact_and_clean(small, engine, tmp_path, monkeypatch):
    out = tmp_path / "site"
    build(small, engine, out)
    before = files_of(out)
    assert ingest(engine, [tmp_path / "in" / "records.yaml"]).errors == []
    (tmp_path / "in" / "more.yaml").write_text("- {title: A new account, visibility: public, body: New.}\n")
    assert ingest(engine, [tmp_path / "in" / "more.yaml"]).errors == []

    import archive.publish.output as output

    real_open = open
    written = []

    def full_disk_open(path, mode="r", *args, **kwargs):  # noqa: ANN001
        if "w" in mode:
            written.append(path)
            if len(written) > 5:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(output, "open", full_disk_open, raising=False)
    with pytest.raises(SiteError) as error:
        build(small, engine, out)
    message = str(error.value)
    assert message.startswith("cannot write the site: ") and "the disk is full" in message
    assert str(written[-1]) in message  # names the file it could not write
    assert message.endswith(f"the previous site in {out} is unchanged")
    assert files_of(out) == before
    assert verify_site(out).ok
    assert siblings(out) == []  # nothing left beside it either


def test_full_disk_on_a_first_build_leaves_no_empty_folder(small, engine, tmp_path, monkeypatch):
    import archive.publish.output as output

    def no_space(path, mode="r", *args, **kwargs):  # noqa: ANN001
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(output, "open", no_space, raising=False)
    out = tmp_path / "site"
    with pytest.raises(SiteError, match="the disk is full"):
        build(small, engine, out)
    assert not out.exists()
    assert siblings(out) == []


def test_an_error_mid_build_leaves_the_previous_site(small, engine, tmp_path, monkeypatch):
    out = tmp_path / "site"
    build(small, engine, out)
    before = files_of(out)
    (tmp_path / "in" / "more.yaml").write_text("- {title: A new account, visibility: public, body: New.}\n")
    assert ingest(engine, [tmp_path / "in" / "more.yaml"]).errors == []
    import archive.publish.output as output

    def interrupted(*args, **kwargs):  # noqa: ANN002, ANN003
        raise KeyboardInterrupt

    monkeypatch.setattr(output, "_swap_in", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(small, engine, out)
    assert files_of(out) == before and siblings(out) == []


def test_a_rebuild_with_nothing_changed_leaves_the_folder_itself_alone(small, engine, tmp_path):
    out = tmp_path / "site"
    build(small, engine, out)
    inode = out.stat().st_ino
    report = build(small, engine, out)
    assert report.write.written == [] and report.write.deleted == []
    assert out.stat().st_ino == inode and siblings(out) == []
    (tmp_path / "in" / "more.yaml").write_text("- {title: A new account, visibility: public, body: New.}\n")
    assert ingest(engine, [tmp_path / "in" / "more.yaml"]).errors == []
    report = build(small, engine, out)
    assert "accounts/a-new-account.html" in report.write.written
    assert out.stat().st_ino != inode and siblings(out) == []  # a new folder, swapped in whole
    assert verify_site(out).ok


KILLER = textwrap.dedent("""\
    import os, signal, sys
    from pathlib import Path
    import archive.publish.output as output
    from archive.store.config import load_archive
    from archive.store.db import make_engine
    from archive.publish import build

    real_open, count = open, [0]
    def open_then_die(path, mode="r", *args, **kwargs):
        if "w" in mode:
            count[0] += 1
            if count[0] == int(sys.argv[3]):
                os.kill(os.getpid(), signal.SIGKILL)
        return real_open(path, mode, *args, **kwargs)
    output.open = open_then_die
    archive = load_archive(Path(sys.argv[1]))
    build(archive, make_engine(archive.db_url()), Path(sys.argv[2]))
""")


@pytest.mark.slow  # a crash suite: three builds in a subprocess, killed
@pytest.mark.parametrize("kill_at", [1, 8, 10_000])
def test_kill_9_mid_build_leaves_the_previous_site_and_no_tmp_files(small, engine, tmp_path, kill_at):
    out = tmp_path / "site"
    build(small, engine, out)
    before = files_of(out)
    (tmp_path / "in" / "more.yaml").write_text("- {title: Another account, visibility: public, body: More.}\n")
    assert ingest(engine, [tmp_path / "in" / "more.yaml"]).errors == []
    done = subprocess.run([sys.executable, "-c", KILLER, str(small.root), str(out), str(kill_at)],
                          capture_output=True, text=True)
    if kill_at == 10_000:  # never reached: the build completes
        assert done.returncode == 0, done.stderr
        assert "accounts/another-account.html" in files_of(out)
        return
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert files_of(out) == before
    assert not [name for name in files_of(out) if name.endswith(".tmp") or "/." in f"/{name}"]
    assert [name for name in siblings(out) if ".staging-" in name]  # the killed build's work, beside the site
    report = build(small, engine, out)  # the next build clears it and completes
    assert siblings(out) == []
    assert "accounts/another-account.html" in report.write.written
    assert verify_site(out).ok


def test_a_record_changed_in_the_store_is_not_published(small, engine, tmp_path):
    out = tmp_path / "site"
    build(small, engine, out)
    before = files_of(out)
    with engine.begin() as conn:
        conn.execute(text("UPDATE records SET body = 'We paid after all.' WHERE slug = 'night-shift'"))
        conn.execute(text("UPDATE records SET title = 'Minutes (forged)' WHERE slug = 'minutes-1932'"))
        # A non-public record changed too: it is not published, so it does not stop the build.
        conn.execute(text("UPDATE records SET body = 'changed' WHERE slug = 'private-note'"))
    with pytest.raises(UnverifiedRecords) as error:
        build(small, engine, out)
    assert [p.split(":")[0] for p in error.value.problems] == ["account/night-shift", "account/minutes-1932"]
    assert "--allow-unverified" in str(error.value)
    assert files_of(out) == before

    result = CliRunner().invoke(cli, ["--archive", str(small.root), "build", "--out", str(out)])
    assert result.exit_code == 1
    assert "2 record(s) to be published failed their fixity check" in result.output
    assert "account/night-shift: content does not match its SHA-256" in result.output
    assert files_of(out) == before

    result = CliRunner().invoke(cli, ["--archive", str(small.root), "build", "--out", str(out),
                                      "--allow-unverified"])
    assert result.exit_code == 0, result.output
    assert "published unverified: account/night-shift" in result.output
    assert b"We paid after all." in (out / "accounts" / "night-shift.html").read_bytes()


def test_a_record_made_public_behind_ingest_is_refused(small, engine, tmp_path):
    with engine.begin() as conn:
        conn.execute(text("UPDATE records SET visibility = 'public' WHERE slug = 'private-note'"))
    with pytest.raises(UnverifiedRecords, match="account/private-note"):
        build(small, engine, tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_without_renameat2_two_renames_swap_the_site(small, engine, tmp_path, monkeypatch):
    import archive.publish.output as output

    monkeypatch.setattr(output, "_exchange", lambda a, b: False)
    out = tmp_path / "site"
    build(small, engine, out)
    (tmp_path / "in" / "more.yaml").write_text("- {title: A new account, visibility: public, body: New.}\n")
    assert ingest(engine, [tmp_path / "in" / "more.yaml"]).errors == []
    report = build(small, engine, out)
    assert "accounts/a-new-account.html" in report.write.written
    assert siblings(out) == [] and verify_site(out).ok


def test_a_build_killed_between_the_two_renames_gets_its_site_back(small, engine, tmp_path):
    out = tmp_path / "site"
    build(small, engine, out)
    before = files_of(out)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    # What kill -9 leaves after the first rename: the old site moved aside, the new one still staged.
    os.rename(out, out.with_name(f".site.previous-{pid}"))
    (out.with_name(f".site.staging-{pid}-abc") / "half").mkdir(parents=True)
    report = build(small, engine, out)
    assert report.write.written == []  # the previous site came back, and it was already up to date
    assert files_of(out) == before and siblings(out) == []
