"""Microdata items become JSON-LD-shaped nodes; ownership walks are bounded."""

from __future__ import annotations

from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from hutong.preview.microdata import items

PRODUCT = """
<div itemscope itemtype="https://schema.org/Product">
  <h1 itemprop="name"> Phone  X </h1>
  <img itemprop="image" src="/p.jpg">
  <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
    <meta itemprop="priceCurrency" content="CNY"><span itemprop="price" content="1999.00">¥1,999</span>
    <link itemprop="availability" href="https://schema.org/InStock">
  </div>
</div>"""


@pytest.mark.parametrize(
    ("name", "html", "expected"),
    [
        (
            "product with nested offer",
            PRODUCT,
            [
                {
                    "@type": "https://schema.org/Product",
                    "name": "Phone X",
                    "image": "/p.jpg",
                    "offers": {
                        "@type": "https://schema.org/Offer",
                        "priceCurrency": "CNY",
                        "price": "1999.00",
                        "availability": "https://schema.org/InStock",
                    },
                }
            ],
        ),
        (
            "time uses datetime",
            '<article itemscope itemtype="https://schema.org/Article">'
            '<time itemprop="datePublished" datetime="2024-01-02">Jan 2</time></article>',
            [{"@type": "https://schema.org/Article", "datePublished": "2024-01-02"}],
        ),
        (
            "two top-level items",
            '<p itemscope itemtype="A"></p><p itemscope itemtype="B"></p>',
            [{"@type": "A"}, {"@type": "B"}],
        ),
        ("itemprop outside any item ignored", '<span itemprop="name">x</span>', []),
        (
            "multiple names per prop",
            '<p itemscope itemtype="T"><span itemprop="name alternateName">N</span></p>',
            [{"@type": "T", "name": "N", "alternateName": "N"}],
        ),
    ],
)
def test_items(name: str, html: str, expected: list[dict[str, Any]]) -> None:
    assert items(LexborHTMLParser(html)) == expected


@pytest.mark.parametrize(("depth", "expected"), [(100, [{"@type": "T", "name": "deep"}]), (20_000, [{"@type": "T"}])])
def test_ownership_walk_is_bounded(depth: int, expected: list[dict[str, Any]]) -> None:
    """Past MAX_ANCESTORS levels a property is not attributed, rather than walked forever."""
    html = '<div itemscope itemtype="T">' + "<span>" * depth + '<b itemprop="name">deep</b></div>'
    assert items(LexborHTMLParser(html)) == expected
