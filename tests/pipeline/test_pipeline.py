"""The offline pipeline end to end: real share texts in, reports and decisions out."""

from __future__ import annotations

from pathlib import Path

import pytest

from hutong.config import Config, DataSection
from hutong.core.model import Level
from hutong.pipeline import Engine
from tests.support.feeds import import_feed


def _engine_with_feed(data_dir: Path) -> Engine:
    import_feed(data_dir)
    return Engine.from_config(Config(data=DataSection(dir=str(data_dir))))


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """An engine whose screening can run: one fresh threat feed is loaded."""
    return _engine_with_feed(tmp_path_factory.mktemp("feeds"))


@pytest.fixture(scope="module")
def unscreened(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """An engine with no threat feed: nothing can be screened clean."""
    return Engine.from_config(Config(data=DataSection(dir=str(tmp_path_factory.mktemp("no-feeds")))))


# (name, message, context, expected per link: (form, platform, kind, action, needs_resolve))
CASES = [
    (
        "taobao share text 2024, group: short link, e-commerce",
        "【淘宝】7天无理由退货 https://e.tb.cn/h.7vUJnkd5IQyLbmr?tk=uEXDUlwjL4E HU926 「新款饺子器木制」\n"
        "点击链接直接打开 或者 淘宝搜索直接打开",
        "group",
        [("share", "taobao", None, "confirm", True)],
    ),
    (
        "taobao product URL in a group opens like any e-commerce link",
        "https://item.taobao.com/item.htm?id=770687446004&spm=a2159r.13376460.0.0&un=cdea73b7&ut_sk=1.x.Copy.1",
        "group",
        [("url", "taobao", "product", "open", False)],
    ),
    (
        "jd product URL in a group opens the same way",
        "https://item.m.jd.com/product/100012043978.html?gx=RnFjkTVbbj2PmtQUqId1VOmfpTE6-g&ad_od=share",
        "group",
        [("url", "jd", "product", "open", False)],
    ),
    (
        "pinduoduo ps link in a group opens the same way",
        "https://mobile.yangkeduo.com/goods.html?ps=Bo90h8nXsj",
        "group",
        [("url", "pinduoduo", "product", "open", False)],
    ),
    (
        "bilibili video in a group asks (not e-commerce)",
        "https://www.bilibili.com/video/BV1xx411c7mD/?p=3&t=42&vd_source=abc&spm_id_from=333.788",
        "group",
        [("url", "bilibili", "video", "confirm", False)],
    ),
    (
        "bilibili video in a direct chat opens",
        "https://www.bilibili.com/video/BV1xx411c7mD/?p=3&t=42&vd_source=abc",
        "direct",
        [("url", "bilibili", "video", "open", False)],
    ),
    (
        "xianyu share on Alibaba's shared short host is xianyu's, as the share text says",
        "【闲鱼】https://m.tb.cn/h.hSg1pGC?tk=Fajw40p7wpj CZ193 「我在闲鱼发布了【教学】」 点击链接直接打开",
        "group",
        [("share", "xianyu", "product", "confirm", True)],  # "我在闲鱼发布了" announces an item
    ),
    (
        "a share cue never renames a link on a host no platform owns",
        "【闲鱼】https://short.evil.test/abc 点击链接直接打开",
        "group",
        [("share", None, None, "confirm", False)],
    ),
    (
        "token only: copy",
        "2(z94O3R9Mkx6)/ CA8888 淘宝",
        "direct",
        [("token", "taobao", None, "copy", True)],
    ),
    (
        "lookalike host is never the platform",
        "https://item.taobao.com.evil.test/item.htm?id=123456",
        "direct",
        [("url", None, None, "confirm", False)],
    ),
]


@pytest.mark.parametrize(("name", "message", "context", "expected"), CASES, ids=[c[0] for c in CASES])
def test_share_texts_and_urls(engine: Engine, name: str, message: str, context: str, expected: list[tuple]) -> None:
    reports = engine.analyse(message, context=context)  # type: ignore[arg-type]
    got = [
        (
            r.found.form,
            r.identity.platform,
            r.identity.kind,
            r.decision.action.value if r.decision else None,
            r.needs_resolve,
        )
        for r in reports
    ]
    assert got == expected
    for r in reports:
        assert message[r.found.start : r.found.end] == r.found.text


def test_tracking_parameters_are_removed_and_reported(engine: Engine) -> None:
    (r,) = engine.analyse(
        "https://item.taobao.com/item.htm?app=chrome&id=770687446004&spm=a2159r.1&un=cdea73b7&skuId=5450141666122"
    )
    assert r.url is not None and "id=770687446004" in r.url
    assert "un" in r.removed and "spm" in r.removed
    assert r.identity.id == "770687446004"
    assert r.identity.canonical == "https://item.taobao.com/item.htm?id=770687446004"
    assert r.site == "taobao.com"


def test_every_platform_of_a_category_is_decided_alike(engine: Engine) -> None:
    """The 2021 complaint: JD and Pinduoduo links got rich treatment, Taobao links did not."""
    links = {
        "taobao": "https://item.taobao.com/item.htm?id=770687446004",
        "tmall": "https://detail.tmall.com/item.htm?id=770687446004",
        "jd": "https://item.jd.com/100012043978.html",
        "pinduoduo": "https://mobile.yangkeduo.com/goods.html?goods_id=123456789",
    }
    for context in ("direct", "group", "channel"):
        decisions = {}
        for platform, url in links.items():
            (r,) = engine.analyse(url, context=context)  # type: ignore[arg-type]
            assert r.identity.platform == platform and r.identity.category == "ecommerce"
            decisions[platform] = (r.verdict.level, r.decision.action if r.decision else None)
        assert len(set(decisions.values())) == 1, decisions


def test_userinfo_trick_is_flagged_and_never_opens(engine: Engine) -> None:
    (r,) = engine.analyse("https://item.taobao.com@evil.test/item.htm?id=1")
    assert r.identity.platform is None
    assert r.verdict.level >= Level.SUSPICIOUS
    assert "structural.userinfo" in r.verdict.codes
    assert r.decision is not None and r.decision.action.value != "open"


def test_user_mode_and_prefs_change_the_decision(engine: Engine) -> None:
    msg = "https://item.jd.com/100012043978.html"
    assert engine.analyse(msg, mode="confirm")[0].decision.action.value == "confirm"  # type: ignore[union-attr]
    assert engine.analyse(msg, mode="strict")[0].decision.action.value == "open"  # type: ignore[union-attr]


def test_recheck_decides_one_url_again(engine: Engine) -> None:
    r = engine.recheck("https://www.zhihu.com/question/36132386/answer/530313852?utm_psn=1", context="group")
    assert r.identity.platform == "zhihu" and r.identity.kind == "answer"
    assert r.decision is not None and r.decision.action.value == "confirm"


@pytest.mark.parametrize(
    "text",
    ["", "没有链接的一句话", "\x00\ud800" * 100, "a" * 200_000, "https://" * 5000, "【淘宝】" * 2000],
    ids=["empty", "no links", "control and lone surrogate", "huge word", "many schemes", "many cues"],
)
def test_bad_or_huge_input_gives_a_bounded_answer(engine: Engine, text: str) -> None:
    reports = engine.analyse(text)
    for r in reports:
        assert text[r.found.start : r.found.end] == r.found.text
        assert r.decision is not None


def test_a_short_link_that_failed_to_resolve_still_asks_rather_than_copy(engine: Engine) -> None:
    """Resolution can fail (no network, refused address); the link itself can still be opened after asking."""
    (r,) = engine.analyse("https://b23.tv/abc1234")
    failed = engine.decide(r.evolve(error="the name 'b23.tv' could not be resolved"), context="direct")
    assert failed.decision is not None and failed.decision.action.value == "confirm"
    assert failed.decision.rule == "policy.unknown.confirm"


def test_the_one_call_api_loads_the_default_engine_once() -> None:
    from hutong.pipeline import check, default_engine

    first = check("https://item.jd.com/100012043978.html", context="group")
    # the test data directory has no threat feed: the link is identified but cannot be screened clean
    got = [(r.identity.platform, r.verdict.codes, r.decision.action.value if r.decision else None) for r in first]
    assert got == [("jd", ("screen.no_feeds",), "confirm")]
    assert default_engine() is default_engine()


def test_a_wrapped_target_is_identified_in_its_normal_form(engine: Engine) -> None:
    """The target inside a wrapper is raw query text (upper-case host, default port): it is normalised first."""
    (r,) = engine.analyse("https://link.zhihu.com/?target=HTTPS%3A%2F%2FITEM.JD.COM%3A443%2F100012043978.html")
    assert (r.identity.platform, r.identity.kind, r.url) == ("jd", "product", "https://item.jd.com/100012043978.html")
    assert [h.via for h in r.hops] == ["wrapper"]


LISTED_AND_UNLISTED = {
    # a listed product page, and sites no data file names: the examples
    "jd product": "https://item.jd.com/100087654321.html",
    "github repository": "https://github.com/encode/httpx",
    "bbc news": "https://www.bbc.co.uk/news/world-asia-china-12345678",
    "government page": "https://www.gov.cn/zhengce/content/202401/content_6924356.htm",
    "small shop": "https://teapots-by-lin.example/products/yixing-200ml",
}


@pytest.mark.parametrize("feeds", ["fresh feed", "no feed"])
def test_listing_is_not_trust_in_a_direct_chat(engine: Engine, unscreened: Engine, feeds: str) -> None:
    """JD opens in a direct chat exactly when github.com, the BBC, gov.cn and a small shop do: on screening."""
    e = engine if feeds == "fresh feed" else unscreened
    decided = {}
    for name, url in LISTED_AND_UNLISTED.items():
        (r,) = e.analyse(url, context="direct")
        assert r.decision is not None
        decided[name] = (r.verdict.level, r.verdict.codes, r.decision.action.value, r.decision.rule)
    expected = (
        (Level.SAFE, ("screen.clear",), "open", "policy.direct.open")
        if feeds == "fresh feed"
        else (Level.UNKNOWN, ("screen.no_feeds",), "confirm", "policy.unknown.confirm")
    )
    assert decided == dict.fromkeys(LISTED_AND_UNLISTED, expected)


@pytest.mark.parametrize("context", ["group", "channel"])
def test_douyin_shop_product_opens_in_groups_like_every_shop(engine: Engine, context: str) -> None:
    """The category is the page's, not the platform file's: Douyin's shop is e-commerce."""
    shops = {
        "douyin": "https://haohuo.jinritemai.com/ecommerce/trade/detail/index.html?id=3612345678901234567",
        "jd": "https://item.jd.com/100012043978.html",
        "taobao": "https://item.taobao.com/item.htm?id=770687446004",
        "pinduoduo": "https://mobile.yangkeduo.com/goods.html?goods_id=123456789",
    }
    got = {}
    for platform, url in shops.items():
        (r,) = engine.analyse(url, context=context)  # type: ignore[arg-type]
        assert r.identity.platform == platform and r.decision is not None
        got[platform] = (r.identity.category, r.identity.kind, r.decision.action.value)
    assert got == dict.fromkeys(shops, ("ecommerce", "product", "open"))
    (video,) = engine.analyse("https://www.douyin.com/video/7298145681699622182", context=context)  # type: ignore[arg-type]
    assert (video.identity.category, video.decision.action.value if video.decision else None) == ("video", "confirm")
