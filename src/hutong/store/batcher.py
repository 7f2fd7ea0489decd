"""Group commit: many callers, one writer thread, one transaction per gathered batch.

``submit`` blocks until the transaction holding the caller's events has committed (or
failed), so a caller that got no exception knows its events are durable. While one
transaction is being written, further callers queue up and share the next one: the
cost of a commit (an fsync) is paid once per batch, not once per call.

``enqueue`` is the same without blocking: the writer thread calls ``done(error)`` once the
batch holding the events has committed (``error`` is None) or failed. ``submit_async`` builds
on it for asyncio callers: it awaits a future that the writer thread settles through the
event loop, so it waits for durability without holding a thread. Every store shares this
one committer; a store only supplies ``write(batch)``, which must commit before returning.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..audit import AuditEvent
from ..errors import HutongError, StorageError
from .audit_store import validate

log = logging.getLogger("hutong.store")


Done = Callable[[BaseException | None], None]


@dataclass(slots=True)
class _Ticket:
    events: Sequence[AuditEvent]
    done: Done


def _as_storage_error(error: BaseException) -> HutongError:
    if isinstance(error, HutongError):
        return error
    failure = StorageError(f"audit events were not recorded: {error}")
    failure.__cause__ = error
    return failure


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
        self._queue: deque[_Ticket] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, events: Sequence[AuditEvent]) -> None:
        """Queue ``events`` and wait until they are committed; raise StorageError if they were not."""
        if not events:
            return
        committed = threading.Event()
        outcome: list[BaseException | None] = []

        def done(error: BaseException | None) -> None:
            outcome.append(error)
            committed.set()

        self.enqueue(events, done)
        committed.wait()
        if outcome[0] is not None:
            raise _as_storage_error(outcome[0])

    async def submit_async(self, events: Sequence[AuditEvent]) -> None:
        """``submit`` for asyncio callers: returns once committed, without holding a thread meanwhile."""
        if not events:
            return
        loop = asyncio.get_running_loop()
        committed: asyncio.Future[None] = loop.create_future()

        def settle(error: BaseException | None) -> None:
            if committed.done():  # the waiter was cancelled (client gone); its events still commit
                return
            if error is None:
                committed.set_result(None)
            else:
                committed.set_exception(_as_storage_error(error))

        def done(error: BaseException | None) -> None:
            # called on the writer thread; only the loop's own thread may touch the future
            loop.call_soon_threadsafe(settle, error)

        self.enqueue(events, done)
        await committed

    def enqueue(self, events: Sequence[AuditEvent], done: Done) -> None:
        """Queue ``events``; the writer thread calls ``done(None)`` once committed, ``done(error)`` if not.

        ``done`` runs on the writer thread and must be quick (e.g. hand the outcome to an event loop).
        Raises StorageError at once, without calling ``done``, if the committer is closed.
        """
        if not events:
            done(None)
            return
        with self._cond:
            if self._closed:
                raise StorageError("the audit store is closed; open it again to record events")
            self._queue.append(_Ticket(events, done))
            self._cond.notify()

    def _take(self) -> list[_Ticket] | None:
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if not self._queue:
                return None
            taken: list[_Ticket] = []
            size = 0
            while self._queue and (not taken or size + len(self._queue[0].events) <= self._max_batch):
                ticket = self._queue.popleft()
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
            failure = None if error is None else _as_storage_error(error)
            for t in tickets:
                try:
                    t.done(failure)
                except Exception:  # one broken callback must not stop the writer for everyone
                    log.exception("an audit commit callback failed")

    def close(self) -> None:
        """Write what is queued, then stop the writer thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()


class CommittedWrites:
    """``record``/``record_async`` for a store that writes through a ``GroupCommitter``: both return only
    once the transaction holding the events has committed (acknowledged means durable)."""

    _committer: GroupCommitter

    def record(self, events: Sequence[AuditEvent]) -> None:
        """Store ``events``; returns once their transaction has committed."""
        validate(events)
        self._committer.submit(events)

    async def record_async(self, events: Sequence[AuditEvent]) -> None:
        """``record`` for asyncio callers: returns once committed, without holding a thread meanwhile."""
        validate(events)
        await self._committer.submit_async(events)
