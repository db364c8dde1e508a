"""What the commands share: finding the archive and opening the store (with a message when it cannot be)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive.errors import ArchiveError
from archive.store.config import Archive, find_archive

if TYPE_CHECKING:  # imported by the commands that open the store, not by ``archive --help``
    from sqlalchemy import Engine


@dataclass
class Context:
    archive_path: Path | None
    db_url: str | None
    _archive: Archive | None = None

    def archive(self) -> Archive:
        if self._archive is None:
            self._archive = find_archive(self.archive_path)
        return self._archive

    def engine(self, *, writer: bool = False, check_schema: bool = True) -> Engine:
        from sqlalchemy.exc import OperationalError

        from archive.store.db import make_engine
        from archive.store.migrate import ensure_current

        archive = self.archive()
        url = archive.db_url(self.db_url)
        try:
            engine = make_engine(url, writer=writer)
            click_context = click.get_current_context(silent=True)
            if click_context is not None:  # close pooled connections when the command ends
                click_context.find_root().call_on_close(engine.dispose)
            if check_schema:
                ensure_current(engine)
        except ArchiveError:  # the schema is out of date: its message says what to run
            raise
        except OperationalError as exc:
            raise click.ClickException(f"cannot open the database {_safe_url(url)}: {exc.orig}") from None
        except Exception as exc:  # a bad URL or a missing driver
            raise click.ClickException(f"cannot open the database {_safe_url(url)}: {exc}") from None
        return engine


def _safe_url(url: str) -> str:
    """Hide a password in a database URL before it is printed."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unreadable URL)"


pass_context = click.make_pass_decorator(Context)
