"""``/docs`` renders the API in real Chromium with every request kept on this server (no CDN)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from hutong.config import Config, DataSection
from tests.conftest import need_service
from tests.support.browser import ARGS, ARTIFACTS, CHROMIUM

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from hutong.web.app import create_app

    cfg = Config(data=DataSection(dir=str(tmp_path_factory.mktemp("apidocs-data"))))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(cfg), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the gateway did not start within 30 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def test_docs_page_renders_the_operations_offline(server: str) -> None:
    if not Path(CHROMIUM).exists():
        need_service("chromium", f"{CHROMIUM} not found; apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    elsewhere: list[str] = []
    problems: list[str] = []

    def only_here(route: Any) -> None:
        if urlsplit(route.request.url).netloc == urlsplit(server).netloc:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.route("**/*", only_here)
        page.goto(server + "/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=15_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "apidocs.png"))
        browser.close()
    assert any(p.strip() == "/v1/check" for p in paths), paths
    assert elsewhere == [], f"the page asked other hosts: {elsewhere}"
    assert not [m for m in problems if "Content Security Policy" in m], problems
