"""Benchmark: the transparency report's three charts drawn by each candidate library, measured three ways.

For the same report (3000 seeded audit events: the by-platform and by-category share bars, the
disparity bars and decisions over time), each renderer that is installed draws all three charts
``--runs`` times. Reported per renderer: the median time for the three charts, the time to import it
in a fresh interpreter, the SVG bytes, whether the SVG keeps its text as text (CJK labels laid out by
the browser) and needs nothing from outside (no script, no external reference), and the installed size
of the distributions it adds to hutong's own (from each distribution's file list, transitively).

    .venv/bin/python bench/report_charts.py [--runs N]

Candidates: ``hutong`` (``hutong.charts``, hand-written SVG), ``matplotlib`` (its SVG backend, as the
report used before) and ``pygal``; install the other two (``pip install matplotlib pygal``) to compare.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import io
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench.benchlib import machine  # noqa: E402
from hutong.report import ACTIONS, build_report, report_json  # noqa: E402
from hutong.store.sqlite_store import SqliteStore  # noqa: E402
from tests.store.events_gen import make_events  # noqa: E402

COLOURS = {"open": "#2e7d32", "confirm": "#f9a825", "copy": "#1565c0", "block": "#c62828"}
RENDERER_DISTS = {"matplotlib", "pygal"}


def _doc() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, SqliteStore(Path(tmp) / "a.sqlite3") as store:
        store.record(make_events(3000, seed=71))
        return report_json(build_report(store))


def hutong_charts(doc: dict[str, Any]) -> list[str]:
    from hutong import report_render as r

    buckets, unit = doc["over_time"]["buckets"], doc["over_time"]["bucket"]
    return [
        r._share_chart("Actions by platform", doc["by_platform"], str, "en"),
        r._disparity_chart(doc["disparity"], "en"),
        r._time_chart(buckets, unit, "en"),
    ]


def matplotlib_charts(doc: dict[str, Any]) -> list[str]:
    """The three charts as ``hutong.report_render`` drew them with matplotlib until it was replaced."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    rc: Any = {"svg.fonttype": "none", "svg.hashsalt": "hutong", "font.size": 9}

    def svg(fig: Any) -> str:
        buf = io.StringIO()
        with matplotlib.rc_context(rc):
            fig.savefig(buf, format="svg", bbox_inches="tight")
        return buf.getvalue()

    out = []
    rows = doc["by_platform"]
    names = list(rows)[:15]
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(7, 0.4 * len(names) + 1.2))
        ax = fig.subplots()
        left = [0.0] * len(names)
        for a in ACTIONS:
            shares = [rows[n].get(a, 0) / max(1, sum(rows[n].values())) for n in names]
            ax.barh(names, shares, left=left, color=COLOURS[a], label=a)
            left = [x + y for x, y in zip(left, shares, strict=True)]
        ax.set_xlim(0, 1)
        ax.legend(ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.08), frameon=False)
    out.append(svg(fig))
    cats = [c for c, d in doc["disparity"].items() if d["index"] is not None]
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(7, 0.4 * len(cats) + 1.2))
        ax = fig.subplots()
        ax.barh(cats, [doc["disparity"][c]["index"] for c in cats], color="#6a1b9a")
        ax.set_xlim(0, 1)
    out.append(svg(fig))
    buckets = doc["over_time"]["buckets"]
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(7, 2.8))
        ax = fig.subplots()
        xs = list(range(len(buckets)))
        for a in ACTIONS:
            ax.plot(xs, [b.get(a, 0) for b in buckets], color=COLOURS[a], label=a, marker=".")
        ax.set_xticks(xs[:: max(1, len(xs) // 8)], [str(b["start"])[:13] for b in buckets][:: max(1, len(xs) // 8)])
        ax.legend(ncols=4, frameon=False)
    out.append(svg(fig))
    return out


def pygal_charts(doc: dict[str, Any]) -> list[str]:
    import pygal
    from pygal.style import Style

    style = Style(colors=tuple(COLOURS[a] for a in ACTIONS))
    # js=[]: pygal links its tooltip script from a CDN by default, which the report's CSP (and offline use) forbid
    common: dict[str, Any] = {"js": [], "disable_xml_declaration": True, "style": style, "legend_at_bottom": False}
    rows = doc["by_platform"]
    names = list(rows)[:15]
    bars = pygal.HorizontalStackedBar(**common, x_labels=names, range=(0, 1))
    for a in ACTIONS:
        bars.add(a, [rows[n].get(a, 0) / max(1, sum(rows[n].values())) for n in names])
    cats = [c for c, d in doc["disparity"].items() if d["index"] is not None]
    disparity = pygal.HorizontalBar(**common, x_labels=cats, range=(0, 1))
    disparity.add("index", [doc["disparity"][c]["index"] for c in cats])
    buckets = doc["over_time"]["buckets"]
    line = pygal.Line(**common, x_labels=[str(b["start"])[:13] for b in buckets], x_label_rotation=30)
    for a in ACTIONS:
        line.add(a, [b.get(a, 0) for b in buckets])
    return [str(chart.render(is_unicode=True)) for chart in (bars, disparity, line)]


RENDERERS: dict[str, tuple[str, Callable[[dict[str, Any]], list[str]]]] = {
    "hutong": ("hutong.charts", hutong_charts),
    "matplotlib": ("matplotlib", matplotlib_charts),
    "pygal": ("pygal", pygal_charts),
}
DISTRIBUTIONS = {"hutong": [], "matplotlib": ["matplotlib"], "pygal": ["pygal"]}


def _requirements(dist: str, seen: set[str], skip: frozenset[str] = frozenset()) -> None:
    name = dist.lower().replace("_", "-")
    if name in seen or name in skip:
        return
    try:
        meta = md.distribution(dist)
    except md.PackageNotFoundError:
        return
    seen.add(name)
    for req in meta.requires or []:
        if "extra ==" in req:
            continue
        marker = req.split(";", 1)[1] if ";" in req else ""
        if "python_version" in marker and "<" in marker:
            continue  # a backport this interpreter does not need
        _requirements(re.split(r"[\s<>=!~\[;(]", req, maxsplit=1)[0], seen, skip)


def base() -> frozenset[str]:
    """hutong's runtime distributions without any chart library: what a renderer does not add."""
    seen: set[str] = set()
    _requirements("hutong", seen, frozenset(RENDERER_DISTS))
    return frozenset(seen)


def size_mb(names: set[str] | frozenset[str]) -> float:
    total = 0
    for name in names:
        for f in md.distribution(name).files or []:
            path = Path(str(f.locate()))
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


def installed_mb(dists: list[str]) -> tuple[float, list[str]]:
    """Bytes on disk of ``dists`` and everything they require beyond hutong's own runtime, in MB."""
    seen: set[str] = set()
    for d in dists:
        _requirements(d, seen, base())
    return size_mb(seen), sorted(seen)


def import_ms(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
    env_path = f"{ROOT / 'src'}"
    runs = []
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONPATH": env_path}
        )
        runs.append(float(done.stdout.strip()))
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    doc = _doc()
    print(f"# hutong's runtime distributions without a chart library: {size_mb(base()):.1f} MB")
    print(f"# {machine()}, {time.strftime('%Y-%m-%d')}, {args.runs} runs, 3000 events ({len(doc['over_time']['buckets'])} buckets)")
    print("renderer    | 3 charts (median ms) | import (ms) | SVG bytes | text as text | self-contained | installed (MB) | adds")
    for name, (module, draw) in RENDERERS.items():
        try:
            svgs = draw(doc)
        except ImportError:
            print(f"{name:11} | not installed")
            continue
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            draw(doc)
            times.append((time.perf_counter() - t) * 1000)
        size = sum(len(s.encode()) for s in svgs)
        text = all("<text" in s for s in svgs)
        contained = not any(re.search(r"<script|xlink:href=\"http|href=\"http", s) for s in svgs)
        mb, adds = installed_mb(DISTRIBUTIONS[name])
        print(
            f"{name:11} | {statistics.median(times):20.2f} | {import_ms(module):11.0f} | {size:9} | {text!s:12} | "
            f"{contained!s:14} | {mb:14.1f} | {', '.join(adds) or '-'}"
        )


if __name__ == "__main__":
    main()
