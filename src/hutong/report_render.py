"""Render a ``Report`` as JSON, CSV or one self-contained HTML page with SVG charts.

Every number on the page comes from ``report_json`` (the same document ``--format json``
prints), so the page and the export cannot disagree; tables carry the exact JSON value
in ``data-value`` and sort on click with a few lines of inline script (without script
they are plain tables). Charts are drawn by matplotlib's SVG backend, inline.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

import matplotlib

matplotlib.use("Agg")  # never a GUI backend, whatever the environment says

from matplotlib.figure import Figure

from .report import ACTIONS, Report, report_json
from .store.export import guard_formula

COLOURS = {"open": "#2e7d32", "confirm": "#f9a825", "copy": "#1565c0", "block": "#c62828"}
_SVG_RC: Any = {"svg.fonttype": "none", "svg.hashsalt": "hutong", "font.size": 9}


def render_report_json(report: Report) -> str:
    """The report as indented JSON text."""
    return json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n"


def csv_rows(report: Report) -> list[tuple[str, str, str, Any]]:
    """The report flattened to ``(section, key, field, value)`` rows, the CSV export's body."""
    doc = report_json(report)
    rows: list[tuple[str, str, str, Any]] = [
        ("summary", "", name, doc[name]) for name in ("since", "until", "total", "events", "cards")
    ]
    for section in ("by_platform", "by_category"):
        rows += [
            (section, name, action, n)
            for name, counts in doc[section].items()
            for action, n in counts.items()
        ]
    for cat, d in doc["disparity"].items():
        rows += [
            ("disparity", cat, "index", d["index"]),
            ("disparity", cat, "policy_neutral", d["policy_neutral"]),
        ]
        for level, g in d["levels"].items():
            rows.append(("disparity", cat, f"{level}.gap", g["gap"]))
            rows += [("disparity", cat, f"{level}.{p}.rate", r["rate"]) for p, r in g["rates"].items()]
    for cat, d in doc["listing_disparity"].items():
        rows.append(("listing_disparity", cat, "index", d["index"]))
        for level, g in d["levels"].items():
            rows.append(("listing_disparity", cat, f"{level}.gap", g["gap"]))
            rows += [("listing_disparity", cat, f"{level}.{grp}.rate", r["rate"]) for grp, r in g["rates"].items()]
        for grp, levels in d["counts"].items():
            for level, c in levels.items():
                rows += [("listing_disparity", cat, f"{level}.{grp}.{k}", c[k]) for k in ("open", "decisions")]
    rows += [("top_reasons", r["code"], "count", r["count"]) for r in doc["top_reasons"]]
    if doc["appeals"] is not None:
        rows += [("appeals", "", k, v) for k, v in doc["appeals"].items()]
    ct = doc["click_through"]
    rows += [("click_through", "all", k, ct[k]) for k in ("clicks", "through", "rate")]
    rows += [("click_through", p, k, v) for p, c in ct["by_platform"].items() for k, v in c.items()]
    rows += [
        ("over_time", b["start"], k, v)
        for b in doc["over_time"]["buckets"]
        for k, v in b.items()
        if k != "start"
    ]
    return rows


def render_report_csv(report: Report) -> str:
    """The report as CSV: one ``section,key,field,value`` row per number."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("section", "key", "field", "value"))
    for section, key, fld, value in csv_rows(report):
        writer.writerow((guard_formula(section), guard_formula(key), guard_formula(fld), _plain(value)))
    return out.getvalue()


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- charts ---------------------------------------------------------------------------------------------


def _svg(fig: Figure, label: str) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context(_SVG_RC):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)


def _share_chart(title: str, rows: dict[str, dict[str, int]]) -> str:
    names = list(rows)[:15]
    with matplotlib.rc_context(_SVG_RC):
        fig = Figure(figsize=(7, 0.4 * len(names) + 1.2))
        ax = fig.subplots()
        left = [0.0] * len(names)
        for action in ACTIONS:
            shares = [rows[n].get(action, 0) / max(1, sum(rows[n].values())) for n in names]
            ax.barh(names, shares, left=left, color=COLOURS[action], label=action)
            left = [a + b for a, b in zip(left, shares, strict=True)]
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of decisions")
        ax.set_title(title)
        ax.legend(ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.08), frameon=False)
    return _svg(fig, title)


def _time_chart(buckets: Sequence[dict[str, Any]], unit: str) -> str:
    title = f"Decisions per {unit}"
    with matplotlib.rc_context(_SVG_RC):
        fig = Figure(figsize=(7, 2.8))
        ax = fig.subplots()
        xs = list(range(len(buckets)))
        for action in ACTIONS:
            ax.plot(xs, [b.get(action, 0) for b in buckets], color=COLOURS[action], label=action, marker=".")
        step = max(1, len(xs) // 8)
        ax.set_xticks(xs[::step], [str(b["start"])[: 10 if unit == "day" else 13] for b in buckets][::step])
        ax.tick_params(axis="x", labelrotation=30)
        ax.set_ylabel("decisions")
        ax.set_title(title)
        ax.legend(ncols=4, frameon=False)
    return _svg(fig, title)


def _disparity_chart(disparity: dict[str, dict[str, Any]]) -> str:
    title = "Disparity index per category (0 = every platform opened alike)"
    cats = [c for c, d in disparity.items() if d["index"] is not None]
    with matplotlib.rc_context(_SVG_RC):
        fig = Figure(figsize=(7, 0.4 * len(cats) + 1.2))
        ax = fig.subplots()
        ax.barh(cats, [disparity[c]["index"] for c in cats], color="#6a1b9a")
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("largest gap in direct-open rate at one verdict level")
        ax.set_title(title)
    return _svg(fig, title)


# -- HTML -----------------------------------------------------------------------------------------------

SCRIPT = """
document.querySelectorAll('table.sortable th').forEach(function (th, i) {
  th.tabIndex = 0;
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0];
    var asc = th.dataset.dir !== 'asc';
    th.dataset.dir = asc ? 'asc' : 'desc';
    var key = function (tr) {
      var td = tr.children[i]; var v = td.dataset.value !== undefined ? td.dataset.value : td.textContent;
      var n = parseFloat(v); return isNaN(n) ? v : n;
    };
    Array.from(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
    }).forEach(function (tr) { body.appendChild(tr); });
  });
});
"""

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}
th{cursor:pointer;background:#f4f4f4;user-select:none}
th[data-dir=asc]::after{content:" ▲"} th[data-dir=desc]::after{content:" ▼"}
.ok{color:#2e7d32}.bad{color:#c62828}figure{margin:0 0 1rem}svg{max-width:100%;height:auto}
"""


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f'<td data-value="{value!r}">{value * 100:.2f}%</td>'
    if value is None:
        return '<td data-value="">–</td>'
    if isinstance(value, bool):
        return f'<td data-value="{str(value).lower()}">{"yes" if value else "no"}</td>'
    if isinstance(value, int):
        return f'<td data-value="{value}">{value}</td>'
    return f"<td>{escape(str(value))}</td>"


def _table(table_id: str, head: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    th = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return (
        f'<table class="sortable" id="{table_id}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'
    )


def _action_table(table_id: str, first: str, rows: dict[str, dict[str, int]]) -> str:
    actions = list(dict.fromkeys(a for counts in rows.values() for a in counts)) or list(ACTIONS)
    return _table(
        table_id,
        [first, *actions, "total"],
        ([name, *(c.get(a, 0) for a in actions), sum(c.values())] for name, c in rows.items()),
    )


def _appeals_html(appeals: dict[str, int] | None) -> str:
    if appeals is None:
        return ""
    return (
        "<h2>Appeals <small>申诉</small></h2>"
        "<p>Reports of a mistake that visitors sent from block and warning pages, and how many led the "
        "operator to allow the site.</p>"
        + _table(
            "appeals",
            ["appeals", "received", "led to a change", "open"],
            [["all", appeals["received"], appeals["led_to_change"], appeals["open"]]],
        )
    )


def render_report_html(report: Report) -> str:
    """The report as one self-contained HTML page (the service mounts it at ``/report``)."""
    doc = report_json(report)
    neutral = doc["neutrality"]
    neutral_html = (
        "<p>The policy was not checked for neutrality in this report.</p>"
        if neutral is None
        else f"<p>Policy <b>{escape(neutral['policy'])}</b> (version {escape(neutral['version'])}): "
        + (
            '<span class="ok">neutral: every platform of a category, and an unlisted site of it, gets the same '
            "decision for the same inputs.</span>"
            if neutral["neutral"]
            else f'<span class="bad">{neutral["disparities"]} input combinations treat platforms '
            "of one category "
            "differently (each from a justified rule).</span>"
        )
        + "</p>"
    )
    disparity_rows = [
        [
            cat,
            d["index"],
            max(d["levels"], key=lambda lv: d["levels"][lv]["gap"]) if d["levels"] else None,
            d["policy_neutral"],
            d["policy_disparities"],
        ]
        for cat, d in doc["disparity"].items()
    ]
    listing_rows = []
    for cat, d in doc["listing_disparity"].items():
        widest = max(d["levels"], key=lambda lv: d["levels"][lv]["gap"]) if d["levels"] else None
        rates = d["levels"][widest]["rates"] if widest else {}
        listing_rows.append(
            [
                cat,
                d["index"],
                widest,
                rates["listed"]["rate"] if rates else None,
                rates["unlisted"]["rate"] if rates else None,
                sum(c["decisions"] for c in d["counts"]["listed"].values()),
                sum(c["decisions"] for c in d["counts"]["unlisted"].values()),
            ]
        )
    ct = doc["click_through"]
    period = f"{doc['since'] or 'the first event'} to {doc['until'] or 'the last event'}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>hutong transparency report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Transparency report <small>透明度报告</small></h1>",
        f"<p>From {escape(period)}; generated {escape(doc['generated_at'])}. "
        f'<span id="total" data-value="{doc["total"]}">{doc["total"]}</span> '
        "decisions when links were shown, "
        f'<span id="events" data-value="{doc["events"]}">{doc["events"]}</span> events in all, '
        f'<span id="cards" data-value="{doc["cards"]}">{doc["cards"]}</span> with a preview card.</p>',
        "<h2>By platform <small>按平台</small></h2>",
        f"<figure>{_share_chart('Actions by platform', doc['by_platform'])}</figure>"
        if doc["by_platform"]
        else "",
        _action_table("by_platform", "platform", doc["by_platform"]),
        "<h2>By category <small>按类别</small></h2>",
        f"<figure>{_share_chart('Actions by category', doc['by_category'])}</figure>"
        if doc["by_category"]
        else "",
        _action_table("by_category", "category", doc["by_category"]),
        "<h2>Disparity <small>差别对待指数</small></h2>",
        "<p>For each category: the largest gap, at one verdict level, between the direct-open rates "
        "of the most and least favoured platforms (platforms with at least "
        f"{doc['disparity_min_events']} decisions at that "
        "level). Beside it, the static neutrality check of the policy for the same category.</p>",
        neutral_html,
        f"<figure>{_disparity_chart(doc['disparity'])}</figure>"
        if any(d["index"] is not None for d in doc["disparity"].values())
        else "",
        _table(
            "disparity",
            ["category", "index", "widest at level", "policy neutral", "policy disparities"],
            disparity_rows,
        ),
        "<h3>Listed and unlisted sites <small>收录与未收录网站</small></h3>",
        "<p>The same index between two groups: links to sites a platform file names (listed) and links to "
        "every other site (unlisted), each group needing at least "
        f"{doc['disparity_min_events']} decisions at a level. A platform file is knowledge of how to read a "
        "platform's links, never trust; an unlisted link gets a category other than <i>unknown</i> only from "
        "its page's own structured data, so the decision counts of both groups are shown as well.</p>",
        _table(
            "listing_disparity",
            [
                "category",
                "index",
                "widest at level",
                "listed open rate",
                "unlisted open rate",
                "listed decisions",
                "unlisted decisions",
            ],
            listing_rows,
        ),
        "<h2>Top reasons <small>主要原因</small></h2>",
        _table("top_reasons", ["reason", "decisions"], ([r["code"], r["count"]] for r in doc["top_reasons"])),
        "<h2>Click-through <small>点击后继续访问</small></h2>",
        _table(
            "click_through",
            ["platform", "clicks", "went on", "rate"],
            [["all", ct["clicks"], ct["through"], ct["rate"]]]
            + [[p, c["clicks"], c["through"], c["rate"]] for p, c in ct["by_platform"].items()],
        ),
        _appeals_html(doc["appeals"]),
        f"<h2>Over time <small>随时间</small> (per {doc['over_time']['bucket']})</h2>",
        f"<figure>{_time_chart(doc['over_time']['buckets'], doc['over_time']['bucket'])}</figure>"
        if doc["over_time"]["buckets"]
        else "",
        _action_table(
            "over_time",
            "start",
            {
                b["start"]: {a: b[a] for a in b if a not in ("start", "total")}
                for b in doc["over_time"]["buckets"]
            },
        ),
        f"<script>{SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)
