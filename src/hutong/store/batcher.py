"""Group commit: many callers, one writer thread, one transaction per gathered batch.

``submit`` blocks until the transaction holding the caller's events has committed (or
failed), so a caller that got no exception knows its events are durable. While one
transaction is being written, further callers queue up and share the next one: the
cost of a commit (an fsync) is paid once per batch, not once per call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..audit import AuditEvent
from ..errors import HutongError, StorageError


@dataclass(slots=True)
class _Ticket:
    events: Sequence[AuditEvent]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class GroupCommitter:
    """Runs ``write(batch)`` on a single thread; ``write`` must commit before returning."""

    def __init__(
        self,
        write: Callable[[list[AuditEvent]], None],
        *,
        max_batch: int = 50_000,
        name: str = "hutong-audit-writer",
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._queue: list[_Ticket] = []
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, events: Sequence[AuditEvent]) -> None:
        """Queue ``events`` and wait until they are committed; raise StorageError if they were not."""
        if not events:
            return
        ticket = _Ticket(events)
        with self._cond:
            if self._closed:
                raise StorageError("the audit store is closed; open it again to record events")
            self._queue.append(ticket)
            self._cond.notify()
        ticket.done.wait()
        if ticket.error is not None:
            if isinstance(ticket.error, HutongError):
                raise ticket.error
            raise StorageError(f"audit events were not recorded: {ticket.error}") from ticket.error

    def _take(self) -> list[_Ticket] | None:
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if not self._queue:
                return None
            taken: list[_Ticket] = []
            size = 0
            while self._queue and (not taken or size + len(self._queue[0].events) <= self._max_batch):
                ticket = self._queue.pop(0)
                taken.append(ticket)
                size += len(ticket.events)
            return taken

    def _run(self) -> None:
        while (tickets := self._take()) is not None:
            batch = [ev for t in tickets for ev in t.events]
            error: BaseException | None = None
            try:
                self._write(batch)
            except BaseException as exc:  # handed to every waiting caller, who re-raises it
                error = exc
            for t in tickets:
                t.error = error
                t.done.set()

    def close(self) -> None:
        """Write what is queued, then stop the writer thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()
