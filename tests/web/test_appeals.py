"""Appeals end to end over HTTP: block page → form → stored → operator view → allow → decided again → report.

The app runs in process on a real SQLite audit store and a real feed store in its data directory;
a second app on the same data directory stands for another worker.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hutong.appeals import AppealStore
from hutong.config import AuditSection, Config
from hutong.safety.allowfile import OperatorAllowlist
from hutong.safety.feeds import FeedStore
from hutong.service.apikeys import ApiKeys
from hutong.store.sqlite_store import SqliteStore
from hutong.web.app import create_app

from .conftest import connect, make_config

LISTED = "https://login-verify.phish.example/account/update"  # in the feed below
OTHER = "https://secure-wallet.phish.example/signin"  # listed too, never allowed here


def _config(data: Path, **server: Any) -> Config:
    return make_config(data, **server)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    feed = tmp_path / "sample.txt"
    feed.write_text(f"{LISTED}\n{OTHER}\n", encoding="utf-8")
    FeedStore(tmp_path / "feeds").import_file(feed, "openphish", name="community", fetched_at=datetime.now(UTC))
    return tmp_path


@pytest.fixture
def store(data: Path) -> Iterator[SqliteStore]:
    with SqliteStore(data / "audit.sqlite3") as s:
        yield s


def app_for(data: Path, store: SqliteStore, **server: Any) -> FastAPI:
    return create_app(_config(data, **server), audit=store)


@pytest.fixture
async def client(data: Path, store: SqliteStore) -> AsyncIterator[httpx.AsyncClient]:
    async with connect(app_for(data, store)) as c:
        yield c


async def go_token(client: httpx.AsyncClient, text: str, key: str | None = None, **extra: Any) -> str:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    r = await client.post("/v1/check", json={"text": text, **extra}, headers=headers)
    r.raise_for_status()
    return str(r.json()["links"][0]["go"]).rsplit("/", 1)[1]


def appeal_link(page: str) -> str:
    found = re.search(r'href="(/appeal/[^"]+)" id="appeal-link"', page)
    assert found is not None, "no report-a-mistake link on the page"
    return found.group(1).replace("&amp;", "&")


async def test_the_appeals_flow_end_to_end(data: Path, store: SqliteStore, client: httpx.AsyncClient) -> None:
    token = await go_token(client, f"快看 {LISTED}", context="direct")
    blocked = await client.get(f"/go/{token}")
    assert blocked.status_code == 403 and "This link is blocked" in blocked.text
    form = await client.get(appeal_link(blocked.text))
    assert form.status_code == 200 and 'id="appeal-form"' in form.text
    assert "login-verify[.]phish[.]example" in form.text  # the URL it is about, from the token, defanged

    sent = await client.post(
        f"/appeal/{token}",
        data={"message": "This is our own login page", "contact": "it@phish.example", "url": "https://else.example/"},
    )
    assert sent.status_code == 201
    number = int(re.search(r'id="appeal-number">(\d+)<', sent.text).group(1))  # type: ignore[union-attr]
    stored = store.appeal(number)
    assert stored is not None and stored.url == LISTED  # the form's "url" is ignored: the token names the link
    assert (stored.action, stored.rule, stored.level, stored.status) == (
        "block",
        "policy.malicious.block",
        "malicious",
        "open",
    )
    assert [r.code for r in stored.reasons] == ["feed.openphish"]
    assert (stored.message, stored.contact, stored.site) == (
        "This is our own login page",
        "it@phish.example",
        "phish.example",
    )

    view = await client.get("/operator/appeals")  # development mode: no key needed
    assert view.status_code == 200 and f'id="appeal-{number}"' in view.text
    assert "feed.openphish" in view.text and "community" in view.text and "This is our own login page" in view.text
    assert "Allow phish.example" in view.text

    other_worker = app_for(data, store)
    async with connect(other_worker) as other:
        other_token = await go_token(other, LISTED)
        assert (await other.get(f"/go/{other_token}")).status_code == 403

        allowed = await client.post(f"/operator/appeals/{number}", data={"decision": "allow"})
        assert allowed.status_code == 200 and "phish.example is now on the operator allowlist" in allowed.text
        assert OperatorAllowlist(data).items() == ("phish.example",)

        again = await client.get(f"/go/{token}")  # the same go-link, decided again at the click
        assert again.status_code == 302 and again.headers["location"] == LISTED
        checked = (await client.post("/v1/check", json={"text": LISTED})).json()["links"][0]
        assert checked["decision"]["action"] == "open" and checked["verdict"]["reasons"][0]["code"] == "operator.allow"

        assert (await other.get(f"/go/{other_token}")).status_code == 403  # until its reload tick
        other_worker.state.gateway.engine.reload()  # what its timer does every minute
        assert (await other.get(f"/go/{other_token}")).status_code == 302

    settled = store.appeal(number)
    assert settled is not None and settled.status == "allowed" and settled.note == "allowed phish.example"
    report = (await client.get("/report?format=json")).json()
    assert report["appeals"] == {"received": 1, "led_to_change": 1, "open": 0}


async def test_a_dismissed_appeal_changes_nothing_and_counts_as_received(
    client: httpx.AsyncClient, store: SqliteStore
) -> None:
    token = await go_token(client, OTHER)
    assert (await client.post(f"/appeal/{token}", data={"message": "please"})).status_code == 201
    (filed,) = store.appeals()
    done = await client.post(f"/operator/appeals/{filed.id}", data={"decision": "dismiss"})
    assert done.status_code == 200 and f"Report {filed.id} dismissed" in done.text
    assert (await client.get(f"/go/{token}")).status_code == 403
    assert (await client.get("/report?format=json")).json()["appeals"] == {"received": 1, "led_to_change": 0, "open": 0}


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), id="signature"),
        pytest.param(
            lambda t: t.split(".")[0] + ".eyJ1IjoiaHR0cHM6Ly9lbHNlLmV4YW1wbGUvIn0." + t.split(".")[2], id="payload"
        ),
        pytest.param(lambda t: "not-a-token", id="garbage"),
    ],
)
async def test_a_tampered_token_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, store: SqliteStore, tamper: Any
) -> None:
    token = tamper(await go_token(client, LISTED))
    for response in (
        await client.get(f"/appeal/{token}"),
        await client.post(f"/appeal/{token}", data={"message": "x"}),
    ):
        assert response.status_code == 400 and "token." in response.text
    assert store.appeals() == ()


async def test_the_form_is_limited_per_client(data: Path, store: SqliteStore) -> None:
    async with connect(app_for(data, store, appeals_per_hour=2)) as c:
        token = await go_token(c, LISTED)
        codes = [(await c.post(f"/appeal/{token}", data={"message": str(i)})).status_code for i in range(2)]
        refused = await c.post(f"/appeal/{token}", data={"message": "third"})
        assert codes == [201, 201]
        assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= 3600
        assert "2 reports this hour" in refused.text
        assert (await c.get(f"/appeal/{token}")).status_code == 200  # reading the form is not filing one
    assert len(store.appeals()) == 2


async def test_a_form_posted_from_another_site_is_refused(client: httpx.AsyncClient, store: SqliteStore) -> None:
    token = await go_token(client, LISTED)
    r = await client.post(f"/appeal/{token}", data={"message": "x"}, headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403 and "appeal.cross_site" in r.text
    assert store.appeals() == ()


async def test_overlong_words_are_refused_and_kept_in_the_form(client: httpx.AsyncClient, store: SqliteStore) -> None:
    token = await go_token(client, LISTED)
    r = await client.post(f"/appeal/{token}", data={"message": "好" * 2001})
    assert r.status_code == 422 and "at most 2000 characters" in r.text and "好" * 50 in r.text
    assert store.appeals() == ()


async def test_only_block_and_warning_pages_offer_a_report(client: httpx.AsyncClient) -> None:
    pages = {
        "block": await client.get(f"/go/{await go_token(client, LISTED)}"),
        "warning": await client.get(f"/go/{await go_token(client, 'https://paypa1-login.com/x')}"),
        "calm": await client.get(f"/go/{await go_token(client, 'https://unknown-site.example/')}"),
    }
    assert {name: 'id="appeal-link"' in p.text for name, p in pages.items()} == {
        "block": True,
        "warning": True,
        "calm": False,
    }


async def test_no_reports_when_the_audit_log_is_off(data: Path) -> None:
    cfg = dataclasses.replace(_config(data), audit=AuditSection(enabled=False))
    async with connect(create_app(cfg)) as c:
        token = await go_token(c, LISTED)
        page = await c.get(f"/go/{token}")
        assert page.status_code == 403 and 'id="appeal-link"' not in page.text
        assert "Tell the operator of this chat service" in page.text
        off = await c.get(f"/appeal/{token}")
        assert off.status_code == 404 and "appeal.off" in off.text
        assert (await c.get("/operator/appeals")).status_code == 404


async def test_the_operator_view_needs_a_key_once_keys_exist(data: Path, store: SqliteStore) -> None:
    key = ApiKeys(data).create("ops")
    async with connect(app_for(data, store)) as c:
        token = await go_token(c, LISTED, key=key)
        assert (await c.post(f"/appeal/{token}", data={"message": "ours"})).status_code == 201
        (filed,) = store.appeals()
        asked = await c.get("/operator/appeals")
        assert asked.status_code == 200 and 'id="ops-key-form"' in asked.text and "appeal-" not in asked.text
        for key_sent in ("", "hk_wrong", key + "x"):
            assert (await c.post("/operator/appeals", data={"key": key_sent})).status_code == 401
            r = await c.post(f"/operator/appeals/{filed.id}", data={"key": key_sent, "decision": "allow"})
            assert r.status_code == 401
        assert OperatorAllowlist(data).items() == () and store.appeal(filed.id).status == "open"  # type: ignore[union-attr]
        listed = await c.post("/operator/appeals", data={"key": key})
        assert listed.status_code == 200 and f'id="appeal-{filed.id}"' in listed.text
        assert key in listed.text  # kept in the page's forms (never in a URL) for the next action
        done = await c.post(f"/operator/appeals/{filed.id}", data={"key": key, "decision": "allow"})
        assert done.status_code == 200
        assert store.appeal(filed.id).settled_by == "ops"  # type: ignore[union-attr]
        removed = await c.post("/operator/allowlist/remove", data={"key": key, "item": "phish.example"})
        assert removed.status_code == 200 and OperatorAllowlist(data).items() == ()
        assert (await c.get(f"/go/{token}")).status_code == 403  # taken off again: blocked again


async def test_a_link_made_without_a_key_takes_no_report_on_a_keyed_server(data: Path, store: SqliteStore) -> None:
    async with connect(app_for(data, store)) as c:
        token = await go_token(c, LISTED)  # development mode: made without a key
    ApiKeys(data).create("ops")
    async with connect(app_for(data, store)) as c:
        r = await c.post(f"/appeal/{token}", data={"message": "x"})
        assert r.status_code == 403 and "appeal.unkeyed" in r.text
    assert store.appeals() == ()


def test_appeal_store_is_the_audit_store(store: SqliteStore) -> None:
    assert isinstance(store, AppealStore)
