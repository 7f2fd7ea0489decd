"""Canonicalisation beyond the conformance vectors: IP forms, IDN, bounds, and arbitrary input."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hutong.core.urls import normalise
from hutong.errors import InputError
from hutong.safety.canon import MAX_URL, canonical_of, canonicalize, url_expressions


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        pytest.param("http://0x7f.1/", "http://127.0.0.1/", id="hex-short-ipv4"),
        pytest.param("http://0177.0.0.1/", "http://127.0.0.1/", id="octal-ipv4"),
        pytest.param("http://12.0x12.01234/", "http://12.18.2.156/", id="mixed-radix-ipv4"),
        pytest.param("http://[::ffff:1.2.3.4]/", "http://1.2.3.4/", id="ipv4-mapped-ipv6"),
        pytest.param("http://[64:ff9b::1.2.3.4]/", "http://1.2.3.4/", id="nat64"),
        pytest.param("http://[2001:DB8:0::1]/x", "http://[2001:db8::1]/x", id="ipv6-compressed"),
        pytest.param("http://TAOBAO.com./a/./b/../c", "http://taobao.com/a/c", id="dots-and-segments"),
        pytest.param("http://bücher.example/", "http://xn--bcher-kva.example/", id="idn-to-punycode"),
        pytest.param("http://user:pw@evil.example/", "http://evil.example/", id="userinfo-dropped"),
        pytest.param("https://example.com/é", "https://example.com/%C3%A9", id="utf8-path-escaped"),
        pytest.param("https://example.com/.well-known/x", "https://example.com/.well-known/x", id="dot-file"),
    ],
)
def test_canonical(url: str, canonical: str) -> None:
    assert canonicalize(url).url() == canonical


@pytest.mark.parametrize("url", ["", "http://", "http:///path", "x" * (MAX_URL + 1)])
def test_refused(url: str) -> None:
    with pytest.raises(InputError):
        canonicalize(url)


def test_expression_bounds() -> None:
    expressions = url_expressions("http://a.b.c.d.e.f.g.h/1/2/3/4/5/6/7.html?q=1")
    assert len(expressions) <= 30
    assert all("/" in e for e in expressions)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_is_bounded(text: str) -> None:
    try:
        c = canonicalize(text)
    except InputError:
        return
    assert c.host and c.path.startswith("/")
    assert c.url().isascii()
    assert len(url_expressions(c.url())) <= 30


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
@example("A。")  # an ideographic full stop ends the host: once "a.", then "a"
def test_canonical_form_is_stable(text: str) -> None:
    try:
        once = canonicalize(text).url()
    except InputError:
        return
    assert canonicalize(once).url() == once


_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)
_SEGMENT = st.text(alphabet="abcXYZ019._-~!$&'()*+,;=:@", max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["http", "https"]),
    st.lists(_LABEL, min_size=2, max_size=6),
    st.lists(_SEGMENT, max_size=5),
    st.one_of(st.none(), st.text(alphabet="a=&?/b1.", max_size=8)),
)
def test_fast_path_agrees_with_full_algorithm(
    scheme: str, labels: list[str], segments: list[str], query: str | None
) -> None:
    url = f"{scheme}://{'.'.join(labels)}/{'/'.join(segments)}" + (f"?{query}" if query is not None else "")
    try:
        fast = canonicalize(url)  # str input may take the fast path
    except InputError:
        return
    assert canonicalize(url.encode("ascii")) == fast  # bytes input always takes the full algorithm


_URLISH = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda scheme, host, path, tail: f"{scheme}://{host}{path}{tail}",
        st.sampled_from(["http", "https", "HTTP", "ftp"]),
        st.one_of(
            st.lists(_LABEL, min_size=1, max_size=5).map(".".join),
            st.sampled_from(
                [
                    "0x7f.1", "127.0.0.1", "[::1]", "a..b", "u:p@host.test", "host.test:8080",
                    "xn--bcher-kva.example", "bücher.example", "a_b.test", "example.com.",
                ]
            ),
        ),
        st.text(alphabet="abc/._%2F~é ", max_size=12),
        st.text(alphabet="?#=&%a1/.", max_size=10),
    ),
)


@settings(max_examples=500, deadline=None)
@given(_URLISH)
@example("https://a.test//x//y")  # empty segments: Safe Browsing drops them, WHATWG keeps them
@example("https://a.test/a/%2e%2e/b?q=%41")  # escapes: Safe Browsing unescapes, then re-escapes
@example("https://a.test/.well-known/x?#f")
@example("http://u:p@a.test:8080/")
def test_canonical_of_a_link_is_canonicalize_of_its_href(text: str) -> None:
    """Screening reads the canonical form from the parsed link's parts: the same value as from its href."""
    try:
        link = normalise(text)
    except InputError:
        return
    try:
        expected = canonicalize(link.href)
    except InputError:
        with pytest.raises(InputError):
            canonical_of(link)
        return
    assert canonical_of(link) == expected
