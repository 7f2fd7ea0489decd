"""Check a URL before anything is sent: scheme, port and userinfo, with WHATWG parsing.

Parsing with a WHATWG parser (ada) first means every IPv4 spelling browsers accept
(``0x7f.1``, ``2130706433``, ``017700000001``) arrives here as dotted decimal, IDN hosts
arrive as punycode and ``\\`` tricks are read the way a browser reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

import ada_url

from ..config import NetworkSection
from ..errors import BlockedScheme, BlockedURL

_DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_CHARS = 8192


@dataclass(frozen=True, slots=True)
class Target:
    """A URL that passed the checks: what to request (``href``, no fragment) and where.

    ``path`` is the request target (path and query, as the WHATWG parser wrote them): the
    fetcher hands httpx the parts, so a second URL parser never re-reads the string.
    """

    href: str
    scheme: str
    host: str  # lower-case ASCII; IPv6 without brackets
    port: int
    path: str = "/"


def parse_target(url: str, settings: NetworkSection) -> Target:
    """Parse and check ``url``; raises BlockedURL with the reason if it may not be fetched."""
    if len(url) > MAX_URL_CHARS:
        raise BlockedURL(f"the URL is longer than {MAX_URL_CHARS} characters; refusing to fetch it")
    try:
        parsed = ada_url.URL(url)
    except ValueError as exc:
        raise BlockedURL(f"{url[:200]!r} is not a valid URL; check it for typos") from exc
    scheme = parsed.protocol.rstrip(":")
    if scheme not in settings.allowed_schemes:
        raise BlockedScheme(
            f"the scheme {scheme!r} is not fetched (allowed: {', '.join(settings.allowed_schemes)})",
            url=url,
            scheme=scheme,
        )
    if parsed.username or parsed.password:
        raise BlockedURL("the URL carries a user name or password before '@'; such links are not fetched")
    host = parsed.hostname.strip("[]").lower()
    if not host:
        raise BlockedURL("the URL has no host")
    port = int(parsed.port) if parsed.port else _DEFAULT_PORTS[scheme]
    if port not in settings.allowed_ports:
        allowed = ", ".join(str(p) for p in settings.allowed_ports)
        raise BlockedURL(f"port {port} is not fetched (allowed: {allowed})")
    parsed.hash = ""
    href, origin = parsed.href, parsed.origin
    path = href[len(origin):] if href.startswith(origin) else parsed.pathname + parsed.search
    return Target(href=href, scheme=scheme, host=host, port=port, path=path or "/")


def join(base: str, location: str) -> str:
    """Resolve a redirect ``Location`` against the URL that sent it."""
    try:
        return str(ada_url.join_url(base, location.strip()))
    except ValueError as exc:
        raise BlockedURL(f"the redirect target {location[:200]!r} is not a valid URL") from exc
