"""What a page declares itself to be, as a link category: real HTML in, (category, evidence) out."""

from __future__ import annotations

import pytest

from hutong.preview.card import build_card
from hutong.preview.category import declared_category
from hutong.preview.extract import extract

BASE = "https://anyone.example/page"


def ld(*nodes: str, head: str = "") -> str:
    blocks = "".join(f'<script type="application/ld+json">{n}</script>' for n in nodes)
    return f"<!doctype html><html><head>{head}<title>t</title>{blocks}</head><body><p>x</p></body></html>"


def og(og_type: str, extra: str = "") -> str:
    return f'<html><head><meta property="og:type" content="{og_type}">{extra}</head><body></body></html>'


PRODUCT = (
    '{"@context":"https://schema.org","@type":"Product","name":"壶",'
    '"offers":{"@type":"Offer","price":"268.00","priceCurrency":"cny"}}'
)
VIDEO = '{"@context":"https://schema.org","@type":"VideoObject","name":"v","uploadDate":"2024-01-01"}'

CASES = [
    ("schema.org Product with a price", ld(PRODUCT), ("ecommerce", "schema.org Product with an offer (268.00 CNY)")),
    (
        "a numeric lowPrice in an offer list",
        ld('{"@type":"ProductGroup","offers":[{"@type":"AggregateOffer","lowPrice":9.9}]}'),
        ("ecommerce", "schema.org ProductGroup with an offer (9.9)"),
    ),
    ("a product with no price is no shop's", ld('{"@type":"Product","name":"review subject"}'), None),
    (
        "a review of a product is not a shop",
        ld('{"@type":"Review","itemReviewed":{"@type":"Product","name":"p"}}'),
        None,
    ),
    (
        "og:type product",
        og("product", '<meta property="product:price:amount" content="5">'),
        ("ecommerce", "og:type product (5)"),
    ),
    ("og:type video", og("video.other"), ("video", "og:type video.other")),
    ("VideoObject", ld(VIDEO), ("video", "schema.org VideoObject")),
    ("NewsArticle", ld('{"@type":"NewsArticle","headline":"h"}'), ("news", "schema.org NewsArticle")),
    ("a news subtype", ld('{"@type":["ReportageNewsArticle"]}'), ("news", "schema.org ReportageNewsArticle")),
    ("a plain Article is not news", ld('{"@type":"Article","headline":"h"}'), None),
    ("a blog post is not news", ld('{"@type":"BlogPosting","headline":"h"}'), None),
    ("og:type article says nothing decisive", og("article"), None),
    ("QAPage", ld('{"@type":"QAPage","mainEntity":{"@type":"Question","name":"q"}}'), ("qa", "schema.org QAPage")),
    (
        "a shop's product video: the shop wins",
        ld(PRODUCT, VIDEO),
        ("ecommerce", "schema.org Product with an offer (268.00 CNY)"),
    ),
    (
        "a news story with an embedded video is news",
        ld('{"@type":"NewsArticle","video":' + VIDEO + "}"),
        ("news", "schema.org NewsArticle"),
    ),
    (
        "structured data's wording over og:type",
        ld(PRODUCT, head='<meta property="og:type" content="product">'),
        ("ecommerce", "schema.org Product with an offer (268.00 CNY)"),
    ),
    (
        "microdata product with a price",
        '<html><body><div itemscope itemtype="https://schema.org/Product"><span itemprop="name">壶</span>'
        '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><meta itemprop="price" content="30">'
        '<meta itemprop="priceCurrency" content="CNY"></div></div></body></html>',
        ("ecommerce", "schema.org Product with an offer (30 CNY)"),
    ),
    ("nothing declared", "<html><head><title>plain</title></head><body>hello</body></html>", None),
]


@pytest.mark.parametrize(("name", "page", "expected"), CASES, ids=[c[0] for c in CASES])
def test_declared_category(name: str, page: str, expected: tuple[str, str] | None) -> None:
    meta = extract(page, BASE)
    assert declared_category(meta) == expected, name
    card = build_card(meta, url=BASE)
    assert (card.category, card.category_evidence) == (expected or (None, None))


def test_hints_never_set_the_category() -> None:
    """A kind hint from the platform data or the share text shapes the card, never the category."""
    meta = extract("<html><head><title>t</title></head><body></body></html>", BASE)
    card = build_card(meta, url=BASE, identity_kind="product", share_title="【淘宝】壶")
    assert card.kind == "product" and card.category is None
