"""The report's SVG charts, read back as XML: legend beside (never over) the plot, labels inside the chart,
a single bucket drawn as points, every number in a tooltip, text escaped. Chromium checks the real layout
(tests/report/test_report_chromium.py); these check the geometry the charts are built with."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import pairwise

import pytest

from hutong import charts
from hutong.charts import NARROW, WIDE, Series, nice_scale, text_width

NS = {"s": "http://www.w3.org/2000/svg"}
COLOURS = ("#2e7d32", "#f9a825", "#1565c0", "#c62828")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


ACTIONS = ("open", "confirm", "copy", "block")


def series(n: int, values: list[list[float]], labels: tuple[str, ...] = ACTIONS) -> list[Series]:
    return [Series(label, colour, tuple(v[:n])) for label, colour, v in zip(labels, COLOURS, values, strict=False)]


def boxes(root: ET.Element, cls: str) -> list[tuple[float, float, float, float]]:
    """(x0, y0, x1, y1) of the rects and circles of class ``cls``."""
    out = []
    for el in root.iter():
        if el.get("class") != cls:
            continue
        if el.tag.endswith("rect"):
            x, y, w, h = (float(el.get(k, "0")) for k in ("x", "y", "width", "height"))
            out.append((x, y, x + w, y + h))
        elif el.tag.endswith("polyline"):
            points = [tuple(float(c) for c in p.split(",")) for p in el.get("points", "").split()]
            out.append((min(p[0] for p in points), min(p[1] for p in points),
                        max(p[0] for p in points), max(p[1] for p in points)))
        elif el.tag.endswith("circle"):
            cx, cy, r = (float(el.get(k, "0")) for k in ("cx", "cy", "r"))
            out.append((cx - r, cy - r, cx + r, cy + r))
    return out


def texts(root: ET.Element) -> list[tuple[str, float, float, str]]:
    return [
        (el.text or "", float(el.get("x", "0")), float(el.get("y", "0")), el.get("text-anchor", "start"))
        for el in root.iter(f"{{{NS['s']}}}text")
        if not el.get("transform")
    ]


def text_span(text: str, x: float, anchor: str) -> tuple[float, float]:
    w = text_width(text)
    return {"start": (x, x + w), "middle": (x - w / 2, x + w / 2), "end": (x - w, x)}[anchor]


LONG = ["阿里巴巴集团控股有限公司的一个很长的名字", "beta", "其他网站（未收录）"]
COUNTS: list[list[float]] = [[5, 1, 0], [2, 2, 2], [1, 0, 9], [0, 4, 1]]
HOURS = [f"12-{d:02d} {h:02d}:00" for d in (1, 2, 3) for h in range(24)]
CASES = {
    "shares-wide": lambda: charts.share_bars("Actions by platform", ["alpha", "beta", "gamma"],
                                             series(3, COUNTS), "share"),
    "shares-narrow-cjk": lambda: charts.share_bars(
        "各平台的处理方式", LONG, series(3, COUNTS, ("直接打开", "先确认", "仅可复制", "拦截")), "占全部决定的比例",
        width=NARROW,
    ),
    "values-wide": lambda: charts.value_bars("Disparity index per category", [("e-commerce", 0.154), ("video", 1.0)],
                                             "#6a1b9a", "largest gap in direct-open rate at one verdict level"),
    "values-narrow": lambda: charts.value_bars("Disparity index per category (0% = every platform opened alike)",
                                               [("e-commerce", 0.0), ("questions and answers", 0.5)], "#6a1b9a",
                                               "largest gap in direct-open rate at one verdict level", width=NARROW),
    "lines-many": lambda: charts.lines("Decisions per hour", HOURS, series(72, [[float(i % 7) for i in range(72)]] * 4),
                                       "hour (UTC)", "decisions"),
    "lines-one-bucket": lambda: charts.lines("Decisions per hour", ["12-01 08:00"], series(1, [[3], [0], [12], [7]]),
                                             "hour (UTC)", "decisions", width=NARROW),
}


@pytest.mark.parametrize("draw", list(CASES.values()), ids=list(CASES))
def test_the_legend_has_its_own_band_above_the_plot(draw: object) -> None:
    root = parse(draw())  # type: ignore[operator]
    legend, data = boxes(root, "legend"), boxes(root, "data")
    assert data
    if legend:
        assert max(b[3] for b in legend) < min(b[1] for b in data)


@pytest.mark.parametrize("draw", list(CASES.values()), ids=list(CASES))
def test_every_label_stays_inside_the_chart_and_clear_of_the_others(draw: object) -> None:
    root = parse(draw())  # type: ignore[operator]
    width, height = (float(v) for v in root.get("viewBox", "").split()[2:])
    assert root.get("role") == "img" and root.get("aria-label")
    placed = []
    for text, x, y, anchor in texts(root):
        x0, x1 = text_span(text, x, anchor)
        assert x0 >= 0 and x1 <= width, f"{text!r} runs off the chart ({x0:.0f}..{x1:.0f} of {width:.0f})"
        assert charts.FONT <= y <= height, f"{text!r} is cut at the top or bottom"
        placed.append((y, x0, x1, text))
    for (y, a0, a1, t), (y2, b0, b1, u) in pairwise(sorted(placed)):
        if abs(y - y2) < charts.FONT:  # on one line: must not overlap
            assert a1 <= b0 or b1 <= a0, f"{t!r} overlaps {u!r}"


def test_one_bucket_is_drawn_as_points_in_the_middle() -> None:
    root = parse(CASES["lines-one-bucket"]())
    assert not list(root.iter(f"{{{NS['s']}}}polyline"))
    circles = list(root.iter(f"{{{NS['s']}}}circle"))
    assert len(circles) == 4
    xs = {float(c.get("cx", "0")) for c in circles}
    assert len(xs) == 1 and abs(xs.pop() - NARROW / 2) < NARROW * 0.1


def test_several_buckets_are_lines_with_every_count_in_a_tooltip() -> None:
    root = parse(CASES["lines-many"]())
    assert len(list(root.iter(f"{{{NS['s']}}}polyline"))) == 4
    tips = [el.findtext("s:title", namespaces=NS) or "" for el in root.iter(f"{{{NS['s']}}}circle")]
    assert len(tips) == 4 * 72 and tips[0] == "12-01 00:00 · open: 0"


def test_share_bars_fill_each_row_and_tell_counts_and_shares() -> None:
    root = parse(CASES["shares-wide"]())
    rows: dict[float, list[tuple[float, float, str]]] = {}
    for el in root.iter(f"{{{NS['s']}}}rect"):
        if el.get("class") == "data":
            y = float(el.get("y", "0"))
            rows.setdefault(y, []).append(
                (float(el.get("x", "0")), float(el.get("width", "0")), el.findtext("s:title", namespaces=NS) or "")
            )
    assert len(rows) == 3
    widths = [sum(w for _, w, _ in parts) for parts in rows.values()]
    assert max(widths) - min(widths) < 0.5  # every row is the whole 100%
    first = sorted(rows)[0]
    assert [t for _, _, t in rows[first]] == ["alpha · open: 5 (62.5%)", "alpha · confirm: 2 (25.0%)",
                                              "alpha · copy: 1 (12.5%)"]


@pytest.mark.parametrize(
    "hostile", ['<script>alert(1)</script>', 'a"b', "x & y"], ids=["tag", "quote", "ampersand"]
)
def test_labels_are_text_never_markup(hostile: str) -> None:
    svg = charts.share_bars(hostile, [hostile], [Series(hostile, "#000", (1.0,))], hostile)
    root = parse(svg)  # well-formed: nothing escaped its text node
    assert "<script" not in svg and root.get("aria-label") == hostile
    assert hostile in [t for t, *_ in texts(root)]


@pytest.mark.parametrize(
    ("peak", "step", "top"),
    [(0, 1, 1), (1, 1, 1), (7, 2, 8), (10, 2, 10), (149, 50, 150), (1000, 200, 1000), (2255, 500, 2500)],
)
def test_the_count_axis_steps_by_one_two_or_five(peak: float, step: float, top: float) -> None:
    assert nice_scale(peak) == (step, top)


@pytest.mark.parametrize(("text", "em"), [("abc", 1.86), ("电商", 2.0), ("其他（未收录）", 7.0), ("", 0.0)])
def test_text_width_counts_wide_characters_as_one_em(text: str, em: float) -> None:
    assert text_width(text, 10) == pytest.approx(em * 10)


def test_both_layouts_are_marked_for_the_page_to_choose() -> None:
    wide = parse(charts.value_bars("t", [("a", 0.5)], "#000", "x"))
    narrow = parse(charts.value_bars("t", [("a", 0.5)], "#000", "x", width=NARROW))
    assert (wide.get("class"), narrow.get("class")) == ("chart wide", "chart narrow")
    assert wide.get("viewBox", "").split()[2] == f"{WIDE:g}"
