"""The store's typed models.

Every concept is a record in one ``records`` table (single-table inheritance): one slug namespace per
type, one place for visibility and embargo, and one query for the public projection. Type-specific
columns are nullable and belong to the subclass that uses them. Links between records (a struggle's
waves, an account's struggles, a place's parent, an articulation's two ends) live in ``links``.

The nine subclasses (``Account`` ... ``Articulation``) are kept on purpose: they declare each type's own
columns of that one table (so the migrations and ``archive db check`` see them), and they are what an ORM
load returns (``select(Record)`` gives a ``Wave`` for a wave: ``archive show`` reads its dates from it).
Batch reads and writes go through the tables themselves (``table_of``), one statement per batch.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from archive.ingest.record_rules import RECORD_TYPES, VISIBILITIES

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


Sha256 = Annotated[str, 64]
PartialDate = Annotated[str, 16]  # "1933", "1933-04" or "1933-04-01"; text keeps the precision.
Timestamp = Annotated[dt.datetime, "timestamp"]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        Sha256: String(64),
        PartialDate: String(16),
        Timestamp: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Record(Base):
    """The columns every record has, whatever its type."""

    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("type", "slug"),
        CheckConstraint(f"visibility IN {VISIBILITIES!r}", name="visibility"),
        CheckConstraint(f"type IN {RECORD_TYPES!r}", name="type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    slug: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16), default="public", index=True)
    embargo_until: Mapped[dt.date | None] = mapped_column(Date)
    language: Mapped[str | None] = mapped_column(String(16))
    # Consent applies to every type: withdrawn consent keeps the record out of public output.
    consent: Mapped[str | None] = mapped_column(String(32))
    consent_scope: Mapped[str | None] = mapped_column(Text)
    consent_date: Mapped[PartialDate | None] = mapped_column()
    # A stub is a record that something referred to before anyone described it.
    is_stub: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # SHA-256 of the canonical content (see archive.records.canonical_json).
    content_sha256: Mapped[Sha256] = mapped_column(default="")
    # SHA-256 of the bytes this record was ingested from; the bytes are in ``sources``.
    source_sha256: Mapped[Sha256 | None] = mapped_column(ForeignKey("sources.sha256"), index=True)
    # Where the record came from: "path" or "path:line"; used to recognise slugless records again.
    origin: Mapped[str | None] = mapped_column(Text, index=True)
    # Fields beyond the core, kept as given.
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[Timestamp] = mapped_column(default=_now, server_default=func.current_timestamp())
    updated_at: Mapped[Timestamp] = mapped_column(
        default=_now, onupdate=_now, server_default=func.current_timestamp()
    )

    links: Mapped[list[Link]] = relationship(
        foreign_keys="Link.source_id", cascade="all, delete-orphan", order_by="Link.position"
    )
    tags: Mapped[list[Tag]] = relationship(secondary="record_tags", order_by="Tag.name")
    revisions: Mapped[list[Revision]] = relationship(
        cascade="all, delete-orphan", order_by="Revision.number"
    )

    # Load every type's columns with the base query, so records work after their session closes.
    __mapper_args__ = {"polymorphic_on": "type", "with_polymorphic": "*"}

    def __repr__(self) -> str:
        return f"<{self.type} {self.slug}>"


class Account(Record):
    """A record of a struggle by someone who saw it or gathered it."""

    kind: Mapped[str | None] = mapped_column(String(64), use_existing_column=True)
    date: Mapped[PartialDate | None] = mapped_column(use_existing_column=True, index=True)
    recorded: Mapped[PartialDate | None] = mapped_column()
    narrator: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)

    __mapper_args__ = {"polymorphic_identity": "account"}


class Struggle(Record):
    """A concrete fight over a shared problem."""

    start: Mapped[PartialDate | None] = mapped_column(use_existing_column=True)
    end: Mapped[PartialDate | None] = mapped_column(use_existing_column=True)
    outcome: Mapped[str | None] = mapped_column(Text)
    demands: Mapped[list[str] | None] = mapped_column(JSON)

    __mapper_args__ = {"polymorphic_identity": "struggle"}


class Wave(Record):
    """A peak of activity, bounded in time; an open end means still going."""

    start: Mapped[PartialDate | None] = mapped_column(use_existing_column=True)
    end: Mapped[PartialDate | None] = mapped_column(use_existing_column=True)

    __mapper_args__ = {"polymorphic_identity": "wave"}


class BalanceSheet(Record):
    """An assessment of a struggle or a wave, from one author's position."""

    author: Mapped[str | None] = mapped_column(Text)
    # Where the author stands: rank and file, union officer, organizer, historian, ...
    position: Mapped[str | None] = mapped_column(Text)
    date: Mapped[PartialDate | None] = mapped_column(use_existing_column=True, index=True)
    won: Mapped[str | None] = mapped_column(Text)
    lost: Mapped[str | None] = mapped_column(Text)
    limits: Mapped[list[str] | None] = mapped_column(JSON)
    lessons: Mapped[list[str] | None] = mapped_column(JSON)

    __mapper_args__ = {"polymorphic_identity": "balance_sheet"}


class Organization(Record):
    """A concrete body; its form, places and struggles are links."""

    founded: Mapped[PartialDate | None] = mapped_column()
    dissolved: Mapped[PartialDate | None] = mapped_column()

    __mapper_args__ = {"polymorphic_identity": "organization"}


class Form(Record):
    """An organizational form: union, workers' council, tenant union, ..."""

    __mapper_args__ = {"polymorphic_identity": "form"}


class Force(Record):
    """A social force, described by its compositional determinants."""

    determinants: Mapped[list[str] | None] = mapped_column(JSON)

    __mapper_args__ = {"polymorphic_identity": "force"}


class Place(Record):
    """A place name, with an optional parent place (a link) and coordinates."""

    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)

    __mapper_args__ = {"polymorphic_identity": "place"}


class Articulation(Record):
    """A dated link between two struggles, forces or organizations (the ``between`` links)."""

    kind: Mapped[str | None] = mapped_column(String(64), use_existing_column=True)
    start: Mapped[PartialDate | None] = mapped_column(use_existing_column=True)
    end: Mapped[PartialDate | None] = mapped_column(use_existing_column=True)

    __mapper_args__ = {"polymorphic_identity": "articulation"}


class Link(Base):
    """A typed reference from one record to another, in the order the record gave it."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("source_id", "relation", "target_id"),
        Index("ix_links_target_relation", "target_id", "relation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    relation: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # When the relation began: a split, a merger, a succession (lineage links only).
    date: Mapped[PartialDate | None] = mapped_column()

    target: Mapped[Record] = relationship(foreign_keys=[target_id], lazy="joined")


class Tag(Base):
    """A free tag: a grievance or a theme."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class RecordTag(Base):
    __tablename__ = "record_tags"

    record_id: Mapped[int] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Revision(Base):
    """One version of a record's canonical content; the latest equals the record itself."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("record_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[Sha256] = mapped_column()
    source_sha256: Mapped[Sha256 | None] = mapped_column()
    origin: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Timestamp] = mapped_column(default=_now, server_default=func.current_timestamp())


class Source(Base):
    """The bytes a record was ingested from, addressed by their SHA-256."""

    __tablename__ = "sources"

    sha256: Mapped[Sha256] = mapped_column(primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)


class StoredFile(Base):
    """An attached file's original bytes, kept once by SHA-256 in the archive's ``files/`` folder."""

    __tablename__ = "files"

    sha256: Mapped[Sha256] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Timestamp] = mapped_column(default=_now, server_default=func.current_timestamp())


class Attachment(Base):
    """A file attached to a record, with its caption, credit, licence and its own visibility and consent.

    ``visibility`` None means the record's; an attachment is never published when its record is not.
    ``text`` is what search reads from it (a PDF's text layer, a transcript's cues, OCR of a scan)."""

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("record_id", "name"),
        CheckConstraint(f"visibility IS NULL OR visibility IN {VISIBILITIES!r}", name="visibility"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[Sha256] = mapped_column(ForeignKey("files.sha256"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    seconds: Mapped[float | None] = mapped_column(Float)
    caption: Mapped[str] = mapped_column(Text, default="")
    credit: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(16))
    visibility: Mapped[str | None] = mapped_column(String(16))
    consent: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[Timestamp] = mapped_column(default=_now, server_default=func.current_timestamp())


class FixityRun(Base):
    """One ``archive verify`` run. Each entry is chained to the previous by hash, so an edited or
    deleted entry is detected."""

    __tablename__ = "fixity_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_at: Mapped[Timestamp] = mapped_column(default=_now)
    # JSON: counts of records checked, changed, missing and untracked, and the problems found.
    summary: Mapped[str] = mapped_column(Text)
    # gzip'd JSON {"type/slug": content_sha256}: what the next run compares against to find missing records.
    manifest: Mapped[bytes] = mapped_column(LargeBinary)
    manifest_sha256: Mapped[Sha256] = mapped_column()
    previous_sha256: Mapped[Sha256] = mapped_column()
    entry_sha256: Mapped[Sha256] = mapped_column(unique=True)


def table_of(model: type[Base]) -> Table:
    """A model's table, typed as the ``Table`` it is: ``Model.__table__`` is typed as any ``FromClause``,
    which has no ``insert``, ``update`` or ``delete``. Queries go through the tables (Core), so that a batch
    is one statement; the ORM classes above declare the schema and are what ``select(Record)`` loads."""
    table = model.__table__
    if not isinstance(table, Table):  # a model mapped to a join or a select: none here
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table
