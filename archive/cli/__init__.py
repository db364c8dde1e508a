"""The ``archive`` command. Each command parses its options, calls one library function and reports.

Subcommands are loaded when they run, not when ``archive`` starts: ``archive --help`` imports neither
SQLAlchemy, Whoosh nor Alembic, and ``archive stats`` imports only what ``stats`` uses.

What it may import: every room (it is the top of the house). Nothing imports it but ``archive.__main__``.
Library errors (``archive.errors.ArchiveError``) are caught once, where the group runs its command (so in
``main``, and in tests that invoke ``cli``): the user reads ``Error: <message>`` on stderr and the command
exits with the error's code. A command converts an error itself only to say something more.
"""

from __future__ import annotations

import errno
import functools
import importlib
from pathlib import Path
from typing import Any

import click

from archive import __version__
from archive.cli.common import Context
from archive.errors import ArchiveError, UsageError

# name -> (module, attribute, the first paragraph of its help, shown by ``archive --help`` without importing
# the module; tests/test_cli_startup.py checks that it matches the command's own help).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "attach": ("archive.cli.attach", "attach_command",
               "Attach files to a record: leaflet scans, photographs, recordings, documents, transcripts."),
    "backup": ("archive.cli.trust", "backup_command",
               "Make a consistent copy of the store while writes may be running."),
    "build": ("archive.cli.build", "build_command",
              "Publish the public records as a static site: pages, feed, sitemap and browser search."),
    "clean": ("archive.cli.clean", "clean_group", "Clean up what earlier ingests left behind."),
    "continuity": ("archive.cli.continuity", "continuity_command",
                   "Earlier struggles like this one, from earlier waves, with why and the lessons drawn from them."),
    "db": ("archive.cli.db", "db_group", "Manage the database schema (Alembic migrations)."),
    "delete": ("archive.cli.delete", "delete_command",
               "Delete records for good, with their revisions, links and source bytes."),
    "demands": ("archive.cli.crosswave", "demands_command",
                "Each demand across struggles and waves, with its record of outcomes (won, partly won, lost, "
                "pending)."),
    "detach": ("archive.cli.attach", "detach_command",
               "Remove attachments from a record by file name; kept files nothing else uses are deleted."),
    "demo": ("archive.cli.demo", "demo_command",
             "Build an example archive in PATH from real public records shipped with the package, index it and "
             "publish its site."),
    "export": ("archive.cli.trust", "export_command",
               "Export every record, revision and source as a BagIt bag another group can import."),
    "import": ("archive.cli.trust", "import_command",
               "Import a bag made by 'archive export --bagit' into this archive."),
    "ingest": ("archive.cli.ingest", "ingest_command", "Ingest records from files and folders (recursively)."),
    "init": ("archive.cli.init", "init_command", "Create an archive in PATH (default: the current folder)."),
    "lessons": ("archive.cli.crosswave", "lessons_command",
                "Limits and lessons from every balance sheet, across all waves, by category."),
    "lineage": ("archive.cli.crosswave", "lineage_command",
                "What an organization (or organizational form) came from and what it led to, across waves."),
    "reindex": ("archive.cli.index", "reindex_command", "Rebuild the search index from the store."),
    "search": ("archive.cli.search", "search_command", "Search the archive with Whoosh's query language."),
    "serve": ("archive.cli.serve", "serve_command",
              "Preview the built site at http://127.0.0.1:PORT/ (this machine only). Stop with Ctrl-C."),
    "show": ("archive.cli.show", "show_command",
             "Show one record with its fields, tags and links. SLUG may be written TYPE/SLUG."),
    "stats": ("archive.cli.show", "stats_command",
              "Counts per type and visibility, stubs to describe by type, and embargoes ending within 30 days."),
    "verify": ("archive.cli.index", "verify_command",
               "Check that the search index agrees with the store and every content hash still matches; exit 1 "
               "if not."),
    "waves": ("archive.cli.waves", "waves_group", "Work with waves: peaks of activity bounded in time."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported by name when they are used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return self.commands.get(cmd_name)
        module, attribute, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), attribute)
        self.add_command(command, cmd_name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an error meant for the user ends it with its message and exit code."""
        try:
            return super().invoke(ctx)
        except ArchiveError as exc:
            raise _as_click_error(exc) from None
        except OSError as exc:
            # A file the library did not expect to fail (a disk gone, a permission taken away) still gets a
            # message, not a traceback. A closed pipe (archive search | head) is Click's to handle.
            if exc.errno == errno.EPIPE:
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Click's listing, from the summaries above instead of the imported commands."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in self.commands:
                rows.append((name, self.commands[name].get_short_help_str(limit)))
            else:
                # A stand-in command shortens the summary as Click shortens a command's own help.
                rows.append((name, click.Command(name, help=COMMANDS[name][2]).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--archive", "archive_path", type=click.Path(file_okay=False, path_type=Path),
              help="The archive folder. Default: $ARCHIVE_DIR, else the nearest folder above with archive.toml.")
@click.option("--db", "db_url", metavar="URL",
              help="Database URL, overriding archive.toml (e.g. postgresql+psycopg://user@host/db).")
@click.version_option(__version__, prog_name="archive")
@click.pass_context
def cli(ctx: click.Context, archive_path: Path | None, db_url: str | None) -> None:
    """Living Archive: keep the memory of social movements and publish it as a static site.

    \b
    Example:
      archive init my-archive && cd my-archive
      archive ingest ~/accounts/
      archive stats
    """
    ctx.obj = Context(archive_path, db_url)


@functools.cache
def _click_error_class(exit_code: int) -> type[click.ClickException]:
    """Click's exception that exits with ``exit_code`` (Click reads the code from the class)."""
    return type(f"ArchiveErrorExit{exit_code}", (click.ClickException,), {"exit_code": exit_code})


def _as_click_error(exc: ArchiveError) -> click.ClickException:
    """An ``ArchiveError`` as Click shows it: ``Error: <message>`` on stderr, then exit with its code."""
    message = str(exc)
    if isinstance(exc, UsageError) and exc.param_hint:  # worded as Click words its own option errors
        message = f"Invalid value for '{exc.param_hint}': {message}"
    return _click_error_class(exc.exit_code)(message)


def main() -> None:
    cli(prog_name="archive")
