"""The one base of every error the archive reports to its user.

An ``ArchiveError`` carries the message the user reads and the exit code the command ends with. The
command line catches it once, in ``archive.cli`` (the group's ``invoke``, which ``main`` runs), and prints
``Error: <message>``: no command ends in a traceback on bad input or a bad path. Each room's errors
subclass it (many also subclass ``ValueError`` or ``LookupError``, which callers have long caught).

Exit codes: 1 for a failure (bad data, a file that cannot be read or written, a record not found), 2 for
a usage error (an option or a query the command cannot take as given). ``archive ingest`` also ends with
3 when ``--skip-invalid`` refused some records; that is a report, not an error.
"""

from __future__ import annotations

EXIT_FAILURE = 1
EXIT_USAGE = 2


class ArchiveError(Exception):
    """An error with a message meant for the user; ``exit_code`` is what the command exits with."""

    exit_code: int = EXIT_FAILURE

    def __init__(self, *args: object, exit_code: int | None = None) -> None:
        super().__init__(*args)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(ArchiveError):
    """The command was asked for something it cannot do as asked (a bad option value, a bad query).

    ``param_hint`` names the option at fault (``--wave``), when one is: the command line then says
    "Invalid value for '--wave': ..." as it does for the options it checks itself."""

    exit_code = EXIT_USAGE
    param_hint: str | None = None
