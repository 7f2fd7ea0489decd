"""A code's text is checked exactly as the same text typed in a message: same links, verdicts and decisions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hutong.config import Config, DataSection, SafetySection, ScanSection
from hutong.core.model import Analysis
from hutong.pipeline import Engine
from hutong.service import open_gateway
from hutong.service.pictures import check_picture
from tests.support.pictures import encoded, qr, sheet

PHISH = "https://login-verify.phish.example/account/update"  # denied by the operator here
SAFE = "https://docs.safe.test/guide"  # allowed by the operator here
PAY = "https://qr.alipay.com/fkx19283xyzabc"
SHARE = "【淘宝】这个不错 https://m.tb.cn/h.5xYzAbC?tk=Ab12Cd 点击链接直接打开"  # share text in a code
MINI = "#小程序://胡同小店/Ab3xYz9QwErTy"
WXPAY = "wxp://f2f0Xy8aBcDeFgHiJkLmNoPq"
CONFIG = Config(
    safety=SafetySection(allow=("safe.test",), deny=("phish.example",)),
    scan=ScanSection(mode="inline"),
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine.from_config(replace(CONFIG, data=DataSection(dir=str(tmp_path_factory.mktemp("pictures")))))


def _decided(analysis: Analysis) -> list[tuple[Any, ...]]:
    return [
        (r.found.text, r.found.start, r.url, r.identity.platform, r.identity.category, r.verdict.level, r.verdict.codes,
         r.decision and (r.decision.action, r.decision.rule))
        for r in analysis.links
    ]


@pytest.mark.parametrize("text", [PHISH, SAFE, PAY, SHARE, MINI, f"pay here {PAY} or {PHISH}"])
@pytest.mark.parametrize("context", ["direct", "group"])
async def test_a_code_is_decided_like_the_same_text_typed(engine: Engine, text: str, context: Any) -> None:
    checked = await check_picture(engine, encoded(qr(text)), config=CONFIG, context=context, online=False)
    typed = engine.examine(text, context=context)
    assert typed.links  # each of these texts holds a link today
    assert [(r.found.text, r.found.start, r.url, r.identity.platform, r.identity.category, r.verdict.level,
             r.verdict.codes, r.decision and (r.decision.action, r.decision.rule))
            for r in checked.links] == _decided(typed)
    for report, typed_report in zip(checked.links, typed.links, strict=True):
        assert report.found.form == "qr" and report.found.code is not None
        assert (report.found.code.index, report.found.code.symbology) == (0, "QRCode")
        assert report.found.code.found_as == typed_report.found.form
    assert [c.content for c in checked.codes] == ["links"]


async def test_the_operator_s_verdicts_hold_for_codes(engine: Engine) -> None:
    checked = await check_picture(engine, encoded(qr(PHISH)), config=CONFIG, context="group")
    ((action, level),) = [(r.decision.action.value, r.verdict.level.label) for r in checked.links if r.decision]
    assert (action, level) == ("block", "malicious")
    checked = await check_picture(engine, encoded(qr(SAFE)), config=CONFIG, context="group")
    assert [r.verdict.level.label for r in checked.links] == ["safe"]


async def test_plain_text_and_unknown_schemes_are_reported_as_codes(engine: Engine) -> None:
    # wxp:// is not a link to the finder before app links are found (issue 13, item 1): either way the code and
    # its text are reported, and whatever the finder makes of it is marked as read from the code
    picture = sheet((420, 760), [(qr("WIFI:S:hutong;T:WPA;P:secret;;"), (10, 10)), (qr(WXPAY), (10, 400))])
    checked = await check_picture(engine, encoded(picture), config=CONFIG)
    wifi, pay = checked.codes
    assert (wifi.code.text, wifi.content, wifi.links) == ("WIFI:S:hutong;T:WPA;P:secret;;", "text", ())
    assert pay.code.text == WXPAY and pay.content in ("links", "text")
    assert all(r.found.form == "qr" and r.found.code and r.found.code.index == 1 for r in pay.links)
    doc = checked.to_json()
    assert doc["codes"][0]["content"] == "text" and doc["truncated"] is False


async def test_the_gateway_records_each_decision_of_a_picture(tmp_path: Path, engine: Engine) -> None:
    cfg = Config(data=DataSection(dir=str(tmp_path)), safety=CONFIG.safety, scan=CONFIG.scan)
    gw = open_gateway(cfg, engine=engine)
    try:
        picture = sheet((420, 760), [(qr(PHISH), (10, 10)), (qr(SAFE), (10, 400))])
        checked = await gw.check_image(encoded(picture), context="group", user="@alice:hutong.test")
        assert [r.url for r in checked.links] == [PHISH, SAFE]
        decided = sorted((r.site, r.decision.action.value) for r in checked.links if r.decision)
    finally:
        await gw.aclose()
    from hutong.store.factory import open_audit

    store = open_audit(cfg)
    try:
        events = list(store.events())
    finally:
        store.close()
    assert sorted((e.site, e.action) for e in events) == decided
    assert ("phish.example", "block") in decided
