"""Migrations: applied once on each backend, recorded, and a newer database refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from hutong.errors import StorageError
from hutong.store.migrations import LATEST, migrate_postgres, migrate_sqlite
from tests.store.services import PG_URL, drop_pg_schema, need_postgres, unique


def test_sqlite_applies_once_and_refuses_a_newer_schema(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.sqlite3", isolation_level=None)
    assert migrate_sqlite(conn) == list(range(1, LATEST + 1))
    assert migrate_sqlite(conn) == []
    conn.execute("INSERT INTO hutong_schema VALUES (?, 'from the future', 0)", (LATEST + 1,))
    with pytest.raises(StorageError, match="newer than this hutong"):
        migrate_sqlite(conn)
    conn.close()


@pytest.mark.postgres
def test_postgres_applies_once_and_refuses_a_newer_schema() -> None:
    need_postgres()
    schema = unique("hutong_mig")
    try:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
            conn.execute(f"SET search_path TO {schema}")
            assert migrate_postgres(conn) == list(range(1, LATEST + 1))
            assert migrate_postgres(conn) == []
            conn.execute("INSERT INTO hutong_schema VALUES (%s, 'future', 0)", (LATEST + 1,))
            with pytest.raises(StorageError, match="newer than this hutong"):
                migrate_postgres(conn)
    finally:
        drop_pg_schema(schema)


def test_a_version_1_database_gains_the_appeals_table_and_keeps_its_events(tmp_path: Path) -> None:
    from hutong.store.migrations import MIGRATIONS, _statements
    from hutong.store.sqlite_store import SqliteStore
    from tests.store.events_gen import make_events

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE hutong_schema (version INTEGER PRIMARY KEY, name TEXT, applied_at REAL)")
    for stmt in _statements(MIGRATIONS[0].sqlite):  # the database as the previous release left it
        conn.execute(stmt)
    conn.execute("INSERT INTO hutong_schema VALUES (1, 'events and hourly rollups', 0)")
    conn.close()
    with SqliteStore(path) as store:
        store.record(make_events(50, seed=3))
        assert store.appeals() == ()
    conn = sqlite3.connect(path)
    versions = [r[0] for r in conn.execute("SELECT version FROM hutong_schema ORDER BY version")]
    assert versions == list(range(1, LATEST + 1)) and conn.execute("SELECT count(*) FROM audit_events").fetchone() == (
        50,
    )
    conn.close()


def test_a_version_3_database_gains_reach_and_its_old_events_have_none(tmp_path: Path) -> None:
    from hutong.store.migrations import MIGRATIONS, _statements
    from hutong.store.sqlite_store import SqliteStore
    from tests.store.events_gen import make_events

    path = tmp_path / "v3.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE hutong_schema (version INTEGER PRIMARY KEY, name TEXT, applied_at REAL)")
    for m in MIGRATIONS[:3]:  # the database as the release before reachability left it
        for stmt in _statements(m.sqlite):
            conn.execute(stmt)
        conn.execute("INSERT INTO hutong_schema VALUES (?, ?, 0)", (m.version, m.name))
    old_columns = "ts, stage, context, category, level, reasons, action, rule, policy_version, card"
    conn.execute(
        f"INSERT INTO audit_events ({old_columns}) VALUES (1.7e9, 'check', 'direct', 'news', 'safe', '', 'open', "
        "'default', 'v1', 0)"
    )
    conn.close()
    new = make_events(40, seed=9)
    with SqliteStore(path) as store:
        store.record(new)
        events = list(store.events())
        assert events[0].reach is None and events[1:] == new
        assert sum(r.count for r in store.counts().reach) == sum(1 for e in new if e.reach)


@pytest.mark.postgres
def test_postgres_gains_reach_on_every_partition() -> None:
    from hutong.store.postgres_store import PostgresStore
    from tests.store.events_gen import make_events

    url = need_postgres()
    schema = unique("hutong_reach")
    try:
        events = make_events(60, seed=21, start=1_697_760_000.0, span=60 * 86400.0)  # three months
        with PostgresStore(f"{url}?schema={schema}") as store:
            store.record(events)
            assert list(store.events()) == events
            assert sum(r.count for r in store.counts().reach) == sum(1 for e in events if e.reach)
    finally:
        drop_pg_schema(schema)
