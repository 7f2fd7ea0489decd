"""Online one-call checks against the local internet: what each call leaves open, and what it reuses."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import hutong
from hutong.config import Config, DataSection
from tests.support.localnet import LocalNet, html, localnet, localnet_server, redirect

__all__ = ["localnet", "localnet_server"]

SHORT = "https://b23.tv/BV1xx411c7mD"
TARGET = "https://www.bilibili.com/video/BV1xx411c7mD"
PAGE = html("<title>video</title>")


def engine_for(net: LocalNet, tmp_path: Path) -> hutong.Engine:
    net.route("b23.tv", redirect(TARGET + "?vd_source=abc"), path="/BV1xx411c7mD")
    net.route("www.bilibili.com", PAGE)
    cfg = dataclasses.replace(Config(), network=net.settings(), data=DataSection(dir=str(tmp_path)))
    return hutong.Engine.from_config(cfg)


def short_link_fetches(net: LocalNet) -> int:
    return sum(1 for r in net.requests if r.host == "b23.tv")


def test_each_sync_online_call_has_its_own_edge(localnet: LocalNet, tmp_path: Path) -> None:
    engine = engine_for(localnet, tmp_path)
    for _ in range(2):
        (report,) = hutong.check(SHORT, online=True, engine=engine)
        assert (report.url, report.needs_resolve, report.removed) == (TARGET, False, ("vd_source",))
    # nothing outlives a call (its loop is gone): the second call resolves again
    assert short_link_fetches(localnet) == 2


def test_an_async_call_with_an_engine_reuses_its_edge_until_closed(localnet: LocalNet, tmp_path: Path) -> None:
    engine = engine_for(localnet, tmp_path)

    async def twice() -> tuple[tuple[hutong.LinkReport, ...], ...]:
        try:
            return (
                await hutong.check_async(SHORT, online=True, engine=engine),
                await hutong.check_async(SHORT, online=True, engine=engine),
            )
        finally:
            await engine.aclose()

    first, again = asyncio.run(twice())
    assert first == again and first[0].url == TARGET
    assert short_link_fetches(localnet) == 1  # the second came from the engine's resolution cache


def test_offline_is_the_default_even_with_an_online_engine(localnet: LocalNet, tmp_path: Path) -> None:
    engine = engine_for(localnet, tmp_path)
    (report,) = hutong.check(SHORT, engine=engine)
    (same,) = asyncio.run(hutong.check_async(SHORT, engine=engine))
    assert report == same and report.needs_resolve and report.url == SHORT
    assert localnet.requests == []
