"""Registrable domains: private section tenants, IPs, trailing dots, IDN."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hutong.core.psl import icann_site, is_public_suffix, public_suffix, site

SITE_CASES = {
    "plain": ("item.taobao.com", "taobao.com"),
    "mixed case": ("Item.TaoBao.COM", "taobao.com"),
    "trailing dot ignored": ("item.taobao.com.", "taobao.com"),
    "two-level suffix": ("www.example.com.cn", "example.com.cn"),
    "github.io tenant is its own site": ("alice.github.io", "alice.github.io"),
    "github.io tenant subdomain": ("x.alice.github.io", "alice.github.io"),
    "pages.dev tenant": ("a.shop.pages.dev", "shop.pages.dev"),
    "suffix alone has no site": ("github.io", None),
    "tld alone": ("com", None),
    "unicode idn": ("www.食狮.中国", "食狮.中国"),
    "punycode idn": ("www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"),
    "unlisted tld": ("a.b.example", "b.example"),
    "ipv4 is its own site": ("10.0.0.1", "10.0.0.1"),
    "octal ipv4 decoded": ("0177.0.0.1", "127.0.0.1"),
    "dword ipv4 decoded": ("2130706433", "127.0.0.1"),
    "ipv6 bracketed": ("[::1]", "::1"),
    "ipv6 bare, compressed": ("2001:db8:0::1", "2001:db8::1"),
    "numeric last label that is no ipv4": ("1.2.3.09", None),
    "empty": ("", None),
    "leading dot": (".example.com", None),
    "empty label": ("a..example.com", None),
    "over dns length": ("a." * 130 + "com", None),
}


@pytest.mark.parametrize(("host", "expected"), SITE_CASES.values(), ids=SITE_CASES.keys())
def test_site(host: str, expected: str | None) -> None:
    assert site(host) == expected


ICANN_CASES = {
    "github.io tenant collapses": ("alice.github.io", "github.io"),
    "ordinary host": ("item.jd.com", "jd.com"),
    "ip": ("127.1", "127.0.0.1"),
}


@pytest.mark.parametrize(("host", "expected"), ICANN_CASES.values(), ids=ICANN_CASES.keys())
def test_icann_site(host: str, expected: str) -> None:
    assert icann_site(host) == expected


SUFFIX_CASES = {
    "com": ("taobao.com", "com", False),
    "private suffix": ("alice.github.io", "github.io", False),
    "suffix itself": ("github.io", "github.io", True),
    "tld itself": ("cn", "cn", True),
    "two-level suffix itself": ("com.cn", "com.cn", True),
    "ip has no suffix": ("127.0.0.1", None, False),
    "registrable domain": ("example.com.cn", "com.cn", False),
}


@pytest.mark.parametrize(("host", "suffix", "is_suffix"), SUFFIX_CASES.values(), ids=SUFFIX_CASES.keys())
def test_public_suffix(host: str, suffix: str | None, is_suffix: bool) -> None:
    assert public_suffix(host) == suffix
    assert is_public_suffix(host) is is_suffix


@given(st.text(max_size=80))
def test_site_never_raises(host: str) -> None:
    for fn in (site, icann_site, public_suffix):
        result = fn(host)
        assert result is None or isinstance(result, str)
    assert isinstance(is_public_suffix(host), bool)


@given(st.from_regex(r"[a-z0-9-]{1,10}(\.[a-z0-9-]{1,10}){0,4}\.(com|cn|github\.io|co\.uk)", fullmatch=True))
def test_site_is_a_suffix_of_the_host(host: str) -> None:
    result = site(host)
    if result is not None:
        assert host == result or host.endswith("." + result)
        assert site(result) == result
