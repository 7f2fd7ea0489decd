"""How the bot asks hutong: the service core in its own process (prefs, audit, keyed go-links), or over HTTP."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hutong.cli import main
from hutong.config import Config, DataSection, SafetySection, ServerSection
from hutong.core.model import UserPrefs
from hutong.errors import ConfigError, RemoteError, TokenError
from hutong.matrix import registration
from hutong.matrix.checker import InProcess, OverHttp, public_base
from hutong.matrix.content import Part
from hutong.pipeline import Engine
from hutong.service import ApiKeys, SQLitePrefs, open_gateway
from hutong.service.golinks import read_token
from hutong.signing import load_signer
from hutong.store.factory import open_audit
from hutong.store.userhash import UserHasher

SAFE, EVIL = "https://safe.test/a", "https://evil.test/login"
UNKNOWN, SHOP = "https://unknown.example/x", "https://item.jd.com/100012043978.html"
MESSAGE = (Part("body", f"look {SAFE} {EVIL}"), Part("href", UNKNOWN), Part("m.new_content.body", SHOP))
BASE = "https://links.example.org"
ALICE, DORA = "@alice:example.org", "@dora:example.org"
DORAS = UserPrefs(mode="strict", always_open=("unknown.example",))  # copy only, but unknown.example opens


def config(data: Path, **server: Any) -> Config:
    return Config(
        data=DataSection(dir=str(data)),
        safety=SafetySection(allow=("safe.test",), deny=("evil.test",)),
        server=ServerSection(**server),
    )


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine.from_config(config(tmp_path_factory.mktemp("engine")))


@pytest.fixture
async def bots(engine: Engine, tmp_path: Path) -> AsyncIterator[InProcess]:
    """The bot's checker on the data directory ``tmp_path``, where Dora chose her prefs beforehand."""
    prefs = SQLitePrefs.in_data_dir(tmp_path)  # what `hutong serve` stores on `PUT /v1/users/{user}/prefs`
    prefs.put(DORA, DORAS)
    prefs.close()
    checker = InProcess(open_gateway(config(tmp_path, public_url=BASE), engine=engine), base=BASE, preview=False)
    yield checker
    await checker.aclose()


def actions(links: list[Any]) -> list[tuple[str, str]]:
    return [(link["url"], link["decision"]["action"]) for link in links]


@pytest.mark.parametrize(
    ("user", "context", "expected"),
    [
        (ALICE, "direct", [(SAFE, "open"), (EVIL, "block"), (UNKNOWN, "confirm"), (SHOP, "confirm")]),
        (ALICE, "group", [(SAFE, "confirm"), (EVIL, "block"), (UNKNOWN, "confirm"), (SHOP, "confirm")]),
        # Dora's own choice: strict (copy only) but unknown.example always opens; a blocked link stays blocked
        (DORA, "direct", [(SAFE, "open"), (EVIL, "block"), (UNKNOWN, "open"), (SHOP, "copy")]),
        (DORA, "group", [(SAFE, "confirm"), (EVIL, "block"), (UNKNOWN, "open"), (SHOP, "copy")]),
    ],
    ids=["alice direct", "alice group", "dora's prefs direct", "dora's prefs group"],
)
async def test_each_sender_s_own_prefs_apply(
    bots: InProcess, user: str, context: Any, expected: list[tuple[str, str]]
) -> None:
    assert actions(await bots.links(MESSAGE, context=context, user=user)) == expected


async def test_every_decision_is_in_the_audit_store_before_the_answer(bots: InProcess, tmp_path: Path) -> None:
    links = await bots.links(MESSAGE, context="group", user=DORA)
    store = open_audit(config(tmp_path))  # another reader of the same store, as `hutong audit export` is
    try:
        events = list(store.events())
    finally:
        store.close()
    assert [(e.stage, e.context, e.site, e.action, e.rule) for e in events] == [
        ("check", "group", link["site"], link["decision"]["action"], link["decision"]["rule"]) for link in links
    ]
    assert {e.user for e in events} == {UserHasher.for_config(config(tmp_path)).hash(DORA)}
    assert DORA not in {e.user for e in events}


async def test_go_links_are_keyed_and_open_on_a_service_of_the_same_data_dir(bots: InProcess, tmp_path: Path,
                                                                            engine: Engine) -> None:
    links = await bots.links(MESSAGE, context="direct", user=ALICE)
    assert all(link["go"].startswith(BASE + "/go/") for link in links)
    tokens = {link["url"]: link["go"].rsplit("/", 1)[1] for link in links}
    claim = read_token(load_signer(tmp_path), tokens[SAFE])  # the signing keys in data.dir
    assert (claim.url, claim.context, claim.keyed) == (SAFE, "direct", True)
    # the operator's service on the same data.dir, with API keys: it follows only go-links of trusted callers
    ApiKeys(tmp_path).create("synapse")
    serve = open_gateway(config(tmp_path), engine=engine)
    try:
        assert not serve.dev_mode
        opened = await serve.click(tokens[SAFE], user=None, confirmed=False)
        blocked = await serve.click(tokens[EVIL], user=None, confirmed=True)
    finally:
        await serve.aclose()
    assert (opened.honoured, opened.redirect) == (True, SAFE)
    assert (blocked.honoured, blocked.redirect) == (True, None)
    # a service on another data.dir has other signing keys: it refuses them
    stranger = open_gateway(config(tmp_path / "elsewhere"), engine=engine)
    try:
        with pytest.raises(TokenError) as refused:
            await stranger.click(tokens[SAFE], user=None, confirmed=False)
    finally:
        await stranger.aclose()
    assert refused.value.code == "token.unknown_key"


@pytest.mark.parametrize(
    ("configured", "given", "expected"),
    [
        ("", "https://links.example.org/", "https://links.example.org"),
        ("https://hutong.example.org", None, "https://hutong.example.org"),
        ("https://hutong.example.org", "http://127.0.0.1:8080", "http://127.0.0.1:8080"),  # the option wins
        ("", None, "pass --public-url, or set server.public_url"),
        ("", "links.example.org", "is not an http(s) URL"),
        ("ftp://links.example.org", None, "is not an http(s) URL"),
    ],
)
def test_the_public_url_of_the_go_links(configured: str, given: str | None, expected: str) -> None:
    cfg = Config(server=ServerSection(public_url=configured))
    if expected.startswith("http"):
        assert public_base(cfg, given) == expected
    else:
        with pytest.raises(ConfigError, match=re.escape(expected)):
            public_base(cfg, given)


async def test_open_puts_the_public_url_in_the_gateway_s_configuration(tmp_path: Path) -> None:
    checker = InProcess.open(config(tmp_path, public_url="https://old.example"), public_url=BASE, preview=False)
    try:
        (link,) = await checker.links((Part("body", SAFE),), context="direct", user=ALICE)
    finally:
        await checker.aclose()
        await checker.aclose()  # closing twice does nothing
    assert checker.gateway.config.server.public_url == BASE and link["go"].startswith(BASE + "/go/")


async def test_over_http_says_what_in_process_says(bots: InProcess, engine: Engine, tmp_path: Path) -> None:
    from hutong.web.app import create_app

    app = create_app(config(tmp_path / "serve"), engine=engine)
    app.state.gateway.prefs.put(DORA, DORAS)
    remote = OverHttp("http://testserver", preview=False, transport=httpx.ASGITransport(app=app))
    try:
        for user in (ALICE, DORA):
            here = await bots.links(MESSAGE, context="group", user=user)
            there = await remote.links(MESSAGE, context="group", user=user)
            assert [{k: v for k, v in link.items() if k != "go"} for link in there] == [
                {k: v for k, v in link.items() if k != "go"} for link in here
            ]
            assert all(str(link["go"]).startswith("http://testserver/go/") for link in there)
    finally:
        await remote.aclose()
        await app.state.gateway.aclose()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_over_http_a_service_that_cannot_answer_is_one_error(engine: Engine, tmp_path: Path) -> None:
    from hutong.web.app import create_app

    ApiKeys(tmp_path).create("bot")
    app = create_app(config(tmp_path), engine=engine)
    keyless = OverHttp("http://testserver", transport=httpx.ASGITransport(app=app))
    gone = OverHttp(f"http://127.0.0.1:{closed_port()}", timeout=2)
    try:
        with pytest.raises(RemoteError, match=r"HTTPStatusError.*401") as refused:
            await keyless.links(MESSAGE, context="group", user=ALICE)
        with pytest.raises(RemoteError, match="ConnectError") as unreachable:
            await gone.links(MESSAGE, context="group", user=ALICE)
    finally:
        await keyless.aclose()
        await gone.aclose()
        await app.state.gateway.aclose()
    assert refused.value.code == unreachable.value.code == "remote.hutong"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--api-key", "hk_x"], "--api-key is for a bot that asks hutong over HTTP"),
        (["--timeout", "3"], "--timeout is for a bot that asks hutong over HTTP"),
        (["--hutong-url", "http://127.0.0.1:8080", "--public-url", BASE], "--public-url is for a bot that checks"),
        (["--hutong-url", "http://127.0.0.1:8080", "--config", "hutong.toml"], "--config is for a bot that checks"),
        (["--hutong-url", "http://127.0.0.1:8080", "--timeout", "0"], "--timeout must be more than 0"),
        ([], "pass --public-url, or set server.public_url"),
    ],
    ids=["api key in process", "timeout in process", "public url over http", "config over http", "no timeout",
         "no public url"],
)
def test_the_cli_refuses_options_of_the_other_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], extra: list[str],
    message: str
) -> None:
    monkeypatch.delenv("HUTONG_CONFIG", raising=False)
    monkeypatch.setenv("HUTONG_DATA_DIR", str(tmp_path / "data"))
    reg = tmp_path / "r.yaml"
    reg.write_text(registration.dump(registration.new("http://127.0.0.1:29330")), encoding="utf-8")
    argv = ["matrix-appservice", "run", "--registration", str(reg), "--homeserver", "http://127.0.0.1:8008", *extra]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "data").exists()  # refused before anything was opened

