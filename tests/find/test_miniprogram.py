"""Mini-program references: ``#小程序://NAME/code``."""

from __future__ import annotations

import pytest

from hutong.core.find import Finder
from hutong.core.platforms import Platform, ShareRules

FISH = Platform(id="fish", name="Fish", name_zh="鱼", category="ecommerce", hosts=("fish.test",),
                share=ShareRules(miniprogram_names=("闲鱼",)))
FINDER = Finder([FISH])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "#小程序://闲鱼/DltdGeCXEGcyyod",
            [("#小程序://闲鱼/DltdGeCXEGcyyod", "fish", "闲鱼", "DltdGeCXEGcyyod")],
            id="known-name",
        ),
        pytest.param(
            "看看 #小程序://腾讯文档/Ab_c-1 好",
            [("#小程序://腾讯文档/Ab_c-1", None, "腾讯文档", "Ab_c-1")],
            id="unknown-name",
        ),
        pytest.param(
            "#小程序://闲鱼/DltdGe，复制",
            [("#小程序://闲鱼/DltdGe", "fish", "闲鱼", "DltdGe")],
            id="cjk-comma-ends",
        ),
    ],
)
def test_miniprogram(text: str, expected: list[tuple[str, str | None, str, str]]) -> None:
    found = [f for f in FINDER.find(text) if f.form == "miniprogram"]
    assert [(f.text, f.platform, f.title, f.token) for f in found] == expected
    assert all(text[f.start : f.end] == f.text for f in found)


@pytest.mark.parametrize("text", ["小程序://闲鱼/abc", "#小程序://闲鱼/", "#小程序:///abc"])
def test_not_miniprogram(text: str) -> None:
    assert [f for f in FINDER.find(text) if f.form == "miniprogram"] == []
