"""The report's three charts as small, self-contained SVG: shares per row, one bar per row, lines over time.

Hand-written on purpose: matplotlib and its numpy and fontTools were about half of the installed
environment for three charts, laid out text with its own fonts (none with CJK glyphs), and put the
legend where it could cover the plot. Here the browser lays out the text with the page's fonts;
the layout only estimates text widths (a CJK character is one em, others about 0.6 em) to leave room
for labels, and the legend has a band of its own above the plot. Measured against matplotlib and
pygal in ``docs/report.md`` (``bench/report_charts.py``). Pure: strings in, an SVG string out.

Every chart scales to its container (``viewBox``, width 100%), carries ``role="img"``, a ``<title>``
and an ``aria-label``, and a ``<title>`` tooltip on every bar and point with its exact number.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDE, NARROW = 800.0, 360.0  # the two layouts: a desktop column, a phone (each shown at about 1 px per unit)
FONT = 12.0  # px in the viewBox; the page scales the whole chart
TITLE_FONT = 14.0
BAR = 22.0
GAP = 8.0
PAD = 8.0
GRID = "#d9d9d9"
_WIDE_CHARS = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
# a line may break after a word (and its spaces) or after any CJK character, which has no spaces to break at
_TOKEN = re.compile(f"[^\\s{_WIDE_CHARS}]+\\s*|[{_WIDE_CHARS}]\\s*|\\s+")
INK = "#222"
MUTED = "#555"


@dataclass(frozen=True, slots=True)
class Series:
    """One coloured part of a chart: its legend label, its colour and one value per row or point."""

    label: str
    colour: str
    values: tuple[float, ...]


def text_width(text: str, size: float = FONT) -> float:
    """An estimate of ``text``'s width in px, on the wide side of common sans-serif fonts: wide (CJK,
    fullwidth) characters 1 em, capitals, ``%``, ``m`` and ``w`` 0.9 em or so, narrow marks 0.35 em, others 0.62 em."""
    return sum(size * _em(c) for c in text)


def _em(c: str) -> float:
    if unicodedata.east_asian_width(c) in "WF":
        return 1.0
    if c in "%@mwMW":
        return 0.95
    if c.isupper():
        return 0.72
    if c in "il.,:;'|!()[]{} ":
        return 0.36
    return 0.62

def _text(x: float, y: float, text: str, *, size: float = FONT, anchor: str = "start", fill: str = INK,
          weight: str = "normal", rotate: float = 0.0, cls: str = "") -> str:
    extra = ' font-weight="bold"' if weight != "normal" else ""
    if cls:
        extra += f' class="{cls}"'
    if rotate:
        extra += f' transform="rotate({rotate:g} {x:.1f} {y:.1f})"'
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" fill="{fill}"{extra}>'
        f"{escape(text)}</text>"
    )


def _svg(title: str, width: float, height: float, body: Sequence[str]) -> str:
    label = escape(title)
    kind = "wide" if width >= WIDE else "narrow"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:.0f}" width="100%" '
        f'role="img" aria-label="{label}" class="chart {kind}"><title>{label}</title>' + "".join(body) + "</svg>"
    )


def _legend(series: Sequence[Series], top: float, width: float) -> tuple[list[str], float]:
    """Legend items left to right, wrapping into rows; returns the parts and the band's height."""
    parts: list[str] = []
    x, y, row = PAD, top, FONT + 6
    for s in series:
        w = 12 + 5 + text_width(s.label) + 16
        if x + w > width - PAD and x > PAD:
            x, y = PAD, y + row
        parts.append(f'<rect class="legend" x="{x:.1f}" y="{y:.1f}" width="12" height="12" fill="{s.colour}"/>')
        parts.append(_text(x + 17, y + 10.5, s.label, cls="legend"))
        x += w
    return parts, (y - top) + row + 4


def _head(title: str, series: Sequence[Series], width: float) -> tuple[list[str], float]:
    parts = []
    top = 0.0
    for line in _wrap(title, width - 2 * PAD, TITLE_FONT):  # a long title takes two lines on a phone
        top += TITLE_FONT + 4
        parts.append(_text(PAD, top, line, size=TITLE_FONT, weight="bold"))
    top += 8
    if series:
        legend, height = _legend(series, top, width)
        parts += legend
        top += height
    return parts, top + 4


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _x_axis(
    left: float, right: float, y: float, ticks: Sequence[tuple[float, str]], label: str, width: float
) -> list[str]:
    """The axis line at ``y``, its tick labels (kept inside the chart), and the axis label, wrapped to fit."""
    parts = [f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" stroke="{MUTED}"/>']
    for x, text in ticks:
        half = text_width(text) / 2
        x = min(max(x, half + 4), width - half - 4)  # the first and last tick label never run off the edge
        parts.append(_text(x, y + FONT + 8, text, anchor="middle", fill=MUTED))
    for i, line in enumerate(_wrap(label, width - 2 * PAD, FONT)):
        parts.append(_text(width / 2, y + 2 * FONT + 16 + i * (FONT + 4), line, anchor="middle", fill=MUTED))
    return parts


def _axis_height(label: str, width: float) -> float:
    return 2 * FONT + 24 + (len(_wrap(label, width - 2 * PAD, FONT)) - 1) * (FONT + 4)


def _wrap(text: str, width: float, size: float) -> list[str]:
    """``text`` in lines no wider than ``width`` px: at spaces, or anywhere in CJK text (which has none)."""
    lines: list[str] = []
    current = ""
    for token in _TOKEN.findall(text):
        if current and text_width((current + token).rstrip(), size) > width:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current += token
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def _label_column(labels: Sequence[str], width: float) -> float:
    return min(width * 0.4, max((text_width(s) for s in labels), default=0.0) + 2 * PAD)


def share_bars(title: str, rows: Sequence[str], series: Sequence[Series], axis_label: str, *,
               tooltip: str = "{label}: {count} ({share})", width: float = WIDE) -> str:
    """One 100% bar per row, split into ``series`` by each row's share; ``series[i].values[r]`` are counts."""
    head, top = _head(title, series, width)
    left, right = _label_column(rows, width), width - 2 * PAD
    plot_w = right - left
    bottom = top + len(rows) * (BAR + GAP)
    parts = head + _grid(left, plot_w, top, bottom, steps=4)
    for r, name in enumerate(rows):
        y = top + r * (BAR + GAP) + GAP / 2
        total = sum(s.values[r] for s in series)
        parts.append(_text(left - PAD, y + BAR / 2 + FONT / 3, _fit(name, left - 2 * PAD), anchor="end"))
        x = left
        for s in series:
            count = s.values[r]
            if total <= 0 or count <= 0:
                continue
            w = plot_w * count / total
            tip = tooltip.format(label=s.label, count=_count(count), share=_percent(count / total))
            parts.append(
                f'<rect class="data" x="{x:.2f}" y="{y:.1f}" width="{w:.2f}" height="{BAR:g}" fill="{s.colour}">'
                f"<title>{escape(name)} · {escape(tip)}</title></rect>"
            )
            x += w
    ticks = [(left + plot_w * i / 4, f"{25 * i}%") for i in range(5)]
    parts += _x_axis(left, right, bottom, ticks, axis_label, width)
    return _svg(title, width, bottom + _axis_height(axis_label, width), parts)


def value_bars(title: str, rows: Sequence[tuple[str, float]], colour: str, axis_label: str, *,
               width: float = WIDE) -> str:
    """One bar per row for a value in [0, 1], drawn against the whole 0–100% scale, its value at its end."""
    head, top = _head(title, (), width)
    left = _label_column([r for r, _ in rows], width)
    right = width - 2 * PAD - text_width("100.0%") - PAD
    plot_w = right - left
    bottom = top + len(rows) * (BAR + GAP)
    parts = head + _grid(left, plot_w, top, bottom, steps=4)
    for r, (name, value) in enumerate(rows):
        y = top + r * (BAR + GAP) + GAP / 2
        w = plot_w * max(0.0, min(1.0, value))
        parts.append(_text(left - PAD, y + BAR / 2 + FONT / 3, _fit(name, left - 2 * PAD), anchor="end"))
        parts.append(
            f'<rect class="data" x="{left:.1f}" y="{y:.1f}" width="{w:.2f}" height="{BAR:g}" fill="{colour}">'
            f"<title>{escape(name)}: {_percent(value)}</title></rect>"
        )
        parts.append(_text(left + w + 4, y + BAR / 2 + FONT / 3, _percent(value), fill=MUTED))
    ticks = [(left + plot_w * i / 4, f"{25 * i}%") for i in range(5)]
    parts += _x_axis(left, right, bottom, ticks, axis_label, width)
    return _svg(title, width, bottom + _axis_height(axis_label, width), parts)


def lines(title: str, x_labels: Sequence[str], series: Sequence[Series], axis_label: str, y_label: str, *,
          width: float = WIDE, tick_steps: Sequence[int] = (1, 2, 5, 10, 20, 50, 100)) -> str:
    """One line per series over the buckets ``x_labels``; a single bucket is drawn as points, not a line.
    The axis labels every n-th bucket, n the first of ``tick_steps`` that leaves room between labels."""
    head, top = _head(title, series, width)
    peak = max((v for s in series for v in s.values), default=0.0)
    step, top_value = nice_scale(peak)
    y_ticks = [i * step for i in range(round(top_value / step) + 1)]
    left = max(text_width(_count(v)) for v in y_ticks) + 2 * PAD + FONT
    right = width - 2 * PAD
    plot_h = 180.0 if width >= WIDE else 150.0
    bottom = top + plot_h
    n = len(x_labels)

    def xpos(i: int) -> float:  # one bucket sits in the middle of the axis, not on its edge
        return left + (right - left) * (i / (n - 1) if n > 1 else 0.5)

    def ypos(v: float) -> float:
        return bottom - plot_h * (v / top_value if top_value else 0.0)

    parts = list(head)
    for v in y_ticks:
        y = ypos(v)
        parts.append(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - PAD, y + FONT / 3, _count(v), anchor="end", fill=MUTED))
    parts.append(_text(PAD + FONT / 2, (top + bottom) / 2, y_label, anchor="middle", fill=MUTED, rotate=-90))
    markers = n <= 240  # each point carries its tooltip; past that many, the table below has the numbers
    radius = 4.0 if n == 1 else 2.5 if n <= 60 else 1.5
    for s in series:
        points = [(xpos(i), ypos(v)) for i, v in enumerate(s.values)]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline class="data" points="{path}" fill="none" stroke="{s.colour}" stroke-width="2"/>')
        if markers or len(points) == 1:
            for (x, y), label, v in zip(points, x_labels, s.values, strict=True):
                parts.append(
                    f'<circle class="data" cx="{x:.1f}" cy="{y:.1f}" r="{radius:g}" fill="{s.colour}">'
                    f"<title>{escape(label)} · {escape(s.label)}: {_count(v)}</title></circle>"
                )
    parts += _x_axis(left, right, bottom, _x_ticks(x_labels, left, right, xpos, tick_steps), axis_label, width)
    return _svg(title, width, bottom + _axis_height(axis_label, width), parts)


def _x_ticks(
    labels: Sequence[str], left: float, right: float, xpos: Callable[[int], float], steps: Sequence[int]
) -> list[tuple[float, str]]:
    """Every n-th bucket label, n the first of ``steps`` (else the least) that fits them side by side."""
    if not labels:
        return []
    widest = max(text_width(s) for s in labels) + 2 * PAD
    fit = max(1, int((right - left) // widest))
    least = max(1, math.ceil(len(labels) / fit))
    every = next((n for n in steps if n >= least), least)
    return [(xpos(i), labels[i]) for i in range(0, len(labels), every)]


def _grid(left: float, plot_w: float, top: float, bottom: float, *, steps: int) -> list[str]:
    return [
        f'<line x1="{left + plot_w * i / steps:.1f}" y1="{top:.1f}" x2="{left + plot_w * i / steps:.1f}" '
        f'y2="{bottom:.1f}" stroke="{GRID}"/>'
        for i in range(steps + 1)
    ]


def nice_scale(peak: float, ticks: int = 5) -> tuple[float, float]:
    """A step of 1, 2 or 5 times a power of ten, and the axis top (a multiple of it) at or above ``peak``.

    >>> nice_scale(0), nice_scale(7), nice_scale(149), nice_scale(1000)
    ((1.0, 1.0), (2.0, 8.0), (50.0, 150.0), (200.0, 1000.0))
    """
    if peak <= 0:
        return 1.0, 1.0
    raw = peak / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0)  # counts: no fractional ticks
    return float(step), float(math.ceil(peak / step) * step)


def _count(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _fit(text: str, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` px (a row label; the table beside the chart has it whole)."""
    if text_width(text) <= width:
        return text
    out = ""
    for c in text:
        if text_width(out + c + "…") > width:
            break
        out += c
    return out + "…"
