"""``/go`` is never an open redirect: every way an outsider might bounce a browser through it, as a table.

A go-link may send the browser on only when a keyed caller checked its URL (or the server is in
development mode), and a ``confirm`` link continues only from a confirm page this browser was shown:
a POST carrying that page's short-lived nonce and the browser's confirmation cookie.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest

from hutong.service.apikeys import ApiKeys
from hutong.service.golinks import CONFIRM_COOKIE, CONFIRM_PURPOSE, GoClaim, make_token
from hutong.signing import load_signer

from .conftest import EVIL_SITE, SAFE_SITE, AppFactory, connect

SAFE = f"https://{SAFE_SITE}/page"  # opens
OTHER = "https://unknown-site.example/article"  # asks first
EVIL = f"https://{EVIL_SITE}/login"  # blocked
BASE = "http://testserver"


def go_from_playground(page: str) -> str | None:
    """The first go-link path on a playground page, if any."""
    found = re.search(r'class="go" href="([^"]+)"', page)
    return unescape(found.group(1)).removeprefix(BASE) if found else None


@dataclass(frozen=True)
class ConfirmForm:
    """What a confirm page gives a browser: where Continue posts, its hidden fields, the cookie it set."""

    action: str
    fields: dict[str, str]
    cookie: str | None


def confirm_form(response: httpx.Response) -> ConfirmForm:
    """The Continue form of a confirm page."""
    page = response.text
    action = re.search(r'<form[^>]*id="continue-form"[^>]*action="([^"]+)"', page)
    assert action is not None, "the confirm page has no Continue form"
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    fields = {unescape(n): unescape(v) for n, v in hidden}
    return ConfirmForm(unescape(action.group(1)), fields, response.cookies.get(CONFIRM_COOKIE))


class Attack:
    """One server with a key, an attacker's client and a victim's client (separate cookie jars)."""

    def __init__(self, app: Any, key: str, data_dir: Path) -> None:
        self.app, self.key, self.data_dir = app, key, data_dir
        self.attacker = connect(app)
        self.victim = connect(app)

    async def keyed_go(self, url: str, **extra: Any) -> str:
        r = await self.attacker.post(
            "/v1/check", json={"text": url, **extra}, headers={"authorization": f"Bearer {self.key}"}
        )
        assert r.status_code == 200
        return str(r.json()["links"][0]["go"]).removeprefix(BASE)

    async def close(self) -> None:
        await self.attacker.aclose()
        await self.victim.aclose()


Outcome = httpx.Response
Step = Callable[[Attack], Awaitable[Outcome]]


async def anonymous_playground(a: Attack) -> Outcome:
    """Mint a go-link for any URL through the keyed server's playground, without a key; continue it."""
    for preview in ("", "1"):
        page = (await a.attacker.post("/", data={"text": OTHER, "preview": preview})).text
        path = go_from_playground(page)
        if path is not None:
            return await a.victim.get(path + "?confirmed=1")
    return await a.victim.get("/go/none-was-minted")


async def anonymous_playground_open(a: Attack) -> Outcome:
    """The same for a URL that opens straight away."""
    page = (await a.attacker.post("/", data={"text": SAFE})).text
    path = go_from_playground(page)
    return await a.victim.get(path if path is not None else "/go/none-was-minted")


def dev_mode_token(a: Attack, url: str) -> str:
    """A go-link as a keyless (development) server sharing this ``data.dir`` made it before any key existed."""
    signer = load_signer(a.data_dir)
    return "/go/" + make_token(signer, GoClaim(url, "direct", keyed=False), ttl_days=30)


def legacy_token(a: Attack, url: str) -> str:
    """A go-link in the format of earlier versions, which did not say who asked for it."""
    return "/go/" + load_signer(a.data_dir).sign("go", {"u": url, "c": "direct"}, ttl=30 * 86400)


async def dev_link_opens(a: Attack) -> Outcome:
    return await a.victim.get(dev_mode_token(a, SAFE))


async def dev_link_continued(a: Attack) -> Outcome:
    return await a.victim.get(dev_mode_token(a, OTHER) + "?confirmed=1")


async def dev_link_through_confirm_page(a: Attack) -> Outcome:
    """A development-mode link is not honoured on a keyed server even by a browser that confirms."""
    path = dev_mode_token(a, OTHER)
    page = await a.victim.get(path)
    if 'id="continue-form"' not in page.text:
        return page
    form = confirm_form(page)
    return await a.victim.post(form.action, data=form.fields)


async def legacy_link_opens(a: Attack) -> Outcome:
    return await a.victim.get(legacy_token(a, SAFE))


async def legacy_link_continued(a: Attack) -> Outcome:
    return await a.victim.get(legacy_token(a, OTHER) + "?confirmed=1")


async def one_request_continue(a: Attack) -> Outcome:
    """The old Continue URL, pasted into a chat: a keyed link to a confirm URL, one GET, no page seen."""
    return await a.victim.get(await a.keyed_go(OTHER) + "?confirmed=1")


async def continue_without_nonce(a: Attack) -> Outcome:
    path = await a.keyed_go(OTHER)
    return await a.victim.post(path, data={})


async def scraped_nonce_cross_site(a: Attack) -> Outcome:
    """The attacker loads the confirm page, copies its nonce into an auto-submitting form on their own site."""
    path = await a.keyed_go(OTHER)
    form = confirm_form(await a.attacker.get(path))
    return await a.victim.post(form.action, data=form.fields, headers={"sec-fetch-site": "cross-site"})


async def scraped_nonce_no_cookie(a: Attack) -> Outcome:
    """The same from a client that sends no Sec-Fetch headers: without the page's cookie it does not continue."""
    path = await a.keyed_go(OTHER)
    form = confirm_form(await a.attacker.get(path))
    return await a.victim.post(form.action, data=form.fields)


async def victim_cookie_attacker_nonce(a: Attack) -> Outcome:
    """The victim saw a confirm page (has a cookie); the attacker's nonce is bound to the attacker's cookie."""
    path = await a.keyed_go(OTHER)
    await a.victim.get(path)
    form = confirm_form(await a.attacker.get(path))
    return await a.victim.post(form.action, data=form.fields)


async def nonce_of_another_link(a: Attack) -> Outcome:
    """A nonce the victim's own browser got for one link, replayed on another link."""
    first, second = await a.keyed_go(OTHER), await a.keyed_go("https://another-site.example/x")
    form = confirm_form(await a.victim.get(first))
    return await a.victim.post(second, data=form.fields)


async def nonce_for_a_block(a: Attack) -> Outcome:
    """A valid nonce and cookie from a confirm page, posted to a keyed link whose URL is blocked."""
    form = confirm_form(await a.victim.get(await a.keyed_go(OTHER)))
    return await a.victim.post(await a.keyed_go(EVIL), data=form.fields)


async def nonce_for_a_copy(a: Attack) -> Outcome:
    """The same for a link whose decision is copy-only."""
    form = confirm_form(await a.victim.get(await a.keyed_go(OTHER)))
    return await a.victim.post(await a.keyed_go(OTHER, mode="strict"), data=form.fields)


async def nonce_as_query(a: Attack) -> Outcome:
    """The nonce moved into a GET query: continuing is a POST only, so a link cannot carry it."""
    path = await a.keyed_go(OTHER)
    form = confirm_form(await a.victim.get(path))
    return await a.victim.get(path, params={**form.fields, "confirmed": "1"})


async def expired_nonce(a: Attack) -> Outcome:
    path = await a.keyed_go(OTHER)
    form = confirm_form(await a.victim.get(path))
    stale = load_signer(a.data_dir).sign(CONFIRM_PURPOSE, {"t": "x", "b": "y", "u": ""}, ttl=-1)
    return await a.victim.post(form.action, data={**form.fields, "nonce": stale})


async def go_token_as_nonce(a: Attack) -> Outcome:
    """A signed token of another purpose (the go-link itself) in place of the nonce."""
    path = await a.keyed_go(OTHER)
    form = confirm_form(await a.victim.get(path))
    return await a.victim.post(form.action, data={**form.fields, "nonce": path.removeprefix("/go/")})


async def user_swapped(a: Attack) -> Outcome:
    """A nonce issued for one clicking user, posted for another (whose prefs might open more)."""
    path = await a.keyed_go(OTHER)
    form = confirm_form(await a.victim.get(path + "?u=alice"))
    return await a.victim.post(form.action, data={**form.fields, "u": "mallory"})


async def nonce_as_go_token(a: Attack) -> Outcome:
    """A confirmation nonce (signed by this server, another purpose) used as the go-link token."""
    form = confirm_form(await a.victim.get(await a.keyed_go(OTHER)))
    return await a.victim.get("/go/" + form.fields["nonce"])


async def keyed_flag_grafted(a: Attack) -> Outcome:
    """A development-mode token's payload rewritten to say a keyed caller asked for it, signature kept."""
    kid, _payload, sig = dev_mode_token(a, SAFE).removeprefix("/go/").split(".")
    body = {"u": SAFE, "c": "direct", "k": 1, "exp": int(time.time()) + 3600}
    payload = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    return await a.victim.get(f"/go/{kid}.{payload}.{sig}")


async def anonymous_api(a: Attack) -> Outcome:
    """The API without a key on the keyed server."""
    return await a.attacker.post("/v1/check", json={"text": OTHER})


async def keyed_open(a: Attack) -> Outcome:
    """Control: a link a keyed caller checked, decided open, redirects (that is what go-links are for)."""
    return await a.victim.get(await a.keyed_go(SAFE))


async def keyed_confirmed_by_the_browser(a: Attack) -> Outcome:
    """Control: the victim's browser is shown the confirm page and presses Continue."""
    path = await a.keyed_go(OTHER)
    form = confirm_form(await a.victim.get(path))
    return await a.victim.post(form.action, data=form.fields, headers={"sec-fetch-site": "same-origin"})


ATTEMPTS: list[tuple[str, Step, int, str | None]] = [
    ("anonymous playground mints, confirmed=1 continues", anonymous_playground, 400, None),
    ("anonymous playground mints an opening link", anonymous_playground_open, 400, None),
    ("development-mode link to an opening URL", dev_link_opens, 200, None),
    ("development-mode link, confirmed=1", dev_link_continued, 200, None),
    ("development-mode link, confirm page and Continue", dev_link_through_confirm_page, 200, None),
    ("earlier version's link to an opening URL", legacy_link_opens, 200, None),
    ("earlier version's link, confirmed=1", legacy_link_continued, 200, None),
    ("keyed link, one GET with confirmed=1", one_request_continue, 200, None),
    ("keyed link, POST without a nonce", continue_without_nonce, 403, None),
    ("scraped nonce, cross-site form post", scraped_nonce_cross_site, 403, None),
    ("scraped nonce, no confirmation cookie", scraped_nonce_no_cookie, 403, None),
    ("victim's cookie, attacker's nonce", victim_cookie_attacker_nonce, 403, None),
    ("nonce replayed on another link", nonce_of_another_link, 403, None),
    ("valid nonce posted to a blocked link", nonce_for_a_block, 403, None),
    ("valid nonce posted to a copy-only link", nonce_for_a_copy, 403, None),
    ("nonce in a GET query", nonce_as_query, 200, None),
    ("expired nonce", expired_nonce, 403, None),
    ("go-link token as the nonce", go_token_as_nonce, 403, None),
    ("nonce for another clicking user", user_swapped, 403, None),
    ("confirmation nonce as the go-link token", nonce_as_go_token, 400, None),
    ("keyed flag grafted onto a development token", keyed_flag_grafted, 400, None),
    ("API without a key", anonymous_api, 401, None),
    ("control: keyed link that opens", keyed_open, 302, SAFE),
    ("control: confirm page, then Continue", keyed_confirmed_by_the_browser, 303, OTHER),
]


@pytest.mark.parametrize(("name", "step", "status", "location"), ATTEMPTS, ids=[a[0] for a in ATTEMPTS])
async def test_go_is_not_an_open_redirect(
    app_factory: AppFactory, tmp_path: Path, name: str, step: Step, status: int, location: str | None
) -> None:
    key = ApiKeys(tmp_path).create("bot")
    attack = Attack(app_factory(), key, tmp_path)
    try:
        r = await step(attack)
    finally:
        await attack.close()
    assert r.headers.get("location") == location, name
    assert r.status_code == status, (name, r.status_code)


async def test_development_mode_links_still_work_in_development(app_factory: AppFactory) -> None:
    """Without keys on loopback, anyone may use the playground's go-links: that server is open anyway."""
    async with connect(app_factory()) as c:
        path = go_from_playground((await c.post("/", data={"text": SAFE})).text)
        assert path is not None
        r = await c.get(path)
    assert r.status_code == 302 and r.headers["location"] == SAFE


async def test_a_link_made_without_a_key_says_why_it_does_not_open(app_factory: AppFactory, tmp_path: Path) -> None:
    key = ApiKeys(tmp_path).create("bot")
    attack = Attack(app_factory(), key, tmp_path)
    try:
        page = await attack.victim.get(dev_mode_token(attack, SAFE))
    finally:
        await attack.close()
    assert page.status_code == 200 and "location" not in page.headers
    assert "without an API key" in page.text
    assert f'readonly rows="3">{SAFE}</textarea>' in page.text  # still there to copy
    assert 'id="continue-form"' not in page.text


async def test_the_confirm_cookie_is_strict_and_scoped(app_factory: AppFactory, tmp_path: Path) -> None:
    key = ApiKeys(tmp_path).create("bot")
    attack = Attack(app_factory(), key, tmp_path)
    try:
        r = await attack.victim.get(await attack.keyed_go(OTHER))
        again = await attack.victim.get(await attack.keyed_go(OTHER))
    finally:
        await attack.close()
    cookie = r.headers["set-cookie"].lower()
    assert cookie.startswith(CONFIRM_COOKIE + "=")
    assert "samesite=strict" in cookie and "httponly" in cookie and "path=/go/" in cookie
    assert "set-cookie" not in again.headers  # the browser keeps one id, so several tabs can confirm
    csp = r.headers["content-security-policy"]
    assert "form-action 'self' https://unknown-site.example" in csp  # Continue may lead only there


async def test_a_stale_confirmation_shows_the_confirm_page_again(app_factory: AppFactory, tmp_path: Path) -> None:
    key = ApiKeys(tmp_path).create("bot")
    attack = Attack(app_factory(), key, tmp_path)
    try:
        path = await attack.keyed_go(OTHER)
        form = confirm_form(await attack.victim.get(path))
        stale = load_signer(tmp_path).sign(CONFIRM_PURPOSE, {"t": "x"}, ttl=-1, now=time.time())
        r = await attack.victim.post(form.action, data={**form.fields, "nonce": stale})
        retry = confirm_form(r)
        ok = await attack.victim.post(retry.action, data=retry.fields)
    finally:
        await attack.close()
    assert r.status_code == 403 and 'role="alert"' in r.text and "confirm again" in r.text.lower()
    assert ok.status_code == 303 and ok.headers["location"] == OTHER
