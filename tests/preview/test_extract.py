"""The extractor: what it collects from a page, its bounds, and head-first parsing without losing accuracy."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hutong.preview import extract as extract_mod
from hutong.preview.card import build_card
from hutong.preview.extract import MAX_KEY_CHARS, MAX_VALUE_CHARS, depth_bounded, extract
from hutong.preview.oembed import OEmbedLink

BASE = "https://shop.example.com/item/1?x=1"


def page(head: str, body: str = "<p>text</p>") -> str:
    return f"<!doctype html><html lang='zh-CN'><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("name", "html", "key", "expected"),
    [
        ("og property", page('<meta property="og:title" content="T">'), "og:title", "T"),
        ("twitter name", page('<meta name="twitter:title" content="TT">'), "twitter:title", "TT"),
        (
            "first wins",
            page('<meta property="og:title" content="A"><meta property="og:title" content="B">'),
            "og:title",
            "A",
        ),
        (
            "empty content skipped",
            page('<meta property="og:title" content=""><meta property="og:title" content="B">'),
            "og:title",
            "B",
        ),
        ("key case-folded", page('<meta property="OG:Title" content="T">'), "og:title", "T"),
        (
            "entities decoded",
            page('<meta property="og:title" content="A &amp; B &#x4E2D;">'),
            "og:title",
            "A & B 中",
        ),
        (
            "whitespace collapsed",
            page('<meta name="description" content="  a \n  b ">'),
            "description",
            "a b",
        ),
        ("itemprop namespaced", page('<meta itemprop="image" content="/i.png">'), "itemprop:image", "/i.png"),
        (
            "http-equiv namespaced",
            page('<meta http-equiv="Content-Language" content="en">'),
            "http:content-language",
            "en",
        ),
        (
            "value capped",
            page(f'<meta name="description" content="{"x" * 5000}">'),
            "description",
            "x" * MAX_VALUE_CHARS,
        ),
    ],
)
def test_meta_props(name: str, html: str, key: str, expected: str) -> None:
    assert extract(html, BASE).props.get(key) == expected


def test_long_keys_are_cut() -> None:
    meta = extract(page(f'<meta name="{"k" * 500}" content="v">'), BASE)
    assert all(len(k) <= MAX_KEY_CHARS for k in meta.props)


@pytest.mark.parametrize(
    ("name", "head", "attr", "expected"),
    [
        (
            "canonical resolved",
            '<link rel="canonical" href="/item/1">',
            "canonical",
            "https://shop.example.com/item/1",
        ),
        (
            "javascript canonical dropped",
            '<link rel="canonical" href="javascript:alert(1)">',
            "canonical",
            None,
        ),
        (
            "icon",
            '<link rel="shortcut icon" href="//cdn.example.com/f.ico">',
            "icons",
            ("https://cdn.example.com/f.ico",),
        ),
        (
            "apple icon",
            '<link rel="apple-touch-icon" href="a.png">',
            "icons",
            ("https://shop.example.com/item/a.png",),
        ),
        ("data icon dropped", '<link rel="icon" href="data:image/png;base64,AAAA">', "icons", ()),
        (
            "oembed json",
            '<link rel="alternate" type="application/json+oembed" href="/oembed?u=1">',
            "oembed",
            (OEmbedLink("https://shop.example.com/oembed?u=1", "json"),),
        ),
        (
            "oembed xml, rel alternative",
            '<link rel="alternative" type="text/xml+oembed" href="https://o.example/x">',
            "oembed",
            (OEmbedLink("https://o.example/x", "xml"),),
        ),
        ("rss is not oembed", '<link rel="alternate" type="application/rss+xml" href="/feed">', "oembed", ()),
        ("title", "<title> A &lt;B&gt; </title>", "title", "A <B>"),
        ("lang", "", "lang", "zh-CN"),
    ],
)
def test_head_fields(name: str, head: str, attr: str, expected: object) -> None:
    assert getattr(extract(page(head), BASE), attr) == expected


def test_jsonld_in_body_is_found_without_parsing_the_body() -> None:
    html = page(
        '<meta property="og:title" content="T"><meta property="og:description" content="D">',
        '<div><script type="application/ld+json">{"@type": "Product", "name": "P"}</script></div>',
    )
    meta = extract(html, BASE)
    assert [n["name"] for n in meta.nodes] == ["P"]
    assert meta.h1 is None  # the body was not parsed: nothing needed it


@pytest.mark.parametrize(
    ("name", "html", "attr", "expected"),
    [
        ("h1 when no title", page("", "<h1> Big </h1><p>x</p>"), "h1", "Big"),
        (
            "summary when no description",
            page("<title>t</title>", "<nav>menu</nav><p>First.</p><p>Second.</p>"),
            "text",
            "First.\n\nSecond.",
        ),
        (
            "no head at all",
            "<p itemscope itemtype='https://schema.org/Person'><span itemprop=name>N</span></p>",
            "nodes",
            ({"@type": "https://schema.org/Person", "name": "N"},),
        ),
    ],
)
def test_body_fallbacks(name: str, html: str, attr: str, expected: object) -> None:
    assert getattr(extract(html, BASE), attr) == expected


def test_head_first_equals_full_parse_on_a_rich_page() -> None:
    """Parsing the head only must not change the answer when the head is enough."""
    html = page(
        '<title>t</title><meta property="og:title" content="T"><meta property="og:description" content="D">'
        '<meta property="og:type" content="article">',
        '<div itemscope itemtype="https://schema.org/Article"><span itemprop="author">X</span></div>',
    )
    fast = extract(html, BASE)
    slow = extract(html.replace("</head>", "</HEADX>", 1).replace("<head>", "", 1), BASE)
    assert (fast.props, fast.title) == (slow.props, slow.title)


@pytest.mark.parametrize("tag", ["div", "ul", "blockquote", "section"])
def test_deeply_nested_page_is_cut_and_fast(tag: str) -> None:
    """CVE-2022-31052 (Synapse): deep nesting crashed the preview; Lexbor is quadratic on it."""
    html = page("<title>deep</title>", f"<{tag}>" * 200_000 + "x")
    start = time.perf_counter()
    meta = extract(html, BASE)
    assert time.perf_counter() - start < 5
    assert meta.title == "deep"
    assert meta.cut


def test_depth_bound_keeps_ordinary_pages_whole() -> None:
    html = "<div><p>x</p></div>" * 10_000
    assert depth_bounded(html) == (html, False)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcdhmetalinkscriptitemscope&;#x:")), max_size=400))
def test_arbitrary_markup_never_raises(html: str) -> None:
    extract(html, BASE)


ITEM = '<div itemscope itemtype="https://schema.org/Product"><span itemprop="name">P</span></div>'
COMPLETE_HEAD = '<title>t</title><meta name="description" content="d">'


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("item after chrome", "<nav><ul><li>a</li></ul></nav><main>" + ITEM + "</main>"),
        (
            "item in a table row",
            '<table><tr itemscope itemtype="https://schema.org/Product"><td itemprop="name">P</td></tr></table>',
        ),
        ("body is the item", ""),
    ],
)
def test_items_from_the_first_itemscope_equal_a_full_parse(name: str, body: str) -> None:
    html = (
        page(COMPLETE_HEAD, body)
        if body
        else page(COMPLETE_HEAD, "").replace(
            "<body>", '<body itemscope itemtype="https://schema.org/Product"><span itemprop="name">P</span>'
        )
    )
    fast = extract(html, BASE).nodes
    full = extract(html.replace("</head>", "", 1).replace("<head>", "", 1), BASE).nodes
    assert fast == full
    assert [n.get("name") for n in fast] == ["P"]


@pytest.mark.parametrize(
    ("name", "body", "key", "expected"),
    [
        ("og:image in the body", '<meta property="og:image" content="/b.jpg">', "og:image", "/b.jpg"),
        ("og:type in the body", "<div><meta property='og:type' content='video.other'></div>", "og:type", "video.other"),
        ("upper-case tag in the body", '<META PROPERTY="og:image" content="/t.jpg">', "og:image", "/t.jpg"),
        ("head wins over body", '<meta property="og:title" content="Body">', "og:title", "Head"),
        ("other body metas are not page metadata", '<meta name="description" content="og: x">', "description", "HD"),
        ("og: in text only", "<p>og:image is a tag</p>", "og:image", None),
    ],
)
def test_open_graph_in_the_body_counts(name: str, body: str, key: str, expected: str | None) -> None:
    """A complete head (title and description) must not hide Open Graph tags placed in the body."""
    head = '<title>t</title><meta property="og:title" content="Head"><meta name="description" content="HD">'
    assert extract(page(head, body), BASE).props.get(key) == expected


def test_body_og_image_reaches_the_card() -> None:
    html = page(
        '<title>t</title><meta name="description" content="D">',
        '<meta property="og:image" content="/og.jpg"><img src=\'/other.jpg\' width=900 height=900>',
    )
    assert build_card(extract(html, BASE), url=BASE).image == "https://shop.example.com/og.jpg"


def test_microdata_is_read_over_a_bounded_window_from_the_first_item() -> None:
    """Items sit together: the body is parsed for them from the first item over ITEMS_CHARS only."""
    near = '<div itemscope itemtype="https://schema.org/Event"><span itemprop="name">Near</span></div>'
    far = '<div itemscope itemtype="https://schema.org/Event"><span itemprop="name">Far</span></div>'
    filler = "<p>" + "x" * (extract_mod.ITEMS_CHARS) + "</p>"
    nodes = extract(page(COMPLETE_HEAD, near + "<p>between</p>" + far), BASE).nodes
    assert [n["name"] for n in nodes] == ["Near", "Far"]
    nodes = extract(page(COMPLETE_HEAD, near + filler + far), BASE).nodes
    assert [n["name"] for n in nodes] == ["Near"]
