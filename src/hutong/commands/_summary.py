"""``hutong report`` to a terminal: the report's headline numbers as a few rich tables.

Every number comes from ``report_json``, as on the HTML page; the page (``--format html``)
has the charts and every row.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console

from ..report import ACTIONS, Report, report_json
from ._output import line, note, print_rows

TOP = 10  # rows of a table shown here; the page and the exports have them all


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _actions(doc: dict[str, dict[str, int]], first: str) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    columns = (first, *ACTIONS, "total")
    rows = [
        (name, *(str(counts.get(a, 0)) for a in ACTIONS), str(sum(counts.values())))
        for name, counts in list(doc.items())[:TOP]
    ]
    return columns, rows


def print_summary(con: Console, report: Report) -> None:
    """The summary: the window and totals, actions by category and platform, disparity, reasons, clicks."""
    doc: dict[str, Any] = report_json(report)
    period = f"{doc['since'] or 'the first event'} to {doc['until'] or 'the last event'}"
    con.print("[bold]hutong transparency report[/bold]")
    line(con, "", f"From {period}; generated {doc['generated_at']}.")
    line(
        con,
        "",
        f"{doc['total']} decisions when links were shown, {doc['events']} events in all, "
        f"{doc['cards']} with a preview card.",
    )
    if not doc["total"]:
        note(con, "no decisions in this window: the audit log is empty here (hutong serve records them)")
    neutral = doc["neutrality"]
    if neutral is not None:
        verdict = "neutral" if neutral["neutral"] else f"{neutral['disparities']} disparities (justified rules)"
        line(con, "", f"Policy {neutral['policy']} ({neutral['version']}): {verdict}.")
    for title, key, first in (("By category", "by_category", "category"), ("By platform", "by_platform", "platform")):
        if doc[key]:
            con.print()
            columns, rows = _actions(doc[key], first)
            print_rows(con, columns, rows, title=title)
    measured = [(c, d) for c, d in doc["disparity"].items() if d["index"] is not None]
    listed = [(c, d) for c, d in doc["listing_disparity"].items() if d["index"] is not None]
    if measured or listed:
        con.print()
        rows = [(c, "platforms", _pct(d["index"])) for c, d in measured]
        rows += [(c, "listed vs unlisted", _pct(d["index"])) for c, d in listed]
        print_rows(con, ("category", "between", "disparity index"), rows, title="Disparity (largest open-rate gap)")
    if doc["top_reasons"]:
        con.print()
        reasons = [(r["code"], str(r["count"])) for r in doc["top_reasons"][:TOP]]
        print_rows(con, ("reason", "decisions"), reasons, title="Top reasons")
    ct = doc["click_through"]
    if ct["clicks"]:
        con.print()
        line(con, "", f"Click-through: {ct['through']} of {ct['clicks']} clicks went on ({_pct(ct['rate'])}).")
    appeals = doc.get("appeals")
    if appeals:
        line(
            con,
            "",
            f"Appeals: {appeals['received']} reports of a mistake, {appeals['led_to_change']} led to a change, "
            f"{appeals['open']} open.",
        )
    con.print()
    line(con, "", "Every row and the charts: hutong report --format html -o report.html (or json, csv).")
