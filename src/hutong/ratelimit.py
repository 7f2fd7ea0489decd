"""Per-client request limits for the anonymous routes: who the client is, and whether it may go on.

The client is the TCP peer, unless the peer is one of the configured trusted proxies
(``server.trusted_proxies``): then ``X-Forwarded-For`` is read from the right, skipping trusted
hops, and the first other address is the client. Entries further left are whatever the client
wrote, so they are never believed; without trusted proxies the header is ignored altogether.
IPv6 clients count per /64, since one subscriber is usually handed a whole /64.

Counting goes through the cache interface (``hutong.cache.Cache.hit_rate``): in-process with the
memory cache, shared by every worker and machine over Redis. Windows are fixed (whole minutes of
the clock), so ``Retry-After`` is exact: the seconds left in the current window. If the shared
cache fails, a worker counts on its own until it answers again, rather than refusing everyone or
letting everyone through.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .cache import Cache
from .errors import ConfigError, StorageError

log = logging.getLogger("hutong.ratelimit")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
IPV6_CLIENT_PREFIX = 64
WARN_EVERY = 60.0  # seconds between warnings that the shared cache is failing


def parse_networks(specs: Sequence[str], *, setting: str = "server.trusted_proxies") -> tuple[Network, ...]:
    """Addresses or CIDR ranges (``10.0.0.5``, ``10.0.0.0/8``, ``::1``) as networks; ``ConfigError`` otherwise."""
    out: list[Network] = []
    for spec in specs:
        try:
            out.append(ipaddress.ip_network(spec.strip(), strict=False))
        except ValueError as exc:
            raise ConfigError(f"{setting}: {spec!r} is not an IP address or CIDR range ({exc})") from exc
    return tuple(out)


def parse_address(text: str) -> Address | None:
    """An address as a proxy writes it (``1.2.3.4``, ``1.2.3.4:5678``, ``[2001:db8::1]:443``), else None."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address | None, trusted: Sequence[Network]) -> bool:
    return address is not None and any(address in net for net in trusted)


def client_of(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The client's address for a request from ``peer`` carrying ``X-Forwarded-For: forwarded_for``.

    >>> proxy = parse_networks(["10.0.0.0/8"])
    >>> client_of("203.0.113.9", "1.1.1.1", proxy)  # not from a trusted proxy: the header is the client's
    '203.0.113.9'
    >>> client_of("10.0.0.2", "1.1.1.1, 198.51.100.7", proxy)  # the proxy appended the real client
    '198.51.100.7'
    """
    here = parse_address(peer) if peer else None
    if here is None:
        return peer or "unknown"
    if not forwarded_for or not _trusted(here, trusted):
        return str(here)
    for entry in reversed(forwarded_for.split(",")):
        hop = parse_address(entry)
        if hop is None:
            break  # not an address a trusted proxy wrote: count the request against the last trusted hop
        here = hop
        if not _trusted(hop, trusted):
            break
    return str(here)


def bucket(client: str) -> str:
    """The unit a limit counts: the IPv4 address, or the /64 of an IPv6 address.

    >>> bucket("2001:db8:1:2:aaaa::1") == bucket("2001:db8:1:2:bbbb::2")
    True
    >>> bucket("198.51.100.7")
    '198.51.100.7'
    """
    address = parse_address(client)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False))
    return str(address) if address is not None else client


@dataclass(frozen=True, slots=True)
class Allowance:
    """One request's answer: whether it may go on, the limit, and (when refused) the seconds to wait."""

    allowed: bool
    limit: int
    retry_after: int = 0


class ClientLimiter:
    """At most ``limit`` requests per client and route family in each ``window`` seconds."""

    def __init__(
        self,
        cache: Cache,
        *,
        limit: int,
        window: float = 60.0,
        fallback: Cache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ConfigError("a client limit needs a positive count and window")
        self.cache, self.limit, self.window = cache, limit, window
        self.fallback, self.clock = fallback, clock
        self._warned = -math.inf

    async def hit(self, family: str, client: str) -> Allowance:
        """Count one request of ``client`` (a ``bucket``) to ``family``, and say whether it may go on."""
        now = self.clock()
        index = int(now // self.window)
        key = f"client:{family}:{client}:{index}"
        try:
            allowed = await self.cache.hit_rate(key, self.limit, self.window)
        except StorageError as exc:
            if self.fallback is None:
                raise
            if now - self._warned >= WARN_EVERY:
                self._warned = now
                log.warning("client limits counted in this worker only: the shared cache failed (%s)", exc.message)
            allowed = await self.fallback.hit_rate(key, self.limit, self.window)
        if allowed:
            return Allowance(True, self.limit)
        left = (index + 1) * self.window - now
        return Allowance(False, self.limit, retry_after=max(1, math.ceil(left)))

    async def aclose(self) -> None:
        """Close the caches."""
        await self.cache.aclose()
        if self.fallback is not None:
            await self.fallback.aclose()
