"""Short-link resolution: follow 3xx chains and body redirects to where a link really goes.

Every hop goes through the guarded fetcher (so every hop is re-checked), the chain is
bounded, and a failure never raises: the result names the last URL that was reached safely
and explains what stopped the chain. Results are cached, failures for a shorter time.

A caller may pass a hop cleaner: each URL the chain learns (a ``Location``, a body redirect) is
requested as the cleaner returns it, so a platform page is fetched without the sharer's tracking
parameters (``un=``, ``ut_sk=``...); the cleaner leaves short-link hops alone, whose query may be
what expands them. The destination's own answer is kept on the result (``final``, never cached),
so a preview can be built from it instead of fetching the destination a second time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..cache import Cache
from ..core.model import Hop
from ..errors import BadStatus, BlockedScheme, HutongError, NetworkDown, RemoteError
from ..offload import Offloader
from ..offload import shared as shared_offloader
from .bodyredirect import find_body_redirect
from .fetcher import REDIRECT_STATUSES, ContentTypeRefused
from .probe import PROBE_TTL
from .target import join
from .types import FetchResult, Purpose

CACHE_PREFIX = "hutong:resolve:"

# a URL the chain learnt → (the URL to request, the parameter names removed from it)
HopCleaner = Callable[[str], tuple[str, tuple[str, ...]]]
# the destination's answer: its page, or the refusal of something that is not a page (a picture, a PDF)
Final = FetchResult | ContentTypeRefused


class HopFetcher(Protocol):
    """What the resolver needs: one hop at a time (``GuardedFetcher`` provides it)."""

    async def fetch_hop(self, url: str, *, purpose: Purpose = "page") -> FetchResult: ...


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a link leads: the final (or last safely reached) URL, every hop, and any failure.

    ``removed`` names the parameters the hop cleaner took off the URLs requested; ``final`` is the
    destination's answer when this call fetched it (None from the cache or after a failure);
    ``stopped_at`` is where a failed chain ended without going on: an error page (with its status)
    or a hand-over to a scheme that is not fetched (``itms-apps://``), so its reach can be told.
    """

    url: str
    hops: tuple[Hop, ...]
    error: str | None = None
    error_code: str | None = None
    removed: tuple[str, ...] = ()
    final: Final | None = field(default=None, compare=False, repr=False)
    stopped_at: Hop | None = None

    @property
    def ok(self) -> bool:
        """True when the chain ended at a destination."""
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (also the cache format)."""
        out: dict[str, Any] = {
            "url": self.url,
            "hops": [h.to_json() for h in self.hops],
            "error": self.error,
            "error_code": self.error_code,
            "removed": list(self.removed),
        }
        if self.stopped_at is not None:
            out["stopped_at"] = self.stopped_at.to_json()
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Resolution:
        """Inverse of ``to_json`` (without ``final``, which is never cached)."""
        hops = tuple(Hop(h["url"], h["status"], h["via"]) for h in data["hops"])
        removed = tuple(str(n) for n in data.get("removed") or ())
        stop = data.get("stopped_at")
        stopped = Hop(stop["url"], stop["status"], stop["via"]) if isinstance(stop, dict) else None
        return cls(data["url"], hops, data.get("error"), data.get("error_code"), removed, stopped_at=stopped)


class Resolver:
    """Resolve links through ``fetcher``; ``max_hops`` bounds 3xx and body redirects together."""

    def __init__(
        self,
        fetcher: HopFetcher,
        cache: Cache | None,
        *,
        max_hops: int,
        positive_ttl: float = 3600.0,
        negative_ttl: float = 300.0,
        deadline: float = 15.0,
        offload: Offloader | None = None,
    ) -> None:
        self._offload = offload or shared_offloader()  # body scans run off the event loop
        self._fetcher = fetcher
        self._cache = cache
        self._max_hops = max_hops
        self._positive_ttl = positive_ttl
        self._negative_ttl = negative_ttl
        self._deadline = deadline

    async def resolve(self, url: str, *, clean: HopCleaner | None = None) -> Resolution:
        """Follow ``url`` to its destination, requesting each learnt hop as ``clean`` returns it;
        never raises for remote trouble."""
        if self._cache is None:
            return await self._resolve(url, clean)
        fresh: list[Resolution] = []

        async def produce() -> tuple[bytes, float]:
            res = await self._resolve(url, clean)
            fresh.append(res)
            ttl = self._positive_ttl if res.ok else self._negative_ttl
            if res.error_code == NetworkDown.code:  # the machine's outage, not the link's: kept briefly
                ttl = min(ttl, PROBE_TTL)
            return json.dumps(res.to_json(), ensure_ascii=False).encode(), ttl

        raw = await self._cache.single_flight(CACHE_PREFIX + url, produce)
        # the call that walked the chain keeps the destination's answer; the others read the cache
        return fresh[0] if fresh else Resolution.from_json(json.loads(raw))

    async def _resolve(self, url: str, clean: HopCleaner | None) -> Resolution:
        hops: list[Hop] = []
        state = _Walk(url, clean)
        try:
            async with asyncio.timeout(self._deadline):
                return await self._walk(state, hops)
        except TimeoutError:
            return Resolution(
                state.last_safe, tuple(hops),
                f"resolution took longer than {self._deadline:g} s; stopped at {state.last_safe[:200]}",
                "remote.timeout", state.removed_names(),
            )

    async def _walk(self, state: _Walk, hops: list[Hop]) -> Resolution:
        current = state.url
        seen: set[str] = set()
        while True:
            if current in seen:
                return _fail(state, hops, f"redirect loop: {current[:200]} was already visited",
                             "remote.too_many_redirects")
            if len(hops) >= self._max_hops:
                return _fail(state, hops, f"more than {self._max_hops} hops; stopped following",
                             "remote.too_many_redirects")
            seen.add(current)
            try:
                result = await self._fetcher.fetch_hop(current)
            except (BadStatus, BlockedScheme) as exc:
                # where the chain ended, an error page or a hand-over to an app: kept beside the hops, so that
                # what the link reaches can be told (hutong.core.reach); the chain still failed
                stopped = Hop(exc.url, exc.status if isinstance(exc, BadStatus) else None, "final")
                return dataclasses.replace(_fail(state, hops, exc.message, exc.code), stopped_at=stopped)
            except ContentTypeRefused as exc:
                # The destination is not a page (an image, a PDF...): it is still the destination.
                hops.append(Hop(current, None, "final"))
                return Resolution(current, tuple(hops), removed=state.removed_names(), final=exc)
            except RemoteError as exc:
                return _fail(state, hops, exc.message, exc.code)
            except HutongError as exc:  # e.g. a bad connect_to entry: still an explained outcome
                return _fail(state, hops, exc.message, exc.code)
            state.last_safe = result.url
            if result.status in REDIRECT_STATUSES:
                hops.append(Hop(result.url, result.status, "redirect"))
                try:
                    current = state.next_hop(join(result.url, result.header("location") or ""))
                except RemoteError as exc:
                    return _fail(state, hops, exc.message, exc.code)
                continue
            try:
                found = await self._offload.run(find_body_redirect, result.text, result.url) if result.text else None
            except RemoteError as exc:  # the scan took too long (a hostile page) or its worker died
                return _fail(state, hops, f"{result.url[:200]}: {exc.message}", exc.code)
            if found is not None:
                hops.append(Hop(result.url, result.status, found.via))
                current = state.next_hop(found.url)
                continue
            hops.append(Hop(result.url, result.status, "final"))
            return Resolution(result.url, tuple(hops), removed=state.removed_names(), final=result)


@dataclass
class _Walk:
    url: str
    clean: HopCleaner | None = None
    last_safe: str = ""
    removed: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.last_safe = self.url

    def next_hop(self, url: str) -> str:
        """The URL to request for a learnt hop ``url``: cleaned, when a cleaner was given."""
        if self.clean is None:
            return url
        cleaned, removed = self.clean(url)
        self.removed.extend(n for n in removed if n not in self.removed)
        return cleaned

    def removed_names(self) -> tuple[str, ...]:
        return tuple(self.removed)


def _fail(state: _Walk, hops: list[Hop], error: str, code: str) -> Resolution:
    return Resolution(state.last_safe, tuple(hops), error, code, state.removed_names())
