"""``FailoverCache``: the shared cache while it answers, this process's own cache while it does not.

Redis holds only what can be recomputed, so losing it must not fail a request: when a call to
the shared cache fails because Redis cannot be reached (``storage.cache_unavailable``), this call
and every call for the next ``retry_after`` seconds use the in-process cache instead; then the
shared cache is tried again, and used again as soon as it answers. While degraded, single-flight
and rate limits hold per process, not across workers. Other errors (a producer's own failure, a
wait for another worker's lock that timed out) pass through unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ..cache import Cache
from ..errors import StorageError

T = TypeVar("T")
UNAVAILABLE = "storage.cache_unavailable"
RETRY_AFTER = 1.0  # seconds between attempts to go back to the shared cache while it is down
log = logging.getLogger("hutong.store")

Produce = Callable[[], Awaitable[tuple[bytes, float]]]


class FailoverCache:
    """``Cache`` over ``shared`` (Redis), falling back to ``local`` (in-process) while ``shared`` is down."""

    def __init__(
        self,
        shared: Cache,
        local: Cache,
        *,
        retry_after: float = RETRY_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.shared, self.local = shared, local
        self._retry_after = retry_after
        self._clock = clock
        self._down_until = 0.0
        self._down = False  # whether the last call to the shared cache failed
        self.failovers = 0  # calls answered by the local cache because the shared one was down

    @property
    def degraded(self) -> bool:
        """Whether the shared cache was unreachable at its last try."""
        return self._down

    async def _either(self, shared: Callable[[], Awaitable[T]], local: Callable[[], Awaitable[T]]) -> T:
        if self._clock() >= self._down_until:
            try:
                result = await shared()
            except StorageError as exc:
                if exc.code != UNAVAILABLE:
                    raise
                self._went_down(exc)
            else:
                if self._down:
                    self._down = False
                    log.warning("the shared cache answers again: using it instead of this process's cache")
                return result
        self.failovers += 1
        return await local()

    def _went_down(self, exc: StorageError) -> None:
        if not self._down:
            log.warning(
                "%s; using this process's cache meanwhile (trying the shared one again every %g s)",
                exc.message, self._retry_after,
            )  # fmt: skip
        self._down = True
        self._down_until = self._clock() + self._retry_after

    async def get(self, key: str) -> bytes | None:
        """The cached bytes for ``key``, or None."""
        return await self._either(lambda: self.shared.get(key), lambda: self.local.get(key))

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        """Cache ``value`` for ``ttl`` seconds."""
        await self._either(lambda: self.shared.set(key, value, ttl), lambda: self.local.set(key, value, ttl))

    async def delete(self, key: str) -> None:
        """Forget ``key`` in both caches (a copy kept locally during an outage must not come back)."""
        await self.local.delete(key)
        await self._either(lambda: self.shared.delete(key), lambda: self.local.delete(key))

    async def single_flight(self, key: str, produce: Produce) -> bytes:
        """The cached value, or ``produce()``; it runs at most once per call, even if Redis fails meanwhile."""
        outcome: list[tuple[bytes, float]] = []
        failed: list[BaseException] = []

        async def once() -> tuple[bytes, float]:
            if failed:
                raise failed[0]
            if not outcome:
                try:
                    outcome.append(await produce())
                except Exception as exc:
                    failed.append(exc)
                    raise
            return outcome[0]

        return await self._either(
            lambda: self.shared.single_flight(key, once), lambda: self.local.single_flight(key, once)
        )

    async def hit_rate(self, key: str, limit: int, window: float) -> bool:
        """Count one event for ``key`` (across workers; per process while degraded)."""
        return await self._either(
            lambda: self.shared.hit_rate(key, limit, window), lambda: self.local.hit_rate(key, limit, window)
        )

    async def aclose(self) -> None:
        """Close both caches."""
        try:
            await self.shared.aclose()
        finally:
            await self.local.aclose()
