"""Hypothesis tag soups through every scanner of fetched HTML: no crash, bounded output."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hutong.config import PreviewSection
from hutong.net import charset
from hutong.net.bodyredirect import find_body_redirect
from hutong.preview import jsonld, microdata
from hutong.preview.body_image import representative_image
from hutong.preview.card import build_card
from hutong.preview.extract import MAX_KEYS, MAX_VALUE_CHARS, extract
from hutong.preview.summary import summarize

BASE = "https://s.example/a/b"
TOKENS = (
    "<meta ", "http-equiv=", "refresh", "content=", '"0;url=', "url=", "<script", "</script>", "ld+json",
    'type="application/ld+json"', "itemscope", "itemprop=", "itemtype=", "<img ", "src=", "<video ", "poster=",
    "role=banner", "<header>", "</header>", "<nav>", "<!--", "-->", "<head>", "</head>", "<body>", "<title>",
    "og:image", "og:title", "property=", "name=", "charset=", "<link ", "rel=", "alternate", "json+oembed",
    "href=", "location.href=", "var url = ", "<div class=link>", "<a ", "<![CDATA[", "]]>", "{", "}", "[", ",",
    "<div>", "</div>", "<table>", "<tr>", "<textarea>", "&amp;", "\\", "http://x.example/", "/p", "\u3000", "\x00",
)
PIECE = st.one_of(
    st.sampled_from(TOKENS),
    st.sampled_from(("<", ">", '"', "'", " ", "=", "/", "\n")),
    st.text(max_size=8),
)
# a soup is tokens glued at random, sometimes one run of a token repeated (the hostile shape)
SOUP = st.one_of(
    st.lists(PIECE, max_size=120).map("".join),
    st.tuples(st.lists(PIECE, max_size=20), st.sampled_from(TOKENS), st.integers(1, 3000)).map(
        lambda t: "".join(t[0]) + t[1] * t[2]
    ),
)
SOUPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SOUPS
@given(SOUP)
def test_body_redirect(html: str) -> None:
    found = find_body_redirect(html, BASE)
    if found is not None:
        assert found.url.startswith(("http://", "https://")) and found.url != BASE
        assert found.via in ("body", "interstitial")


@SOUPS
@given(SOUP)
def test_card(html: str) -> None:
    settings_ = PreviewSection()
    meta = extract(html, BASE)
    assert len(meta.props) <= MAX_KEYS + 1
    assert all(len(v) <= MAX_VALUE_CHARS for v in meta.props.values())
    assert len(meta.nodes) <= jsonld.MAX_NODES * 20 + microdata.MAX_ITEMS
    card = build_card(meta, url=BASE, settings=settings_)
    assert card.title is None or len(card.title) <= settings_.max_title + 1
    assert card.description is None or len(card.description) <= settings_.max_description + 1
    for url in (card.image, card.favicon, meta.body_image):
        assert url is None or url.startswith(("http://", "https://"))


@SOUPS
@given(SOUP)
def test_body_image(html: str) -> None:
    url = representative_image(html, BASE)
    assert url is None or url.startswith(("http://", "https://"))


@SOUPS
@given(SOUP, st.sampled_from((None, "text/html", "text/html; charset=gbk", "text/html; charset= ' ;")))
def test_charset(html: str, content_type: str | None) -> None:
    text, name = charset.decode(html.encode("utf-8", "surrogatepass"), content_type)
    assert isinstance(text, str) and name


@SOUPS
@given(SOUP)
def test_jsonld_and_summary(text: str) -> None:
    data = jsonld.loads_lenient(text)
    assert len(list(jsonld.iter_nodes(data))) <= jsonld.MAX_NODES
    summary = summarize(text.split("\n"))
    assert summary is None or len(summary) <= 501
