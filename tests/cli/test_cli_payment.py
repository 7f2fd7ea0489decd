"""``hutong check`` on app links and payment requests: the form, the web equivalent and the payee/amount shown."""

from __future__ import annotations

import json

import pytest

from hutong.cli import main

REQUEST = "【淘宝】帮我付款吧！店铺：小王的店 ¥89.90 https://m.tb.cn/h.UvpmkC1?tk=sGbodnsOSIy 「测试商品」"


def test_json_carries_form_web_equivalent_and_payment(capsys: pytest.CaptureFixture[str]) -> None:
    text = f"{REQUEST} snssdk1128://aweme/detail/7298145681699622182?refer=web"
    assert main(["check", "--offline", "--json", text]) == 0
    request, app = json.loads(capsys.readouterr().out)["links"]
    assert request["payment"] == {"payee": "小王的店", "amount": "89.90", "currency": "¥"}
    assert (request["category"], request["kind"]) == ("payment", "payment_request")
    assert app["found"]["form"] == "applink" and "payment" not in app
    assert (app["url"], app["original"]) == (
        "https://www.douyin.com/video/7298145681699622182",
        "snssdk1128://aweme/detail/7298145681699622182?refer=web",
    )
    assert app["hops"] == [{"url": app["original"], "status": None, "via": "applink"}]


@pytest.mark.parametrize("width", ["200", "60"], ids=["table", "stacked"])
def test_text_output_shows_payee_and_amount(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, width: str
) -> None:
    monkeypatch.setenv("COLUMNS", width)
    assert main(["check", "--offline", REQUEST]) == 0
    out = capsys.readouterr().out
    assert "pay 小王的店 89.90 ¥" in out and "policy.payment.confirm" in out
