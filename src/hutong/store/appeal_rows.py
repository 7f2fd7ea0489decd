"""The ``appeals`` table, shared by both audit stores: its columns, rows, and statements.

SQLite and PostgreSQL differ only in the parameter marker (``?`` or ``%s``); every statement is
built from constant column names here, so each store runs the same SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from ..appeals import STATUSES, Appeal, AppealCounts, Status, reasons_from_json, reasons_json
from ..errors import InputError
from .columns import time_range

COLUMNS: tuple[str, ...] = (
    "ts",
    "url",
    "site",
    "context",
    "action",
    "rule",
    "level",
    "reasons",
    "policy_version",
    "message",
    "contact",
    "status",
    "settled_at",
    "settled_by",
    "note",
)
COLUMN_LIST = ", ".join(COLUMNS)
MAX_LIST = 1000  # appeals one listing returns at most


def to_row(appeal: Appeal) -> tuple[Any, ...]:
    """One appeal as a row in ``COLUMNS`` order (without its id, which the database gives)."""
    return (
        appeal.time,
        appeal.url,
        appeal.site,
        appeal.context,
        appeal.action,
        appeal.rule,
        appeal.level,
        reasons_json(appeal.reasons),
        appeal.policy_version,
        appeal.message,
        appeal.contact,
        appeal.status,
        appeal.settled_at,
        appeal.settled_by,
        appeal.note,
    )


def from_row(row: Sequence[Any]) -> Appeal:
    """An appeal from ``id, *COLUMNS``."""
    (aid, ts, url, site, context, action, rule, level, reasons, pv, message, contact, status, at, by, note) = row
    return Appeal(
        id=int(aid),
        time=float(ts),
        url=url,
        site=site,
        context=context,
        action=action,
        rule=rule,
        level=level,
        reasons=reasons_from_json(reasons),
        policy_version=pv,
        message=message,
        contact=contact,
        status=cast(Status, status),
        settled_at=None if at is None else float(at),
        settled_by=by,
        note=note,
    )


def check_status(status: str | None) -> None:
    """Refuse a status the table does not hold."""
    if status is not None and status not in STATUSES:
        raise InputError(f"appeal status {status!r} is not one of {', '.join(STATUSES)}")


@dataclass(frozen=True, slots=True)
class Statements:
    """The appeal statements with one backend's parameter marker."""

    mark: str

    @property
    def insert(self) -> str:
        marks = ", ".join(self.mark for _ in COLUMNS)
        return f"INSERT INTO appeals ({COLUMN_LIST}) VALUES ({marks}) RETURNING id"  # noqa: S608

    def select(self, status: str | None, limit: int) -> tuple[str, list[Any]]:
        where, params = ("", []) if status is None else (f" WHERE status = {self.mark}", [status])
        sql = f"SELECT id, {COLUMN_LIST} FROM appeals{where} ORDER BY ts DESC, id DESC LIMIT {self.mark}"  # noqa: S608
        return sql, [*params, max(1, min(limit, MAX_LIST))]

    @property
    def one(self) -> str:
        return f"SELECT id, {COLUMN_LIST} FROM appeals WHERE id = {self.mark}"  # noqa: S608

    @property
    def settle(self) -> str:
        m = self.mark
        return f"UPDATE appeals SET status = {m}, settled_at = {m}, settled_by = {m}, note = {m} WHERE id = {m}"  # noqa: S608

    def counts(self, since: float | None, until: float | None) -> tuple[str, list[Any]]:
        where, params = time_range("ts", since, until, self.mark)
        sql = (
            "SELECT count(*), coalesce(sum(CASE WHEN status = 'allowed' THEN 1 ELSE 0 END), 0), "  # noqa: S608
            f"coalesce(sum(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0) FROM appeals{where}"
        )
        return sql, params

    @property
    def prune(self) -> str:
        return f"DELETE FROM appeals WHERE ts < {self.mark}"  # noqa: S608


class AppealReads:
    """The appeal reads both audit stores share: each store gives its ``_appeal_sql`` and ``_read``."""

    _appeal_sql: Statements
    _read: Callable[[str, list[Any]], list[Any]]  # each store reads through its own connection

    def appeals(self, *, status: Status | None = None, limit: int = 100) -> tuple[Appeal, ...]:
        """Appeals, newest first."""
        check_status(status)
        sql, params = self._appeal_sql.select(status, limit)
        return tuple(from_row(r) for r in self._read(sql, list(params)))

    def appeal(self, appeal_id: int) -> Appeal | None:
        """One appeal, or None."""
        rows = self._read(self._appeal_sql.one, [appeal_id])
        return from_row(rows[0]) if rows else None


def counts_of(row: Sequence[Any] | None) -> AppealCounts:
    """The counts a ``Statements.counts`` query returned."""
    if row is None:
        return AppealCounts()
    return AppealCounts(received=int(row[0]), changed=int(row[1]), open=int(row[2]))
