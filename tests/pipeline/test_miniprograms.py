"""Mini-programs, in every link form of every ecosystem: found with their platform, and decided alike.

Forms are verbatim from the research notes (interop.md §3) unless marked [C].
"""

from __future__ import annotations

import pytest

from hutong.config import Config, SafetySection
from hutong.core.model import CONTEXTS, MODES, Action
from hutong.pipeline import Engine

# message -> (form, platform, id)
FORMS = {
    "wechat short link": ("#小程序://闲鱼/DltdGeCXEGcyyod", "miniprogram", "xianyu", "DltdGeCXEGcyyod"),
    "wechat url link": ("https://wxaurl.cn/Cy0Yat2Ywag", "url", "wechat", "Cy0Yat2Ywag"),
    "wechat url link in text [C]": ("点这里 https://wxaurl.cn/Cy0Yat2Ywag 打开小程序", "url", "wechat", "Cy0Yat2Ywag"),
    "wechat url scheme (ticket)": ("weixin://dl/business/?t=SagndxolUds", "applink", "wechat", "SagndxolUds"),
    "wechat url scheme (plain)": (
        "weixin://dl/business/?appid=wx4e1ba651bbe36d01&path=mall/order/list&query=index%3D2",
        "applink",
        "wechat",
        "wx4e1ba651bbe36d01",
    ),
    "alipay": (
        "alipays://platformapi/startapp?appId=2021003128635520&page=pages%2Findex%2Findex",
        "applink",
        "alipay",
        "2021003128635520",
    ),
    "douyin": ("snssdk1128://microapp?app_id=ttef9b992670b151ec&version=v2", "applink", "douyin", "ttef9b992670b151ec"),
    "douyin game [C]": ("snssdk1128://microgame?app_id=ttef9b992670b151ec", "applink", "douyin", "ttef9b992670b151ec"),
    "bytedance sslocal": (
        "sslocal://microapp?app_id=ttb1d2c76f2ee36a0601&scene=0",
        "applink",
        "douyin",
        "ttb1d2c76f2ee36a0601",
    ),
}

# screened clean where screening can run (the operator allow list), so the decision cannot come from the level
ENGINE = Engine.from_config(Config(safety=SafetySection(allow=("wxaurl.cn",))))


@pytest.mark.parametrize(("text", "form", "platform", "pid"), list(FORMS.values()), ids=list(FORMS))
def test_found_with_their_platform(text: str, form: str, platform: str, pid: str) -> None:
    (report,) = ENGINE.analyse(text)
    assert (report.found.form, report.identity.platform, report.identity.kind, report.identity.id) == (
        form,
        platform,
        "miniprogram",
        pid,
    )


@pytest.mark.parametrize("mode", [None, *MODES])
@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize(("text", "form", "platform", "pid"), list(FORMS.values()), ids=list(FORMS))
def test_decided_alike(text: str, form: str, platform: str, pid: str, context: str, mode: str | None) -> None:
    (report,) = ENGINE.analyse(text, context=context, mode=mode)  # type: ignore[arg-type]
    decision = report.decision
    assert decision is not None
    assert (decision.action, decision.rule) == (Action.COPY, "policy.unopenable.copy")
    assert "open it in its app" in decision.reason


def test_a_web_url_link_stays_copyable() -> None:
    (report,) = ENGINE.analyse("https://wxaurl.cn/Cy0Yat2Ywag")
    assert report.url == "https://wxaurl.cn/Cy0Yat2Ywag" and report.verdict.level.label == "safe"
