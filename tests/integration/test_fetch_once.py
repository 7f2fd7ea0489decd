"""Fetch once, and fetch clean: a short link's destination is requested once, without the sharer's parameters.

The local internet records every request's path and query. For each platform's share, the chain is
walked and the card built (resolve + preview); the destination host must then have seen exactly one
request for the destination page, and none of the sharer's tracking parameters (``un=``, ``ut_sk=``,
``u_code=``...) that the platform's data file strips. A short-link hop keeps its own query, which is
what expands it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from tests.support.localnet import LocalNet, html, redirect

from .conftest import Route, analyse_online, serve

ITEM_ID = "712345678901"
BVID = "BV1xx411c7mD"
AWEME = "7301234567890123456"
NOTE_ID = "64f1c2e3000000001f03a1b2"
XSEC = "ABl9zTt4AhpCO0sSdEmwlzUUGkTPzRPgHWuVhfN2CcI7s="
PAGE = html('<html><head><meta property="og:title" content="目的页"><title>x</title></head><body></body></html>')


@dataclass(frozen=True)
class Share:
    name: str
    text: str
    routes: tuple[Route, ...]
    host: str  # the destination's host
    path: str  # the destination page's path (without query)
    sharer: tuple[str, ...]  # parameters that identify the sharer: never sent to the destination


SHARES = [
    Share(
        "taobao_body_redirect",
        "【淘宝】https://e.tb.cn/h.gXyZ123?tk=Abc1 CZ0001 「加厚羊毛衫」",
        (
            (
                "e.tb.cn",
                "/h.gXyZ123?tk=Abc1",
                html(
                    "<script>var url = 'https://item.taobao.com/item.htm?id="
                    f"{ITEM_ID}&un=7d3f9a&ut_sk=1.abc_21380790_1700000000&spm=a2141.7631564&sp_tk=xyz';</script>"
                ),
            ),
            ("item.taobao.com", None, PAGE),
        ),
        "item.taobao.com",
        "/item.htm",
        ("un", "ut_sk", "sp_tk", "spm"),
    ),
    Share(
        "douyin_302",
        "复制打开抖音，看看【某某的作品】故宫初雪 https://v.douyin.com/iRNBho6u/",
        (
            (
                "v.douyin.com",
                "/iRNBho6u/",
                redirect(
                    f"https://www.iesdouyin.com/share/video/{AWEME}/?region=CN&mid=7300&u_code=4k3j2h&did=99"
                    "&iid=88&with_sec_did=1&share_sign=Zq&share_version=280700&ts=1700000000&from_ssr=1"
                ),
            ),
            ("www.iesdouyin.com", None, PAGE),
        ),
        "www.iesdouyin.com",
        f"/share/video/{AWEME}/",
        ("u_code", "did", "iid", "share_sign", "mid"),
    ),
    Share(
        "bilibili_302",
        "【视频标题-哔哩哔哩】 https://b23.tv/AbCd12",
        (
            (
                "b23.tv",
                "/AbCd12",
                redirect(
                    f"https://www.bilibili.com/video/{BVID}?share_source=copy_web&vd_source=0f1e9a&share_medium=iphone"
                    "&bbid=XX&ts=1700000000"
                ),
            ),
            ("www.bilibili.com", None, PAGE),
        ),
        "www.bilibili.com",
        f"/video/{BVID}",
        ("share_source", "vd_source", "share_medium", "bbid"),
    ),
    Share(
        # the chain ends on a captcha wrapper; the note itself is fetched once, cleaned, by the preview
        "xiaohongshu_wrapper",
        "发布了一篇小红书笔记，快来看吧！ http://xhslink.com/a/Bc7dE9fG，复制本条信息，打开【小红书】App查看精彩内容！",
        (
            (
                "xhslink.com",
                "/a/Bc7dE9fG",
                redirect(
                    "https://www.xiaohongshu.com/website-login/captcha?redirectPath="
                    + quote(
                        f"https://www.xiaohongshu.com/discovery/item/{NOTE_ID}?app_platform=ios&xsec_token={XSEC}"
                        "&xsec_source=app_share&share_from_user_hidden=true",
                        safe="",
                    )
                    + "&verifyUuid=1f2e"
                ),
            ),
            ("www.xiaohongshu.com", None, PAGE),
        ),
        "www.xiaohongshu.com",
        f"/discovery/item/{NOTE_ID}",
        ("app_platform", "xsec_source", "share_from_user_hidden"),
    ),
]


def _queries(net: LocalNet, host: str, path: str) -> list[dict[str, str]]:
    """The query of every request the local internet saw for ``host`` + ``path``."""
    return [
        dict(parse_qsl(urlsplit(r.path).query, keep_blank_values=True))
        for r in net.requests
        if r.host == host and urlsplit(r.path).path == path
    ]


@pytest.mark.parametrize("share", SHARES, ids=lambda s: s.name)
async def test_destination_is_fetched_once_and_clean(share: Share, localnet: LocalNet, tmp_path: Path) -> None:
    serve(localnet, share.routes)
    (report,) = await analyse_online(localnet, tmp_path, share.text, preview=True)
    assert report.error is None and not report.needs_resolve
    queries = _queries(localnet, share.host, share.path)
    assert len(queries) == 1, [r.path for r in localnet.requests]  # resolve + preview: one request
    assert not set(share.sharer) & set(queries[0]), queries[0]
    # the card comes from that one answer, and the report still names what was removed
    assert report.card is not None and report.card.title == "目的页" and report.card.error is None
    assert set(share.sharer) <= set(report.removed), report.removed


async def test_every_platform_hop_is_requested_clean(localnet: LocalNet, tmp_path: Path) -> None:
    """A platform page that redirects on to another keeps the sharer's parameters on no hop."""
    localnet.route("b23.tv", redirect(f"https://m.bilibili.com/video/{BVID}?share_source=qq&vd_source=77"), path="/m")
    localnet.route(
        "m.bilibili.com", redirect(f"https://www.bilibili.com/video/{BVID}?share_source=qq&vd_source=77")
    )
    localnet.route("www.bilibili.com", PAGE)
    (report,) = await analyse_online(localnet, tmp_path, "https://b23.tv/m", preview=True)
    assert report.url == f"https://www.bilibili.com/video/{BVID}"
    seen = [r for r in localnet.requests if r.host.endswith("bilibili.com")]
    assert [r.host for r in seen] == ["m.bilibili.com", "www.bilibili.com"]
    assert all("share_source" not in r.path and "vd_source" not in r.path for r in seen), [r.path for r in seen]


async def test_a_short_link_hop_keeps_the_query_that_expands_it(localnet: LocalNet, tmp_path: Path) -> None:
    """``s.click.taobao.com`` is a Taobao short host: its ``spm``/``e`` are what it redirects on, so they stay."""
    hop = "/t?e=m%3D2%26s%3DAbC&spm=a.b.c&un=7d3f"
    localnet.route("e.tb.cn", redirect(f"https://s.click.taobao.com{hop}"), path="/h.Q")
    localnet.route("s.click.taobao.com", redirect(f"https://item.taobao.com/item.htm?id={ITEM_ID}&un=7d3f"), path=hop)
    localnet.route("item.taobao.com", PAGE)
    (report,) = await analyse_online(localnet, tmp_path, "https://e.tb.cn/h.Q", preview=True)
    assert report.error is None and report.url == f"https://item.taobao.com/item.htm?id={ITEM_ID}"
    assert [r.path for r in localnet.requests if r.host == "s.click.taobao.com"] == [hop]
    assert [r.path for r in localnet.requests if r.host == "item.taobao.com"] == [f"/item.htm?id={ITEM_ID}"]


async def test_same_destination_twice_in_a_message_is_fetched_once(localnet: LocalNet, tmp_path: Path) -> None:
    localnet.route("b23.tv", redirect(f"https://www.bilibili.com/video/{BVID}?share_source=copy_web"), path="/Twice")
    localnet.route("www.bilibili.com", PAGE)
    text = "https://b23.tv/Twice 再发一次 https://b23.tv/Twice"
    reports = await analyse_online(localnet, tmp_path, text, preview=True)
    assert [r.card.title if r.card else None for r in reports] == ["目的页", "目的页"]
    assert [r.host for r in localnet.requests] == ["b23.tv", "www.bilibili.com"]


async def test_a_destination_that_is_a_picture_is_fetched_once(localnet: LocalNet, tmp_path: Path) -> None:
    """Refused as a page on its headers during resolution: the media card is built from that refusal."""
    from tests.support.localnet import Reply

    localnet.route("b23.tv", redirect("https://i0.hdslb.com/bfs/archive/snow.jpg"), path="/pic")
    localnet.route("i0.hdslb.com", Reply(body=b"\xff\xd8\xff", headers=(("Content-Type", "image/jpeg"),)))
    (report,) = await analyse_online(localnet, tmp_path, "https://b23.tv/pic", preview=True)
    assert report.error is None and report.card is not None and report.card.error is None
    assert [r.host for r in localnet.requests] == ["b23.tv", "i0.hdslb.com"]


async def test_an_off_platform_destination_is_fetched_once_and_carded_clean(
    localnet: LocalNet, tmp_path: Path
) -> None:
    """An unknown host is requested as learnt (it may be a redirector); its card names the cleaned URL."""
    localnet.route("b23.tv", redirect("https://promo.example.net/landing?utm_source=bili&ref=b23"), path="/Off")
    localnet.route("promo.example.net", PAGE)
    (report,) = await analyse_online(localnet, tmp_path, "https://b23.tv/Off", preview=True)
    assert report.url == "https://promo.example.net/landing?ref=b23"
    assert [r.path for r in localnet.requests if r.host == "promo.example.net"] == ["/landing?utm_source=bili&ref=b23"]
    assert report.card is not None and report.card.url == report.url and report.card.title == "目的页"
