"""App links (``scheme://…`` of the schemes the platform data declares): found, and nothing else is.

Forms marked [V] are verbatim from the research notes (interop.md §1-§3); [C] are composed from their patterns.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hutong.core.find import Finder, find_links
from hutong.core.find.applinks import AppLinkReader
from hutong.core.platforms import bundled

# (message, the app links found in it)
FOUND = {
    # [V] interop §1
    "taobao item": (
        "taobao://item.taobao.com/item.htm?id=894938883251",
        ["taobao://item.taobao.com/item.htm?id=894938883251"],
    ),
    "douyin video": (
        "snssdk1128://aweme/detail/7298145681699622182?refer=web",
        ["snssdk1128://aweme/detail/7298145681699622182?refer=web"],
    ),
    "kuaishou work": ("kwai://work/5205879746946008323", ["kwai://work/5205879746946008323"]),
    "weibo detail": ("sinaweibo://detail?mblogid=D4VlxgUGh", ["sinaweibo://detail?mblogid=D4VlxgUGh"]),
    "wechat pay collect": (
        "wxp://f2f00KII2aB5awTYIAgVSUNVv9yk-_XIJJSK",
        ["wxp://f2f00KII2aB5awTYIAgVSUNVv9yk-_XIJJSK"],
    ),
    "wechat native pay": ("weixin://wxpay/bizpayurl?pr=9xFPmlUzz", ["weixin://wxpay/bizpayurl?pr=9xFPmlUzz"]),
    "wechat mini-program": ("weixin://dl/business/?t=PQiKZ2W0jdr", ["weixin://dl/business/?t=PQiKZ2W0jdr"]),
    "qq card": (
        "mqqapi://card/show_pslcard?src_type=internal&version=1&uin=12345678",
        ["mqqapi://card/show_pslcard?src_type=internal&version=1&uin=12345678"],
    ),
    "douyin mini-program": (
        "snssdk1128://microapp?app_id=ttef9b992670b151ec&version=v2",
        ["snssdk1128://microapp?app_id=ttef9b992670b151ec&version=v2"],
    ),
    # [C] in chat text: CJK punctuation, spaces and trailing prose punctuation end an app link as they end a URL
    "cjk comma ends it": ("打开 bilibili://video/BV1oM4y1G7LW，看看", ["bilibili://video/BV1oM4y1G7LW"]),
    "cjk glued before": (
        "看这个xhsdiscover://item/0123456789abcdef01234567。",
        ["xhsdiscover://item/0123456789abcdef01234567"],
    ),
    "trailing full stop": ("Open zhihu://questions/36132386.", ["zhihu://questions/36132386"]),
    "in parentheses": ("(tmall://page.tm/search?q=abc)", ["tmall://page.tm/search?q=abc"]),
    "scheme case": ("openApp.jdMobile://virtual?params=%7B%7D", ["openApp.jdMobile://virtual?params=%7B%7D"]),
    "autolink": ("<alipays://platformapi/startapp?saId=10000007>", ["alipays://platformapi/startapp?saId=10000007"]),
    "two in a row": ("kwai://work/1 and bilibili://space/2", ["kwai://work/1", "bilibili://space/2"]),
    "beside a web url": (
        "https://www.bilibili.com/video/BV1oM4y1G7LW 或 bilibili://video/BV1oM4y1G7LW",
        ["bilibili://video/BV1oM4y1G7LW"],
    ),
}


@pytest.mark.parametrize(("text", "expected"), list(FOUND.values()), ids=list(FOUND))
def test_app_links_are_found(text: str, expected: list[str]) -> None:
    found = [f for f in find_links(text) if f.form == "applink"]
    assert [f.text for f in found] == expected
    assert all(text[f.start : f.end] == f.text for f in found)


# colon-bearing prose, in English and Chinese [C]: no app link, and no link at all
PROSE = {
    "ratio": "mix at a ratio 1:2 then stir",
    "clock": "会议 12:30 开始，14:00 结束",
    "note": "Note: this is not a link",
    "note zh": "注意：这不是链接",
    "full-width colon": "备注：明天见：下午",
    "http prose": "the http: scheme and https: too",
    "bible verse": "John 3:16 says",
    "label then slash": "path: /usr/bin",
    "emoticon": "haha :// nope",
    "unknown scheme": "try foo://bar and myapp://open/1",
    "scheme glued to a word": "xtaobao://item.taobao.com/item.htm?id=1 and a.weixin://dl/business/?t=x",
    "scheme alone": "taobao:// and weixin://",
    "ipv6-ish": "fe80::1 and ::1",
    "time with seconds": "23:59:59 倒计时",
    "chinese colon list": "颜色：红；尺码：XL；价格：99",
}


@pytest.mark.parametrize("text", list(PROSE.values()), ids=list(PROSE))
def test_colon_prose_is_not_found(text: str) -> None:
    assert [(f.form, f.text) for f in find_links(text)] == []


# schemes the structural checks judge are never app links: the URL scanner finds them as it did
@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("javascript:alert(1)", "url"),
        ("data:text/html,<b>hi</b>", "url"),
        ("file:///etc/passwd", "url"),
    ],
)
def test_structural_schemes_keep_their_form(text: str, form: str) -> None:
    assert [f.form for f in find_links(text)] == [form]


def test_an_app_link_inside_a_web_url_is_part_of_it() -> None:
    # Alipay's web wrapper carries an app link in its query: one link, the web URL
    text = "https://ds.alipay.com/?scheme=alipays://platformapi/startapp?saId=10000007"
    assert [(f.form, f.text) for f in find_links(text)] == [("url", text)]


def test_only_declared_schemes_are_found() -> None:
    declared = {s for p in bundled() for s in p.schemes}
    assert {"taobao", "snssdk1128", "weixin", "wxp", "alipays", "mqqapi", "bilibili", "zhihu"} <= declared
    finder = Finder([])  # no platform data: no app scheme is known, so none is found
    assert [f.form for f in finder.find("taobao://item.taobao.com/item.htm?id=1")] == []


def test_scheme_at_refuses_long_runs() -> None:
    reader = AppLinkReader(["kwai"])
    text = "a" * 100 + "kwai://work/1"
    assert reader.scheme_at(text, text.index("://")) is None
    assert reader.scheme_at("x kwai://work/1", 6) == 2


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:/：12 .taobaokwi?=#")), max_size=80))
def test_app_link_finds_are_exact_spans(text: str) -> None:
    for f in find_links(text):
        assert text[f.start : f.end] == f.text
        if f.form == "applink":
            assert "://" in f.text and f.text.split(":", 1)[0].lower() in {s for p in bundled() for s in p.schemes}
