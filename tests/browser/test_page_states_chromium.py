"""Every page a visitor meets, in both languages and at desktop and phone size, in real Chromium.

Each state is one go-link (or the playground) on a real uvicorn server; each test reads the page as a
visitor does (``innerText``: closed ``<details>`` hidden) and checks that it speaks in words: platform
names from the data files, kinds translated, evidence as sentences, the real host beside the brand
it imitates, the share title, and no internal paths, enums or evidence keys. Screenshots go to
``tests/artifacts/states-STATE-LANG-SIZE.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from hutong.config import Config, DataSection, SafetySection
from hutong.safety.feeds import FeedStore
from hutong.web.app import create_app
from tests.conftest import ROOT
from tests.support.browser import LOCALES, VIEWPORTS, screenshot, serving

pytestmark = pytest.mark.browser

FEED_FILE = ROOT / "docs" / "examples" / "openphish-sample.txt"  # the README's sample feed, as an operator has it
PHISH = "https://login-verify.phish.example/account/update"  # listed in FEED_FILE
LOOKALIKE = "https://paypa1-login.com/signin"  # paypa1 with a digit one; its skeleton is paypal-login.corn
UNKNOWN = "https://unknown-site.example/article"
SHARE = (
    "【淘宝】7天无理由退货 https://e.tb.cn/h.7vUJnkd5IQyLbmr?tk=uEXDUlwjL4E HU926 「小米手环8 NFC版」"
    " 点击链接直接打开 或者 淘宝搜索直接打开"
)
TOKEN = "￥Ab1Cd2Ef3Gh￥ 复制这段描述，打开手机淘宝"
JD = "https://item.jd.com/100012043978.html"
MESSAGE = f"{SHARE}\n{TOKEN}\n看看 {JD} 还有 {LOOKALIKE} 和 {PHISH}"

# what no page may show a visitor: evidence keys, enum values, internal paths, markdown, skeletons
LEAKS = ("looks_like", "expression", "age_hours", "(listed", "docs/examples", "source:", "`", ".corn", "(short link")
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "taobao": "Taobao",
        "jd": "JD",
        "product": "product",
        "warning": "This link may be dangerous",
        "back": "Back to safety",
        "calm": "You are leaving the chat",
        "continue": "Continue to the site",
        "blocked": "This link is blocked",
        "copy": "This link can only be copied",
        "copy_code": "Copy code",
        "copied": "Copied",
        "known": "nothing was found",
        "report": "Report a mistake",
        "tampered": "This link does not work",
    },
    "zh": {
        "taobao": "淘宝",
        "jd": "京东",
        "product": "商品",
        "warning": "此链接可能有危险",
        "back": "返回安全页面",
        "calm": "即将离开聊天",
        "continue": "继续访问",
        "blocked": "此链接已被拦截",
        "copy": "此链接只能复制",
        "copy_code": "复制口令",
        "copied": "已复制",
        "known": "未发现问题",
        "report": "报告误判",
        "tampered": "此链接无效",
    },
}
VIEWS = [(lang, size) for lang in ("en", "zh") for size in ("desktop", "phone")]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The gateway in development mode, with the sample feed imported (fresh) and an audit store."""
    data_dir = tmp_path_factory.mktemp("states-data")
    FeedStore(data_dir / "feeds").import_file(FEED_FILE, "openphish", fetched_at=datetime.now(UTC))
    cfg = Config(data=DataSection(dir=str(data_dir)), safety=SafetySection(deny=("evil.test",)))
    with serving(create_app(cfg)) as base:
        yield base


@pytest.fixture(params=VIEWS, ids=[f"{lang}-{size}" for lang, size in VIEWS])
def view(request: pytest.FixtureRequest, chromium: Any) -> Iterator[tuple[Any, str, str]]:
    """A page in a fresh browser context whose language (Accept-Language) and window size are the view's."""
    lang, size = request.param
    context = chromium.new_context(viewport=VIEWPORTS[size], locale=LOCALES[lang])
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page, lang, size
    context.close()


def go_link(gateway: str, text: str, **extra: Any) -> str:
    r = httpx.post(f"{gateway}/v1/check", json={"text": text, **extra}, timeout=10)
    r.raise_for_status()
    return str(r.json()["links"][0]["go"])


def visible(page: Any) -> str:
    return str(page.locator("main").inner_text())


def read_as_visitor(page: Any, lang: str, size: str, state: str) -> str:
    """The page's visible text, after the checks every page passes; and its screenshot."""
    assert page.get_attribute("html", "lang") == ("zh-CN" if lang == "zh" else "en")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways"
    text = visible(page)
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} shown on the {state} page"
    screenshot(page, f"states-{state}-{lang}-{size}")
    return text


def test_playground(view: tuple[Any, str, str], gateway: str) -> None:
    page, lang, size = view
    w = WORDS[lang]
    page.goto(gateway + "/")
    notice = page.locator("#dev-mode")
    assert notice.locator("code").inner_text() == "hutong keys create NAME"  # markdown backticks set as code
    page.locator("#text").fill(MESSAGE)
    page.locator("form.play button[type=submit]").click()
    page.wait_for_selector("article.link")
    rows = page.locator("article.link")
    assert rows.count() == 5
    text = read_as_visitor(page, lang, size, "playground")
    assert page.locator("dd.platform").all_inner_texts()[:3] == [w["taobao"], w["taobao"], w["jd"]]
    assert w["product"] in page.locator("dd.kind").all_inner_texts()
    short, token, _, lookalike, phish = (rows.nth(i) for i in range(5))
    assert short.locator("q.title").inner_text() == "小米手环8 NFC版"  # the share title on its card
    assert w["known"] not in short.inner_text()  # an unresolved short link is not "screened, nothing found"
    assert "paypa1-login.com" in lookalike.inner_text() and "paypal.com" in lookalike.inner_text()
    assert "openphish-sample" in phish.inner_text()  # the feed's name, not its path
    copy = token.locator("button.copy")
    assert copy.inner_text() == w["copy_code"]
    copy.click()
    page.wait_for_function("b => b.textContent === b.dataset.done", arg=copy.element_handle())
    assert copy.inner_text() == w["copied"]
    assert "Ab1Cd2Ef3Gh" in text


def test_confirm_page_for_an_unknown_link_is_calm(view: tuple[Any, str, str], gateway: str) -> None:
    page, lang, size = view
    w = WORDS[lang]
    page.goto(go_link(gateway, SHARE))  # the unresolved Taobao short link, carrying the share title
    text = read_as_visitor(page, lang, size, "confirm")
    assert page.locator("h1").inner_text() == w["calm"]
    assert page.locator("#continue").inner_text() == w["continue"] and page.locator("#continue").is_visible()
    assert "primary" in (page.locator("#continue").get_attribute("class") or "")
    assert page.locator("#back").count() == 0 and page.locator(".warning-page").count() == 0
    assert page.locator("q.title").inner_text() == "小米手环8 NFC版"
    assert w["taobao"] in text and w["known"] not in text


def test_confirm_page_for_a_suspicious_link_warns(view: tuple[Any, str, str], gateway: str) -> None:
    page, lang, size = view
    w = WORDS[lang]
    page.goto(go_link(gateway, f"登录一下 {LOOKALIKE}"))
    text = read_as_visitor(page, lang, size, "warning")
    assert page.locator("h1").inner_text() == w["warning"]
    back = page.locator("#back")
    assert back.inner_text() == w["back"] and "primary" in (back.get_attribute("class") or "")
    assert not page.locator("#continue").is_visible()  # continuing is tucked away in the details
    assert page.locator("#imitation .real-host").inner_text() == "paypa1-login.com"
    assert page.locator("#imitation .brand").inner_text() == "paypal.com"
    assert "paypa1-login.com" in page.locator("#danger").inner_text()
    assert page.get_by_role("link", name=w["report"]).is_visible()
    assert text.index(w["back"]) < text.index(w["report"])
    page.locator("#proceed summary").click()
    assert page.locator("#continue").is_visible()
    back.click()  # a go-link opened in its own tab has nowhere to go back to: the "nothing opened" page
    page.wait_for_url("**/back?lang=*")
    read_as_visitor(page, lang, size, "back")
    page.goto(gateway + "/")  # opened from a page (the chat): back is back there
    page.goto(go_link(gateway, LOOKALIKE), referer=gateway + "/")
    page.locator("#back").click()
    page.wait_for_url(gateway + "/")


def test_block_page_names_the_feed_not_its_file(view: tuple[Any, str, str], gateway: str) -> None:
    page, lang, size = view
    w = WORDS[lang]
    response = page.goto(go_link(gateway, PHISH))
    assert response is not None and response.status == 403
    text = read_as_visitor(page, lang, size, "block")
    assert page.locator("h1").inner_text() == w["blocked"]
    assert "openphish-sample" in page.locator("#danger").inner_text()
    assert str(FEED_FILE) not in page.content()
    assert "login-verify[.]phish[.]example" in text  # defanged: nothing to tap
    assert page.locator("a[href^='https://login-verify']").count() == 0
    assert page.get_by_role("link", name=w["report"]).is_visible()


def test_copy_only_page(view: tuple[Any, str, str], gateway: str) -> None:
    page, lang, size = view
    w = WORDS[lang]
    page.goto(go_link(gateway, SHARE, mode="strict", context="group"))
    read_as_visitor(page, lang, size, "copy")
    assert page.locator("h1").inner_text() == w["copy"]
    assert page.locator("#link-text").input_value() == "https://e.tb.cn/h.7vUJnkd5IQyLbmr?tk=uEXDUlwjL4E"
    assert page.locator("dd.platform").inner_text() == w["taobao"]
    assert page.locator("q.title").inner_text() == "小米手环8 NFC版"
    button = page.locator("button.copy")
    button.click()
    page.wait_for_function("b => b.textContent === b.dataset.done", arg=button.element_handle())


def test_error_page_for_a_tampered_link(view: tuple[Any, str, str], gateway: str) -> None:
    page, lang, size = view
    link = go_link(gateway, UNKNOWN)
    response = page.goto(link[:-2] + ("AA" if not link.endswith("AA") else "BB"))
    assert response is not None and response.status == 400
    read_as_visitor(page, lang, size, "error")
    assert page.locator("h1").inner_text() == WORDS[lang]["tampered"]


def test_appeal_form_and_thanks(view: tuple[Any, str, str], gateway: str) -> None:
    page, lang, size = view
    page.goto(go_link(gateway, f"看看 {LOOKALIKE}?from={lang}-{size}"))
    page.get_by_role("link", name=WORDS[lang]["report"]).click()
    page.wait_for_selector("#appeal-form")
    text = read_as_visitor(page, lang, size, "appeal")
    assert "paypa1-login.com" in text
    page.locator("#message").fill("这是我们公司的登录页 / our own login page")
    page.locator("#appeal-submit").click()
    page.wait_for_selector("#appeal-number")
    read_as_visitor(page, lang, size, "appeal-sent")
    assert int(page.locator("#appeal-number").inner_text()) >= 1


def test_operator_view(view: tuple[Any, str, str], gateway: str) -> None:
    page, lang, size = view
    link = go_link(gateway, f"{LOOKALIKE}?operator={lang}-{size}")
    token = link.rsplit("/", 1)[1]
    assert httpx.post(f"{gateway}/appeal/{token}", data={"message": "mine"}, timeout=10).status_code == 201
    page.goto(gateway + "/operator/appeals")
    page.wait_for_selector("article.appeal-item")
    screenshot(page, f"states-operator-{lang}-{size}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    item = page.locator("article.appeal-item").first
    assert "paypa1-login[.]com" in item.inner_text() and "looks_like" in item.inner_text()  # operators see evidence


@pytest.fixture
def fresh_gateway(tmp_path: Path) -> Iterator[str]:
    """A gateway of its own: allowing a site must not change what the other tests see."""
    feed = tmp_path / "community.txt"
    feed.write_text("https://bad-site.example/login\n", encoding="utf-8")
    FeedStore(tmp_path / "feeds").import_file(feed, "openphish", name="community", fetched_at=datetime.now(UTC))
    with serving(create_app(Config(data=DataSection(dir=str(tmp_path))))) as base:
        yield base


def test_the_appeals_flow_in_the_browser(chromium: Any, fresh_gateway: str) -> None:
    """Block page → report form → stored → operator view lists it → allow → the link opens → the report counts it."""
    context = chromium.new_context(viewport=VIEWPORTS["desktop"], locale=LOCALES["en"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    link = go_link(fresh_gateway, "see https://bad-site.example/login")
    assert page.goto(link).status == 403
    page.get_by_role("link", name="Report a mistake").click()
    page.locator("#message").fill("This is our intranet login page")
    page.locator("#contact").fill("it@bad-site.example")
    page.locator("#appeal-submit").click()
    number = page.locator("#appeal-number").inner_text()
    screenshot(page, "appeals-flow-sent")

    page.goto(fresh_gateway + "/operator/appeals")
    item = page.locator(f"#appeal-{number}")
    assert "This is our intranet login page" in item.inner_text() and "feed.openphish" in item.inner_text()
    screenshot(page, "appeals-flow-operator")
    item.get_by_role("button", name="Allow bad-site.example").click()
    page.wait_for_selector("#ops-notice")
    assert "bad-site.example is now on the operator allowlist" in page.locator("#ops-notice").inner_text()
    assert page.locator(f"#appeal-{number}").count() == 0  # no longer open
    screenshot(page, "appeals-flow-allowed")

    # the same go-link, decided again at the click, now sends the browser on (not followed: no DNS here)
    answer = page.request.get(link, max_redirects=0)
    assert (answer.status, answer.headers["location"]) == (302, "https://bad-site.example/login")
    page.goto(fresh_gateway + "/report")
    cells = page.locator("#appeals tbody td").all_inner_texts()
    assert cells == ["all", "1", "1", "0"]
    context.close()
