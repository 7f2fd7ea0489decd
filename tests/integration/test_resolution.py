"""Short links resolved through the whole online pipeline, against the local internet.

Each case is a share text whose short link the local internet answers the way the platform
does (a 200 with the target in a script, a 302, a captcha wrapper) or the way an attacker
would (redirects to internal addresses, loops, endless chains). The report must describe
the *final* URL, cleaned and identified, with every hop recorded and a decision made.
"""

from __future__ import annotations

import dataclasses
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from hutong.config import StorageSection
from hutong.core.model import Action, Level
from hutong.pipeline import Engine
from tests.support.localnet import LocalNet, Reply, html, redirect

from .conftest import Route, analyse_online, config_for, serve

ITEM_ID = "712345678901"
BVID = "BV1xx411c7mD"
NOTE_ID = "64f1c2e3000000001f03a1b2"
XSEC = "ABl9zTt4AhpCO0sSdEmwlzUUGkTPzRPgHWuVhfN2CcI7s="
NOTE = f"https://www.xiaohongshu.com/discovery/item/{NOTE_ID}?app_platform=ios&xsec_token={XSEC}&xsec_source=app_share"
PAGE = html("<title>page</title>")


@dataclass(frozen=True)
class Resolved:
    name: str
    text: str
    routes: tuple[Route, ...]
    url: str
    platform: str | None
    category: str
    kind: str | None
    id: str | None
    removed: tuple[str, ...]
    vias: tuple[str, ...]


RESOLVED = [
    Resolved(
        "taobao_body_redirect",
        "【淘宝】https://e.tb.cn/h.gXyZ123?tk=Abc1 CZ0001 「加厚羊毛衫」 点击链接直接打开",
        (
            (
                "e.tb.cn",
                "/h.gXyZ123?tk=Abc1",
                html(
                    "<html><script>var url = 'https://item.taobao.com/item.htm?id="
                    f"{ITEM_ID}&spm=a2141.7631564.0.0&un=7d3f&ut_sk=1.abc';</script></html>"
                ),
            ),
            ("item.taobao.com", None, PAGE),
        ),
        url=f"https://item.taobao.com/item.htm?id={ITEM_ID}",
        platform="taobao",
        category="ecommerce",
        kind="product",
        id=ITEM_ID,
        removed=("spm", "un", "ut_sk"),
        vias=("body", "final"),
    ),
    Resolved(
        "bilibili_302",
        "【视频标题-哔哩哔哩】 https://b23.tv/AbCd12",
        (
            (
                "b23.tv",
                "/AbCd12",
                redirect(
                    f"https://www.bilibili.com/video/{BVID}?share_source=copy_web&vd_source=0f1e&share_medium=iphone"
                ),
            ),
            ("www.bilibili.com", None, PAGE),
        ),
        url=f"https://www.bilibili.com/video/{BVID}",
        platform="bilibili",
        category="video",
        kind="video",
        id=BVID,
        removed=("share_source", "vd_source", "share_medium"),
        vias=("redirect", "final"),
    ),
    Resolved(
        "b23_leads_off_platform",
        "看这个 https://b23.tv/Off99",
        (
            ("b23.tv", "/Off99", redirect("https://promo.example.net/landing?utm_source=bili&ref=b23")),
            ("promo.example.net", None, PAGE),
        ),
        url="https://promo.example.net/landing?ref=b23",
        platform=None,
        category="unknown",
        kind=None,
        id=None,
        removed=("utm_source",),
        vias=("redirect", "final"),
    ),
    Resolved(
        "weibo_tcn_interstitial",
        "微博正文 http://t.cn/A6Lk9xQz",
        (
            ("t.cn", "/A6Lk9xQz", redirect("https://weibo.cn/sinaurl?toasturl=https%3A%2F%2Ft.cn%2FA6Lk9xQz")),
            (
                "weibo.cn",
                None,
                html(
                    '<html><body><p>将要访问</p><div class="link">'
                    "https://item.jd.com/100012043978.html?utm_source=weibo</div><a>继续访问</a></body></html>"
                ),
            ),
            ("item.jd.com", None, PAGE),
        ),
        url="https://item.jd.com/100012043978.html",
        platform="jd",
        category="ecommerce",
        kind="product",
        id="100012043978",
        removed=("utm_source",),
        vias=("redirect", "interstitial", "final"),
    ),
    Resolved(
        "xiaohongshu_captcha_wrapper",
        "发布了一篇小红书笔记，快来看吧！ 😆 http://xhslink.com/a/Bc7dE9fG，复制本条信息，打开【小红书】App查看精彩内容！",
        (
            (
                "xhslink.com",
                "/a/Bc7dE9fG",
                redirect(
                    "https://www.xiaohongshu.com/website-login/captcha?redirectPath="
                    f"{quote(NOTE, safe='')}&verifyUuid=1f2e&verifyType=124&verifyBiz=461"
                ),
            ),
            ("www.xiaohongshu.com", None, PAGE),
        ),
        url=f"https://www.xiaohongshu.com/discovery/item/{NOTE_ID}?xsec_token={XSEC}",
        platform="xiaohongshu",
        category="social",
        kind="note",
        id=NOTE_ID,
        removed=("app_platform", "xsec_source"),
        vias=("redirect", "final", "wrapper"),
    ),
]


@pytest.mark.parametrize("case", RESOLVED, ids=lambda c: c.name)
async def test_short_link_resolves_to_cleaned_identified_final_url(
    case: Resolved, localnet: LocalNet, tmp_path: Path
) -> None:
    serve(localnet, case.routes)
    (report,) = await analyse_online(localnet, tmp_path, case.text)
    assert report.error is None
    assert report.url == case.url
    ident = report.identity
    assert (ident.platform, ident.category, ident.kind, ident.id) == (
        case.platform,
        case.category,
        case.kind,
        case.id,
    )
    assert set(case.removed) <= set(report.removed)
    assert [h.via for h in report.hops] == list(case.vias)
    assert report.hops[0].url.startswith(report.original or "?")
    # the decision is re-made on the final URL: no longer an unresolved short link
    assert not report.needs_resolve
    assert report.site is not None and report.site in report.url
    assert "link.unresolved" not in {r.code for r in report.verdict.reasons}
    assert report.decision is not None


@dataclass(frozen=True)
class Refused:
    name: str
    routes: tuple[Route, ...]
    start: str  # the short link in the message
    error: str  # a word the explanation must contain
    hops: int  # how many hops were recorded before the chain stopped
    requests: int | None = None  # requests the local internet saw (default: one per hop)


def _chain(n: int) -> tuple[Route, ...]:
    return tuple(("b23.tv", f"/c{i}", redirect(f"https://b23.tv/c{i + 1}")) for i in range(n))


REFUSED = [
    Refused(
        f"redirect_to_{name}",
        (("b23.tv", "/x", redirect(target)),),
        "https://b23.tv/x",
        word,
        1,
    )
    for name, target, word in [
        ("loopback_range", "http://127.0.0.2/admin", "127.0.0.2"),
        ("private_10", "http://10.0.0.1/", "10.0.0.1"),
        ("private_192_168", "https://192.168.1.1/router", "192.168.1.1"),
        ("cloud_metadata", "http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("ipv6_loopback", "http://[::1]/", "::1"),
        ("ipv4_mapped_loopback", "http://[::ffff:127.0.0.2]/", "127.0.0.2"),
        ("decimal_ip", "http://2130706434/", "127.0.0.2"),
        ("cgnat", "http://100.64.0.1/", "100.64.0.1"),
        ("file_scheme", "file:///etc/passwd", "file"),
        ("odd_port", "https://shop.example.net:8443/", "8443"),
    ]
] + [
    Refused(
        "body_redirect_to_private",
        (("e.tb.cn", "/h.priv", html("<script>var url = 'http://10.9.8.7/internal';</script>")),),
        "https://e.tb.cn/h.priv",
        "10.9.8.7",
        1,
    ),
    Refused(
        "redirect_loop",
        (
            ("b23.tv", "/loopA", redirect("https://b23.tv/loopB")),
            ("b23.tv", "/loopB", redirect("https://b23.tv/loopA")),
        ),
        "https://b23.tv/loopA",
        "loop",
        2,
    ),
    Refused("endless_chain", _chain(20), "https://b23.tv/c0", "hops", 5),
    Refused(
        "expired_short_link_404",
        (("b23.tv", "/gone", html("<title>404</title>", status=404)),),
        "https://b23.tv/gone",
        "404",
        0,
        requests=1,
    ),
    Refused(
        "short_link_that_goes_nowhere",
        (("b23.tv", "/stay", html("<title>哔哩哔哩</title><p>欢迎</p>")),),
        "https://b23.tv/stay",
        "still a short link",
        1,
    ),
    Refused(
        "short_link_to_a_file_of_its_own",
        (("b23.tv", "/f", Reply(body=b"GIF89a", headers=(("Content-Type", "image/gif"),))),),
        "https://b23.tv/f",
        "still a short link",
        1,
    ),
]


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.name)
async def test_unsafe_or_endless_resolution_is_bounded_and_explained(
    case: Refused, localnet: LocalNet, tmp_path: Path
) -> None:
    serve(localnet, case.routes)
    before = len(localnet.requests)
    (report,) = await analyse_online(localnet, tmp_path, f"快看 {case.start} 哈哈")
    assert report.error is not None and case.error in report.error
    assert len(report.hops) == case.hops
    # nothing past the refusal was contacted
    assert len(localnet.requests) - before == (case.hops if case.requests is None else case.requests)
    assert report.url is not None and report.url.startswith("https://")  # the last URL reached safely
    assert report.needs_resolve
    codes = [r.code for r in report.verdict.reasons]
    assert any(c.startswith("resolve.") for c in codes), codes
    assert report.verdict.level != Level.SAFE
    assert report.decision is not None and report.decision.action != Action.OPEN


@pytest.mark.parametrize(
    ("name", "reply"),
    [
        ("silent_server", Reply(delay=5.0)),
        ("slow_drip_body", Reply(body=b"<html>" + b" " * 4096, chunk_size=16, body_drip=0.05)),
        ("slowloris_head", Reply(body=b"<html></html>", header_drip=0.05)),
        ("endless_body", Reply(body=b"<html>", endless=b"<p>more</p>" * 100, body_drip=0.01)),
    ],
)
async def test_slow_short_link_is_cut_off_by_the_deadline(
    name: str, reply: Reply, localnet: LocalNet, tmp_path: Path
) -> None:
    localnet.route("b23.tv", reply, path=f"/{name}")
    started = time.monotonic()
    (report,) = await analyse_online(
        localnet, tmp_path, f"https://b23.tv/{name}", preview=True, total_timeout=0.5, max_html_bytes=65536
    )
    assert time.monotonic() - started < 3.0
    assert report.error is not None and report.needs_resolve
    assert [r.code for r in report.verdict.reasons if r.code.startswith("resolve.")] in (
        ["resolve.timeout"],
        ["resolve.too_large"],
    )
    assert report.decision is not None and report.decision.action != Action.OPEN
    assert report.card is not None and report.card.url == report.url  # what is known, without a second try


async def test_one_short_link_twice_in_a_message_is_fetched_once(localnet: LocalNet, tmp_path: Path) -> None:
    localnet.route("b23.tv", redirect(f"https://www.bilibili.com/video/{BVID}?share_source=copy_web"), path="/Twice")
    localnet.route("www.bilibili.com", PAGE)
    reports = await analyse_online(localnet, tmp_path, "https://b23.tv/Twice 再发一次 https://b23.tv/Twice")
    assert [r.url for r in reports] == [f"https://www.bilibili.com/video/{BVID}"] * 2
    assert [r.host for r in localnet.requests] == ["b23.tv", "www.bilibili.com"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens there any more


async def test_unreachable_shared_cache_falls_back_to_the_process_cache_and_still_resolves(
    localnet: LocalNet, tmp_path: Path
) -> None:
    localnet.route("b23.tv", redirect(f"https://www.bilibili.com/video/{BVID}"), path="/Cache")
    localnet.route("www.bilibili.com", PAGE)
    cfg = dataclasses.replace(
        config_for(localnet, tmp_path), storage=StorageSection(cache=f"redis://127.0.0.1:{_closed_port()}/0")
    )
    engine = Engine.from_config(cfg)
    try:
        (report,) = await engine.analyse_online("https://b23.tv/Cache", preview=True)
    finally:
        await engine.aclose()
    assert report.error is None
    assert not report.needs_resolve
    assert report.url == f"https://www.bilibili.com/video/{BVID}"
    assert report.card is not None  # the card cache fell back too
