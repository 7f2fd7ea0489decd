"""Audit events: one per decision, at check time and at click time.

No message text and no user id in clear: ``user`` is a keyed hash so that one
user's events can be found and deleted on request. The storage backends live in
``hutong.store``; the service only needs an ``AuditSink``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

Stage = Literal["check", "click"]


@dataclass(frozen=True, slots=True)
class AuditEvent:
    time: float  # Unix seconds
    stage: Stage
    context: str
    site: str | None
    platform: str | None
    category: str
    kind: str | None
    level: str  # verdict level label
    reasons: tuple[str, ...]  # reason codes
    action: str
    rule: str
    policy_version: str
    card: bool = False  # a preview card was built
    clicked_through: bool | None = None  # at click time: did the user go on (None: not a click event)
    user: str | None = None  # keyed hash of the user id
    reach: str | None = None  # where the link landed (content, login, app, error, blocked); None: not known


class AuditSink(Protocol):
    def record(self, events: Sequence[AuditEvent]) -> None:
        """Store ``events``; when this returns they are as durable as ``audit.durability`` says (at the
        default, they survive a kill -9 of the process; see ``hutong.store.durability``)."""
        ...


class NullSink:
    """Records nothing (audit disabled)."""

    def record(self, events: Sequence[AuditEvent]) -> None:
        return None
