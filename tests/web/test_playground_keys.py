"""The playground on a server with API keys: anonymous visitors check offline only and get no go-links.

The attacker's URLs point at the local internet, which records every request that reaches it: an
anonymous ``preview=1`` must leave that log empty, while the same post with a valid key fetches.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hutong.config import Config
from hutong.pipeline import Engine
from hutong.service.apikeys import ApiKeys
from hutong.web.app import create_app
from tests.support.localnet import LocalNet, html, localnet, localnet_server

from .conftest import connect, make_config

__all__ = ["localnet", "localnet_server"]

ATTACKER = "attacker.example"
PAGE = f"https://{ATTACKER}/landing"


def online_config(net: LocalNet, data_dir: Path) -> Config:
    """The web tests' configuration, with the attacker's host reachable on the local internet."""
    return dataclasses.replace(make_config(data_dir), network=net.settings(ATTACKER))


@pytest.fixture
async def online(localnet: LocalNet, tmp_path: Path) -> AsyncIterator[tuple[LocalNet, Config]]:
    localnet.route(ATTACKER, html("<title>attacker</title><meta property='og:title' content='Free gift'>"))
    yield localnet, online_config(localnet, tmp_path)


async def post(cfg: Config, data: dict[str, str]) -> httpx.Response:
    engine = Engine.from_config(cfg)
    try:
        async with connect(create_app(cfg, engine=engine)) as c:
            return await c.post("/", data=data)
    finally:
        await engine.aclose()


def fetched(net: LocalNet) -> list[str]:
    return [r.path for r in net.requests if r.host == ATTACKER]


CASES: list[tuple[str, bool, str | None, int, bool, bool]] = [
    # name, keys exist, key sent ("good" = the real one), status, fetches, go-links
    ("development mode: anonymous is online", False, None, 200, True, True),
    ("keyed server: anonymous is offline", True, None, 200, False, False),
    ("keyed server: a valid key is online", True, "good", 200, True, True),
    ("keyed server: a wrong key is refused", True, "hk_wrong", 401, False, False),
]


@pytest.mark.parametrize(("name", "keyed", "key", "status", "fetches", "links"), CASES, ids=[c[0] for c in CASES])
async def test_who_may_fetch_and_mint(
    online: tuple[LocalNet, Config],
    tmp_path: Path,
    name: str,
    keyed: bool,
    key: str | None,
    status: int,
    fetches: bool,
    links: bool,
) -> None:
    net, cfg = online
    real = ApiKeys(tmp_path).create("bot") if keyed else None
    data: dict[str, Any] = {"text": f"看看 {PAGE}", "preview": "1"}
    if key is not None:
        data["key"] = real if key == "good" else key
    r = await post(cfg, data)
    assert r.status_code == status, name
    assert bool(fetched(net)) == fetches, (name, fetched(net))
    assert ("/go/" in r.text) == links, name
    if fetches:
        assert "Free gift" in r.text  # the card from the fetched page


async def test_anonymous_visitor_is_told_and_can_enter_a_key(online: tuple[LocalNet, Config], tmp_path: Path) -> None:
    _net, cfg = online
    ApiKeys(tmp_path).create("bot")
    form = await post(cfg, {"text": PAGE, "preview": "1"})
    notice = re.search(r'<p class="notice" role="note" id="offline">(.*?)</p>', form.text, re.S)
    assert notice is not None and "offline" in notice.group(1) and "key" in notice.group(1)
    assert '<input type="password" id="key" name="key"' in form.text
    assert 'value="hk_' not in form.text
    article = re.search(r'<article class="link.*?</article>', form.text, re.S)
    assert article is not None and PAGE in article.group(0)  # the offline decision is still shown


async def test_a_valid_key_stays_in_the_form(online: tuple[LocalNet, Config], tmp_path: Path) -> None:
    _net, cfg = online
    key = ApiKeys(tmp_path).create("bot")
    r = await post(cfg, {"text": PAGE, "key": key})
    assert f'name="key" value="{key}"' in r.text  # the next check needs no re-typing
    assert 'id="offline"' not in r.text
    wrong = await post(cfg, {"text": PAGE, "key": "hk_guess"})
    assert "hk_guess" not in wrong.text and 'role="alert"' in wrong.text


async def test_without_keys_the_playground_needs_no_key_field(online: tuple[LocalNet, Config]) -> None:
    _net, cfg = online
    r = await post(cfg, {"text": PAGE})
    assert 'id="key"' not in r.text and 'id="offline"' not in r.text
