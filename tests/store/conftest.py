"""The ``store`` fixture: every store test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hutong.store.audit_store import AuditStore
from hutong.store.postgres_store import PostgresStore
from hutong.store.sqlite_store import SqliteStore
from tests.store.services import drop_pg_schema, need_postgres, unique

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

Opener = Callable[[], AuditStore]


@pytest.fixture(params=BACKENDS)
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """A function opening (and re-opening) one store on the parametrized backend; all closed after."""
    opened: list[AuditStore] = []
    if request.param == "sqlite":
        path = tmp_path / "audit.sqlite3"

        def opener() -> AuditStore:
            opened.append(SqliteStore(path))
            return opened[-1]

        yield opener
        for s in opened:
            s.close()
        return
    url = need_postgres()
    schema = unique("hutong_test")

    def pg_opener() -> AuditStore:
        opened.append(PostgresStore(f"{url}?schema={schema}"))
        return opened[-1]

    yield pg_opener
    for s in opened:
        s.close()
    drop_pg_schema(schema)


@pytest.fixture
def store(open_store: Opener) -> AuditStore:
    return open_store()
