"""Server-rendered SVG charts: a trend of polylines and horizontal ranking bars. No JavaScript, no CDN; the SVG is
printed as it is shown and the numbers behind it are in the tables beside it."""

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from ketnoi.reports.indicators import format_value

COLOURS = ("#1d4ed8", "#059669", "#b45309")
WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 220, 44, 36, 12


def trend_svg(points: list[tuple[str, dict]], series: list[tuple[str, str]]) -> SafeString:
    """series: (indicator key, label). One polyline per series over the buckets; counts share the left axis."""
    if not points:
        return mark_safe("")
    top = max([1] + [v.get(key) or 0 for _b, v in points for key, _l in series])
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(1, len(points) - 1)
    parts = [
        f'<svg class="chart trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" width="100%" '
        f'aria-label="{escape(", ".join(label for _k, label in series))}">',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - 8}" y2="{PAD_TOP + plot_h}" stroke="#999"/>',
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + 4}" text-anchor="end" font-size="11">{top}</text>',
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    for index, (key, _label) in enumerate(series):
        coords = " ".join(
            f"{PAD_LEFT + i * step:.1f},{PAD_TOP + plot_h - plot_h * (v.get(key) or 0) / top:.1f}"
            for i, (_bucket, v) in enumerate(points)
        )
        colour = COLOURS[index % len(COLOURS)]
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}" data-series="{key}"/>'
        )
    labels = {0, len(points) - 1, (len(points) - 1) // 2}
    for i in sorted(labels):
        x = PAD_LEFT + i * step
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 14}" text-anchor="middle" font-size="11">{escape(points[i][0])}</text>'
        )
    legend_x = PAD_LEFT
    for index, (_key, label) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<rect x="{legend_x}" y="{HEIGHT - 10}" width="10" height="8" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="{HEIGHT - 2}" font-size="11">{escape(label)}</text>')
        legend_x += 24 + 7 * len(str(label))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every value above is a number or escaped


def ranking_svg(rows: list[tuple[str, float]], unit: str = "percent") -> SafeString:
    """Horizontal bars, best first, the value written at the end of each bar."""
    if not rows:
        return mark_safe("")
    top = max([1.0] + [value for _label, value in rows])
    bar_h, label_w, width = 20, 190, 640
    height = bar_h * len(rows) + 4
    parts = [f'<svg class="chart ranking" viewBox="0 0 {width} {height}" width="100%" role="img">']
    for i, (label, value) in enumerate(rows):
        y = 2 + i * bar_h
        length = (width - label_w - 70) * value / top
        parts.append(str(format_html(
            '<text x="{}" y="{}" text-anchor="end" font-size="12">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" fill="#1d4ed8"/>'
            '<text x="{}" y="{}" font-size="12">{}</text>',
            label_w - 6, y + 14, label[:30], label_w, y + 3, f"{length:.1f}", bar_h - 6,
            f"{label_w + length + 4:.1f}", y + 14, format_value(value, unit),
        )))  # fmt: skip
    parts.append("</svg>")
    return mark_safe("".join(parts))  # labels go through format_html
