"""Synapse's URL-preview end-to-end cases (``synapse-preview/url_preview_e2e_cases.json``), fetch level.

Each case gives a URL, the DNS answers, the response, and whether Synapse fetched or refused.
The case file's ``config`` block translates directly: its IP blocklist becomes
``network.deny_networks`` and its allowlist ``network.allow_networks``.

One deliberate translation (not a skip): every Synapse case is served by a fake server at
``10.1.2.3``, which that test config does not block. hutong refuses 10/8 always, so the
stand-in address is mapped to our local server at 127.0.0.1 (exempted with
``allow_networks``). Cases whose expected *fields* need card extraction (og:title after
decoding) are checked here on the decoded text; the card builder has its own suite.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from hutong.errors import RemoteError
from hutong.net.addresses import AddressPolicy, parse_ip, parse_networks
from hutong.net.fetcher import GuardedFetcher
from tests.conftest import conformance_dir, need_conformance
from tests.support.localnet import LocalNet, Reply, localnet, localnet_server  # noqa: F401

STAND_IN = {"10.1.2.3": "127.0.0.1"}  # Synapse's fake server address → ours
# Synapse's HTTP statuses mapped to hutong's outcome codes.
REFUSAL_CODES = {
    "DNS resolution failure during URL preview generation": "remote.blocked_address",
    "IP address blocked": "remote.blocked_address",
}


def _cases() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    path: Path = need_conformance("synapse-preview") / "url_preview_e2e_cases.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["config"], data["cases"]


def _body(case: dict[str, Any]) -> bytes:
    body = case.get("body") or {}
    if "bytes_hex" in body:
        return bytes.fromhex(body["bytes_hex"])
    return str(body.get("utf8", "")).encode()


def _og(text: str, prop: str) -> str | None:
    m = re.search(rf'<meta property="{re.escape(prop)}" content="([^"]*)"', text)
    return m.group(1) if m else None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        file = conformance_dir() / "synapse-preview" / "url_preview_e2e_cases.json"
        cases = json.loads(file.read_text(encoding="utf-8"))["cases"] if file.exists() else []
        metafunc.parametrize("case", cases or [None], ids=[c["test"] for c in cases] or ["missing"])


async def test_synapse_case(localnet: LocalNet, case: dict[str, Any] | None) -> None:  # noqa: F811
    config, _ = _cases()
    assert case is not None
    url: str = case["url"]
    host = re.sub(r"^https?://", "", url).split("/")[0]
    answers = [STAND_IN.get(a, a) for a in (case["dns"] or [])]
    if case["expect_status"] == 200:
        # The address decision is checked on Synapse's own answers; the connection then goes
        # to the local server, since Synapse's fake reactor served those addresses.
        policy = AddressPolicy(
            parse_networks(config["url_preview_ip_range_whitelist"], setting="allow"),
            parse_networks(config["url_preview_ip_range_blacklist"], setting="deny"),
        )
        for answer in case["dns"] or []:
            ip = parse_ip(answer)
            assert ip is not None
            assert answer in STAND_IN or policy.refusal(ip) is None
        answers = ["127.0.0.1"]
    if "response_content_type" in case:
        localnet.route(
            host, Reply(body=_body(case), headers=(("Content-Type", case["response_content_type"]),))
        )

    async def resolver(name: str, port: int) -> list[str]:
        return answers

    settings = localnet.settings(
        connect_to=(f"{host}:80:{host}:{localnet.http_port}",),
        allow_networks=("127.0.0.1/32", *config["url_preview_ip_range_whitelist"]),
        deny_networks=tuple(config["url_preview_ip_range_blacklist"]),
    )
    async with GuardedFetcher(settings, resolver=resolver) as fetcher:
        if case["expect_status"] == 200:
            result = await fetcher.fetch(url)
            assert result.text is not None
            for key, value in {**case.get("expect_fields", {}), **case.get("expect_json", {})}.items():
                assert _og(result.text, key) == value
            return
        with pytest.raises(RemoteError) as info:
            await fetcher.fetch(url)
    error = case["expect_json"]["error"]
    expected = REFUSAL_CODES.get(error, "remote.bad_content")
    assert info.value.code == expected, info.value.message
    if case.get("expect_no_connection") or expected == "remote.blocked_address":
        assert not localnet.requests
