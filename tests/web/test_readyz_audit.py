"""/readyz reports an audit store that cannot be reached, so a load balancer can take the worker out."""

from __future__ import annotations

from collections.abc import Sequence

from hutong.audit import AuditEvent
from hutong.errors import StorageError

from .conftest import AppFactory, connect


class _Sink:
    def __init__(self, up: bool) -> None:
        self.up = up

    def record(self, events: Sequence[AuditEvent]) -> None:
        return None

    def ping(self) -> None:
        if not self.up:
            raise StorageError("cannot reach the audit database at 127.0.0.1:5432")


async def test_readyz_follows_the_audit_store(app_factory: AppFactory) -> None:
    sink = _Sink(up=True)
    async with connect(app_factory(audit=sink)) as c:
        ok = await c.get("/readyz")
        assert ok.status_code == 200 and ok.json()["problems"] == []
        sink.up = False
        down = await c.get("/readyz")
        assert down.status_code == 503
        assert any("audit store" in p and "5432" in p for p in down.json()["problems"])
