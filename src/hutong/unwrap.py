"""Unwrap redirect wrappers whose target is written inside the URL itself.

Which hosts and paths are wrappers is data (``[[wrappers]]`` in the platform files); the
decoders here are generic: a query parameter (``param``), or Proofpoint URL Defense v1-v3,
whose format is public (see the research notes, safety §3.2). Nested wrappers unwrap
repeatedly up to ``max_depth``. Only an absolute http(s) target is accepted; a wrapper whose
target is missing or bad is left as it is, so it is judged (and never cleaned) as a wrapper.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qsl, unquote

import ada_url

from .identify import Trusted, first_value, host_of, split_query, trusted
from .memo import HOST_ENTRIES, LONGEST_HOST, memo_str
from .model import Hop
from .platforms import HostIndex, Platform, Wrapper, bundled

MAX_TARGET = 8192  # longer "targets" are not links a person shared; refuse rather than parse


@dataclass(frozen=True, slots=True)
class Unwrapped:
    """The innermost URL and the wrapper URLs it was found in, outermost first."""

    url: str
    hops: tuple[Hop, ...] = ()


class Unwrapper:
    """Unwrap URLs with the wrappers of a set of platforms (the bundled ones by default)."""

    def __init__(self, platforms: Iterable[Platform] | None = None) -> None:
        plats = tuple(bundled() if platforms is None else platforms)
        self.wrappers: tuple[Wrapper, ...] = tuple(w for p in plats for w in p.wrappers)
        self._index: HostIndex[Wrapper] = HostIndex()
        for w in self.wrappers:
            for h in w.hosts:
                self._index.add(h, w)
        # the wrappers a host may carry are a pure function of the host: memoised per host
        self._candidates: Callable[[str], tuple[Wrapper, ...]] = memo_str(
            self._lookup, entries=HOST_ENTRIES, longest=LONGEST_HOST
        )

    def _lookup(self, host: str) -> tuple[Wrapper, ...]:
        return tuple(self._index.lookup(host))

    def wrapper_for(self, url: str) -> Wrapper | None:
        """The wrapper ``url`` is an instance of (host and path match), whether or not it decodes."""
        t = trusted(url)
        return None if t is None else self.wrapper_in(t)

    def unwrap(self, url: str, max_depth: int = 5) -> Unwrapped:
        """Follow wrappers inside ``url``; each hop records a wrapper URL with ``via="wrapper"``."""
        hops: list[Hop] = []
        seen = {url}
        current = url
        for _ in range(max(0, max_depth)):
            target = self.target(current)
            if target is None or target in seen:
                break
            hops.append(Hop(url=current, via="wrapper"))
            seen.add(target)
            current = target
        return Unwrapped(current, tuple(hops))

    def target(self, url: str) -> str | None:
        """The URL one wrapper level down, normalised, or None if ``url`` is not a decodable wrapper."""
        t = trusted(url)
        if t is None:
            return None
        wrapper = self.wrapper_in(t)
        if wrapper is None:
            return None
        decoded = DECODERS[wrapper.decode](url, t.parts, wrapper)
        return None if decoded is None else _accept(decoded, t.parts)

    def wrapper_at(self, parts: SplitResult) -> Wrapper | None:
        """The wrapper matching already-split URL parts, if any."""
        return self.wrapper_in(Trusted(parts, host_of(parts), parts.path or "/"))

    def wrapper_in(self, t: Trusted) -> Wrapper | None:
        """The wrapper matching a URL already split by ``trusted``, if any."""
        for w in self._candidates(t.host):
            if w.path is None or w.path.search(t.path):
                return w
        return None


def _param(url: str, parts: SplitResult, wrapper: Wrapper) -> str | None:
    values = dict(parse_qsl(parts.query, keep_blank_values=True))
    for name in wrapper.params:
        value = values.get(name, "").strip()
        if value:
            # some wrappers encode the target twice; one more decoding is safe only if it yields a URL
            if not _looks_absolute(value) and _looks_absolute(unquote(value)):
                value = unquote(value)
            return value
    return None


def _proofpoint_v1(url: str, parts: SplitResult, wrapper: Wrapper) -> str | None:
    return _param(url, parts, wrapper)


def _proofpoint_v2(url: str, parts: SplitResult, wrapper: Wrapper) -> str | None:
    raw = None
    params = split_query(parts.query)
    for name in wrapper.params or ("u",):
        raw = first_value(params, name)
        if raw:
            break
    if not raw:
        return None
    # v2 writes "%XX" as "-XX" and "/" as "_", then the result is ordinary percent-encoding
    return unquote(raw.replace("-", "%").replace("_", "/"))


_V3 = re.compile(r"__(?P<url>.+?)__;(?P<bytes>[A-Za-z0-9_-]*={0,2})!")
_V3_TOKEN = re.compile(r"\*\*(?P<len>[A-Za-z0-9_-])|\*")
_V3_RUN = {c: i + 2 for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}


def _proofpoint_v3(url: str, parts: SplitResult, wrapper: Wrapper) -> str | None:
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


DECODERS: dict[str, Callable[[str, SplitResult, Wrapper], str | None]] = {
    "param": _param,
    "proofpoint_v1": _proofpoint_v1,
    "proofpoint_v2": _proofpoint_v2,
    "proofpoint_v3": _proofpoint_v3,
}


def _looks_absolute(value: str) -> bool:
    return value[:8].lower().startswith(("http://", "https://"))


def _accept(target: str, wrapper: SplitResult) -> str | None:
    """Normalise the target the WHATWG way; only http(s) URLs with a host are accepted."""
    target = target.strip()
    if not target or len(target) > MAX_TARGET:
        return None
    if target.startswith("/") and not target.startswith("//"):
        target = f"{wrapper.scheme}://{wrapper.netloc}{target}"  # same-site redirect path
    if not _looks_absolute(target):
        return None
    try:
        parsed = ada_url.URL(target)
    except ValueError:
        return None
    if parsed.protocol not in ("http:", "https:") or not parsed.hostname:
        return None
    return str(parsed.href)
