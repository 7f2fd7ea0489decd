"""The network test overrides, and the hosts they apply to.

Three settings in ``[network]`` let tests (and a local development setup) point hutong at a
local server: ``connect_to`` (curl's ``--connect-to HOST:PORT:ADDR:PORT2``), ``allow_networks``
(exempt addresses from the refusal of non-global ones) and ``ca_bundle`` (trust a test CA).
All three apply only to the connections a ``connect_to`` rule redirects: a URL whose host and
port no rule names is fetched exactly as with no overrides, so ``allow_networks`` never opens
loopback to a link in a message and the test CA never vouches for a real site. A rule with an
empty HOST names every host (as in curl), so it extends the overrides to every URL on its port.

``hutong serve`` refuses to listen on a non-loopback address while any of them is set
(``active``). Pure: parsing and matching only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from ..errors import ConfigError

SETTINGS = ("connect_to", "allow_networks", "ca_bundle")


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

    def destination(self, host: str, port: int) -> tuple[str, int]:
        """Where a connection for ``host:port`` goes under this rule."""
        return (self.to_host or host, self.to_port or port)


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


def rule_for(rules: tuple[ConnectTo, ...], host: str, port: int) -> ConnectTo | None:
    """The rule that redirects ``host:port`` (the first that applies), or None."""
    return next((rule for rule in rules if rule.applies(host, port)), None)


def connect_target(rules: tuple[ConnectTo, ...], host: str, port: int) -> tuple[str, int]:
    """Where a connection for ``host:port`` really goes (the first matching rule wins)."""
    rule = rule_for(rules, host, port)
    return (host, port) if rule is None else rule.destination(host, port)


class OverrideSettings(Protocol):
    """What this module reads of ``config.NetworkSection`` (named structurally: config calls :func:`check`,
    so importing config here would tie the two modules in a circle)."""

    @property
    def connect_to(self) -> tuple[str, ...]: ...

    @property
    def allow_networks(self) -> tuple[str, ...]: ...

    @property
    def ca_bundle(self) -> str: ...


def active(settings: OverrideSettings) -> tuple[str, ...]:
    """The dotted names of the test overrides that are set (``network.connect_to``...)."""
    return tuple(f"network.{name}" for name in SETTINGS if getattr(settings, name))


def check(settings: OverrideSettings) -> None:
    """Configuration-time checks: rules parse, and the scoped overrides have a rule to apply to."""
    parse_connect_to(settings.connect_to)
    if settings.connect_to:
        return
    for name in ("allow_networks", "ca_bundle"):
        if getattr(settings, name):
            raise ConfigError(
                f"network.{name} applies only to connections that network.connect_to redirects, and "
                "network.connect_to is empty; add a connect_to rule for the test host or remove the setting"
            )
