"""The event table's columns and the conversion between rows and ``AuditEvent`` (both backends)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from ..audit import AuditEvent, Stage
from .audit_store import join_reasons, split_reasons

COLUMNS: tuple[str, ...] = (
    "ts",
    "stage",
    "context",
    "site",
    "platform",
    "category",
    "kind",
    "level",
    "reasons",
    "action",
    "rule",
    "policy_version",
    "card",
    "clicked_through",
    "user_hash",
    "reach",
)
COLUMN_LIST = ", ".join(COLUMNS)


def to_row(ev: AuditEvent) -> tuple[Any, ...]:
    """One event as a row in ``COLUMNS`` order."""
    return (
        ev.time,
        ev.stage,
        ev.context,
        ev.site,
        ev.platform,
        ev.category,
        ev.kind,
        ev.level,
        join_reasons(ev.reasons),
        ev.action,
        ev.rule,
        ev.policy_version,
        ev.card,
        ev.clicked_through,
        ev.user,
        ev.reach,
    )


def from_row(row: Sequence[Any]) -> AuditEvent:
    """Inverse of ``to_row`` (SQLite hands booleans back as 0/1)."""
    (ts, stage, context, site, platform, category, kind, level, reasons, action, rule, pv, card, ct, user, reach) = (
        row
    )
    return AuditEvent(
        time=float(ts),
        stage=cast(Stage, stage),
        context=context,
        site=site,
        platform=platform,
        category=category,
        kind=kind,
        level=level,
        reasons=split_reasons(reasons),
        action=action,
        rule=rule,
        policy_version=pv,
        card=bool(card),
        clicked_through=None if ct is None else bool(ct),
        user=user,
        reach=reach,
    )


def time_range(column: str, lo: float | None, hi: float | None, placeholder: str) -> tuple[str, list[float]]:
    """`` WHERE column >= ? AND column < ?`` for the bounds given (none: no clause), and its parameters."""
    conds: list[str] = []
    params: list[float] = []
    if lo is not None:
        conds.append(f"{column} >= {placeholder}")
        params.append(lo)
    if hi is not None:
        conds.append(f"{column} < {placeholder}")
        params.append(hi)
    return (" WHERE " + " AND ".join(conds) if conds else ""), params
