"""The pinned transport: connect to the address the fetcher vetted, keep Host and TLS SNI = the name.

httpx would resolve the host name again at connect time, which lets a DNS server answer a
public address to the check and a private one to the connection (DNS rebinding). Instead,
the fetcher vets the name, stores the chosen address in a context variable for the current
task, and this module's network backend connects to exactly that address. A connection
attempt with no matching pin fails closed.

A pin made for a connection that ``network.connect_to`` redirects (a test override, see
``overrides``) also trusts ``network.ca_bundle``; every other connection verifies against the
system store only, so a test CA can never vouch for a real site.
"""

from __future__ import annotations

import contextvars
import logging
import ssl
import typing
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
    """A network backend that only connects to the address pinned for the current task.

    ``test_context`` (built from ``network.ca_bundle``) replaces the pool's TLS context on
    connections whose pin says ``test_override``; httpcore pools connections by origin and the
    override is a function of the origin's host and port, so a pooled connection is never
    reused across the two trust stores.
    """

    def __init__(self, test_context: ssl.SSLContext | None = None) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._test_context = test_context

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        current = _PIN.get()
        if current is None or current.host != host.lower() or current.port != port:
            raise httpcore.ConnectError(f"refused to connect to {host}:{port}: no vetted address for it")
        stream = await self._inner.connect_tcp(
            current.address, current.connect_port, timeout, local_address, socket_options
        )
        if current.test_override and self._test_context is not None:
            return _TestTrust(stream, self._test_context)
        return stream

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never used by the fetcher")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _TestTrust(httpcore.AsyncNetworkStream):
    """A stream whose TLS handshake trusts the test CA too (only for ``connect_to`` connections)."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, context: ssl.SSLContext) -> None:
        self._inner = inner
        self._context = context

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.start_tls(self._context, server_hostname, timeout)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


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


def build_transport(settings: NetworkSection, *, max_connections: int = 100) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections go only to pinned, vetted addresses; never via a proxy."""
    ctx = httpx.create_ssl_context(trust_env=False)  # the system/certifi store, for every other host
    transport = httpx.AsyncHTTPTransport(verify=ctx, trust_env=False, retries=0)
    # httpx has no public hook for the network backend; its transport delegates to ``_pool``,
    # so the pool is replaced by one built on the pinned backend (checked by tests/net).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ctx,
        max_connections=max_connections,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        http1=True,
        http2=False,
        retries=0,
        network_backend=PinnedBackend(override_ssl_context(settings)),
    )
    return transport
