"""Hourly rollup keys and in-memory aggregation, shared by both backends.

The stores aggregate each batch here before adding it to their rollup tables, and
aggregate the partial hours at the edges of a query range from raw events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..audit import AuditEvent
from .audit_store import HOUR, CountRow, Counts, ReachRow, ReasonRow, check_bucket, hour_of

# In rollup tables NULLs are replaced so the key can be unique on every backend.
NO_PLATFORM = ""
CLICK_NONE, CLICK_NO, CLICK_YES = -1, 0, 1

RowKey = tuple[
    float, str, str, str, str, str, int, int
]  # bucket stage platform category level action card click
ReasonKey = tuple[float, str, str]  # bucket stage reason
ReachKey = tuple[float, str, str, str]  # bucket stage platform reach


def click_code(value: bool | None) -> int:
    """Rollup encoding of ``clicked_through``."""
    return CLICK_NONE if value is None else (CLICK_YES if value else CLICK_NO)


def click_value(code: int) -> bool | None:
    """Inverse of ``click_code``."""
    return None if code == CLICK_NONE else code == CLICK_YES


@dataclass(slots=True)
class Tally:
    """Mutable accumulator of rollup counts (kept inside one function or one batch)."""

    rows: Counter[RowKey]
    reasons: Counter[ReasonKey]
    size: float = HOUR
    reach: Counter[ReachKey] = field(default_factory=Counter)

    @classmethod
    def of(cls, events: Iterable[AuditEvent], size: float = HOUR) -> Tally:
        tally = cls(Counter(), Counter(), size)
        tally.add(events)
        return tally

    def add(self, events: Iterable[AuditEvent]) -> None:
        evs = events if isinstance(events, list) else list(events)
        size = self.size
        # Counter.update over a generator counts in C: this runs once per recorded batch.
        self.rows.update(
            (
                float(int(ev.time // size) * size),
                ev.stage,
                ev.platform or NO_PLATFORM,
                ev.category,
                ev.level,
                ev.action,
                int(ev.card),
                click_code(ev.clicked_through),
            )
            for ev in evs
        )
        self.reasons.update(
            (float(int(ev.time // size) * size), ev.stage, code)
            for ev in evs
            if ev.reasons
            for code in ev.reasons
        )
        self.reach.update(
            (float(int(ev.time // size) * size), ev.stage, ev.platform or NO_PLATFORM, ev.reach)
            for ev in evs
            if ev.reach
        )

    def add_rows(
        self,
        rows: Iterable[tuple[RowKey, int]],
        reasons: Iterable[tuple[ReasonKey, int]],
        reach: Iterable[tuple[ReachKey, int]] = (),
    ) -> None:
        for rk, n in rows:
            self.rows[rk] += n
        for qk, n in reasons:
            self.reasons[qk] += n
        for ak, n in reach:
            self.reach[ak] += n

    def counts(self) -> Counts:
        rows = tuple(
            CountRow(b, st, pl or None, cat, lv, act, bool(card), click_value(ck), n)
            for (b, st, pl, cat, lv, act, card, ck), n in sorted(self.rows.items())
            if n > 0
        )
        reasons = tuple(ReasonRow(b, st, r, n) for (b, st, r), n in sorted(self.reasons.items()) if n > 0)
        reach = tuple(
            ReachRow(b, st, pl or None, where, n) for (b, st, pl, where), n in sorted(self.reach.items()) if n > 0
        )
        return Counts(rows, reasons, reach)


def edges(since: float | None, until: float | None) -> tuple[float | None, float | None]:
    """Whole-hour span ``[lo, hi)`` inside ``[since, until)`` that the rollup answers exactly."""
    lo = None if since is None else (since if since == hour_of(since) else hour_of(since) + 3600.0)
    hi = None if until is None else hour_of(until)
    return lo, hi


def exact_counts(
    rollup: Callable[[float | None, float | None, float], Tally],
    raw: Callable[[float | None, float | None], Iterable[AuditEvent]],
    since: float | None,
    until: float | None,
    size: float = HOUR,
) -> Counts:
    """Combine the rollup for whole hours with raw events for the partial hours at either end."""
    check_bucket(size)
    lo, hi = edges(since, until)
    if lo is not None and hi is not None and lo >= hi:
        return Tally.of(raw(since, until), size).counts()
    tally = rollup(lo, hi, size)
    if since is not None and lo is not None and since < lo:
        tally.add(raw(since, lo))
    if until is not None and hi is not None and hi < until:
        tally.add(raw(hi, until))
    return tally.counts()
