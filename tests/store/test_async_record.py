"""``record_async`` on SQLite and PostgreSQL, and the group committer under it.

Acknowledged means committed: a caller returns only after the transaction holding its events
has committed; a failed commit reaches every waiter as ``StorageError``; closing flushes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import threading
from typing import Any

import psycopg
import pytest

from hutong.audit import AuditEvent
from hutong.errors import InputError, StorageError
from hutong.store.batcher import GroupCommitter
from hutong.store.postgres_store import PostgresStore
from hutong.store.sqlite_store import SqliteStore
from tests.store.conftest import Opener
from tests.store.events_gen import make_events
from tests.store.services import PG_URL

AsyncStore = SqliteStore | PostgresStore


def opened(open_store: Opener) -> AsyncStore:
    """A store from the shared fixture; both backends offer ``record_async``."""
    store = open_store()
    assert isinstance(store, SqliteStore | PostgresStore)
    return store


def outside(store: AsyncStore, statement: str) -> list[tuple[Any, ...]]:
    """Run ``statement`` on a connection of its own: it sees only what has been committed."""
    if isinstance(store, SqliteStore):
        with sqlite3.connect(store.path) as lite:
            return lite.execute(statement).fetchall()
    with psycopg.connect(PG_URL, autocommit=True, options=f"-c search_path={store.schema}") as conn:
        cur = conn.execute(statement)
        return cur.fetchall() if cur.description else []


def committed_count(store: AsyncStore) -> int:
    return int(outside(store, "SELECT count(*) FROM audit_events")[0][0])


@pytest.mark.parametrize(("tasks", "per_task"), [(1, 1), (40, 7), (3, 700)], ids=["one", "many small", "over a chunk"])
async def test_concurrent_callers_all_land_and_each_sees_its_commit(
    open_store: Opener, tasks: int, per_task: int
) -> None:
    store = opened(open_store)
    events = make_events(tasks * per_task, seed=41)
    chunks = [events[i * per_task : (i + 1) * per_task] for i in range(tasks)]
    seen_after: list[int] = []

    async def one(chunk: list[AuditEvent]) -> None:
        await store.record_async(chunk)
        seen_after.append(committed_count(store))

    await asyncio.gather(*(one(c) for c in chunks))
    stored = sorted(store.events(), key=lambda e: e.time)
    counted = store.counts()
    assert stored == sorted(events, key=lambda e: e.time)
    assert sum(r.count for r in counted.rows) == len(events)
    # every caller found at least its own events committed when its await returned
    assert all(n >= per_task for n in seen_after) and len(seen_after) == tasks


async def test_bad_events_are_refused_before_queueing(open_store: Opener) -> None:
    store = opened(open_store)
    good = make_events(2, seed=43)
    with pytest.raises(InputError):
        await store.record_async([good[0], dataclasses.replace(good[1], reasons=("",))])
    assert list(store.events()) == []


async def test_after_close_is_a_storage_error(open_store: Opener) -> None:
    store = opened(open_store)
    store.close()
    store.close()  # closing twice does nothing
    with pytest.raises(StorageError, match="closed"):
        await store.record_async(make_events(1))


async def test_a_failed_commit_reaches_every_waiter(open_store: Opener) -> None:
    store = opened(open_store)
    outside(store, "DROP TABLE audit_events")
    results = await asyncio.gather(
        *(store.record_async(make_events(2, seed=s)) for s in range(5)), return_exceptions=True
    )
    assert len(results) == 5 and all(isinstance(r, StorageError) for r in results)


async def test_closing_flushes_what_is_queued(open_store: Opener) -> None:
    store = opened(open_store)
    events = make_events(2000, seed=45)
    waiting = [asyncio.ensure_future(store.record_async(events[i : i + 20])) for i in range(0, len(events), 20)]
    await asyncio.sleep(0)  # every task has queued its events
    store.close()  # blocks until the writer has written the queue, then stops it
    assert await asyncio.gather(*waiting) == [None] * len(waiting)
    assert committed_count(store) == len(events)


async def test_a_cancelled_waiter_still_has_its_events_committed(open_store: Opener) -> None:
    store = opened(open_store)
    events = make_events(20, seed=46)
    trouble: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, context: trouble.append(context))
    gone = asyncio.ensure_future(store.record_async(events[:10]))
    await asyncio.sleep(0)  # queued
    gone.cancel()  # the client went away; settling its cancelled future must not be an error
    await store.record_async(events[10:])  # committed in the same batch or after: settled after
    assert gone.cancelled()
    assert committed_count(store) == len(events)
    assert trouble == []


async def test_two_stores_on_one_database_take_turns(open_store: Opener) -> None:
    a, b = opened(open_store), opened(open_store)
    events = make_events(600, seed=47)
    await asyncio.gather(*((a if i % 2 else b).record_async(events[i * 10 : (i + 1) * 10]) for i in range(60)))
    assert committed_count(a) == len(events)


# -- the committer itself --------------------------------------------------------------------------


async def test_callers_queued_during_a_commit_share_the_next_one() -> None:
    started, release = threading.Event(), threading.Event()
    batches: list[int] = []

    def write(batch: list[AuditEvent]) -> None:
        started.set()
        assert release.wait(10)
        batches.append(len(batch))

    committer = GroupCommitter(write)
    try:
        first = asyncio.ensure_future(committer.submit_async(make_events(1)))
        assert await asyncio.to_thread(started.wait, 10)  # the writer is inside the first commit
        rest = [asyncio.ensure_future(committer.submit_async(make_events(1, seed=s))) for s in range(10)]
        await asyncio.sleep(0)  # all ten are queued behind it
        release.set()
        await asyncio.gather(first, *rest)
    finally:
        committer.close()
    assert batches == [1, 10]


@pytest.mark.parametrize(
    "error",
    [OSError("disk full"), StorageError("audit database failed: locked")],
    ids=["foreign error becomes StorageError", "StorageError passes as it is"],
)
async def test_submit_async_raises_a_storage_error(error: Exception) -> None:
    def write(batch: list[AuditEvent]) -> None:
        raise error

    committer = GroupCommitter(write)
    try:
        with pytest.raises(StorageError) as caught:
            await committer.submit_async(make_events(1))
    finally:
        committer.close()
    assert error in (caught.value, caught.value.__cause__)


def test_a_failing_callback_does_not_stop_the_writer() -> None:
    written: list[int] = []
    committer = GroupCommitter(lambda batch: written.append(len(batch)))
    landed = threading.Event()

    def broken(error: BaseException | None) -> None:
        raise RuntimeError("callback bug")

    try:
        committer.enqueue(make_events(1), broken)
        committer.enqueue(make_events(2), lambda error: landed.set() if error is None else None)
        assert landed.wait(10)
        committer.submit(make_events(3))  # the blocking form still works after both
    finally:
        committer.close()
    assert sum(written) == 6
