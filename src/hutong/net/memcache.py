"""``MemoryCache``: the in-process cache (LRU with TTLs, single-flight, rate-limit counters).

Implements ``hutong.cache.Cache`` for one process; ``RedisCache`` does the same across several.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable


class MemoryCache:
    """LRU of at most ``max_entries`` values with per-entry TTLs; one producer per key at a time."""

    def __init__(self, max_entries: int = 10_000, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._max = max(1, max_entries)
        self._clock = clock
        self._data: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._flights: dict[str, asyncio.Future[bytes]] = {}
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._data)

    async def get(self, key: str) -> bytes | None:
        """The value for ``key`` if present and fresh."""
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires <= self._clock():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        """Store ``value`` for ``ttl`` seconds (a ttl of 0 or less stores nothing)."""
        if ttl <= 0:
            self._data.pop(key, None)
            return
        self._data[key] = (value, self._clock() + ttl)
        self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    async def delete(self, key: str) -> None:
        """Forget ``key``."""
        self._data.pop(key, None)

    async def single_flight(self, key: str, produce: Callable[[], Awaitable[tuple[bytes, float]]]) -> bytes:
        """The cached value, or the result of one ``produce()`` shared by every concurrent caller."""
        cached = await self.get(key)
        if cached is not None:
            return cached
        flight = self._flights.get(key)
        if flight is not None:
            try:
                return await asyncio.shield(flight)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if flight.cancelled() and task is not None and not task.cancelling():
                    return await self.single_flight(key, produce)  # the producer was cancelled, not us
                raise
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._flights[key] = future
        try:
            value, ttl = await produce()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters may be gone, and that is not an error
            raise
        else:
            await self.set(key, value, ttl)
            future.set_result(value)
            return value
        finally:
            del self._flights[key]

    async def hit_rate(self, key: str, limit: int, window: float) -> bool:
        """Count one event for ``key``; False if more than ``limit`` happened within ``window`` seconds."""
        now = self._clock()
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = deque()
        self._events.move_to_end(key)
        while events and events[0] <= now - window:
            events.popleft()
        if len(events) >= limit:
            return False
        events.append(now)
        while len(self._events) > self._max:
            self._events.popitem(last=False)
        return True

    async def aclose(self) -> None:
        """Drop everything."""
        self._data.clear()
        self._events.clear()
