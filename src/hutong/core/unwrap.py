"""Unwrap redirect wrappers whose target is written inside the URL itself.

Which hosts and paths are wrappers is data (``[[wrappers]]`` in the platform files); the
decoders here are generic: a query parameter (``param``), or Proofpoint URL Defense v1-v3,
whose format is public (see the research notes, safety §3.2). Nested wrappers unwrap
repeatedly up to ``max_depth``. Only an absolute http(s) target is accepted; a wrapper whose
target is missing or bad is left as it is, so it is judged (and never cleaned) as a wrapper:
``Unwrapped.wrapper`` names it for the cleaner. Each target is parsed once, into the
:class:`hutong.core.link.Link` the later stages read.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, unquote

from ..errors import InputError
from .link import WEB_SCHEMES, Link, first_value
from .model import Hop
from .platforms import HostIndex, Platform, Wrapper, bundled
from .urls import normalise

MAX_TARGET = 8192  # longer "targets" are not links a person shared; refuse rather than parse
HOST_CACHE = 4096  # hosts whose wrappers are kept: a pure function of the host, and chat repeats hosts


@dataclass(frozen=True, slots=True)
class Unwrapped:
    """The innermost link, the wrapper URLs it was found in (outermost first), and the wrapper the
    innermost link still is (its target missing, bad, already seen, or past ``max_depth``), if any."""

    link: Link
    hops: tuple[Hop, ...] = ()
    wrapper: Wrapper | None = None

    @property
    def url(self) -> str:
        return self.link.href


class Unwrapper:
    """Unwrap links with the wrappers of a set of platforms (the bundled ones by default)."""

    def __init__(self, platforms: Iterable[Platform] | None = None) -> None:
        plats = tuple(bundled() if platforms is None else platforms)
        self.wrappers: tuple[Wrapper, ...] = tuple(w for p in plats for w in p.wrappers)
        self._index: HostIndex[Wrapper] = HostIndex()
        for w in self.wrappers:
            for h in w.hosts:
                self._index.add(h, w)
        self._wrappers_of = lru_cache(maxsize=HOST_CACHE)(self._host_wrappers)

    def _host_wrappers(self, host: str) -> tuple[Wrapper, ...]:
        return tuple(self._index.lookup(host))

    def unwrap(self, link: Link, max_depth: int = 5) -> Unwrapped:
        """Follow wrappers inside ``link``; each hop records a wrapper URL with ``via="wrapper"``."""
        wrapper = self.wrapper_of(link)
        if wrapper is None:
            return Unwrapped(link)  # the usual case: no wrapper at all
        hops: list[Hop] = []
        seen = {link.href}
        current = link
        for _ in range(max(0, max_depth)):
            if wrapper is None:
                break
            target = self._decode(current, wrapper)
            if target is None or target.href in seen:
                break
            hops.append(Hop(url=current.href, via="wrapper"))
            seen.add(target.href)
            current = target
            wrapper = self.wrapper_of(current)
        return Unwrapped(current, tuple(hops), wrapper)

    def target(self, link: Link) -> Link | None:
        """The link one wrapper level down, or None if ``link`` is not a decodable wrapper."""
        wrapper = self.wrapper_of(link)
        return None if wrapper is None else self._decode(link, wrapper)

    def app_link(self, link: Link) -> str | None:
        """The app link inside a web page that only launches an app (a wrapper with ``decode = "applink"``:
        ``https://ds.alipay.com/?scheme=alipays%3A%2F%2F…``), or None. Unlike a web target it is not parsed
        here: the app-link data (``hutong.core.identify.AppLinks``) reads it."""
        wrapper = self.wrapper_of(link)
        if wrapper is None or wrapper.decode != "applink":
            return None
        value = _param(link, wrapper)
        if value is not None and "://" not in value[:40] and "%3A%2F%2F" in value[:60].upper():
            value = unquote(value)  # encoded twice
        return value if value is not None and "://" in value[:40] and len(value) <= MAX_TARGET else None

    def wrapper_of(self, link: Link) -> Wrapper | None:
        """The wrapper ``link`` is an instance of (host and path match), whether or not it decodes."""
        host = link.platform_host
        if host is None:
            return None
        for w in self._wrappers_of(host):
            if w.path is None or w.path.search(link.path):
                return w
        return None

    def _decode(self, link: Link, wrapper: Wrapper) -> Link | None:
        decoded = DECODERS[wrapper.decode](link, wrapper)
        return None if decoded is None else _accept(decoded, link)


def _param(link: Link, wrapper: Wrapper) -> str | None:
    values = dict(parse_qsl(link.query, keep_blank_values=True))
    for name in wrapper.params:
        value = values.get(name, "").strip()
        if value:
            # some wrappers encode the target twice; one more decoding is safe only if it yields a URL
            if not _looks_absolute(value) and _looks_absolute(unquote(value)):
                value = unquote(value)
            return value
    return None


def _proofpoint_v1(link: Link, wrapper: Wrapper) -> str | None:
    return _param(link, wrapper)


def _proofpoint_v2(link: Link, wrapper: Wrapper) -> str | None:
    raw = None
    for name in wrapper.params or ("u",):
        raw = first_value(link.params, name)
        if raw:
            break
    if not raw:
        return None
    # v2 writes "%XX" as "-XX" and "/" as "_", then the result is ordinary percent-encoding
    return unquote(raw.replace("-", "%").replace("_", "/"))


_V3 = re.compile(r"__(?P<url>.+?)__;(?P<bytes>[A-Za-z0-9_-]*={0,2})!")
_V3_TOKEN = re.compile(r"\*\*(?P<len>[A-Za-z0-9_-])|\*")
_V3_RUN = {c: i + 2 for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}


def _proofpoint_v3(link: Link, wrapper: Wrapper) -> str | None:
    url = link.href
    start = url.find("/v3/__")
    # matched once, at the first marker: searching from every "/v3/__" would be quadratic on hostile input
    m = _V3.match(url, start + 4) if start >= 0 else None
    if m is None:
        return None
    enc = m.group("bytes")
    try:
        chars = base64.urlsafe_b64decode(enc + "=" * (-len(enc) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    pos = 0
    failed = False

    def take(token: re.Match[str]) -> str:
        # "*" stands for one character of the decoded bytes, "**X" for a run of X's length
        nonlocal pos, failed
        count = _V3_RUN[token.group("len")] if token.group("len") else 1
        if pos + count > len(chars):
            failed = True
            return ""
        piece = chars[pos : pos + count]
        pos += count
        return piece

    out = _V3_TOKEN.sub(take, m.group("url"))
    return None if failed else out


def _no_web_target(link: Link, wrapper: Wrapper) -> str | None:
    return None  # an app-launch page holds an app link, never a web target: see Unwrapper.app_link


DECODERS: dict[str, Callable[[Link, Wrapper], str | None]] = {
    "applink": _no_web_target,
    "param": _param,
    "proofpoint_v1": _proofpoint_v1,
    "proofpoint_v2": _proofpoint_v2,
    "proofpoint_v3": _proofpoint_v3,
}


def _looks_absolute(value: str) -> bool:
    return value[:8].lower().startswith(("http://", "https://"))


def _accept(target: str, wrapper: Link) -> Link | None:
    """Parse the target the WHATWG way; only http(s) URLs with a host are accepted."""
    target = target.strip()
    if not target or len(target) > MAX_TARGET:
        return None
    if target.startswith("/") and not target.startswith("//"):
        target = f"{wrapper.scheme}://{wrapper.host}{target}"  # same-site redirect path
    if not _looks_absolute(target):
        return None
    try:
        link = normalise(target)
    except InputError:
        return None
    if link.scheme not in WEB_SCHEMES or not link.hostname:
        return None
    return link
