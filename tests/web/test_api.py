"""The JSON API in process: checks, batch, prefs, auth, errors, health and metrics."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from hutong.errors import ConfigError
from hutong.service.apikeys import ApiKeys

from .conftest import EVIL_SITE, SAFE_SITE, AppFactory, connect

SAFE = f"https://{SAFE_SITE}/page?utm_source=chat&id=7"
EVIL = f"https://{EVIL_SITE}/login"
OTHER = "https://unknown-site.example/article"


def actions(body: dict[str, Any]) -> list[str | None]:
    return [link["decision"]["action"] if link["decision"] else None for link in body["links"]]


@pytest.mark.parametrize(
    ("name", "request_body", "expected"),
    [
        ("safe direct opens", {"text": f"看 {SAFE}"}, ["open"]),
        ("malicious blocks", {"text": f"click {EVIL} now"}, ["block"]),
        ("unknown asks", {"text": OTHER}, ["confirm"]),
        ("strict mode copies unknown", {"text": OTHER, "mode": "strict"}, ["copy"]),
        ("confirm mode asks even safe", {"text": SAFE, "mode": "confirm"}, ["confirm"]),
        ("three links in order", {"text": f"{SAFE} {EVIL} {OTHER}"}, ["open", "block", "confirm"]),
        ("no links", {"text": "你好，今天吃什么？"}, []),
        ("empty message", {"text": ""}, []),
    ],
)
async def test_check_decides_each_link(
    client: httpx.AsyncClient, name: str, request_body: dict[str, Any], expected: list[str]
) -> None:
    r = await client.post("/v1/check", json=request_body)
    assert r.status_code == 200, r.text
    body = r.json()
    assert actions(body) == expected, name
    assert body["policy_version"]
    for link in body["links"]:
        assert link["go"].startswith("http://testserver/go/")


async def test_check_returns_the_cli_contract_fields(client: httpx.AsyncClient) -> None:
    link = (await client.post("/v1/check", json={"text": SAFE})).json()["links"][0]
    assert link["url"] == f"https://{SAFE_SITE}/page?id=7"
    assert "utm_source" in link["removed"]
    assert link["site"] == SAFE_SITE
    n = len(SAFE)
    assert link["found"] == {"text": SAFE, "start": 0, "end": n, "start_utf16": 0, "end_utf16": n, "form": "url"}
    assert {"verdict", "decision", "category", "platform", "kind", "canonical", "needs_resolve"} <= set(link)


async def test_public_url_is_the_go_link_base(app_factory: AppFactory) -> None:
    async with connect(app_factory(public_url="https://gw.example/h/")) as c:
        link = (await c.post("/v1/check", json={"text": SAFE})).json()["links"][0]
    assert link["go"].startswith("https://gw.example/h/go/")


async def test_batch_checks_each_message(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/v1/check/batch",
        json={
            "messages": [
                {"text": SAFE},
                {"text": EVIL, "context": "group"},
                {"text": OTHER, "mode": "strict"},
            ]
        },
    )
    assert r.status_code == 200, r.text
    assert [actions(m) for m in r.json()["results"]] == [["open"], ["block"], ["copy"]]


@pytest.mark.parametrize(
    ("name", "path", "payload", "status", "code"),
    [
        ("too long", "/v1/check", {"text": "x" * 101}, 413, "input.too_large"),
        ("batch too big", "/v1/check/batch", {"messages": [{"text": "a"}] * 4}, 413, "input.too_large"),
        (
            "batch member too long",
            "/v1/check/batch",
            {"messages": [{"text": "a"}, {"text": "y" * 101}]},
            413,
            "input.too_large",
        ),
        ("text missing", "/v1/check", {"context": "direct"}, 422, "input.invalid"),
        ("text not a string", "/v1/check", {"text": 5}, 422, "input.invalid"),
        ("unknown context", "/v1/check", {"text": "a", "context": "everyone"}, 422, "input.invalid"),
        ("unknown mode", "/v1/check", {"text": "a", "mode": "yolo"}, 422, "input.invalid"),
        ("unknown field", "/v1/check", {"text": "a", "txet": "b"}, 422, "input.invalid"),
        ("user too long", "/v1/check", {"text": "a", "user": "u" * 129}, 422, "input.invalid"),
        ("body not an object", "/v1/check", [1, 2], 422, "input.invalid"),
        ("prefs bad mode", "/v1/users/alice/prefs", {"mode": "always"}, 422, "input.invalid"),
        (
            "prefs bad category",
            "/v1/users/alice/prefs",
            {"categories": {"weapons": "strict"}},
            422,
            "input.invalid",
        ),
        ("prefs bad site", "/v1/users/alice/prefs", {"always_open": ["not a domain"]}, 422, "input.invalid"),
        (
            "prefs url as site",
            "/v1/users/alice/prefs",
            {"always_open": ["https://a.com/x"]},
            422,
            "input.invalid",
        ),
        ("prefs single label", "/v1/users/alice/prefs", {"always_open": ["localhost"]}, 422, "input.invalid"),
    ],
)
async def test_bad_requests_get_a_clear_json_error(
    app_factory: AppFactory, name: str, path: str, payload: Any, status: int, code: str
) -> None:
    async with connect(app_factory(max_message_chars=100, max_batch=3)) as c:
        method = c.put if "prefs" in path else c.post
        r = await method(path, json=payload)
    assert r.status_code == status, (name, r.text)
    error = r.json()["error"]
    assert error["code"] == code and len(error["message"]) > 10


async def test_malformed_json_is_422(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/check", content=b'{"text": ', headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "input.invalid"


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
async def test_oversized_body_is_refused_before_reading(app_factory: AppFactory, declared: bool) -> None:
    payload = json.dumps({"text": "z" * 5000}).encode()
    async with connect(app_factory(max_body_bytes=1000)) as c:
        if declared:
            r = await c.post("/v1/check", content=payload, headers={"content-type": "application/json"})
        else:

            async def chunks() -> Any:
                for i in range(0, len(payload), 512):
                    yield payload[i : i + 512]

            r = await c.post("/v1/check", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "input.too_large"


async def test_unknown_route_is_a_json_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/nothing")
    assert r.status_code == 404 and r.json()["error"]["code"] == "http.not_found"


async def test_prefs_round_trip_and_normalise_sites(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/users/alice/prefs")).json() == {
        "mode": None,
        "categories": {},
        "always_open": [],
    }
    prefs = {
        "mode": "strict",
        "categories": {"ecommerce": "direct"},
        "always_open": ["Example.COM", "例子.中国"],
    }
    r = await client.put("/v1/users/alice/prefs", json=prefs)
    assert r.status_code == 200, r.text
    expected = {
        "mode": "strict",
        "categories": {"ecommerce": "direct"},
        "always_open": ["example.com", "xn--fsqu00a.xn--fiqs8s"],
    }
    assert r.json() == expected
    assert (await client.get("/v1/users/alice/prefs")).json() == expected
    assert (await client.get("/v1/users/bob/prefs")).json()["mode"] is None


@pytest.mark.parametrize(
    ("name", "prefs", "text", "expected"),
    [
        ("user strict copies unknown", {"mode": "strict"}, OTHER, ["copy"]),
        ("user confirm asks for safe", {"mode": "confirm"}, SAFE, ["confirm"]),
        ("always-open site opens", {"always_open": ["unknown-site.example"]}, OTHER, ["open"]),
        ("always-open never opens malicious", {"always_open": [EVIL_SITE]}, EVIL, ["block"]),
    ],
)
async def test_check_honours_the_users_prefs(
    client: httpx.AsyncClient, name: str, prefs: dict[str, Any], text: str, expected: list[str]
) -> None:
    assert (await client.put("/v1/users/u1/prefs", json=prefs)).status_code == 200
    with_user = (await client.post("/v1/check", json={"text": text, "user": "u1"})).json()
    assert actions(with_user) == expected, name


class TestAuth:
    async def test_loopback_without_keys_is_open_development_mode(self, app_factory: AppFactory) -> None:
        async with connect(app_factory()) as c:
            assert (await c.post("/v1/check", json={"text": "x"})).status_code == 200
            assert "Development mode" in (await c.get("/")).text

    @pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
    async def test_with_keys_the_api_needs_one(
        self, app_factory: AppFactory, tmp_path: Any, host: str
    ) -> None:
        key = ApiKeys(tmp_path).create("client")
        async with connect(app_factory(host=host)) as c:
            none = await c.post("/v1/check", json={"text": "x"})
            wrong = await c.post("/v1/check", json={"text": "x"}, headers={"Authorization": "Bearer hk_nope"})
            basic = await c.post("/v1/check", json={"text": "x"}, headers={"Authorization": "Basic abc"})
            good = await c.post("/v1/check", json={"text": "x"}, headers={"Authorization": f"Bearer {key}"})
            prefs = await c.get("/v1/users/a/prefs")
            assert "Development mode" not in (await c.get("/")).text
            for open_path in ("/", "/healthz", "/readyz", "/metrics", "/openapi.json"):
                assert (await c.get(open_path)).status_code == 200, open_path
        assert [
            none.status_code,
            wrong.status_code,
            basic.status_code,
            good.status_code,
            prefs.status_code,
        ] == [
            401,
            401,
            401,
            200,
            401,
        ]
        assert none.json()["error"]["code"] == "auth.missing"
        assert wrong.json()["error"]["code"] == "auth.invalid"
        assert none.headers["www-authenticate"] == "Bearer"

    async def test_revoked_key_stops_working_at_once(self, app_factory: AppFactory, tmp_path: Any) -> None:
        keys = ApiKeys(tmp_path)
        key = keys.create("client")
        keys.create("other")
        async with connect(app_factory()) as c:
            headers = {"Authorization": f"Bearer {key}"}
            assert (await c.post("/v1/check", json={"text": "x"}, headers=headers)).status_code == 200
            keys.revoke("client")
            assert (await c.post("/v1/check", json={"text": "x"}, headers=headers)).status_code == 401

    def test_refuses_a_public_bind_without_keys(self, app_factory: AppFactory) -> None:
        with pytest.raises(ConfigError, match="without API keys"):
            app_factory(host="0.0.0.0")


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    ready = await client.get("/readyz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["policy_version"] == health.json()["policy_version"]


async def test_readiness_fails_when_the_prefs_store_is_gone(app_factory: AppFactory, tmp_path: Any) -> None:
    app = app_factory()
    prefs = app.state.gateway.prefs
    prefs.close()
    prefs.path = tmp_path / "not-a-dir" / "prefs.sqlite3"  # the volume went away: reopening fails
    (tmp_path / "not-a-dir").write_text("a file where the directory was")
    async with connect(app) as c:
        r = await c.get("/readyz")
    assert r.status_code == 503 and r.json()["problems"]


async def test_metrics_count_decisions_and_latency(client: httpx.AsyncClient) -> None:
    await client.post("/v1/check", json={"text": f"{SAFE} {EVIL}"})
    text = (await client.get("/metrics")).text
    assert 'hutong_decisions_total{action="open",rule="policy.direct.open",stage="check"} 1.0' in text
    assert 'action="block"' in text
    assert 'hutong_request_seconds_count{method="POST",route="/v1/check",status="2xx"} 1.0' in text


async def test_openapi_describes_the_api(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert {"/v1/check", "/v1/check/batch", "/v1/users/{user}/prefs", "/healthz", "/readyz"} <= set(
        spec["paths"]
    )
    link = spec["components"]["schemas"]["LinkOut"]["properties"]
    assert {"go", "decision", "verdict", "removed", "found"} <= set(link)
    assert "ErrorResponse" in spec["components"]["schemas"]


async def test_spans_are_given_in_code_points_and_utf16(client: httpx.AsyncClient) -> None:
    message = f"👍👍 {SAFE}"
    found = (await client.post("/v1/check", json={"text": message})).json()["links"][0]["found"]
    assert (found["start"], found["end"]) == (3, 3 + len(SAFE))
    assert (found["start_utf16"], found["end_utf16"]) == (5, 5 + len(SAFE))
    assert message.encode("utf-16-le")[2 * found["start_utf16"] : 2 * found["end_utf16"]].decode("utf-16-le") == SAFE
