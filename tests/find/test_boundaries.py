"""Where a link starts and ends against the text around it, one table per class of boundary (issue 14).

The cases are written from the classes and the WHATWG URL standard (userinfo ends at the last ``@`` of
the authority; a host's labels are letters, digits and inner hyphens), not taken from other projects.
"""

from __future__ import annotations

import pytest

from hutong.core.find import Finder

FINDER = Finder([])


def texts(text: str) -> list[str]:
    found = FINDER.find(text)
    assert all(text[f.start : f.end] == f.text for f in found)
    return [f.text for f in found]


# A scheme glued to punctuation before it still starts a link; glued to a letter or digit it does not.
GLUED_BEFORE = [
    pytest.param("1.https://b23.tv/abc", ["https://b23.tv/abc"], id="numbered-list"),
    pytest.param("1.https://a.cn/x\n2.https://b.cn/y\n10.http://c.cn/z", ["https://a.cn/x", "https://b.cn/y", "http://c.cn/z"],
                 id="numbered-list-lines"),
    pytest.param("看这个.https://example.com/a", ["https://example.com/a"], id="cjk-then-dot"),
    pytest.param("* test link -https://www.example.com", ["https://www.example.com"], id="dash"),
    pytest.param("--https://a.org/x", ["https://a.org/x"], id="two-dashes"),
    pytest.param("1)https://a.org/x", ["https://a.org/x"], id="numbered-paren"),
    pytest.param("第1条.http://t.cn/AbC", ["http://t.cn/AbC"], id="cjk-ordinal"),
    pytest.param("见:https://a.org/x", ["https://a.org/x"], id="colon"),
    pytest.param("xhttps://a.org/x", [], id="letter-glued-is-no-scheme"),
    pytest.param("2https://a.org/x", [], id="digit-glued-is-no-scheme"),
    pytest.param("a_https://a.org/x", [], id="underscore-glued-is-no-scheme"),
]

# A second link right after the first is its own link; a URL carried inside another one stays inside.
BACK_TO_BACK = [
    pytest.param("(http://one.org/)(http://two.org/)", ["http://one.org/", "http://two.org/"], id="parens-pair"),
    pytest.param("[http://a.org/x](http://b.org/y)", ["http://a.org/x", "http://b.org/y"], id="markdown-url-text"),
    pytest.param("[文档](https://a.org/doc_(v2))。", ["https://a.org/doc_(v2)"], id="markdown-pair-in-target"),
    pytest.param("见[链接](http://b.org/y)和[另一个](http://c.org/z)", ["http://b.org/y", "http://c.org/z"],
                 id="two-markdown-links"),
    pytest.param("{https://a.org/x}{https://b.org/y}", ["https://a.org/x", "https://b.org/y"], id="braces"),
    pytest.param("https://a.org/x,https://b.org/y", ["https://a.org/x", "https://b.org/y"], id="comma-list"),
    pytest.param("https://a.org/x;https://b.org/y", ["https://a.org/x", "https://b.org/y"], id="semicolon-list"),
    pytest.param("https://a.org/x|https://b.org/y", ["https://a.org/x", "https://b.org/y"], id="pipe-list"),
    pytest.param("https://web.archive.org/web/2020/https://a.org/x", ["https://web.archive.org/web/2020/https://a.org/x"],
                 id="archived-url-stays-whole"),
    pytest.param("https://r.example/go?to=https://a.org/x&s=1", ["https://r.example/go?to=https://a.org/x&s=1"],
                 id="redirect-target-stays-whole"),
    pytest.param("(one.org/a)(two.org/b)", ["one.org/a", "two.org/b"], id="bare-pair"),
]

# A bracket or quote that opened before the link closes it; pairs inside the link are kept.
ENCLOSED = [
    pytest.param("asd(enclosure.net/bracketext)asd", ["enclosure.net/bracketext"], id="bare-in-parens-glued"),
    pytest.param("asd[a.org/x]asd", ["a.org/x"], id="bare-in-brackets-glued"),
    pytest.param('a(sa"enclosure.net/bracketext"as)asd', ["enclosure.net/bracketext"], id="bare-in-quotes"),
    pytest.param('<a href="https://a.org/x">a</a>', ["https://a.org/x"], id="html-attribute"),
    pytest.param('say "https://a.org/x"yes', ["https://a.org/x"], id="quoted-glued"),
    pytest.param("(http://a.org/wiki/X_(Y))", ["http://a.org/wiki/X_(Y)"], id="pair-inside-enclosed"),
    pytest.param("(http://a.org/x)。", ["http://a.org/x"], id="enclosed-then-cjk-stop"),
    pytest.param("http://a.org/wiki/X_(Y)", ["http://a.org/wiki/X_(Y)"], id="pair-not-enclosed"),
    pytest.param("http://a.org/search?q=(x))+y", ["http://a.org/search?q=(x))+y"], id="not-enclosed-keeps-closer"),
    pytest.param("http://a.org/x(", ["http://a.org/x"], id="trailing-opener"),
    pytest.param("http://a.org/x[.", ["http://a.org/x"], id="trailing-opener-then-dot"),
    pytest.param('http://a.org/x_"quoted"', ['http://a.org/x_"quoted"'], id="quote-pair-in-path"),
]

# Punctuation after a host ends the link; a hyphen or dot followed by more of a label makes a bad host.
HOST_END = [
    pytest.param("https://example.org-", ["https://example.org"], id="trailing-hyphen"),
    pytest.param("https://example.org--", ["https://example.org"], id="trailing-hyphens"),
    pytest.param("https://example.com-/x", ["https://example.com"], id="hyphen-before-slash"),
    pytest.param("see example.org- ok", ["example.org"], id="bare-trailing-hyphen"),
    pytest.param("example.org-x", [], id="bare-label-goes-on"),
    pytest.param("http://a.com-b", [], id="scheme-label-goes-on"),
    pytest.param("https://example.com.:8080/x", ["https://example.com.:8080/x"], id="fqdn-root-dot-before-port"),
    pytest.param("https://example.com./x", ["https://example.com./x"], id="fqdn-root-dot-before-path"),
    pytest.param("https://example.com.", ["https://example.com"], id="sentence-dot"),
]

# TLD case: a familiar gTLD is a TLD in any case; other TLDs in mixed case are words after a dot.
TLD_CASE = [
    pytest.param("example.Net", ["example.Net"], id="capitalised-common-gtld"),
    pytest.param("Example.Com/x", ["Example.Com/x"], id="capitalised-with-path"),
    pytest.param("go to example.oRG now", ["example.oRG"], id="odd-case-common-gtld"),
    pytest.param("EXAMPLE.CZ", ["EXAMPLE.CZ"], id="upper-cctld"),
    pytest.param("example.cz", ["example.cz"], id="lower-cctld"),
    pytest.param("I was outside.In the park", [], id="sentence-start-cctld"),
    pytest.param("老板说Mr.Wang说", [], id="name-gtld"),
    pytest.param("http://caseInsensitive.cOM", ["http://caseInsensitive.cOM"], id="scheme-any-case"),
]

# WHATWG: the userinfo ends at the last "@" before the path, so the host is what follows it.
USERINFO = [
    pytest.param("https://user:pass@ex@mple.com/", ["https://user:pass@ex@mple.com/"], id="at-in-password"),
    pytest.param("https://user:!$&'()*+,;=@example.com/", ["https://user:!$&'()*+,;=@example.com/"],
                 id="sub-delims-in-password"),
    pytest.param("http://a.com@b.com@c.com/x", ["http://a.com@b.com@c.com/x"], id="two-ats"),
    pytest.param("http://google.com@evil.example@ now", ["http://google.com@evil.example"],
                 id="last-at-without-host-is-not-userinfo"),
    pytest.param("https://u@example.com:8443/p", ["https://u@example.com:8443/p"], id="user-and-port"),
    pytest.param("https://example.com/@about", ["https://example.com/@about"], id="at-in-path"),
    pytest.param("http://@example.com/x", ["http://@example.com/x"], id="empty-userinfo"),
]

# CJK: a path segment that starts with CJK letters is part of the link; CJK glued after it is prose.
CJK = [
    pytest.param("https://example.org/docs/会议纪要.pdf，谢谢", ["https://example.org/docs/会议纪要.pdf"], id="file"),
    pytest.param("https://zh.wikipedia.org/wiki/北京 很大", ["https://zh.wikipedia.org/wiki/北京"], id="title-segment"),
    pytest.param("https://a.org/wiki/北京。", ["https://a.org/wiki/北京"], id="cjk-segment-then-stop"),
    pytest.param("https://a.org/报告.pdf", ["https://a.org/报告.pdf"], id="first-segment-with-extension"),
    pytest.param("https://a.org/文档/v2/", ["https://a.org/文档/v2/"], id="first-segment-goes-on"),
    pytest.param("https://a.org/s?wd=北京，好", ["https://a.org/s?wd=北京"], id="cjk-query-value"),
    pytest.param("https://a.org/docs/会议纪要.pdf😀", ["https://a.org/docs/会议纪要.pdf"], id="emoji-ends-segment"),
    pytest.param("https://example.com看看", ["https://example.com"], id="prose-after-host"),
    pytest.param("https://b23.tv/abc看看", ["https://b23.tv/abc"], id="prose-after-ascii-segment"),
    pytest.param("http://twitter.com/これは日本語です。", ["http://twitter.com/"], id="prose-after-first-slash"),
    pytest.param("去a.org/docs/会议纪要.pdf，", ["a.org/docs/会议纪要.pdf"], id="bare-domain-cjk-segment"),
    pytest.param("去taobao.com/xyz看看", ["taobao.com/xyz"], id="bare-domain-prose"),
]


@pytest.mark.parametrize(("text", "expected"), GLUED_BEFORE)
def test_scheme_glued_to_what_comes_before(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


@pytest.mark.parametrize(("text", "expected"), BACK_TO_BACK)
def test_links_back_to_back(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


@pytest.mark.parametrize(("text", "expected"), ENCLOSED)
def test_brackets_and_quotes(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


@pytest.mark.parametrize(("text", "expected"), HOST_END)
def test_end_of_host(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


@pytest.mark.parametrize(("text", "expected"), TLD_CASE)
def test_tld_case(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


@pytest.mark.parametrize(("text", "expected"), USERINFO)
def test_userinfo(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


@pytest.mark.parametrize(("text", "expected"), CJK)
def test_cjk_path_or_prose(text: str, expected: list[str]) -> None:
    assert texts(text) == expected
