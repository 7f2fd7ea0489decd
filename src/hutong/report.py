"""The transparency report: how links were treated, per platform and category, and why.

``build_report(store, since, until)`` turns the audit store's exact counts into a frozen
``Report``; ``hutong.report_render`` writes it as JSON, CSV or an HTML page (the service's
``/report``). Action counts are over *check* decisions (what a link got when it was
shown); click events feed ``click_through`` only, so a link is not counted twice.
Appeals (reports of mistakes, ``hutong.appeals``) are counted by when they were filed:
how many came in, and how many led the operator to allow the site.

The disparity index of a category is, over verdict levels, the largest gap in
direct-open rate between the most and the least favoured platform of that category
for links of that same level. Platforms with fewer than ``min_events`` decisions at a
level are left out of that level (small samples say nothing); unidentified links are
never a "platform" here.

Beside it, the listed-vs-unlisted disparity index of a category compares two groups
instead of platforms: links of sites a platform file names (``listed``) and links of
every other site (``unlisted``), by the same definition: over verdict levels, the
largest gap in direct-open rate between the two, each group needing ``min_events``
decisions at that level. Unlisted links reach a category other than ``unknown`` only
by evidence (the page's own structured data), so every (group, level) count is shown,
compared or not. Both indexes are recomputable from the JSON export: every rate comes
with its ``open`` and ``decisions`` counts.

The reachability table says, per platform, where the links hutong fetched when they were checked
(resolved or previewed) really landed: their content, a login wall, an app wall, an error page or a
block (``hutong.core.reach``), as counts and shares of the links whose landing is known. Links of no
listed platform are one more row, ``unknown`` (other sites), counted exactly like a platform's. Each
share is its count over ``checked``, both in the JSON export, and every count can be recomputed from
the audit export (``hutong audit export``): check events, grouped by ``platform`` and ``reach``.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .appeals import AppealCounts, AppealStore
from .core.model import CATEGORIES
from .core.reach import REACH_KINDS
from .store.audit_store import AuditStore, CountRow, ReachRow

if TYPE_CHECKING:
    from .core.policy import Policy

ACTIONS: tuple[str, ...] = ("open", "confirm", "copy", "block")
LEVELS: tuple[str, ...] = ("safe", "unknown", "suspicious", "malicious")
UNKNOWN_PLATFORM = "unknown"
LISTED, UNLISTED = "listed", "unlisted"  # the two groups of the listed-vs-unlisted index
DAY = 86400.0
HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Decisions for one platform or category, by action."""

    name: str
    counts: tuple[tuple[str, int], ...]  # (action, count): the four actions first, then any other

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)

    def count(self, action: str) -> int:
        return next((n for a, n in self.counts if a == action), 0)


@dataclass(frozen=True, slots=True)
class Rate:
    """Direct opens among decisions for one platform at one level."""

    platform: str
    opens: int
    decisions: int

    @property
    def rate(self) -> float:
        return round(self.opens / self.decisions, 4) if self.decisions else 0.0


@dataclass(frozen=True, slots=True)
class LevelGap:
    """At one verdict level: every compared platform's rate, and the gap between the extremes."""

    level: str
    rates: tuple[Rate, ...]  # compared platforms, most favoured first

    @property
    def most(self) -> Rate:
        return self.rates[0]

    @property
    def least(self) -> Rate:
        return self.rates[-1]

    @property
    def gap(self) -> float:
        return round(self.most.rate - self.least.rate, 4)


@dataclass(frozen=True, slots=True)
class CategoryDisparity:
    category: str
    levels: tuple[LevelGap, ...]  # only levels with at least two comparable platforms
    policy_neutral: bool | None  # the static check of the policy for this category; None: not checked
    policy_disparities: int

    @property
    def index(self) -> float | None:
        return max((g.gap for g in self.levels), default=None)


@dataclass(frozen=True, slots=True)
class ListingDisparity:
    """Listed against unlisted sites in one category: the gaps, and every (group, level) count behind them."""

    category: str
    levels: tuple[LevelGap, ...]  # only levels where both groups have at least min_events decisions
    counts: tuple[tuple[str, Rate], ...]  # (level, Rate of group "listed" or "unlisted"), compared or not

    @property
    def index(self) -> float | None:
        return max((g.gap for g in self.levels), default=None)


@dataclass(frozen=True, slots=True)
class ReasonCount:
    code: str
    count: int


@dataclass(frozen=True, slots=True)
class ClickThrough:
    platform: str  # "all" for the total line
    clicks: int
    through: int

    @property
    def rate(self) -> float:
        return round(self.through / self.clicks, 4) if self.clicks else 0.0


@dataclass(frozen=True, slots=True)
class Bucket:
    start: float
    counts: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


@dataclass(frozen=True, slots=True)
class Reachability:
    """Where one platform's checked links landed (``platform`` is ``all`` for the total line)."""

    platform: str
    counts: tuple[tuple[str, int], ...]  # (reach kind, count): the kinds of hutong.core.reach in order

    @property
    def checked(self) -> int:
        return sum(n for _, n in self.counts)

    def share(self, kind: str) -> float:
        n = next((c for k, c in self.counts if k == kind), 0)
        return round(n / self.checked, 4) if self.checked else 0.0


@dataclass(frozen=True, slots=True)
class Neutrality:
    policy: str
    version: str
    neutral: bool
    disparities: int


@dataclass(frozen=True, slots=True)
class Report:
    since: float | None
    until: float | None
    generated_at: float
    total: int  # check decisions
    events: int  # all events, check and click
    cards: int  # check decisions that came with a preview card
    by_platform: tuple[Breakdown, ...]
    by_category: tuple[Breakdown, ...]
    disparity: tuple[CategoryDisparity, ...]
    listing_disparity: tuple[ListingDisparity, ...]
    top_reasons: tuple[ReasonCount, ...]
    click_through: tuple[ClickThrough, ...]  # "all" first, then per platform
    bucket_seconds: float
    over_time: tuple[Bucket, ...]
    neutrality: Neutrality | None
    min_events: int
    appeals: AppealCounts | None = None  # reports of mistakes filed in the window; None: the store keeps none
    reachability: tuple[Reachability, ...] = ()  # "all" first, then per platform; only links whose landing is known


def _breakdowns(rows: Iterable[CountRow], key: str) -> tuple[Breakdown, ...]:
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        name = getattr(r, key) or UNKNOWN_PLATFORM
        table[name][r.action] += r.count
    return tuple(
        Breakdown(name, _ordered(counts))
        for name, counts in sorted(table.items(), key=lambda kv: (-kv[1].total(), kv[0]))
    )


def _ordered(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    extra = sorted(a for a in counts if a not in ACTIONS)
    return tuple((a, counts.get(a, 0)) for a in (*ACTIONS, *extra))


def _disparity(
    rows: Iterable[CountRow], min_events: int, policy_by_category: dict[str, int] | None
) -> tuple[CategoryDisparity, ...]:
    cells: dict[tuple[str, str, str], list[int]] = defaultdict(
        lambda: [0, 0]
    )  # (cat, level, platform) → opens, n
    categories: set[str] = set()
    for r in rows:
        categories.add(r.category)
        if r.platform is None:
            continue
        cell = cells[(r.category, r.level, r.platform)]
        cell[0] += r.count if r.action == "open" else 0
        cell[1] += r.count
    out = []
    for cat in sorted(categories | set(policy_by_category or ())):
        gaps = []
        for level in (*LEVELS, *sorted({lv for (c, lv, _) in cells if c == cat} - set(LEVELS))):
            rates = [
                Rate(p, opens, n)
                for (c, lv, p), (opens, n) in cells.items()
                if c == cat and lv == level and n >= min_events
            ]
            if len(rates) >= 2:
                gaps.append(LevelGap(level, tuple(sorted(rates, key=lambda x: (-x.rate, x.platform)))))
        found = None if policy_by_category is None else policy_by_category.get(cat, 0)
        out.append(CategoryDisparity(cat, tuple(gaps), None if found is None else found == 0, found or 0))
    return tuple(out)


def _listing_disparity(rows: Iterable[CountRow], min_events: int) -> tuple[ListingDisparity, ...]:
    cells: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])  # (cat, level, group) → opens, n
    categories: set[str] = set(CATEGORIES)
    for r in rows:
        categories.add(r.category)
        cell = cells[(r.category, r.level, UNLISTED if r.platform is None else LISTED)]
        cell[0] += r.count if r.action == "open" else 0
        cell[1] += r.count
    out = []
    for cat in sorted(categories):
        present = {lv for (c, lv, _) in cells if c == cat}
        gaps: list[LevelGap] = []
        counts: list[tuple[str, Rate]] = []
        for level in (*(lv for lv in LEVELS if lv in present), *sorted(present - set(LEVELS))):
            rates = [Rate(g, *cells[(cat, level, g)]) for g in (LISTED, UNLISTED) if (cat, level, g) in cells]
            counts += [(level, r) for r in rates]
            compared = [r for r in rates if r.decisions >= min_events]
            if len(compared) == 2:
                gaps.append(LevelGap(level, tuple(sorted(compared, key=lambda x: (-x.rate, x.platform)))))
        out.append(ListingDisparity(cat, tuple(gaps), tuple(counts)))
    return tuple(out)


def _reachability(rows: Iterable[ReachRow]) -> tuple[Reachability, ...]:
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        if r.stage == "check":
            table[r.platform or UNKNOWN_PLATFORM][r.reach] += r.count
    if not table:
        return ()
    every: Counter[str] = Counter()
    for counts in table.values():
        every.update(counts)

    def line(name: str, counts: Counter[str]) -> Reachability:
        extra = sorted(k for k in counts if k not in REACH_KINDS)
        return Reachability(name, tuple((k, counts.get(k, 0)) for k in (*REACH_KINDS, *extra)))

    ordered = sorted(table.items(), key=lambda kv: (-kv[1].total(), kv[0]))
    return (line("all", every), *(line(name, counts) for name, counts in ordered))


def _reach_json(line: Reachability) -> dict[str, Any]:
    return {
        "checked": line.checked,
        "counts": dict(line.counts),
        "share": {k: line.share(k) for k, _ in line.counts},
    }


def _buckets(rows: Iterable[CountRow]) -> tuple[Bucket, ...]:
    table: dict[float, Counter[str]] = defaultdict(Counter)
    for r in rows:
        table[r.bucket][r.action] += r.count
    return tuple(Bucket(start, _ordered(c)) for start, c in sorted(table.items()))


def _span(rows: Sequence[CountRow]) -> float:
    return max(r.bucket for r in rows) - min(r.bucket for r in rows) if rows else 0.0


def _neutrality(policy: Policy | None) -> tuple[Neutrality | None, dict[str, int] | None]:
    if policy is None:
        return None, None
    try:
        from .core.neutrality import check_neutrality
    except ImportError:  # pragma: no cover - the neutrality check ships with the policy engine
        return None, None
    result = check_neutrality(policy)
    per_cat: Counter[str] = Counter(d.category for d in result.disparities)
    checked = {c: per_cat.get(c, 0) for c in CATEGORIES} | dict(per_cat)  # every category was checked
    return Neutrality(result.policy, result.version, result.neutral, len(result.disparities)), checked


def build_report(
    store: AuditStore,
    since: float | None = None,
    until: float | None = None,
    *,
    policy: Policy | None = None,
    min_events: int = 20,
    top: int = 20,
    now: float | None = None,
) -> Report:
    """Count what the audit log says about ``[since, until)``; check ``policy`` for neutrality beside it."""
    size = HOUR if since is not None and until is not None and until - since <= 3 * DAY else DAY
    counts = store.counts(since, until, bucket=size)
    if size == DAY and _span(counts.rows) <= 3 * DAY:  # a short log reads better by the hour
        size = HOUR
        counts = store.counts(since, until, bucket=size)
    checks = [r for r in counts.rows if r.stage == "check"]
    clicks = [r for r in counts.rows if r.stage == "click"]
    reasons: Counter[str] = Counter()
    for q in counts.reasons:
        if q.stage == "check":
            reasons[q.reason] += q.count
    per_platform: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in clicks:
        cell = per_platform[r.platform or UNKNOWN_PLATFORM]
        cell[0] += r.count
        cell[1] += r.count if r.clicked_through else 0
    all_clicks = ClickThrough(
        "all", sum(c for c, _ in per_platform.values()), sum(t for _, t in per_platform.values())
    )
    neutrality, per_cat = _neutrality(policy)
    return Report(
        since=since,
        until=until,
        generated_at=time.time() if now is None else now,
        total=sum(r.count for r in checks),
        events=sum(r.count for r in counts.rows),
        cards=sum(r.count for r in checks if r.card),
        by_platform=_breakdowns(checks, "platform"),
        by_category=_breakdowns(checks, "category"),
        disparity=_disparity(checks, max(1, min_events), per_cat),
        listing_disparity=_listing_disparity(checks, max(1, min_events)),
        top_reasons=tuple(
            ReasonCount(c, n) for c, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        ),
        click_through=(
            all_clicks,
            *(
                ClickThrough(p, c, t)
                for p, (c, t) in sorted(per_platform.items(), key=lambda kv: (-kv[1][0], kv[0]))
            ),
        ),
        bucket_seconds=size,
        over_time=_buckets(checks),
        neutrality=neutrality,
        min_events=min_events,
        appeals=store.appeal_counts(since, until) if isinstance(store, AppealStore) else None,
        reachability=_reachability(counts.reach),
    )


def _iso(ts: float | None) -> str | None:
    return None if ts is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _gap_json(g: LevelGap) -> dict[str, Any]:
    return {
        "gap": g.gap,
        "most": g.most.platform,
        "least": g.least.platform,
        "rates": {r.platform: {"open": r.opens, "decisions": r.decisions, "rate": r.rate} for r in g.rates},
    }


def report_json(report: Report) -> dict[str, Any]:
    """The report as the JSON document ``hutong report --format json`` prints (and the HTML page shows)."""
    return {
        "since": _iso(report.since),
        "until": _iso(report.until),
        "generated_at": _iso(report.generated_at),
        "total": report.total,
        "events": report.events,
        "cards": report.cards,
        "by_platform": {b.name: dict(b.counts) for b in report.by_platform},
        "by_category": {b.name: dict(b.counts) for b in report.by_category},
        "disparity": {
            d.category: {
                "index": d.index,
                "policy_neutral": d.policy_neutral,
                "policy_disparities": d.policy_disparities,
                "levels": {g.level: _gap_json(g) for g in d.levels},
            }
            for d in report.disparity
        },
        "disparity_min_events": report.min_events,
        "listing_disparity": {
            d.category: {
                "index": d.index,
                "levels": {g.level: _gap_json(g) for g in d.levels},
                "counts": {
                    group: {
                        lv: {"open": r.opens, "decisions": r.decisions} for lv, r in d.counts if r.platform == group
                    }
                    for group in (LISTED, UNLISTED)
                },
            }
            for d in report.listing_disparity
        },
        "neutrality": None
        if report.neutrality is None
        else {
            "policy": report.neutrality.policy,
            "version": report.neutrality.version,
            "neutral": report.neutrality.neutral,
            "disparities": report.neutrality.disparities,
        },
        "top_reasons": [{"code": r.code, "count": r.count} for r in report.top_reasons],
        "click_through": {
            "clicks": report.click_through[0].clicks,
            "through": report.click_through[0].through,
            "rate": report.click_through[0].rate,
            "by_platform": {
                c.platform: {"clicks": c.clicks, "through": c.through, "rate": c.rate}
                for c in report.click_through[1:]
            },
        },
        "reachability": {
            "kinds": list(REACH_KINDS),
            "all": _reach_json(report.reachability[0]) if report.reachability else None,
            "by_platform": {r.platform: _reach_json(r) for r in report.reachability[1:]},
        },
        "appeals": None
        if report.appeals is None
        else {
            "received": report.appeals.received,
            "led_to_change": report.appeals.changed,
            "open": report.appeals.open,
        },
        "over_time": {
            "bucket": "day" if report.bucket_seconds == DAY else "hour",
            "buckets": [
                {"start": _iso(b.start), **dict(b.counts), "total": b.total} for b in report.over_time
            ],
        },
    }
