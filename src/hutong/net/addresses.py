"""Which IP addresses the fetcher refuses to connect to, and why.

An address is refused when it is not globally routable. Python's ``ipaddress`` is the
base (``is_global``), but it misses some special-purpose ranges and does not look inside
IPv6 forms that carry an IPv4 address, so both are added here: the IANA special-purpose
registries are the reference (see docs/fetching.md).

IPv4 inside IPv6 (``hutong.core.ipforms.translation``) is decided by what it carries: a form
that carries a non-global IPv4 address is refused for that address. A form that carries
only public IPv4 is still refused, except NAT64's well-known prefix ``64:ff9b::/96``: that
is what a DNS64 resolver answers for an IPv4-only site on an IPv6-only network, its layout
is fixed (RFC 6052), and the translator then reaches the same public address a direct
IPv4 connection would. Every other form is a host-internal spelling (mapped, SIIT,
compatible), a tunnel whose relays cannot be vetted (6to4, Teredo), or a translator whose
prefix length only its operator knows (local-use NAT64), so hutong refuses it outright.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from ..core.ipforms import (
    IPV4_COMPATIBLE,
    IPV4_MAPPED,
    IPV4_TRANSLATED,
    NAT64_LOCAL,
    NAT64_WELL_KNOWN,
    SIX_TO_FOUR,
    TEREDO,
    Translation,
    translation,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges refused on top of ``not is_global``, with the name a refusal gives them: each one is
# either missed by some Python version's ``ipaddress`` or is worth stating explicitly
# (reviewers read this list). IPv4-in-IPv6 prefixes are not here: ``translation`` decides them.
_EXTRA_BLOCKED = (
    ("0.0.0.0/8", "'this network' range"),
    ("10.0.0.0/8", "private-use range"),
    ("100.64.0.0/10", "shared address (carrier-grade NAT) range"),
    ("127.0.0.0/8", "loopback range"),
    ("169.254.0.0/16", "link-local range"),
    ("172.16.0.0/12", "private-use range"),
    ("192.0.0.0/24", "IETF protocol assignments range"),
    ("192.0.2.0/24", "documentation range"),
    ("192.88.99.0/24", "deprecated 6to4 relay range"),
    ("192.168.0.0/16", "private-use range"),
    ("198.18.0.0/15", "benchmarking range"),
    ("198.51.100.0/24", "documentation range"),
    ("203.0.113.0/24", "documentation range"),
    ("224.0.0.0/4", "multicast range"),
    ("255.255.255.255/32", "limited broadcast address"),  # before 240/4, which holds it
    ("240.0.0.0/4", "reserved range"),
    ("::/128", "unspecified address"),
    ("::1/128", "loopback address"),
    ("100::/64", "discard-only range"),
    ("100:0:0:1::/64", "dummy prefix range"),
    ("2001::/23", "IETF protocol assignments range"),
    ("2001:db8::/32", "documentation range"),
    ("3fff::/20", "documentation range"),
    ("5f00::/16", "segment routing (SRv6) range"),
    ("fc00::/7", "unique-local (private) range"),
    ("fe80::/10", "link-local range"),
    ("fec0::/10", "deprecated site-local range"),
    ("ff00::/8", "multicast range"),
)
NAMED_BLOCKS: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(net), name) for net, name in _EXTRA_BLOCKED
)
BLOCKED_NETWORKS: tuple[IPNetwork, ...] = tuple(net for net, _ in NAMED_BLOCKS)

# Forms refused even when every IPv4 address they carry is public, and why (see the module doc).
_REFUSED_FORMS = {
    IPV4_MAPPED: "such addresses are a host's internal spelling of IPv4 (IANA: not globally reachable) "
    "and a public host is reached by its plain IPv4 address",
    IPV4_TRANSLATED: "such addresses exist only inside SIIT translators (RFC 2765, withdrawn by RFC 6145)",
    IPV4_COMPATIBLE: "such addresses are deprecated (RFC 4291)",
    SIX_TO_FOUR: "6to4 is deprecated (RFC 7526) and its relays cannot be vetted",
    NAT64_LOCAL: "only the operator of a local translator knows its prefix length (RFC 8215), so the "
    "IPv4 address it reaches cannot be known",
    TEREDO: "the tunnel's relays cannot be vetted",
}


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


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """The refusal rule: non-global and ``deny`` ranges are refused unless inside ``allow``.

    ``allow`` exempts exactly the addresses it lists, in the form they are written: allowing
    ``127.0.0.1/32`` does not allow ``::ffff:127.0.0.1``.
    """

    allow: tuple[IPNetwork, ...] = ()
    deny: tuple[IPNetwork, ...] = ()

    def refusal(self, ip: IPAddress) -> str | None:
        """Why ``ip`` is refused, as a clause with ``ip`` as its subject; None if it may be contacted.

        >>> AddressPolicy().refusal(ipaddress.ip_address("10.0.0.1"))
        '10.0.0.1 is in the private-use range 10.0.0.0/8'
        """
        if self._allowed(ip):
            return None
        denied = self._denied(ip)
        if denied is not None:
            return f"{ip} is {denied}"
        if isinstance(ip, ipaddress.IPv6Address):
            found = translation(ip)
            if found is not None:
                return self._translation_refusal(ip, found)
        why = self._own_refusal(ip)
        return None if why is None else f"{ip} is {why}"

    def _allowed(self, ip: IPAddress) -> bool:
        return any(ip.version == n.version and ip in n for n in self.allow)

    def _denied(self, ip: IPAddress) -> str | None:
        for net in self.deny:
            if ip.version == net.version and ip in net:
                return f"in the range {net}, which network.deny_networks refuses"
        return None

    def _own_refusal(self, ip: IPAddress) -> str | None:
        denied = self._denied(ip)
        if denied is not None:
            return denied
        for net, name in NAMED_BLOCKS:
            if ip.version == net.version and ip in net:
                full = net.prefixlen == net.max_prefixlen
                return f"the {name}" if full else f"in the {name} {net}"
        if not ip.is_global:
            return "not globally routable"
        return None

    def _translation_refusal(self, ip: ipaddress.IPv6Address, found: Translation) -> str | None:
        article = "an" if found.form[0] in "AEIOU" else "a"
        what = f"{ip} is {article} {found.form} address ({found.prefix})"
        refuse_all = f"hutong refuses every {found.form} address"
        if not found.carried:
            return f"{what} whose IPv4 address cannot be decoded; {refuse_all}, because {_REFUSED_FORMS[found.form]}"
        carrying = " and ".join(
            f"{role} {v4}" if role else f"the IPv4 address {v4}" for role, v4 in found.carried
        )
        if found.form == TEREDO:
            carrying = f"Teredo {carrying}"
        for _role, v4 in found.carried:
            why = self._own_refusal(v4)
            if why is not None:
                return f"{what} carrying {carrying}, and {v4} is {why}"
        if found.form == NAT64_WELL_KNOWN:
            return None
        return f"{what} carrying {carrying}; {refuse_all}, whatever it carries, because {_REFUSED_FORMS[found.form]}"
