"""Render a ``Report`` as JSON, CSV or one self-contained HTML page with SVG charts, in English or Chinese.

Every number on the page comes from ``report_json`` (the same document ``--format json``
prints), so the page and the export cannot disagree; tables carry the exact JSON value
in ``data-value`` and sort on click with a few lines of inline script (without script
they are plain tables), and scroll inside their own box on a narrow screen. Charts are
inline SVG from ``hutong.charts``; every word comes from ``hutong.report_i18n``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from . import charts
from .report import ACTIONS, LISTED, UNLISTED, Report, report_json
from .report_i18n import HTML_LANG, ReportLang, name_of, platform_name, rt
from .store.export import guard_formula

COLOURS = {"open": "#2e7d32", "confirm": "#f9a825", "copy": "#1565c0", "block": "#c62828"}
MAX_CHART_ROWS = 15  # bars per chart; the table below a chart has every row
HOUR_STEPS = (1, 2, 3, 4, 6, 12, 24, 48, 72, 168)  # buckets between labels on the time axis: whole hours of a day
DAY_STEPS = (1, 2, 7, 14, 28, 56, 91, 182, 364)  # ... and days, weeks, months


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
    reach = doc["reachability"]
    lines = ({"all": reach["all"]} if reach["all"] else {}) | reach["by_platform"]
    for name, line in lines.items():
        rows.append(("reachability", name, "checked", line["checked"]))
        rows += [("reachability", name, k, n) for k, n in line["counts"].items()]
        rows += [("reachability", name, f"{k}.share", v) for k, v in line["share"].items()]
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


def _both(draw: Callable[[float], str]) -> str:
    """The chart in its desktop and its phone layout; the page's CSS shows the one that fits."""
    return draw(charts.WIDE) + draw(charts.NARROW)


def _share_chart(
    title: str, rows: dict[str, dict[str, int]], label: Callable[[str], str], lang: ReportLang
) -> str:
    names = list(rows)[:MAX_CHART_ROWS]
    actions = [a for a in ACTIONS if any(rows[n].get(a, 0) for n in names)] or list(ACTIONS)
    series = [
        charts.Series(name_of("action", a, lang), COLOURS[a], tuple(float(rows[n].get(a, 0)) for n in names))
        for a in actions
    ]
    labels = [label(n) for n in names]
    return _both(
        lambda width: charts.share_bars(
            title, labels, series, rt("chart.share", lang), tooltip=rt("chart.tooltip", lang), width=width
        )
    )


def _bucket_label(start: str, unit: str) -> str:
    """``2026-12-01`` for a day, ``12-01 08:00`` for an hour (UTC, as the axis says)."""
    return start[:10] if unit == "day" else f"{start[5:10]} {start[11:13]}:00"


def _time_chart(buckets: Sequence[dict[str, Any]], unit: str, lang: ReportLang) -> str:
    bucket = rt(f"bucket.{unit}", lang)
    series = [
        charts.Series(name_of("action", a, lang), COLOURS[a], tuple(float(b.get(a, 0)) for b in buckets))
        for a in ACTIONS
    ]
    labels = [_bucket_label(str(b["start"]), unit) for b in buckets]
    return _both(
        lambda width: charts.lines(
            rt("chart.time", lang, bucket=bucket),
            labels,
            series,
            rt(f"chart.time.x.{unit}", lang),
            rt("chart.time.y", lang),
            width=width,
            tick_steps=HOUR_STEPS if unit == "hour" else DAY_STEPS,
        )
    )


def _disparity_chart(disparity: dict[str, dict[str, Any]], lang: ReportLang) -> str:
    rows = [(name_of("cat", c, lang), float(d["index"])) for c, d in disparity.items() if d["index"] is not None]
    return _both(
        lambda width: charts.value_bars(
            rt("chart.disparity", lang), rows, "#6a1b9a", rt("chart.disparity.axis", lang), width=width
        )
    )


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
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
header{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:.5rem}
h1{margin:.2rem 0}
.scroll{overflow-x:auto;margin:.5rem 0 1.5rem;max-width:100%}
.scroll:focus{outline:2px solid #1565c0}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:right}
td{white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal}
th,td{word-break:keep-all}
th{cursor:pointer;background:#f4f4f4;user-select:none;vertical-align:bottom}
th[data-dir=asc]::after{content:" ▲"} th[data-dir=desc]::after{content:" ▼"}
.ok{color:#2e7d32}.bad{color:#c62828}figure{margin:0 0 1rem}svg.chart{display:block;height:auto}
svg.chart text{font-family:inherit}svg.chart.narrow{display:none}
code{font-size:.92em}
@media (max-width:600px){body{margin:1rem auto;padding:0 .6rem;font-size:13px}h1{font-size:1.45rem}
th,td{padding:.25rem .35rem}}
@media (max-width:700px){svg.chart.wide{display:none}svg.chart.narrow{display:block}}
"""


def _cell(value: Any, lang: ReportLang) -> str:
    if isinstance(value, Code):
        return f'<td data-value="{escape(value.code)}"><code>{escape(value.code)}</code></td>'
    if isinstance(value, Named):
        return f'<td data-value="{escape(value.key)}">{escape(value.text)}</td>'
    if isinstance(value, bool):
        return f'<td data-value="{str(value).lower()}">{rt("yes" if value else "no", lang)}</td>'
    if isinstance(value, float):
        return f'<td data-value="{value!r}">{value * 100:.2f}%</td>'
    if value is None:
        return '<td data-value="">–</td>'
    if isinstance(value, int):
        return f'<td data-value="{value}">{value}</td>'
    return f"<td>{escape(str(value))}</td>"


@dataclass(frozen=True, slots=True)
class Named:
    """A cell showing a name in words, sorted by the stable key behind it."""

    key: str
    text: str


@dataclass(frozen=True, slots=True)
class Code:
    """A cell showing a stable code (a reason code) as code."""

    code: str


def _table(table_id: str, head: Sequence[str], rows: Iterable[Sequence[Any]], lang: ReportLang, caption: str) -> str:
    th = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(_cell(v, lang) for v in row) + "</tr>" for row in rows)
    return (
        f'<div class="scroll" role="region" tabindex="0" aria-label="{escape(caption)}">'
        f'<table class="sortable" id="{table_id}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>'
    )


def _action_table(
    table_id: str,
    first: str,
    rows: dict[str, dict[str, int]],
    label: Callable[[str], str],
    lang: ReportLang,
    caption: str,
) -> str:
    actions = list(dict.fromkeys(a for counts in rows.values() for a in counts)) or list(ACTIONS)
    return _table(
        table_id,
        [first, *(name_of("action", a, lang) for a in actions), rt("col.total", lang)],
        ([Named(name, label(name)), *(c.get(a, 0) for a in actions), sum(c.values())] for name, c in rows.items()),
        lang,
        caption,
    )


def _appeals_html(appeals: dict[str, int] | None, lang: ReportLang) -> str:
    if appeals is None:
        return ""
    return (
        f"<h2>{escape(rt('h.appeals', lang))}</h2><p>{escape(rt('appeals.intro', lang))}</p>"
        + _table(
            "appeals",
            [rt(k, lang) for k in ("col.appeals", "col.received", "col.changed", "col.open")],
            [[Named("all", rt("all", lang)), appeals["received"], appeals["led_to_change"], appeals["open"]]],
            lang,
            rt("h.appeals", lang),
        )
    )


def _reach_html(reach: dict[str, Any], plat: Callable[[str], str], lang: ReportLang) -> str:
    kinds = reach["kinds"]
    lines = ([("all", rt("all", lang), reach["all"])] if reach["all"] else []) + [
        (p, plat(p), line) for p, line in reach["by_platform"].items()
    ]
    return (
        f"<h2>{escape(rt('h.reach', lang))}</h2><p>{escape(rt('reach.intro', lang))}</p>"
        + _table(
            "reachability",
            [rt("col.platform", lang), rt("col.checked", lang), *(name_of("reach", k, lang) for k in kinds)],
            ([Named(key, shown), line["checked"], *(line["share"].get(k, 0.0) for k in kinds)]
             for key, shown, line in lines),
            lang,
            rt("h.reach", lang),
        )
    )


def _widest(levels: dict[str, Any]) -> str | None:
    return max(levels, key=lambda lv: levels[lv]["gap"]) if levels else None


def _level(level: str | None, lang: ReportLang) -> Named | None:
    return None if level is None else Named(level, name_of("level", level, lang))


def _neutrality_html(neutral: dict[str, Any] | None, lang: ReportLang) -> str:
    if neutral is None:
        return f"<p>{escape(rt('policy.none', lang))}</p>"
    head = rt("policy.head", lang, policy="\x00", version=neutral["version"])
    before, _, after = escape(head).partition("\x00")
    verdict = (
        f'<span class="ok">{escape(rt("policy.neutral", lang))}</span>'
        if neutral["neutral"]
        else f'<span class="bad">{escape(rt("policy.not_neutral", lang, n=neutral["disparities"]))}</span>'
    )
    return f"<p>{before}<b>{escape(neutral['policy'])}</b>{after} {verdict}</p>"


def _span(key: str, value: int) -> str:
    return f'<span id="{key}" data-value="{value}">{value}</span>'


def render_report_html(report: Report, lang: ReportLang = "en", *, switch_href: str | None = None) -> str:
    """The report as one self-contained HTML page in ``lang`` (the service mounts it at ``/report``);
    ``switch_href`` is the same report's address in the other language, linked from the page."""
    doc = report_json(report)
    unit = doc["over_time"]["bucket"]

    def cat(c: str) -> str:
        return name_of("cat", c, lang)

    def plat(p: str) -> str:
        return platform_name(p, lang)

    def start_label(start: str) -> str:
        return _bucket_label(start, unit)

    disparity_rows = [
        [Named(c, cat(c)), d["index"], _level(_widest(d["levels"]), lang), d["policy_neutral"], d["policy_disparities"]]
        for c, d in doc["disparity"].items()
    ]
    listing_rows = []
    for c, d in doc["listing_disparity"].items():
        widest = _widest(d["levels"])
        rates = d["levels"][widest]["rates"] if widest else {}
        listing_rows.append(
            [
                Named(c, cat(c)),
                d["index"],
                _level(widest, lang),
                rates[LISTED]["rate"] if rates else None,
                rates[UNLISTED]["rate"] if rates else None,
                sum(n["decisions"] for n in d["counts"][LISTED].values()),
                sum(n["decisions"] for n in d["counts"][UNLISTED].values()),
            ]
        )
    ct = doc["click_through"]
    buckets = doc["over_time"]["buckets"]
    period = rt(
        "period",
        lang,
        since=doc["since"] or rt("period.first", lang),
        until=doc["until"] or rt("period.last", lang),
        generated=doc["generated_at"],
    )
    totals = escape(rt("totals", lang, total="\x00t", events="\x00e", cards="\x00c"))
    totals = (
        totals.replace("\x00t", _span("total", doc["total"]))
        .replace("\x00e", _span("events", doc["events"]))
        .replace("\x00c", _span("cards", doc["cards"]))
    )
    other: ReportLang = "zh" if lang == "en" else "en"
    switch = (
        f'<a href="{escape(switch_href)}" hreflang="{HTML_LANG[other]}" lang="{HTML_LANG[other]}">'
        f"{escape(rt('switch', lang))}</a>"
        if switch_href
        else ""
    )

    def h2(key: str, **values: object) -> str:
        return f"<h2>{escape(rt(key, lang, **values))}</h2>"

    def figure(svg: str) -> str:
        return f"<figure>{svg}</figure>"

    min_events = doc["disparity_min_events"]
    parts = [
        "<!doctype html>",
        f'<html lang="{HTML_LANG[lang]}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(rt('page.title', lang))}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<header><h1>{escape(rt('title', lang))}</h1>{switch}</header>",
        f"<p>{escape(period)} {totals}</p>",
        h2("h.platform"),
        figure(_share_chart(rt("chart.platform", lang), doc["by_platform"], plat, lang)) if doc["by_platform"] else "",
        _action_table("by_platform", rt("col.platform", lang), doc["by_platform"], plat, lang, rt("h.platform", lang)),
        h2("h.category"),
        figure(_share_chart(rt("chart.category", lang), doc["by_category"], cat, lang)) if doc["by_category"] else "",
        _action_table("by_category", rt("col.category", lang), doc["by_category"], cat, lang, rt("h.category", lang)),
        h2("h.disparity"),
        f"<p>{escape(rt('disparity.intro', lang, min=min_events))}</p>",
        _neutrality_html(doc["neutrality"], lang),
        figure(_disparity_chart(doc["disparity"], lang))
        if any(d["index"] is not None for d in doc["disparity"].values())
        else "",
        _table(
            "disparity",
            [rt(k, lang) for k in ("col.category", "col.index", "col.widest", "col.policy_neutral",
                                    "col.policy_disparities")],
            disparity_rows,
            lang,
            rt("h.disparity", lang),
        ),
        f"<h3>{escape(rt('h.listing', lang))}</h3>",
        f"<p>{escape(rt('listing.intro', lang, min=min_events))}</p>",
        _table(
            "listing_disparity",
            [rt(k, lang) for k in ("col.category", "col.index", "col.widest", "col.listed_rate", "col.unlisted_rate",
                                    "col.listed_n", "col.unlisted_n")],
            listing_rows,
            lang,
            rt("h.listing", lang),
        ),
        _reach_html(doc["reachability"], plat, lang),
        h2("h.reasons"),
        _table(
            "top_reasons",
            [rt("col.code", lang), rt("col.decisions", lang)],
            ([Code(r["code"]), r["count"]] for r in doc["top_reasons"]),
            lang,
            rt("h.reasons", lang),
        ),
        h2("h.clicks"),
        _table(
            "click_through",
            [rt(k, lang) for k in ("col.platform", "col.clicks", "col.through", "col.rate")],
            [[Named("all", rt("all", lang)), ct["clicks"], ct["through"], ct["rate"]]]
            + [[Named(p, plat(p)), c["clicks"], c["through"], c["rate"]] for p, c in ct["by_platform"].items()],
            lang,
            rt("h.clicks", lang),
        ),
        _appeals_html(doc["appeals"], lang),
        h2("h.time", bucket=rt(f"bucket.{unit}", lang)),
        figure(_time_chart(buckets, unit, lang)) if buckets else "",
        _action_table(
            "over_time",
            rt("col.start", lang),
            {b["start"]: {a: b[a] for a in b if a not in ("start", "total")} for b in buckets},
            start_label,
            lang,
            rt("h.time", lang, bucket=rt(f"bucket.{unit}", lang)),
        ),
        f"<script>{SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)
