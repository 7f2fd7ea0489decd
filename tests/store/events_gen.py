"""A seeded generator of audit events with every dimension varied, and naive counters to check against."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable

from hutong.audit import AuditEvent, Stage

PLATFORMS = ("alpha", "beta", "gamma", None)
CATEGORIES = ("ecommerce", "video", "news")
LEVELS = ("safe", "unknown", "suspicious", "malicious")
ACTIONS = ("open", "confirm", "copy", "block")
REASONS = ("feed.urlhaus", "lookalike.skeleton", "policy.group.copy", "structural.ip_host")
USERS = ("u1", "u2", "u3", None)
REACH = ("content", "content", "login", "app", "error", "blocked", None)


def make_events(
    n: int,
    *,
    seed: int = 1,
    start: float = 1_700_000_000.0,
    span: float = 3 * 86400.0,
    users: Iterable[str | None] = USERS,
) -> list[AuditEvent]:
    """``n`` events spread over ``span`` seconds from ``start``, oldest first."""
    rnd = random.Random(seed)
    landed = random.Random(seed + 7919)  # its own stream: the other dimensions stay what they were
    pool = tuple(users)
    out = []
    for _ in range(n):
        stage: Stage = rnd.choice(("check", "check", "check", "click"))
        out.append(
            AuditEvent(
                time=start + rnd.random() * span,
                stage=stage,
                context=rnd.choice(("direct", "group", "channel")),
                site=rnd.choice(("a.example", "b.example", None)),
                platform=rnd.choice(PLATFORMS),
                category=rnd.choice(CATEGORIES),
                kind=rnd.choice(("product", "video", None)),
                level=rnd.choice(LEVELS),
                reasons=tuple(rnd.sample(REASONS, rnd.randint(0, 2))),
                action=rnd.choice(ACTIONS),
                rule=rnd.choice(("default", "group.copy", "malicious.block")),
                policy_version="v1",
                card=rnd.random() < 0.3,
                clicked_through=(rnd.random() < 0.6) if stage == "click" else None,
                user=rnd.choice(pool),
                reach=landed.choice(REACH) if stage == "check" else None,
            )
        )
    out.sort(key=lambda e: e.time)
    return out


def in_range(events: Iterable[AuditEvent], since: float | None, until: float | None) -> list[AuditEvent]:
    return [e for e in events if (since is None or e.time >= since) and (until is None or e.time < until)]


def naive_rows(events: Iterable[AuditEvent]) -> Counter[tuple[object, ...]]:
    """Counts by (stage, platform, category, level, action, card, clicked) ignoring time."""
    return Counter(
        (e.stage, e.platform, e.category, e.level, e.action, e.card, e.clicked_through) for e in events
    )


def naive_reach(events: Iterable[AuditEvent]) -> Counter[tuple[str, str | None, str]]:
    """Counts by (stage, platform, reach) of the events whose reach is known, ignoring time."""
    return Counter((e.stage, e.platform, e.reach) for e in events if e.reach)


def naive_reasons(events: Iterable[AuditEvent]) -> Counter[tuple[str, str]]:
    return Counter((e.stage, r) for e in events for r in e.reasons)
