"""The playground and the page machinery: form posts without JavaScript, language, headers."""

from __future__ import annotations

import httpx
import pytest

from hutong.web.pages import defang

from .conftest import SAFE_SITE, AppFactory, connect


async def test_playground_form_post_shows_each_decision(client: httpx.AsyncClient) -> None:
    text = f"买这个 https://{SAFE_SITE}/item?utm_source=x&id=3 还有 https://unknown-site.example/"
    r = await client.post("/", data={"text": text, "context": "group", "mode": ""})
    assert r.status_code == 200
    page = r.text
    assert page.count('<article class="link') == 2
    assert "utm_source" in page and f"https://{SAFE_SITE}/item?id=3" in page
    assert 'class="go" href="http://testserver/go/' in page
    assert '<option value="group" selected>' in page


async def test_playground_without_links_and_with_bad_input(app_factory: AppFactory) -> None:
    async with connect(app_factory(max_message_chars=10)) as c:
        none = await c.post("/", data={"text": "hello"})
        long = await c.post("/", data={"text": "x" * 11})
        odd = await c.post("/", data={"text": "hi", "context": "nowhere", "mode": "weird"})
    assert none.status_code == 200 and "No links found" in none.text
    assert long.status_code == 413 and "max_message_chars" in long.text
    assert odd.status_code == 200 and '<option value="direct" selected>' in odd.text


@pytest.mark.parametrize(
    ("query", "cookie", "header", "html_lang", "phrase"),
    [
        ("", None, None, "en", "Check the links in a message"),
        ("", None, "zh-CN,zh;q=0.9", "zh-CN", "检查消息中的链接"),
        ("?lang=zh", None, "en", "zh-CN", "检查消息中的链接"),
        ("", "zh", "en", "zh-CN", "检查消息中的链接"),
        ("?lang=en", "zh", "zh", "en", "Check the links in a message"),
    ],
    ids=["default", "accept-language", "switch", "cookie", "switch back"],
)
async def test_language_choice(
    client: httpx.AsyncClient, query: str, cookie: str | None, header: str | None, html_lang: str, phrase: str
) -> None:
    headers = {"accept-language": header} if header else {}
    if cookie:
        client.cookies.set("hutong_lang", cookie)
    r = await client.get("/" + query, headers=headers)
    assert f'<html lang="{html_lang}">' in r.text and phrase in r.text
    assert ("hutong_lang" in r.headers.get("set-cookie", "")) == bool(query)


async def test_pages_are_locked_down(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert 'name="viewport"' in r.text
    assert '<label for="text">' in r.text


async def test_static_files_are_served(client: httpx.AsyncClient) -> None:
    for name in ("hutong.css", "copy.js"):
        assert (await client.get(f"/static/{name}")).status_code == 200


async def test_message_text_is_escaped(client: httpx.AsyncClient) -> None:
    r = await client.post("/", data={"text": "<script>alert(1)</script> https://unknown-site.example/<b>"})
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;" in r.text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://evil.test/login?a=b", "hxxps://evil[.]test/login?a=b"),
        ("http://a.b.c/", "hxxp://a[.]b[.]c/"),
        ("https://user@evil.test:8443/x", "hxxps://evil[.]test:8443/x"),
    ],
)
def test_defang(url: str, expected: str) -> None:
    assert defang(url) == expected


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("Taobao", "JD", "product", "pretends to be paypal.com", "Title in the share")),
        ("zh", ("淘宝", "京东", "商品", "冒充 paypal.com", "分享标题")),
    ],
)
async def test_the_playground_speaks_in_words(client: httpx.AsyncClient, lang: str, words: tuple[str, ...]) -> None:
    text = (
        "【淘宝】 https://e.tb.cn/h.7vUJnkd5IQyLbmr 「小米手环8 NFC版」 打开淘宝\n"
        "￥Ab1Cd2Ef3Gh￥ 复制这段描述，打开手机淘宝\n"
        "https://item.jd.com/100012043978.html https://paypa1-login.com/x"
    )
    r = await client.post(f"/?lang={lang}", data={"text": text})
    page = r.text
    for word in words:
        assert word in page, word
    assert "<code>hutong keys create NAME</code>" in page and "`" not in page
    for leak in ("looks_like", "paypal-login.corn", "<dd>taobao</dd>", "<dd>product</dd>"):
        assert leak not in page, leak
    assert page.count('class="copy"') == 1  # the app password's card has a copy button
