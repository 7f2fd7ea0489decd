"""PostgreSQL specifics: month partitions, URL handling, an unreachable server."""

from __future__ import annotations

import time

import psycopg
import pytest

from hutong.errors import StorageError
from hutong.store.postgres_store import PostgresStore, month_bounds, month_of, split_url
from tests.store.events_gen import make_events
from tests.store.services import PG_URL, need_postgres, unique

pytestmark = pytest.mark.postgres


def test_events_land_in_month_partitions_and_prune_drops_them() -> None:
    need_postgres()
    store = PostgresStore(f"{PG_URL}?schema={unique('hutong_part')}")
    try:
        # 2023-10-20 .. 2024-01-10
        store.record(make_events(400, seed=9, start=1_697_760_000.0, span=82 * 86400.0))
        with psycopg.connect(PG_URL, options=f"-c search_path={store.schema}") as conn:
            names = PostgresStore._partition_names(conn)
            assert names == [f"audit_events_p{m}" for m in ("202310", "202311", "202312", "202401")]
            store.prune(1_701_388_800.0)  # 2023-12-01: October and November go whole
            assert PostgresStore._partition_names(conn) == ["audit_events_p202312", "audit_events_p202401"]
    finally:
        store.drop_schema()


@pytest.mark.parametrize(
    ("ts", "month", "bounds"),
    [
        (1_700_000_000.0, (2023, 11), (1_698_796_800.0, 1_701_388_800.0)),
        (1_703_980_800.0 + 86399, (2023, 12), (1_701_388_800.0, 1_704_067_200.0)),
    ],
)
def test_month_math(ts: float, month: tuple[int, int], bounds: tuple[float, float]) -> None:
    assert month_of(ts) == month
    assert month_bounds(*month) == bounds


@pytest.mark.parametrize(
    ("url", "conninfo", "schema"),
    [
        ("postgresql://u@h/db", "postgresql://u@h/db", "hutong"),
        (
            "postgresql://u@h/db?schema=audit_a&sslmode=disable",
            "postgresql://u@h/db?sslmode=disable",
            "audit_a",
        ),
    ],
)
def test_split_url(url: str, conninfo: str, schema: str) -> None:
    assert split_url(url) == (conninfo, schema)


@pytest.mark.parametrize("schema", ["Robert'); DROP TABLE x;--", "UPPER", "a-b", ""])
def test_unsafe_schema_names_are_refused(schema: str) -> None:
    with pytest.raises(StorageError, match="plain lower-case SQL name"):
        split_url(f"postgresql://u@h/db?schema={schema}")


def test_unreachable_server_is_a_bounded_storage_error() -> None:
    t0 = time.monotonic()
    with pytest.raises(StorageError, match=r"check storage\.audit"):
        PostgresStore("postgresql://postgres@127.0.0.1:1/test", connect_timeout=2)
    assert time.monotonic() - t0 < 10


def test_ping_fails_once_the_schema_is_gone() -> None:
    need_postgres()
    store = PostgresStore(f"{PG_URL}?schema={unique('hutong_ping')}")
    store.ping()
    store.drop_schema()
    with pytest.raises(StorageError, match="ping"):
        store.ping()


def test_a_lost_connection_is_retried_on_a_new_one_and_the_batch_recorded_once() -> None:
    need_postgres()
    store = PostgresStore(f"{PG_URL}?schema={unique('hutong_recon')}")
    try:
        events = make_events(30, seed=4)
        store.record(events[:10])
        assert store._writer is not None
        pid = store._writer.info.backend_pid
        with psycopg.connect(PG_URL, autocommit=True) as admin:  # what a server restart does to us
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        store.record(events[10:20])  # the first attempt fails on the dead connection, the retry commits
        assert store._committer.retries == 1
        assert store._writer.info.backend_pid != pid
        store.record(events[20:])
        assert list(store.events()) == events
    finally:
        store.drop_schema()
