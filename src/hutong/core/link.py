"""The link value: one URL, parsed once, read by every stage after.

``hutong.core.urls.normalise`` parses text the WHATWG way into a :class:`Link`; unwrapping,
identifying, cleaning, screening and deciding then read its parts (host, path, query pairs,
registrable domain) instead of splitting the string again. A stage that changes the URL
returns a new ``Link`` (an unwrapped wrapper's target is parsed; a cleaned link is the same
link with fewer query pairs, built from its parts, since dropping pairs from a serialised
query leaves it serialised).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple
from urllib.parse import unquote

HostKind = Literal["domain", "ipv4", "ipv6", "opaque", "empty"]

WEB_SCHEMES = ("http", "https")


class QueryParam(NamedTuple):
    """One ``name=value`` piece of a query, kept as the exact bytes it was written with.

    An immutable NamedTuple rather than a frozen dataclass, as ``Canonical`` is: one is built for every
    piece of every query parsed, and construction is about three times cheaper.
    """

    raw: str  # the whole piece, e.g. "xsec_token=AB%3D"
    name: str  # the name, percent-decoded, for matching
    value: str  # the raw value (not decoded); "" if there is no "="
    has_value: bool


def split_query(query: str) -> tuple[QueryParam, ...]:
    """Split a raw query on ``&`` without decoding it; empty pieces are skipped.

    >>> [p.name for p in split_query("a=1&&b%5B%5D=2&c")]
    ['a', 'b[]', 'c']
    """
    if not query:
        return ()
    out = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, eq, value = piece.partition("=")
        out.append(QueryParam(piece, unquote(name) if "%" in name else name, value, bool(eq)))
    return tuple(out)


def first_value(params: Sequence[QueryParam], name: str) -> str | None:
    """The raw value of the first parameter called ``name``, or None."""
    for p in params:
        if p.name == name:
            return p.value
    return None


@dataclass(frozen=True, slots=True)
class Link:
    """A URL as WHATWG parses it, with its query pairs and registrable domain; ``href`` is canonical.

    ``host`` is ASCII (punycode) and lower case, IPv6 in brackets; ``hostname`` the same without
    brackets. ``host_kind`` is ``domain`` for a special scheme's host name, ``ipv4``/``ipv6`` for
    IP literals (decoded from any spelling), ``opaque`` for the host of a non-special scheme
    (``git://host/``, kept as written, percent-encoded), and ``empty`` when there is no host
    (``javascript:``, ``mailto:``, ``file:///``). ``port`` is None for the scheme's default.
    ``query`` has no ``?`` and keeps its exact percent-encoding; ``has_query`` tells ``?`` from none;
    ``params`` is the query split on ``&`` (:func:`split_query`). ``site`` is the registrable domain
    (``hutong.core.psl.site``: eTLD+1, private section included; an IP host is its own site), None
    without a host.
    """

    href: str
    scheme: str
    username: str
    password: str
    host: str
    hostname: str
    port: int | None
    path: str
    query: str
    fragment: str
    host_kind: HostKind
    unicode_host: str
    has_query: bool
    params: tuple[QueryParam, ...]
    site: str | None

    @property
    def has_userinfo(self) -> bool:
        """True when the URL carries a user name or password before the host."""
        return bool(self.username or self.password)

    @property
    def platform_host(self) -> str | None:
        """The host a platform's data may recognise, without a trailing root dot; None unless the link is
        http(s) with a host, no userinfo and the default port. ``https://user@item.taobao.com/`` and
        ``https://item.taobao.com:444/`` are nobody's platform links: both are classic lookalike tricks."""
        if self.port is not None or self.username or self.password or self.scheme not in WEB_SCHEMES:
            return None
        return self.hostname.rstrip(".") or None

    def with_query(self, params: tuple[QueryParam, ...], fragment: str) -> Link:
        """This link with only ``params`` in its query and ``fragment`` (``""``: none) after it.

        The pieces keep their bytes, so the result is what parsing its ``href`` would give, without
        parsing it: a serialised query stays serialised when whole ``&``-pieces are dropped.
        """
        head = self.href.partition("#")[0].partition("?")[0]
        query = "&".join(p.raw for p in params)
        href = head + ("?" + query if params else "") + ("#" + fragment if fragment else "")
        return Link(
            href,
            self.scheme,
            self.username,
            self.password,
            self.host,
            self.hostname,
            self.port,
            self.path,
            query,
            fragment,
            self.host_kind,
            self.unicode_host,
            bool(params),
            params,
            self.site,
        )
