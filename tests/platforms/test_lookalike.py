"""A lookalike host, userinfo or a non-default port is never identified as the platform."""

from __future__ import annotations

import pytest

from .cases import UNWRAP, clean, identify, link

NEGATIVES = {
    "suffix lookalike": "https://item.taobao.com.evil.test/item.htm?id=123456",
    "pdd lookalike": "https://p.pinduoduo.com.evil.test/x",
    "prefix lookalike": "https://eviltaobao.com/item.htm?id=123456",
    "hyphen lookalike": "https://item-taobao.com/item.htm?id=123456",
    "userinfo": "https://user@item.taobao.com/item.htm?id=123456",
    "userinfo with password": "https://item.taobao.com:x@evil.test/item.htm?id=123456",
    "empty userinfo": "https://@item.jd.com/100012043978.html",
    "port 444": "https://item.taobao.com:444/item.htm?id=123456",
    "port 8080 http": "http://item.jd.com:8080/100012043978.html",
    "not http": "ftp://item.jd.com/100012043978.html",
    "ip literal": "https://1.2.3.4/item.htm?id=123456",
    "wechat lookalike": "https://mp.weixin.qq.com.evil.test/s/f6sKObaZZhADTYU2Jl5Bnw",
    "bilibili subdomain trick": "https://www.bilibili.com-video.evil.test/video/BV1oM4y1G7LW",
}


@pytest.mark.parametrize("url", [u for k, u in NEGATIVES.items() if k != "empty userinfo"])
def test_never_identified(url: str) -> None:
    got = identify(url)
    assert got.platform is None and got.category == "unknown"


def test_an_empty_userinfo_is_dropped_by_parsing() -> None:
    # WHATWG drops an empty "@": what is left is the honest URL, and it is identified as such
    parsed = link(NEGATIVES["empty userinfo"])
    assert not parsed.has_userinfo and identify(parsed.href).platform == "jd"


DEFAULT_PORTS = {
    "explicit :443 is the default": ("https://item.jd.com:443/100012043978.html", "jd"),
    "explicit :80 on http": ("http://item.jd.com:80/100012043978.html", "jd"),
}


@pytest.mark.parametrize(("url", "platform"), DEFAULT_PORTS.values(), ids=DEFAULT_PORTS)
def test_default_port_is_fine(url: str, platform: str) -> None:
    assert identify(url).platform == platform


WRAPPER_TRICKS = {
    "userinfo on a wrapper": "https://user@link.zhihu.com/?target=https%3A//example.com/",
    "lookalike wrapper": "https://link.zhihu.com.evil.test/?target=https%3A//example.com/",
    "port on a wrapper": "https://link.zhihu.com:8443/?target=https%3A//example.com/",
}


@pytest.mark.parametrize("url", WRAPPER_TRICKS.values(), ids=WRAPPER_TRICKS)
def test_lookalike_wrappers_are_not_unwrapped(url: str) -> None:
    assert UNWRAP.unwrap(link(url)).url == link(url).href


def test_lookalike_gets_only_generic_cleaning() -> None:
    # platform allowlists must not run on a lookalike: its query is not the platform's to judge
    url = "https://item.taobao.com.evil.test/item.htm?id=1&spm=a&utm_source=x"
    assert clean(url).url == "https://item.taobao.com.evil.test/item.htm?id=1&spm=a"
