"""The report's numbers against a generated event log with known counts, on both backends and every format."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from hutong.audit import AuditEvent
from hutong.core.policy import default_policy
from hutong.report import build_report, report_json
from hutong.report_render import csv_rows, render_report_csv, render_report_html, render_report_json
from hutong.store.audit_store import AuditStore
from tests.store.events_gen import in_range, make_events

T0 = 1_700_000_000.0


def naive_actions(events: list[AuditEvent], key: str) -> dict[str, dict[str, int]]:
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for e in events:
        if e.stage == "check":
            table[getattr(e, key) or "unknown"][e.action] += 1
    return {k: {a: c.get(a, 0) for a in ("open", "confirm", "copy", "block")} for k, c in table.items()}


@pytest.mark.parametrize(
    ("since", "until"), [(None, None), (T0 + 5000.5, T0 + 2 * 86400 + 77)], ids=["all", "mid-hour window"]
)
def test_counts_match_the_generated_log(store: AuditStore, since: float | None, until: float | None) -> None:
    events = make_events(3000, seed=41)
    store.record(events)
    doc = report_json(build_report(store, since, until))
    chosen = in_range(events, since, until)
    checks = [e for e in chosen if e.stage == "check"]
    clicks = [e for e in chosen if e.stage == "click"]
    assert doc["total"] == len(checks)
    assert doc["events"] == len(chosen)
    assert doc["cards"] == sum(e.card for e in checks)
    assert doc["by_platform"] == naive_actions(chosen, "platform")
    assert "unknown" in doc["by_platform"]  # the null platform, by name
    assert doc["by_category"] == naive_actions(chosen, "category")
    reasons = Counter(r for e in checks for r in e.reasons)
    assert {r["code"]: r["count"] for r in doc["top_reasons"]} == dict(reasons)
    assert doc["click_through"]["clicks"] == len(clicks)
    assert doc["click_through"]["through"] == sum(bool(e.clicked_through) for e in clicks)
    assert sum(b["total"] for b in doc["over_time"]["buckets"]) == len(checks)


def _event(platform: str | None, level: str, action: str, category: str = "video") -> AuditEvent:
    return AuditEvent(
        time=T0,
        stage="check",
        context="group",
        site=None,
        platform=platform,
        category=category,
        kind=None,
        level=level,
        reasons=(),
        action=action,
        rule="r",
        policy_version="v",
    )


def _block(
    platform: str | None, level: str, opens: int, others: int, category: str = "video"
) -> list[AuditEvent]:
    return [_event(platform, level, "open", category)] * opens + [
        _event(platform, level, "confirm", category)
    ] * others


DISPARITY = {
    "two platforms, one level": (_block("a", "safe", 30, 10) + _block("b", "safe", 10, 30), 0.5, "a", "b"),
    "a small sample is left out": (
        _block("a", "safe", 20, 0) + _block("b", "safe", 10, 10) + _block("c", "safe", 0, 5),
        0.5,
        "a",
        "b",
    ),
    "widest level wins": (
        _block("a", "safe", 20, 0)
        + _block("b", "safe", 18, 2)
        + _block("a", "unknown", 5, 15)
        + _block("b", "unknown", 15, 5),
        0.5,
        "b",
        "a",
    ),
    "unidentified links are not a platform": (
        _block("a", "safe", 20, 0) + _block(None, "safe", 0, 40),
        None,
        "",
        "",
    ),
    "equal treatment": (_block("a", "safe", 10, 10) + _block("b", "safe", 10, 10), 0.0, "a", "b"),
}


@pytest.mark.parametrize(("events", "index", "most", "least"), list(DISPARITY.values()), ids=list(DISPARITY))
def test_disparity_index(
    store: AuditStore, events: list[AuditEvent], index: float | None, most: str, least: str
) -> None:
    store.record(events)
    d = report_json(build_report(store, min_events=20))["disparity"]["video"]
    assert d["index"] == index
    if index is not None:
        widest = max(d["levels"].values(), key=lambda g: g["gap"])
        assert (widest["most"], widest["least"]) == (most, least)


LISTING = {
    # (events, index in "ecommerce", most favoured group at the widest level)
    "listed shops open, unlisted shops ask": (
        _block("jd", "safe", 30, 10, "ecommerce") + _block(None, "safe", 10, 30, "ecommerce"),
        0.5,
        "listed",
    ),
    "alike": (
        _block("jd", "safe", 20, 20, "ecommerce")
        + _block("taobao", "safe", 5, 5, "ecommerce")
        + _block(None, "safe", 25, 25, "ecommerce"),
        0.0,
        "listed",  # a tie: the groups are ordered by name
    ),
    "unlisted favoured": (
        _block("jd", "unknown", 0, 20, "ecommerce") + _block(None, "unknown", 10, 10, "ecommerce"),
        0.5,
        "unlisted",
    ),
    "too few unlisted decisions to compare": (
        _block("jd", "safe", 30, 10, "ecommerce") + _block(None, "safe", 0, 19, "ecommerce"),
        None,
        "",
    ),
    "unlisted links only in another category": (
        _block("jd", "safe", 30, 10, "ecommerce") + _block(None, "safe", 0, 40, "unknown"),
        None,
        "",
    ),
}


@pytest.mark.parametrize(("events", "index", "most"), list(LISTING.values()), ids=list(LISTING))
def test_listed_vs_unlisted_disparity_index(
    store: AuditStore, events: list[AuditEvent], index: float | None, most: str
) -> None:
    store.record(events)
    doc = report_json(build_report(store, min_events=20))
    d = doc["listing_disparity"]["ecommerce"]
    assert d["index"] == index
    if index is not None:
        widest = max(d["levels"].values(), key=lambda g: g["gap"])
        assert widest["most"] == most
    # every count is shown, compared or not: the groups add up to the category's decisions
    shown = sum(c["decisions"] for group in d["counts"].values() for c in group.values())
    assert shown == sum(doc["by_category"].get("ecommerce", {}).values())
    assert set(doc["listing_disparity"]) >= {"ecommerce", "unknown", "video"}  # every category, events or not


def _recomputed(rates: dict[str, dict[str, int]]) -> tuple[float, dict[str, float]]:
    """(gap, rate per member) from the raw counts alone, as an auditor would."""
    got = {name: round(r["open"] / r["decisions"], 4) for name, r in rates.items()}
    return round(max(got.values()) - min(got.values()), 4), got


def test_an_auditor_recomputes_both_indexes_from_the_json_export(store: AuditStore) -> None:
    events = make_events(6000, seed=45)
    store.record(events)
    doc = json.loads(render_report_json(build_report(store, min_events=20, now=T0)))
    checks = [e for e in events if e.stage == "check"]
    for section in ("disparity", "listing_disparity"):
        for cat, d in doc[section].items():
            gaps = []
            for level, g in d["levels"].items():
                gap, rates = _recomputed(g["rates"])
                assert (g["gap"], {k: v["rate"] for k, v in g["rates"].items()}) == (gap, rates), (section, cat)
                assert {g["most"], g["least"]} == {max(rates, key=rates.__getitem__), min(rates, key=rates.__getitem__)}
                assert all(v["decisions"] >= doc["disparity_min_events"] for v in g["rates"].values())
                gaps.append(gap)
                if section == "listing_disparity":  # and the counts are the log's
                    for group, r in g["rates"].items():
                        cell = [e for e in checks if e.category == cat and e.level == level]
                        cell = [e for e in cell if (e.platform is None) == (group == "unlisted")]
                        assert (r["open"], r["decisions"]) == (sum(e.action == "open" for e in cell), len(cell))
            assert d["index"] == (max(gaps) if gaps else None)
    assert any(d["index"] is not None for d in doc["listing_disparity"].values())


def test_neutrality_check_sits_beside_the_disparity(store: AuditStore) -> None:
    store.record(_block("a", "safe", 30, 10))
    report = build_report(store, policy=default_policy())
    doc = report_json(report)
    assert doc["neutrality"] is not None
    assert doc["neutrality"]["neutral"] is True
    assert doc["disparity"]["video"]["policy_neutral"] is True
    assert "unknown" in doc["disparity"]  # every policy category is reported, with or without events


def _tables(page: str) -> dict[str, list[list[str]]]:
    """Every table body as rows of cells: the exact ``data-value`` where a cell has one, else its text."""
    out = {}
    for table in HTMLParser(page).css("table"):
        out[table.attributes["id"] or ""] = [
            [
                value if (value := td.attributes.get("data-value")) is not None else td.text()
                for td in tr.css("td")
            ]
            for tr in table.css("tbody tr")
        ]
    return out


def test_html_numbers_match_the_json_export_exactly(store: AuditStore) -> None:
    store.record(make_events(2500, seed=43) + _block("alpha", "safe", 25, 5) + _block("beta", "safe", 5, 25))
    report = build_report(store, policy=default_policy(), now=T0)
    doc = json.loads(render_report_json(report))
    page = render_report_html(report)
    tables = _tables(page)
    total = HTMLParser(page).css_first("#total")
    assert total is not None and total.attributes.get("data-value") == str(doc["total"])
    for section in ("by_platform", "by_category"):
        got = {row[0]: [int(v) for v in row[1:]] for row in tables[section]}
        want = {k: [*v.values(), sum(v.values())] for k, v in doc[section].items()}
        assert got == want
    got_disp = {row[0]: row[1] for row in tables["disparity"]}
    assert got_disp == {
        k: ("" if v["index"] is None else repr(v["index"])) for k, v in doc["disparity"].items()
    }
    assert {r[0]: int(r[1]) for r in tables["top_reasons"]} == {
        r["code"]: r["count"] for r in doc["top_reasons"]
    }
    ct = doc["click_through"]
    assert tables["click_through"][0] == ["all", str(ct["clicks"]), str(ct["through"]), repr(ct["rate"])]
    got_listing = {row[0]: row[1] for row in tables["listing_disparity"]}
    assert got_listing == {
        k: ("" if v["index"] is None else repr(v["index"])) for k, v in doc["listing_disparity"].items()
    }
    assert [int(r[-1]) for r in tables["over_time"]] == [b["total"] for b in doc["over_time"]["buckets"]]
    assert page.count("<svg") >= 4  # platform, category, disparity and time charts


def test_csv_carries_every_number_of_the_json(store: AuditStore) -> None:
    store.record(make_events(800, seed=44))
    report = build_report(store, now=T0)
    rows = list(csv.reader(io.StringIO(render_report_csv(report))))
    assert rows[0] == ["section", "key", "field", "value"]
    doc = report_json(report)
    by_platform = {(r[1], r[2]): int(r[3]) for r in rows[1:] if r[0] == "by_platform"}
    assert by_platform == {(p, a): n for p, c in doc["by_platform"].items() for a, n in c.items()}
    assert len(rows) - 1 == len(csv_rows(report))
    assert ["summary", "", "total", str(doc["total"])] in rows
    listing = {(r[1], r[2]): r[3] for r in rows[1:] if r[0] == "listing_disparity"}
    for cat, d in doc["listing_disparity"].items():
        assert listing[(cat, "index")] == ("" if d["index"] is None else str(d["index"]))
        for group, levels in d["counts"].items():
            for level, c in levels.items():
                assert listing[(cat, f"{level}.{group}.decisions")] == str(c["decisions"])


def test_an_empty_log_renders_everywhere(store: AuditStore) -> None:
    report = build_report(store, T0, T0 + 3600)
    assert report_json(report)["total"] == 0
    assert "<table" in render_report_html(report)
    assert render_report_csv(report).startswith("section,key,field,value")


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        (None, None, {"received": 4, "led_to_change": 2, "open": 1}),
        (T0 + 1.5 * 3600, None, {"received": 2, "led_to_change": 1, "open": 1}),
        (T0 + 10 * 3600, T0 + 11 * 3600, {"received": 0, "led_to_change": 0, "open": 0}),
    ],
    ids=["all", "later half", "none in the window"],
)
def test_appeals_are_counted_with_how_many_led_to_a_change(
    store: AuditStore, since: float | None, until: float | None, expected: dict[str, int]
) -> None:
    from tests.store.test_appeals_store import appeal

    numbers = [store.add_appeal(appeal(T0 + i * 3600)) for i in range(4)]  # type: ignore[attr-defined]
    for number, status in zip(numbers, ("allowed", "dismissed", "allowed", None), strict=True):
        if status:
            store.settle_appeal(number, status, at=T0 + 9 * 3600, by="ops", note="")  # type: ignore[attr-defined]
    built = build_report(store, since, until)
    doc = report_json(built)
    assert doc["appeals"] == expected
    rows = {(s, f): v for s, _, f, v in csv_rows(built) if s == "appeals"}
    assert rows == {("appeals", k): v for k, v in expected.items()}
    table = HTMLParser(render_report_html(built)).css_first("#appeals tbody tr")
    assert table is not None and [td.attributes.get("data-value") for td in table.css("td")[1:]] == [
        str(expected[k]) for k in ("received", "led_to_change", "open")
    ]
