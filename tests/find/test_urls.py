"""Where URLs and bare domains start and end in chat text (no platform data involved)."""

from __future__ import annotations

import pytest

from hutong.core.find import Finder
from hutong.errors import InputError

FINDER = Finder([])


def links(text: str) -> list[tuple[str, str]]:
    return [(f.form, f.text) for f in FINDER.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("看这个 https://example.com/a 好", [("url", "https://example.com/a")], id="spaced"),
        pytest.param(
            "http://xhslink.com/EuSrvu，复制本条信息", [("url", "http://xhslink.com/EuSrvu")], id="cjk-comma"
        ),
        pytest.param("链接https://b23.tv/abc。", [("url", "https://b23.tv/abc")], id="cjk-before-and-stop"),
        pytest.param("（https://t.cn/A6aerGsM）", [("url", "https://t.cn/A6aerGsM")], id="fullwidth-parens"),
        pytest.param("《https://a.com/x》「https://b.com/y」", [("url", "https://a.com/x"), ("url", "https://b.com/y")],
                     id="cjk-brackets"),
        pytest.param("打开http://example.com看看", [("url", "http://example.com")], id="cjk-glued-to-host"),
        pytest.param("https://b23.tv/abc看看", [("url", "https://b23.tv/abc")], id="cjk-glued-to-path"),
        pytest.param("点击打开👉https://v.douyin.com/i8tBR7hX/  或", [("url", "https://v.douyin.com/i8tBR7hX/")],
                     id="emoji-before"),
        pytest.param("https://v.douyin.com/x/👈", [("url", "https://v.douyin.com/x/")], id="emoji-after"),
        pytest.param("(http://a.com/x)", [("url", "http://a.com/x")], id="parens-around"),
        pytest.param("http://a.com/x_(y)", [("url", "http://a.com/x_(y)")], id="parens-inside"),
        pytest.param("see http://a.com/x.", [("url", "http://a.com/x")], id="trailing-dot"),
        pytest.param("http://a.com/x?!", [("url", "http://a.com/x")], id="trailing-marks"),
        pytest.param('"http://a.com/x"', [("url", "http://a.com/x")], id="quoted"),
        pytest.param("https://3.cn/35RO-7uG?jkl=@W0a0c28PhTuD@ CA1565",
                     [("url", "https://3.cn/35RO-7uG?jkl=@W0a0c28PhTuD@")], id="jd-at-signs-kept"),
        pytest.param("https://www.xiaohongshu.com/explore/1?xsec_token=AB12cd=",
                     [("url", "https://www.xiaohongshu.com/explore/1?xsec_token=AB12cd=")], id="xsec-equals"),
        pytest.param("https://e.tb.cn/h.x?tk=abc￥", [("url", "https://e.tb.cn/h.x?tk=abc")], id="currency"),
        pytest.param("HTTPS://EXAMPLE.COM/A", [("url", "HTTPS://EXAMPLE.COM/A")], id="upper-case"),
        pytest.param("http://user:pw@example.com:8080/p", [("url", "http://user:pw@example.com:8080/p")],
                     id="userinfo-and-port"),
        pytest.param("http://[::1]:8080/x", [("url", "http://[::1]:8080/x")], id="ipv6"),
        pytest.param("http://0x7f.1/admin", [("url", "http://0x7f.1/admin")], id="hex-ip-kept-for-screening"),
        pytest.param("http://localhost:8000/x", [("url", "http://localhost:8000/x")], id="localhost"),
        pytest.param("javascript:alert(1)", [("url", "javascript:alert(1)")], id="javascript-scheme"),
        pytest.param("data:text/html;base64,PGI+ ok", [("url", "data:text/html;base64,PGI+")], id="data"),
        pytest.param("<irc://foo.bar:2233/baz>", [("url", "irc://foo.bar:2233/baz")], id="angle-autolink"),
        pytest.param("http://例子.中国/路径", [("url", "http://例子.中国/")], id="idn-host-cjk-path-ends"),
        pytest.param("http://президент.рф/x", [("url", "http://президент.рф/x")], id="idn-cyrillic"),
    ],
)
def test_scheme_urls(text: str, expected: list[tuple[str, str]]) -> None:
    assert links(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("去taobao.com/xyz看看", [("domain", "taobao.com/xyz")], id="path-cjk-glued"),
        pytest.param("官网是www.example.cn，自己查", [("domain", "www.example.cn")], id="www-cn"),
        pytest.param("上 jd.com 搜一下", [("domain", "jd.com")], id="plain"),
        pytest.param("президент.рф", [("domain", "президент.рф")], id="idn-bare"),
        pytest.param("example.comてすと", [("domain", "example.com")], id="kana-after"),
        pytest.param("192.168.1.1/admin", [("domain", "192.168.1.1/admin")], id="ip-with-path"),
        pytest.param("google.com:8080/x", [("domain", "google.com:8080/x")], id="port"),
        pytest.param("check GOOGLE.COM.", [("domain", "GOOGLE.COM")], id="upper-trailing-dot"),
        pytest.param("hello.world/path", [("domain", "hello.world/path")], id="rare-tld-with-path"),
        pytest.param("www.hello.world", [("domain", "www.hello.world")], id="rare-tld-with-www"),
    ],
)
def test_bare_domains(text: str, expected: list[tuple[str, str]]) -> None:
    assert links(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("文件名叫report.final.docx", id="file-name"),
        pytest.param("v1.2.3", id="version"),
        pytest.param("价格 3.14 元", id="number"),
        pytest.param("老板说Mr.Wang说", id="name-with-real-tld"),
        pytest.param("e.g. this", id="abbreviation"),
        pytest.param("user@example.com", id="email"),
        pytest.param("name.al+lastname@foo.com", id="email-plus"),
        pytest.param("john.doe.gov@mail.com", id="email-gov-local-part"),
        pytest.param("hello.world", id="rare-tld-alone"),
        pytest.param("run main.py then setup.sh", id="file-like-cctlds"),
        pytest.param("28.0复制整段话 Https:/JYDWNoVro4qHi1【全民】", id="broken-pseudo-url"),
        pytest.param("hppt://example.com", id="typo-scheme"),
        pytest.param("http://-bad.com http://.x.com http://a_b.com", id="bad-labels"),
        pytest.param("google.com:500000", id="impossible-port"),
        pytest.param("#test.com @test.com $t.co", id="hashtag-mention-cashtag"),
        pytest.param("@http://test.com", id="mention-url"),
        pytest.param("mailto:someone@example.com", id="mailto"),
        pytest.param("1.2.3.4", id="bare-ip-alone"),
        pytest.param("10:30 见", id="time"),
        pytest.param("http://domain.com-that-you-should", id="hyphenated-tld"),
    ],
)
def test_not_links(text: str) -> None:
    assert links(text) == []


def test_spans_are_code_points_and_in_message_order() -> None:
    text = "😀 皆さん http://a.com/x 和 b.cn/y，还有 https://c.org"
    found = FINDER.find(text)
    assert [f.text for f in found] == ["http://a.com/x", "b.cn/y", "https://c.org"]
    assert all(text[f.start : f.end] == f.text for f in found)
    assert [f.start for f in found] == sorted(f.start for f in found)


def test_candidate_longer_than_cap_is_skipped_and_scanning_goes_on() -> None:
    finder = Finder([], max_link_chars=100)
    text = "http://a.com/" + "x" * 500 + " then http://b.com/ok"
    assert [f.text for f in finder.find(text)] == ["http://b.com/ok"]


def test_max_links_bounds_a_flood() -> None:
    finder = Finder([], max_links=5)
    assert len(finder.find(" ".join(f"http://a{i}.com" for i in range(50)))) == 5


def test_bytes_are_decoded_not_rejected() -> None:
    assert [f.text for f in FINDER.find("看 https://a.com/x".encode())] == ["https://a.com/x"]
    assert FINDER.find(b"\xff\xfe http://a.com \x00")[0].text == "http://a.com"


@pytest.mark.parametrize("bad", [None, 42, ["http://a.com"]])
def test_non_text_is_refused_with_an_input_error(bad: object) -> None:
    with pytest.raises(InputError, match="str or UTF-8 bytes"):
        FINDER.find(bad)  # type: ignore[arg-type]
