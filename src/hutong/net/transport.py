"""The pinned transport: connect to the address the fetcher vetted, keep Host and TLS SNI = the name.

httpx would resolve the host name again at connect time, which lets a DNS server answer a
public address to the check and a private one to the connection (DNS rebinding). Instead,
the fetcher vets the name, stores the chosen address in a context variable for the current
task, and this module's network backend connects to exactly that address. A connection
attempt with no matching pin fails closed.

Connections are kept alive and reused (HTTP/2 multiplexed where the server offers it), but only
within one pool per host, port and vetted address: every request is vetted afresh by the fetcher,
and a connection serves it only if it goes to the address that vetting chose, for the same host,
port and TLS name (see :class:`PinnedTransport`).

A pin made for a connection that ``network.connect_to`` redirects (a test override, see
``overrides``) also trusts ``network.ca_bundle``, in pools of its own; every other connection
verifies against the system store only, so a test CA can never vouch for a real site.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import ssl
import typing
from collections import OrderedDict
from dataclasses import dataclass

import httpcore
import httpx

from ..config import NetworkSection
from ..errors import ConfigError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Pin:
    """Where one request goes: ``host:port`` in the URL, ``address:connect_port`` on the wire."""

    host: str
    port: int
    address: str
    connect_port: int
    test_override: bool = False  # redirected by network.connect_to: network.ca_bundle is trusted


_PIN: contextvars.ContextVar[Pin | None] = contextvars.ContextVar("hutong_pin", default=None)


def pin(value: Pin) -> contextvars.Token[Pin | None]:
    """Pin the next connection made by this task; reset with ``unpin(token)``."""
    return _PIN.set(value)


def unpin(token: contextvars.Token[Pin | None]) -> None:
    """Undo ``pin``."""
    _PIN.reset(token)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """A network backend that connects only to one vetted address, and only for a task pinned to it.

    Each backend belongs to one pool of :class:`PinnedTransport` (one per vetted address, connect port
    and trust store); a connection attempt whose pin names another host, port or address fails closed.
    """

    def __init__(self, address: str, connect_port: int) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._address = address
        self._connect_port = connect_port

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        current = _PIN.get()
        if (
            current is None
            or current.host != host.lower()
            or current.port != port
            or (current.address, current.connect_port) != (self._address, self._connect_port)
        ):
            raise httpcore.ConnectError(f"refused to connect to {host}:{port}: no vetted address for it")
        return await self._inner.connect_tcp(
            self._address, self._connect_port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never used by the fetcher")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


_DEFAULT_PORTS = {"http": 80, "https": 443}
# scheme, host, port (as in the URL: TLS names this host), vetted address, port connected to, ca_bundle trusted
PoolKey = tuple[str, str, int, str, int, bool]


@dataclass(slots=True)
class _Pool:
    """One origin's connections to one vetted address, and the requests it may carry at once."""

    transport: httpx.AsyncHTTPTransport
    slots: asyncio.Semaphore
    in_flight: int = 0  # requests waiting for a slot or holding one


class _Releasing(httpx.AsyncByteStream):
    """A response body that gives its pool slot back when it is closed (read or not)."""

    def __init__(self, inner: httpx.AsyncByteStream, pool: _Pool) -> None:
        self._inner = inner
        self._pool: _Pool | None = pool

    async def __aiter__(self) -> typing.AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            pool, self._pool = self._pool, None
            if pool is not None:
                _release(pool)


def _release(pool: _Pool) -> None:
    pool.in_flight -= 1
    pool.slots.release()


class PinnedTransport(httpx.AsyncBaseTransport):
    """Kept-alive connections (HTTP/1.1, and HTTP/2 where the server offers it), reused only for the same
    host, port, TLS name and vetted address.

    Requests go through one connection pool per (scheme, host, port, vetted address, connect port, trust
    store): a connection is reused only by a request for the same host and port (TLS SNI and the
    certificate name that host) whose fresh resolution vetted the same address, so a changed DNS answer
    gets a new connection to the newly vetted address, never the old one. A request sent without a pin
    for its host fails closed. Each pool carries at most ``max_connections`` requests at once (the rest
    wait their turn here, where waiting is cheap, rather than in httpcore's queue, which every finished
    request scans); at most ``max_pools`` pools are kept, the least recently used idle one closed first.
    """

    def __init__(
        self,
        ssl_context: ssl.SSLContext,
        test_context: ssl.SSLContext | None = None,
        *,
        http2: bool = True,
        max_connections: int = 16,
        keepalive_expiry: float = 5.0,
        max_pools: int = 256,
    ) -> None:
        self._contexts = {False: ssl_context, True: test_context or ssl_context}
        self._http2 = http2
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._max_pools = max_pools
        self._pools: OrderedDict[PoolKey, _Pool] = OrderedDict()

    @property
    def pool_keys(self) -> tuple[PoolKey, ...]:
        """The key of every open pool (scheme, host, port, address, connect port, test trust), oldest first."""
        return tuple(self._pools)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        current, url = _PIN.get(), request.url
        port = url.port or _DEFAULT_PORTS.get(url.scheme, 0)
        if current is None or current.host != url.host.lower() or current.port != port:
            raise httpx.ConnectError(f"refused to connect to {url.host}:{port}: no vetted address for it")
        key = (url.scheme, current.host, current.port, current.address, current.connect_port, current.test_override)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = self._pool(key)
            await self._trim()
        else:
            self._pools.move_to_end(key)
        pool.in_flight += 1  # counted while waiting too, so the pool is not closed under a waiting request
        try:
            await pool.slots.acquire()
        except BaseException:
            pool.in_flight -= 1
            raise
        try:
            response = await pool.transport.handle_async_request(request)
        except BaseException:
            _release(pool)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _Releasing(response.stream, pool)
        return response

    def _pool(self, key: PoolKey) -> _Pool:
        _scheme, _host, _port, address, connect_port, test_override = key
        ctx = self._contexts[test_override]
        transport = httpx.AsyncHTTPTransport(verify=ctx, trust_env=False, retries=0)
        # httpx has no public hook for the network backend; its transport delegates to ``_pool``,
        # so the pool is replaced by one built on the pinned backend (checked by tests/net).
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=ctx,
            max_connections=self._max_connections,
            max_keepalive_connections=self._max_connections,
            keepalive_expiry=self._keepalive_expiry,
            http1=True,
            http2=self._http2,
            retries=0,
            network_backend=PinnedBackend(address, connect_port),
        )
        return _Pool(transport, asyncio.Semaphore(self._max_connections))

    async def _trim(self) -> None:
        """Close the least recently used pool with no request in flight, while there are too many."""
        while len(self._pools) > self._max_pools:
            for key, pool in self._pools.items():
                if pool.in_flight == 0:
                    del self._pools[key]
                    await pool.transport.aclose()
                    break
            else:
                return  # every pool is busy: keep them until one is idle

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.transport.aclose()


def override_ssl_context(settings: NetworkSection) -> ssl.SSLContext | None:
    """The trust store plus ``network.ca_bundle`` (a test override), or None when it is not set."""
    if not settings.ca_bundle:
        return None
    ctx = httpx.create_ssl_context(trust_env=False)
    try:
        ctx.load_verify_locations(cafile=settings.ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"network.ca_bundle: cannot load {settings.ca_bundle!r}: {exc}") from exc
    return ctx


def warn_overrides(settings: NetworkSection) -> None:
    """Log each test override at WARNING: they weaken the guard and must never go unnoticed."""
    if settings.connect_to:
        log.warning("network.connect_to is set (test override): %s", ", ".join(settings.connect_to))
    if settings.allow_networks:
        log.warning(
            "network.allow_networks is set (test override, only for connect_to hosts): %s",
            ", ".join(settings.allow_networks),
        )
    if settings.ca_bundle:
        log.warning(
            "network.ca_bundle is set (test override, only for connect_to hosts): trusting %s", settings.ca_bundle
        )


def build_transport(
    settings: NetworkSection, *, max_connections: int = 16, http2: bool = True
) -> PinnedTransport:
    """An httpx transport whose connections go only to pinned, vetted addresses; never via a proxy.

    ``max_connections`` is per host and vetted address (requests at once, so connections at most);
    ``http2`` offers HTTP/2 in TLS (ALPN), which one connection per host then multiplexes."""
    ctx = httpx.create_ssl_context(trust_env=False)  # the system/certifi store, for every other host
    return PinnedTransport(ctx, override_ssl_context(settings), http2=http2, max_connections=max_connections)
