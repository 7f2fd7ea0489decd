"""Identify what a URL is: platform, category, kind of content, its id and canonical URL.

Everything comes from the platform data files (``hutong/data/platforms/*.toml``); this module
never names a platform. A host belongs to a platform only on a label boundary, and a URL with
userinfo or a non-default port is never identified: ``https://item.taobao.com.evil.test/``,
``https://user@item.taobao.com/`` and ``https://item.taobao.com:444/`` are not Taobao.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

from .memo import HOST_ENTRIES, LONGEST_HOST, LONGEST_URL, URL_ENTRIES, memo_str
from .model import UNIDENTIFIED, Identity
from .platforms import PLACEHOLDER_RE, ContentPattern, Platform, bundled, host_matches, owns_host

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class QueryParam:
    """One ``name=value`` piece of a query, kept as the exact bytes it was written with."""

    raw: str  # the whole piece, e.g. "xsec_token=AB%3D"
    name: str  # the name, percent-decoded, for matching
    value: str  # the raw value (not decoded); "" if there is no "="
    has_value: bool


def split_query(query: str) -> tuple[QueryParam, ...]:
    """Split a raw query on ``&`` without decoding it; empty pieces are skipped."""
    return _split_query(query) if query else ()


def _split_query_once(query: str) -> tuple[QueryParam, ...]:
    out = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, eq, value = piece.partition("=")
        out.append(QueryParam(piece, unquote(name), value, bool(eq)))
    return tuple(out)


# identify, clean and the cleaner's own identifier each split the same query: split it once
_split_query = memo_str(_split_query_once, entries=URL_ENTRIES, longest=LONGEST_URL)


def first_value(params: Sequence[QueryParam], name: str) -> str | None:
    """The raw value of the first parameter called ``name``, or None."""
    for p in params:
        if p.name == name:
            return p.value
    return None


@dataclass(frozen=True, slots=True)
class Match:
    """A URL matched against one platform (and perhaps one of its content patterns)."""

    platform: Platform
    pattern: ContentPattern | None = None
    id: str | None = None
    canonical: str | None = None

    def identity(self) -> Identity:
        """The public value for this match."""
        pattern = self.pattern
        if pattern is None:
            return Identity(self.platform.id, self.platform.category, None, self.id, self.canonical)
        category = pattern.category or self.platform.category  # a pattern may say what its pages are
        return Identity(self.platform.id, category, pattern.kind, self.id, self.canonical)


@dataclass(frozen=True, slots=True)
class Trusted:
    """An http(s) URL split once, by ``trusted``: its parts, its host (as ``host_of``) and path."""

    parts: SplitResult
    host: str
    path: str  # "/" when the URL has none


def trusted(url: str) -> Trusted | None:
    """``split_trusted`` with the host and path worked out once; memoised, as every stage asks again."""
    return _trusted(url)


def split_trusted(url: str) -> SplitResult | None:
    """Split an http(s) URL whose authority is just a host: no userinfo, no non-default port."""
    found = _trusted(url)
    return None if found is None else found.parts


def _split_once(url: str) -> Trusted | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    hostname = parts.hostname  # a property that parses the netloc again: read it once
    if scheme not in DEFAULT_PORTS or not hostname:
        return None
    if "@" in parts.netloc:  # userinfo, even empty, is a classic lookalike trick
        return None
    if port is not None and port != DEFAULT_PORTS[scheme]:
        return None
    return Trusted(parts, hostname.rstrip("."), parts.path or "/")


_trusted = memo_str(_split_once, entries=URL_ENTRIES, longest=LONGEST_URL)


def host_of(parts: SplitResult) -> str:
    """The lower-case host without a trailing root dot."""
    return (parts.hostname or "").rstrip(".")


@dataclass(frozen=True, slots=True)
class HostEntry:
    """What a host alone says: its platform, the content patterns for it, whether it is a short host."""

    platform: Platform
    patterns: tuple[ContentPattern, ...]  # the platform's patterns whose hosts match, in data order
    short: bool


class Identifier:
    """Identify URLs against a set of platforms (the bundled ones by default)."""

    def __init__(self, platforms: Iterable[Platform] | None = None) -> None:
        self.platforms: tuple[Platform, ...] = tuple(bundled() if platforms is None else platforms)
        self._claims: dict[str, Platform] = {}
        for platform in self.platforms:
            for claim in (*platform.hosts, *platform.short_hosts):
                self._claims.setdefault(claim.lower(), platform)
        # per-host answers are pure functions of the host and this instance's data: memoised
        self._entry: Callable[[str], HostEntry | None] = memo_str(
            self._host_entry, entries=HOST_ENTRIES, longest=LONGEST_HOST
        )

    def platform_for_host(self, host: str) -> Platform | None:
        """The platform owning ``host`` (its hosts or short hosts); the most specific claim wins."""
        labels = host.lower().rstrip(".").split(".")
        # walk from the full host up to its last label: the first claim found is the most specific
        for i in range(len(labels)):
            found = self._claims.get(".".join(labels[i:]))
            if found is not None:
                return found
        return None

    def _host_entry(self, host: str) -> HostEntry | None:
        platform = self.platform_for_host(host)
        if platform is None:
            return None
        patterns = tuple(p for p in platform.patterns if any(host_matches(host, h) for h in p.hosts))
        return HostEntry(platform, patterns, owns_host(platform.short_hosts, host))

    def match(self, url: str) -> Match | None:
        """The platform and content pattern of ``url``, or None for an unknown or untrusted URL."""
        t = trusted(url)
        return None if t is None else self.match_trusted(t)

    def match_parts(self, parts: SplitResult) -> Match | None:
        """``match`` for URL parts already checked by ``split_trusted``."""
        return self.match_trusted(Trusted(parts, host_of(parts), parts.path or "/"))

    def match_trusted(self, t: Trusted) -> Match | None:
        """``match`` for a URL already split by ``trusted``."""
        entry = self._entry(t.host)
        if entry is None:
            return None
        platform = entry.platform
        if not entry.patterns:
            return Match(platform)
        host, path = t.host, t.path
        params = split_query(t.parts.query)
        for pattern in entry.patterns:
            found = _match_pattern(pattern, path, params)
            if found is not None:
                pid, groups = found
                canonical = _canonical(pattern, platform, pid, host, path, groups, params)
                return Match(platform, pattern, unquote(pid), canonical)
        return Match(platform)

    def identify(self, url: str) -> Identity:
        """Platform, category, kind, id and canonical URL; ``Identity(category="unknown")`` if unknown."""
        found = self.match(url)
        return UNIDENTIFIED if found is None else found.identity()

    def needs_resolve(self, url: str) -> bool:
        """True for short links (short hosts and short path prefixes) that only the network can expand."""
        t = trusted(url)
        return t is not None and self.needs_resolve_trusted(t)

    def needs_resolve_parts(self, parts: SplitResult) -> bool:
        """``needs_resolve`` for URL parts already checked by ``split_trusted``."""
        return self.needs_resolve_trusted(Trusted(parts, host_of(parts), parts.path or "/"))

    def needs_resolve_trusted(self, t: Trusted) -> bool:
        """``needs_resolve`` for a URL already split by ``trusted``."""
        entry = self._entry(t.host)
        if entry is None:
            return False
        if entry.short:
            return True
        prefixes = entry.platform.short_prefixes
        if not prefixes:
            return False
        here = t.host + t.path
        return any(here.startswith(prefix) for prefix in prefixes)


def _match_pattern(
    pattern: ContentPattern, path: str, params: Sequence[QueryParam]
) -> tuple[str, dict[str, str]] | None:
    """Match a pattern whose hosts are already known to match."""
    groups: dict[str, str] = {}
    if pattern.path is not None:
        m = pattern.path.search(path)
        if m is None:
            return None
        groups = {k: v for k, v in m.groupdict().items() if v is not None}
    if pattern.query_id:
        value = first_value(params, pattern.query_id)
        if not value:
            return None
        pid = value
    else:
        pid = groups.get("id", "")
    if not pid:
        return None
    if pattern.id_pattern is not None and not pattern.id_pattern.fullmatch(unquote(pid)):
        return None
    return pid, groups


def _canonical(
    pattern: ContentPattern,
    platform: Platform,
    pid: str,
    host: str,
    path: str,
    groups: dict[str, str],
    params: Sequence[QueryParam],
) -> str | None:
    if pattern.canonical is None:
        return None
    fields = {**groups, "id": pid, "host": host, "path": path}
    url = PLACEHOLDER_RE.sub(lambda m: fields.get(m.group(1), ""), pattern.canonical)
    defaults = dict(platform.drop_defaults)
    extra = []
    for name in pattern.canonical_params:
        value = first_value(params, name)
        if not value or defaults.get(name) == value:
            continue
        extra.append(f"{name}={value}")
    if extra:
        url += ("&" if "?" in url else "?") + "&".join(extra)
    return url
