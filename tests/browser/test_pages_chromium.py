"""The pages in real Chromium against a real uvicorn server on 127.0.0.1; screenshots in tests/artifacts/."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hutong.config import Config, DataSection, SafetySection
from hutong.service.apikeys import ApiKeys
from tests.conftest import need_service
from tests.support.browser import ARGS, ARTIFACTS, CHROMIUM

pytestmark = pytest.mark.browser

EVIL = "https://evil.test/login?session=1"
MESSAGE = (
    "【好物】https://safe.test/item?id=42&utm_source=wechat&spm=a1 快看！"
    " 还有 https://unknown-site.example/article 和 https://evil.test/login"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


PAGES: dict[str, str] = {}  # pages of another site (an attacker's), by path
REACHED: list[str] = []  # paths of the target that a browser reached


class _Target(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path in PAGES:
            body = PAGES[self.path].encode()
        else:
            REACHED.append(self.path)
            body = b"<!doctype html><title>target</title><h1 id=reached>target reached</h1>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    """A local page for go-links to reach."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Target)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/target"
    server.shutdown()
    server.server_close()


def _serve(data_dir: Path) -> Iterator[str]:
    """A real uvicorn server running the gateway, as `hutong serve` would."""
    import uvicorn

    from hutong.web.app import create_app

    cfg = Config(data=DataSection(dir=str(data_dir)), safety=SafetySection(allow=("safe.test",), deny=("evil.test",)))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(cfg), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the gateway did not start within 30 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The gateway in development mode (no keys)."""
    yield from _serve(tmp_path_factory.mktemp("browser-data"))


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The gateway with an API key, and the key."""
    data_dir = tmp_path_factory.mktemp("browser-keyed")
    key = ApiKeys(data_dir).create("chatbot")
    for base in _serve(data_dir):
        yield base, key


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        need_service("chromium", f"{CHROMIUM} not found; apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need_service("chromium", "the playwright package is not installed (pip install playwright)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def go_link(gateway: str, text: str, key: str | None = None, **extra: Any) -> str:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    r = httpx.post(f"{gateway}/v1/check", json={"text": text, **extra}, headers=headers, timeout=10)
    r.raise_for_status()
    return str(r.json()["links"][0]["go"])


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_playground_paste_submit_see_decisions(page: Any, gateway: str) -> None:
    page.goto(gateway + "/")
    assert page.get_attribute("html", "lang") == "en"
    page.get_by_label("Message").fill(MESSAGE)
    page.get_by_label("Where it was sent").select_option("direct")
    page.get_by_role("button", name="Check links").click()
    page.wait_for_selector("article.link")
    badges = page.locator("article.link .badge").all_inner_texts()
    assert badges == ["Opens", "Asks first", "Blocked"]
    assert page.locator("text=https://safe.test/item?id=42").count() >= 1
    assert "utm_source" in page.locator("article.link").first.inner_text()
    assert no_horizontal_scroll(page)
    shot(page, "playground")


def _tab_to(page: Any, test: str, *, tries: int = 12) -> None:
    """Press Tab until ``test`` (a JS expression over ``document.activeElement``) holds."""
    for _ in range(tries):
        page.keyboard.press("Tab")
        if page.evaluate(test):
            return
    pytest.fail(f"Tab never reached {test}")


def test_confirm_then_continue_reaches_the_target(page: Any, gateway: str, target: str) -> None:
    # a bare IP address on an unusual port is suspicious: the warning page, continuing tucked away
    page.goto(go_link(gateway, f"看看这个 {target}"))
    assert page.locator("h1").inner_text() == "This link may be dangerous"
    assert page.locator("#domain").inner_text() == "127.0.0.1"
    assert "structural.ip_host" in page.content()
    assert not page.locator("#continue").is_visible()
    assert no_horizontal_scroll(page)
    shot(page, "confirm")
    _tab_to(page, "document.activeElement.id === 'back'")  # the primary action comes first
    _tab_to(page, "document.activeElement.tagName === 'SUMMARY'")  # keyboard users open the details
    page.keyboard.press("Enter")
    _tab_to(page, "document.activeElement.id === 'continue'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#reached")
    assert page.url == target


def test_copy_only_shows_the_text_and_copies(page: Any, gateway: str, target: str) -> None:
    page.goto(go_link(gateway, target, mode="strict"))
    assert page.locator("h1").inner_text() == "This link can only be copied"
    assert page.locator("#link-text").input_value() == target
    assert page.locator("#continue").count() == 0
    button = page.locator("button.copy")
    page.get_by_role("button", name="Copy link").click()
    # the text changes when the clipboard call resolves, a moment after the click
    page.wait_for_function("b => b.textContent === 'Copied'", arg=button.element_handle())
    assert page.evaluate("navigator.clipboard.readText()") == target
    shot(page, "copy")


def test_block_shows_reason_and_evidence(page: Any, gateway: str) -> None:
    page.goto(go_link(gateway, EVIL))
    text = page.locator("main").inner_text()
    assert "This link is blocked" in text
    assert "operator.deny" in text and "policy.malicious.block" in text
    assert page.locator("a[href^='https://evil.test']").count() == 0
    shot(page, "block")


def test_language_switch_is_remembered(page: Any, gateway: str, target: str) -> None:
    page.goto(gateway + "/")
    page.get_by_role("link", name="中文").click()
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "检查消息中的链接"
    shot(page, "playground-zh")
    page.goto(go_link(gateway, "https://unknown-site.example/article"))  # the cookie carries the choice on
    assert page.locator("h1").inner_text() == "即将离开聊天"
    shot(page, "confirm-zh")
    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text() == "You are leaving the chat"


def test_tampered_link_shows_an_error_and_stays(page: Any, gateway: str) -> None:
    link = go_link(gateway, "https://safe.test/x")
    response = page.goto(link[:-2] + ("AA" if not link.endswith("AA") else "BB"))
    assert response is not None and response.status == 400
    assert page.url.startswith(gateway)
    shot(page, "tampered")


def test_keyed_playground_is_offline_without_a_key(page: Any, keyed: tuple[str, str]) -> None:
    base, key = keyed
    page.goto(base + "/")
    assert "checks offline only" in page.locator("#offline").inner_text()
    page.get_by_label("Message").fill(MESSAGE)
    page.get_by_label("Fetch previews (resolves short links)").check()
    page.get_by_role("button", name="Check links").click()
    page.wait_for_selector("article.link")
    assert page.locator("article.link .badge").all_inner_texts() == ["Opens", "Asks first", "Blocked"]
    assert page.locator("a.go").count() == 0  # no go-links for an anonymous visitor
    shot(page, "playground-keyed-anonymous")
    page.get_by_label("API key (optional)").fill(key)
    page.get_by_role("button", name="Check links").click()
    page.wait_for_selector("a.go")
    assert page.locator("a.go").count() == 3 and page.locator("#offline").count() == 0
    assert page.get_by_label("API key (optional)").input_value() == key  # kept for the next check
    shot(page, "playground-keyed")


def test_a_cross_site_form_cannot_continue_for_the_visitor(page: Any, keyed: tuple[str, str], target: str) -> None:
    """An attacker copies a confirm page's nonce into an auto-submitting form on their own site.

    The gateway is visited as ``localhost`` and the attacker's page is on ``127.0.0.1``: two sites, so the
    browser neither sends the SameSite=Strict cookie nor calls the post same-origin.
    """
    base, key = keyed
    gw = base.replace("127.0.0.1", "localhost")
    link = go_link(base, f"看看这个 {target}?attack=1", key).replace("127.0.0.1", "localhost", 1)
    page.goto(link)  # the visitor has seen a confirm page: the cookie is there
    assert page.locator("#continue").count() == 1
    scraped = httpx.get(link, timeout=10).text
    nonce = scraped.split('name="nonce" value="', 1)[1].split('"', 1)[0]
    action = gw + scraped.split('id="continue-form" method="post" action="', 1)[1].split('"', 1)[0]
    PAGES["/attack"] = (
        f'<!doctype html><form id=f method=post action="{action}"><input type=hidden name=nonce value="{nonce}">'
        "</form><script>document.getElementById('f').submit()</script>"
    )
    attacker = target.rsplit("/", 1)[0] + "/attack"
    page.goto(attacker)
    page.wait_for_selector("#confirm-error")
    assert page.url.startswith(gw) and "/target?attack=1" not in REACHED
    assert "another site" in page.locator("#confirm-error").inner_text()
    shot(page, "confirm-cross-site")
    page.locator("#continue").click()  # the visitor's own Continue on the page shown again still works
    page.wait_for_selector("#reached")
    assert "/target?attack=1" in REACHED
