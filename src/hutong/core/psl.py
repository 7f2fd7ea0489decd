"""Registrable domains (eTLD+1) from the Public Suffix List, bundled, offline.

``site`` uses the whole list, private section included, so each tenant of a shared host
(``alice.github.io``, ``shop.pages.dev``) is its own site: a verdict or a user's "always open"
choice about one tenant never spreads to the others. ``icann_site`` uses the ICANN section only,
for display ("github.io"). The list is the copy bundled in the ``publicsuffixlist`` package.

Hosts are matched case-insensitively; one trailing dot is ignored and never returned; Unicode
and punycode hosts both work and come back in the form given. IP hosts (IPv4 in any WHATWG
spelling, IPv6 with or without brackets) are their own site: ``site`` returns the address in
standard text form (``127.0.0.1``, ``::1``), and ``public_suffix`` returns None for them.
No function here raises: bad input gives None (or False).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

from hutong.core.ipforms import parse_ipv4_any

_CACHE = 65536
_MAX_HOST = 253 + 1  # DNS limit, plus an optional trailing dot


@lru_cache(maxsize=2)
def _list(*, icann_only: bool) -> PublicSuffixList:
    return PublicSuffixList(only_icann=icann_only)


def _clean(host: str) -> str | None:
    """Lower-cased host without one trailing dot; None when it cannot be a domain name."""
    if not isinstance(host, str) or not host or len(host) > _MAX_HOST:
        return None
    host = host.lower()
    if host.endswith("."):
        host = host[:-1]
    if not host or host.startswith(".") or ".." in host:
        return None
    return host


def _ip_text(host: str) -> str | None:
    """The standard text form of an IP host, or None if the host is not an IP address."""
    candidate = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if ":" in candidate:
        try:
            return str(ipaddress.IPv6Address(candidate))
        except ValueError:
            return None
    address = parse_ipv4_any(candidate)
    return str(address) if address is not None else None


def _ends_in_number(host: str) -> bool:
    """WHATWG: a host whose last label is numeric is an IPv4 address or invalid, never a domain."""
    last = host.rstrip(".").rsplit(".", 1)[-1]
    return last.isascii() and (last.isdigit() or last.startswith(("0x", "0X")))


def _suffix_call(host: str, *, icann_only: bool, private: bool) -> str | None:
    cleaned = _clean(host)
    if cleaned is None or _ends_in_number(cleaned) or ":" in cleaned or "[" in cleaned:
        return None
    psl = _list(icann_only=icann_only)
    try:
        result = psl.privatesuffix(cleaned) if private else psl.publicsuffix(cleaned)
    except (ValueError, TypeError, UnicodeError):  # the library on odd input; None is our answer
        return None
    return result if isinstance(result, str) else None


@lru_cache(maxsize=_CACHE)
def site(host: str) -> str | None:
    """The registrable domain of ``host`` (eTLD+1, private section included), or the IP itself.

    >>> site("Alice.GitHub.io.")
    'alice.github.io'
    >>> site("item.taobao.com")
    'taobao.com'
    """
    return _site(host, icann_only=False)


@lru_cache(maxsize=_CACHE)
def icann_site(host: str) -> str | None:
    """The registrable domain by the ICANN section only (``alice.github.io`` gives ``github.io``)."""
    return _site(host, icann_only=True)


def _site(host: str, *, icann_only: bool) -> str | None:
    """eTLD+1 of ``host`` (an IP host is its own site, in canonical form)."""
    cleaned = _clean(host) if isinstance(host, str) else None
    if cleaned is None:
        return None
    ip = _ip_text(cleaned)
    if ip is not None:
        return ip
    return _suffix_call(cleaned, icann_only=icann_only, private=True)


@lru_cache(maxsize=_CACHE)
def public_suffix(host: str) -> str | None:
    """The public suffix of ``host`` (private section included): ``github.io``, ``com.cn``; None for IPs."""
    return _suffix_call(host, icann_only=False, private=False)


def is_public_suffix(host: str) -> bool:
    """True when ``host`` is itself a public suffix (``com``, ``github.io``), so nobody owns it."""
    cleaned = _clean(host) if isinstance(host, str) else None
    return cleaned is not None and public_suffix(cleaned) == cleaned
