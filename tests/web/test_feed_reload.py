"""A threat feed imported or replaced while the service runs takes effect without a restart.

Screening itself reads no disk; the service reloads the feed store on a timer (``safety.reload_seconds``).
A real uvicorn server runs the app; the feed is imported with the real ``hutong feeds import``.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hutong.cli import main

from .conftest import make_config

EVIL = "http://phish.example/login"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[str]:
    import uvicorn

    from hutong.web.app import create_app

    cfg = make_config(tmp_path)
    app = create_app(dataclasses.replace(cfg, safety=dataclasses.replace(cfg.safety, reload_seconds=0.05)))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the service did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _level(base: str) -> str:
    link = httpx.post(base + "/v1/check", json={"text": EVIL}, timeout=10).json()["links"][0]
    return str(link["verdict"]["level"])


def _import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hosts: str) -> None:
    feed = tmp_path / "local.txt"
    feed.write_text(hosts, encoding="utf-8")
    monkeypatch.setenv("HUTONG_DATA_DIR", str(tmp_path))
    assert main(["feeds", "import", str(feed), "--format", "domains", "--name", "local"]) == 0


def _wait_for(base: str, level: str) -> str:
    deadline = time.monotonic() + 10
    seen = _level(base)
    while seen != level and time.monotonic() < deadline:
        time.sleep(0.05)
        seen = _level(base)
    return seen


@pytest.mark.parametrize("before", ["no feed at start", "another feed at start"])
def test_a_feed_imported_while_serving_takes_effect(
    before: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    if before == "another feed at start":
        _import(tmp_path, monkeypatch, "other.example\n")
    base = request.getfixturevalue("serving")
    assert _level(base) != "malicious"
    _import(tmp_path, monkeypatch, "phish.example\n")  # replaces "local" atomically, or is the first feed
    assert _wait_for(base, "malicious") == "malicious"
    _import(tmp_path, monkeypatch, "other.example\n")  # and a feed that drops the entry takes effect too
    assert _wait_for(base, "unknown") != "malicious"
