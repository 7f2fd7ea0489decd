"""MemoryCache: LRU, TTLs, single-flight and the rate-limit counter."""

from __future__ import annotations

import asyncio

import pytest

from hutong.net.memcache import MemoryCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_ttl_expires() -> None:
    clock = Clock()
    cache = MemoryCache(clock=clock)
    await cache.set("k", b"v", 10)
    assert await cache.get("k") == b"v"
    clock.now += 10.5
    assert await cache.get("k") is None


async def test_lru_evicts_least_recent() -> None:
    cache = MemoryCache(max_entries=2)
    await cache.set("a", b"1", 60)
    await cache.set("b", b"2", 60)
    assert await cache.get("a") == b"1"  # a is now most recent
    await cache.set("c", b"3", 60)
    assert await cache.get("b") is None
    assert await cache.get("a") == b"1" and await cache.get("c") == b"3"


async def test_delete_and_zero_ttl() -> None:
    cache = MemoryCache()
    await cache.set("a", b"1", 60)
    await cache.delete("a")
    await cache.set("b", b"1", 0)
    assert await cache.get("a") is None and await cache.get("b") is None


async def test_single_flight_runs_once_for_many_callers() -> None:
    cache = MemoryCache()
    calls = 0

    async def produce() -> tuple[bytes, float]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return b"value", 60.0

    results = await asyncio.gather(*(cache.single_flight("k", produce) for _ in range(50)))
    assert calls == 1
    assert set(results) == {b"value"}
    assert await cache.single_flight("k", produce) == b"value" and calls == 1


async def test_single_flight_shares_failure_and_does_not_cache_it() -> None:
    cache = MemoryCache()
    calls = 0

    async def produce() -> tuple[bytes, float]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        raise ValueError("boom")

    results = await asyncio.gather(
        *(cache.single_flight("k", produce) for _ in range(5)), return_exceptions=True
    )
    assert calls == 1
    assert all(isinstance(r, ValueError) for r in results)
    assert await cache.get("k") is None


async def test_single_flight_survives_cancelled_producer() -> None:
    cache = MemoryCache()

    async def slow() -> tuple[bytes, float]:
        await asyncio.sleep(10)
        return b"never", 60

    async def fast() -> tuple[bytes, float]:
        return b"fast", 60

    first = asyncio.create_task(cache.single_flight("k", slow))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(cache.single_flight("k", fast))
    await asyncio.sleep(0.01)
    first.cancel()
    assert await second == b"fast"
    with pytest.raises(asyncio.CancelledError):
        await first


@pytest.mark.parametrize(("limit", "events", "allowed"), [(3, 5, 3), (1, 2, 1), (10, 10, 10)])
async def test_hit_rate_limits_within_window(limit: int, events: int, allowed: int) -> None:
    clock = Clock()
    cache = MemoryCache(clock=clock)
    got = [await cache.hit_rate("host", limit, 60) for _ in range(events)]
    assert got.count(True) == allowed
    clock.now += 61
    assert await cache.hit_rate("host", limit, 60)
