"""Which IP addresses the fetcher refuses to connect to, and why.

An address is refused when it is not globally routable. Python's ``ipaddress`` is the
base (``is_global``), but it misses some special-purpose ranges and does not look inside
IPv6 forms that carry an IPv4 address (mapped, compatible, 6to4, NAT64), so both are added
here: the IANA special-purpose registries are the reference (see docs/fetching.md).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges refused on top of ``not is_global``: each one is either missed by some Python
# version's ``ipaddress`` or is worth stating explicitly (reviewers read this list).
_EXTRA_BLOCKED = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
    "::/128", "::1/128", "::ffff:0:0/96", "::/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64",
    "100:0:0:1::/64", "2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20", "5f00::/16",
    "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
)
BLOCKED_NETWORKS: tuple[IPNetwork, ...] = tuple(ipaddress.ip_network(n) for n in _EXTRA_BLOCKED)

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPAT = ipaddress.ip_network("::/96")
_6TO4 = ipaddress.ip_network("2002::/16")


def parse_networks(values: Iterable[str], *, setting: str) -> tuple[IPNetwork, ...]:
    """Parse CIDR strings from configuration; a bad entry is a ConfigError naming the setting."""
    from ..errors import ConfigError

    out: list[IPNetwork] = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ConfigError(f"{setting}: {value!r} is not an IP network (write e.g. 127.0.0.0/8)") from exc
    return tuple(out)


def parse_ip(text: str) -> IPAddress | None:
    """An IP address from a URL host or DNS answer (brackets and IPv6 zone ids tolerated), else None."""
    host = text.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = host.split("%", 1)[0]  # a zone id never makes a link-local address global
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv6 transition form, if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or (ip in _COMPAT and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """The refusal rule: non-global and ``deny`` ranges are refused unless inside ``allow``."""

    allow: tuple[IPNetwork, ...] = ()
    deny: tuple[IPNetwork, ...] = ()

    def refusal(self, ip: IPAddress) -> str | None:
        """Why ``ip`` is refused (a short phrase), or None if it may be contacted."""
        if self._allowed(ip):
            return None
        inner = embedded_ipv4(ip)
        if inner is not None and not self._allowed(inner):
            why = self._own_refusal(inner)
            if why is not None:
                return f"it embeds the IPv4 address {inner}, which is {why}"
        return self._own_refusal(ip)

    def _allowed(self, ip: IPAddress) -> bool:
        return any(ip.version == n.version and ip in n for n in self.allow)

    def _own_refusal(self, ip: IPAddress) -> str | None:
        for net in self.deny:
            if ip.version == net.version and ip in net:
                return f"inside the denied range {net}"
        for net in BLOCKED_NETWORKS:
            if ip.version == net.version and ip in net:
                return f"inside the special-purpose range {net}"
        if not ip.is_global:
            return "not globally routable"
        return None
