"""consent on every record type: move consent kept as an extra field into its column

Before this revision only an account's consent went into the ``consent`` column; on a struggle,
organization, place or any other type it was kept as an extra field, and the record was published even
with ``consent: withdrawn``. The column exists on every row (one table for every type), so no column
changes: each such record's consent, consent_scope and consent_date move from ``extra`` to their columns,
its content hash is computed again and a revision records the move, so that ``archive verify`` finds the
record as it now is. A value the record format would refuse (``consent: yes``) is left where it was.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 07:40:00
"""

import hashlib
import json
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
_STATUSES = ("given", "withdrawn", "unknown")
_PARTIAL_DATE = re.compile(r"^-?\d{4}(-\d{2}(-\d{2})?)?$")

records = sa.table(
    "records", sa.column("id", sa.Integer), sa.column("type", sa.String), sa.column("extra", sa.JSON),
    sa.column("content_sha256", sa.String), sa.column("consent", sa.String),
    sa.column("consent_scope", sa.Text), sa.column("consent_date", sa.String),
)
revisions = sa.table(
    "revisions", sa.column("record_id", sa.Integer), sa.column("number", sa.Integer),
    sa.column("content", sa.Text), sa.column("content_sha256", sa.String), sa.column("source_sha256", sa.String),
    sa.column("origin", sa.Text),
)


def _moved(extra: dict) -> dict:
    """The consent fields of ``extra`` that the record format accepts, as stored in their columns."""
    out = {}
    status = extra.get("consent")
    if isinstance(status, str) and status.strip().lower() in _STATUSES:
        out["consent"] = status.strip().lower()
    scope = extra.get("consent_scope")
    if isinstance(scope, str) and scope.strip():
        out["consent_scope"] = scope.strip()
    date = extra.get("consent_date")
    if isinstance(date, str) and _PARTIAL_DATE.match(date.strip()):
        out["consent_date"] = date.strip()
    return out


def upgrade() -> None:
    conn = op.get_bind()
    last_id = 0
    while True:
        rows = conn.execute(
            sa.select(records.c.id, records.c.extra).where(records.c.id > last_id, records.c.type != "account")
            .order_by(records.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        last_id = rows[-1].id
        for row in rows:
            extra = row.extra if isinstance(row.extra, dict) else json.loads(row.extra or "{}")
            moved = _moved(extra)
            if moved:
                _move(conn, row.id, moved)


def _move(conn: sa.Connection, record_id: int, moved: dict) -> None:
    latest = conn.execute(
        sa.select(revisions.c.number, revisions.c.content, revisions.c.source_sha256)
        .where(revisions.c.record_id == record_id).order_by(revisions.c.number.desc()).limit(1)
    ).first()
    if latest is None:
        return
    content = json.loads(latest.content)
    extra = {k: v for k, v in (content.get("extra") or {}).items() if k not in moved}
    content = {**content, **moved, "extra": extra}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    conn.execute(records.update().where(records.c.id == record_id).values(
        extra=extra, content_sha256=sha, **moved))
    conn.execute(revisions.insert().values(
        record_id=record_id, number=latest.number + 1, content=text, content_sha256=sha,
        source_sha256=latest.source_sha256, origin="migration 0004: consent moved from extra fields to its column"))


def downgrade() -> None:
    # The earlier schema has the same columns; a record's consent stays where it is, and still keeps it
    # out of public output (the public rule reads the column on every row).
    pass
