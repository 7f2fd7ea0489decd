"""Share-text recognition is data-driven: cues, kinds and titles come from platform records."""

from __future__ import annotations

import re

import pytest

from hutong.core.find import Finder
from hutong.core.platforms import Platform, ShareKind, ShareRules


def plat(
    pid: str, cues: tuple[str, ...], *, kinds: tuple[ShareKind, ...] = (), title: str | None = None
) -> Platform:
    titles = (re.compile(title),) if title else ()
    return Platform(id=pid, name=pid, name_zh=pid, category="video", hosts=(f"{pid}.test",),
                    share=ShareRules(cues=cues, kinds=kinds, title_patterns=titles))


ALPHA = plat("alpha", ("打开阿尔法",), kinds=(ShareKind("的直播间", "live"), ShareKind("直播", "post")),
             title="【(?P<title>[^】]+)】")
BETA = plat("beta", ("【贝塔】",), title="「(?P<title>[^」]+)」")
FINDER = Finder([ALPHA, BETA])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("【标题】 https://a.test/x 打开阿尔法", ("share", "alpha", None, "标题"), id="cue"),
        pytest.param(
            "【某人的直播间】 https://a.test/x 打开阿尔法",
            ("share", "alpha", "live", "某人的直播间"),
            id="first-kind-cue-wins",
        ),
        pytest.param(
            "【贝塔】https://b.test/x 「商品」 打开阿尔法", ("share", "beta", None, "商品"), id="earliest-cue"
        ),
        pytest.param("https://a.test/x", ("url", None, None, None), id="no-cue"),
        pytest.param("打开阿尔法 ftp://a.test/x", ("url", None, None, None), id="only-web-urls-are-shares"),
    ],
)
def test_share_recognition(text: str, expected: tuple[str, str | None, str | None, str | None]) -> None:
    (f,) = FINDER.find(text)
    assert (f.form, f.platform, f.kind, f.title) == expected


def test_bare_domains_in_a_share_text_stay_domains() -> None:
    found = FINDER.find("打开阿尔法 https://a.test/x 和 example.com")
    assert [(f.form, f.platform) for f in found] == [("share", "alpha"), ("domain", None)]


def test_title_search_is_bounded_on_huge_messages() -> None:
    text = "打开阿尔法 https://a.test/x " + "字" * 100_000 + "【远处的标题】"
    (f,) = FINDER.find(text)
    assert (f.form, f.title) == ("share", None)
