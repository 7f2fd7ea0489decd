"""``Previewer``: fetch a page through the guarded fetcher, add discovered oEmbed, build and cache its card.

Failures never raise: a card is built from what is known (share title, URL, site), and its
``error`` says why the page could not be used (the fetch failure's ``remote.*`` code and a
sentence in English and Chinese); a card carved from a page cut at the size cap is marked
``truncated``. A page the short-link resolver already fetched is handed over (``prefetched``)
rather than fetched a second time. A link
straight to a picture, video or sound file (refused as a page by the fetcher, before its body)
gets a media card: the picture as the card's image, the file named. Cards are cached under the
normalised URL, successes for ``cache.positive_ttl`` (or oEmbed's shorter ``cache_age``),
failures for ``cache.negative_ttl``. Images leave as signed hutong paths, never as origin URLs.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..cache import Cache
from ..config import CacheSection, PreviewSection
from ..core.model import Card, CardError, CardVideo
from ..core.platforms import bundled, wall_index
from ..core.reach import Landing, Reach, WallIndex, classify
from ..errors import BadStatus, BlockedScheme, HutongError, RemoteError
from ..net.fetcher import ContentTypeRefused
from ..net.types import Fetcher, FetchResult
from ..offload import Offloader
from ..offload import shared as shared_offloader
from . import oembed as oembed_mod
from .card import build_card, fallback_card
from .decode import page_text
from .explain import explain, explain_error
from .images import ImageSigner
from .media import family, media_card, refused_target
from .walls import read_page

log = logging.getLogger(__name__)
CARD_FIELDS = frozenset(f.name for f in dataclasses.fields(Card))
# what the resolver learnt at the destination: its page, or the refusal of a non-page (a picture, a PDF)
Prefetched = FetchResult | ContentTypeRefused


def cache_key(url: str) -> str:
    """The card cache key: scheme and host lower-cased, default port and fragment dropped."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return "card:" + url
    scheme = parts.scheme.lower()
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    return "card:" + urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


@dataclass(frozen=True)
class _Page:
    """What fetching a URL taught: the page's own card, or the media type of a file, or why neither."""

    card: Card | None = None
    media: str | None = None  # "image/jpeg": the URL is a media file, its card is built per share
    final: str | None = None  # the media file's URL after redirects
    error: CardError | None = None  # why there is neither
    reach: Reach | None = None  # where the fetch landed (the card's own, when there is a card)


def _encode(page: _Page) -> bytes:
    card = page.card.to_json() if page.card else None
    ok = page.card is not None or page.media is not None
    error = page.error.to_json() if page.error else None
    reach = page.reach.to_json() if page.reach else None
    fields = {"ok": ok, "card": card, "media": page.media, "final": page.final, "error": error, "reach": reach}
    return json.dumps(fields, ensure_ascii=False).encode()


def _card_error(data: Any) -> CardError | None:
    try:
        return CardError.from_json(data) if isinstance(data, dict) else None
    except (KeyError, TypeError):
        return None


def _decode(raw: bytes) -> _Page:
    try:
        data: Any = json.loads(raw)
    except ValueError:
        return _Page()
    if not isinstance(data, dict):
        return _Page()
    media, final, fields = data.get("media"), data.get("final"), data.get("card")
    try:
        if isinstance(fields, dict):
            values = {k: v for k, v in fields.items() if k in CARD_FIELDS}
            values["error"] = _card_error(values.get("error"))
            video = values.get("video")
            values["video"] = CardVideo.from_json(video) if isinstance(video, dict) else None
            values["truncated"] = values.get("truncated") is True
            values["reach"] = Reach.from_json(values.get("reach"))
            card = Card(**values)
        else:
            card = None
    except TypeError:
        card = None
    return _Page(
        card,
        media if isinstance(media, str) else None,
        final if isinstance(final, str) else None,
        _card_error(data.get("error")),
        Reach.from_json(data.get("reach")),
    )


def _failed_at(url: str, exc: HutongError) -> Landing:
    """Where a failed fetch ended: the error page or the app hand-over it names, else the URL asked for."""
    if isinstance(exc, BadStatus):
        return Landing(exc.url or url, exc.status, exc.code)
    if isinstance(exc, BlockedScheme):
        return Landing(exc.url or url, None, exc.code)
    return Landing(url, None, exc.code)


class Previewer:
    """Builds one card per URL, the same way for every site."""

    def __init__(
        self,
        fetcher: Fetcher,
        cache: Cache | None,
        settings: PreviewSection,
        signer: ImageSigner | None = None,
        *,
        ttls: CacheSection | None = None,
        offload: Offloader | None = None,
        walls: WallIndex | None = None,
    ) -> None:
        self._offload = offload or shared_offloader()  # card extraction runs off the event loop
        self._walls = walls if walls is not None else wall_index(bundled())
        self._fetcher = fetcher
        self._cache = cache
        self._settings = settings
        self._signer = signer
        self._ttls = ttls or CacheSection()

    async def card_for(
        self,
        url: str,
        *,
        share_title: str | None = None,
        kind_hint: str | None = None,
        prefetched: Prefetched | None = None,
    ) -> Card:
        """The card for ``url``; never raises for remote trouble (the card then has only what is known, and
        ``error`` says why). ``prefetched`` is ``url``'s own answer, already fetched by the resolver."""
        fallback = fallback_card(url, share_title=share_title, kind_hint=kind_hint, settings=self._settings)
        if not self._settings.enabled:
            return fallback
        page = await self._page_card(url, prefetched)
        if page.media is not None:
            media = media_card(
                page.final or url,
                page.media,
                share_title=share_title,
                site_name=fallback.site_name,
                settings=self._settings,
            )
            if media is not None:
                return self._signed(dataclasses.replace(media, reach=page.reach))
        if page.card is None:
            return dataclasses.replace(fallback, error=page.error, reach=page.reach)
        return self._finish(page.card, fallback=fallback)

    def _finish(self, card: Card, *, fallback: Card) -> Card:
        """Apply the caller's hints where the page said nothing, and sign image URLs."""
        changes: dict[str, Any] = {}
        if not card.title and fallback.title:
            changes["title"] = fallback.title
        if card.kind == "generic" and fallback.kind != "generic":
            changes["kind"] = fallback.kind
        card = dataclasses.replace(card, **changes) if changes else card
        return self._signed(card)

    def _signed(self, card: Card) -> Card:
        """``card`` with its image and favicon as signed hutong paths (dropped without a signer)."""
        changes: dict[str, Any] = {}
        for name in ("image", "favicon"):
            origin = getattr(card, name)
            if origin is not None:
                changes[name] = self._signer.path(origin) if self._signer is not None else None
        return dataclasses.replace(card, **changes) if changes else card

    async def _page_card(self, url: str, prefetched: Prefetched | None) -> _Page:
        if self._cache is None:
            page, _ttl = await self._build(url, prefetched)
            return page

        async def produce() -> tuple[bytes, float]:
            page, ttl = await self._build(url, prefetched)
            return _encode(page), ttl

        try:
            raw = await self._cache.single_flight(cache_key(url), produce)
        except HutongError as exc:  # a broken shared cache must not break previews
            log.warning("card cache failed for %s: %s", url, exc)
            page, _ttl = await self._build(url, prefetched)
            return page
        return _decode(raw)

    async def _fetch(self, url: str, prefetched: Prefetched | None) -> FetchResult:
        if isinstance(prefetched, ContentTypeRefused):
            raise prefetched
        if prefetched is not None:
            return prefetched
        return await self._fetcher.fetch(url, purpose="page")

    async def _build(self, url: str, prefetched: Prefetched | None = None) -> tuple[_Page, float]:
        """(what the URL is, ttl): the page's own card, a media file's type, or why not (negative TTL)."""
        try:
            page = await self._fetch(url, prefetched)
        except ContentTypeRefused as exc:
            # refused on its headers, body unread: a picture/video/sound file still gets a card
            final, media = (exc.url, exc.media_type) if exc.url else refused_target(exc.message, url)
            reached = self._reach(Landing(final or url))  # a file, not a page: still the link's content
            if family(media) is not None:
                return _Page(media=media, final=final, reach=reached), self._ttls.positive_ttl
            log.info("preview of %s: %s (%s)", url, exc.message, exc.code)
            return _Page(error=explain_error(exc), reach=reached), self._ttls.negative_ttl
        except HutongError as exc:  # RemoteError by contract; an InputError for a malformed URL is as final
            log.info("preview of %s failed: %s (%s)", url, exc.message, exc.code)
            return _Page(error=explain_error(exc), reach=self._reach(_failed_at(url, exc))), self._ttls.negative_ttl
        if page.status >= 400:
            error = explain("remote.http_status", f"{page.url[:200]} answered HTTP {page.status}")
            reached = self._reach(Landing(page.url, page.status))
            return _Page(error=error, reach=reached), self._ttls.negative_ttl
        if family(page.content_type) is not None:  # a fetcher that hands media over for a page
            reached = self._reach(Landing(page.url, page.status))
            return _Page(media=page.content_type, final=page.url, reach=reached), self._ttls.positive_ttl
        text = page_text(page)
        if text is None:
            kind = page.content_type or "of no stated type"
            error = explain("remote.bad_content", f"{page.url[:200]} is {kind}, not a web page")
            return _Page(error=error), self._ttls.negative_ttl
        try:
            meta, wall = await self._offload.run(read_page, text, page.url)
        except RemoteError as exc:  # the page took too long to read (a hostile page) or its worker died
            log.info("preview of %s: %s (%s)", url, exc.message, exc.code)
            return _Page(error=explain(exc.code, exc.message)), self._ttls.negative_ttl
        embed = await self._oembed(meta.oembed, page) if meta.oembed and self._settings.oembed else None
        # a handed-over page was fetched at the chain's end, perhaps with tracking a later cleaning removed
        # (utm_* off-platform): the card names the cleaned URL it stands for
        card_url = url if prefetched is not None else page.url
        card = build_card(meta, url=card_url, oembed=embed, settings=self._settings)
        if page.truncated:  # carved from the first network.max_html_bytes of the page: say so
            card = dataclasses.replace(card, truncated=True)
        card = dataclasses.replace(card, reach=self._reach(Landing(page.url, page.status, page=wall)))
        ttl = self._ttls.positive_ttl
        if embed is not None and embed.cache_age is not None:
            ttl = max(min(ttl, float(embed.cache_age)), self._ttls.negative_ttl)
        return _Page(card), ttl

    def _reach(self, landing: Landing) -> Reach | None:
        return classify(landing, self._walls)

    async def _oembed(self, links: tuple[oembed_mod.OEmbedLink, ...], page: FetchResult) -> oembed_mod.OEmbed | None:
        """The first discovered oEmbed response that parses; the page's own metadata wins over it."""
        link = next((lk for lk in links if lk.format == "json"), links[0])
        try:
            result = await self._fetcher.fetch(link.url, purpose="oembed")
        except HutongError as exc:
            log.info("oEmbed %s for %s failed: %s", link.url, page.url, exc.code)
            return None
        if result.status >= 400:
            return None
        try:
            return oembed_mod.parse(page_text(result) or "", link.format)
        except HutongError:
            return None
