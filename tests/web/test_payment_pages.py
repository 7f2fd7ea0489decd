"""Payment links and friend-pays requests on the pages: the confirm (and copy) page shows payee and amount."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hutong.service.golinks import read_token

from .conftest import AppFactory, connect

ALIPAY = "https://qr.alipay.com/fkx15982wetkbikz3ng6h29"
WALLET = "https://i.qianbao.qq.com/wallet/sqrcode.htm?m=tenpay&a=1&u=12345678&n=%E5%B0%8F%E7%8E%8B&f=wallet"
REQUEST = "【淘宝】帮我付款吧！店铺：小王的店 ¥89.90 https://m.tb.cn/h.UvpmkC1?tk=sGbodnsOSIy 「测试商品」"


async def checked(client: httpx.AsyncClient, text: str, **extra: Any) -> dict[str, Any]:
    link: dict[str, Any] = (await client.post("/v1/check", json={"text": text, **extra})).json()["links"][0]
    return link


async def page_of(client: httpx.AsyncClient, text: str, **extra: Any) -> httpx.Response:
    link = await checked(client, text, **extra)
    return await client.get(str(link["go"]).removeprefix("http://testserver"))


@pytest.mark.parametrize(
    ("text", "payee", "amount"),
    [
        (REQUEST, "小王的店", "89.90 ¥"),
        (WALLET, "小王", "not stated in the link"),
        (ALIPAY, "not stated in the link", "not stated in the link"),
    ],
    ids=["friend-pays request", "wallet names the payee", "collect code"],
)
async def test_confirm_page_shows_payee_and_amount(
    client: httpx.AsyncClient, text: str, payee: str, amount: str
) -> None:
    r = await page_of(client, text)
    page = r.text
    assert r.status_code == 200 and 'id="continue-form"' in page  # a confirm page, never a redirect
    assert f'<dd class="payee" id="payee">{payee}</dd>' in page
    assert f'<dd class="amount" id="amount">{amount}</dd>' in page
    assert "hutong never pays" in page
    assert "policy.payment.confirm" in page


async def test_in_chinese(client: httpx.AsyncClient) -> None:
    link = await checked(client, REQUEST)
    page = (await client.get(str(link["go"]).removeprefix("http://testserver") + "?lang=zh")).text
    assert "收款方" in page and "金额" in page and "胡同不会替您付款" in page and "代付请求" in page


async def test_in_a_group_the_copy_page_shows_them_too(client: httpx.AsyncClient) -> None:
    r = await page_of(client, REQUEST, context="group")
    assert r.status_code == 200 and 'id="continue-form"' not in r.text
    assert '<dd class="payee" id="payee">小王的店</dd>' in r.text
    assert "policy.payment.group.copy" in r.text


async def test_a_non_payment_confirm_page_has_no_payment_box(client: httpx.AsyncClient) -> None:
    page = (await page_of(client, "https://unknown-site.example/article")).text
    assert 'id="continue-form"' in page and 'id="payment"' not in page


async def test_the_api_answer_carries_the_payment(client: httpx.AsyncClient) -> None:
    link = await checked(client, REQUEST)
    assert (link["category"], link["kind"]) == ("payment", "payment_request")
    assert link["payment"] == {"payee": "小王的店", "amount": "89.90", "currency": "¥"}
    plain = await checked(client, "https://unknown-site.example/article")
    assert plain.get("payment") is None


async def test_the_go_link_keeps_the_request(app_factory: AppFactory) -> None:
    """The click-time check sees only the URL: the signed go-link carries what the share text said."""
    app = app_factory()
    async with connect(app) as client:
        link = await checked(client, REQUEST)
        token = str(link["go"]).rsplit("/", 1)[-1]
        claim = read_token(app.state.gateway.signer, token)
        assert claim.payment is not None and claim.payment.payee == "小王的店"
        # the same URL pasted alone is a shop link, not a payment request
        alone = await checked(client, "https://m.tb.cn/h.UvpmkC1?tk=sGbodnsOSIy", context="group")
        alone_claim = read_token(app.state.gateway.signer, str(alone["go"]).rsplit("/", 1)[-1])
        assert alone_claim.payment is None and alone["category"] == "ecommerce"
        # and its click is decided as the request it was, in its group: copy only
        grouped = await checked(client, REQUEST, context="group")
        r = await client.get(str(grouped["go"]).removeprefix("http://testserver"))
        assert "policy.payment.group.copy" in r.text
