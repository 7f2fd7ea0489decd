"""``Previewer``: fetch a page through the guarded fetcher, add discovered oEmbed, build and cache its card.

Failures never raise: a card is built from what is known (share title, URL, site). Cards are
cached under the normalised URL, successes for ``cache.positive_ttl`` (or oEmbed's shorter
``cache_age``), failures for ``cache.negative_ttl``. Images leave as signed hutong paths, never
as origin URLs.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..cache import Cache
from ..config import CacheSection, PreviewSection
from ..errors import HutongError
from ..model import Card
from ..net.types import Fetcher, FetchResult
from . import oembed as oembed_mod
from .card import build_card, fallback_card
from .decode import page_text
from .extract import extract
from .images import ImageSigner

log = logging.getLogger(__name__)
CARD_FIELDS = frozenset(f.name for f in dataclasses.fields(Card))


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


def _encode(card: Card | None, ok: bool) -> bytes:
    return json.dumps({"ok": ok, "card": card.to_json() if card else None}, ensure_ascii=False).encode()


def _decode(raw: bytes) -> Card | None:
    try:
        data: dict[str, Any] = json.loads(raw)
        fields = data.get("card")
        if not isinstance(fields, dict):
            return None
        return Card(**{k: v for k, v in fields.items() if k in CARD_FIELDS})
    except (ValueError, TypeError):
        return None


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
    ) -> None:
        self._fetcher = fetcher
        self._cache = cache
        self._settings = settings
        self._signer = signer
        self._ttls = ttls or CacheSection()

    async def card_for(self, url: str, *, share_title: str | None = None, kind_hint: str | None = None) -> Card:
        """The card for ``url``; never raises for remote trouble (the card then has only what is known)."""
        fallback = fallback_card(url, share_title=share_title, kind_hint=kind_hint, settings=self._settings)
        if not self._settings.enabled:
            return fallback
        card = await self._page_card(url)
        if card is None:
            return fallback
        return self._finish(card, share_title=share_title, fallback=fallback)

    def _finish(self, card: Card, *, share_title: str | None, fallback: Card) -> Card:
        """Apply the caller's hints where the page said nothing, and sign image URLs."""
        changes: dict[str, Any] = {}
        if not card.title and fallback.title:
            changes["title"] = fallback.title
        if card.kind == "generic" and fallback.kind != "generic":
            changes["kind"] = fallback.kind
        for name in ("image", "favicon"):
            origin = getattr(card, name)
            if origin is not None:
                changes[name] = self._signer.path(origin) if self._signer is not None else None
        return dataclasses.replace(card, **changes) if changes else card

    async def _page_card(self, url: str) -> Card | None:
        if self._cache is None:
            card, _ttl = await self._build(url)
            return card

        async def produce() -> tuple[bytes, float]:
            card, ttl = await self._build(url)
            return _encode(card, card is not None), ttl

        try:
            raw = await self._cache.single_flight(cache_key(url), produce)
        except HutongError as exc:  # a broken shared cache must not break previews
            log.warning("card cache failed for %s: %s", url, exc)
            card, _ttl = await self._build(url)
            return card
        return _decode(raw)

    async def _build(self, url: str) -> tuple[Card | None, float]:
        """(card, ttl): the page's own card, or None with the negative TTL."""
        try:
            page = await self._fetcher.fetch(url, purpose="page")
        except HutongError as exc:  # RemoteError by contract; an InputError for a malformed URL is as final
            log.info("preview of %s failed: %s (%s)", url, exc.message, exc.code)
            return None, self._ttls.negative_ttl
        if page.status >= 400:
            return None, self._ttls.negative_ttl
        if page.content_type.startswith("image/") and "svg" not in page.content_type:
            return Card(kind="generic", url=page.url, image=page.url), self._ttls.positive_ttl
        text = page_text(page)
        if text is None:
            return None, self._ttls.negative_ttl
        meta = extract(text, page.url)
        embed = await self._oembed(meta.oembed, page) if meta.oembed and self._settings.oembed else None
        card = build_card(meta, url=page.url, oembed=embed, settings=self._settings)
        ttl = self._ttls.positive_ttl
        if embed is not None and embed.cache_age is not None:
            ttl = max(min(ttl, float(embed.cache_age)), self._ttls.negative_ttl)
        return card, ttl

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
