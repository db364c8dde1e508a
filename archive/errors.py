"""The one base of every error the archive reports to its user.

An ``ArchiveError`` carries the message the user reads and the exit code the command ends with. The
command line catches it once, in ``archive.cli.main``, and prints it: no command ends in a traceback on
bad input or a bad path. Each room's errors subclass it (many also subclass ``ValueError`` or
``LookupError``, which callers have long caught).
"""

from __future__ import annotations


class ArchiveError(Exception):
    """An error with a message meant for the user; ``exit_code`` is what the command exits with."""

    exit_code: int = 1

    def __init__(self, *args: object, exit_code: int | None = None) -> None:
        super().__init__(*args)
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return super().__str__()


class UsageError(ArchiveError):
    """The command was asked for something it cannot do as asked (a bad option value, a bad path)."""

    exit_code = 2
