"""Cards are neutral through the whole pipeline: every e-commerce platform's product page, served
the same way, yields a card with the same set of fields (issue 3: "platform data may say how to
find an id, never how good a card a platform gets").

The product URLs come from the platform data (each platform's canonical product URL), so a new
e-commerce platform file is covered without touching this test.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from hutong.core.model import Card, LinkReport
from hutong.core.platforms import Platform, bundled
from tests.support.localnet import LocalNet, html

from .conftest import analyse_online

ITEM_ID = "6543210987"  # fits every platform's product id pattern


def product_url(platform: Platform) -> str:
    """The platform's canonical product URL for ``ITEM_ID`` (from its data file)."""
    pattern = next(p for p in platform.patterns if p.kind == "product" and p.canonical and "{id}" in p.canonical)
    assert pattern.canonical is not None
    return pattern.canonical.format(id=ITEM_ID)


ECOMMERCE = [p for p in bundled() if p.category == "ecommerce"]


def product_page(name: str) -> str:
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{name} 商品页</title>
<link rel="icon" href="/favicon.ico"><link rel="canonical" href="./">
<meta property="og:title" content="{name} 同款保温杯 500ml">
<meta property="og:description" content="316 不锈钢内胆，12 小时保温。">
<meta property="og:image" content="/img/cup.jpg">
<meta property="og:site_name" content="{name}">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "Product",
 "name": "{name} 同款保温杯 500ml", "brand": {{"@type": "Brand", "name": "{name}"}},
 "offers": {{"@type": "Offer", "price": "89.90", "priceCurrency": "CNY",
             "availability": "https://schema.org/InStock"}}}}</script>
</head><body></body></html>"""


def filled(card: Card | None) -> frozenset[str]:
    assert card is not None
    return frozenset(k for k, v in card.to_json().items() if v is not None and v is not False)


def test_every_ecommerce_platform_is_covered() -> None:
    assert len(ECOMMERCE) >= 5, [p.id for p in ECOMMERCE]


async def test_product_cards_carry_the_same_fields_for_every_platform(localnet: LocalNet, tmp_path: Path) -> None:
    urls = {p.id: product_url(p) for p in ECOMMERCE}
    for pid, url in urls.items():
        localnet.route(urlsplit(url).hostname or "", html(product_page(pid)))
    text = "\n".join(f"{pid}: {url}" for pid, url in urls.items())
    reports = await analyse_online(localnet, tmp_path, text, preview=True)
    by_platform: dict[str | None, LinkReport] = {r.identity.platform: r for r in reports}
    assert sorted(p for p in by_platform if p) == sorted(urls)
    fields = {pid: filled(r.card) for pid, r in by_platform.items()}
    reference = fields[ECOMMERCE[0].id]
    assert {pid: f for pid, f in fields.items() if f != reference} == {}
    # and the shared set is a full product card, not an equally poor one
    assert {"title", "description", "image", "site_name", "favicon", "price", "currency", "availability"} <= reference
    for platform_id, r in by_platform.items():
        assert r.card is not None and r.identity.kind == "product"
        card = (r.card.kind, r.card.price, r.card.currency, r.card.site_name)
        assert card == ("product", "89.90", "CNY", platform_id)


@pytest.mark.parametrize("platform", ECOMMERCE, ids=lambda p: p.id)
async def test_product_card_survives_a_page_without_metadata_the_same_way(
    platform: Platform, localnet: LocalNet, tmp_path: Path
) -> None:
    url = product_url(platform)
    localnet.route(urlsplit(url).hostname or "", html("<html><head></head><body>403</body></html>", status=403))
    share = f"{platform.share.cues[0]}「同款保温杯」 {url}"  # the platform's own share-text shape
    (report,) = await analyse_online(localnet, tmp_path, share, preview=True)
    assert report.title == "同款保温杯"
    assert report.card is not None
    # nothing from the page: the card is what is known, identical in shape for every platform, and says why
    assert filled(report.card) == {"kind", "url", "title", "site_name", "error", "reach"}
    assert (report.card.kind, report.card.title) == ("product", "同款保温杯")
    assert report.reach == report.card.reach and report.card.reach is not None
    assert (report.card.reach.kind, report.card.reach.code) == ("blocked", "reach.blocked.site")  # HTTP 403
    assert report.card.error is not None and report.card.error.code == "remote.http_status"
