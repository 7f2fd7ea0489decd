"""Payment links and friend-pays requests: identified as ``payment``, decided alike for every provider.

Forms marked [V] are verbatim from the research notes (interop.md §2); [C] are composed. hutong never pays:
these tests only check how a payment link is shown and opened.
"""

from __future__ import annotations

import itertools

import pytest

from hutong.config import Config, SafetySection
from hutong.core.model import CONTEXTS, MODES, Action, Payment
from hutong.core.neutrality import check_neutrality, members
from hutong.core.platforms import bundled
from hutong.core.policy import BOOLS, Inputs, default_policy
from hutong.pipeline import Engine

# web pay pages: (url, platform, id)
WEB = {
    "alipay collect code [V]": ("https://qr.alipay.com/fkx15982wetkbikz3ng6h29", "alipay", "fkx15982wetkbikz3ng6h29"),
    "alipay upper case [V]": ("HTTPS://QR.ALIPAY.COM/FKX09613RWE3ROTNTVR362", "alipay", "FKX09613RWE3ROTNTVR362"),
    "alipay with t [V]": (
        "https://qr.alipay.com/fkx15982wetkbikz3ng6h29?t=1600000000000",
        "alipay",
        "fkx15982wetkbikz3ng6h29",
    ),
    "alipay other prefix [V]": (
        "https://qr.alipay.com/a6x00588utz0thcofk77v7d?_s=web-other",
        "alipay",
        "a6x00588utz0thcofk77v7d",
    ),
    "alipay wap cashier [V]": ("https://mclient.alipay.com/cashier/mobilepay.htm", "alipay", "cashier/mobilepay"),
    "wechat h5 pay [V]": (
        "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx2016121516420242444321ca0631331346&package=1405458241",
        "wechatpay",
        "wx2016121516420242444321ca0631331346",
    ),
    "wechat merchant qr [C]": ("https://payapp.weixin.qq.com/qr/AQFjAbCdEf12", "wechatpay", "AQFjAbCdEf12"),
    "wechat material qr [C]": ("https://payapp.weixin.qq.com/materialqr/entry/home?id=12345", "wechatpay", "12345"),
    "unionpay [V]": (
        "https://qr.95516.com/00010000/62028489073949969691921655610979",
        "unionpay",
        "00010000/62028489073949969691921655610979",
    ),
    "unionpay 2 [V]": (
        "https://qr.95516.com/48020000/42171909246221001152996469",
        "unionpay",
        "48020000/42171909246221001152996469",
    ),
    "qq wallet [V form, C values]": (
        "https://i.qianbao.qq.com/wallet/sqrcode.htm?m=tenpay&a=1&u=12345678&ac=ABC&n=%E5%B0%8F%E7%8E%8B&f=wallet",
        "qq",
        "12345678",
    ),
}

ENGINE = Engine.from_config()


@pytest.mark.parametrize(("url", "platform", "pid"), list(WEB.values()), ids=list(WEB))
def test_web_pay_pages_are_payments(url: str, platform: str, pid: str) -> None:
    (report,) = ENGINE.analyse(url)
    i = report.identity
    assert (i.platform, i.category, i.kind, i.id) == (platform, "payment", "payment", pid)


def test_a_lookalike_pay_host_is_not_a_payment_provider() -> None:
    (report,) = ENGINE.analyse("https://qr.alipay.com.evil.test/fkx15982wetkbikz3ng6h29")
    assert (report.identity.platform, report.identity.category) == (None, "unknown")


def test_the_payee_a_pay_page_names_is_shown() -> None:
    (report,) = ENGINE.analyse(WEB["qq wallet [V form, C values]"][0])
    assert report.payment == Payment(payee="小王")
    assert report.to_json()["payment"] == {"payee": "小王", "amount": None, "currency": None}


# friend-pays requests [C]: no verbatim share text is public (notes interop §2); the cues are the platforms' own
# feature names ("找朋友帮忙付", "帮我付", "好友代付", "代付")
REQUESTS = {
    "taobao with payee and amount": (
        "【淘宝】帮我付款吧！店铺：小王的店 ¥89.90 https://m.tb.cn/h.UvpmkC1?tk=sGbodnsOSIy 「测试商品」",
        "taobao",
        Payment("小王的店", "89.90", "¥"),
    ),
    "taobao checkout wording": (
        "找朋友帮忙付 https://item.taobao.com/item.htm?id=770687446004",
        "taobao",
        Payment(),
    ),
    "pinduoduo": (
        "【拼多多】帮我付一下，共 12.5元 https://mobile.yangkeduo.com/goods.html?ps=Bo90h8nXsj",
        "pinduoduo",
        Payment(None, "12.5", "元"),
    ),
    "jd": (
        "【京东】好友代付 ￥59.90 https://3.cn/2x-AbCdE?jkl=@AbCdEfGhIjKl@ MF8555 「测试」",
        "jd",
        Payment(None, "59.90", "￥"),
    ),
}


@pytest.mark.parametrize(("text", "platform", "payment"), list(REQUESTS.values()), ids=list(REQUESTS))
def test_friend_pays_requests(text: str, platform: str, payment: Payment) -> None:
    (report,) = ENGINE.analyse(text)
    i = report.identity
    assert (i.platform, i.category, i.kind) == (platform, "payment", "payment_request")
    assert report.payment == payment
    assert "category.share" in report.verdict.codes
    assert report.to_json()["payment"] == payment.to_json()
    group = ENGINE.analyse(text, context="group")[0].decision
    assert group is not None and (group.action, group.rule) == (Action.COPY, "policy.payment.group.copy")


def test_a_plain_share_text_is_no_payment_request() -> None:
    (report,) = ENGINE.analyse("【淘宝】https://m.tb.cn/h.UvpmkC1?tk=sGbodnsOSIy 「测试」")
    assert (report.identity.category, report.identity.kind, report.payment) == ("ecommerce", None, None)


# the decision, for screened-clean payment links (operator allow list: every provider's site alike)
CLEAN = Engine.from_config(
    Config(safety=SafetySection(allow=("alipay.com", "tenpay.com", "95516.com", "qq.com", "taobao.com")))
)


@pytest.mark.parametrize("mode", [None, *MODES])
@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize(("url", "platform", "pid"), list(WEB.values()), ids=list(WEB))
def test_payment_links_are_never_opened_directly(
    url: str, platform: str, pid: str, context: str, mode: str | None
) -> None:
    (report,) = CLEAN.analyse(url, context=context, mode=mode)  # type: ignore[arg-type]
    decision = report.decision
    assert report.verdict.level.label == "safe" and decision is not None
    if context == "direct":
        assert (decision.action, decision.rule) == (Action.CONFIRM, "policy.payment.confirm")
        assert "never pays" in decision.reason
    else:
        assert (decision.action, decision.rule) == (Action.COPY, "policy.payment.group.copy")


def test_the_policy_treats_payment_providers_alike() -> None:
    """The proof: every provider of payment links is compared with an unlisted one, and none differs."""
    report = check_neutrality(default_policy())
    assert report.neutral and report.valid
    compared = dict(report.members)["payment"]
    # every wallet and bank rail in the data, and the shops whose friend-pays requests are payments
    assert {"alipay", "wechatpay", "unionpay", "qq", "wechat", "taobao", "jd", "pinduoduo"} <= set(compared)
    assert report.to_json()["members"]["payment"] == list(compared)


def test_no_payment_input_ever_opens() -> None:
    """Over the whole input space, for every payment provider and the unlisted one: never open; groups copy."""
    policy = default_policy()
    for member in members(bundled())["payment"]:
        for context, mode, level, trusted in itertools.product(CONTEXTS, MODES, ("safe", "unknown"), BOOLS):
            inputs = Inputs(context, mode, "payment", level, True, trusted, member.platform, member.site)
            action = policy.decide(inputs).action
            assert action is not Action.OPEN, (member.name, inputs)
            if context != "direct":
                assert action is Action.COPY, (member.name, inputs)
            elif not (mode == "strict" and level == "unknown"):
                assert action is Action.CONFIRM, (member.name, inputs)


def test_a_request_stays_a_payment_whatever_its_page_declares() -> None:
    """The page a friend-pays request leads to is a shop's product page: its declaration must not make the
    request a plain e-commerce link (which groups open)."""
    url = "https://item.taobao.com/item.htm?id=770687446004"
    report = CLEAN.recheck(url, context="group", category="ecommerce", payment=Payment("小王的店", "89.90"))
    assert (report.identity.category, report.identity.kind) == ("payment", "payment_request")
    assert report.decision is not None and report.decision.action is Action.COPY
    plain = CLEAN.recheck(url, context="group", category="ecommerce")
    assert plain.decision is not None and plain.decision.action is Action.OPEN
