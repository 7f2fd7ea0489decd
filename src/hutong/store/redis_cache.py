"""``RedisCache``: the ``hutong.cache.Cache`` interface on one Redis shared by every worker.

Single-flight works across processes: the first caller takes a lock key (``SET NX PX``)
and produces the value; callers in other processes poll for the value until the lock
goes (a crashed producer's lock expires after ``lock_ttl``) and then try themselves.
Inside one process, concurrent callers for one key share one attempt. Rate limits are a
sliding log per key in a sorted set, timed by the Redis server's clock so that machines
with skewed clocks agree.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from ..errors import StorageError
from .failover_cache import UNAVAILABLE

T = TypeVar("T")
DEFAULT_PREFIX = "hutong:"

# Delete the lock only if it is still ours (it may have expired and been taken by another).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# Sliding-log limiter; refused events are not logged, so the set never exceeds ``limit`` members.
_HIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 1
"""


def split_url(url: str) -> tuple[str, str]:
    """Separate hutong's own ``?prefix=...`` from a redis:// URL; return ``(url, prefix)``."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((v for k, v in query if k == "prefix"), DEFAULT_PREFIX)
    rest = urlencode([(k, v) for k, v in query if k != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix


class RedisCache:
    """Shared cache, single-flight and rate limits on Redis; keys are namespaced by ``prefix``."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str | None = None,
        lock_ttl: float = 30.0,
        wait_timeout: float | None = None,
        socket_timeout: float = 5.0,
    ) -> None:
        plain, url_prefix = split_url(url)
        self.prefix = url_prefix if prefix is None else prefix
        self.lock_ttl = lock_ttl
        # Long enough for a crashed producer's lock to expire and a waiter to take over.
        self.wait_timeout = 2 * lock_ttl + 5.0 if wait_timeout is None else wait_timeout
        try:
            self._r: aioredis.Redis = aioredis.Redis.from_url(
                plain, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout
            )
        except (ValueError, RedisError) as exc:
            raise StorageError(f"storage.cache {url!r} is not a usable redis:// URL: {exc}") from exc
        self._release = self._r.register_script(_RELEASE)
        self._hit = self._r.register_script(_HIT)
        self._local: dict[str, asyncio.Future[bytes]] = {}

    def _k(self, key: str) -> str:
        return self.prefix + key

    async def _call(self, what: str, op: Awaitable[T]) -> T:
        try:
            return await op
        except RedisError as exc:  # whatever Redis could not do, the caller may do without it (FailoverCache)
            raise StorageError(
                f"Redis cache {what} failed: {exc}; check storage.cache and that Redis is reachable",
                code=UNAVAILABLE,
            ) from exc

    async def get(self, key: str) -> bytes | None:
        """The cached bytes for ``key``, or None."""
        value: Any = await self._call("get", self._r.get(self._k(key)))
        return None if value is None else bytes(value)

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        """Cache ``value`` for ``ttl`` seconds (a ttl of 0 or less keeps nothing)."""
        if ttl <= 0:
            return
        await self._call("set", self._r.set(self._k(key), value, px=max(1, int(ttl * 1000))))

    async def delete(self, key: str) -> None:
        """Forget ``key``."""
        await self._call("delete", self._r.delete(self._k(key)))

    async def single_flight(self, key: str, produce: Callable[[], Awaitable[tuple[bytes, float]]]) -> bytes:
        """The cached value, or ``produce()`` run once across every process sharing this Redis."""
        cached = await self.get(key)
        if cached is not None:
            return cached
        shared = self._local.get(key)
        if shared is not None:
            return await asyncio.shield(shared)
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._local[key] = fut
        try:
            value = await self._flight(key, produce)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                fut.cancel()
            else:
                fut.set_exception(exc)
                fut.exception()  # mark retrieved: nobody else may be waiting
            raise
        else:
            fut.set_result(value)
            return value
        finally:
            del self._local[key]

    async def _flight(self, key: str, produce: Callable[[], Awaitable[tuple[bytes, float]]]) -> bytes:
        lock = self._k("lock:" + key)
        token = secrets.token_hex(16)
        deadline = time.monotonic() + self.wait_timeout
        delay = 0.002
        while True:
            if await self._call("lock", self._r.set(lock, token, nx=True, px=int(self.lock_ttl * 1000))):
                try:
                    cached = await self.get(key)  # another process may have finished just before
                    if cached is not None:
                        return cached
                    value, ttl = await produce()
                    await self.set(key, value, ttl)
                    return value
                finally:
                    await self._call("unlock", self._release(keys=[lock], args=[token]))
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)
            cached = await self.get(key)
            if cached is not None:
                return cached
            if time.monotonic() > deadline:
                raise StorageError(
                    f"waited {self.wait_timeout:.0f} s for another worker to produce {key!r}; "
                    "check that workers are not stuck, or raise the lock timeout",
                    code="storage.cache_wait",
                )

    async def hit_rate(self, key: str, limit: int, window: float) -> bool:
        """Count one event for ``key``; False if ``limit`` events already happened within ``window`` s."""
        member = f"{time.time_ns()}-{secrets.token_hex(4)}"
        allowed = await self._call(
            "rate limit",
            self._hit(keys=[self._k("rate:" + key)], args=[max(1, int(window * 1000)), limit, member]),
        )
        return bool(allowed)

    async def clear_prefix(self) -> int:
        """Delete every key under this cache's prefix (tests and operators cleaning a namespace)."""
        n = 0
        async for k in self._r.scan_iter(match=self.prefix.replace("*", r"\*") + "*", count=500):
            n += int(await self._call("delete", self._r.delete(k)))
        return n

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._r.aclose()
