"""RedisCache on a real Redis: get/set/delete, TTLs, single-flight (in and across processes), rate limits."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hutong.errors import StorageError
from hutong.store.redis_cache import RedisCache, split_url
from tests.store.services import drop_redis_prefix, need_redis, unique

pytestmark = pytest.mark.redis
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def cache() -> AsyncIterator[RedisCache]:
    url = need_redis()
    prefix = unique("hutong-test") + ":"
    c = RedisCache(url, prefix=prefix, lock_ttl=2.0)
    yield c
    await c.aclose()
    drop_redis_prefix(prefix)


VALUES = {"ascii": b"hello", "empty": b"", "binary": bytes(range(256)), "utf-8": "互通".encode()}


@pytest.mark.parametrize("value", list(VALUES.values()), ids=list(VALUES))
async def test_set_get_delete_round_trip(cache: RedisCache, value: bytes) -> None:
    assert await cache.get("k") is None
    await cache.set("k", value, 60)
    assert await cache.get("k") == value
    await cache.delete("k")
    assert await cache.get("k") is None


@pytest.mark.parametrize(("ttl", "kept"), [(0.15, False), (0, False), (-1, False), (30, True)])
async def test_ttl(cache: RedisCache, ttl: float, kept: bool) -> None:
    await cache.set("t", b"v", ttl)
    await asyncio.sleep(0.3)
    assert (await cache.get("t") == b"v") is kept


async def test_prefix_isolates_namespaces(cache: RedisCache) -> None:
    other = RedisCache(need_redis(), prefix=cache.prefix + "other:")
    try:
        await cache.set("k", b"mine", 60)
        assert await other.get("k") is None
    finally:
        await other.aclose()


async def test_single_flight_runs_produce_once_for_concurrent_callers(cache: RedisCache) -> None:
    calls = 0

    async def produce() -> tuple[bytes, float]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.1)
        return b"made", 60.0

    results = await asyncio.gather(*(cache.single_flight("sf", produce) for _ in range(20)))
    assert results == [b"made"] * 20
    assert calls == 1
    assert await cache.get("sf") == b"made"


async def test_single_flight_error_reaches_the_caller_and_releases_the_lock(cache: RedisCache) -> None:
    async def fail() -> tuple[bytes, float]:
        raise ValueError("upstream broke")

    async def ok() -> tuple[bytes, float]:
        return b"second try", 60.0

    with pytest.raises(ValueError, match="upstream broke"):
        await cache.single_flight("e", fail)
    assert await cache.single_flight("e", ok) == b"second try"


async def test_waiter_takes_over_when_the_lock_holder_died(cache: RedisCache) -> None:
    # A lock left by a crashed producer (never released) expires after lock_ttl.
    await cache._r.set(cache.prefix + "lock:orphan", "dead-token", px=300)

    async def produce() -> tuple[bytes, float]:
        return b"rescued", 60.0

    t0 = time.monotonic()
    assert await cache.single_flight("orphan", produce) == b"rescued"
    assert 0.2 < time.monotonic() - t0 < 2.0


async def test_waiting_too_long_is_a_storage_error(cache: RedisCache) -> None:
    impatient = RedisCache(need_redis(), prefix=cache.prefix, lock_ttl=5.0, wait_timeout=0.3)
    await cache._r.set(cache.prefix + "lock:stuck", "other", px=5000)

    async def produce() -> tuple[bytes, float]:
        return b"never", 60.0

    try:
        with pytest.raises(StorageError, match="waited"):
            await impatient.single_flight("stuck", produce)
    finally:
        await impatient.aclose()


WORKER = """
import asyncio, sys, time
from hutong.store.redis_cache import RedisCache

async def main():
    c = RedisCache(sys.argv[1], prefix=sys.argv[2])
    async def produce():
        with open(sys.argv[3], "a") as fh:
            fh.write(sys.argv[4] + "\\n")
        await asyncio.sleep(0.3)
        return sys.argv[4].encode(), 60.0
    print((await c.single_flight("shared", produce)).decode())
    await c.aclose()

asyncio.run(main())
"""


def test_single_flight_across_processes(cache: RedisCache, tmp_path: Path) -> None:
    log = tmp_path / "produced.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, need_redis(), cache.prefix, str(log), f"worker{i}"],
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        for i in range(4)
    ]
    outs = [p.communicate(timeout=30)[0].strip() for p in procs]
    produced = log.read_text().split()
    assert len(produced) == 1
    assert outs == [produced[0]] * 4


@pytest.mark.parametrize(("limit", "calls", "allowed"), [(3, 5, 3), (1, 2, 1), (10, 4, 4)])
async def test_rate_limit_counts_within_the_window(
    cache: RedisCache, limit: int, calls: int, allowed: int
) -> None:
    results = [await cache.hit_rate("dest", limit, 60.0) for _ in range(calls)]
    assert results == [True] * allowed + [False] * (calls - allowed)


async def test_rate_limit_window_slides(cache: RedisCache) -> None:
    assert [await cache.hit_rate("w", 2, 0.3) for _ in range(3)] == [True, True, False]
    await asyncio.sleep(0.4)
    assert await cache.hit_rate("w", 2, 0.3)


async def test_unreachable_redis_is_a_storage_error() -> None:
    c = RedisCache("redis://127.0.0.1:1/0", socket_timeout=1.0)
    try:
        with pytest.raises(StorageError, match="Redis cache get failed"):
            await c.get("x")
    finally:
        await c.aclose()


@pytest.mark.parametrize(
    ("url", "plain", "prefix"),
    [
        ("redis://h:6379/0", "redis://h:6379/0", "hutong:"),
        ("redis://h:6379/0?prefix=app1:", "redis://h:6379/0", "app1:"),
        ("redis://h/1?prefix=x:&socket_timeout=2", "redis://h/1?socket_timeout=2", "x:"),
    ],
)
def test_split_url(url: str, plain: str, prefix: str) -> None:
    assert split_url(url) == (plain, prefix)
