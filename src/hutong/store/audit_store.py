"""The ``AuditStore`` interface: an ``AuditSink`` that can also be queried, pruned, exported and purged.

Both backends keep, beside the raw events, a rollup of counts per hour maintained in the
same transaction as the insert, so a report over months reads thousands of rollup rows
instead of millions of events (see ``docs/deploy.md``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..audit import AuditEvent, AuditSink
from ..errors import InputError

STAGES = ("check", "click")
HOUR = 3600.0


def hour_of(ts: float) -> float:
    """Start of the UTC hour containing ``ts``."""
    return float(int(ts // HOUR) * HOUR)


def bucket_of(ts: float, size: float) -> float:
    """Start of the ``size``-second bucket (whole hours, aligned to the epoch) containing ``ts``."""
    return float(int(ts // size) * size)


def check_bucket(size: float) -> None:
    """Buckets are whole hours, because that is the rollup's grain."""
    if size < HOUR or size % HOUR:
        raise InputError(f"bucket size {size!r} s is not a whole number of hours")


@dataclass(frozen=True, slots=True)
class CountRow:
    """How many events in one hour share one combination of the reported dimensions."""

    bucket: float  # start of the bucket (an hour unless asked otherwise), Unix seconds
    stage: str
    platform: str | None
    category: str
    level: str
    action: str
    card: bool
    clicked_through: bool | None
    count: int


@dataclass(frozen=True, slots=True)
class ReasonRow:
    """How many events in one hour carried one reason code."""

    bucket: float
    stage: str
    reason: str
    count: int


@dataclass(frozen=True, slots=True)
class ReachRow:
    """How many events in one hour of one platform landed where (``hutong.core.reach`` kinds)."""

    bucket: float
    stage: str
    platform: str | None
    reach: str
    count: int


@dataclass(frozen=True, slots=True)
class Counts:
    """Exact counts over a time range, from the rollup for whole hours and raw events at the edges."""

    rows: tuple[CountRow, ...]
    reasons: tuple[ReasonRow, ...]
    reach: tuple[ReachRow, ...] = ()  # only events whose reach is known


class AuditStore(AuditSink, Protocol):
    """Durable audit log: record, read back, count, prune, export and forget one user."""

    def events(self, since: float | None = None, until: float | None = None) -> Iterator[AuditEvent]:
        """Events with ``since <= time < until``, oldest first, streamed."""
        ...

    def counts(
        self, since: float | None = None, until: float | None = None, *, bucket: float = HOUR
    ) -> Counts:
        """Exact grouped counts for ``since <= time < until``, in buckets of ``bucket`` s (whole hours)."""
        ...

    def prune(self, before: float) -> int:
        """Delete events older than the hour containing ``before``; return how many went."""
        ...

    def delete_user(self, user_hash: str) -> int:
        """Delete every event of one (hashed) user; return how many went."""
        ...

    def ping(self) -> None:
        """Raise StorageError if the store cannot be reached now (for readiness checks)."""
        ...

    def close(self) -> None:
        """Flush pending writes and release connections."""
        ...


def validate(events: Sequence[AuditEvent]) -> None:
    """Refuse events the store could not round-trip, naming the offending field."""
    for i, ev in enumerate(events):
        if not isinstance(ev, AuditEvent):
            raise InputError(f"audit event {i} is a {type(ev).__name__}, not an AuditEvent")
        if ev.stage not in STAGES:
            raise InputError(f"audit event {i}: stage {ev.stage!r} is not 'check' or 'click'")
        if not (isinstance(ev.time, int | float) and math.isfinite(ev.time)) or ev.time < 0:
            raise InputError(f"audit event {i}: time {ev.time!r} is not a finite Unix time after 1970")
        for code in ev.reasons:
            if code.split() != [code]:  # empty, or with whitespace anywhere (str.split knows every kind)
                raise InputError(f"audit event {i}: reason code {code!r} is empty or contains whitespace")


def join_reasons(reasons: Sequence[str]) -> str:
    """Reason codes as stored: space-separated (codes never contain whitespace, see ``validate``)."""
    return " ".join(reasons)


def split_reasons(text: str | None) -> tuple[str, ...]:
    """Inverse of ``join_reasons``."""
    return tuple(text.split()) if text else ()
