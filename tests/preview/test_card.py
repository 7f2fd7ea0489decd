"""Cards from metadata: kinds, field precedence, fallbacks and caps — the same rules for every page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hutong.config import PreviewSection
from hutong.core.model import Card
from hutong.preview.card import build_card, fallback_card
from hutong.preview.extract import extract
from hutong.preview.oembed import OEmbed

URL = "https://www.example.cn/p/1"


def ld(data: Any) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def card(head: str, body: str = "", **kw: Any) -> Card:
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    return build_card(extract(html, URL), url=URL, **kw)


PRODUCT = ld(
    {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": "Phone",
        "image": "/p.jpg",
        "offers": {
            "@type": "Offer",
            "price": "1999.00",
            "priceCurrency": "cny",
            "availability": "https://schema.org/InStock",
        },
    }
)
VIDEO = ld(
    {
        "@type": "VideoObject",
        "name": "Clip",
        "duration": "PT2M5S",
        "thumbnailUrl": ["/t.jpg"],
        "embedUrl": "https://www.example.cn/embed/1",
        "uploadDate": "2024-03-01T10:00:00+08:00",
    }
)
LIVE = ld(
    {
        "@type": "VideoObject",
        "name": "Now",
        "publication": {"@type": "BroadcastEvent", "isLiveBroadcast": True},
    }
)
ARTICLE = ld(
    {
        "@graph": [
            {"@type": "WebSite", "name": "Site"},
            {
                "@type": "NewsArticle",
                "headline": "News",
                "author": [{"@type": "Person", "name": "Li"}],
                "datePublished": "2024-01-02T03:04:05Z",
                "publisher": {"name": "Daily"},
            },
            {"@type": "Person", "name": "Li"},
        ]
    }
)
PROFILE = ld({"@type": "ProfilePage", "mainEntity": {"@type": "Person", "name": "Wang"}})


@pytest.mark.parametrize(
    ("name", "head", "kw", "kind"),
    [
        ("json-ld product", PRODUCT, {}, "product"),
        ("json-ld video", VIDEO, {}, "video"),
        ("live beats video", LIVE, {}, "live"),
        ("broadcast event", ld({"@type": "BroadcastEvent", "isLiveBroadcast": "true"}), {}, "live"),
        ("article beats its author's Person node", ARTICLE, {}, "article"),
        ("profile page", PROFILE, {}, "profile"),
        ("og:type product", '<meta property="og:type" content="product.item">', {}, "product"),
        ("og:type video", '<meta property="og:type" content="video.other">', {}, "video"),
        ("og:type article", '<meta property="og:type" content="article">', {}, "article"),
        ("og:type profile", '<meta property="og:type" content="profile">', {}, "profile"),
        ("oembed video", "", {"oembed": OEmbed(type="video")}, "video"),
        ("identity kind as last resort", "", {"identity_kind": "note"}, "article"),
        (
            "metadata beats identity kind",
            '<meta property="og:type" content="video">',
            {"identity_kind": "product"},
            "video",
        ),
        ("nothing known", "<title>x</title>", {}, "generic"),
    ],
)
def test_kind(name: str, head: str, kw: dict[str, Any], kind: str) -> None:
    assert card(head, **kw).kind == kind


def test_product_fields() -> None:
    c = card(PRODUCT)
    assert (c.title, c.image, c.price, c.currency, c.availability) == (
        "Phone",
        "https://www.example.cn/p.jpg",
        "1999.00",
        "CNY",
        "InStock",
    )


def test_video_fields() -> None:
    c = card(VIDEO)
    assert (c.duration, c.image, c.embed, c.published) == (
        125,
        "https://www.example.cn/t.jpg",
        "https://www.example.cn/embed/1",
        "2024-03-01T02:00:00Z",
    )


def test_article_fields() -> None:
    c = card(ARTICLE)
    assert (c.title, c.author, c.published, c.site_name) == ("News", "Li", "2024-01-02T03:04:05Z", "Daily")


def test_og_price_tags() -> None:
    c = card(
        '<meta property="og:type" content="product"><meta property="product:price:amount" content="9.9">'
        '<meta property="product:price:currency" content="CNY">'
    )
    assert (c.price, c.currency) == ("9.9", "CNY")


def test_price_only_on_product_cards() -> None:
    assert card('<meta property="product:price:amount" content="9.9">').price is None


@pytest.mark.parametrize(
    ("name", "head", "field", "expected"),
    [
        (
            "og beats twitter",
            '<meta name="twitter:title" content="TW"><meta property="og:title" content="OG">',
            "title",
            "OG",
        ),
        ("twitter fills in", '<meta name="twitter:title" content="TW"><title>T</title>', "title", "TW"),
        ("html og beats oembed", '<meta property="og:title" content="OG">', "title", "OG"),
        ("title tag last", "<title>Tag</title>", "title", "Tag"),
        (
            "og image first",
            '<meta name="twitter:image" content="/tw.png"><meta property="og:image" content="/og.png">',
            "image",
            "https://www.example.cn/og.png",
        ),
        ("image_src link", '<link rel="image_src" href="/s.jpg">', "image", "https://www.example.cn/s.jpg"),
        (
            "javascript image dropped",
            '<meta property="og:image" content="javascript:alert(1)">',
            "image",
            None,
        ),
        (
            "same-site og:url kept",
            '<meta property="og:url" content="https://m.example.cn/p/1">',
            "url",
            "https://m.example.cn/p/1",
        ),
        (
            "off-site og:url refused",
            '<meta property="og:url" content="https://evil.example.net/">',
            "url",
            URL,
        ),
        ("off-site canonical refused", '<link rel="canonical" href="https://evil.example.net/">', "url", URL),
        ("site name from og", '<meta property="og:site_name" content="Shop">', "site_name", "Shop"),
        ("site name from host", "", "site_name", "example.cn"),
        ("favicon default", "", "favicon", "https://www.example.cn/favicon.ico"),
        ("favicon declared", '<link rel="icon" href="/i.png">', "favicon", "https://www.example.cn/i.png"),
        ("lang primary subtag", '<meta property="og:locale" content="zh_CN">', "lang", "zh"),
        (
            "article:author URL is not a name",
            '<meta property="article:author" content="https://fb.example/x">',
            "author",
            None,
        ),
    ],
)
def test_precedence(name: str, head: str, field: str, expected: object) -> None:
    embed = OEmbed(title="OE") if "oembed" in name else None
    assert getattr(card(head, oembed=embed), field) == expected


def test_oembed_fills_gaps() -> None:
    c = card(
        "<title>t</title>",
        oembed=OEmbed(
            type="video",
            title="OE",
            thumbnail_url="https://i.example/t.jpg",
            author_name="Au",
            provider_name="Prov",
        ),
    )
    assert (c.title, c.image, c.author, c.site_name, c.kind) == (
        "OE",
        "https://i.example/t.jpg",
        "Au",
        "Prov",
        "video",
    )


def test_share_title_is_only_a_fallback() -> None:
    assert card("", share_title="分享标题").title == "分享标题"
    assert card("<title>Page</title>", share_title="分享标题").title == "Page"


@pytest.mark.parametrize(("max_title", "title", "expected"), [(5, "abcdefgh", "abcd…"), (8, "abcdefgh", "abcdefgh")])
def test_caps(max_title: int, title: str, expected: str) -> None:
    c = card(f'<meta property="og:title" content="{title}">', settings=PreviewSection(max_title=max_title))
    assert c.title == expected


def test_description_capped() -> None:
    c = card(f'<meta name="description" content="{"字" * 1000}">', settings=PreviewSection(max_description=300))
    assert c.description is not None and len(c.description) == 300


@pytest.mark.parametrize(
    ("hint", "kind"), [("video", "video"), ("shop", "product"), ("promo", "generic"), (None, "generic")]
)
def test_fallback_card(hint: str | None, kind: str) -> None:
    c = fallback_card("https://v.example.com/x", share_title="t", kind_hint=hint)
    assert (c.kind, c.title, c.site_name, c.image) == (kind, "t", "example.com", None)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "@type",
                    "name",
                    "headline",
                    "image",
                    "offers",
                    "price",
                    "author",
                    "duration",
                    "publication",
                    "isLiveBroadcast",
                    "datePublished",
                    "url",
                    "@graph",
                    "publisher",
                ]
            ),
            inner,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(json_values, max_size=3))
def test_arbitrary_structured_data_never_breaks_a_card(blocks: list[Any]) -> None:
    head = "".join(ld(b) for b in blocks)
    c = card(head)
    assert c.kind in ("product", "video", "article", "profile", "live", "generic")
    assert c.title is None or len(c.title) <= PreviewSection().max_title


# offers on schema.org types other than Product (schema.org puts ``offers`` on any ``Thing``):
# cases written from the vocabulary's definitions of Event, Book, Course and AggregateOffer
EVENT_MICRODATA = (
    '<div itemscope itemtype="https://schema.org/Event"><span itemprop="name">Jazz night</span>'
    '<div itemprop="offers" itemscope itemtype="https://schema.org/AggregateOffer">'
    'from <span itemprop="lowPrice">$35</span>, <span itemprop="offerCount">80</span> left</div></div>'
)
BOOK_MICRODATA = (
    '<div itemscope itemtype="https://schema.org/Book"><h1 itemprop="name">Rivers</h1>'
    '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
    '<meta itemprop="priceCurrency" content="usd"><span itemprop="price">13.00</span>'
    '<link itemprop="availability" href="https://schema.org/PreOrder"></div></div>'
)
COMPLETE = '<title>t</title><meta name="description" content="d">'


@pytest.mark.parametrize(
    ("name", "head", "body", "expected"),
    [
        ("microdata event, aggregate offer", COMPLETE, EVENT_MICRODATA, ("generic", "$35", None, None)),
        ("microdata book, offer", COMPLETE, BOOK_MICRODATA, ("generic", "13.00", "USD", "PreOrder")),
        (
            "json-ld event: the first priced offer of a list",
            ld(
                {
                    "@type": "Event",
                    "name": "Expo",
                    "offers": [
                        {"@type": "Offer", "name": "free day"},
                        {"@type": "Offer", "price": 120, "priceCurrency": "CNY"},
                    ],
                }
            ),
            "",
            ("generic", "120", "CNY", None),
        ),
        (
            "json-ld course in the body",
            COMPLETE,
            ld(
                {"@type": "Course", "name": "Go", "offers": {"@type": "Offer", "price": "99.5", "priceCurrency": "EUR"}}
            ),
            ("generic", "99.5", "EUR", None),
        ),
        (
            "a bare offer node",
            ld({"@type": "Offer", "price": "5", "priceCurrency": "GBP", "availability": "InStock"}),
            "",
            ("product", "5", "GBP", "InStock"),
        ),
        (
            "an offer without a price",
            ld({"@type": "Event", "name": "E", "offers": {"@type": "Offer"}}),
            "",
            ("generic", None, None, None),
        ),
        ("product offers keep working", PRODUCT, "", ("product", "1999.00", "CNY", "InStock")),
    ],
)
def test_offers_of_any_type(name: str, head: str, body: str, expected: tuple[str | None, ...]) -> None:
    c = card(head, body)
    assert (c.kind, c.price, c.currency, c.availability) == expected


def test_an_events_offer_does_not_make_a_product_card() -> None:
    """An ``Offer`` nested in another node's ``offers`` is that node's price, not the page's subject."""
    c = card(ld({"@type": "MusicEvent", "name": "Gig", "offers": {"@type": "Offer", "price": "20"}}))
    assert (c.kind, c.title, c.price, c.category) == ("generic", "Gig", "20", None)


@pytest.mark.parametrize(
    ("name", "html", "title"),
    [
        ("json-ld only, no head", ld({"@type": "Recipe", "name": "Noodles"}), "Noodles"),
        (
            "the site's own node is skipped",
            "<html><head>"
            + ld([{"@type": "WebSite", "name": "Site"}, {"@type": "Event", "name": "Expo"}])
            + "</head></html>",
            "Expo",
        ),
        ("headline before name", ld({"@type": "Report", "headline": "H", "name": "N"}), "H"),
        (
            "a page's surroundings only",
            ld([{"@type": "Organization", "name": "Org"}, {"@type": "BreadcrumbList", "name": "B"}]),
            None,
        ),
        ("<title> still wins", "<title>Page</title>" + ld({"@type": "Place", "name": "Park"}), "Page"),
        (
            "structured data before <h1>",
            "<body>" + ld({"@type": "Place", "name": "Park"}) + "<h1>Big</h1></body>",
            "Park",
        ),
        (
            "microdata subject, no title",
            '<body><div itemscope itemtype="https://schema.org/Book"><span itemprop="name">Rivers</span></div></body>',
            "Rivers",
        ),
    ],
)
def test_title_from_structured_data_without_a_title(name: str, html: str, title: str | None) -> None:
    assert build_card(extract(html, URL), url=URL).title == title
