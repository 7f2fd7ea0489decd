"""Opening the configured store and cache; the user-id hash; exports; command-line times."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from hutong.config import Config, DataSection, StorageSection, parse
from hutong.errors import ConfigError, UsageError
from hutong.net.memcache import MemoryCache
from hutong.store.export import write_events
from hutong.store.factory import AUDIT_FILE, audit_url, open_audit, open_cache
from hutong.store.failover_cache import FailoverCache
from hutong.store.postgres_store import PostgresStore
from hutong.store.redis_cache import RedisCache
from hutong.store.sqlite_store import SqliteStore, path_from_url
from hutong.store.timespec import parse_time
from hutong.store.userhash import UserHasher
from tests.store.events_gen import make_events
from tests.store.services import PG_URL, REDIS_URL, drop_pg_schema, need_postgres, need_redis, unique


def test_default_audit_is_sqlite_under_the_data_dir(tmp_path: Path) -> None:
    cfg = Config(data=DataSection(dir=str(tmp_path)))
    assert audit_url(cfg) == f"sqlite://{tmp_path.resolve() / AUDIT_FILE}"
    store = open_audit(cfg)
    try:
        assert isinstance(store, SqliteStore)
        assert (tmp_path / AUDIT_FILE).exists()
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "path"), [("sqlite:///var/lib/h/a.db", "/var/lib/h/a.db"), ("sqlite://rel/a.db", "rel/a.db")]
)
def test_sqlite_url_paths(url: str, path: str) -> None:
    assert str(path_from_url(url)) == path


@pytest.mark.postgres
def test_postgresql_url_opens_the_postgres_store() -> None:
    need_postgres()
    schema = unique("hutong_fac")
    store = open_audit(parse(f'[storage]\naudit = "{PG_URL}?schema={schema}"\n'))
    try:
        assert isinstance(store, PostgresStore)
    finally:
        store.close()
        drop_pg_schema(schema)


async def test_memory_cache_by_default() -> None:
    cache = open_cache(Config())
    assert isinstance(cache, MemoryCache)
    await cache.aclose()


@pytest.mark.redis
async def test_redis_url_opens_the_redis_cache() -> None:
    need_redis()
    cache = open_cache(Config(storage=StorageSection(cache=f"{REDIS_URL}?prefix={unique('fac')}:")))
    try:
        assert isinstance(cache, FailoverCache)
        assert isinstance(cache.shared, RedisCache)
        assert isinstance(cache.local, MemoryCache)
        assert await cache.get("nothing") is None
        assert not cache.degraded
    finally:
        await cache.aclose()


def test_user_hash_is_keyed_stable_and_shared_by_the_data_dir(tmp_path: Path) -> None:
    a = UserHasher.for_config(Config(data=DataSection(dir=str(tmp_path / "a"))))
    a_again = UserHasher.for_config(Config(data=DataSection(dir=str(tmp_path / "a"))))
    b = UserHasher.for_config(Config(data=DataSection(dir=str(tmp_path / "b"))))
    assert a.hash("alice") == a_again.hash("alice") != b.hash("alice")
    assert a.hash("alice") != a.hash("bob")
    assert len(a.hash("alice")) == 32
    assert "alice" not in a.hash("alice")


def test_export_jsonl_and_csv_carry_every_field() -> None:
    events = make_events(50, seed=31)
    out = io.StringIO()
    assert write_events(events, out, "jsonl") == 50
    docs = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [d["time"] for d in docs] == [e.time for e in events]
    assert [tuple(d["reasons"]) for d in docs] == [e.reasons for e in events]
    assert [d["user"] for d in docs] == [e.user for e in events]
    out = io.StringIO()
    write_events(events, out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [float(r["time"]) for r in rows] == [e.time for e in events]
    assert [tuple(r["reasons"].split()) for r in rows] == [e.reasons for e in events]
    assert [r["platform"] or None for r in rows] == [e.platform for e in events]
    with pytest.raises(UsageError, match="csv or jsonl"):
        write_events(events, io.StringIO(), "xml")


NOW = 1_700_000_000.0
TIMES = {
    "date": ("2023-11-14", 1_699_920_000.0),
    "date and time, UTC": ("2023-11-14T22:13:20Z", NOW),
    "offset": ("2023-11-15T06:13:20+08:00", NOW),
    "no offset means UTC": ("2023-11-14T22:13:20", NOW),
    "days ago": ("7d", NOW - 7 * 86400),
    "hours ago": ("36h", NOW - 36 * 3600),
    "minutes ago": ("90m", NOW - 5400),
}


@pytest.mark.parametrize(("text", "expected"), list(TIMES.values()), ids=list(TIMES))
def test_parse_time(text: str, expected: float) -> None:
    assert parse_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "7 days", "2023-13-01", ""])
def test_parse_time_refuses_with_the_forms_it_takes(text: str) -> None:
    with pytest.raises(UsageError, match="2026-11-01"):
        parse_time(text, NOW)


@pytest.mark.parametrize("value", [0.0, -5.0])
def test_lock_timeout_must_be_positive(value: float) -> None:
    with pytest.raises(ConfigError, match="lock_timeout"):
        open_cache(Config(storage=StorageSection(cache="redis://127.0.0.1:6379/0", lock_timeout=value)))


@pytest.mark.parametrize("value", [0.0, -1.0, float("nan")])
def test_write_retry_must_be_positive(tmp_path: Path, value: float) -> None:
    with pytest.raises(ConfigError, match="write_retry"):
        open_audit(Config(data=DataSection(dir=str(tmp_path)), storage=StorageSection(write_retry=value)))
