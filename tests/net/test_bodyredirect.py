"""Body redirects: generic patterns, and full pages that must not be mistaken for redirects."""

from __future__ import annotations

import pytest

from hutong.net.bodyredirect import find_body_redirect

BASE = "https://m.tb.cn/h.abc"
TARGET = "https://item.taobao.com/item.htm?id=1"

FOUND = {
    "var-url-single": (f"<script>var url = '{TARGET}';</script>", TARGET, "body"),
    "var-url-double": (f'<script>var url = "{TARGET}"; location.href = url;</script>', TARGET, "body"),
    "var-url-escaped-slashes": (
        '<script>var url = "https:\\/\\/item.taobao.com\\/item.htm?id=1";</script>',
        TARGET,
        "body",
    ),
    "location-href": (f'<script>window.location.href="{TARGET}"</script>', TARGET, "body"),
    "location-replace": (f"<script>location.replace('{TARGET}')</script>", TARGET, "body"),
    "meta-refresh": (f'<meta http-equiv="refresh" content="0;url={TARGET}">', TARGET, "body"),
    "meta-refresh-quoted-url": (f"<meta http-equiv=refresh content=\"0; URL='{TARGET}'\">", TARGET, "body"),
    "meta-refresh-entities": (
        '<meta http-equiv="refresh" content="0;url=https://item.taobao.com/item.htm?id=1&amp;b=2">',
        TARGET + "&b=2",
        "body",
    ),
    "meta-refresh-relative": (
        '<meta http-equiv="refresh" content="1;url=/next">',
        "https://m.tb.cn/next",
        "body",
    ),
    "interstitial-link-class": (
        f'<body><p>如需浏览，请长按网址复制后使用浏览器访问</p><div class="link">{TARGET}</div></body>',
        TARGET,
        "interstitial",
    ),
    "interstitial-one-outbound": (
        f'<body><p>即将离开，前往</p><a href="{TARGET}">继续访问</a><a href="/help">帮助</a></body>',
        TARGET,
        "interstitial",
    ),
}


@pytest.mark.parametrize(("page", "url", "via"), FOUND.values(), ids=FOUND.keys())
def test_found(page: str, url: str, via: str) -> None:
    found = find_body_redirect(page, BASE)
    assert found is not None and (found.url, found.via) == (url, via)


NOT_FOUND = {
    "plain-page": "<title>商品</title><p>hello</p>",
    "self-refresh": f'<meta http-equiv="refresh" content="30;url={BASE}">',
    "slow-refresh": f'<meta http-equiv="refresh" content="600;url={TARGET}">',
    "javascript-scheme": "<script>location.href='javascript:alert(1)'</script>",
    "many-outbound": "<body>"
    + "".join(f'<a href="https://s{i}.example/">x</a>' for i in range(3))
    + "</body>",
    "big-page-with-script": "<p>" + "内容" * 20_000 + f"</p><script>location.href='{TARGET}'</script>",
    "long-text-one-link": "<body><p>" + "文字" * 2000 + f'</p><a href="{TARGET}">x</a></body>',
}


@pytest.mark.parametrize("page", NOT_FOUND.values(), ids=NOT_FOUND.keys())
def test_not_found(page: str) -> None:
    assert find_body_redirect(page, BASE) is None
