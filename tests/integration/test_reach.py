"""Reachability end to end (issue 13, item 2): local HTTPS servers act as login walls, app walls, error pages
and content for listed platforms and unlisted sites; hutong classifies where each link lands, the card and
the confirm page say so, and the report's reachability table, computed from the audit store, is recomputed
from the audit export here.

Listed walls are the bundled platform files'; the URLs are shaped after the research notes (interop §1, §4).
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser

from hutong.pipeline import Engine
from hutong.report import build_report, report_json
from hutong.report_render import render_report_html
from hutong.store.export import write_events
from hutong.store.sqlite_store import SqliteStore
from hutong.web.app import create_app
from tests.support.localnet import LocalNet, Reply, html, redirect

from .conftest import analyse_online, config_for

LOGIN_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>登录</title></head><body>
<h1>欢迎登录</h1><form method="post"><input name="user" placeholder="手机号/邮箱">
<input type="password" name="pw" placeholder="密码"><button>登录</button></form></body></html>"""
APP_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>下载</title></head><body>
<div class="wall"><p>内容仅在 App 内可见</p><a class="btn" href="/dl/app-release.apk">下载客户端</a>
<a class="btn" href="#open">打开App</a></div></body></html>"""
ARTICLE = """<!doctype html><html><head><meta charset="utf-8"><title>泡茶</title>
<meta property="og:title" content="一分钟学会泡茶"></head><body><article><h1>一分钟学会泡茶</h1><p>"""
ARTICLE += "水温要看茶叶：绿茶八十度左右，乌龙茶要沸水，普洱茶也一样。先温杯，再投茶，第一泡快出汤。" * 6
ARTICLE += "</p></article></body></html>"
TAOBAO_ITEM = "https://item.taobao.com/item.htm?id=610234567890"

# (link, host, path or None, reply, platform, reach code with preview, reach code resolving only)
Case = tuple[str, str, str | None, Reply, str | None, str, str | None]
CASES: dict[str, Case] = {
    "listed, redirect to its login host": (
        TAOBAO_ITEM,
        "item.taobao.com",
        None,
        redirect("https://login.taobao.com/member/login.jhtml?redirectURL=https%3A%2F%2Fitem.taobao.com%2F"),
        "taobao",
        "reach.login.listed",
        None,
    ),
    "listed short link to its login host": (
        "https://3.cn/1a2B3c",
        "3.cn",
        "/1a2B3c",
        redirect("https://plogin.m.jd.com/user/login.action?appid=100&returnurl=https%3A%2F%2Fitem.m.jd.com%2F"),
        "jd",
        "reach.login.listed",
        "reach.login.listed",
    ),
    "listed short link to its download page": (
        "https://u.jd.com/AbCdEf",
        "u.jd.com",
        "/AbCdEf",
        redirect("https://h5.m.jd.com/active/download/download.html?channel=share"),
        "jd",
        "reach.app.listed",
        "reach.app.listed",
    ),
    "listed short link to market://": (
        "https://v.douyin.com/iRNBho6u/",
        "v.douyin.com",
        None,
        redirect("market://details?id=com.ss.android.ugc.aweme"),
        "douyin",
        "reach.app.store",
        "reach.app.store",
    ),
    "listed, a page that is only a login form": (
        "https://www.douban.com/group/topic/300123456/",
        "www.douban.com",
        None,
        html(LOGIN_PAGE),
        "douban",
        "reach.login.page",
        None,
    ),
    "listed content": (
        "https://www.bilibili.com/video/BV1GJ411x7h7",
        "www.bilibili.com",
        None,
        html(ARTICLE),
        "bilibili",
        "reach.content",
        None,
    ),
    "listed error page": (
        "https://item.jd.com/100012043978.html",
        "item.jd.com",
        None,
        html("<h1>404</h1>", status=404),
        "jd",
        "reach.error.http",
        None,
    ),
    "unlisted, redirect to a page that is only a login form": (
        "https://club.teahouse.example/post/42",
        "club.teahouse.example",
        None,
        redirect("https://accounts.teahouse.example/login?next=%2Fpost%2F42"),
        None,
        "reach.login.page",
        None,
    ),
    "unlisted, redirect to a listed login host": (
        "https://docs.teahouse.example/share/9",
        "docs.teahouse.example",
        None,
        redirect("https://accounts.google.com/ServiceLogin?continue=https%3A%2F%2Fdocs.teahouse.example%2F"),
        None,
        "reach.login.listed",
        None,
    ),
    "unlisted, a page that only offers the app": (
        "https://clips.newtube.example/v/a1b2c3",
        "clips.newtube.example",
        None,
        html(APP_PAGE),
        None,
        "reach.app.page",
        None,
    ),
    "unlisted, redirect to itms-apps://": (
        "https://get.newtube.example/app",
        "get.newtube.example",
        None,
        redirect("itms-apps://itunes.apple.com/cn/app/newtube/id1234567890"),
        None,
        "reach.app.store",
        None,
    ),
    "unlisted content": (
        "https://news.example/2024/tea",
        "news.example",
        None,
        html(ARTICLE),
        None,
        "reach.content",
        None,
    ),
    "unlisted error page": (
        "https://gone.example/p/1",
        "gone.example",
        None,
        html("<h1>oops</h1>", status=500),
        None,
        "reach.error.http",
        None,
    ),
}
WALL_HOSTS = {
    "login.taobao.com": html(LOGIN_PAGE),
    "plogin.m.jd.com": html(LOGIN_PAGE),
    "h5.m.jd.com": html(APP_PAGE),
    "accounts.teahouse.example": html(LOGIN_PAGE),
    "accounts.google.com": html(LOGIN_PAGE),
}
TEXT = "\n".join(case[0] for case in CASES.values())


@pytest.fixture
def net(localnet: LocalNet) -> LocalNet:
    for _, host, path, reply, *_ in CASES.values():
        localnet.route(host, reply, path=path)
    for host, reply in WALL_HOSTS.items():
        localnet.route(host, reply)
    return localnet


async def test_previewed_links_are_classified_where_they_land(net: LocalNet, tmp_path: Path) -> None:
    reports = await analyse_online(net, tmp_path, TEXT, preview=True)
    assert len(reports) == len(CASES)
    for name, report in zip(CASES, reports, strict=True):
        _, _, _, _, platform, code, _ = CASES[name]
        assert report.identity.platform == platform, name
        assert report.reach is not None and report.reach.code == code, name
        assert report.card is not None and report.card.reach == report.reach, name
        assert report.to_json()["reach"]["kind"] == code.split(".")[1]


async def test_resolving_alone_classifies_short_links_by_their_chain(net: LocalNet, tmp_path: Path) -> None:
    reports = await analyse_online(net, tmp_path, TEXT, preview=False)
    got = {name: (r.reach.code if r.reach else None) for name, r in zip(CASES, reports, strict=True)}
    assert got == {name: case[6] for name, case in CASES.items()}


async def test_the_same_page_is_the_same_wall_listed_or_not(net: LocalNet, tmp_path: Path) -> None:
    """The page rule knows no host: a listed platform's page and an unlisted site's page alike."""
    net.route("www.zhihu.com", html(APP_PAGE))
    net.route("clips.newtube.example", html(LOGIN_PAGE))
    text = (
        "https://www.zhihu.com/question/19550225 https://clips.newtube.example/v/a1b2c3 "
        + CASES["listed, a page that is only a login form"][0]
    )
    zhihu, newtube, douban = await analyse_online(net, tmp_path, text, preview=True)
    assert zhihu.identity.platform == "zhihu" and newtube.identity.platform is None
    assert zhihu.reach is not None and zhihu.reach.code == "reach.app.page"
    assert newtube.reach is not None and douban.reach is not None
    assert newtube.reach.code == douban.reach.code == "reach.login.page"
    assert dict(newtube.reach.evidence)["page"] == dict(douban.reach.evidence)["page"]


def _recount(export: str) -> dict[str, Counter[str]]:
    """What an auditor does with the JSON-lines audit export: check events by platform and reach."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for line in export.splitlines():
        event = json.loads(line)
        if event["stage"] == "check" and event["reach"] is not None:
            table[event["platform"] or "unknown"][event["reach"]] += 1
    return table


async def test_the_report_table_is_recomputed_from_the_export(net: LocalNet, tmp_path: Path) -> None:
    cfg = config_for(net, tmp_path)
    with SqliteStore(tmp_path / "audit.sqlite3") as store:
        app = create_app(cfg, engine=Engine.from_config(cfg), audit=store)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            for _ in range(2):  # the same message twice: every count doubles
                answer = await client.post("/v1/check", json={"text": TEXT, "context": "group", "preview": True})
                assert answer.status_code == 200
                assert [link["reach"]["code"] for link in answer.json()["links"]] == [c[5] for c in CASES.values()]
        report = build_report(store, now=0.0)
        out = io.StringIO()
        write_events(store.events(), out, "jsonl")
    doc = report_json(report)["reachability"]
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    for case in CASES.values():
        expected[case[4] or "unknown"][case[5].split(".")[1]] += 2
    recounted = _recount(out.getvalue())
    assert recounted == expected
    assert set(doc["by_platform"]) == set(recounted)  # unlisted sites are one more row, "unknown"
    for platform, line in doc["by_platform"].items():
        assert {k: n for k, n in line["counts"].items() if n} == dict(recounted[platform])
        assert line["checked"] == sum(recounted[platform].values())
        assert line["share"] == {k: round(n / line["checked"], 4) for k, n in line["counts"].items()}
    assert doc["all"]["checked"] == 2 * len(CASES)
    assert doc["by_platform"]["unknown"]["counts"] == {"content": 2, "login": 4, "app": 4, "error": 2, "blocked": 0}
    assert doc["by_platform"]["jd"]["share"]["login"] == round(2 / 6, 4)
    # the page shows the export's numbers, exactly
    rows = {
        tr.css("td")[0].attributes.get("data-value"): [td.attributes.get("data-value") for td in tr.css("td")[1:]]
        for tr in LexborHTMLParser(render_report_html(report)).css("table#reachability tbody tr")
    }
    for platform, line in doc["by_platform"].items():
        assert rows[platform] == [str(line["checked"]), *(repr(line["share"][k]) for k in doc["kinds"])]
    assert "other sites (unlisted)" in render_report_html(report)
    assert "其他网站（未收录）" in render_report_html(report, "zh")


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "This link asked for a login first when it was checked"), ("zh", "检查此链接时，它要求先登录")],
)
async def test_the_confirm_page_says_the_link_asks_for_a_login(
    net: LocalNet, tmp_path: Path, lang: str, words: str
) -> None:
    cfg = config_for(net, tmp_path)
    app = create_app(cfg, engine=Engine.from_config(cfg))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        body = {
            "text": f"{TAOBAO_ITEM} https://news.example/2024/tea",
            "context": "group",
            "mode": "confirm",
            "preview": True,
        }
        walled, content = (await client.post("/v1/check", json=body)).json()["links"]
        pages = [
            await client.get(str(link["go"]).removeprefix("http://testserver") + f"?lang={lang}")
            for link in (walled, content)
        ]
    assert [p.status_code for p in pages] == [200, 200]
    assert words in pages[0].text and 'data-reach="login"' in pages[0].text
    assert "data-reach" not in pages[1].text


async def test_the_playground_card_says_the_link_only_opens_in_its_app(net: LocalNet, tmp_path: Path) -> None:
    cfg = config_for(net, tmp_path)
    app = create_app(cfg, engine=Engine.from_config(cfg))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        page = await client.post(
            "/?lang=zh", data={"text": "https://clips.newtube.example/v/a1b2c3", "context": "direct", "preview": "1"}
        )
    assert page.status_code == 200
    assert re.search(r'data-reach="app">此链接只能在其 App 中打开', page.text)


def test_every_case_host_is_served() -> None:
    for link, host, *_ in CASES.values():
        assert urlsplit(link).hostname == host
