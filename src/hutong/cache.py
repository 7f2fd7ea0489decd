"""The cache interface used for resolutions, cards, images and rate limits.

The embedded default is ``MemoryCache`` (in-process, LRU with TTLs, single-flight);
``hutong.store.redis_cache.RedisCache`` implements the same interface for several
processes. Values are bytes; callers serialise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: float) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def single_flight(
        self, key: str, produce: Callable[[], Awaitable[tuple[bytes, float]]]
    ) -> bytes:
        """Return the cached value for ``key``, or run ``produce`` once (however many callers,
        and in every process sharing the cache) and cache its ``(value, ttl)``."""
        ...

    async def hit_rate(self, key: str, limit: int, window: float) -> bool:
        """Count one event for ``key``; False if more than ``limit`` happened within ``window`` seconds."""
        ...

    async def aclose(self) -> None: ...
