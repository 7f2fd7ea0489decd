"""normalise: WHATWG parsing, default scheme for bare domains, one error type for bad input."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hutong.core.link import Link
from hutong.core.urls import MAX_URL_LENGTH, normalise
from hutong.errors import InputError

HREF_CASES = {
    "case, default port, dot segments": (
        "HTTP://Item.Taobao.COM:80/a/../item.htm?id=1",
        "http://item.taobao.com/item.htm?id=1",
    ),
    "bare domain gets https": ("taobao.com/xyz", "https://taobao.com/xyz"),
    "bare domain with port": ("taobao.com:8080/x", "https://taobao.com:8080/x"),
    "localhost with port is a host, not a scheme": ("localhost:8080", "https://localhost:8080/"),
    "scheme-relative": ("//example.com/a", "https://example.com/a"),
    "unicode host to punycode, path percent-encoded": (
        "食狮.中国/路径?q=中",
        "https://xn--85x722f.xn--fiqs8s/%E8%B7%AF%E5%BE%84?q=%E4%B8%AD",
    ),
    "fullwidth host folded": ("https://ｔａｏｂａｏ．ｃｏｍ/", "https://taobao.com/"),
    "ideographic full stop is a dot": ("https://taobao。com/", "https://taobao.com/"),
    "percent-encoded host decoded": ("https://%74aobao.com/", "https://taobao.com/"),
    "octal ipv4 decoded": ("http://0177.0.0.1/", "http://127.0.0.1/"),
    "dword ipv4 decoded": ("http://2130706433/", "http://127.0.0.1/"),
    "ipv4-mapped ipv6 serialised": ("http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/"),
    "userinfo kept": ("https://item.taobao.com@evil.test/", "https://item.taobao.com@evil.test/"),
    "backslashes are slashes in special urls": ("https:\\\\evil.test\\a", "https://evil.test/a"),
    "tab and newline removed": ("ht\ttps://exa\nmple.com/", "https://example.com/"),
    "surrounding spaces stripped": ("  https://example.com/  ", "https://example.com/"),
    "query percent-encoding kept exactly": (
        "https://a.test/?x=%2F%2f&y=a b",
        "https://a.test/?x=%2F%2f&y=a%20b",
    ),
    "javascript is opaque": ("javascript:alert(1)", "javascript:alert(1)"),
    "mailto stays": ("mailto:a@b.test", "mailto:a@b.test"),
    "lone surrogate becomes U+FFFD": ("https://a.test/\ud800", "https://a.test/%EF%BF%BD"),
    "xsec_token trailing = kept": (
        "https://www.xiaohongshu.com/explore/1?xsec_token=AB=",
        "https://www.xiaohongshu.com/explore/1?xsec_token=AB=",
    ),
    "http scheme kept, not upgraded": ("http://example.com", "http://example.com/"),
}


@pytest.mark.parametrize(("raw", "href"), HREF_CASES.values(), ids=HREF_CASES.keys())
def test_href(raw: str, href: str) -> None:
    assert normalise(raw).href == href


FIELD_CASES = {
    "domain": (
        "https://Item.Taobao.com:8443/p?q=1#f",
        {
            "scheme": "https",
            "host": "item.taobao.com",
            "hostname": "item.taobao.com",
            "port": 8443,
            "path": "/p",
            "query": "q=1",
            "fragment": "f",
            "host_kind": "domain",
            "has_query": True,
        },
    ),
    "default port is None": ("https://a.test:443/", {"port": None, "has_query": False, "query": ""}),
    "empty query is still a query": (
        "https://a.test/?",
        {"query": "", "has_query": True, "href": "https://a.test/?"},
    ),
    "userinfo": ("https://u:p@a.test/", {"username": "u", "password": "p", "host": "a.test"}),
    "ipv4": ("http://0x7f.1/", {"host": "127.0.0.1", "hostname": "127.0.0.1", "host_kind": "ipv4"}),
    "ipv6 brackets in host only": (
        "http://[::1]:8080/",
        {"host": "[::1]", "hostname": "::1", "host_kind": "ipv6", "port": 8080},
    ),
    "idn for display": (
        "https://xn--85x722f.xn--fiqs8s/",
        {"unicode_host": "食狮.中国", "host": "xn--85x722f.xn--fiqs8s"},
    ),
    "javascript has no host": (
        "javascript:alert(1)",
        {"scheme": "javascript", "host": "", "host_kind": "empty", "path": "alert(1)"},
    ),
    "file without host": (
        "file:///etc/passwd",
        {"scheme": "file", "host_kind": "empty", "path": "/etc/passwd"},
    ),
    "non-special scheme host is opaque": (
        "git://Example.test/repo",
        {"host_kind": "opaque", "host": "Example.test"},
    ),
    "custom default scheme": ("example.com", {"scheme": "https"}),
}


@pytest.mark.parametrize(("raw", "fields"), FIELD_CASES.values(), ids=FIELD_CASES.keys())
def test_fields(raw: str, fields: dict[str, object]) -> None:
    parsed = normalise(raw)
    assert {name: getattr(parsed, name) for name in fields} == fields


def test_default_scheme_is_used() -> None:
    assert normalise("example.com/a", default_scheme="http").href == "http://example.com/a"


def test_base_resolves_relative_input() -> None:
    assert normalise("../c?x", base="https://a.test/b/d/e").href == "https://a.test/b/c?x"


INVALID = {
    "empty": "",
    "only spaces": "   ",
    "relative path without base": "/etc/passwd",
    "query only": "?a=1",
    "space in host": "http://exa mple.com/",
    "port too large": "http://a.test:99999/",
    "bad port after bare domain": "taobao.com:abc",
    "forbidden host code point": "http://a<b.test/",
    "invalid ipv4 ending in number": "http://1.2.3.999/",
    "broken ipv6": "http://[::1/",
    "special scheme without host": "https://",
    "percent-encoded forbidden code point in host": "http://a%00b.test/",
    "too long": "https://a.test/" + "a" * MAX_URL_LENGTH,
    # bench/fuzz.py (urls): 4.5 KB of invalid UTF-8 became a 37 KB href that failed normalising again
    "canonical form too long": "o/" + "\ufffd" * 4000,
}


@pytest.mark.parametrize("raw", INVALID.values(), ids=INVALID.keys())
def test_invalid(raw: str) -> None:
    with pytest.raises(InputError) as info:
        normalise(raw)
    assert info.value.code == "url.invalid"
    assert "not a valid URL" in info.value.message


def test_bad_default_scheme_is_an_input_error() -> None:
    with pytest.raises(InputError):
        normalise("example.com", default_scheme="ht tp")


@settings(max_examples=400)
@given(st.text(max_size=200))
def test_normalise_raises_only_input_error(raw: str) -> None:
    try:
        parsed = normalise(raw)
    except InputError as exc:
        assert exc.code == "url.invalid"
    else:
        assert isinstance(parsed, Link)
        assert normalise(parsed.href) == parsed  # normalising is idempotent


@settings(max_examples=200)
@given(st.from_regex(r"https?://[a-zA-Z0-9.\-\[\]:@%]{0,30}(/[\x00-\x7f]{0,20})?", fullmatch=True))
def test_url_shaped_text_raises_only_input_error(raw: str) -> None:
    with contextlib.suppress(InputError):
        normalise(raw)


@settings(max_examples=200)
@given(st.text(max_size=60), st.text(max_size=60))
def test_normalise_with_any_base_raises_only_input_error(raw: str, base: str) -> None:
    with contextlib.suppress(InputError):
        assert isinstance(normalise(raw, base=base), Link)
