"""The reachability classifier as a table: where a landing is, by the bundled walls and the generic rules.

Wall hosts and paths are the bundled platform files' (their sources are cited there); the URLs are
shaped after the research notes (interop §1, §4) where they have the form, our own otherwise.
"""

from __future__ import annotations

import pytest

from hutong.core.platforms import bundled, wall_index
from hutong.core.reach import REACH_KINDS, SENTENCES, Landing, PageWall, Reach, classify

WALLS = wall_index(bundled())
LOGIN_FORM = PageWall("login", "a password field, and 12 characters of text beside its form")
APP_PAGE = PageWall("app", "a call “打开App”, and 0 characters of text beside")

# name → (landing, expected code or None)
CASES: dict[str, tuple[Landing, str | None]] = {
    "content, listed": (Landing("https://item.jd.com/100012043978.html", 200), "reach.content"),
    "content, unlisted": (Landing("https://news.example/2024/tea", 200), "reach.content"),
    "taobao login (notes §4)": (
        Landing("https://login.taobao.com/member/login.jhtml?redirectURL=https%3A%2F%2Fitem.taobao.com%2F", 200),
        "reach.login.listed",
    ),
    "jd mobile login (notes §4)": (
        Landing("https://plogin.m.jd.com/user/login.action?appid=100&returnurl=https%3A%2F%2Fitem.m.jd.com", 200),
        "reach.login.listed",
    ),
    "weibo visitor system (notes §4)": (
        Landing("https://passport.weibo.com/visitor/visitor?entry=miniblog&a=enter&url=https%3A%2F%2Fweibo.com", 200),
        "reach.login.listed",
    ),
    "zhihu signin prefix": (Landing("https://www.zhihu.com/signin?next=%2Fquestion%2F1", 200), "reach.login.listed"),
    "zhihu question is content": (Landing("https://www.zhihu.com/question/19550225", 200), "reach.content"),
    "pinduoduo login page": (
        Landing("https://mobile.yangkeduo.com/login.html?from=https%3A%2F%2Fmobile.yangkeduo.com%2Fgoods.html", 200),
        "reach.login.listed",
    ),
    "lookalike of a login host is not it": (Landing("https://login.taobao.com.evil.example/", 200), "reach.content"),
    "suffix trick is not it": (Landing("https://notlogin.taobao.com/", 200), "reach.content"),
    "jd download page (notes §1)": (
        Landing("https://h5.m.jd.com/active/download/download.html?channel=jd-m", 200),
        "reach.app.listed",
    ),
    "xiaohongshu error shell answers 200 (notes §4)": (
        Landing("https://www.xiaohongshu.com/404/sec_a1b2?error_code=300031", 200),
        "reach.error.listed",
    ),
    "itms-apps hand-over (notes §1)": (
        Landing("itms-apps://itunes.apple.com/cn/app/taobao/id387682726"),
        "reach.app.store",
    ),
    "market hand-over (notes §1)": (Landing("market://details?id=com.taobao.taobao"), "reach.app.store"),
    "vivo store scheme": (Landing("vivomarket://details?id=com.ss.android.ugc.aweme"), "reach.app.store"),
    "app scheme of a platform": (Landing("taobao://item.taobao.com/item.htm?id=123456789"), "reach.app.scheme"),
    "app scheme of nobody known": (Landing("newtube://watch/a1b2c3"), "reach.app.scheme"),
    "app scheme refused by the guard is still the app": (
        Landing("snssdk1128://aweme/detail/7312345678901234567", None, "remote.blocked_url"),
        "reach.app.scheme",
    ),
    "app store web page": (Landing("https://apps.apple.com/cn/app/id387682726", 200), "reach.app.store"),
    "play store app page": (Landing("https://play.google.com/store/apps/details?id=com.x", 200), "reach.app.store"),
    "play books is not an app store page": (
        Landing("https://play.google.com/store/books/details?id=x", 200),
        "reach.content",
    ),
    "listed login page that also looks like an app page": (
        Landing("https://passport.bilibili.com/login", 200, page=APP_PAGE),
        "reach.login.listed",
    ),
    "page rule: login form, unlisted": (
        Landing("https://club.example/login", 200, page=LOGIN_FORM),
        "reach.login.page",
    ),
    "page rule: app page, listed host": (
        Landing("https://www.douyin.com/video/1", 200, page=APP_PAGE),
        "reach.app.page",
    ),
    "HTTP 401": (Landing("https://intranet.example/", 401, "remote.http_status"), "reach.login.http"),
    "HTTP 403": (Landing("https://item.jd.com/1.html", 403, "remote.http_status"), "reach.blocked.site"),
    "HTTP 451": (Landing("https://news.example/x", 451, "remote.http_status"), "reach.blocked.site"),
    "HTTP 429": (Landing("https://news.example/x", 429, "remote.http_status"), "reach.blocked.site"),
    "HTTP 404": (Landing("https://news.example/gone", 404, "remote.http_status"), "reach.error.http"),
    "HTTP 503": (Landing("https://news.example/x", 503, "remote.http_status"), "reach.error.http"),
    "HTTP error, status unknown": (Landing(None, None, "remote.http_status"), "reach.error.http"),
    "error page handed over": (Landing("https://news.example/gone", 410), "reach.error.http"),
    "time-out": (Landing("https://slow.example/", None, "remote.timeout"), "reach.error.fetch"),
    "no such name": (Landing("https://typo.example/", None, "remote.no_such_name"), "reach.error.fetch"),
    "redirect loop": (Landing(None, None, "remote.too_many_redirects"), "reach.error.fetch"),
    "short link to nowhere": (Landing("https://m.tb.cn/h.x", None, "resolve.no_destination"), "reach.error.fetch"),
    "private address": (Landing("https://router.example/", None, "remote.blocked_address"), "reach.blocked.guard"),
    "forbidden port": (Landing("https://news.example:8443/", None, "remote.blocked_url"), "reach.blocked.guard"),
    "this machine is offline": (Landing("https://news.example/", None, "remote.network_down"), None),
    "our own rate limit": (Landing("https://news.example/", None, "remote.rate_limited"), None),
}


@pytest.mark.parametrize(("landing", "code"), list(CASES.values()), ids=list(CASES))
def test_classify(landing: Landing, code: str | None) -> None:
    reach = classify(landing, WALLS)
    assert (reach.code if reach else None) == code
    if reach is not None:
        assert code is not None and reach.kind == code.split(".")[1]
        assert reach.kind in REACH_KINDS
        assert (reach.detail, reach.detail_zh) == SENTENCES[reach.code]


def test_a_listed_wall_says_which_file_listed_it() -> None:
    reach = classify(Landing("https://passport.weibo.cn/signin/login?entry=mweibo&r=x", 200), WALLS)
    assert reach is not None and dict(reach.evidence)["platform"] == "weibo"
    assert dict(reach.evidence)["listed"] == "passport.weibo.cn"


def test_without_walls_only_the_generic_rules_apply() -> None:
    listed = classify(Landing("https://login.taobao.com/member/login.jhtml", 200))
    unlisted = classify(Landing("https://login.unlisted.example/member/login.jhtml", 200))
    assert listed is not None and unlisted is not None and listed.code == unlisted.code == "reach.content"
    assert classify(Landing("itms-apps://itunes.apple.com/app/id1")) is not None


@pytest.mark.parametrize("landing", [c[0] for c in CASES.values()], ids=list(CASES))
def test_reach_round_trips_through_json(landing: Landing) -> None:
    reach = classify(landing, WALLS)
    if reach is not None:
        assert Reach.from_json(reach.to_json()) == reach


@pytest.mark.parametrize("data", [None, 3, "login", {}, {"kind": "elsewhere"}, {"kind": "login", "evidence": 3}])
def test_a_reach_of_another_layout_is_not_one(data: object) -> None:
    reach = Reach.from_json(data)
    assert reach is None or (reach.kind == "login" and reach.evidence == ())


def test_every_code_has_both_sentences() -> None:
    assert all(en and zh for en, zh in SENTENCES.values())
    walled = [code for code in SENTENCES if code.split(".")[1] in ("login", "app")]
    assert all(
        SENTENCES[c][0].startswith(
            (
                "This link asks you to log in first",
                "This link only opens in its app",
                "This link asked",
                "This link only opened",
            )
        )
        for c in walled
    )
