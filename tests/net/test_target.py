"""URL checks before anything is sent: scheme, port, userinfo, IP spellings."""

from __future__ import annotations

import pytest

from hutong.config import NetworkSection
from hutong.errors import BlockedURL
from hutong.net.target import join, parse_target

S = NetworkSection()

ACCEPTED = {
    "plain-https": ("https://m.tb.cn/h.abc?x=1#frag", "https://m.tb.cn/h.abc?x=1", "m.tb.cn", 443),
    "explicit-default-port": ("http://b23.tv:80/x", "http://b23.tv/x", "b23.tv", 80),
    "idn-to-punycode": (
        "https://例子.中国/",
        "https://xn--fsqu00a.xn--fiqs8s/",
        "xn--fsqu00a.xn--fiqs8s",
        443,
    ),
    "hex-ip-normalised": ("http://0x7f.1/", "http://127.0.0.1/", "127.0.0.1", 80),
    "decimal-ip-normalised": ("http://2130706433/", "http://127.0.0.1/", "127.0.0.1", 80),
    "octal-ip-normalised": ("http://017700000001/", "http://127.0.0.1/", "127.0.0.1", 80),
    "ipv6-literal": ("http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "::ffff:7f00:1", 80),
    "backslash-is-path": ("http://evil.com\\@good.com/", "http://evil.com/@good.com/", "evil.com", 80),
}


@pytest.mark.parametrize(("url", "href", "host", "port"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted(url: str, href: str, host: str, port: int) -> None:
    t = parse_target(url, S)
    assert (t.href, t.host, t.port) == (href, host, port)


REFUSED = {
    "file-scheme": "file:///etc/passwd",
    "ftp-scheme": "ftp://example.com/",
    "gopher-scheme": "gopher://127.0.0.1:6379/_INFO",
    "javascript": "javascript:alert(1)",
    "data": "data:text/html,hi",
    "userinfo": "https://user@example.com/",
    "userinfo-password": "https://user:pw@example.com/",
    "userinfo-lookalike": "https://taobao.com@evil.example/",
    "port-22": "http://example.com:22/",
    "port-6379": "http://example.com:6379/",
    "port-8080": "http://example.com:8080/",
    "not-a-url": "http://[::1/",
    "too-many-dots": "http://1.2.3.4.5/",
    "overlong": "https://example.com/" + "a" * 9000,
}


@pytest.mark.parametrize("url", REFUSED.values(), ids=REFUSED.keys())
def test_refused(url: str) -> None:
    with pytest.raises(BlockedURL) as info:
        parse_target(url, S)
    assert info.value.code == "remote.blocked_url"


def test_allowed_ports_are_configurable() -> None:
    assert parse_target("http://example.com:8080/", NetworkSection(allowed_ports=(8080,))).port == 8080


@pytest.mark.parametrize(
    ("base", "location", "expected"),
    [
        ("https://a.com/x/y", "../z", "https://a.com/z"),
        ("https://a.com/x", "//b.com/p", "https://b.com/p"),
        ("https://a.com/x", "https://c.com/", "https://c.com/"),
    ],
)
def test_join(base: str, location: str, expected: str) -> None:
    assert join(base, location) == expected
