"""What a fetched page declares itself to be, as a link category, with the declaration as evidence. Pure.

The same rules for every site, listed in the platform data or not: a small shop whose page
declares a schema.org ``Product`` with a price is e-commerce exactly as JD's product page is.
Only declarations that say what the page *is* count:

- ``ecommerce``: a ``Product`` (or ``ProductGroup``, ``IndividualProduct``, ``ProductModel``)
  with an offer that has a price, or ``og:type`` ``product``/``product.item``. A product with
  no price is a review or a maker's page, not a shop's.
- ``news``: a ``NewsArticle`` or one of its subtypes. A plain ``Article`` or ``BlogPosting`` is
  not news.
- ``qa``: a ``QAPage``.
- ``video``: a ``VideoObject`` (or ``Movie``, ``TVEpisode``, ``Episode``, ``Clip``), or ``og:type``
  ``video.*``.

When a page declares several, the order above wins: a shop's product page with a product video
is e-commerce, a news story with an embedded video is news. Nothing decisive: None, and the
link keeps the category it had (its platform data's, or ``unknown``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import values
from .extract import PageMeta
from .jsonld import types_of

PRODUCT_TYPES = frozenset(("Product", "ProductGroup", "IndividualProduct", "ProductModel"))
NEWS_TYPES = frozenset(
    (
        "NewsArticle",
        "AnalysisNewsArticle",
        "AskPublicNewsArticle",
        "BackgroundNewsArticle",
        "OpinionNewsArticle",
        "ReportageNewsArticle",
        "ReviewNewsArticle",
    )
)
QA_TYPES = frozenset(("QAPage",))
VIDEO_TYPES = frozenset(("VideoObject", "Movie", "TVEpisode", "Episode", "Clip"))
ORDER = ("ecommerce", "news", "qa", "video")


def _price(node: Mapping[str, Any]) -> str | None:
    """The first offer's price (and currency) of a product node, or None."""
    offers = node.get("offers")
    for offer in offers if isinstance(offers, list) else [offers]:
        if not isinstance(offer, dict):
            continue
        price = values.text(offer.get("price") or offer.get("lowPrice"), 40)
        if price:
            currency = values.text(offer.get("priceCurrency"), 10)
            return f"{price} {currency.upper()}" if currency else price
    return None


def _from_nodes(nodes: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in nodes:
        types = set(types_of(node))
        if types & PRODUCT_TYPES and "ecommerce" not in found and (price := _price(node)):
            found["ecommerce"] = f"schema.org {min(types & PRODUCT_TYPES)} with an offer ({price})"
        for category, family in (("news", NEWS_TYPES), ("qa", QA_TYPES), ("video", VIDEO_TYPES)):
            if types & family and category not in found:
                found[category] = f"schema.org {min(types & family)}"
    return found


def _from_open_graph(meta: PageMeta) -> dict[str, str]:
    og_type = (meta.get("og:type") or "").strip().lower()
    if og_type in ("product", "product.item", "og:product"):
        price = meta.get("product:price:amount", "og:price:amount")
        return {"ecommerce": f"og:type {og_type}" + (f" ({price})" if price else "")}
    if og_type.startswith("video."):
        return {"video": f"og:type {og_type}"}
    return {}


def declared_category(meta: PageMeta) -> tuple[str, str] | None:
    """(category, evidence) from the page's own structured data, or None if it declares nothing decisive.

    >>> from hutong.preview.extract import PageMeta
    >>> declared_category(PageMeta(base="https://shop.example/", props={"og:type": "product"}))
    ('ecommerce', 'og:type product')
    """
    found = _from_open_graph(meta) | _from_nodes(meta.nodes)  # structured data's wording wins for a category
    for category in ORDER:
        if category in found:
            return category, found[category]
    return None
