"""Commands start fast: ``archive --help`` and ``archive stats`` import only what they use.

Checked as behaviour (which modules a fresh interpreter has loaded), never as a timing.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from archive.cli import COMMANDS, cli
from archive.store.migrate import _head_from_headers, alembic_config
from tests.conftest import REPO_ROOT

HEAVY = ("sqlalchemy", "whoosh", "alembic", "mako", "jinja2")


def loaded_after(args: list[str], cwd: Path) -> set[str]:
    """The top-level packages loaded by running ``archive ARGS`` in a fresh interpreter."""
    script = (
        "import json, sys\n"
        "from archive.cli import cli\n"
        f"try:\n    cli({args!r}, prog_name='archive')\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)})
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_imports_no_database_search_or_migration_library(tmp_path: Path) -> None:
    loaded = loaded_after(["--help"], tmp_path)
    assert "click" in loaded and "archive" in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_stats_imports_the_store_but_not_the_index_or_migrations(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(tmp_path / "a")]).exit_code == 0
    loaded = loaded_after(["--archive", str(tmp_path / "a"), "stats"], tmp_path)
    assert "sqlalchemy" in loaded
    assert not loaded & {"whoosh", "alembic", "mako", "jinja2"}, loaded & {"whoosh", "alembic", "mako", "jinja2"}


def test_every_lazy_command_loads_and_its_summary_is_its_own_help() -> None:
    for name, (_module, _attribute, summary) in COMMANDS.items():
        command = cli.get_command(click.Context(cli), name)
        assert isinstance(command, click.Command), name
        assert command.name == name
        own = inspect.cleandoc(command.help or "").split("\n\n")[0].replace("\n", " ")
        assert summary == own, f"COMMANDS[{name!r}] says {summary!r}; the command's help says {own!r}"


def test_help_lists_every_command_as_click_would() -> None:
    lazy = CliRunner().invoke(cli, ["--help"]).output
    eager = click.Group(name="archive", commands={name: cli.get_command(click.Context(cli), name) for name in COMMANDS},
                        params=cli.params, help=cli.help, context_settings=cli.context_settings)
    expected = CliRunner().invoke(eager, ["--help"], prog_name="archive").output
    assert lazy.split("Commands:")[1] == expected.split("Commands:")[1]
    assert "ingest      Ingest records from files and folders (recursively)." in lazy


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["ingets"])
    assert result.exit_code == 2 and "No such command 'ingets'" in result.output


def test_schema_head_read_from_the_migration_headers_is_alembics() -> None:
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    engine = create_engine("sqlite://")
    assert _head_from_headers() == ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
