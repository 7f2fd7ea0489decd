"""Identify what a URL is: platform, category, kind of content, its id and canonical URL.

Everything comes from the platform data files (``hutong/data/platforms/*.toml``); this module
never names a platform. A host belongs to a platform only on a label boundary, and a URL with
userinfo or a non-default port is never identified: ``https://item.taobao.com.evil.test/``,
``https://user@item.taobao.com/`` and ``https://item.taobao.com:444/`` are not Taobao.
It reads a parsed :class:`hutong.core.link.Link` and answers with an :class:`Identification`, which the
pipeline hands to the cleaner.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from .link import Link, QueryParam, first_value
from .model import UNIDENTIFIED, Identity, Payment
from .platforms import PLACEHOLDER_RE, AppLinkRule, ContentPattern, HostIndex, Platform, bundled, owns_host


@dataclass(frozen=True, slots=True)
class Match:
    """A URL matched against one platform (and perhaps one of its content patterns); ``identity`` is the
    public value for it (see :func:`match_of`)."""

    platform: Platform
    pattern: ContentPattern | None
    id: str | None
    canonical: str | None
    identity: Identity


def match_of(
    platform: Platform, pattern: ContentPattern | None = None, pid: str | None = None, canonical: str | None = None
) -> Match:
    """The match of a URL on ``platform`` (and ``pattern``), with the identity it gives the link."""
    if pattern is None:
        identity = Identity(platform.id, platform.category, None, pid, canonical)
    else:
        category = pattern.category or platform.category  # a pattern may say what its pages are
        identity = Identity(platform.id, category, pattern.kind, pid, canonical)
    return Match(platform, pattern, pid, canonical, identity)


@dataclass(frozen=True, slots=True)
class Identification:
    """What the platform data says about one link: the platform (and content pattern) it matches, None
    for an unknown or untrusted link, and whether it is a short link that only the network can expand.

    The pipeline identifies a link once and hands this value on: the cleaner reads which parameters
    the page needs from it instead of identifying the link again."""

    match: Match | None = None
    short: bool = False

    @property
    def identity(self) -> Identity:
        """Platform, category, kind, id and canonical URL; ``Identity(category="unknown")`` if unknown."""
        return UNIDENTIFIED if self.match is None else self.match.identity

    @property
    def content(self) -> Match | None:
        """The match on a platform content page (a pattern matched) that is not a short link, else None."""
        match = self.match
        return match if match is not None and match.pattern is not None and not self.short else None


NOT_IDENTIFIED = Identification()


@dataclass(frozen=True, slots=True)
class HostEntry:
    """What a host alone says: its platform, the content patterns for it, whether it is a short host."""

    platform: Platform
    patterns: tuple[ContentPattern, ...]  # the platform's patterns whose hosts match, in data order
    short: bool
    bare: Match  # the match when no pattern matches: the platform alone
    bare_identified: Identification  # that match, on a host whose short-ness the path cannot change


HOST_CACHE = 4096  # hosts whose answer is kept, beyond those the data names


class Identifier:
    """Identify links against a set of platforms (the bundled ones by default)."""

    def __init__(self, platforms: Iterable[Platform] | None = None) -> None:
        self.platforms: tuple[Platform, ...] = tuple(bundled() if platforms is None else platforms)
        self._claims: dict[str, Platform] = {}
        # each platform's content patterns filed under their hosts: one probe per label finds a host's patterns
        self._patterns: dict[str, HostIndex[ContentPattern]] = {}
        for platform in self.platforms:
            for claim in (*platform.hosts, *platform.short_hosts):
                self._claims.setdefault(claim.lower(), platform)
            index: HostIndex[ContentPattern] = HostIndex()
            for pattern in platform.patterns:
                for host in pattern.hosts:
                    index.add(host, pattern)
            self._patterns[platform.id] = index
        # the answer for every host the data names, worked out once: most platform links are on them
        named = {
            h.lower().removeprefix("*.")
            for p in self.platforms
            for h in (*p.hosts, *p.short_hosts, *(h for pattern in p.patterns for h in pattern.hosts))
        }
        self._named: dict[str, HostEntry | None] = {h: self._host_entry(h) for h in named}
        # the answer for other hosts (subdomains of the named ones, hosts of no platform): a pure function of
        # the host, and chat repeats hosts, so the latest are kept (bounded)
        self._other = lru_cache(maxsize=HOST_CACHE)(self._host_entry)
        # canonical URL templates, split once into literal text and field names; keyed by the pattern's
        # identity (hashing a pattern's fields costs more than filling it), which these platforms keep alive
        self._templates: dict[int, tuple[str, ...]] = {
            id(pattern): tuple(PLACEHOLDER_RE.split(pattern.canonical))
            for p in self.platforms
            for pattern in p.patterns
            if pattern.canonical is not None
        }

    def platform_for_host(self, host: str) -> Platform | None:
        """The platform owning ``host`` (its hosts or short hosts); the most specific claim wins."""
        host = host.lower().rstrip(".")
        claims = self._claims
        start = 0
        while True:  # from the full host up to its last label: the first claim found is the most specific
            found = claims.get(host[start:])
            if found is not None:
                return found
            dot = host.find(".", start)
            if dot < 0:
                return None
            start = dot + 1

    def _host_entry(self, host: str) -> HostEntry | None:
        platform = self.platform_for_host(host)
        if platform is None:
            return None
        patterns = tuple(self._patterns[platform.id].lookup(host))  # in data order
        short = owns_host(platform.short_hosts, host)
        bare = match_of(platform)
        return HostEntry(platform, patterns, short, bare, Identification(bare, short))

    def _entry(self, host: str) -> HostEntry | None:
        named = self._named
        return named[host] if host in named else self._other(host)

    def identify(self, link: Link) -> Identification:
        """The platform and content pattern of ``link``, and whether it is a short link.

        A link with userinfo, a non-default port or a scheme other than http(s) is never identified."""
        host = link.platform_host
        if host is None:
            return NOT_IDENTIFIED
        entry = self._entry(host)
        if entry is None:
            return NOT_IDENTIFIED
        match = self._match(entry, host, link)
        if match is entry.bare and (entry.short or not entry.platform.short_prefixes):
            return entry.bare_identified  # a platform's page no pattern names, or its short host: nothing new
        return Identification(match, self._short(entry, host, link.path))

    def _match(self, entry: HostEntry, host: str, link: Link) -> Match:
        if not entry.patterns:
            return entry.bare
        platform = entry.platform
        path, params = link.path, link.params
        for pattern in entry.patterns:
            found = _match_pattern(pattern, path, params)
            if found is not None:
                pid, groups = found
                template = self._templates.get(id(pattern))
                canonical = (
                    None
                    if template is None
                    else _canonical(template, pattern, platform, pid, host, path, groups, params)
                )
                return match_of(platform, pattern, unquote(pid), canonical)
        return entry.bare

    @staticmethod
    def _short(entry: HostEntry, host: str, path: str) -> bool:
        """Short links (short hosts and short path prefixes) only the network can expand."""
        if entry.short:
            return True
        prefixes = entry.platform.short_prefixes
        if not prefixes:
            return False
        here = host + path
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
    template: tuple[str, ...],
    pattern: ContentPattern,
    platform: Platform,
    pid: str,
    host: str,
    path: str,
    groups: dict[str, str],
    params: Sequence[QueryParam],
) -> str:
    """Fill a canonical template (literal text at even places, field names at odd ones)."""
    fields = {**groups, "id": pid, "host": host, "path": path}
    pieces = [template[0]]
    for i in range(1, len(template), 2):
        pieces.append(fields.get(template[i], ""))
        pieces.append(template[i + 1])
    url = "".join(pieces)
    if not pattern.canonical_params:
        return url
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


def payment_of(identification: Identification, link: Link) -> Payment | None:
    """Payee and amount a payment page's query states (its pattern's ``payee_param``/``amount_param``)."""
    match = identification.match
    pattern = None if match is None else match.pattern
    if pattern is None or (pattern.payee_param is None and pattern.amount_param is None):
        return None
    payee = _decoded(first_value(link.params, pattern.payee_param)) if pattern.payee_param else None
    amount = _decoded(first_value(link.params, pattern.amount_param)) if pattern.amount_param else None
    return Payment(payee, amount) if payee or amount else None


def _decoded(value: str | None) -> str | None:
    if not value:
        return None
    text = unquote(value.replace("+", " ")).strip()
    return text[:80] or None  # shown on a page: a payee is a name, never an essay


@dataclass(frozen=True, slots=True)
class AppTarget:
    """What an app link (``scheme://…``) is: the platform owning its scheme, the ``[[applinks]]`` form it
    matched (None: none did), and its web equivalent, None when no web page shows the same content."""

    platform: Platform
    rule: AppLinkRule | None
    web: str | None
    id: str | None = None
    payment: Payment | None = None

    @property
    def identity(self) -> Identity:
        """Platform, category and kind from the app-link data: the identity when there is no web equivalent."""
        rule = self.rule
        category = (rule.category if rule is not None else None) or self.platform.category
        return Identity(self.platform.id, category, None if rule is None else rule.kind, self.id)


class AppLinks:
    """Map app links to their web equivalents with the ``[[applinks]]`` of a set of platforms.

    >>> AppLinks().map("snssdk1128://aweme/detail/7298145681699622182?refer=web").web
    'https://www.douyin.com/video/7298145681699622182'
    """

    def __init__(self, platforms: Iterable[Platform] | None = None) -> None:
        self._by_scheme: dict[str, tuple[Platform, tuple[AppLinkRule, ...]]] = {}
        for platform in tuple(bundled() if platforms is None else platforms):
            for scheme in platform.schemes:
                rules = tuple(r for r in platform.applinks if scheme in r.schemes)
                self._by_scheme.setdefault(scheme, (platform, rules))

    @property
    def schemes(self) -> frozenset[str]:
        """Every declared app scheme, lower case."""
        return frozenset(self._by_scheme)

    def map(self, text: str) -> AppTarget | None:
        """The app link ``text``'s platform and web equivalent; None if its scheme is nobody's."""
        scheme, _, rest = text.partition(":")
        owner = self._by_scheme.get(scheme.lower())
        if owner is None:
            return None
        platform, rules = owner
        body = rest[2:] if rest.startswith("//") else rest
        decoded: str | None = None
        for rule in rules:
            if rule.decode:
                decoded = unquote(body) if decoded is None else decoded
                subject = decoded
            else:
                subject = body
            m = rule.match.match(subject)
            if m is None:
                continue
            groups = {k: v for k, v in m.groupdict().items() if v is not None}
            web: str | None = None
            if rule.web == "{url}":
                web = _web_url(groups.get("url", ""))
                if web is None:
                    continue  # the wrapped value is no web address: another form may still read this link
            elif rule.web is not None:
                web = _fill(rule.web, groups)
            payee, amount = _decoded(groups.get("payee")), _decoded(groups.get("amount"))
            payment = Payment(payee, amount) if payee or amount else None
            return AppTarget(platform, rule, web, groups.get("id"), payment)
        return AppTarget(platform, None, None)


def _fill(template: str, groups: dict[str, str]) -> str:
    """A web template with the app link's captured groups (an optional group not captured is empty)."""
    return PLACEHOLDER_RE.sub(lambda field: groups.get(field.group(1), ""), template)


def _web_url(value: str) -> str | None:
    """A wrapped web URL as written or percent-encoded once; None unless it is an absolute http(s) URL."""
    for candidate in (value, unquote(value)):
        if candidate[:8].lower().startswith(("http://", "https://")):
            return candidate
    return None
