"""Failed audit writes: transient ones are retried with backoff until a deadline, others fail at once.

The committer is driven by write functions that fail on cue; the stores by real faults: a proxy
that breaks the connection at COMMIT (before or after the server got it) and a full tmpfs.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from hutong.audit import AuditEvent
from hutong.errors import StorageError
from hutong.store.batcher import Backoff, GroupCommitter
from hutong.store.postgres_store import PostgresStore
from hutong.store.sqlite_store import SqliteStore
from tests.store.cutproxy import cut_proxy
from tests.store.events_gen import make_events
from tests.store.private import fill, small_disk
from tests.store.services import PG_URL, drop_pg_schema, need_postgres, unique

FAST = Backoff(first=0.01, longest=0.05)


class Flaky:
    """A write that fails with ``error`` for its first ``failures`` calls, then commits."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error = failures, error
        self.calls = 0
        self.written: list[int] = []

    def __call__(self, batch: list[AuditEvent]) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        self.written.append(len(batch))


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, StorageError) and "went away" in exc.message


GONE = StorageError("the database went away")
BROKEN = StorageError("syntax error in the statement")

# (failures before a commit, the error, retry_for): acknowledged?, attempts made, retries counted
CASES = {
    "transient twice, then commits": (2, GONE, 5.0, True, 3, 2),
    "not transient: fails at once": (2, BROKEN, 5.0, False, 1, 0),
    "transient past the deadline": (10_000, GONE, 0.3, False, None, None),
}


@pytest.mark.parametrize(
    ("failures", "error", "retry_for", "acked", "attempts", "retries"), list(CASES.values()), ids=list(CASES)
)
def test_committer_retries_transient_failures_until_the_deadline(
    failures: int, error: Exception, retry_for: float, acked: bool, attempts: int | None, retries: int | None
) -> None:
    write = Flaky(failures, error)
    committer = GroupCommitter(write, transient=is_transient, retry_for=retry_for, backoff=FAST)
    t0 = time.monotonic()
    try:
        if acked:
            committer.submit(make_events(3))
        else:
            with pytest.raises(StorageError) as caught:
                committer.submit(make_events(3))
    finally:
        committer.close()
    waited = time.monotonic() - t0
    if attempts is not None:
        assert write.calls == attempts
        assert committer.retries == retries
    assert write.written == ([3] if acked else [])
    assert (committer.failure is None) is acked
    if not acked and error is GONE:
        assert caught.value.code == "storage.unavailable"
        assert f"within {retry_for:g} s" in caught.value.message
        assert "went away" in caught.value.message
        assert retry_for <= waited < retry_for + 2.0
    elif not acked:
        assert caught.value is error


async def test_callers_queued_behind_a_retried_batch_commit_once_it_goes_through() -> None:
    healed = threading.Event()
    batches: list[int] = []

    def write(batch: list[AuditEvent]) -> None:
        if not healed.is_set():
            raise GONE
        batches.append(len(batch))

    committer = GroupCommitter(write, transient=is_transient, retry_for=10.0, backoff=FAST)
    try:
        first = asyncio.ensure_future(committer.submit_async(make_events(1)))
        await asyncio.sleep(0.1)  # the first batch is being retried
        rest = [asyncio.ensure_future(committer.submit_async(make_events(1, seed=s))) for s in range(5)]
        await asyncio.sleep(0.1)
        assert not any(f.done() for f in (first, *rest))  # nobody is acknowledged while it fails
        assert committer.failure is not None
        healed.set()
        await asyncio.wait_for(asyncio.gather(first, *rest), 10)
    finally:
        committer.close()
    assert batches == [1, 5]
    assert committer.failure is None


# -- PostgreSQL: a connection broken at COMMIT -----------------------------------------------------


def pg_upstream() -> tuple[str, int]:
    parts = urlsplit(PG_URL)
    return parts.hostname or "127.0.0.1", parts.port or 5432


@pytest.mark.postgres
@pytest.mark.parametrize("deliver", [True, False], ids=["the answer to COMMIT is lost", "COMMIT never arrives"])
def test_a_commit_broken_off_is_retried_and_recorded_exactly_once(deliver: bool) -> None:
    need_postgres()
    schema = unique("hutong_cut")
    with cut_proxy(pg_upstream(), deliver=deliver) as proxy:
        parts = urlsplit(PG_URL)
        url = parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}").geturl()
        store = PostgresStore(f"{url}?schema={schema}")
        try:
            events = make_events(30, seed=8)
            store.record(events[:10])
            proxy.arm()
            store.record(events[10:20])  # broken off at COMMIT; acknowledged once its fate is known
            assert proxy.cuts == 1
            store.record(events[20:])
            stored = list(store.events())
            retries = store._committer.retries
        finally:
            store.close()
            drop_pg_schema(schema)
    def key(e: AuditEvent) -> tuple[float, str]:
        return (e.time, e.rule)
    assert sorted(stored, key=key) == sorted(events, key=key), "the broken-off batch was written twice or lost"
    assert retries >= 1


# -- SQLite: a full disk ---------------------------------------------------------------------------


@pytest.mark.parametrize("record", ["record", "record_async"])
def test_a_full_disk_is_refused_at_once_and_readiness_returns_with_room(record: str) -> None:
    with small_disk() as disk:
        store = SqliteStore(disk / "audit.sqlite3", write_retry=30.0)
        try:
            write: Callable[[list[AuditEvent]], object] = (
                store.record if record == "record" else lambda evs: asyncio.run(store.record_async(evs))
            )
            write(make_events(5))
            store.ping()
            filler = fill(disk)
            t0 = time.monotonic()
            with pytest.raises(StorageError) as caught:
                for seed in range(200):  # the pages the WAL already holds may take a few more
                    write(make_events(50, seed=seed))
            assert time.monotonic() - t0 < 10  # refused, not retried for write_retry (30 s)
            assert caught.value.code == "storage.disk_full"
            assert "the audit log cannot be written: disk full" in caught.value.message
            assert store._committer.retries == 0
            with pytest.raises(StorageError, match="disk full"):
                store.ping()
            filler.unlink()
            store.ping()
            write(make_events(5, seed=999))
            assert store._committer.failure is None
            stored = len(list(store.events()))
        finally:
            store.close()
    assert stored >= 10

