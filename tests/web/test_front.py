"""The front door's hot routes answer exactly as FastAPI does: same status, headers that matter, and body."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hutong.service.apikeys import ApiKeys
from hutong.web.app import HutongApp

from .conftest import EVIL_SITE, SAFE_SITE, AppFactory, connect

SAFE = f"https://{SAFE_SITE}/page?utm_source=chat"
EVIL = f"https://{EVIL_SITE}/login"
OTHER = "https://unknown-site.example/article"


def without_lane(app: FastAPI) -> FastAPI:
    """The same app with every request going through FastAPI's router (the front door keeps its other work)."""
    assert isinstance(app, HutongApp) and app.front is not None
    app.front.exact.clear()
    app.front.go = None
    return app


def comparable(r: httpx.Response) -> tuple[int, str | None, str | None, Any]:
    """What must match: status, redirect target, content type, and the body (JSON parsed).

    A confirm page's nonce is signed at the moment it is shown, so only its presence is compared.
    """
    body: Any = r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text
    if isinstance(body, str):
        body = re.sub(r'name="nonce" value="[^"]+"', 'name="nonce" value="(signed)"', body)
    return r.status_code, r.headers.get("location"), r.headers.get("content-type"), body


POSTS = [
    ("check: three links", "/v1/check", {"text": f"{SAFE} {EVIL} {OTHER}", "context": "group"}),
    ("check: no links", "/v1/check", {"text": "今晚吃火锅吗"}),
    ("check: schema error", "/v1/check", {"text": 3}),
    ("check: unknown field", "/v1/check", {"text": "x", "colour": "red"}),
    ("check: too long", "/v1/check", {"text": "x" * 100_001}),
    ("batch: two", "/v1/check/batch", {"messages": [{"text": SAFE}, {"text": EVIL}]}),
    ("batch: bad item", "/v1/check/batch", {"messages": [{"text": SAFE}, {"context": "group"}]}),
]


def strip_go(body: Any) -> Any:
    """Go-links carry their signing time; compare everything else."""
    if isinstance(body, dict):
        return {k: (v is None if k == "go" else strip_go(v)) for k, v in body.items()}
    if isinstance(body, list | tuple):  # comparable() answers a tuple: without this, nothing was stripped
        return type(body)(strip_go(v) for v in body)
    return body


@pytest.mark.parametrize(("name", "path", "body"), POSTS, ids=[p[0] for p in POSTS])
async def test_posts_answer_as_fastapi_does(app_factory: AppFactory, name: str, path: str, body: Any) -> None:
    async with connect(app_factory()) as fast, connect(without_lane(app_factory())) as slow:
        a, b = await fast.post(path, json=body), await slow.post(path, json=body)
    assert strip_go(comparable(a)) == strip_go(comparable(b)), name


async def test_malformed_json_answers_as_fastapi_does(app_factory: AppFactory) -> None:
    async with connect(app_factory()) as fast, connect(without_lane(app_factory())) as slow:
        a = await fast.post("/v1/check", content=b"{not json", headers={"content-type": "application/json"})
        b = await slow.post("/v1/check", content=b"{not json", headers={"content-type": "application/json"})
    assert comparable(a) == comparable(b)
    assert a.json()["error"]["code"] == "input.invalid"


@pytest.mark.parametrize("key", [None, "hk_wrong"], ids=["no key", "wrong key"])
async def test_auth_errors_answer_as_fastapi_does(app_factory: AppFactory, tmp_path: Any, key: str | None) -> None:
    ApiKeys(tmp_path).create("bot")
    headers = {"authorization": f"Bearer {key}"} if key else {}
    async with connect(app_factory()) as fast, connect(without_lane(app_factory())) as slow:
        a = await fast.post("/v1/check", json={"text": SAFE}, headers=headers)
        b = await slow.post("/v1/check", json={"text": SAFE}, headers=headers)
    assert comparable(a) == comparable(b)
    assert a.status_code == 401 and a.headers["www-authenticate"] == b.headers["www-authenticate"] == "Bearer"


CLICKS = [
    ("open", SAFE, ""),
    ("confirm page", OTHER, ""),
    ("confirmed=1 is only a query", OTHER, "?confirmed=1"),
    ("block page", EVIL, ""),
    ("named user", OTHER, "?u=alice"),
    ("user id over its limit", OTHER, "?u=" + "a" * 129),
]


@pytest.mark.parametrize(("name", "url", "query"), CLICKS, ids=[c[0] for c in CLICKS])
async def test_go_answers_as_fastapi_does(app_factory: AppFactory, name: str, url: str, query: str) -> None:
    async with connect(app_factory()) as fast, connect(without_lane(app_factory())) as slow:
        go = (await fast.post("/v1/check", json={"text": url})).json()["links"][0]["go"]
        path = go.removeprefix("http://testserver") + query
        a, b = await fast.get(path), await slow.get(path)
    assert comparable(a) == comparable(b), name


@pytest.mark.parametrize(
    ("name", "path"),
    [("tampered token", "/go/abc.def.ghi"), ("empty token", "/go/"), ("token with a slash", "/go/a/b")],
)
async def test_bad_go_paths_answer_as_fastapi_does(app_factory: AppFactory, name: str, path: str) -> None:
    async with connect(app_factory()) as fast, connect(without_lane(app_factory())) as slow:
        a, b = await fast.get(path), await slow.get(path)
    assert comparable(a) == comparable(b), name
    assert a.status_code in (400, 404), name


async def test_healthz_answers_as_fastapi_does(app_factory: AppFactory) -> None:
    async with connect(app_factory()) as fast, connect(without_lane(app_factory())) as slow:
        a, b = await fast.get("/healthz"), await slow.get("/healthz")
    assert comparable(a) == comparable(b)
    assert a.status_code == 200 and a.json()["status"] == "ok"


@pytest.mark.parametrize("lane", [True, False], ids=["hot route", "through FastAPI"])
async def test_requests_are_timed_by_route(app_factory: AppFactory, lane: bool) -> None:
    app = app_factory() if lane else without_lane(app_factory())
    async with connect(app) as client:
        await client.post("/v1/check/batch", json={"messages": [{"text": SAFE}]})
        await client.post("/v1/check", content=b"{}", headers={"content-length": "99999999999"})
        text = (await client.get("/metrics")).text
    assert 'hutong_request_seconds_count{method="POST",route="/v1/check/batch",status="2xx"} 1.0' in text
    assert 'hutong_request_seconds_count{method="POST",route="unmatched",status="4xx"} 1.0' in text


async def chunks(parts: list[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


@pytest.mark.parametrize(
    ("name", "parts", "status"),
    [
        ("chunked, within the limit", [b'{"text": ', b'"hello"}'], 200),
        ("chunked, over the limit", [b'{"text": "', b"x" * 600, b"x" * 600, b'"}'], 413),
    ],
)
async def test_chunked_bodies_are_counted(app_factory: AppFactory, name: str, parts: list[bytes], status: int) -> None:
    app = app_factory(max_body_bytes=1000)
    async with connect(app) as client:
        r = await client.post("/v1/check", content=chunks(parts), headers={"content-type": "application/json"})
    assert r.status_code == status, name
    if status == 413:
        assert r.json()["error"]["code"] == "input.too_large"
