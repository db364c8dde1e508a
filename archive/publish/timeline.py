"""The waves on a timeline, drawn as SVG at build time: no script, prints well, works offline.

Bars count the struggles and accounts dated in each year; each wave is a shaded band, so the calm between
waves is the unshaded stretch. Colours come from CSS classes (presentation only), not inline styles,
which the Content Security Policy forbids.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from markupsafe import Markup, escape

from archive.continuity.waves import WaveSpan, wave_span
from archive.dates import sort_key
from archive.publish.i18n import gettext
from archive.publish.model import Item
from archive.publish.paths import item_path

WIDTH, PLOT_HEIGHT, MARGIN, AXIS = 800, 130, 24, 24
FONT = 13  # viewBox units; the figure never draws narrower than MIN_WIDTH px, so a label is at least 11 px
MIN_WIDTH = 720
CHAR = 0.56 * FONT  # the width of an average character, to keep labels apart
LANE = FONT + 5


def item_wave_span(wave: Item) -> WaveSpan:
    """A published wave's span: its own dates, or, when it has none, those of its public struggles."""
    return wave_span(wave.fields.get("start"), wave.fields.get("end"),
                     [(s.fields.get("start"), s.fields.get("end")) for s in wave.linking("waves", "struggle")])


def wave_spans(waves: list[Item]) -> dict[str, WaveSpan]:
    return {wave.slug: item_wave_span(wave) for wave in waves}


def _year(date: str | None) -> int | None:
    return sort_key(date)[0] if date else None


def year_axis(x: Callable[[float], float], left: float, right: float, y: float, first: int, last: int,
              label_y: float) -> str:
    """A horizontal axis from ``left`` to ``right`` at ``y``, with year ticks far enough apart to read."""
    room = (right - left) / max(1, (last - first + 1))  # units per year
    step = max(1, round(5 * CHAR / room))  # a four-digit year and a gap between ticks
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000, step) if s >= step)
    start = first if step == 1 else first + (-first % step)
    ticks = "".join(f'<text class="tick" x="{x(year + 0.5):.1f}" y="{label_y}" text-anchor="middle">{year}</text>'
                    for year in range(start, last + 1, step))
    return f'<line class="axis" x1="{left}" y1="{y}" x2="{right}" y2="{y}"/>{ticks}'


def label_lanes(labels: list[tuple[float, float]]) -> list[int]:
    """The lane of each label, given as (left, width) in drawing order: the first lane where it overlaps
    no label already there, so that no two labels collide however close the waves are."""
    lanes: list[float] = []  # the right end of the last label in each lane
    out = []
    for left, width in labels:
        lane = next((n for n, right in enumerate(lanes) if left >= right + CHAR), len(lanes))
        if lane == len(lanes):
            lanes.append(0.0)
        lanes[lane] = left + width
        out.append(lane)
    return out


def timeline_svg(waves: list[Item], dated: list[Item], root: str, last_year: int | None = None) -> Markup:
    """An SVG timeline of ``waves`` over a histogram of ``dated`` records per year.

    Wave labels sit in lanes above the plot (``label_lanes``), each one's band below it; the figure's CSS
    keeps the drawing at least ``MIN_WIDTH`` px wide (scrolling sideways on a phone), so a label is never
    under 11 px. The SVG is a group of links, not an image: a link inside ``role="img"`` is hidden from
    assistive technology (axe ``nested-interactive``)."""
    counts = Counter(y for y in (_year(i.date) for i in dated) if y is not None)
    spans = []
    for wave in waves:
        span = item_wave_span(wave)
        start = _year(span.start)
        if start is None:
            continue
        spans.append((wave, start, _year(span.end)))
    years = list(counts) + [s for _, s, _ in spans] + [e for _, _, e in spans if e is not None]
    if not years:
        return Markup("")
    first = min(years)
    # An open wave runs to the newest dated record; ``last_year`` comes from the data, never the clock.
    last = max(years + ([last_year] if last_year else []))
    span_years = max(1, last - first + 1)
    plot = WIDTH - 2 * MARGIN

    def x(year: float) -> float:
        return MARGIN + (year - first) / span_years * plot

    ordered = sorted(spans, key=lambda s: (s[1], s[0].slug))
    placed = []
    for wave, start, end in ordered:
        left, right = x(start), x((end if end is not None else last) + 1)
        width = len(wave.title) * CHAR
        label_left = min(max(left, 2.0), WIDTH - 2 - width)  # kept inside the drawing
        placed.append((wave, left, right, label_left, width))
    lanes = label_lanes([(p[3], p[4]) for p in placed])
    top = 8 + (max(lanes, default=-1) + 1) * LANE + 6
    bottom = top + PLOT_HEIGHT
    height = bottom + AXIS
    title = escape(gettext("Waves of activity, %(first)s to %(last)s: shaded bands are waves, the rest is calm; "
                           "bars count the struggles and accounts of each year") % {"first": first, "last": last})
    parts = [f'<svg class="timeline" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
             f'role="group" aria-labelledby="timeline-title" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="timeline-title">{title}</title>']
    for (wave, left, right, label_left, _), lane in zip(placed, lanes, strict=True):
        href = escape(root + item_path(wave))
        label_y = 8 + lane * LANE + FONT
        # Every band starts below the lanes; a leader joins each label to its band.
        parts.append(
            f'<a href="{href}" aria-label="{escape(wave.title)}"><rect class="wave-band" x="{left:.1f}" '
            f'y="{top - 4}" width="{max(right - left, 2):.1f}" height="{bottom - top + 4}"/>'
            f'<line class="wave-leader" x1="{left + 0.5:.1f}" y1="{label_y + 3}" x2="{left + 0.5:.1f}" '
            f'y2="{top - 4}"/><text class="wave-label" x="{label_left:.1f}" y="{label_y}">{escape(wave.title)}'
            '</text></a>')
    peak = max(counts.values(), default=1)
    bar = plot / span_years
    for year, count in sorted(counts.items()):
        h = (bottom - top) * count / peak
        parts.append(f'<rect class="bar" x="{x(year):.1f}" y="{bottom - h:.1f}" width="{max(bar - 1, 1):.1f}" '
                     f'height="{h:.1f}"><title>{year}: {count}</title></rect>')
    parts.append(year_axis(x, MARGIN, WIDTH - MARGIN, bottom, first, last, bottom + AXIS - 6))
    parts.append("</svg>")
    return Markup("".join(parts))
