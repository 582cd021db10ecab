"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, readable on a laptop and a tablet
(the SVG scales to its container), printable, and each one sits next to its data table (R-DASH-1)."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b"]
WIDTH = 640


def _fmt(value, percent):
    if value is None:
        return "–"
    return f"{value * 100:.1f} %" if percent else f"{value:g}"


def bar_chart(items, *, title: str, percent: bool = False, label_width: int = 180):
    """Horizontal bars: ``items`` is ``[(label, value)]``; ``None`` values draw no bar."""
    items = list(items)
    if not items:
        return ""
    bar, gap = 22, 8
    height = len(items) * (bar + gap) + gap
    top = max([v for _l, v in items if v is not None] + [1e-9])
    top = max(top, 1.0) if percent else top
    span = WIDTH - label_width - 90
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
             f'preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = gap + i * (bar + gap)
        parts.append(f'<text x="{label_width - 6}" y="{y + bar * 0.7:.1f}" text-anchor="end" class="lbl">'
                     f'{escape(str(label))[:40]}</text>')
        w = 0 if value is None else max(1.0, span * value / top) if value > 0 else 0
        parts.append(f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar}" rx="3" '
                     f'fill="{PALETTE[0]}"></rect>')
        parts.append(f'<text x="{label_width + w + 6:.1f}" y="{y + bar * 0.7:.1f}" class="val">'
                     f'{escape(_fmt(value, percent))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def line_chart(x_labels, series, *, title: str, percent: bool = False):
    """Trend lines: ``series`` is ``[(name, [value or None per x label])]``."""
    x_labels = list(x_labels)
    series = [(name, values) for name, values in series if any(v is not None for v in values)]
    if not x_labels or not series:
        return ""
    height, left, right, top_pad, bottom = 260, 56, 16, 16, 56
    values = [v for _n, vs in series for v in vs if v is not None]
    top = max(values + [1e-9])
    top = min(1.0, top * 1.15) if percent and top <= 1 else top * 1.15
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    step = plot_w / max(1, len(x_labels) - 1)

    def xy(i, v):
        return left + (i * step if len(x_labels) > 1 else plot_w / 2), top_pad + plot_h * (1 - v / top)

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
             f'preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>']
    for k in range(5):
        v = top * k / 4
        y = top_pad + plot_h * (1 - k / 4)
        parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"></line>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="val">'
                     f'{escape(_fmt(v, percent) if percent else f"{v:.1f}")}</text>')
    every = max(1, len(x_labels) // 8)
    for i, label in enumerate(x_labels):
        if i % every == 0:
            x, _y = xy(i, 0)
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle" class="lbl">'
                         f'{escape(str(label))}</text>')
    for n, (name, vs) in enumerate(series):
        color = PALETTE[n % len(PALETTE)]
        points = [xy(i, v) for i, v in enumerate(vs) if v is not None]
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2.5" points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"></polyline>')
        parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"></circle>' for x, y in points)
        lx = left + n * 200
        parts.append(f'<rect x="{lx}" y="{height - 22}" width="12" height="12" fill="{color}"></rect>'
                     f'<text x="{lx + 16}" y="{height - 12}" class="lbl">{escape(str(name))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
