"""Load the archive's graph: every record (the archivist's view) or the public, redacted projection.

Nothing here writes. In the public view only records passing ``rule.projection_clause`` are read, a link
is kept only when both ends are public, and every name in ``redactions.yaml`` and in a record's own
``redactions`` field is replaced by its pseudonym before anything else sees the text: title, body,
published fields, tags and slug. A stub has no ``redactions`` of its own; its title and slug are redacted
with the lists of the public records that name it (the record whose reference created it may be one of
them), so a name a record withholds does not live on in the stub its reference made.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Select, String, cast, func, select, true

from archive.dates import sort_key
from archive.ingest.redaction import Redactor, load_redactions
from archive.public.rule import REASONS, attachment_is_public, projection_clause, public_clause, reason_left_out
from archive.store.models import Attachment, Link, Record, RecordTag, Tag

records_t = Record.__table__
attachments_t = Attachment.__table__

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


@dataclass(frozen=True)
class AttachedFile:
    """An attachment as the projection gives it: redacted words, no original name.

    ``sha256`` names the original in the archive's ``files/`` folder, for the publisher to clean; it is
    never shown. The original file name is not carried: it may name a person."""

    number: int  # 1, 2, ... in the record's order
    sha256: str
    kind: str
    mime: str
    size: int
    width: int | None
    height: int | None
    pages: int | None
    seconds: float | None
    caption: str
    credit: str
    licence: str
    language: str | None
    text: str


@dataclass(eq=False)
class Item:
    """One record with its neighbours in the same view."""

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
    # The attached files published with the record (only those ``rule.attachment_is_public`` lets through)
    attachments: list[AttachedFile] = field(default_factory=list)
    # Public now, but only once its embargo passed: its name stays out of other records' search text,
    # as in ``archive search`` (see archive.search.analysis.LINEAGE_RELATIONS).
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

    def attachment_words(self) -> list[str]:
        """What search reads from the attachments: caption, then the file's words (as the private index does)."""
        return ["\n".join(part for part in (f.caption, f.text) if part) for f in self.attachments]

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
class Graph:
    """The records of one view and their links: everything the site or a ``--public`` command may show."""

    items: dict[str, dict[str, Item]]  # type -> slug -> item, slugs sorted
    tags: dict[str, list[Item]]  # tag name -> items, in time order
    # Why the other records were left out: reason (see ``rule.REASONS``) -> count. Empty for everything.
    left_out: dict[str, int] = field(default_factory=dict)
    public: bool = True
    # id -> slug before redaction made it unique (see ``_unique_slugs``): what a partial load numbers from
    bases: dict[int, str] = field(default_factory=dict)

    def of_type(self, record_type: str) -> list[Item]:
        return list(self.items.get(record_type, {}).values())

    def count(self) -> int:
        return sum(len(v) for v in self.items.values())

    def by_id(self) -> dict[int, Item]:
        return {item.id: item for items in self.items.values() for item in items.values()}


def names_in_search_text(item: Item, relations: Sequence[str]) -> list[str]:
    """The titles of the records ``item`` links to under ``relations`` (in that order, then link order),
    as another record's search text may hold them: never a record that was ever under embargo, since a
    search document is not rebuilt on the day an embargo passes."""
    return [target.title for relation in relations for target in item.linked(relation) if not target.embargoed]


def time_key(item: Item) -> tuple[Any, ...]:
    """Order by date (undated last), then title and slug, so that every list is deterministic."""
    date = item.date
    return (date is None, sort_key(date) if date else (0, 0, 0), item.title.casefold(), item.slug)


def load(engine: Engine, archive_root: Path | None = None, today: dt.date | None = None, *,
         everything: bool = False, redactions: Mapping[str, str] | None = None,
         ids: Collection[int] | None = None, other_slugs: Mapping[int, tuple[str, str]] | None = None) -> Graph:
    """The one entry point: the public, redacted projection as of ``today`` (default), or with
    ``everything=True`` the archivist's view of every record, unredacted (never publish it).

    The public view's names come from ``redactions`` when given, else from ``ARCHIVE/redactions.yaml``
    under ``archive_root``, plus each record's own list. Raises ``RedactionError`` for a bad file.

    ``ids`` loads part of the projection: the records of ``ids`` that are in it, each exactly as the whole
    projection holds it (title, body, fields, tags, slug, its links to public records), with the records it
    links to and, for a linked struggle, that struggle's waves; those others carry only the links among
    the loaded records, and ``left_out`` is not counted. Slugs made equal by redaction are numbered over
    the whole projection: ``other_slugs`` gives (type, slug before numbering: ``Graph.bases``) of the
    projection's other records, as an earlier whole load gave them."""
    if everything:
        return _load(engine, today, None, ids, other_slugs)
    if redactions is None:
        redactions = load_redactions(archive_root) if archive_root is not None else {}
    return _load(engine, today, Redactor(dict(redactions)), ids, other_slugs)


def left_out(conn: Connection, today: dt.date | None = None) -> dict[str, int]:
    """How many records the public projection leaves out, by reason, in ``rule.REASONS`` order."""
    reason = reason_left_out(today).label("reason")
    counts = dict(conn.execute(select(reason, func.count()).group_by(reason)).all())
    return {name: counts[name] for name in REASONS if counts.get(name)}


def _own_redactions(extra: Any) -> dict[str, str]:
    own = extra.get("redactions") if isinstance(extra, dict) else None
    return own if isinstance(own, dict) else {}


def _load(engine: Engine, today: dt.date | None, redactor: Redactor | None,
          ids: Collection[int] | None = None, other_slugs: Mapping[int, tuple[str, str]] | None = None) -> Graph:
    public = redactor is not None
    columns = [records_t.c[name] for name in
               ("id", "type", "slug", "title", "body", "language", "is_stub", "extra", "embargo_until")]
    extra = sorted({name for names in PUBLISHED_COLUMNS.values() for name in names})
    columns += [records_t.c[name] for name in extra]
    by_id: dict[int, Item] = {}
    raw: dict[int, tuple[str, str]] = {}  # stub id -> (slug, title) before redaction
    redactors: dict[int, Redactor] = {}
    own: dict[int, dict[str, str]] = {}
    plain = Redactor()  # the archivist's view changes nothing
    namers: dict[int, dict[str, str]] | None = None  # a partial load's stub namers, read apart
    wanted: set[int] = set()  # a partial load's records: ``ids`` and what they need
    with engine.connect() as conn:
        rows: Iterable[Any]
        links: Sequence[Any]
        tag_rows: Sequence[Any]
        if ids is None:
            rows = conn.execute(select(*columns).where(projection_clause(today) if public else true()))
            links = conn.execute(
                select(Link.source_id, Link.relation, Link.target_id, Link.date)
                .order_by(Link.source_id, Link.position, Link.id)
            ).all()
            tag_rows = conn.execute(
                select(RecordTag.record_id, Tag.name).join(Tag, Tag.id == RecordTag.tag_id)
                .order_by(RecordTag.record_id, RecordTag.position, Tag.name)
            ).all()
        else:
            wanted, links = _neighbourhood(conn, set(ids))
            rows = _by_ids(conn, select(*columns).where(projection_clause(today) if public else true()),
                           records_t.c.id, wanted)
            positioned = sorted(_by_ids(conn, select(RecordTag.record_id, Tag.name, RecordTag.position)
                                        .join(Tag, Tag.id == RecordTag.tag_id), RecordTag.record_id, set(ids)),
                                key=lambda r: (r[0], r[2], r[1]))
            tag_rows = [(record_id, name) for record_id, name, _ in positioned]
        for row in rows:
            values = row._mapping
            wanted_columns = PUBLISHED_COLUMNS[values["type"]]
            red = plain
            if redactor is not None:
                own[values["id"]] = _own_redactions(values["extra"])
                red = redactor.with_record(own[values["id"]])
                redactors[values["id"]] = red
            if values["is_stub"]:
                raw[values["id"]] = (values["slug"], values["title"] or values["slug"])
            by_id[values["id"]] = Item(
                id=values["id"], type=values["type"], slug=red.slug(values["slug"]),
                title=red.text(values["title"] or values["slug"]) or "", body=red.text(values["body"]) or "",
                language=values["language"], is_stub=bool(values["is_stub"]),
                fields={n: red.value(values[n]) for n in wanted_columns if values[n] not in (None, "", [])},
                embargoed=values["embargo_until"] is not None,
            )
        if ids is not None and redactor is not None:
            namers = _stub_namers(conn, today, set(raw))
        reasons = left_out(conn, today) if public and ids is None else {}
        _attach_files(conn, by_id, redactors if public else None, None if ids is None else set(ids))
    kept = [(s, r, t, d) for s, r, t, d in links if s in by_id and t in by_id]
    if redactor is not None:
        _redact_stubs(by_id, raw, redactor, own, kept, namers)
    for source, relation, target, date in kept:
        by_id[source].out[relation].append(by_id[target])
        by_id[target].inbound[relation].append(by_id[source])
        if date:
            by_id[source].link_dates[(relation, target)] = date
    for item in by_id.values():
        for relation in item.inbound:
            item.inbound[relation].sort(key=time_key)
    tags: dict[str, list[Item]] = defaultdict(list)
    for record_id, name in tag_rows:
        if record_id in by_id:
            namer = redactors.get(record_id)
            name = (namer.text(name) if namer else name) or name
            by_id[record_id].tags.append(name)
            tags[name].append(by_id[record_id])
    bases = {item.id: item.slug for item in by_id.values()}
    others = {i: v for i, v in (other_slugs or {}).items() if i not in by_id and (ids is None or i not in wanted)}
    _unique_slugs(by_id, others)
    items: dict[str, dict[str, Item]] = defaultdict(dict)
    for item in sorted(by_id.values(), key=lambda i: (i.type, i.slug)):
        items[item.type][item.slug] = item
    return Graph(
        items=dict(items),
        tags={name: sorted(members, key=time_key) for name, members in sorted(tags.items())},
        left_out=reasons, public=public, bases=bases,
    )


def _attach_files(conn: Connection, by_id: dict[int, Item], redactors: dict[int, Redactor] | None,
                  ids: set[int] | None = None) -> None:
    """Give each described record its attachments: in the public view only those the rule publishes,
    with caption, credit and text redacted by the record's own lists. A partial load reads those of
    ``ids`` only (the records whose documents it makes)."""
    a = attachments_t.c
    query = select(attachments_t)
    found = conn.execute(query.order_by(a.record_id, a.position, a.id)).mappings().all() if ids is None else \
        sorted((row._mapping for row in _by_ids(conn, query, a.record_id, ids)),
               key=lambda m: (m["record_id"], m["position"], m["id"]))
    numbers: dict[int, int] = defaultdict(int)
    for row in found:
        item = by_id.get(row["record_id"])
        if item is None or item.is_stub:
            continue
        red = Redactor()
        if redactors is not None:
            if not attachment_is_public(row["visibility"], row["consent"]):
                continue
            red = redactors[item.id]
        numbers[item.id] += 1
        item.attachments.append(AttachedFile(
            number=numbers[item.id], sha256=row["sha256"], kind=row["kind"], mime=row["mime"], size=row["size"],
            width=row["width"], height=row["height"], pages=row["pages"], seconds=row["seconds"],
            caption=red.text(row["caption"]) or "", credit=red.text(row["credit"]) or "",
            licence=row["licence"] or "", language=row["language"], text=red.text(row["text"]) or ""))


IN_CHUNK = 900  # ids per IN (...) list: under every database's limit on bound parameters


def _by_ids(conn: Connection, query: Select, column: Any, ids: Collection[int]) -> list[Any]:
    """The rows of ``query`` whose ``column`` is one of ``ids``, read in chunks."""
    wanted, rows = sorted(ids), []  # type: list[int], list[Any]
    for start in range(0, len(wanted), IN_CHUNK):
        rows.extend(conn.execute(query.where(column.in_(wanted[start:start + IN_CHUNK]))).all())
    return rows


def _neighbourhood(conn: Connection, ids: set[int]) -> tuple[set[int], list[Any]]:
    """What the records of ``ids`` need to be loaded as the whole projection holds them: the records they
    link to and, for those, their waves (a record about a struggle is also in that struggle's waves); and
    the links among them, in the whole load's order."""
    link_columns = select(Link.source_id, Link.relation, Link.target_id, Link.date, Link.position, Link.id)
    out = _by_ids(conn, link_columns, Link.source_id, ids)
    targets = {row[2] for row in out} - ids
    waves = [row for row in _by_ids(conn, link_columns, Link.source_id, targets) if row[1] == "waves"]
    links = sorted(out + waves, key=lambda row: (row[0], row[4], row[5]))
    wanted = ids | targets | {row[2] for row in waves}
    return wanted, [(s, r, t, d) for s, r, t, d, _, _ in links]


def _stub_namers(conn: Connection, today: dt.date | None, stubs: set[int]) -> dict[int, dict[str, str]]:
    """For a partial load: each stub's names withheld by the public described records naming it, merged in
    the whole load's link order (see ``_redact_stubs``)."""
    if not stubs:
        return {}
    namer = records_t.alias("namer")
    query = (select(Link.target_id, namer.c.extra, Link.source_id, Link.position, Link.id)
             .join(namer, namer.c.id == Link.source_id)
             .where(namer.c.is_stub.is_(False), public_clause(today, namer),
                    # Only a namer with its own redactions matters: a popular stub has thousands of namers.
                    cast(namer.c.extra, String).like('%"redactions"%')))
    rows = sorted(_by_ids(conn, query, Link.target_id, stubs), key=lambda row: (row[2], row[3], row[4]))
    namers: dict[int, dict[str, str]] = defaultdict(dict)
    for target, extra_value, *_ in rows:
        namers[target].update(_own_redactions(extra_value))
    return namers


def _redact_stubs(by_id: dict[int, Item], raw: dict[int, tuple[str, str]], redactor: Redactor,
                  own: dict[int, dict[str, str]], links: list[tuple[int, str, int, Any]],
                  namers: dict[int, dict[str, str]] | None = None) -> None:
    """A stub's title and slug, redacted with the lists of every public described record naming it
    (``namers``: those lists, already merged, when the load holds only part of the projection)."""
    if namers is None:
        namers = defaultdict(dict)
        for source, _, target, _ in links:
            if target in raw and not by_id[source].is_stub:
                namers[target].update(own.get(source, {}))
    for stub_id, (slug, title) in raw.items():
        red = redactor.with_record(namers.get(stub_id, {}))
        item = by_id[stub_id]
        item.slug, item.title = red.slug(slug), red.text(title) or ""


def _unique_slugs(by_id: dict[int, Item], others: Mapping[int, tuple[str, str]] | None = None) -> None:
    """Redaction can make two slugs equal; number the later ones (by id, so the result is stable).
    ``others``: id -> (type, slug before numbering) of the projection's records not loaded."""
    entries: list[tuple[int, str, str, Item | None]] = [(i.id, i.type, i.slug, i) for i in by_id.values()]
    entries += [(record_id, kind, base, None) for record_id, (kind, base) in (others or {}).items()]
    taken: set[tuple[str, str]] = set()
    for _, kind, base, item in sorted(entries, key=lambda entry: entry[0]):
        slug, number = base, 2
        while (kind, slug) in taken:
            slug, number = f"{base}-{number}", number + 1
        if item is not None:
            item.slug = slug
        taken.add((kind, slug))
