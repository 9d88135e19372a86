"""Small charts rendered on the server as SVG: a bar chart and a line chart, with axis labels and an accessible name.

No JavaScript and no external asset (style.md: charts served from the project); the markup goes straight into the
page and scales to its container. Each chart is an ``<svg role="img">`` whose ``<title>`` and ``<desc>`` give screen
readers its name and a one-sentence summary, and every bar and point carries its own ``<title>`` (the value on hover
or long press). Pages show the same numbers in a table beside the chart.

Colours are the site's green and blue with two more, each at least 3:1 against white (WCAG 2.2 non-text contrast);
line series also differ by dash pattern and marker, so they read without colour.

Values are plain numbers; ``fmt`` says how to print them (by default with the active language's decimal separator).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

__all__ = ["PALETTE", "Series", "bar_chart", "line_chart", "nice_ticks"]

PALETTE = ("#0b6e4f", "#1d4f91", "#a34700", "#6f3c8f", "#505a5f")
DASHES = ("", "7 4", "2 3", "10 3 2 3", "4 4")
MARKERS = ("circle", "square", "diamond", "triangle", "circle")
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, Arial, sans-serif"'
INK, MUTED, GRID = "#1b1b1b", "#505a5f", "#dcdcd8"
FONT_SIZE = 15  # in viewBox units: a 480-wide chart in a 460-pixel column keeps text at about 14 px
CHAR_WIDTH = 8.2  # average width of a character at FONT_SIZE, to lay the legend out


@dataclass(frozen=True)
class Series:
    """One named sequence of values, aligned with the chart's categories (``None`` for a missing value)."""

    name: str
    values: Sequence[float | None]


def _default_fmt(value: float) -> str:
    """One decimal (none for whole numbers), rounded half up, in the active language."""
    rounded = Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return number_format(rounded, decimal_pos=0 if rounded % 1 == 0 else 1)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``low``-``high`` (about ``count`` of them): steps of 1, 2, 2.5 or 5 × 10^n."""
    if high < low:
        low, high = high, low
    if high == low:
        high = low + 1
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high - 1e-9 * step:
        ticks.append(round(value, 10))
        value += step
    ticks.append(round(value, 10))
    return ticks


def _chart_id(chart_id: str | None, title: str, description: str) -> str:
    if chart_id:
        return chart_id
    return "chart-" + hashlib.blake2s(f"{title}\n{description}".encode(), digest_size=4).hexdigest()


def _open(chart_id: str, width: int, height: int, title: str, description: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" id="{chart_id}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" preserveAspectRatio="xMinYMin meet" {FONT} font-size="{FONT_SIZE}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<rect class="chart-background" x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
    ]


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK, extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{" " + extra if extra else ""}>'
        f"{escape(text)}</text>"
    )


LEGEND_ROW = 24


def _legend_rows(series: Sequence[Series], left: float, right_edge: float, *, lines: bool) -> list[list[int]]:
    """Which series go on which legend row, wrapping before the right edge (text width estimated)."""
    rows: list[list[int]] = [[]]
    x = left
    for i, s in enumerate(series):
        item = (36 if lines else 20) + CHAR_WIDTH * len(s.name) + 18
        if rows[-1] and x + item > right_edge:
            rows.append([])
            x = left
        rows[-1].append(i)
        x += item
    return rows


def _legend(series: Sequence[Series], left: float, right_edge: float, *, lines: bool) -> tuple[list[str], float]:
    """The legend's markup from the top of the chart, and the height it takes."""
    rows = _legend_rows(series, left, right_edge, lines=lines)
    out = ['<g class="legend">']
    for r, row in enumerate(rows):
        x, y = left, 20 + r * LEGEND_ROW
        for i in row:
            s = series[i]
            colour = PALETTE[i % len(PALETTE)]
            if lines:
                dash = DASHES[i % len(DASHES)]
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                out.append(
                    f'<line x1="{x:.1f}" y1="{y - 5:.1f}" x2="{x + 28:.1f}" y2="{y - 5:.1f}" stroke="{colour}" '
                    f'stroke-width="3"{dash_attr}/>'
                )
                out.append(_marker(MARKERS[i % len(MARKERS)], x + 14, y - 5, colour, css_class="legend-marker"))
            else:
                out.append(f'<rect x="{x:.1f}" y="{y - 12:.1f}" width="14" height="14" fill="{colour}"/>')
            out.append(_text(x + (36 if lines else 20), y, s.name))
            x += (36 if lines else 20) + CHAR_WIDTH * len(s.name) + 18
    out.append("</g>")
    return out, len(rows) * LEGEND_ROW + 4


def _marker(shape: str, x: float, y: float, colour: str, title: str = "", css_class: str = "point") -> str:
    inner = f"<title>{escape(title)}</title>" if title else ""
    if shape == "square":
        return (
            f'<rect class="{css_class}" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}">'
            f"{inner}</rect>"
        )
    if shape == "diamond":
        points = f"{x:.1f},{y - 5.5:.1f} {x + 5.5:.1f},{y:.1f} {x:.1f},{y + 5.5:.1f} {x - 5.5:.1f},{y:.1f}"
        return f'<polygon class="{css_class}" points="{points}" fill="{colour}">{inner}</polygon>'
    if shape == "triangle":
        points = f"{x:.1f},{y - 5.5:.1f} {x + 5.5:.1f},{y + 4.5:.1f} {x - 5.5:.1f},{y + 4.5:.1f}"
        return f'<polygon class="{css_class}" points="{points}" fill="{colour}">{inner}</polygon>'
    return f'<circle class="{css_class}" cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}">{inner}</circle>'


def _value_range(series: Sequence[Series], min_value: float | None, max_value: float | None) -> tuple[float, float]:
    values = [v for s in series for v in s.values if v is not None]
    low = min([0.0, *values]) if min_value is None else min_value
    high = max([0.0, *values]) if max_value is None else max_value
    if high <= low:
        high = low + 1
    return low, high


def bar_chart(
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str] | None = None,
    value_axis_label: str = "",
    category_axis_label: str = "",
    horizontal: bool = True,
    width: int = 640,
    max_value: float | None = None,
    chart_id: str | None = None,
) -> SafeString:
    """A bar chart, one bar per category and series (grouped when there are several series).

    ``horizontal=True`` (the default) writes each category's label above its bars, so long labels (indicator names,
    communes) stay readable on a 360-pixel phone; ``horizontal=False`` draws columns for short labels (years,
    months). Each bar is a ``<rect class="bar">`` with a ``<title>`` "category, series: value".
    """
    fmt = fmt or _default_fmt
    chart_id = _chart_id(chart_id, title, description)
    low, high = _value_range(series, None, max_value)
    ticks = nice_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    n_series = max(len(series), 1)
    if horizontal:
        return _horizontal_bars(
            chart_id, title, description, categories, series, fmt, value_axis_label, width, low, high, ticks, n_series
        )
    return _vertical_bars(
        chart_id,
        title,
        description,
        categories,
        series,
        fmt,
        value_axis_label,
        category_axis_label,
        width,
        low,
        high,
        ticks,
        n_series,
    )


def _horizontal_bars(chart_id, title, description, categories, series, fmt, axis_label, width, low, high, ticks, k):
    left, right = 8, 80
    legend, legend_height = _legend(series, left, width - 8, lines=False) if k > 1 else ([], 0)
    top = 8 + legend_height
    bar, gap, label_height, block_gap = 16, 3, 20, 12
    block = label_height + k * bar + (k - 1) * gap + block_gap
    plot_bottom = top + block * len(categories)
    height = plot_bottom + 28 + (22 if axis_label else 0)
    plot_width = width - left - right

    def x_of(value: float) -> float:
        return left + (value - low) / (high - low) * plot_width

    out = _open(chart_id, width, height, title, description, "chart-bar chart-horizontal")
    out += legend
    out.append('<g class="grid">')
    for tick in ticks:
        x = x_of(tick)
        out.append(f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{plot_bottom:.1f}" stroke="{GRID}"/>')
        anchor = "start" if x - left < 24 else "middle"  # the first label starts at the edge, not cut by it
        out.append(_text(x, plot_bottom + 18, fmt(tick), anchor=anchor, fill=MUTED, extra='class="tick"'))
    out.append("</g>")
    out.append('<g class="bars">')
    for c, category in enumerate(categories):
        y = top + c * block
        out.append(_text(left, y + 15, category, extra='class="category"'))
        for s, item in enumerate(series):
            value = item.values[c] if c < len(item.values) else None
            by = y + label_height + s * (bar + gap)
            if value is None:
                continue
            x0, x1 = sorted((x_of(max(low, 0.0)), x_of(value)))
            name = f"{category}, {item.name}: {fmt(value)}" if k > 1 else f"{category}: {fmt(value)}"
            out.append(
                f'<rect class="bar" x="{x0:.1f}" y="{by:.1f}" width="{max(x1 - x0, 0.5):.1f}" height="{bar}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(name)}</title></rect>'
            )
            out.append(_text(x1 + 4, by + 13, fmt(value), extra='class="value" font-size="14"'))
    out.append("</g>")
    out.append(
        f'<line class="axis" x1="{x_of(max(low, 0.0)):.1f}" y1="{top:.1f}" x2="{x_of(max(low, 0.0)):.1f}" '
        f'y2="{plot_bottom:.1f}" stroke="{INK}"/>'
    )
    if axis_label:
        out.append(_text(left + plot_width / 2, height - 6, axis_label, anchor="middle", extra='class="axis-label"'))
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 (every text above is escaped)


def _vertical_bars(
    chart_id, title, description, categories, series, fmt, value_label, category_label, width, low, high, ticks, k
):
    left, right = 64, 16
    legend, legend_height = _legend(series, left, width - right, lines=False) if k > 1 else ([], 0)
    top = 16 + legend_height
    height = 320
    bottom = 40 + (22 if category_label else 0)
    plot_height = height - top - bottom
    plot_width = width - left - right
    slot = plot_width / max(len(categories), 1)
    bar = min(48.0, slot * 0.7 / k)

    def y_of(value: float) -> float:
        return top + (high - value) / (high - low) * plot_height

    out = _open(chart_id, width, height, title, description, "chart-bar chart-vertical")
    out += legend
    out.append('<g class="grid">')
    for tick in ticks:
        y = y_of(tick)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(_text(left - 6, y + 5, fmt(tick), anchor="end", fill=MUTED, extra='class="tick"'))
    out.append("</g>")
    out.append('<g class="bars">')
    base = y_of(max(low, 0.0))
    for c, category in enumerate(categories):
        x_mid = left + slot * (c + 0.5)
        out.append(_text(x_mid, top + plot_height + 20, category, anchor="middle", extra='class="category"'))
        for s, item in enumerate(series):
            value = item.values[c] if c < len(item.values) else None
            if value is None:
                continue
            x = x_mid - k * bar / 2 + s * bar
            y0, y1 = sorted((base, y_of(value)))
            name = f"{category}, {item.name}: {fmt(value)}" if k > 1 else f"{category}: {fmt(value)}"
            out.append(
                f'<rect class="bar" x="{x:.1f}" y="{y0:.1f}" width="{bar - 2:.1f}" height="{max(y1 - y0, 0.5):.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(name)}</title></rect>'
            )
    out.append("</g>")
    out.append(f'<line class="axis" x1="{left}" y1="{base:.1f}" x2="{width - right}" y2="{base:.1f}" stroke="{INK}"/>')
    out += _axis_labels(left, top, plot_width, plot_height, height, value_label, category_label)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 (every text above is escaped)


def _axis_labels(left, top, plot_width, plot_height, height, y_label, x_label) -> list[str]:
    out = []
    if y_label:
        cy = top + plot_height / 2
        out.append(
            f'<text class="axis-label" x="16" y="{cy:.1f}" text-anchor="middle" fill="{INK}" '
            f'transform="rotate(-90 16 {cy:.1f})">{escape(y_label)}</text>'
        )
    if x_label:
        out.append(_text(left + plot_width / 2, height - 8, x_label, anchor="middle", extra='class="axis-label"'))
    return out


def line_chart(
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str] | None = None,
    y_axis_label: str = "",
    x_axis_label: str = "",
    width: int = 640,
    height: int = 320,
    y_min: float | None = 0.0,
    y_max: float | None = None,
    chart_id: str | None = None,
) -> SafeString:
    """A line chart over ordered categories (years, months), one line per series, with a legend.

    A missing value (``None``) breaks the line. Each point is a marker with a ``<title>`` "series, category: value";
    series differ by colour, dash pattern and marker shape.
    """
    fmt = fmt or _default_fmt
    chart_id = _chart_id(chart_id, title, description)
    low, high = _value_range(series, y_min, y_max)
    ticks = nice_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    left, right = 64, 24
    legend, legend_height = _legend(series, left, width - right, lines=True)
    top = 12 + legend_height
    height += legend_height - LEGEND_ROW  # room for a wrapped legend, the plot keeps its height
    bottom = 40 + (22 if x_axis_label else 0)
    plot_height = height - top - bottom
    plot_width = width - left - right
    n = len(categories)

    def x_of(i: int) -> float:
        return left + (plot_width * (i + 0.5) / n if n else 0)

    def y_of(value: float) -> float:
        return top + (high - value) / (high - low) * plot_height

    out = _open(chart_id, width, height, title, description, "chart-line")
    out += legend
    out.append('<g class="grid">')
    for tick in ticks:
        y = y_of(tick)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(_text(left - 6, y + 5, fmt(tick), anchor="end", fill=MUTED, extra='class="tick"'))
    out.append("</g>")
    for i, category in enumerate(categories):
        out.append(_text(x_of(i), top + plot_height + 20, category, anchor="middle", extra='class="category"'))
    out.append(
        f'<line class="axis" x1="{left}" y1="{top + plot_height:.1f}" x2="{width - right}" '
        f'y2="{top + plot_height:.1f}" stroke="{INK}"/>'
    )
    for s, item in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        dash = DASHES[s % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="series" data-series="{escape(item.name)}">')
        runs: list[list[tuple[float, float]]] = [[]]
        for i in range(n):
            value = item.values[i] if i < len(item.values) else None
            if value is None:
                runs.append([])
                continue
            runs[-1].append((x_of(i), y_of(value)))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                out.append(
                    f'<polyline class="line" points="{points}" fill="none" stroke="{colour}" stroke-width="3"'
                    f'{dash_attr} stroke-linejoin="round"/>'
                )
        for i in range(n):
            value = item.values[i] if i < len(item.values) else None
            if value is not None:
                name = f"{item.name}, {categories[i]}: {fmt(value)}"
                out.append(_marker(MARKERS[s % len(MARKERS)], x_of(i), y_of(value), colour, name))
        out.append("</g>")
    out += _axis_labels(left, top, plot_width, plot_height, height, y_axis_label, x_axis_label)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 (every text above is escaped)
