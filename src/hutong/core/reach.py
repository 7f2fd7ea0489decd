"""Reachability: where a link really lands, its content or a wall in front of it. Pure.

:func:`classify` takes what the network taught about the end of a link's chain (a
:class:`Landing`: the last URL, its HTTP status, the failure code that stopped the chain, the
page's own evidence of a wall) and returns a frozen :class:`Reach` with a stable code and a
sentence in English and Chinese. The kinds:

- ``content``: the chain ended at a page (or a file) that is not a wall;
- ``login``: a login wall: the platform's login page (listed in its data file under
  ``[walls]``), a page whose only content is a login form, or HTTP 401;
- ``app``: an app wall: a hand-over to an app (``itms-apps://``, ``market://``, ``taobao://``:
  any scheme that is not the web's), an app store's page, an app-download page listed in a
  platform file, or a page whose only content is calls to get or open the app;
- ``error``: the site answered an error (HTTP 404, 5xx, an error page listed in a platform
  file) or could not be reached (time-out, no such name, a redirect loop);
- ``blocked``: access refused, by the site (HTTP 403, 429, 451) or by hutong's fetch guard
  (a private address, a port or scheme that is never fetched).

A failure that is this machine's, not the link's (no network at all, hutong's own rate limit)
says nothing about the link: :func:`classify` returns None for it.

Neutral by construction: the listed wall hosts and paths are matched for every link alike,
whatever platform the link started on, and the page rule (``hutong.preview.walls``) is the same
for listed and unlisted sites. The app stores and app hand-over schemes below are the operating
systems' (research notes, interop §1), not any platform's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

ReachKind = Literal["content", "login", "app", "error", "blocked"]
REACH_KINDS: tuple[ReachKind, ...] = get_args(ReachKind)
WallKind = Literal["login", "app", "error"]
PageWallKind = Literal["login", "app"]

# schemes that are the web's or the browser's own: a redirect to one of them is not a hand-over to an app
WEB_SCHEMES = frozenset(
    {
        "http",
        "https",
        "ftp",
        "ftps",
        "file",
        "data",
        "javascript",
        "blob",
        "about",
        "ws",
        "wss",
        "mailto",
        "tel",
        "sms",
        "view-source",
        "filesystem",
        "gopher",
        "dict",
        "ldap",
    }
)
# app stores' own hand-over schemes (iOS, Android stores: interop §1)
APP_STORE_SCHEMES = frozenset(
    {
        "itms-apps",
        "itms-appss",
        "itms-services",
        "itms",
        "market",
        "vivomarket",
        "appmarket",
        "samsungapps",
        "tmast",
        "coolmarket",
        "mimarket",
    }
)
# app stores' web pages, "host/path-prefix" (Apple, Google Play, Xiaomi: interop §1)
APP_STORE_PREFIXES: tuple[str, ...] = (
    "apps.apple.com/",
    "itunes.apple.com/",
    "play.google.com/store/apps",
    "app.mi.com/details",
)
# failures of this machine, not of the link: nothing is learnt about the link
NOT_THE_LINKS = frozenset({"remote.network_down", "remote.rate_limited"})
GUARD_CODES = frozenset({"remote.blocked_address", "remote.blocked_url"})
BLOCKING_STATUSES = frozenset({403, 429, 451})


@dataclass(frozen=True, slots=True)
class PageWall:
    """The page's own evidence of a wall (``hutong.preview.walls``): what kind, and what was seen."""

    kind: PageWallKind
    evidence: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class Landing:
    """Where a link's chain ended, as the network edge saw it."""

    url: str | None  # the last URL reached, or refused (an app hand-over: ``itms-apps://...``)
    status: int | None = None  # its HTTP status, if it answered
    error_code: str | None = None  # the failure that stopped the chain (``remote.*``), if any
    page: PageWall | None = None  # the page's evidence of a wall, if it was read


@dataclass(frozen=True, slots=True)
class Reach:
    """Where a link lands, why hutong says so (a stable code and a sentence in both languages), and the evidence.

    >>> Reach("login", "reach.login.listed", "asks you to log in first", "需要先登录").kind
    'login'
    """

    kind: ReachKind
    code: str
    detail: str
    detail_zh: str = ""
    evidence: tuple[tuple[str, str], ...] = ()

    @property
    def walled(self) -> bool:
        """A login or app wall stands between the user and the content."""
        return self.kind in ("login", "app")

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "code": self.code,
            "detail": self.detail,
            "detail_zh": self.detail_zh,
            "evidence": dict(self.evidence),
        }

    @classmethod
    def from_json(cls, data: Any) -> Reach | None:
        """Inverse of ``to_json``; None for anything that is not one (a cache entry of an older layout)."""
        if not isinstance(data, dict) or data.get("kind") not in REACH_KINDS:
            return None
        evidence = data.get("evidence")
        pairs = tuple((str(k), str(v)) for k, v in evidence.items()) if isinstance(evidence, dict) else ()
        return cls(
            data["kind"], str(data.get("code", "")), str(data.get("detail", "")), str(data.get("detail_zh", "")), pairs
        )


# code → (English, Chinese): what the user learns; the evidence follows the English sentence
SENTENCES: dict[str, tuple[str, str]] = {
    "reach.content": ("This link reaches its content", "此链接可以直接打开内容"),
    "reach.login.listed": (
        "This link asks you to log in first: it lands on a login page",
        "此链接需要先登录：打开后是登录页面",
    ),
    "reach.login.page": (
        "This link asks you to log in first: its page shows only a login form",
        "此链接需要先登录：页面只有登录表单",
    ),
    "reach.login.http": (
        "This link asks you to log in first: the site answers 401 (authentication required)",
        "此链接需要先登录：网站要求身份验证（HTTP 401）",
    ),
    "reach.app.scheme": (
        "This link only opens in its app: it hands over to an app",
        "此链接只能在其 App 中打开：它会跳转到 App",
    ),
    "reach.app.store": (
        "This link only opens in its app: it leads to an app store",
        "此链接只能在其 App 中打开：它会跳转到应用商店",
    ),
    "reach.app.listed": (
        "This link only opens in its app: it lands on an app-download page",
        "此链接只能在其 App 中打开：打开后是 App 下载页面",
    ),
    "reach.app.page": (
        "This link only opens in its app: its page only asks you to get or open the app",
        "此链接只能在其 App 中打开：页面只提示下载或打开 App",
    ),
    "reach.login.seen": ("This link asked for a login first when it was checked", "检查此链接时，它要求先登录"),
    "reach.app.seen": ("This link only opened in its app when it was checked", "检查此链接时，它只能在其 App 中打开"),
    "reach.error.http": ("This link leads to an error page", "此链接打开后是错误页面"),
    "reach.error.listed": (
        "This link leads to an error page (the content is gone or hidden)",
        "此链接打开后是错误页面（内容已不存在或不可见）",
    ),
    "reach.error.fetch": ("This link's site could not be reached", "无法访问此链接的网站"),
    "reach.blocked.site": ("The site refuses access to this link", "网站拒绝访问此链接"),
    "reach.blocked.guard": (
        "This link is not followed: it points at an address or scheme that is never fetched",
        "此链接不予访问：其地址或协议不在允许访问之列",
    ),
}


def reach_of(code: str, kind: ReachKind, evidence: Iterable[tuple[str, str]] = ()) -> Reach:
    """The ``Reach`` of ``code`` with its sentences and ``evidence``."""
    en, zh = SENTENCES[code]
    return Reach(kind, code, en, zh, tuple(evidence))


@dataclass(frozen=True, slots=True)
class WallRule:
    """One listed wall: a host (``*.domain`` allowed) or ``host/path-prefix``, from a platform file."""

    kind: WallKind
    host: str
    path_prefix: str | None
    platform: str

    @property
    def shown(self) -> str:
        return self.host + (self.path_prefix or "")


class WallIndex:
    """Every listed wall of every platform file, looked up by a landing URL's host (one probe per label)."""

    def __init__(self, rules: Iterable[WallRule]) -> None:
        self._exact: dict[str, list[WallRule]] = {}
        self._domain: dict[str, list[WallRule]] = {}
        for rule in rules:
            table, key = (self._domain, rule.host[2:]) if rule.host.startswith("*.") else (self._exact, rule.host)
            table.setdefault(key.lower(), []).append(rule)

    def match(self, host: str, path: str) -> WallRule | None:
        """The first listed wall for ``host`` and ``path``: exact hosts first, then the nearest domain."""
        host = host.lower()
        candidates = list(self._exact.get(host, ()))
        start = 0
        while True:
            candidates += self._domain.get(host[start:], ())
            dot = host.find(".", start)
            if dot < 0:
                break
            start = dot + 1
        for rule in candidates:
            if rule.path_prefix is None or path.startswith(rule.path_prefix):
                return rule
        return None


NO_WALLS = WallIndex(())


def split_entry(entry: str) -> tuple[str, str | None]:
    """``host/path-prefix`` → (host, "/path-prefix"); a bare host → (host, None)."""
    host, slash, rest = entry.partition("/")
    return host.lower(), ("/" + rest if slash else None)


_STORES = tuple(split_entry(e) for e in APP_STORE_PREFIXES)


def classify(landing: Landing, walls: WallIndex = NO_WALLS) -> Reach | None:
    """Where ``landing`` is, for a user: the first rule that applies, in the order of the module's list.

    >>> classify(Landing("itms-apps://itunes.apple.com/app/id1")).code
    'reach.app.store'
    >>> classify(Landing("https://news.example/a", 200)).kind
    'content'
    >>> classify(Landing("https://a.example/", error_code="remote.network_down")) is None
    True
    """
    if landing.error_code in NOT_THE_LINKS:
        return None
    by_url = _by_url(landing.url, walls) if landing.url else None
    if by_url is not None:
        return by_url
    if landing.error_code is not None:
        return _by_failure(landing)
    if landing.page is not None:
        code = "reach.login.page" if landing.page.kind == "login" else "reach.app.page"
        return reach_of(code, landing.page.kind, (("page", landing.page.evidence), *_url(landing)))
    if landing.status is not None and landing.status >= 400:  # a fetcher that hands an error page over
        return _by_status(landing)
    return reach_of("reach.content", "content", _url(landing))


def _url(landing: Landing) -> tuple[tuple[str, str], ...]:
    return (("url", landing.url[:300]),) if landing.url else ()


def _by_url(url: str, walls: WallIndex) -> Reach | None:
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    except ValueError:
        return None
    shown = (("url", url[:300]),)
    if scheme and scheme not in ("http", "https"):
        if scheme in APP_STORE_SCHEMES:
            return reach_of("reach.app.store", "app", (("scheme", scheme), *shown))
        if scheme not in WEB_SCHEMES:
            return reach_of("reach.app.scheme", "app", (("scheme", scheme), *shown))
        return None
    path = parts.path or "/"
    rule = walls.match(host, path)
    if rule is not None:
        evidence = (("listed", rule.shown), ("platform", rule.platform), *shown)
        if rule.kind == "login":
            return reach_of("reach.login.listed", "login", evidence)
        if rule.kind == "app":
            return reach_of("reach.app.listed", "app", evidence)
        return reach_of("reach.error.listed", "error", evidence)
    for store_host, prefix in _STORES:
        if host == store_host and (prefix is None or path.startswith(prefix)):
            return reach_of("reach.app.store", "app", (("store", store_host), *shown))
    return None


def _by_failure(landing: Landing) -> Reach:
    code = landing.error_code or ""
    if code in GUARD_CODES:
        return reach_of("reach.blocked.guard", "blocked", (("failure", code), *_url(landing)))
    if code == "remote.http_status":
        if landing.status is None:
            return reach_of("reach.error.http", "error", _url(landing))
        return _by_status(landing)
    return reach_of("reach.error.fetch", "error", (("failure", code), *_url(landing)))


def _by_status(landing: Landing) -> Reach:
    status = landing.status or 0
    evidence = (("status", str(status)), *_url(landing))
    if status == 401:
        return reach_of("reach.login.http", "login", evidence)
    if status in BLOCKING_STATUSES:
        return reach_of("reach.blocked.site", "blocked", evidence)
    return reach_of("reach.error.http", "error", evidence)
