"""Short-link resolution against the local internet."""

from __future__ import annotations

import asyncio
import json

from hutong.net.fetcher import GuardedFetcher
from hutong.net.memcache import MemoryCache
from hutong.net.resolver import Resolution, Resolver
from hutong.net.types import FetchResult
from tests.support.localnet import LocalNet, Reply, html, redirect

ITEM = "https://item.taobao.com/item.htm?id=1"


async def test_tb_style_body_redirect(localnet: LocalNet) -> None:
    localnet.route("m.tb.cn", html(f"<script>var url = '{ITEM}';</script>"), path="/h.abc")
    localnet.route("item.taobao.com", html("<title>商品</title>"))
    async with GuardedFetcher(localnet.settings()) as f:
        res = await Resolver(f, None, max_hops=5).resolve("https://m.tb.cn/h.abc")
    assert res.ok and res.url == ITEM
    assert [(h.url, h.via) for h in res.hops] == [("https://m.tb.cn/h.abc", "body"), (ITEM, "final")]


async def test_mixed_chain_3xx_then_interstitial(localnet: LocalNet) -> None:
    localnet.route("t.cn", redirect("https://weibo.example/sinaurl?u=x"), path="/A1")
    localnet.route("weibo.example", html(f'<body><p>将要访问</p><div class="link">{ITEM}</div></body>'))
    localnet.route("item.taobao.com", html("<title>商品</title>"))
    async with GuardedFetcher(localnet.settings()) as f:
        res = await Resolver(f, None, max_hops=5).resolve("https://t.cn/A1")
    assert res.url == ITEM
    assert [h.via for h in res.hops] == ["redirect", "interstitial", "final"]


async def test_destination_that_is_not_a_page_is_still_the_destination(localnet: LocalNet) -> None:
    localnet.route("b23.tv", redirect("https://cdn.example/file.pdf"))
    localnet.route("cdn.example", Reply(body=b"%PDF", headers=(("Content-Type", "application/pdf"),)))
    async with GuardedFetcher(localnet.settings()) as f:
        res = await Resolver(f, None, max_hops=5).resolve("https://b23.tv/x")
    assert res.ok and res.url == "https://cdn.example/file.pdf"


async def test_max_hops_bounds_body_and_3xx_together(localnet: LocalNet) -> None:
    for i in range(6):
        reply = redirect(f"/{i + 1}") if i % 2 else html(f"<script>var url='/{i + 1}'</script>")
        localnet.route("loop.example", reply, path=f"/{i}")
    async with GuardedFetcher(localnet.settings()) as f:
        res = await Resolver(f, None, max_hops=3).resolve("https://loop.example/0")
    assert res.error_code == "remote.too_many_redirects" and len(res.hops) == 3
    assert res.url == "https://loop.example/2"


async def test_body_redirect_loop_is_an_error(localnet: LocalNet) -> None:
    localnet.route("a.example", html("<script>var url='https://b.example/'</script>"))
    localnet.route("b.example", html("<script>var url='https://a.example/'</script>"))
    async with GuardedFetcher(localnet.settings()) as f:
        res = await Resolver(f, None, max_hops=10).resolve("https://a.example/")
    assert res.error_code == "remote.too_many_redirects" and "loop" in (res.error or "")


async def test_unreachable_gives_explained_failure(localnet: LocalNet) -> None:
    localnet.route("gone.example", Reply(status=404, body=b"no"))
    async with GuardedFetcher(localnet.settings()) as f:
        res = await Resolver(f, None, max_hops=5).resolve("https://gone.example/x")
    assert not res.ok and res.error_code == "remote.http_status" and res.url == "https://gone.example/x"


async def test_cached_with_single_flight(localnet: LocalNet) -> None:
    localnet.route("b23.tv", redirect("https://www.bilibili.com/video/BV1"))
    localnet.route("www.bilibili.com", Reply(body=b"<title>v</title>", delay=0.1))
    cache = MemoryCache()
    async with GuardedFetcher(localnet.settings()) as f:
        resolver = Resolver(f, cache, max_hops=5)
        results = await asyncio.gather(*(resolver.resolve("https://b23.tv/x") for _ in range(20)))
        again = await resolver.resolve("https://b23.tv/x")
    assert {r.url for r in results} == {"https://www.bilibili.com/video/BV1"} and again == results[0]
    assert len(localnet.requests) == 2  # one fetch per hop, however many callers


async def test_failure_cached_for_negative_ttl(localnet: LocalNet) -> None:
    localnet.route("bad.example", Reply(status=500))
    cache = MemoryCache()
    async with GuardedFetcher(localnet.settings()) as f:
        resolver = Resolver(f, cache, max_hops=5, negative_ttl=60)
        first = await resolver.resolve("https://bad.example/")
        second = await resolver.resolve("https://bad.example/")
    assert first == second and not first.ok and len(localnet.requests) == 1


def test_resolution_json_round_trip() -> None:
    from hutong.core.model import Hop

    res = Resolution("https://a/", (Hop("https://s/", 302, "redirect"), Hop("https://a/", 200)), None, None)
    assert Resolution.from_json(res.to_json()) == res


def _drop_sharer(url: str) -> tuple[str, tuple[str, ...]]:
    """A hop cleaner for the tests: drops ``un`` from item.taobao.com pages only."""
    if not url.startswith("https://item.taobao.com/"):
        return url, ()
    head, _, query = url.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith("un=")]
    return head + ("?" + "&".join(kept) if kept else ""), ("un",) if len(kept) < len(query.split("&")) else ()


async def test_learnt_hops_are_requested_as_the_cleaner_returns_them(localnet: LocalNet) -> None:
    localnet.route("m.tb.cn", redirect("https://s.click.example/t?un=keep&to=1"), path="/h.c")
    localnet.route("s.click.example", html(f"<script>var url = '{ITEM}&un=7d3f';</script>"), path="/t?un=keep&to=1")
    localnet.route("item.taobao.com", html("<title>商品</title>"))
    async with GuardedFetcher(localnet.settings()) as f:
        res = await Resolver(f, None, max_hops=5).resolve("https://m.tb.cn/h.c", clean=_drop_sharer)
    assert res.ok and res.url == ITEM and res.removed == ("un",)
    # the redirector's own query went out as it was; the platform page without the sharer's parameter
    assert [r.path for r in localnet.requests] == ["/h.c", "/t?un=keep&to=1", "/item.htm?id=1"]
    assert isinstance(res.final, FetchResult) and res.final.url == ITEM and "商品" in (res.final.text or "")


async def test_the_final_answer_is_kept_by_its_fetcher_never_cached(localnet: LocalNet) -> None:
    localnet.route("b23.tv", redirect("https://www.bilibili.com/video/BV1"))
    localnet.route("www.bilibili.com", html("<title>v</title>"))
    cache = MemoryCache()
    async with GuardedFetcher(localnet.settings()) as f:
        resolver = Resolver(f, cache, max_hops=5)
        first = await resolver.resolve("https://b23.tv/x")
        again = await resolver.resolve("https://b23.tv/x")
    assert isinstance(first.final, FetchResult) and again.final is None and again == first
    stored = json.loads(await cache.get("hutong:resolve:https://b23.tv/x") or b"{}")
    assert set(stored) == {"url", "hops", "error", "error_code", "removed"}  # no page body in the cache


def test_resolution_json_round_trip_keeps_removed() -> None:
    res = Resolution("https://a/", (), None, None, removed=("un", "ut_sk"))
    assert Resolution.from_json(res.to_json()).removed == ("un", "ut_sk")


async def test_body_scan_over_its_cpu_budget_stops_the_chain_with_a_reason(localnet: LocalNet) -> None:
    from hutong.config import ScanSection
    from hutong.offload import Offloader

    localnet.route("m.tb.cn", html("<b class=url>" * 2400), path="/h.slow")  # interstitial parse: ~20 ms
    offloader = Offloader(ScanSection(cpu_budget=0.001))
    try:
        async with GuardedFetcher(localnet.settings()) as f:
            res = await Resolver(f, None, max_hops=5, offload=offloader).resolve("https://m.tb.cn/h.slow")
    finally:
        offloader.close()
    assert not res.ok and res.error_code == "remote.too_slow"
    assert res.error is not None and "took too long to read" in res.error
