"""The waves on a timeline, drawn as SVG at build time: no script, prints well, works offline.

Bars count the struggles and accounts dated in each year; each wave is a shaded band, so the calm between
waves is the unshaded stretch. Colours come from CSS classes (presentation only), not inline styles,
which the Content Security Policy forbids.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from markupsafe import Markup, escape

from archive.dates import sort_key
from archive.publish.model import Item
from archive.publish.paths import item_path
from archive.waves import WaveSpan, wave_span

WIDTH, HEIGHT, MARGIN, AXIS = 800, 180, 24, 22


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
    """A horizontal axis from ``left`` to ``right`` at ``y``, with about eight year ticks between first and last."""
    step = max(1, round((last - first + 1) / 8))
    ticks = "".join(f'<text class="tick" x="{x(year):.1f}" y="{label_y}">{year}</text>'
                    for year in range(first, last + 1, step))
    return f'<line class="axis" x1="{left}" y1="{y}" x2="{right}" y2="{y}"/>{ticks}'


def timeline_svg(waves: list[Item], dated: list[Item], root: str, last_year: int | None = None) -> Markup:
    """An SVG timeline of ``waves`` over a histogram of ``dated`` records per year."""
    counts = Counter(y for y in (_year(i.date) for i in dated) if y is not None)
    spans = []
    for wave in waves:
        span = item_wave_span(wave)
        start = _year(span.start)
        if start is None:
            continue
        end = _year(span.end)
        spans.append((wave, start, end))
    years = list(counts) + [s for _, s, _ in spans] + [e for _, _, e in spans if e is not None]
    if not years:
        return Markup("")
    first = min(years)
    # An open wave runs to the newest dated record; ``last_year`` comes from the data, never the clock.
    last = max(years + ([last_year] if last_year else []))
    span_years = max(1, last - first + 1)
    plot = WIDTH - 2 * MARGIN
    top, bottom = 28, HEIGHT - AXIS

    def x(year: float) -> float:
        return MARGIN + (year - first) / span_years * plot

    parts = [f'<svg class="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="timeline-title" xmlns="http://www.w3.org/2000/svg">',
             '<title id="timeline-title">Waves of activity, '
             f'{first} to {last}: shaded bands are waves, the rest is calm</title>']
    for index, (wave, start, end) in enumerate(sorted(spans, key=lambda s: (s[1], s[0].slug))):
        left, right = x(start), x((end if end is not None else last) + 1)
        label_y = 14 + (index % 2) * 12
        href = escape(root + item_path(wave))
        # A label in the right half hangs leftwards from the band's end, so it is not cut off.
        anchor = (f'x="{min(right, WIDTH - 2):.1f}" text-anchor="end"' if left > WIDTH / 2
                  else f'x="{left + 2:.1f}"')
        parts.append(
            f'<a href="{href}"><rect class="wave-band" x="{left:.1f}" y="{top - 4}" '
            f'width="{max(right - left, 2):.1f}" height="{bottom - top + 4}"><title>{escape(wave.title)}'
            f'</title></rect><text class="wave-label" {anchor} y="{label_y}">{escape(wave.title)}</text></a>'
        )
    peak = max(counts.values(), default=1)
    bar = plot / span_years
    for year, count in sorted(counts.items()):
        h = (bottom - top) * count / peak
        parts.append(f'<rect class="bar" x="{x(year):.1f}" y="{bottom - h:.1f}" width="{max(bar - 1, 1):.1f}" '
                     f'height="{h:.1f}"><title>{year}: {count}</title></rect>')
    parts.append(year_axis(x, MARGIN, WIDTH - MARGIN, bottom, first, last, HEIGHT - 6))
    parts.append("</svg>")
    return Markup("".join(parts))
