"""App links: each form's platform and web equivalent, and a mapped app link judged exactly like that page.

Forms marked [V] are verbatim from the research notes (interop.md §1-§3); [C] are composed from their patterns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hutong.core.identify import AppLinks
from hutong.core.model import CONTEXTS, MODES, Action, Found, Hop
from hutong.core.platforms import DataError, load_dir, parse_platform
from hutong.pipeline import Engine

APPS = AppLinks()

# app link -> (platform, web equivalent)
MAPPED = {
    # Taobao / Tmall: the scheme mirrors the web URL [V interop §1]
    "taobao item [V]": (
        "taobao://item.taobao.com/item.htm?id=894938883251",
        "taobao",
        "https://item.taobao.com/item.htm?id=894938883251",
    ),
    "taobao tmall item [C]": (
        "taobao://detail.tmall.com/item.htm?id=610948233591",
        "taobao",
        "https://detail.tmall.com/item.htm?id=610948233591",
    ),
    "taobao search [V]": ("taobao://s.taobao.com/search?q=abc", "taobao", "https://s.taobao.com/search?q=abc"),
    "taobao h5Url [C]": (
        "taobao://m.taobao.com/tbopen/index.html?h5Url=https%3A%2F%2Fitem.taobao.com%2Fitem.htm%3Fid%3D770687446004",
        "taobao",
        "https://item.taobao.com/item.htm?id=770687446004",
    ),
    "tbopen h5Url [C]": (
        "tbopen://m.taobao.com/tbopen/index.html?h5Url=https%3A%2F%2Fevil.test%2Fx&action=ali.open.nav",
        "taobao",
        "https://evil.test/x",
    ),
    # JD: a JSON parameter [C from the V forms]
    "jd productDetail": (
        'openapp.jdmobile://virtual?params={"category":"jump","des":"productDetail","skuId":"100012043978"}',
        "jd",
        "https://item.jd.com/100012043978.html",
    ),
    "jd encoded, mixed case": (
        "openApp.jdMobile://virtual?params=%7B%22des%22%3A%22productDetail%22%2C%22skuId%22%3A2349418%2C%22category%22%3A%22jump%22%7D",
        "jd",
        "https://item.jd.com/2349418.html",
    ),
    "jd webview": (
        'openapp.jdmobile://virtual?params={"category":"jump","des":"m","url":"https://prodev.m.jd.com/mall/active/abc/index.html"}',
        "jd",
        "https://prodev.m.jd.com/mall/active/abc/index.html",
    ),
    # Pinduoduo [V interop §1]
    "pdd goods": (
        "pinduoduo://com.xunmeng.pinduoduo/goods.html?goods_id=123456789",
        "pinduoduo",
        "https://mobile.yangkeduo.com/goods.html?goods_id=123456789",
    ),
    "pdd app.html [C]": (
        "pinduoduo://com.xunmeng.pinduoduo/app.html?url=https%3A%2F%2Fmobile.yangkeduo.com%2Fgoods2.html%3Fps%3DeyPVs6rclm",
        "pinduoduo",
        "https://mobile.yangkeduo.com/goods2.html?ps=eyPVs6rclm",
    ),
    # Douyin [V interop §1]
    "douyin video": (
        "snssdk1128://aweme/detail/7298145681699622182?refer=web",
        "douyin",
        "https://www.douyin.com/video/7298145681699622182",
    ),
    "douyin live [C]": (
        "snssdk1128://webcast_room?id=7298145681699622182",
        "douyin",
        "https://webcast.amemv.com/douyin/webcast/reflow/7298145681699622182",
    ),
    "douyin webview [C]": (
        "snssdk1128://webview?url=https%3A%2F%2Fwww.zhihu.com%2Fquestion%2F437337408",
        "douyin",
        "https://www.zhihu.com/question/437337408",
    ),
    # Kuaishou: only the wrapped page maps [C]
    "kuaishou webview": (
        "kwai://webview?url=https%3A%2F%2Fwww.kuaishou.com%2Fshort-video%2F3xhjgcmir24m4nm",
        "kuaishou",
        "https://www.kuaishou.com/short-video/3xhjgcmir24m4nm",
    ),
    # Xiaohongshu [V interop §1]
    "xhs item": (
        "xhsdiscover://item/68860155000000000b01d7b9",
        "xiaohongshu",
        "https://www.xiaohongshu.com/explore/68860155000000000b01d7b9",
    ),
    "xhs item discovery.": (
        "xhsdiscover://item/discovery.68860155000000000b01d7b9",
        "xiaohongshu",
        "https://www.xiaohongshu.com/explore/68860155000000000b01d7b9",
    ),
    "xhs user": (
        "xhsdiscover://user/5ff0e6410000000001008400",
        "xiaohongshu",
        "https://www.xiaohongshu.com/user/profile/5ff0e6410000000001008400",
    ),
    # Bilibili [V interop §1]; the query carries over and is cleaned like the page's
    "bili bvid": (
        "bilibili://video/BV1oM4y1G7LW?p=2&t=12.5",
        "bilibili",
        "https://www.bilibili.com/video/BV1oM4y1G7LW?p=2&t=12.5",
    ),
    "bili aid": ("bilibili://video/170001", "bilibili", "https://www.bilibili.com/video/av170001"),
    "bili legacy av": ("bilibili://av/170001", "bilibili", "https://www.bilibili.com/video/av170001"),
    "bili space": ("bilibili://space/2", "bilibili", "https://space.bilibili.com/2"),
    "bili live": ("bilibili://live/21452505", "bilibili", "https://live.bilibili.com/21452505"),
    "bili season": ("bilibili://pgc/season/ss28747", "bilibili", "https://www.bilibili.com/bangumi/play/ss28747"),
    # Weibo [V interop §1]
    "weibo detail": ("sinaweibo://detail?mblogid=D4VlxgUGh", "weibo", "https://m.weibo.cn/status/D4VlxgUGh"),
    "weibo userinfo": ("sinaweibo://userinfo?uid=7827771738", "weibo", "https://weibo.com/u/7827771738"),
    "weibo browser [C]": ("sinaweibo://browser?url=https%3A%2F%2Fexample.com%2Fa", "weibo", "https://example.com/a"),
    # Zhihu [V interop §1]
    "zhihu questions": ("zhihu://questions/36132386", "zhihu", "https://www.zhihu.com/question/36132386"),
    "zhihu question": ("zhihu://question/36132386", "zhihu", "https://www.zhihu.com/question/36132386"),
    "zhihu XQR form": ("zhihu://www.zhihu.com/question/36132386", "zhihu", "https://www.zhihu.com/question/36132386"),
    "zhihu articles": (
        "zhihu://articles/2032797597627311070",
        "zhihu",
        "https://zhuanlan.zhihu.com/p/2032797597627311070",
    ),
    "zhihu people": ("zhihu://people/jason-li", "zhihu", "https://www.zhihu.com/people/jason-li"),
    # Alipay: the in-app browser and the scanner hand-off wrap a web URL [V interop §0.2, §2]
    "alipay h5 container": (
        "alipays://platformapi/startapp?appId=20000067&url=https%3A%2F%2Fexample.com%2Fpromo",
        "alipay",
        "https://example.com/promo",
    ),
    "alipay scan hand-off": (
        "alipayqr://platformapi/startapp?saId=10000007&qrcode=https://qr.alipay.com/fkx15982wetkbikz3ng6h29",
        "alipay",
        "https://qr.alipay.com/fkx15982wetkbikz3ng6h29",
    ),
}

# app link -> (platform, category, kind, id): no web page shows the same content
UNMAPPED = {
    "kuaishou work [V]": ("kwai://work/5205879746946008323", "kuaishou", "video", "video", "5205879746946008323"),
    "kuaishou lite [C]": ("ksnebula://profile/123456", "kuaishou", "video", "profile", "123456"),
    "douyin profile (numeric uid) [V]": (
        "snssdk1128://user/profile/73838190950",
        "douyin",
        "video",
        "profile",
        "73838190950",
    ),
    "taobao my orders [V]": ("taobao://go/my_orders", "taobao", "ecommerce", None, None),
    "taobao lookalike host [C]": (
        "taobao://item.taobao.com.evil.test/item.htm?id=1",
        "taobao",
        "ecommerce",
        None,
        None,
    ),
    "tmall search [V]": ("tmall://page.tm/search?q=abc", "tmall", "ecommerce", None, None),
    "jd home [C]": (
        'openapp.jdmobile://virtual?params={"category":"jump","des":"HomePage"}',
        "jd",
        "ecommerce",
        None,
        None,
    ),
    "zhihu answer [V]": ("zhihu://answers/530313852", "zhihu", "qa", "answer", "530313852"),
    "qq card [V]": (
        "mqqapi://card/show_pslcard?src_type=internal&version=1&uin=12345678",
        "qq",
        "social",
        "profile",
        "12345678",
    ),
    "qq scan [V]": ("mqqapi://qrcode/scan_qrcode?version=1&src_type=app", "qq", "social", None, None),
    "wechat launch [V]": ("weixin://scanqrcode", "wechat", "news", None, None),
    # payment [V interop §2]
    "wechat collect code": (
        "wxp://f2f00KII2aB5awTYIAgVSUNVv9yk-_XIJJSK",
        "wechatpay",
        "payment",
        "payment",
        "f2f00KII2aB5awTYIAgVSUNVv9yk-_XIJJSK",
    ),
    "wechat native order": ("weixin://wxpay/bizpayurl?pr=9xFPmlUzz", "wechat", "payment", "payment", "9xFPmlUzz"),
    "wechat legacy product QR": (
        "weixin://wxpay/bizpayurl?sign=XXXXX&appid=XXXXXX&productid=XXXXXX&timestamp=XXXXXX&noncestr=XXXXXX",
        "wechat",
        "payment",
        "payment",
        None,
    ),
    "alipay pay code": ("alipays://platformapi/startapp?appId=20000056", "alipay", "payment", "payment", "20000056"),
    "alipay transfer": ("alipay://platformapi/startapp?saId=20000116", "alipay", "payment", "payment", "20000116"),
    "alipay scan, non-web payload [C]": (
        "alipays://platformapi/startapp?saId=10000007&qrcode=wxp%3A%2F%2Ff2f0example",
        "alipay",
        "payment",
        "payment",
        "10000007",
    ),
    "unionpay wallet [V]": ("upwallet://applet?toLink=abc", "unionpay", "payment", None, None),
    # mini-programs [V interop §3]
    "wechat url scheme ticket": ("weixin://dl/business/?t=PQiKZ2W0jdr", "wechat", "news", "miniprogram", "PQiKZ2W0jdr"),
    "wechat url scheme plain": (
        "weixin://dl/business/?appid=wx4e1ba651bbe36d01&path=mall/order/list&query=index%3D2",
        "wechat",
        "news",
        "miniprogram",
        "wx4e1ba651bbe36d01",
    ),
    "alipay mini-program": (
        "alipays://platformapi/startapp?appId=2021003128635520&page=pages%2Findex%2Findex%3Fkey1%3D1",
        "alipay",
        "payment",
        "miniprogram",
        "2021003128635520",
    ),
    "douyin mini-program": (
        "snssdk1128://microapp?app_id=ttef9b992670b151ec&version=v2",
        "douyin",
        "video",
        "miniprogram",
        "ttef9b992670b151ec",
    ),
    "bytedance sslocal mini-program": (
        "sslocal://microapp?app_id=ttb1d2c76f2ee36a0601&scene=0&start_page=pages%2Ftheatre%2Findex",
        "douyin",
        "video",
        "miniprogram",
        "ttb1d2c76f2ee36a0601",
    ),
}


@pytest.mark.parametrize(("app", "platform", "web"), list(MAPPED.values()), ids=list(MAPPED))
def test_mapped_forms(app: str, platform: str, web: str) -> None:
    target = APPS.map(app)
    assert target is not None
    assert (target.platform.id, target.web) == (platform, web)


@pytest.mark.parametrize(("app", "platform", "category", "kind", "pid"), list(UNMAPPED.values()), ids=list(UNMAPPED))
def test_forms_without_a_web_page(app: str, platform: str, category: str, kind: str | None, pid: str | None) -> None:
    target = APPS.map(app)
    assert target is not None and target.web is None
    identity = target.identity
    assert (identity.platform, identity.category, identity.kind, identity.id) == (platform, category, kind, pid)


def test_unknown_schemes_map_to_nothing() -> None:
    assert APPS.map("foo://bar") is None
    assert APPS.map("https://item.taobao.com/item.htm?id=1") is None


ENGINE = Engine.from_config()


def _judged(text: str, context: str, mode: str | None) -> dict[str, Any]:
    reports = ENGINE.analyse(text, context=context, mode=mode)  # type: ignore[arg-type]
    assert len(reports) == 1
    j = reports[0].to_json()
    return {
        k: j[k]
        for k in (
            "url",
            "removed",
            "site",
            "platform",
            "category",
            "kind",
            "id",
            "canonical",
            "needs_resolve",
            "decision",
        )
    } | {"verdict": {r["code"] for r in j["verdict"]["reasons"]} | {j["verdict"]["level"]}}


@pytest.mark.parametrize("mode", [None, *MODES])
@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize(("app", "platform", "web"), list(MAPPED.values()), ids=list(MAPPED))
def test_a_mapped_app_link_is_judged_exactly_like_its_web_page(
    app: str, platform: str, web: str, context: str, mode: str | None
) -> None:
    assert _judged(app, context, mode) == _judged(web, context, mode)


def test_a_mapped_app_link_says_where_it_came_from() -> None:
    (report,) = ENGINE.analyse("snssdk1128://aweme/detail/7298145681699622182?refer=web")
    assert report.found.form == "applink"
    assert report.original == "snssdk1128://aweme/detail/7298145681699622182?refer=web"
    assert [(h.url, h.via) for h in report.hops] == [(report.original, "applink")]


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("app", [v[0] for v in UNMAPPED.values()], ids=list(UNMAPPED))
def test_without_a_web_page_it_is_copied_to_open_in_its_app(app: str, context: str) -> None:
    (report,) = ENGINE.analyse(app, context=context)  # type: ignore[arg-type]
    decision = report.decision
    assert report.url is None and decision is not None
    assert (decision.action, decision.rule) == (Action.COPY, "policy.unopenable.copy")
    assert "open it in its app" in decision.reason and "在对应 App 中打开" in decision.reason_zh
    assert report.verdict.codes == ("link.applink",)
    assert "open it in its app" in report.verdict.reasons[0].detail
    assert "在对应 App 中打开" in report.verdict.reasons[0].detail_zh


def test_a_found_with_an_undeclared_scheme_is_judged_as_the_url_it_is() -> None:
    found = Found("foo://bar", 0, 9, "applink")
    report = ENGINE.inspect(found)
    assert "structural.scheme" in report.verdict.codes


BASE = {"id": "demo", "category": "video", "hosts": ["demo.test"]}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"schemes": ["https"], "match": ""}, "cannot be an app scheme"),
        ({"schemes": ["javascript"], "match": ""}, "cannot be an app scheme"),
        ({"schemes": ["file"], "match": ""}, "cannot be an app scheme"),
        ({"schemes": ["9app"], "match": ""}, "cannot be an app scheme"),
        ({"schemes": [], "match": ""}, "schemes must not be empty"),
        ({"schemes": ["demo"], "match": "^v/(?P<id>\\d+)", "web": "https://demo.test/{vid}"}, "does not capture"),
        ({"schemes": ["demo"], "match": "^w\\?u=(?P<url>.+)", "web": "https://demo.test/{url}"}, "needs web"),
        ({"schemes": ["demo"], "match": "", "web": "ftp://demo.test/"}, "web must be"),
        ({"schemes": ["demo"], "match": "(", "web": None}, "bad regular expression"),
        ({"schemes": ["demo"], "match": "", "kind": "gadget"}, "kind 'gadget'"),
        ({"schemes": ["demo"], "match": "", "category": "games"}, "category 'games'"),
        ({"schemes": ["demo"], "match": "", "open": True}, "unknown key"),
    ],
)
def test_schema_refuses_bad_entries(entry: dict[str, Any], message: str) -> None:
    raw = {**BASE, "applinks": [{k: v for k, v in entry.items() if v is not None}]}
    with pytest.raises(DataError, match=message):
        parse_platform(raw, "demo.toml")


def test_a_scheme_belongs_to_one_platform(tmp_path: Path) -> None:
    for pid in ("one", "two"):
        (tmp_path / f"{pid}.toml").write_text(
            f'id = "{pid}"\ncategory = "video"\nhosts = ["{pid}.test"]\n'
            '[[applinks]]\nschemes = ["shared"]\nmatch = ""\n',
            encoding="utf-8",
        )
    with pytest.raises(DataError, match=r"app scheme 'shared' already claimed by one\.toml"):
        load_dir(tmp_path)


def test_every_bundled_applink_category_is_compared_by_the_neutrality_check() -> None:
    from hutong.core.neutrality import members
    from hutong.core.platforms import bundled

    groups = members(bundled())
    for p in bundled():
        for rule in p.applinks:
            if rule.category:
                assert p.id in [m.name for m in groups[rule.category]]


# web pages that only launch an app [V forms, interop §0.3; C values]: judged as the app link they hold
LAUNCHERS = {
    "alipay launcher, H5 container": (
        "https://ds.alipay.com/?scheme=alipays%3A%2F%2Fplatformapi%2Fstartapp%3FappId%3D20000067%26url%3D"
        "https%253A%252F%252Fevil.test%252Fx",
        "https://evil.test/x",
        None,
        None,
    ),
    "alipay launcher, mini-program": (
        "https://ds.alipay.com/?scheme=alipays%3A%2F%2Fplatformapi%2Fstartapp%3FappId%3D2021003128635520",
        None,
        "alipay",
        "miniprogram",
    ),
    "weibo launcher": (
        "https://m.weibo.cn/feature/applink?scheme=sinaweibo%3A%2F%2Fdetail%3Fmblogid%3DD4VlxgUGh",
        "https://m.weibo.cn/status/D4VlxgUGh",
        "weibo",
        "post",
    ),
}


@pytest.mark.parametrize(("page", "web", "platform", "kind"), list(LAUNCHERS.values()), ids=list(LAUNCHERS))
def test_app_launch_pages_are_judged_as_their_app_link(
    page: str, web: str | None, platform: str | None, kind: str | None
) -> None:
    (report,) = ENGINE.analyse(page)
    assert (report.found.form, report.found.text, report.original) == ("url", page, page)
    assert (report.url, report.identity.platform, report.identity.kind) == (web, platform, kind)
    assert report.hops and report.hops[0] == Hop(url=page, via="wrapper")
    if web is None:
        assert report.decision is not None and report.decision.rule == "policy.unopenable.copy"


def test_a_launcher_holding_no_app_link_stays_the_page_it_is() -> None:
    (report,) = ENGINE.analyse("https://ds.alipay.com/?scheme=https%3A%2F%2Fevil.test%2F")
    assert (report.url, report.identity.platform) == (
        "https://ds.alipay.com/?scheme=https%3A%2F%2Fevil.test%2F",
        "alipay",
    )
