"""Video cards through the service: the API's card carries ``video``, and the playground's HTML card says
when a player is offered, or why not, in the page's language."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hutong.config import Config
from hutong.preview.video import NOTES
from hutong.web.app import create_app
from hutong.web.i18n import STRINGS
from tests.support import localnet as _localnet
from tests.support.localnet import LocalNet, html

from .conftest import connect, make_config

localnet, localnet_server = _localnet.localnet, _localnet.localnet_server  # the local internet fixtures

PLAYER = (
    '<html><head><title>Clip</title><meta property="og:type" content="video.other">'
    '<meta property="og:video:secure_url" content="https://player.clips.example/e/1">'
    '<meta property="og:video:type" content="text/html">'
    '<meta property="og:video:width" content="1280"><meta property="og:video:height" content="720"></head></html>'
)
APP_ONLY = (
    '<html><head><title>Clip</title><meta property="og:type" content="video.other">'
    '<meta property="al:android:url" content="clipsapp://v/1"></head></html>'
)


def _config(net: LocalNet, tmp_path: Path) -> Config:
    return dataclasses.replace(make_config(tmp_path), network=net.settings())


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_player_is_offered(lang: str, localnet: LocalNet, tmp_path: Path) -> None:
    localnet.route("clips.example", html(PLAYER))
    app = create_app(_config(localnet, tmp_path))
    async with connect(app) as c:
        api = await c.post("/v1/check", json={"text": "https://clips.example/v/1", "preview": True})
        page = await c.post(f"/?lang={lang}", data={"text": "https://clips.example/v/1", "preview": "1"})
    video = api.json()["links"][0]["card"]["video"]
    assert (video["player"], video["width"], video["height"], video["note"]) == (
        "https://player.clips.example/e/1",
        1280,
        720,
        None,
    )
    assert 'class="card-video"' in page.text and "1280×720" in page.text
    assert STRINGS["card.video"][lang] in page.text
    assert "player.clips.example" not in page.text  # the page never loads or links the player itself


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_an_app_only_video_says_so(lang: str, localnet: LocalNet, tmp_path: Path) -> None:
    localnet.route("clips.example", html(APP_ONLY))
    app = create_app(_config(localnet, tmp_path))
    async with connect(app) as c:
        api = await c.post("/v1/check", json={"text": "https://clips.example/v/1", "preview": True})
        page = await c.post(f"/?lang={lang}", data={"text": "https://clips.example/v/1", "preview": "1"})
    video = api.json()["links"][0]["card"]["video"]
    assert video["app_only"] is True and video["player"] is None
    assert video["note"]["code"] == "preview.video.app_only"
    en, zh = NOTES["preview.video.app_only"]
    assert 'class="card-video"' not in page.text
    assert (zh if lang == "zh" else en) in page.text
