"""``SqliteStore.record_async`` and its group committer: committed before it returns; errors reach the caller."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import threading
from pathlib import Path

import pytest

from hutong.audit import AuditEvent
from hutong.errors import InputError, StorageError
from hutong.store.batcher import GroupCommitter
from hutong.store.sqlite_store import SqliteStore
from tests.store.events_gen import make_events


def committed_count(path: Path) -> int:
    """Events visible to another connection: only committed ones are."""
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM audit_events").fetchone()[0])


@pytest.mark.parametrize(("tasks", "per_task"), [(1, 1), (40, 7), (3, 700)], ids=["one", "many small", "over a chunk"])
async def test_concurrent_callers_all_land_and_each_sees_its_commit(tmp_path: Path, tasks: int, per_task: int) -> None:
    path = tmp_path / "audit.sqlite3"
    events = make_events(tasks * per_task, seed=41)
    chunks = [events[i * per_task : (i + 1) * per_task] for i in range(tasks)]
    seen_after: list[int] = []
    with SqliteStore(path) as store:

        async def one(chunk: list[AuditEvent]) -> None:
            await store.record_async(chunk)
            seen_after.append(committed_count(path))

        await asyncio.gather(*(one(c) for c in chunks))
        stored = sorted(store.events(), key=lambda e: e.time)
        counted = store.counts()
    assert stored == sorted(events, key=lambda e: e.time)
    assert sum(r.count for r in counted.rows) == len(events)
    # every caller found at least its own events committed when its await returned
    assert all(n >= per_task for n in seen_after) and len(seen_after) == tasks


async def test_bad_events_are_refused_before_queueing(tmp_path: Path) -> None:
    good = make_events(2, seed=43)
    with SqliteStore(tmp_path / "audit.sqlite3") as store:
        with pytest.raises(InputError):
            await store.record_async([good[0], dataclasses.replace(good[1], reasons=("",))])
        assert list(store.events()) == []


async def test_after_close_is_a_storage_error(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "audit.sqlite3")
    store.close()
    store.close()  # closing twice does nothing
    with pytest.raises(StorageError, match="closed"):
        await store.record_async(make_events(1))


async def test_a_failed_commit_reaches_every_waiter(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite3"
    with SqliteStore(path) as store:
        with sqlite3.connect(path) as conn:
            conn.execute("DROP TABLE audit_events")
        results = await asyncio.gather(
            *(store.record_async(make_events(2, seed=s)) for s in range(5)), return_exceptions=True
        )
    assert results and all(isinstance(r, StorageError) for r in results)


async def test_two_stores_on_one_file_take_turns(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite3"
    events = make_events(600, seed=47)
    with SqliteStore(path) as a, SqliteStore(path) as b:
        await asyncio.gather(
            *((a if i % 2 else b).record_async(events[i * 10 : (i + 1) * 10]) for i in range(60))
        )
        assert committed_count(path) == len(events)


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
