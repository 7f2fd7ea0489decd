"""The anonymous routes answer 429 with ``Retry-After`` and a reason once a client passes its limit."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hutong.config import StorageSection
from hutong.service.apikeys import ApiKeys
from hutong.web.app import create_app
from hutong.web.throttle import family_of
from tests.store.services import drop_redis_prefix, need_redis, unique

from .conftest import AppFactory, connect, make_config

LIMIT = 3


@pytest.mark.parametrize(
    ("path", "family"),
    [
        ("/", "play"),
        ("/go/abc.def.ghi", "go"),
        ("/img/abc", "img"),
        ("/report", "report"),
        ("/v1/check", None),
        ("/healthz", None),
        ("/static/hutong.css", None),
        ("/gox", None),
        ("/report/x", None),
    ],
)
def test_which_routes_are_limited(path: str, family: str | None) -> None:
    assert family_of(path) == family


HTML = {"accept": "text/html,application/xhtml+xml"}
JSON = {"accept": "application/json"}
LIMITED: list[tuple[str, str, str, dict[str, str], str]] = [
    # name, method, path, headers, what the refusal is
    ("playground page", "GET", "/", HTML, "html"),
    ("playground post", "POST", "/", HTML, "html"),
    ("go-link", "GET", "/go/a.b.c", HTML, "html"),
    ("go-link continue", "POST", "/go/a.b.c", HTML, "html"),
    ("go-link from a JSON client", "GET", "/go/a.b.c", JSON, "json"),
    ("image", "GET", "/img/abc", {}, "text"),
    ("report", "GET", "/report?format=json", JSON, "json"),
]


@pytest.mark.parametrize(("name", "method", "path", "headers", "kind"), LIMITED, ids=[c[0] for c in LIMITED])
async def test_429_after_the_limit(
    app_factory: AppFactory, name: str, method: str, path: str, headers: dict[str, str], kind: str
) -> None:
    async with connect(app_factory(client_rate_per_minute=LIMIT)) as c:
        before = [await c.request(method, path, headers=headers, data={"text": "x"}) for _ in range(LIMIT)]
        refused = await c.request(method, path, headers=headers, data={"text": "x"})
    assert all(r.status_code != 429 for r in before), name
    assert refused.status_code == 429, name
    wait = int(refused.headers["retry-after"])
    assert 1 <= wait <= 60
    if kind == "html":
        assert refused.headers["content-type"].startswith("text/html")
        assert "Too many requests" in refused.text and f"{wait} seconds" in refused.text
        assert "rate.limited" in refused.text
    elif kind == "json":
        error = refused.json()["error"]
        assert error["code"] == "rate.limited" and "server.client_rate_per_minute" in error["message"]
    else:
        assert refused.headers["content-type"].startswith("text/plain") and "try again" in refused.text


async def test_the_page_speaks_the_visitors_language(app_factory: AppFactory) -> None:
    async with connect(app_factory(client_rate_per_minute=1)) as c:
        await c.get("/")
        r = await c.get("/", headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert r.status_code == 429 and '<html lang="zh-CN">' in r.text and "请求过于频繁" in r.text


async def test_the_keyed_api_and_service_routes_are_not_limited(app_factory: AppFactory, tmp_path: Path) -> None:
    key = ApiKeys(tmp_path).create("bot")
    auth = {"authorization": f"Bearer {key}"}
    async with connect(app_factory(client_rate_per_minute=1)) as c:
        checks = [await c.post("/v1/check", json={"text": "hi"}, headers=auth) for _ in range(5)]
        health = [await c.get("/healthz") for _ in range(5)]
        static = [await c.get("/static/hutong.css") for _ in range(5)]
    assert {r.status_code for r in checks + health + static} == {200}


async def test_families_have_separate_budgets(app_factory: AppFactory) -> None:
    async with connect(app_factory(client_rate_per_minute=1)) as c:
        answers = [await c.get("/"), await c.get("/go/a.b.c"), await c.get("/img/x"), await c.get("/")]
    assert [r.status_code for r in answers][:3] != [429, 429, 429]
    assert all(r.status_code != 429 for r in answers[:3]) and answers[3].status_code == 429


async def test_zero_means_no_limit(app_factory: AppFactory) -> None:
    async with connect(app_factory(client_rate_per_minute=0)) as c:
        answers = [await c.get("/") for _ in range(150)]
    assert {r.status_code for r in answers} == {200}


def client_at(app: Any, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(app_factory: AppFactory) -> None:
    """Rotating X-Forwarded-For does not buy a client a fresh budget."""
    async with client_at(app_factory(client_rate_per_minute=2), "203.0.113.9") as c:
        answers = [await c.get("/", headers={"x-forwarded-for": f"198.51.100.{i}"}) for i in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 429]


async def test_behind_a_trusted_proxy_each_client_has_its_budget(app_factory: AppFactory) -> None:
    app = app_factory(client_rate_per_minute=2, trusted_proxies=("10.0.0.0/8",))
    async with client_at(app, "10.0.0.2") as proxy:

        async def from_client(ip: str, spoof: str = "") -> int:
            chain = f"{spoof}, {ip}" if spoof else ip
            return (await proxy.get("/", headers={"x-forwarded-for": chain})).status_code

        alice = [await from_client("198.51.100.1") for _ in range(3)]
        bob = [await from_client("198.51.100.2") for _ in range(2)]
        # alice writes her own X-Forwarded-For entries; the proxy appends her real address after them
        alice_spoofing = [await from_client("198.51.100.1", spoof=f"192.0.2.{i}") for i in range(2)]
    assert alice == [200, 200, 429] and bob == [200, 200] and alice_spoofing == [429, 429]


@pytest.fixture
async def shared_cache() -> AsyncIterator[str]:
    url = need_redis()
    prefix = unique("hutong-throttle") + ":"
    yield f"{url}?prefix={prefix}"
    drop_redis_prefix(prefix)


@pytest.mark.redis
async def test_two_workers_share_the_limit_over_redis(shared_cache: str, engine: Any, tmp_path: Path) -> None:
    cfg = make_config(tmp_path, client_rate_per_minute=4)
    cfg = dataclasses.replace(cfg, storage=StorageSection(cache=shared_cache))
    first, second = create_app(cfg, engine=engine), create_app(cfg, engine=engine)
    try:
        async with connect(first) as a, connect(second) as b:
            answers = [(await (a if i % 2 else b).get("/")).status_code for i in range(6)]
    finally:
        await first.state.limiter.aclose()
        await second.state.limiter.aclose()
    assert answers == [200, 200, 200, 200, 429, 429]
