"""Dashboard charts, drawn on the server: no JavaScript, no CDN, printable, each next to its data table
(R-DASH-1, R-DASH-2). Why not a chart library: docs/dashboard-charts.md.

Text is HTML (or SVG text that is never scaled): an SVG with a ``viewBox`` shrinks its labels with the
box, so a 640-unit chart in a 380 px phone column printed 7 px labels. Here every coordinate is a
percentage of a box that keeps its CSS size, labels keep the page's font size, and only the marks
stretch.

What is drawn, and when:

- nothing to draw (no value at all) -> "No data yet.", never an empty pair of axes;
- every value 0 -> a sentence saying so, not bars of width 0 or an axis labelled "0 0 0 0";
- a trend with fewer than two periods -> no line (a single dot is no trend); the table shows the figure;
- otherwise the chart, with its title visible when it says more than the section heading, and the
  figures in its accessible name (``role="img"`` + ``aria-label``) for screen readers.

Each function returns a :class:`Chart` (safe HTML); ``chart.drawn`` tells the template whether a picture
was drawn, so it opens the data table when it was not.
"""

import math

from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#b35806", "#0e7c86", "#8c564b"]
DASHES = ["", "7 4", "2 3", "10 3 2 3"]
MAX_X_LABELS = 6


class Chart(SafeString):
    """Safe chart HTML that knows whether it holds a picture (``drawn``) or only a sentence."""

    drawn = False

    @classmethod
    def of(cls, html: str, *, drawn: bool) -> "Chart":
        chart = cls(html)
        chart.drawn = drawn
        return chart


def fmt(value, percent: bool = False) -> str:
    """A figure as the tables show it: ``66.7 %``, ``12.5``, ``3000``; ``–`` for no value."""
    if value is None:
        return "–"
    if percent:
        return f"{value * 100:.1f} %"
    return f"{value:.1f}".removesuffix(".0") if isinstance(value, float) else f"{value}"


def _message(title: str, text: str) -> Chart:
    return Chart.of(f'<p class="chart-empty"><span class="chart-title">{escape(title)}</span>: {escape(text)}</p>',
                    drawn=False)


def _no_data(title: str) -> Chart:
    return _message(title, _("No data yet."))


def _all_zero(title: str) -> Chart:
    return _message(title, _("every value is 0 in this selection; the table lists them."))


def _caption(title: str, show_title: bool) -> str:
    return f'<figcaption class="chart-title">{escape(title)}</figcaption>' if show_title else ""


def bar_chart(items, *, title: str, percent: bool = False, show_title: bool = True) -> Chart:
    """Horizontal bars, one per ``(label, value)`` or ``(label, value, detail)``; ``detail`` (for example
    "2 of 3") follows the value. Bars of ``None`` values are left out of the scale and show "–"."""
    rows = [(str(item[0]), item[1], str(item[2]) if len(item) > 2 and item[2] else "") for item in items]
    values = [v for _label, v, _d in rows if v is not None]
    if not values:
        return _no_data(title)
    if all(v == 0 for v in values):
        return _all_zero(title)
    top = max(max(values), 1.0) if percent else max(values)
    spoken = "; ".join(f"{label}: {fmt(v, percent)}{f' ({d})' if d else ''}" for label, v, d in rows)
    parts = [f'<figure class="chart chart-bars">{_caption(title, show_title)}'
             f'<div class="bars" role="img" aria-label="{escape(title)}. {escape(spoken)}">']
    for label, value, detail in rows:
        width = 0.0 if value is None or value <= 0 else max(0.5, 100 * value / top)
        text = fmt(value, percent) + (f" ({detail})" if detail else "")
        parts.append(f'<div class="bar-row"><span class="bar-label">{escape(label)}</span>'
                     f'<svg class="bar-track" aria-hidden="true" focusable="false">'
                     f'<rect width="{width:.1f}%" height="100%" rx="3" fill="{PALETTE[0]}"></rect></svg>'
                     f'<span class="bar-value">{escape(text)}</span></div>')
    parts.append("</div></figure>")
    return Chart.of("".join(parts), drawn=True)


def nice_ticks(top: float, *, percent: bool = False, count: int = 4) -> list[float]:
    """Round axis ticks from 0 to at least ``top``: 0, 5, 10, 15, 20 rather than 0, 4.9, 9.8 ... A rate
    axis never goes past 100 %."""
    if top <= 0:
        return [0.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw - 1e-12)
    n = math.ceil(top / step - 1e-9)
    ticks = [round(step * k, 10) for k in range(n + 1)]
    if percent and ticks[-1] > 1.0:
        ticks = [t for t in ticks if t < 1.0] + [1.0]
    return ticks


def _tick_label(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f} %" if abs(value * 100 - round(value * 100)) < 1e-9 else f"{value * 100:.1f} %"
    return f"{value:g}"


def line_chart(x_labels, series, *, title: str, percent: bool = False, show_title: bool = True) -> Chart:
    """Trend lines: ``series`` is ``[(name, [value or None per x label])]``. Drawn only when at least two
    periods have a value; a series is dashed as well as coloured, so it is told apart without colour."""
    x_labels = [str(x) for x in x_labels]
    series = [(str(name), list(values)) for name, values in series if any(v is not None for v in values)]
    values = [v for _n, vs in series for v in vs if v is not None]
    if not x_labels or not values:
        return _no_data(title)
    if all(v == 0 for v in values):
        return _all_zero(title)
    periods = [i for i in range(len(x_labels)) if any(i < len(vs) and vs[i] is not None for _n, vs in series)]
    if len(periods) < 2:
        return _message(title, _("one period only, too few for a trend line; the table gives the figures."))
    ticks = nice_ticks(max(values), percent=percent)
    top = ticks[-1]
    n = len(x_labels)

    def x(i):  # per cent of the plot's width; the margins keep the end dots whole
        return 3 + 94 * i / (n - 1)

    def y(v):
        return 6 + 88 * (1 - v / top)

    spoken = "; ".join(f"{name}: " + ", ".join(f"{x_labels[i]} {fmt(v, percent)}" for i, v in enumerate(vs)
                                               if v is not None) for name, vs in series)
    parts = [f'<figure class="chart chart-lines">{_caption(title, show_title)}'
             f'<div class="lines" role="img" aria-label="{escape(title)}. {escape(spoken)}">'
             '<svg class="y-axis" aria-hidden="true" focusable="false">']
    parts.extend(f'<text x="100%" y="{y(t):.2f}%" dx="-6" text-anchor="end" dominant-baseline="middle">'
                 f'{escape(_tick_label(t, percent))}</text>' for t in ticks)
    parts.append('</svg><svg class="plot" aria-hidden="true" focusable="false">')
    parts.extend(f'<line x1="0" x2="100%" y1="{y(t):.2f}%" y2="{y(t):.2f}%" class="grid"></line>' for t in ticks)
    for k, (name, vs) in enumerate(series):
        colour, dash = PALETTE[k % len(PALETTE)], DASHES[k % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        points = [(i, v) for i, v in enumerate(vs[:n]) if v is not None]
        for (i, v), (j, w) in zip(points, points[1:], strict=False):
            if j == i + 1:  # a gap (a period without a value) is left open, not bridged
                parts.append(f'<line x1="{x(i):.2f}%" y1="{y(v):.2f}%" x2="{x(j):.2f}%" y2="{y(w):.2f}%" '
                             f'stroke="{colour}" stroke-width="2.5"{dash_attr}></line>')
        parts.extend(f'<circle cx="{x(i):.2f}%" cy="{y(v):.2f}%" r="4" fill="{colour}">'
                     f'<title>{escape(name)}, {escape(x_labels[i])}: {escape(fmt(v, percent))}</title></circle>'
                     for i, v in points)
    parts.append('</svg><svg class="x-axis" aria-hidden="true" focusable="false">')
    m = min(n, MAX_X_LABELS)  # evenly spread labels, first and last included, so they never overlap
    shown = sorted({round(k * (n - 1) / (m - 1)) for k in range(m)})
    middle = shown[len(shown) // 2] if len(shown) >= 5 else None
    for i in shown:
        anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
        # on a phone only the first, the middle and the last period are labelled (the CSS hides "inner")
        inner = "" if i in (0, n - 1, middle) else ' class="inner"'
        parts.append(f'<text x="{x(i) if anchor == "middle" else (0 if i == 0 else 100):.2f}%" y="1em" '
                     f'text-anchor="{anchor}"{inner}>{escape(x_labels[i])}</text>')
    parts.append('</svg></div><ul class="legend" aria-hidden="true">')
    for k, (name, _vs) in enumerate(series):
        colour, dash = PALETTE[k % len(PALETTE)], DASHES[k % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<li><svg class="swatch" focusable="false"><line x1="0" x2="100%" y1="50%" y2="50%" '
                     f'stroke="{colour}" stroke-width="3"{dash_attr}></line></svg>{escape(name)}</li>')
    parts.append("</ul></figure>")
    return Chart.of("".join(parts), drawn=True)
