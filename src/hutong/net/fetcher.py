"""``GuardedFetcher``: the one door through which hutong talks to the internet.

Every request, every redirect hop, every oEmbed endpoint and every image goes through
``fetch``: URL checks (``target``), one DNS resolution with every answer vetted (``dns``,
``addresses``), a connection pinned to the vetted address (``transport``), a content-type
gate before the body, a bounded and bomb-proof body (``body``), charset decoding
(``charset``), one total deadline per URL and a per-destination rate limit. Threat model and
limits: docs/fetching.md.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import ssl
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Self

import httpx

from ..cache import Cache
from ..config import CacheSection, NetworkSection
from ..core.model import Hop
from ..errors import (
    BadContent,
    BadStatus,
    FetchTimeout,
    HutongError,
    NameNotFound,
    NetworkDown,
    NetworkFailure,
    RemoteError,
    TLSFailure,
    TooLarge,
    TooManyRedirects,
)
from . import charset
from .addresses import AddressPolicy, parse_networks
from .body import BodyReader
from .dns import Resolve, system_resolve, vetted_address
from .memcache import MemoryCache
from .overrides import parse_connect_to, rule_for
from .probe import NO_SUCH_NAME, NetworkProbe, no_route
from .target import Target, join, parse_target
from .transport import Pin, build_transport, pin, unpin, warn_overrides
from .types import FetchResult, Purpose, Validators

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DRAIN_BYTES = 16_384  # an unread body up to this is read to keep its connection; a longer one closes it
_ACCEPT: dict[Purpose, str] = {
    "page": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "image": "image/avif,image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8",
    "oembed": "application/json,text/xml;q=0.9,application/xml;q=0.9",
    "feed": "text/plain,text/csv,application/json;q=0.9,*/*;q=0.1",
}
# threat feeds are plain text, CSV or JSON, served under many labels; never HTML (a login or error page)
_FEED_TYPES = ("application/json", "application/csv", "application/octet-stream", "application/x-csv")


class ContentTypeRefused(BadContent):
    """The response's content type is not read for this purpose (the URL itself was reachable).

    ``url`` is the final URL (after redirects) and ``media_type`` the refused type, so a caller can
    still say what the link is (a picture, a video) without reading its body.
    """

    def __init__(self, message: str, *, url: str = "", media_type: str = "") -> None:
        super().__init__(message)
        self.url = url
        self.media_type = media_type


def content_allowed(purpose: Purpose, media_type: str) -> bool:
    """Whether a response of ``media_type`` may be read for ``purpose`` (decided before the body)."""
    if purpose == "page":
        return media_type in ("text/html", "application/xhtml+xml")
    if purpose == "image":
        # SVG is script-capable XML, not a picture to re-encode.
        return media_type.startswith("image/") and media_type != "image/svg+xml"
    if purpose == "feed":
        return (media_type.startswith("text/") and media_type != "text/html") or media_type in _FEED_TYPES
    return media_type.endswith(("/json", "+json", "/xml", "+xml")) or media_type == "text/javascript"


def media_type(content_type: str | None) -> str:
    """``text/html; charset=gbk`` → ``text/html``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


class GuardedFetcher:
    """Fetch URLs safely; raises only ``hutong.errors.RemoteError`` subclasses (see docs/fetching.md)."""

    def __init__(
        self,
        settings: NetworkSection,
        cache_settings: CacheSection | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolve | None = None,
        cache: Cache | None = None,
    ) -> None:
        self.settings = settings
        deny = parse_networks(settings.deny_networks, setting="network.deny_networks")
        self._policy = AddressPolicy(deny=deny)
        # network.allow_networks is a test override: it applies only where connect_to redirects
        allow = parse_networks(settings.allow_networks, setting="network.allow_networks")
        self._override_policy = AddressPolicy(allow=allow, deny=deny)
        self._connect_to = parse_connect_to(settings.connect_to)
        warn_overrides(settings)
        self._resolve = resolver or system_resolve
        self._probe = NetworkProbe(self._resolve, settings.probe_host, timeout=settings.connect_timeout)
        cache_settings = cache_settings or CacheSection()
        self._own_cache = cache is None
        self._cache: Cache = cache if cache is not None else MemoryCache(cache_settings.max_entries)
        self._client = httpx.AsyncClient(
            transport=transport if transport is not None else build_transport(settings),
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(settings.total_timeout, connect=settings.connect_timeout),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close pooled connections (and the private cache, if this fetcher made one)."""
        await self._client.aclose()
        if self._own_cache:
            await self._cache.aclose()

    async def fetch(
        self, url: str, *, purpose: Purpose = "page", validators: Validators | None = None
    ) -> FetchResult:
        """Fetch ``url`` following (and re-checking) redirects, within one total deadline.

        With ``validators`` (of a copy the caller holds) the request is conditional: a ``304 Not
        Modified`` comes back as a result with ``not_modified`` set and no body, instead of an error.
        """
        conditional = validators.request_headers() if validators else {}
        work = self._follow(url, purpose, conditional)
        return await self._within_deadline(url, work, self._deadline(purpose))

    async def fetch_hop(self, url: str, *, purpose: Purpose = "page") -> FetchResult:
        """Fetch ``url`` without following redirects: a 3xx comes back with its ``Location`` header."""
        return await self._within_deadline(url, self._one(url, purpose), self._deadline(purpose))

    def _deadline(self, purpose: Purpose) -> float:
        return self.settings.feed_timeout if purpose == "feed" else self.settings.total_timeout

    async def _within_deadline(
        self, url: str, work: Coroutine[Any, Any, FetchResult], total: float
    ) -> FetchResult:
        try:
            async with asyncio.timeout(total):
                return await work
        except TimeoutError as exc:
            raise FetchTimeout(
                f"{url[:200]} did not finish within {total:g} s (network.total_timeout); the site is slow "
                "or drips its answer"
            ) from exc

    async def _follow(self, url: str, purpose: Purpose, conditional: dict[str, str]) -> FetchResult:
        hops: list[Hop] = []
        seen: set[str] = set()
        current = url
        for _ in range(self.settings.max_redirects + 1):
            result = await self._one(current, purpose, seen=seen, conditional=conditional)
            if result.status not in REDIRECT_STATUSES:
                return _with_hops(result, (*hops, Hop(result.url, result.status, "final")))
            hops.append(Hop(result.url, result.status, "redirect"))
            current = join(result.url, result.header("location") or "")
        raise TooManyRedirects(
            f"{url[:200]} redirected more than {self.settings.max_redirects} times (network.max_redirects)"
        )

    async def _one(
        self,
        url: str,
        purpose: Purpose,
        *,
        seen: set[str] | None = None,
        conditional: dict[str, str] | None = None,
    ) -> FetchResult:
        target = parse_target(url, self.settings)
        if seen is not None:
            if target.href in seen:
                raise TooManyRedirects(f"redirect loop: {target.href[:200]} was already visited")
            seen.add(target.href)
        await self._check_rate(target)
        pinned = await self._pin(target)
        token = pin(pinned)
        try:
            return await self._request(target, purpose, conditional or {})
        except HutongError:
            raise
        except httpx.TimeoutException as exc:
            raise FetchTimeout(f"{target.host} did not answer in time ({type(exc).__name__})") from exc
        except httpx.RemoteProtocolError as exc:
            if "too long" in str(exc).lower() or "too large" in str(exc).lower():
                raise TooLarge(f"{target.host} sent oversized response headers; refused") from exc
            raise NetworkFailure(f"{target.host} broke the HTTP protocol ({exc})") from exc
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            if _tls_failure(exc):
                raise TLSFailure(f"no secure connection to {target.host}: {exc or type(exc).__name__}") from exc
            if (cause := no_route(exc)) is not None:
                raise NetworkDown(
                    f"the network is unreachable from this machine (no route to {target.host}: {cause.strerror}); "
                    "check this machine's connection"
                ) from exc
            raise NetworkFailure(f"could not talk to {target.host}: {exc or type(exc).__name__}") from exc
        finally:
            unpin(token)

    async def _check_rate(self, target: Target) -> None:
        limit = self.settings.rate_limit_per_minute
        if limit > 0 and not await self._cache.hit_rate(f"hutong:rate:{target.host}", limit, 60.0):
            raise RemoteError(
                f"more than {limit} requests to {target.host} in a minute (network.rate_limit_per_minute); "
                "try again later",
                code="remote.rate_limited",
            )

    async def _pin(self, target: Target) -> Pin:
        rule = rule_for(self._connect_to, target.host, target.port)
        if rule is None:
            host, port, policy = target.host, target.port, self._policy
        else:
            (host, port), policy = rule.destination(target.host, target.port), self._override_policy
        try:
            address = await vetted_address(host, port, self._resolve, policy, shown=target.host)
        except NetworkFailure as exc:
            # the resolver failed on this name (rather than answering nothing usable): the name, or the machine?
            cause = exc.__cause__
            if not isinstance(cause, OSError) or not self._probe.host:
                raise
            if await self._probe.down():
                raise NetworkDown(
                    f"the network is unreachable from this machine: no name resolves, neither {host!r} nor "
                    f"{self._probe.host!r} ({cause}); check this machine's connection and DNS"
                ) from exc
            if cause.errno in NO_SUCH_NAME:
                raise NameNotFound(
                    f"the name {host!r} does not exist ({cause}); check the link for a typo"
                ) from exc
            raise
        return Pin(target.host, target.port, address, port, test_override=rule is not None)

    async def _request(self, target: Target, purpose: Purpose, conditional: dict[str, str]) -> FetchResult:
        # The URL is handed over in parts: httpx re-parsing the string could read it differently.
        url = httpx.URL(scheme=target.scheme, host=target.host, port=target.port, raw_path=target.path.encode())
        request = self._client.build_request(
            "GET",
            url,
            headers={
                "User-Agent": self.settings.user_agent,
                "Accept": _ACCEPT[purpose],
                "Accept-Language": self.settings.accept_language,
                "Accept-Encoding": "gzip, deflate, br",
                **conditional,
            },
        )
        response = await self._client.send(request, stream=True)
        try:
            result = await self._read(target, purpose, response, conditional=bool(conditional))
            await _release(response)
            return result
        finally:
            await response.aclose()

    async def _read(
        self, target: Target, purpose: Purpose, response: httpx.Response, *, conditional: bool = False
    ) -> FetchResult:
        raw_headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw)
        header_bytes = sum(len(k) + len(v) + 4 for k, v in raw_headers)
        if header_bytes > self.settings.max_header_bytes:
            raise TooLarge(
                f"{target.host} sent {header_bytes} bytes of headers, over network.max_header_bytes "
                f"({self.settings.max_header_bytes})"
            )
        status = response.status_code
        content_type = response.headers.get("content-type")
        mtype = media_type(content_type)
        base = FetchResult(url=target.href, status=status, content_type=mtype, body=b"", headers=raw_headers)
        if status in REDIRECT_STATUSES:
            if not response.headers.get("location"):
                raise BadContent(f"{target.host} answered {status} without a Location to go to")
            return base
        if status == 304 and conditional:  # the caller's copy is current: nothing to read
            return dataclasses.replace(base, hops=(Hop(target.href, status, "final"),))
        if not 200 <= status < 300:
            raise BadStatus(f"{target.href[:200]} answered HTTP {status}", url=target.href, status=status)
        if not content_allowed(purpose, mtype):
            raise ContentTypeRefused(
                f"{target.href[:200]} is {mtype or 'of no stated type'}, which is not read for a {purpose}",
                url=target.href,
                media_type=mtype,
            )
        # An injected transport may hand back an already-read (and already-decoded) body.
        preread = response.is_stream_consumed
        reader = BodyReader(
            content_encoding="" if preread else response.headers.get("content-encoding", ""),
            cap=self._cap(purpose),
            max_ratio=self.settings.max_decompression_ratio,
            truncate=purpose == "page",
        )
        if preread:
            reader.feed(response.content)
        else:
            async for chunk in response.aiter_raw():
                reader.feed(chunk)
                if reader.done:
                    break
        body = reader.body()
        text: str | None = None
        encoding: str | None = None
        if purpose not in ("image", "feed"):  # feeds are decoded by their importer, line by line
            text, encoding = charset.decode(body, content_type)
        return FetchResult(
            url=target.href,
            status=status,
            content_type=mtype,
            body=body,
            headers=raw_headers,
            truncated=reader.truncated,
            hops=(Hop(target.href, status, "final"),),
            text=text,
            encoding=encoding,
        )

    def _cap(self, purpose: Purpose) -> int:
        if purpose == "page":
            return self.settings.max_html_bytes
        if purpose == "image":
            return self.settings.max_image_bytes
        if purpose == "feed":
            return self.settings.max_feed_bytes
        return self.settings.max_other_bytes


def _tls_failure(exc: BaseException) -> bool:
    """Whether ``exc`` (httpx wraps httpcore, which wraps ``ssl``) was caused by a TLS error."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, ssl.SSLError):
            return True
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return False


async def _release(response: httpx.Response) -> None:
    """Read what is left of a small body nobody reads (a redirect's, a 304's), so that its connection can
    serve the next request; closing a response with unread bytes closes its connection instead."""
    if response.is_stream_consumed or response.is_closed:
        return
    length = response.headers.get("content-length", "")
    if not length.isdigit() or int(length) > _DRAIN_BYTES:
        return
    async for _chunk in response.aiter_raw():
        pass


def _with_hops(result: FetchResult, hops: tuple[Hop, ...]) -> FetchResult:
    return dataclasses.replace(result, hops=hops)
