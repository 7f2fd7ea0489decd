"""One process, one network edge: the engine's previews and the image proxy share a fetcher, cache and rate limit;
and what the edge could not fetch is explained in the API's and the playground's cards."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from hutong.config import Config
from hutong.edge import NetworkEdge
from hutong.pipeline import Engine
from hutong.preview.explain import SENTENCES
from hutong.web.app import create_app
from tests.conftest import ROOT
from tests.support import localnet as _localnet
from tests.support.localnet import LocalNet, Reply, html

from .conftest import connect, make_config

localnet, localnet_server = _localnet.localnet, _localnet.localnet_server  # the local internet fixtures


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


PAGE = '<html><head><title>shop</title><meta property="og:image" content="https://shop.example/a.png"></head></html>'


def _config(net: LocalNet, tmp_path: Path, **network: object) -> Config:
    return dataclasses.replace(make_config(tmp_path), network=net.settings(**network))


def test_the_app_hands_one_edge_to_the_engine_and_the_image_proxy(localnet: LocalNet, tmp_path: Path) -> None:
    localnet.route("shop.example", html(PAGE))
    gw = create_app(_config(localnet, tmp_path)).state.gateway
    assert isinstance(gw.engine, Engine) and gw.images is not None
    assert gw.images.edge is gw.engine.edge
    assert gw.images.proxy()._fetcher is gw.engine.edge.fetcher


def test_an_injected_edge_is_the_engines() -> None:
    edge = NetworkEdge(Config())
    engine = Engine.from_config(Config(), edge=edge)
    assert engine.edge is edge


async def test_an_injected_edge_outlives_the_engine() -> None:
    edge = NetworkEdge(Config())
    engine = Engine.from_config(Config(), edge=edge)
    fetcher = edge.fetcher
    await engine.aclose()
    assert edge.fetcher is fetcher  # still open: its owner closes it
    await edge.aclose()


async def test_previews_and_images_share_one_rate_limit(localnet: LocalNet, tmp_path: Path) -> None:
    """Three requests to one host within a minute, limit two: the third is refused, whichever part asks."""
    localnet.route("shop.example", html(PAGE))
    localnet.route("shop.example", Reply(body=_png(), headers=(("Content-Type", "image/png"),)), path="/a.png")
    localnet.route("shop.example", Reply(body=_png(), headers=(("Content-Type", "image/png"),)), path="/b.png")
    app = create_app(_config(localnet, tmp_path, rate_limit_per_minute=2))
    images = app.state.gateway.images
    async with connect(app) as c:
        r = await c.post("/v1/check", json={"text": "https://shop.example/", "preview": True})
        card = r.json()["links"][0]["card"]
        assert card["title"] == "shop" and card["error"] is None
        first = await c.get(card["image"])  # the page was request 1: this is request 2
        assert first.status_code == 200, first.text
        second = await c.get(images.url_for("https://shop.example/b.png"))  # request 3
    assert second.status_code == 502 and "rate_limit_per_minute" in second.text
    assert [r.path for r in localnet.requests] == ["/", "/a.png"]


def test_guarded_fetchers_are_built_in_one_place() -> None:
    """Everything in the package goes online through the edge's one fetcher."""
    sites = [
        p.relative_to(ROOT / "src").as_posix()
        for p in sorted((ROOT / "src" / "hutong").rglob("*.py"))
        if re.search(r"\bGuardedFetcher\(", p.read_text(encoding="utf-8"))
    ]
    assert sites == ["hutong/edge.py"]


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_api_and_playground_explain_a_refused_preview(lang: str, tmp_path: Path) -> None:
    """The review's case: connect_to onto an address outside allow_networks; nothing is fetched, and it says so."""
    cfg = make_config(tmp_path)
    network = dataclasses.replace(cfg.network, connect_to=("shop.example:443:127.0.0.1:9",), allow_networks=())
    app = create_app(dataclasses.replace(cfg, network=network))
    en, zh = SENTENCES["remote.blocked_address"]
    async with connect(app) as c:
        api = await c.post("/v1/check", json={"text": "https://shop.example/item", "preview": True})
        page = await c.post(f"/?lang={lang}", data={"text": "https://shop.example/item", "preview": "1"})
    error = api.json()["links"][0]["card"]["error"]
    assert error["code"] == "remote.blocked_address" and error["detail"].startswith(en)
    assert error["detail_zh"] == zh
    assert page.status_code == 200
    assert 'class="card-error"' in page.text and "remote.blocked_address" in page.text
    assert (zh if lang == "zh" else en.replace("'", "&#39;")) in page.text


async def test_playground_marks_a_card_from_a_cut_page(localnet: LocalNet, tmp_path: Path) -> None:
    localnet.route("long.example", html("<title>Long</title>" + "<p>words</p>" * 500))
    app = create_app(_config(localnet, tmp_path, max_html_bytes=1024))
    async with connect(app) as c:
        page = await c.post("/?lang=zh", data={"text": "https://long.example/", "preview": "1"})
        api = await c.post("/v1/check", json={"text": "https://long.example/", "preview": True})
    assert 'class="card-note"' in page.text and "此预览仅依据长页面的前一部分生成" in page.text
    assert api.json()["links"][0]["card"]["truncated"] is True
