"""FailoverCache on a private Redis that the tests kill and restart: degrade to the process, then come back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
import redis

from hutong.errors import StorageError
from hutong.net.memcache import MemoryCache
from hutong.store.failover_cache import FailoverCache
from hutong.store.redis_cache import RedisCache
from tests.store.private import PrivateRedis, private_redis

PREFIX = "hutong-failover:"


@pytest.fixture
def rd() -> Iterator[PrivateRedis]:
    with private_redis() as instance:
        yield instance


@pytest.fixture
async def cache(rd: PrivateRedis) -> AsyncIterator[FailoverCache]:
    c = FailoverCache(RedisCache(rd.url, prefix=PREFIX, socket_timeout=2.0), MemoryCache(), retry_after=0.2)
    yield c
    await c.aclose()


def in_redis(rd: PrivateRedis, key: str) -> bytes | None:
    client = redis.Redis.from_url(rd.url)
    try:
        value = client.get(PREFIX + key)
        return None if value is None else bytes(value)
    finally:
        client.close()


async def test_uses_redis_while_it_answers(cache: FailoverCache, rd: PrivateRedis) -> None:
    await cache.set("k", b"shared", 60)
    assert in_redis(rd, "k") == b"shared"
    assert await cache.get("k") == b"shared"
    assert await cache.local.get("k") is None
    assert not cache.degraded and cache.failovers == 0


async def test_every_operation_goes_on_while_redis_is_down_and_redis_is_used_again_after(
    cache: FailoverCache, rd: PrivateRedis
) -> None:
    rd.kill9()
    await cache.set("k", b"local", 60)
    assert await cache.get("k") == b"local"
    assert cache.degraded
    assert [await cache.hit_rate("host", 2, 60.0) for _ in range(3)] == [True, True, False]
    produced = 0

    async def produce() -> tuple[bytes, float]:
        nonlocal produced
        produced += 1
        return b"made", 60.0

    assert await cache.single_flight("sf", produce) == b"made"
    assert await cache.single_flight("sf", produce) == b"made"
    assert produced == 1
    await cache.delete("k")
    assert await cache.get("k") is None
    assert cache.failovers > 0
    rd.start()
    await asyncio.sleep(0.3)  # past retry_after: the next call tries Redis again
    await cache.set("back", b"shared", 60)
    assert not cache.degraded
    assert in_redis(rd, "back") == b"shared"


async def test_produce_runs_once_even_if_redis_dies_during_it(cache: FailoverCache, rd: PrivateRedis) -> None:
    calls = 0

    async def produce() -> tuple[bytes, float]:
        nonlocal calls
        calls += 1
        rd.kill9()  # the lock is taken in Redis; storing the value and unlocking will fail
        return b"value", 60.0

    assert await cache.single_flight("mid", produce) == b"value"
    assert calls == 1
    assert cache.degraded
    assert await cache.get("mid") == b"value"  # kept in the process meanwhile


async def test_a_producers_own_error_passes_through_and_does_not_degrade(cache: FailoverCache) -> None:
    async def broken() -> tuple[bytes, float]:
        raise ValueError("upstream broke")

    with pytest.raises(ValueError, match="upstream broke"):
        await cache.single_flight("e", broken)
    assert not cache.degraded and cache.failovers == 0


async def test_a_wait_for_another_workers_lock_is_not_an_outage(rd: PrivateRedis) -> None:
    shared = RedisCache(rd.url, prefix=PREFIX, lock_ttl=5.0, wait_timeout=0.3)
    cache = FailoverCache(shared, MemoryCache())
    try:
        client = redis.Redis.from_url(rd.url)
        client.set(PREFIX + "lock:stuck", "other worker", px=5000)
        client.close()

        async def produce() -> tuple[bytes, float]:
            return b"never", 60.0

        with pytest.raises(StorageError, match="waited") as caught:
            await cache.single_flight("stuck", produce)
        assert caught.value.code == "storage.cache_wait"
        assert not cache.degraded
    finally:
        await cache.aclose()
