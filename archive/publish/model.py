"""Gather phase: read the public projection of the store into plain objects.

Nothing here writes. Only records passing ``public_clause`` are read, and a link is kept only when both
ends are public, so a page built from these objects cannot name a restricted record. A stub is kept only
while a public record still names it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, true

from archive.dates import sort_key
from archive.models import Link, Record, RecordTag, Tag
from archive.public import public_clause
from archive.redaction import Redactor, load_redactions

records_t = Record.__table__

# Columns published per type; consent details and extra fields stay in the archive.
PUBLISHED_COLUMNS: dict[str, tuple[str, ...]] = {
    "account": ("kind", "date", "recorded", "narrator", "source"),
    "struggle": ("start", "end", "outcome", "demands"),
    "wave": ("start", "end"),
    "balance_sheet": ("author", "position", "date", "won", "lost", "limits", "lessons"),
    "organization": ("founded", "dissolved"),
    "form": (),
    "force": ("determinants",),
    "place": ("lat", "lon"),
    "articulation": ("kind", "start", "end"),
}


@dataclass(eq=False)
class Item:
    """One public record with its public neighbours."""

    id: int
    type: str
    slug: str
    title: str
    body: str
    language: str | None
    is_stub: bool
    fields: dict[str, Any]
    tags: list[str] = field(default_factory=list)
    # Not in repr: the links form a graph, and printing one item would print the whole archive.
    out: dict[str, list[Item]] = field(default_factory=lambda: defaultdict(list), repr=False)
    inbound: dict[str, list[Item]] = field(default_factory=lambda: defaultdict(list), repr=False)
    # (relation, target id) -> date, for the links that carry one (lineage)
    link_dates: dict[tuple[str, int], str] = field(default_factory=dict)
    # Public now, but only once its embargo passed: its name stays out of other records' search text,
    # as in ``archive search`` (see archive.analysis.LINEAGE_RELATIONS).
    embargoed: bool = False

    @property
    def key(self) -> str:
        return f"{self.type}/{self.slug}"

    @property
    def date(self) -> str | None:
        """The date that places the record in time, if it has one."""
        for name in ("date", "start", "founded", "recorded"):
            value = self.fields.get(name)
            if value:
                return value
        return None

    def linked(self, relation: str, record_type: str | None = None) -> list[Item]:
        return [i for i in self.out.get(relation, []) if record_type is None or i.type == record_type]

    def linking(self, relation: str, record_type: str | None = None) -> list[Item]:
        return [i for i in self.inbound.get(relation, []) if record_type is None or i.type == record_type]

    def joined(self, relation: str, inverse: str, record_type: str) -> list[Item]:
        """Records of ``record_type`` this one names under ``relation`` or that name it under ``inverse``,
        once each: a struggle's organizations may be given on either side."""
        found = {i.id: i for i in self.linked(relation, record_type) + self.linking(inverse, record_type)}
        return list(found.values())

    def link_date(self, relation: str, target: Item) -> str | None:
        """The date of this record's ``relation`` link to ``target``, if it has one."""
        return self.link_dates.get((relation, target.id))


@dataclass
class SiteData:
    """Everything the write phase may publish."""

    items: dict[str, dict[str, Item]]  # type -> slug -> item, slugs sorted
    tags: dict[str, list[Item]]  # tag name -> items, in time order

    def of_type(self, record_type: str) -> list[Item]:
        return list(self.items.get(record_type, {}).values())

    def count(self) -> int:
        return sum(len(v) for v in self.items.values())


def time_key(item: Item) -> tuple[Any, ...]:
    """Order by date (undated last), then title and slug, so that every list is deterministic."""
    date = item.date
    return (date is None, sort_key(date) if date else (0, 0, 0), item.title.casefold(), item.slug)


def gather(engine: Engine, today: dt.date | None = None, redactions: dict[str, str] | None = None, *,
           everything: bool = False) -> SiteData:
    """Read every public record, its tags and its links to other public records.

    Names in ``redactions`` (the archive's ``redactions.yaml``) and in each record's own ``redactions``
    field are replaced by their pseudonyms here, before anything else sees the text, slugs included.

    ``everything=True`` is the archivist's view for the command line: every record, unredacted. Never
    publish it."""
    redactor = Redactor(dict(redactions or {}))
    columns = [records_t.c[name] for name in
               ("id", "type", "slug", "title", "body", "language", "is_stub", "extra", "embargo_until")]
    extra = sorted({name for names in PUBLISHED_COLUMNS.values() for name in names})
    columns += [records_t.c[name] for name in extra]
    by_id: dict[int, Item] = {}
    with engine.connect() as conn:
        for row in conn.execute(select(*columns).where(true() if everything else public_clause(today))):
            values = row._mapping
            wanted = PUBLISHED_COLUMNS[values["type"]]
            own = (values["extra"] or {}).get("redactions") if isinstance(values["extra"], dict) else None
            if everything:
                own = None
            red = redactor.with_record(own if isinstance(own, dict) else {})
            by_id[values["id"]] = Item(
                id=values["id"], type=values["type"], slug=red.slug(values["slug"]),
                title=red.text(values["title"] or values["slug"]) or "", body=red.text(values["body"]) or "",
                language=values["language"], is_stub=bool(values["is_stub"]),
                fields={n: red.value(values[n]) for n in wanted if values[n] not in (None, "", [])},
                embargoed=values["embargo_until"] is not None,
            )
        links = conn.execute(
            select(Link.source_id, Link.relation, Link.target_id, Link.date)
            .order_by(Link.source_id, Link.position, Link.id)
        ).all()
        tag_rows = conn.execute(
            select(RecordTag.record_id, Tag.name).join(Tag, Tag.id == RecordTag.tag_id)
            .order_by(RecordTag.record_id, RecordTag.position, Tag.name)
        ).all()
    public_links = [(s, r, t) for s, r, t, _ in links if s in by_id and t in by_id]
    for source, relation, target, date in links:
        if date and source in by_id and target in by_id:
            by_id[source].link_dates[(relation, target)] = date
    named = {t for s, _, t in public_links if not by_id[s].is_stub}
    for item_id in [i for i, item in by_id.items() if item.is_stub and i not in named]:
        del by_id[item_id]
    for source, relation, target in public_links:
        if source in by_id and target in by_id:
            by_id[source].out[relation].append(by_id[target])
            by_id[target].inbound[relation].append(by_id[source])
    for item in by_id.values():
        for relation in item.inbound:
            item.inbound[relation].sort(key=time_key)
    tags: dict[str, list[Item]] = defaultdict(list)
    for record_id, name in tag_rows:
        if record_id in by_id:
            name = redactor.text(name) or name
            by_id[record_id].tags.append(name)
            tags[name].append(by_id[record_id])
    _unique_slugs(by_id)
    items: dict[str, dict[str, Item]] = defaultdict(dict)
    for item in sorted(by_id.values(), key=lambda i: (i.type, i.slug)):
        items[item.type][item.slug] = item
    return SiteData(
        items=dict(items),
        tags={name: sorted(members, key=time_key) for name, members in sorted(tags.items())},
    )


def gather_published(engine: Engine, archive_root: Path, today: dt.date | None = None) -> SiteData:
    """What the site publishes: the public records, with the archive's ``redactions.yaml`` applied.
    Raises ``RedactionError`` for a bad redactions file."""
    return gather(engine, today, load_redactions(archive_root))


def _unique_slugs(by_id: dict[int, Item]) -> None:
    """Redaction can make two slugs equal; number the later ones (by id, so the result is stable)."""
    taken: set[tuple[str, str]] = set()
    for item in sorted(by_id.values(), key=lambda i: i.id):
        slug, number = item.slug, 2
        while (item.type, slug) in taken:
            slug, number = f"{item.slug}-{number}", number + 1
        item.slug = slug
        taken.add((item.type, slug))
