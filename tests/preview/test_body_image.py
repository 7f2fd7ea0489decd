"""The body ``<img>`` fallback: the largest sized image, else the first, never a pixel, a ``data:``
URL or the page's chrome; used only when the page declares no image of its own."""

from __future__ import annotations

import pytest

from hutong.preview.body_image import MAX_IMAGES
from hutong.preview.card import build_card
from hutong.preview.extract import extract

BASE = "https://blog.example.org/posts/1"
HEAD = "<title>A post</title><meta name='description' content='D'>"


def page(body: str, head: str = HEAD) -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        ("first image, relative", "<p>x</p><img src='/a.jpg'><img src='/b.jpg'>", "https://blog.example.org/a.jpg"),
        (
            "largest sized wins over the first",
            "<img src='/first.jpg'><img src='/s.jpg' width=100 height=50><img src='/l.jpg' width=600 height=400>",
            "https://blog.example.org/l.jpg",
        ),
        (
            "sides of 10 or less are not sized (Synapse)",
            "<img src='/icon.png' width=10 height=300><img src='/plain.jpg'>",
            "https://blog.example.org/icon.png",
        ),
        (
            "tracking pixel skipped",
            "<img src='https://t.example.net/px.gif' width=1 height=1><img src='/real.jpg'>",
            "https://blog.example.org/real.jpg",
        ),
        ("2-px spacer skipped", "<img src='/sp.gif' height='2'><img src='/r.jpg'>", "https://blog.example.org/r.jpg"),
        (
            "hidden pixel skipped",
            "<img src='/h.gif' style='display: none'><img src='/hid.gif' hidden><img src='/v.jpg'>",
            "https://blog.example.org/v.jpg",
        ),
        (
            "data: URL skipped",
            "<img src='data:image/png;base64,AAAA'><img src='/d.jpg'>",
            "https://blog.example.org/d.jpg",
        ),
        (
            "lazy image: data-src behind a data: placeholder",
            "<img src='data:image/gif;base64,R0lG' data-src='/lazy.jpg'>",
            "https://blog.example.org/lazy.jpg",
        ),
        (
            "header, nav and footer are chrome",
            "<header><img src='/logo.png' width=900 height=900></header><nav><img src='/n.png'></nav>"
            "<main><img src='/content.jpg'></main><footer><img src='/f.png' width=999 height=999></footer>",
            "https://blog.example.org/content.jpg",
        ),
        (
            "ARIA banner is chrome",
            "<div role='banner'><img src='/logo.png'></div><img src='/c.jpg'>",
            "https://blog.example.org/c.jpg",
        ),
        (
            "video poster counts",
            "<video poster='/poster.jpg' src='/v.mp4'></video>",
            "https://blog.example.org/poster.jpg",
        ),
        (
            "percent sizes are not sizes",
            "<img src='/p.jpg' width='50%' height='50%'>",
            "https://blog.example.org/p.jpg",
        ),
        ("only chrome and pixels: none", "<header><img src='/l.png'></header><img src='/x' width=1 height=1>", None),
        # the raw-HTML scan must read the page as the parser does
        ("comment is not markup", "<!-- <img src='/c.jpg'> --><img src='/r.jpg'>", "https://blog.example.org/r.jpg"),
        (
            "script, style, template and textarea are not markup",
            "<script>x='<img src=/s.jpg>'</script><style>/*<img src=/y.jpg>*/</style>"
            "<template><img src='/t.jpg'></template><textarea><img src=/a.jpg></TEXTAREA><img src='/r.jpg'>",
            "https://blog.example.org/r.jpg",
        ),
        ("noscript is markup", "<noscript><img src='/n.jpg'></noscript>", "https://blog.example.org/n.jpg"),
        (
            "tag names in any case",
            "<IMG SRC='/u.jpg'><Img src='/m.jpg' width=50 height=50>",
            "https://blog.example.org/m.jpg",
        ),
        (
            "an apostrophe in an unquoted value does not open a quote",
            "<img alt=don't src='/q.jpg'><img src='/x.jpg' alt='>'>",
            "https://blog.example.org/q.jpg",
        ),
        ("entities in attributes", "<img src='/e.jpg?a=1&amp;b=2'>", "https://blog.example.org/e.jpg?a=1&b=2"),
        (
            "closing the header closes the nav inside it",
            "<header><nav><img src='/n.png'></header><img src='/after.jpg'>",
            "https://blog.example.org/after.jpg",
        ),
        (
            "a chrome role spans its element, nested ones included",
            "<div role=navigation><div><img src='/n.png'></div><img src='/m.png'></div><img src='/c.jpg'>",
            "https://blog.example.org/c.jpg",
        ),
        ("data-role is not role", "<div data-role='banner'><img src='/d.jpg'></div>", "https://blog.example.org/d.jpg"),
        (
            "role values are case-sensitive",
            "<div role='Banner'><img src='/b.jpg'></div>",
            "https://blog.example.org/b.jpg",
        ),
        (
            "an image with a chrome role is not inside chrome",
            "<img role=banner src='/i.jpg'>",
            "https://blog.example.org/i.jpg",
        ),
        (
            "a video without a poster is skipped, its images are not",
            "<video src='/v.mp4'><img src='/fallback.jpg'></video>",
            "https://blog.example.org/fallback.jpg",
        ),
        ("javascript: source dropped", "<img src='javascript:alert(1)'>", None),
        ("no images", "<p>text only</p>", None),
    ],
)
def test_body_image_choice(name: str, body: str, expected: str | None) -> None:
    meta = extract(page(body), BASE)
    assert meta.body_image == expected
    assert build_card(meta, url=BASE).image == expected


@pytest.mark.parametrize(
    ("name", "head", "declared"),
    [
        ("og:image", "<meta property='og:image' content='/og.jpg'>", "https://blog.example.org/og.jpg"),
        ("twitter:image", "<meta name='twitter:image' content='/tw.jpg'>", "https://blog.example.org/tw.jpg"),
        ("image_src link", "<link rel='image_src' href='/src.jpg'>", "https://blog.example.org/src.jpg"),
        (
            "JSON-LD article image",
            '<script type="application/ld+json">{"@type": "Article", "image": "/ld.jpg"}</script>',
            "https://blog.example.org/ld.jpg",
        ),
    ],
)
def test_a_declared_image_wins_and_the_body_is_not_searched(name: str, head: str, declared: str) -> None:
    meta = extract(page("<img src='/body.jpg' width=800 height=800>", HEAD + head), BASE)
    assert (meta.body_image, build_card(meta, url=BASE).image) == (None, declared)


def test_an_organization_logo_is_not_the_page_image() -> None:
    """An ``@id`` reference on a kindless node (a site's logo) must not suppress the body fallback."""
    ld = '<script type="application/ld+json">{"@type": "Organization", "image": {"@id": "/#logo"}}</script>'
    meta = extract(page("<img src='/c.jpg'>", HEAD + ld), BASE)
    assert build_card(meta, url=BASE).image == "https://blog.example.org/c.jpg"


def test_pages_without_a_head_get_a_body_image_too() -> None:
    assert extract("<title>t</title><p>x</p><img src='/n.jpg'>", BASE).body_image == "https://blog.example.org/n.jpg"


def test_body_image_survives_the_summary() -> None:
    """The description summary walks (and strips) the tree: the image must be chosen first."""
    meta = extract(page("<p>Some long enough paragraph.</p><img src='/a.jpg'>", "<title>t</title>"), BASE)
    assert (meta.text is not None, meta.body_image) == (True, "https://blog.example.org/a.jpg")


@pytest.mark.parametrize(
    ("name", "filler", "counted"),
    [
        ("images past the limit are not looked at", "<img src='/f.jpg'>", False),
        ("posterless videos do not count toward the limit", "<video src='/v.mp4'></video>", True),
    ],
)
def test_only_the_first_images_are_looked_at(name: str, filler: str, counted: bool) -> None:
    body = filler * MAX_IMAGES + "<img src='/late.jpg' width=900 height=900>"
    late = extract(page(body), BASE).body_image == "https://blog.example.org/late.jpg"
    assert late == counted
