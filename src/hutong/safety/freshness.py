"""How fresh each threat feed is, for ``/readyz`` and ``/metrics``: a value per feed, computed from its header.

A feed's age runs from when its data was last known current: its download, a local file's modification
time, or its source's latest confirmation (a ``304 Not Modified``). A feed is stale past
``safety.max_feed_age_hours`` (its hits are then only ``suspicious``), and a configured feed that is not
loaded at all (never fetched, or empty) counts as stale with no age.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .feeds import FeedInfo


@dataclass(frozen=True, slots=True)
class Freshness:
    """One feed's freshness as the service reports it (no source: a URL may carry a key, a path is private)."""

    name: str
    entries: int
    age_seconds: float | None  # None: configured but not loaded
    stale: bool


def freshness(
    infos: Iterable[FeedInfo], configured: Iterable[str], now: datetime, max_age_hours: float
) -> tuple[Freshness, ...]:
    """The loaded feeds, then the configured ones missing from them, by name."""
    out = {
        i.name: Freshness(i.name, i.entries, round(i.age_seconds(now), 1), i.is_stale(now, max_age_hours))
        for i in infos
    }
    for name in configured:
        out.setdefault(name, Freshness(name, 0, None, True))
    return tuple(out[name] for name in sorted(out))


def stale_problems(feeds: Sequence[Freshness], max_age_hours: float) -> list[str]:
    """One sentence per stale or missing feed, for ``/readyz`` when ``safety.stale_feeds_unready`` is on."""
    problems = []
    for feed in feeds:
        if feed.age_seconds is None:
            problems.append(f"feed {feed.name}: configured but not loaded (run `hutong feeds update`)")
        elif feed.stale:
            problems.append(
                f"feed {feed.name}: {feed.age_seconds / 3600:.1f} h old, over safety.max_feed_age_hours "
                f"({max_age_hours:g}); its source has not confirmed it since"
            )
    return problems
