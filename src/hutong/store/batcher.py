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

A write that fails with an error the store calls transient (the database went away, a lost
connection) is retried with backoff (``Backoff``: 50 ms doubling to 1 s) on the same batch, while
later callers queue behind it. Each caller waits at most ``retry_for`` seconds from its submit
(plus the one attempt then under way): after that it gets a ``storage.unavailable`` error, and its
events count as not recorded. Other errors (a full disk, a bad statement) reach the callers at
once. ``failure`` is the last write's error until a write succeeds, for readiness checks.

The queue is bounded (``max_queued`` events waiting for the writer, ``audit.queue_events``): when
it is full, ``enqueue`` refuses at once with ``storage.busy`` instead of letting memory grow while
the database is slower than the traffic, and the caller's request is answered 503 with that reason.
The writer wakes each event loop once per batch (one ``call_soon_threadsafe`` for all of that
loop's callers), not once per caller: a wake-up is a write to the loop's self-pipe.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ..audit import AuditEvent
from ..errors import HutongError, StorageError
from .audit_store import validate
from .durability import DEFAULT as DEFAULT_DURABILITY
from .durability import Durability

log = logging.getLogger("hutong.store")


Done = Callable[[BaseException | None], None]
Transient = Callable[[BaseException], bool]
RETRY_FOR = 10.0  # seconds a caller waits for a commit through transient failures (storage.write_retry)
MAX_QUEUED = 10_000  # events waiting for the writer before new ones are refused (audit.queue_events)


def never(error: BaseException) -> bool:
    """No error is worth retrying (the default)."""
    return False


@dataclass(frozen=True, slots=True)
class Backoff:
    """Pauses between attempts: ``first`` seconds, doubling up to ``longest``."""

    first: float = 0.05
    longest: float = 1.0

    def delays(self) -> Iterator[float]:
        """The pause before each retry, in order."""
        delay = self.first
        while True:
            yield delay
            delay = min(delay * 2, self.longest)


@dataclass(slots=True)
class _Ticket:
    events: Sequence[AuditEvent]
    done: Done | None  # called on the writer thread; or, for an asyncio caller:
    future: asyncio.Future[None] | None  # settled on its own loop
    deadline: float  # time.monotonic() after which a failed attempt is reported, not retried


def _settle(futures: list[asyncio.Future[None]], error: BaseException | None) -> None:
    """Settle the futures of one loop's callers (on that loop's thread)."""
    for future in futures:
        if future.done():  # the waiter was cancelled (client gone); its events still commit
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(_as_storage_error(error))


def _as_storage_error(error: BaseException) -> HutongError:
    if isinstance(error, HutongError):
        return error
    failure = StorageError(f"audit events were not recorded: {error}")
    failure.__cause__ = error
    return failure


def _gave_up(error: BaseException, retry_for: float, attempts: int) -> StorageError:
    failure = StorageError(
        f"audit events were not recorded: the audit store could not commit them within {retry_for:g} s "
        f"({attempts} attempts; last: {_as_storage_error(error).message}). "
        "Retry the request later; check that the database in storage.audit is up",
        code="storage.unavailable",
    )
    failure.__cause__ = error
    return failure


class GroupCommitter:
    """Runs ``write(batch)`` on a single thread; ``write`` must commit before returning.

    ``transient(error)`` says which failures of ``write`` to retry (on the same batch list, so a
    store can tell a retry from a new batch) for up to ``retry_for`` seconds per caller.
    """

    def __init__(
        self,
        write: Callable[[list[AuditEvent]], None],
        *,
        max_batch: int = 50_000,
        max_queued: int = MAX_QUEUED,
        name: str = "hutong-audit-writer",
        transient: Transient = never,
        retry_for: float = RETRY_FOR,
        backoff: Backoff = Backoff(),
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._max_queued = max_queued
        self._queued = 0  # events in self._queue
        self._transient = transient
        self._retry_for = retry_for
        self._backoff = backoff
        self.retries = 0  # attempts repeated after a transient failure, since start
        self.failure: HutongError | None = None  # the last write's error; None once one succeeds
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
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._put(_Ticket(events, None, committed, time.monotonic() + self._retry_for))
        await committed

    def enqueue(self, events: Sequence[AuditEvent], done: Done) -> None:
        """Queue ``events``; the writer thread calls ``done(None)`` once committed, ``done(error)`` if not.

        ``done`` runs on the writer thread and must be quick (e.g. hand the outcome to an event loop).
        Raises StorageError at once, without calling ``done``, if the committer is closed or its queue
        is full (``storage.busy``).
        """
        if not events:
            done(None)
            return
        self._put(_Ticket(events, done, None, time.monotonic() + self._retry_for))

    def _put(self, ticket: _Ticket) -> None:
        with self._cond:
            if self._closed:
                raise StorageError("the audit store is closed; open it again to record events")
            if self._queued + len(ticket.events) > self._max_queued and self._queued:
                raise StorageError(
                    f"audit events were not recorded: {self._queued} events already wait to be written "
                    f"(audit.queue_events = {self._max_queued}); the audit store is slower than the traffic. "
                    "Retry in a moment; if this lasts, give the audit store more capacity (see docs/deploy.md)",
                    code="storage.busy",
                )
            self._queue.append(ticket)
            self._queued += len(ticket.events)
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
            self._queued -= size
            return taken

    def _run(self) -> None:
        while (tickets := self._take()) is not None:
            batch = [ev for t in tickets for ev in t.events]
            failure = self._commit(batch, min(t.deadline for t in tickets))
            loops: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
            for t in tickets:
                if t.future is not None:
                    loops.setdefault(t.future.get_loop(), []).append(t.future)
                    continue
                try:
                    assert t.done is not None
                    t.done(failure)
                except Exception:  # one broken callback must not stop the writer for everyone
                    log.exception("an audit commit callback failed")
            for loop, futures in loops.items():
                try:
                    loop.call_soon_threadsafe(_settle, futures, failure)
                except RuntimeError:  # that loop is closed: nobody waits there any more
                    log.warning("%d audit callers' event loop closed before their commit was settled", len(futures))

    def _commit(self, batch: list[AuditEvent], deadline: float) -> HutongError | None:
        """Write ``batch``, retrying transient failures until ``deadline``; the error callers get, if any."""
        for attempts, delay in enumerate(self._backoff.delays(), start=1):
            try:
                self._write(batch)
            except BaseException as exc:  # handed to every waiting caller, who re-raises it
                self.failure = _as_storage_error(exc)
                pause = min(delay, deadline - time.monotonic())
                if not self._transient(exc):
                    return self.failure
                if pause <= 0:
                    return _gave_up(exc, self._retry_for, attempts)
                self.retries += 1
                log.warning(
                    "audit write of %d events failed (attempt %d), retrying in %.2f s: %s",
                    len(batch), attempts, pause, self.failure.message,
                )  # fmt: skip
                time.sleep(pause)
            else:
                if attempts > 1:
                    log.warning("audit write of %d events committed at attempt %d", len(batch), attempts)
                self.failure = None
                return None
        raise AssertionError("Backoff.delays() is endless")  # pragma: no cover

    def close(self) -> None:
        """Write what is queued (retrying as for any batch), then stop the writer thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()


class CommittedWrites:
    """``record``/``record_async`` for a store that writes through a ``GroupCommitter``.

    With a durability that waits (``sync``, ``commit``) both return only once the transaction
    holding the events has committed; with ``queued`` they return once the events are queued, and a
    write that fails later is logged (``lost``) instead of reaching the caller.
    """

    _committer: GroupCommitter
    durability: Durability = DEFAULT_DURABILITY

    def record(self, events: Sequence[AuditEvent]) -> None:
        """Store ``events``; returns once their transaction has committed (or, ``queued``, once queued)."""
        validate(events)
        if self.durability.wait:
            self._committer.submit(events)
        else:
            self._committer.enqueue(events, _LOST.report)

    async def record_async(self, events: Sequence[AuditEvent]) -> None:
        """``record`` for asyncio callers: returns once committed, without holding a thread meanwhile."""
        validate(events)
        if self.durability.wait:
            await self._committer.submit_async(events)
        else:
            self._committer.enqueue(events, _LOST.report)


class _Lost:
    """Failed writes of events that were acknowledged before their commit (``queued``): logged, at most once
    a second, with how many batches were lost since the last line."""

    def __init__(self) -> None:
        self.batches = 0
        self._unlogged = 0
        self._last = 0.0

    def report(self, error: BaseException | None) -> None:
        if error is None:
            return
        self.batches += 1
        self._unlogged += 1
        now = time.monotonic()
        if now - self._last >= 1.0:
            log.error(
                "%d acknowledged audit batch(es) were not recorded (audit.durability = \"queued\"): %s",
                self._unlogged, _as_storage_error(error).message,
            )  # fmt: skip
            self._last, self._unlogged = now, 0


_LOST = _Lost()
