"""``PageMeta`` (+ oEmbed) → ``Card``: one set of rules for every site. Pure.

Precedence per field follows the notes (§10.3): Open Graph, then Twitter (never overriding
OG), then structured data (JSON-LD and microdata), then oEmbed, then the plain HTML
fallbacks. No rule names a site: platform data may supply an identity kind or a share-text
title, used only where the page itself says nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

from ..config import PreviewSection
from ..core.model import Card
from . import values
from .category import declared_category
from .extract import PageMeta
from .jsonld import types_of
from .kinds import OFFER_TYPES, SURROUNDING_TYPES, TYPE_KINDS, CardKind
from .oembed import OEmbed
from .urls import absolute, host_of
from .video import declared

# when a page carries several typed nodes, the most specific kind wins (a Person is often just an author)
_PRIORITY: tuple[CardKind, ...] = ("live", "product", "video", "article", "profile")
_IDENTITY_KINDS: Mapping[str, CardKind] = {
    "product": "product",
    "shop": "product",
    "video": "video",
    "live": "live",
    "profile": "profile",
    "article": "article",
    "note": "article",
    "answer": "article",
    "question": "article",
    "post": "article",
}
MAX_OFFERS = 20  # offers looked at per node
_IMAGE_KEYS = ("og:image:secure_url", "og:image:url", "og:image", "twitter:image:src", "twitter:image")
_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "video:release_date",
    "itemprop:datepublished",
    "datepublished",
    "pubdate",
    "publishdate",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "published-date",
)


@cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def _site(host: str | None) -> str | None:
    if not host:
        return None
    return _psl().privatesuffix(host) or host


def _live_node(node: Mapping[str, Any], types: tuple[str, ...]) -> bool:
    if "BroadcastEvent" in types and values.truthy(node.get("isLiveBroadcast")):
        return True
    pub = values.first(node.get("publication"))
    return isinstance(pub, dict) and values.truthy(pub.get("isLiveBroadcast"))


def _kind_of(node: Mapping[str, Any]) -> CardKind | None:
    types = types_of(node)
    if _live_node(node, types):
        return "live"
    kinds = [TYPE_KINDS[t] for t in types if t in TYPE_KINDS and t != "BroadcastEvent"]
    return min(kinds, key=_PRIORITY.index) if kinds else None


def _primary(nodes: tuple[Mapping[str, Any], ...]) -> tuple[CardKind | None, Mapping[str, Any]]:
    best: tuple[CardKind | None, Mapping[str, Any]] = (None, {})
    offered = _offered(nodes)
    for node in nodes:
        kind = _kind_of(node) if id(node) not in offered else None
        if kind is not None and (best[0] is None or _PRIORITY.index(kind) < _PRIORITY.index(best[0])):
            best = (kind, node)
    return best


def _og_kind(og_type: str | None) -> CardKind | None:
    t = (og_type or "").strip().lower()
    if t.startswith(("product", "og:product")):
        return "product"
    if t.startswith("video"):
        return "video"
    if t in ("article", "blog", "news"):
        return "article"
    if t == "profile":
        return "profile"
    return None


def choose_kind(
    meta: PageMeta, node_kind: CardKind | None, oembed: OEmbed | None, identity_kind: str | None
) -> CardKind:
    """The card kind: structured data, then og:type, then the oEmbed type, then the identity's kind."""
    kind = node_kind or _og_kind(meta.get("og:type"))
    if kind is None and oembed is not None and oembed.type == "video":
        kind = "video"
    if kind is None and identity_kind:
        kind = _IDENTITY_KINDS.get(identity_kind)
    return kind or "generic"


def _cap(value: str | None, limit: int) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return value[: max(limit - 1, 0)].rstrip() + "…"


def _priced(offer: Any) -> bool:
    return isinstance(offer, dict) and values.text(offer.get("price") or offer.get("lowPrice"), 40) is not None


def _offer_of(node: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The node's first offer with a price: one of its ``offers``, or the node itself if it is an offer."""
    offers = node.get("offers")
    if offers is not None:
        for offer in (offers if isinstance(offers, list) else [offers])[:MAX_OFFERS]:
            if _priced(offer):
                return offer  # type: ignore[no-any-return]
    if ("price" in node or "lowPrice" in node) and OFFER_TYPES.intersection(types_of(node)) and _priced(node):
        return node
    return None


def _offer(primary: Mapping[str, Any], nodes: Iterable[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The priced offer a card shows: the primary node's, else the first one any typed node makes
    (an ``Event``'s tickets, a ``Book``'s edition: schema.org puts ``offers`` on any ``Thing``)."""
    for node in (primary, *nodes):
        offer = _offer_of(node)
        if offer is not None:
            return offer
    return {}


def _offered(nodes: Iterable[Mapping[str, Any]]) -> set[int]:
    """Identities of the objects that are some node's ``offers``: an event's ``Offer`` is no product."""
    out: set[int] = set()
    for node in nodes:
        offers = node.get("offers")
        out.update(id(o) for o in (offers if isinstance(offers, list) else [offers]) if isinstance(o, dict))
    return out


def _video_node(primary: Mapping[str, Any], nodes: Iterable[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The node that describes the page's video: the primary one if it is a video, else the
    first video node (an article's ``VideoObject``)."""
    for node in (primary, *nodes):
        if any(TYPE_KINDS.get(t) == "video" for t in types_of(node)):
            return node
    return primary


def _subject_name(nodes: Iterable[Mapping[str, Any]]) -> str | None:
    """The headline or name of the first typed node that is a page's subject rather than its
    surroundings (a ``WebSite``, ``Organization``, breadcrumb or rating names something else)."""
    for node in nodes:
        types = types_of(node)
        if types and not SURROUNDING_TYPES.issuperset(types):
            name = values.text(node.get("headline") or node.get("name"))
            if name:
                return name
    return None


class _Fetched:
    """The fetched URL's host and (looked up once, when first needed) its registrable domain."""

    def __init__(self, url: str) -> None:
        self.host = host_of(url)
        self._site: str | None = None
        self._known = False

    def site(self) -> str | None:
        if not self._known:
            self._site, self._known = _site(self.host), True
        return self._site

    def same_site(self, candidate: str | None) -> str | None:
        """A page-declared URL (og:url, canonical) only if it stays on the fetched site: a card
        never shows an address the page merely claims. The same host needs no list lookup."""
        if not candidate:
            return None
        host = host_of(candidate)
        return candidate if host == self.host or _site(host) == self.site() else None

    def site_of(self, url: str) -> str | None:
        host = host_of(url)
        return self.site() if host == self.host else _site(host)


def _favicon(meta: PageMeta) -> str | None:
    if meta.icons:
        return meta.icons[0]
    parts = urlsplit(meta.base)
    return absolute("/favicon.ico", f"{parts.scheme}://{parts.netloc}/") if parts.netloc else None


def _lang(meta: PageMeta, node: Mapping[str, Any]) -> str | None:
    raw = (
        meta.lang
        or meta.get("og:locale", "http:content-language", "language", "dc.language")
        or values.text(node.get("inLanguage"))
    )
    if not raw:
        return None
    primary = raw.replace("_", "-").split("-")[0].strip().lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def build_card(
    meta: PageMeta,
    *,
    url: str,
    share_title: str | None = None,
    identity_kind: str | None = None,
    oembed: OEmbed | None = None,
    settings: PreviewSection | None = None,
) -> Card:
    """Build the card for a page fetched from ``url`` (its final URL), the same way for every site."""
    limits = settings or PreviewSection()
    node_kind, node = _primary(meta.nodes)
    kind = choose_kind(meta, node_kind, oembed, identity_kind)
    base = meta.base or url
    offer = _offer(node, meta.nodes)
    o = oembed or OEmbed()

    title = (
        meta.get("og:title", "twitter:title")
        or values.text(node.get("headline") or node.get("name"))
        or o.title
        or meta.title
        or _subject_name(meta.nodes)
        or meta.h1
        or share_title
    )
    description = (
        meta.get("og:description", "twitter:description", "description")
        or values.text(node.get("description"))
        or meta.get("itemprop:description")
        or meta.text
    )
    image = (
        next((u for u in (absolute(meta.get(k), base) for k in _IMAGE_KEYS) if u), None)
        or values.url(node.get("image") or node.get("thumbnailUrl") or node.get("thumbnail"), base)
        or absolute(meta.get("itemprop:image") or meta.get("link:image_src"), base)
        or absolute(o.thumbnail_url or (o.url if o.type == "photo" else None), base)
        or meta.body_image
    )
    fetched = _Fetched(url)
    page_url = (
        fetched.same_site(absolute(meta.get("og:url"), base))
        or fetched.same_site(meta.canonical)
        or fetched.same_site(absolute(meta.get("twitter:url"), base))
        or url
    )
    publisher = values.first(node.get("publisher"))
    site_name = (
        meta.get("og:site_name", "application-name")
        or values.text(publisher if isinstance(publisher, dict) else None)
        or o.provider_name
        or meta.get("twitter:site")
        or fetched.site_of(page_url)
    )
    article_author = meta.get("article:author")
    author = (
        values.names(node.get("author") or node.get("creator"))
        or meta.get("author", "itemprop:author", "dc.creator", "byl", "parsely-author", "sailthru.author")
        or (article_author if article_author and absolute(article_author, base) is None else None)
        or o.author_name
    )
    published = values.iso_date(
        node.get("datePublished") or node.get("uploadDate") or node.get("startDate") or node.get("dateCreated")
    ) or next((d for d in (values.iso_date(meta.get(k)) for k in _DATE_KEYS) if d), None)
    # a structured offer's price shows on any card (tickets, books, courses); the Open Graph
    # product tags only on product cards, as their name says
    price = values.text(offer.get("price") or offer.get("lowPrice"), 40)
    currency = values.text(offer.get("priceCurrency"), 10) if price else None
    availability = values.text(offer.get("availability"), 100) if price else None
    if kind == "product":
        price = price or meta.get("product:price:amount", "og:price:amount", "itemprop:price")
        currency = currency or meta.get("product:price:currency", "og:price:currency", "itemprop:pricecurrency")
        availability = availability or meta.get("product:availability", "og:availability")
    video = declared(meta, _video_node(node, meta.nodes), oembed, video_kind=kind in ("video", "live"), base=base)
    if kind == "generic" and video is not None and (video.player or video.stream):
        kind = "video"  # a page that declares nothing else but a playable video
    duration = values.duration_seconds(node.get("duration")) or values.duration_seconds(
        meta.get("video:duration", "og:video:duration")
    )
    category = declared_category(meta)  # from the page alone: never from a hint or the platform data
    return Card(
        kind=kind,
        url=page_url,
        title=_cap(title, limits.max_title),
        description=_cap(description, limits.max_description),
        image=image,
        site_name=_cap(site_name, 100),
        favicon=_favicon(meta),
        price=price,
        currency=currency.upper() if currency else None,
        availability=availability.rsplit("/", 1)[-1] if availability else None,
        duration=duration if kind in ("video", "live") else None,
        author=_cap(author, 200),
        published=published,
        embed=(video.player or video.stream) if video is not None else None,
        lang=_lang(meta, node),
        category=category[0] if category else None,
        category_evidence=category[1] if category else None,
        video=video,
    )


def fallback_card(
    url: str,
    *,
    share_title: str | None = None,
    kind_hint: str | None = None,
    settings: PreviewSection | None = None,
) -> Card:
    """What is known without the page: the URL, its site, the share text's title."""
    limits = settings or PreviewSection()
    kind: CardKind = _IDENTITY_KINDS.get(kind_hint or "", "generic")
    return Card(kind=kind, url=url, title=_cap(share_title, limits.max_title), site_name=_site(host_of(url)))
