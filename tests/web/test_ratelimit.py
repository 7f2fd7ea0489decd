"""``hutong.ratelimit``: who the client is behind proxies, what a limit counts, and the counting itself."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hutong.errors import ConfigError, StorageError
from hutong.net.memcache import MemoryCache
from hutong.ratelimit import ClientLimiter, bucket, client_of, parse_networks
from hutong.store.redis_cache import RedisCache
from tests.store.services import drop_redis_prefix, need_redis, unique

LOCAL = parse_networks(["127.0.0.1"])
PROXIES = parse_networks(["10.0.0.0/8", "fd00::/8"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("203.0.113.9", None, (), "203.0.113.9"),
        ("203.0.113.9", "1.1.1.1", (), "203.0.113.9"),  # nobody trusted: the header is ignored
        ("127.0.0.1", "1.1.1.1", (), "127.0.0.1"),  # not even from loopback
        ("203.0.113.9", "1.1.1.1", PROXIES, "203.0.113.9"),  # the peer is not a trusted proxy
        ("10.0.0.2", "198.51.100.7", PROXIES, "198.51.100.7"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.7", PROXIES, "198.51.100.7"),  # the client's own entry is skipped
        ("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.3", PROXIES, "198.51.100.7"),  # two proxies
        ("10.0.0.2", "10.0.0.9, 10.0.0.3", PROXIES, "10.0.0.9"),  # all trusted: the leftmost
        ("10.0.0.2", "198.51.100.7:5123", PROXIES, "198.51.100.7"),  # with a port
        ("10.0.0.2", "[2001:db8::7]:443", PROXIES, "2001:db8::7"),
        ("10.0.0.2", "2001:db8::7", PROXIES, "2001:db8::7"),
        ("10.0.0.2", "unknown", PROXIES, "10.0.0.2"),  # not an address: the proxy itself counts
        ("10.0.0.2", "6.6.6.6, garbage", PROXIES, "10.0.0.2"),
        ("10.0.0.2", "", PROXIES, "10.0.0.2"),
        ("::ffff:10.0.0.2", "198.51.100.7", PROXIES, "198.51.100.7"),  # a mapped peer is its IPv4
        ("fd00::1", "198.51.100.7", PROXIES, "198.51.100.7"),
        (None, "1.1.1.1", PROXIES, "unknown"),
        ("not-an-ip", "1.1.1.1", PROXIES, "not-an-ip"),
    ],
    ids=[
        "plain peer",
        "header without trust",
        "loopback without trust",
        "untrusted peer",
        "one proxy",
        "spoofed left entry",
        "two proxies",
        "all trusted",
        "port",
        "bracketed v6",
        "bare v6",
        "unknown token",
        "garbage last",
        "empty header",
        "mapped peer",
        "v6 proxy",
        "no peer",
        "odd peer",
    ],
)
def test_client_of(peer: str | None, forwarded: str | None, trusted: tuple[object, ...], client: str) -> None:
    assert client_of(peer, forwarded, trusted) == client  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("unknown", "unknown"),
    ],
)
def test_bucket(client: str, expected: str) -> None:
    assert bucket(client) == expected


@pytest.mark.parametrize("spec", ["10.0.0.0/33", "proxy.example", "", "1.2.3.4/8/1"])
def test_bad_trusted_proxies_are_refused_by_name(spec: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_networks([spec])
    assert "server.trusted_proxies" in info.value.message


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_limit_then_refuse_with_the_seconds_left() -> None:
    clock = Clock(6_000_000.0 + 45.2)  # 45.2 s into a minute
    limiter = ClientLimiter(MemoryCache(), limit=3, clock=clock)
    got = [(await limiter.hit("go", "a")).allowed for _ in range(4)]
    assert got == [True, True, True, False]
    refused = await limiter.hit("go", "a")
    assert not refused.allowed and refused.retry_after == 15 and refused.limit == 3
    assert (await limiter.hit("go", "b")).allowed  # another client
    assert (await limiter.hit("img", "a")).allowed  # another family
    clock.now += 15  # the next minute
    assert (await limiter.hit("go", "a")).allowed


async def test_retry_after_is_at_least_a_second() -> None:
    limiter = ClientLimiter(MemoryCache(), limit=1, clock=Clock(6_000_000.0 + 59.99))
    await limiter.hit("go", "a")
    assert (await limiter.hit("go", "a")).retry_after == 1


@pytest.mark.parametrize(("limit", "window"), [(0, 60.0), (-1, 60.0), (5, 0.0)])
def test_a_limiter_needs_a_positive_limit(limit: int, window: float) -> None:
    with pytest.raises(ConfigError):
        ClientLimiter(MemoryCache(), limit=limit, window=window)


@pytest.fixture
async def redis_prefix() -> AsyncIterator[tuple[str, str]]:
    url = need_redis()
    prefix = unique("hutong-rl") + ":"
    yield url, prefix
    drop_redis_prefix(prefix)


@pytest.mark.redis
async def test_workers_share_one_count_over_redis(redis_prefix: tuple[str, str]) -> None:
    url, prefix = redis_prefix
    first, second = RedisCache(url, prefix=prefix), RedisCache(url, prefix=prefix)
    a, b = ClientLimiter(first, limit=4), ClientLimiter(second, limit=4)
    try:
        got = [(await (a if i % 2 else b).hit("go", "198.51.100.7")).allowed for i in range(6)]
    finally:
        await a.aclose()
        await b.aclose()
    assert got == [True, True, True, True, False, False]


async def test_a_failing_redis_counts_in_the_worker() -> None:
    dead = RedisCache("redis://127.0.0.1:1/0", socket_timeout=0.5)  # nothing listens on port 1
    limiter = ClientLimiter(dead, limit=2, fallback=MemoryCache())
    try:
        got = [(await limiter.hit("go", "a")).allowed for _ in range(3)]
    finally:
        await limiter.aclose()
    assert got == [True, True, False]
    alone = ClientLimiter(RedisCache("redis://127.0.0.1:1/0", socket_timeout=0.5), limit=2)
    with pytest.raises(StorageError):
        await alone.hit("go", "a")
    await alone.aclose()
