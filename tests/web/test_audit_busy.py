"""A worker whose audit writer is behind refuses checks with 503 ``storage.busy`` and says why."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from hutong.audit import AuditEvent
from hutong.store.sqlite_store import SqliteStore

from .conftest import SAFE_SITE, AppFactory, connect

BODY = {"text": f"看 https://{SAFE_SITE}/page", "context": "group"}


async def test_a_full_audit_queue_is_a_503_with_the_reason(app_factory: AppFactory, tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "audit.sqlite3", max_queued=1)
    started, release = threading.Event(), threading.Event()
    real = store._committer._write

    def held(batch: list[AuditEvent]) -> None:
        started.set()
        assert release.wait(10)
        real(batch)

    store._committer._write = held
    try:
        async with connect(app_factory(audit=store)) as client:
            first = asyncio.ensure_future(client.post("/v1/check", json=BODY))  # the writer holds its commit
            assert await asyncio.to_thread(started.wait, 10)
            second = asyncio.ensure_future(client.post("/v1/check", json=BODY))  # waits in the queue
            for _ in range(500):
                if store._committer._queued:
                    break
                await asyncio.sleep(0.01)
            refused = await client.post("/v1/check", json=BODY)
            release.set()
            answered = [await first, await second]
    finally:
        release.set()
        store.close()
    assert refused.status_code == 503
    error = refused.json()["error"]
    assert error["code"] == "storage.busy"
    assert "audit.queue_events = 1" in error["message"] and "Retry in a moment" in error["message"]
    assert [r.status_code for r in answered] == [200, 200]
    with SqliteStore(tmp_path / "audit.sqlite3") as again:
        assert len(list(again.events())) == 2  # the refused check's decision was never acknowledged
