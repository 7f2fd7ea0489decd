"""``/go/{token}``: time-of-click decisions, the pages, audit, and no open redirect."""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from hutong.signing import Signer, load_signer
from hutong.store.factory import open_audit

from .conftest import EVIL_SITE, SAFE_SITE, AppFactory, connect, make_config

SAFE = f"https://{SAFE_SITE}/page"
EVIL = f"https://{EVIL_SITE}/login"
OTHER = "https://unknown-site.example/article"


async def go_path(client: httpx.AsyncClient, text: str, **extra: Any) -> str:
    link = (await client.post("/v1/check", json={"text": text, **extra})).json()["links"][0]
    return str(link["go"]).removeprefix("http://testserver")


@pytest.mark.parametrize(
    ("name", "text", "extra", "query", "status", "location"),
    [
        ("open redirects", SAFE, {}, "", 302, SAFE),
        ("confirm shows a page", OTHER, {}, "", 200, None),
        ("confirmed=1 alone does not continue", OTHER, {}, "?confirmed=1", 200, None),
        ("block shows a page", EVIL, {}, "", 403, None),
        ("confirmed never opens a block", EVIL, {}, "?confirmed=1", 403, None),
        ("copy shows a page", OTHER, {"mode": "strict"}, "", 200, None),
        ("confirmed never opens a copy", OTHER, {"mode": "strict"}, "?confirmed=1", 200, None),
        ("group context is kept", OTHER, {"context": "group"}, "", 200, None),
    ],
)
async def test_click_decisions(
    client: httpx.AsyncClient,
    name: str,
    text: str,
    extra: dict[str, Any],
    query: str,
    status: int,
    location: str | None,
) -> None:
    r = await client.get(await go_path(client, text, **extra) + query)
    assert r.status_code == status, name
    assert r.headers.get("location") == location, name
    assert r.headers["referrer-policy"] == "no-referrer"


async def test_confirm_page_shows_the_destination(client: httpx.AsyncClient) -> None:
    path = await go_path(client, OTHER)
    page = (await client.get(path)).text
    assert '<p class="domain" id="domain">unknown-site.example</p>' in page
    assert OTHER in page
    assert f'<form id="continue-form" method="post" action="{path}"' in page
    assert '<input type="hidden" name="nonce" value="' in page
    assert 'id="link-text"' in page  # the copy box


async def test_block_page_explains_with_evidence(client: httpx.AsyncClient) -> None:
    page = (await client.get(await go_path(client, EVIL))).text
    assert "policy.malicious.block" in page
    assert f"hxxps://{EVIL_SITE.replace('.', '[.]')}/login" in page  # defanged, not a link
    assert f'href="{EVIL}' not in page
    assert "mistake" in page


async def test_copy_page_shows_the_link_as_text(client: httpx.AsyncClient) -> None:
    page = (await client.get(await go_path(client, OTHER, mode="strict"))).text
    assert f'<textarea id="link-text" class="copytext" readonly rows="3">{OTHER}</textarea>' in page
    assert "confirmed=1" not in page


async def test_the_clicking_users_prefs_decide(client: httpx.AsyncClient) -> None:
    path = await go_path(client, SAFE)
    await client.put("/v1/users/carol/prefs", json={"mode": "confirm"})
    await client.put("/v1/users/dave/prefs", json={"always_open": ["unknown-site.example"]})
    assert (await client.get(path)).status_code == 302
    assert (await client.get(path + "?u=carol")).status_code == 200  # carol asked to be asked
    other = await go_path(client, OTHER)
    assert (await client.get(other + "?u=dave")).headers.get("location") == OTHER
    assert "location" not in (await client.get(other + "?u=carol")).headers


async def test_the_link_is_checked_again_at_click_time(app_factory: AppFactory, tmp_path: Any) -> None:
    """A link that was fine when sent but is listed by the time it is clicked is blocked."""
    from hutong.pipeline import Engine
    from hutong.web.app import create_app

    async with connect(app_factory()) as sender:
        path = await go_path(sender, "https://later-bad.example/x")
    cfg = make_config(tmp_path)
    cfg = dataclasses.replace(cfg, safety=dataclasses.replace(cfg.safety, deny=("later-bad.example",)))
    async with connect(create_app(cfg, engine=Engine.from_config(cfg))) as clicker:
        r = await clicker.get(path + "?confirmed=1")
    assert r.status_code == 403 and "location" not in r.headers


async def test_clicks_and_checks_are_audited_before_the_answer(
    app_factory: AppFactory, tmp_path: Any
) -> None:
    sink = open_audit(make_config(tmp_path))
    async with connect(app_factory(audit=sink)) as c:
        path = await go_path(c, OTHER, user="erin")
        page = (await c.get(path)).text
        nonce = page.split('name="nonce" value="', 1)[1].split('"', 1)[0]
        assert (await c.post(path, data={"nonce": nonce})).status_code == 303
        events = list(sink.events())
    assert [(e.stage, e.action, e.clicked_through) for e in events] == [
        ("check", "confirm", None),
        ("click", "confirm", False),
        ("click", "confirm", True),
    ]
    assert events[0].user and "erin" not in events[0].user  # a keyed hash, never the id
    assert events[1].user is None  # the clicker gave no id


def forge(signer: Signer, data: dict[str, Any]) -> str:
    return signer.sign("go", data, ttl=3600)


def _b64(obj: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


async def test_no_tampering_yields_a_redirect(client: httpx.AsyncClient, tmp_path: Any) -> None:
    good = (await go_path(client, SAFE)).removeprefix("/go/")
    kid, payload, sig = good.split(".")
    stranger = Signer({kid: b"s" * 32}, kid)  # same key id, different key: another server's link
    real = load_signer(tmp_path)
    evil_payload = _b64({"u": "https://evil.example/", "c": "direct", "exp": int(time.time()) + 999})
    attacks = {
        "payload swapped": f"{kid}.{evil_payload}.{sig}",
        "signature dropped": f"{kid}.{payload}.",
        "signature truncated": f"{kid}.{payload}.{sig[:-1]}",
        "signature flipped": f"{kid}.{payload}.{sig[:-1]}{'A' if sig[-1] != 'A' else 'B'}",
        "payload flipped": f"{kid}.{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{sig}",
        "key id changed": f"{kid}x.{payload}.{sig}",
        "other server's key": forge(stranger, {"u": "https://evil.example/", "c": "direct"}),
        "javascript url signed": forge(real, {"u": "javascript:alert(1)", "c": "direct"}),
        "scheme-relative signed": forge(real, {"u": "//evil.example/", "c": "direct"}),
        "expired": real.sign("go", {"u": SAFE, "c": "direct"}, ttl=-10),
        "url in place of token": quote("https://evil.example/", safe=""),
        "empty": "",
        "three dots": "...",
        "encoded slash": "a%2F..%2Fb.c.d",
        "long": "a." + "b" * 9000 + ".c",
    }
    for name, token in attacks.items():
        for query in ("", "?confirmed=1", "?u=x&confirmed=1"):
            r = await client.get(f"/go/{token}{query}")
            assert "location" not in r.headers, name
            assert r.status_code in (400, 404, 410), (name, r.status_code)
    expired = await client.get(f"/go/{attacks['expired']}")
    assert expired.status_code == 410 and "expired" in expired.text
    assert "altered" in (await client.get(f"/go/{attacks['signature flipped']}")).text


async def test_error_pages_follow_the_language(client: httpx.AsyncClient) -> None:
    r = await client.get("/go/x.y.z", headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert r.status_code == 400 and '<html lang="zh-CN">' in r.text and "链接" in r.text
