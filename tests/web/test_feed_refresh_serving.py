"""A running service keeps its URL feeds fresh: it fetches them at start, asks conditionally after that,
and a new entry published at the origin blocks within the refresh interval, with no restart and no
`hutong feeds update`. A real uvicorn server runs the app; the feed comes from a local HTTPS origin.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from hutong.config import Config, DataSection, FeedSource, SafetySection
from tests.support.feedserver import FeedOrigin
from tests.support.localnet import LocalNet, localnet, localnet_server  # noqa: F401

HOST = "feeds.example.test"
FIRST = "https://first.evil.test/login"
SECOND = "https://second.evil.test/drop"
REFRESH_MINUTES = 0.01  # 0.6 s


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def origin(localnet: LocalNet) -> FeedOrigin:  # noqa: F811
    feed = FeedOrigin()
    feed.publish(f"{FIRST}\n".encode())
    localnet.route(HOST, feed)
    return feed


@contextlib.contextmanager
def _serve(cfg: Config) -> Iterator[str]:
    import uvicorn

    from hutong.web.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(cfg), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "the service did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _config(tmp_path: Path, localnet: LocalNet, minutes: float) -> Config:  # noqa: F811
    safety = SafetySection(
        feeds=(FeedSource(name="upstream", format="urls", location=f"https://{HOST}/feed.txt"),),
        feeds_refresh_minutes=minutes,
        reload_seconds=30.0,  # longer than the test: the refreshing worker reloads its own engine at once
    )
    return Config(data=DataSection(dir=str(tmp_path)), network=localnet.settings(HOST), safety=safety)


def _level(base: str, url: str) -> str:
    link = httpx.post(base + "/v1/check", json={"text": url}, timeout=10).json()["links"][0]
    return str(link["verdict"]["level"])


def _eventually(what: Callable[[], object], expected: object, seconds: float = 15.0) -> object:
    deadline = time.monotonic() + seconds
    seen = what()
    while seen != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        seen = what()
    return seen


def test_a_served_feed_refreshes_itself(tmp_path: Path, origin: FeedOrigin, localnet: LocalNet) -> None:  # noqa: F811
    with _serve(_config(tmp_path, localnet, REFRESH_MINUTES)) as serving:
        assert _eventually(lambda: _level(serving, FIRST), "malicious") == "malicious"  # fetched at start
        assert _level(serving, SECOND) != "malicious"
        # between changes the service only asks: 304s to the ETag it holds
        assert _eventually(lambda: 304 in origin.answers, True) is True
        conditional = [r.header("if-none-match") for r in localnet.requests[1:]]
        assert conditional and all(tag == origin.current_etag() for tag in conditional)
        origin.publish(f"{FIRST}\n{SECOND}\n".encode())
        started = time.monotonic()
        assert _eventually(lambda: _level(serving, SECOND), "malicious") == "malicious"
        took = time.monotonic() - started
        ready = httpx.get(serving + "/readyz", timeout=10).json()
        metrics = httpx.get(serving + "/metrics", timeout=10).text
    assert took < REFRESH_MINUTES * 60 + 10, f"the new entry took {took:.1f} s to block"
    (feed,) = ready["feeds"]
    assert (feed["name"], feed["entries"], feed["stale"]) == ("upstream", 2, False)
    for outcome in ("updated", "unchanged"):
        assert f'hutong_feed_refreshes_total{{feed="upstream",outcome="{outcome}"}}' in metrics
    assert 'hutong_feed_entries{feed="upstream"} 2.0' in metrics


def test_refreshing_can_be_switched_off(tmp_path: Path, localnet: LocalNet, origin: FeedOrigin) -> None:  # noqa: F811
    """``feeds_refresh_minutes = 0``: the service never fetches, and readyz says the feed is missing."""
    with _serve(_config(tmp_path, localnet, 0)) as base:
        time.sleep(REFRESH_MINUTES * 60 * 2)
        (feed,) = httpx.get(base + "/readyz", timeout=10).json()["feeds"]
    assert (feed["name"], feed["age_seconds"], feed["stale"]) == ("upstream", None, True)
    assert origin.answers == [] and localnet.requests == []
