"""The pinned transport: connect to the address the fetcher vetted, keep Host and TLS SNI = the name.

httpx would resolve the host name again at connect time, which lets a DNS server answer a
public address to the check and a private one to the connection (DNS rebinding). Instead,
the fetcher vets the name, stores the chosen address in a context variable for the current
task, and this module's network backend connects to exactly that address. A connection
attempt with no matching pin fails closed.

``network.connect_to`` (curl's ``--connect-to HOST:PORT:ADDR:PORT2``) is parsed here too.
"""

from __future__ import annotations

import contextvars
import logging
import ssl
import typing
from collections.abc import Iterable
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


_PIN: contextvars.ContextVar[Pin | None] = contextvars.ContextVar("hutong_pin", default=None)


def pin(value: Pin) -> contextvars.Token[Pin | None]:
    """Pin the next connection made by this task; reset with ``unpin(token)``."""
    return _PIN.set(value)


def unpin(token: contextvars.Token[Pin | None]) -> None:
    """Undo ``pin``."""
    _PIN.reset(token)


@dataclass(frozen=True, slots=True)
class ConnectTo:
    """One ``connect_to`` rule; an empty host or port matches any, as in curl."""

    host: str
    port: int | None
    to_host: str
    to_port: int | None

    def applies(self, host: str, port: int) -> bool:
        """Whether this rule redirects connections for ``host:port``."""
        return (not self.host or self.host == host) and (self.port is None or self.port == port)


def parse_connect_to(entries: Iterable[str]) -> tuple[ConnectTo, ...]:
    """Parse ``HOST:PORT:ADDR:PORT2`` entries; IPv6 addresses go in brackets."""
    rules: list[ConnectTo] = []
    for entry in entries:
        parts = _split_colons(entry)
        if len(parts) != 4:
            raise ConfigError(
                f"network.connect_to: {entry!r} is not HOST:PORT:ADDR:PORT2 (e.g. m.tb.cn:443:127.0.0.1:8443)"
            )
        host, port, to_host, to_port = parts
        from_port, dest_port = _port(port, entry), _port(to_port, entry)
        rules.append(ConnectTo(host.lower().strip("[]"), from_port, to_host.strip("[]"), dest_port))
    return tuple(rules)


def _split_colons(entry: str) -> list[str]:
    parts: list[str] = []
    buf = ""
    depth = 0
    for ch in entry:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == ":" and depth == 0:
            parts.append(buf)
            buf = ""
        else:
            buf += ch
    parts.append(buf)
    return parts


def _port(text: str, entry: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigError(f"network.connect_to: {entry!r} has a bad port {text!r}")
    return int(text)


def connect_target(rules: tuple[ConnectTo, ...], host: str, port: int) -> tuple[str, int]:
    """Where a connection for ``host:port`` really goes (the first matching rule wins)."""
    for rule in rules:
        if rule.applies(host, port):
            return (rule.to_host or host, rule.to_port or port)
    return (host, port)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """A network backend that only connects to the address pinned for the current task."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

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
        return await self._inner.connect_tcp(
            current.address, current.connect_port, timeout, local_address, socket_options
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


def ssl_context(settings: NetworkSection) -> ssl.SSLContext:
    """The system/certifi trust store, plus ``network.ca_bundle`` if set (a test override)."""
    ctx = httpx.create_ssl_context(trust_env=False)
    if settings.ca_bundle:
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
        log.warning("network.allow_networks is set (test override): %s", ", ".join(settings.allow_networks))
    if settings.ca_bundle:
        log.warning("network.ca_bundle is set (test override): trusting %s", settings.ca_bundle)


def build_transport(settings: NetworkSection, *, max_connections: int = 100) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections go only to pinned, vetted addresses; never via a proxy."""
    ctx = ssl_context(settings)
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
        network_backend=PinnedBackend(),
    )
    return transport
