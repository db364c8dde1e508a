"""An account's organizations, forms and forces are links, like a struggle's: stored as links, shown by
``archive show``, and published on both pages (only where the linked record is public)."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from archive.cli import cli
from archive.publish import build
from archive.store.ingest import ingest
from tests.helpers import PUBLIC, get, links

ACCOUNT = """---
title: Night shift at the depot
organizations: [Casey Jones Drivers Association, secret-cell]
forms: [union]
forces: [Gig workers]
---
We switched the app off at midnight.
"""
OTHERS = """type: organization
slug: secret-cell
title: Secret cell
visibility: private
---
type: form
slug: union
title: Union
"""


def test_account_links_to_organizations_forms_and_forces(archive, engine, write):
    report = ingest(engine, [write("a.md", ACCOUNT), write("others.yaml", OTHERS)], defaults=PUBLIC)
    assert report.errors == []
    assert links(engine, "account", "night-shift-at-the-depot") == [
        ("forces", "force", "gig-workers"), ("forms", "form", "union"),
        ("organizations", "organization", "casey-jones-drivers-association"),
        ("organizations", "organization", "secret-cell")]
    assert get(engine, "account", "night-shift-at-the-depot").extra == {}  # no longer kept as extras
    assert get(engine, "organization", "casey-jones-drivers-association").is_stub
    assert (report.added, report.filled) == (1, 2)  # union and secret-cell: stubs of the account, then described

    shown = CliRunner().invoke(cli, ["--archive", str(archive.root), "show", "night-shift-at-the-depot"]).output
    assert "-> organizations: organization/casey-jones-drivers-association" in shown
    assert "-> forms: form/union  Union" in shown
    assert "-> forces: force/gig-workers" in shown
    assert "['" not in shown  # not a Python list

    build(archive, engine, today=dt.date(2026, 1, 1))
    page = (archive.public_dir / "accounts" / "night-shift-at-the-depot.html").read_text(encoding="utf-8")
    assert "Casey Jones Drivers Association" in page and "Gig workers" in page and "Union" in page
    assert "Secret cell" not in page and "secret-cell" not in page
    form_page = (archive.public_dir / "forms" / "union.html").read_text(encoding="utf-8")
    assert "Night shift at the depot" in form_page
