"""IP address forms that hide in URLs: every legal IPv4 spelling, and IPv4 inside IPv6.

Browsers accept ``http://0177.0.0.1/``, ``http://0x7f.1/`` and ``http://2130706433/`` as
127.0.0.1 (WHATWG URL "IPv4 parser"), and Safe Browsing canonicalises hosts the same way, so
anything that judges a host must decode them the same way or be fooled. Likewise an IPv6
address can carry an IPv4 destination (mapped, compatible, 6to4, NAT64, Teredo), which an
address check must unwrap before it decides whether the target is private.

Every function here is pure and never raises on any input.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address

# A host longer than this is not worth decoding: the longest sane spelling of an IPv4
# address (four zero-padded hex parts) is far shorter, and capping keeps int() cheap.
_MAX_HOST = 256

_HEX = re.compile(r"0[xX][0-9A-Fa-f]*")
_OCT = re.compile(r"0[0-7]+")
_DEC = re.compile(r"0|[1-9][0-9]*")

_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT, RFC 2765


def _part_value(part: str) -> int | None:
    """One dot-separated part as WHATWG's "IPv4 number parser" reads it; None if not a number."""
    if _HEX.fullmatch(part):
        digits = part[2:]
        return int(digits, 16) if digits else 0  # WHATWG: a bare "0x" is zero
    if _OCT.fullmatch(part):
        return int(part, 8)
    if _DEC.fullmatch(part):
        return int(part, 10)
    return None


def parse_ipv4_any(host: str) -> IPv4Address | None:
    """The IPv4 address an ASCII host spells in any legal form (``0177.0.0.1``, ``0x7f.1``, ``2130706433``).

    Follows the WHATWG URL IPv4 parser: one to four parts, each decimal, octal (leading 0)
    or hex (``0x``); the last part fills the remaining bytes; one trailing dot is allowed.
    Returns None when the host is not an IPv4 address (a domain, or an out-of-range number).

    >>> parse_ipv4_any("0x7f.1")
    IPv4Address('127.0.0.1')
    """
    if not host or len(host) > _MAX_HOST or not host.isascii():
        return None
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if len(parts) > 4:
        return None
    values: list[int] = []
    for part in parts:
        value = _part_value(part)
        if value is None:
            return None
        values.append(value)
    if any(v > 255 for v in values[:-1]):
        return None
    last = values[-1]
    if last >= 256 ** (5 - len(values)):
        return None
    number = last
    for index, value in enumerate(values[:-1]):
        number += value * 256 ** (3 - index)
    return IPv4Address(number)


@dataclass(frozen=True, slots=True)
class Translation:
    """An IPv6 address in a form that embeds or translates IPv4: which form, and what it carries.

    ``carried`` pairs a role with each IPv4 address inside: ``("", a)`` for most forms,
    ``("server", s)`` and ``("client", c)`` for Teredo; empty when the layout cannot be known
    (a NAT64 local-use address whose "u" octet is not zero).
    """

    form: str
    prefix: str
    carried: tuple[tuple[str, IPv4Address], ...]


IPV4_MAPPED = "IPv4-mapped"
IPV4_TRANSLATED = "IPv4-translated (SIIT)"
IPV4_COMPATIBLE = "IPv4-compatible"
SIX_TO_FOUR = "6to4"
NAT64_WELL_KNOWN = "NAT64 well-known"
NAT64_LOCAL = "NAT64 local-use"
TEREDO = "Teredo"


def translation(ip: IPv6Address) -> Translation | None:
    """The IPv4-in-IPv6 form of ``ip`` and the IPv4 addresses it carries, or None for plain IPv6.

    Forms: IPv4-mapped (``::ffff:0:0/96``), IPv4-translated (SIIT, ``::ffff:0:0:0/96``),
    IPv4-compatible (``::/96`` except ``::`` and ``::1``), 6to4 (``2002::/16``), NAT64
    well-known (``64:ff9b::/96``) and local-use (``64:ff9b:1::/48``: the /96 layout when the
    middle bits are zero, else RFC 6052's /48 layout), and Teredo (``2001::/32``: server and
    de-obfuscated client).

    >>> translation(IPv6Address("::ffff:0:10.0.0.1")).form
    'IPv4-translated (SIIT)'
    """
    packed = ip.packed
    low = IPv4Address(packed[12:])
    if ip.ipv4_mapped is not None:
        return Translation(IPV4_MAPPED, "::ffff:0:0/96", (("", ip.ipv4_mapped),))
    if ip in _IPV4_TRANSLATED:
        return Translation(IPV4_TRANSLATED, "::ffff:0:0:0/96", (("", low),))
    if ip in _NAT64_WELL_KNOWN:
        return Translation(NAT64_WELL_KNOWN, "64:ff9b::/96", (("", low),))
    if ip in _IPV4_COMPATIBLE:
        # :: and ::1 are IPv6's own unspecified and loopback addresses, not IPv4 0.0.0.0/0.0.0.1.
        return Translation(IPV4_COMPATIBLE, "::/96", (("", low),)) if int(ip) > 1 else None
    if ip.sixtofour is not None:
        return Translation(SIX_TO_FOUR, "2002::/16", (("", ip.sixtofour),))
    if ip in _NAT64_LOCAL:
        if not any(packed[6:12]):
            return Translation(NAT64_LOCAL, "64:ff9b:1::/48", (("", low),))
        # RFC 6052 /48 prefix: IPv4 bytes at 6-7 and 9-10; byte 8 ("u") is always zero.
        carried = (("", IPv4Address(packed[6:8] + packed[9:11])),) if packed[8] == 0 else ()
        return Translation(NAT64_LOCAL, "64:ff9b:1::/48", carried)
    if ip.teredo is not None:
        server, client = ip.teredo
        return Translation(TEREDO, "2001::/32", (("server", server), ("client", client)))
    return None


def embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 destination carried inside an IPv6 address, or None.

    The destination is the one IPv4 address of the form (see ``translation``); for Teredo it
    is the client's public IPv4 address.
    """
    found = translation(ip)
    if found is None or not found.carried:
        return None
    return found.carried[-1][1]
