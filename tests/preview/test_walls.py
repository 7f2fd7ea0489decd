"""The page rule for login and app walls as a table: our own pages, shaped after what the notes describe."""

from __future__ import annotations

import pytest

from hutong.preview.walls import MAX_OTHER_TEXT, MAX_WALL_TEXT, page_wall

ARTICLE = "<p>" + "泡茶的水温要看茶叶：绿茶八十度左右，乌龙茶要沸水，普洱茶也一样。" * 12 + "</p>"


def page(body: str, head: str = "<title>t</title>") -> str:
    return f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


LOGIN_FORM = """<form action="/login" method="post"><label>账号 <input name="u"></label>
<label>密码 <input type="password" name="p"></label><button>登录</button><a href="/forgot">忘记密码</a></form>"""
SMS_FORM = """<form><input type="tel" name="phone" placeholder="手机号">
<input name="code" autocomplete="one-time-code" placeholder="验证码"><button>登录</button></form>"""

# name → (page, expected wall kind or None)
CASES: dict[str, tuple[str, str | None]] = {
    "password form only": (page("<h1>欢迎登录</h1>" + LOGIN_FORM), "login"),
    "password form in a header and footer frame": (
        page(
            "<header><nav>首页 热门 分类 关于我们 联系我们</nav></header>"
            + LOGIN_FORM
            + "<footer>"
            + "版权所有 © 2024 备案号 京ICP备00000000号 " * 10
            + "</footer>"
        ),
        "login",
    ),
    "English sign-in form": (page("<h1>Sign in to continue</h1>" + LOGIN_FORM.replace("密码", "Password")), "login"),
    "SMS code login": (page("<h2>手机号登录</h2>" + SMS_FORM), "login"),
    "upper-case type attribute": (page(LOGIN_FORM.replace('type="password"', 'TYPE="PASSWORD"')), "login"),
    "login form behind 100 KB of scripts": (
        page(LOGIN_FORM, "<script>var a = 1;</script>" * 4000) + "<!--" + "x" * 60_000 + "-->",
        "login",
    ),
    "app page whose body starts after a long head": (
        page("<a href='#'>打开App</a>", "<style>.a{color:red}</style>" * 3000),
        "app",
    ),
    "long article after a short start": (
        page("<p>hi</p>" + "<div>" + "<p>段落文字很多。</p>" * 5000 + "</div>" + LOGIN_FORM),
        None,
    ),
    "article with a login box beside it": (page(ARTICLE + LOGIN_FORM), None),
    "open-in-app button only": (
        page('<div class="mask"><p>内容已隐藏</p><a class="btn" href="#">打开App</a></div>'),
        "app",
    ),
    "open in the named app": (page("<button>打开淘宝App查看</button>"), "app"),
    "view inside the app": (page('<a href="/x">在App内打开</a><p>更多精彩</p>'), "app"),
    "download the client, apk": (page('<a href="https://dl.newtube.example/newtube-v3.apk">下载</a>'), "app"),
    "app store links only": (
        page(
            '<p>扫码下载</p><a href="https://apps.apple.com/cn/app/id1">iPhone</a>'
            '<a href="https://play.google.com/store/apps/details?id=x">Android</a>'
        ),
        "app",
    ),
    "store scheme links": (page('<a href="itms-apps://itunes.apple.com/app/id1">App Store</a>'), "app"),
    "app scheme link": (page('<a href="newtube://watch/a1b2">open</a><p>Watch this clip</p>'), "app"),
    "script sends the page to an app": (
        page(
            '<p>正在打开…</p><script>setTimeout(function(){location.href = "snssdk1128://aweme/detail/1"}, 10)</script>'
        ),
        "app",
    ),
    "script replace to an app scheme": (
        page("<script>window.location.replace('taobao://item.taobao.com/x')</script>"),
        "app",
    ),
    "English get-the-app page": (
        page("<h1>NewTube</h1><a href='/dl'>Get the app</a><a href='/o'>Open in app</a>"),
        "app",
    ),
    "English continue-in-app": (page("<a href='/o'>Continue in the NewTube app</a>"), "app"),
    "article with an app banner": (page('<div class="banner"><a href="#">打开App</a></div>' + ARTICLE), None),
    "a paragraph that mentions the app": (page("<p>我们的 App 打开速度更快了，欢迎下载体验。</p>"), None),
    "a short page with no calls": (page("<h1>Hello</h1><p>Short note.</p>"), None),
    "an empty page": (page(""), None),
    "script to an https page is no hand-over": (page("<script>location.href = 'https://a.example/'</script>"), None),
    "smart app banner alone is not a call": (
        page("<p>Hi</p>", '<meta name="apple-itunes-app" content="app-id=1, app-argument=newtube://x">'),
        None,
    ),
    "a mailto link is not an app": (page('<a href="mailto:a@b.example">mail us</a>'), None),
}


@pytest.mark.parametrize(("html", "kind"), list(CASES.values()), ids=list(CASES))
def test_page_wall(html: str, kind: str | None) -> None:
    wall = page_wall(html)
    assert (wall.kind if wall else None) == kind
    if wall is not None:
        assert wall.evidence  # says what was seen


def test_the_text_limit_is_the_boundary() -> None:
    filler = "字" * MAX_OTHER_TEXT
    assert page_wall(page(f"<p>{filler}</p>" + LOGIN_FORM)) is not None
    assert page_wall(page(f"<p>{filler}多</p>" + LOGIN_FORM)) is None
    assert page_wall(page(f"<p>{filler}</p><a href='#'>打开App</a>")) is not None
    assert page_wall(page(f"<p>{filler}多</p><a href='#'>打开App</a>")) is None


def test_a_wall_with_much_text_of_its_own_is_not_one() -> None:
    """A form or calls longer than any wall's (labels, a wall of buttons) are content, whatever they hold."""
    labels = "<label>字</label>" * (MAX_OTHER_TEXT + MAX_WALL_TEXT)
    assert page_wall(page(LOGIN_FORM.replace("</form>", labels + "</form>"))) is None
    assert page_wall(page(LOGIN_FORM)) is not None


HOSTILE = {
    "deep nesting around a form": "<div>" * 50_000 + LOGIN_FORM + "</div>" * 50_000,
    "many calls": page("<a href='#'>打开App</a>" * 20_000),
    "many inputs": page("<input>" * 30_000 + '<input type="password">'),
    "endless script": page("<script>" + "location.hrefx=1;" * 100_000 + "</script><a href='#'>打开App</a>"),
    "unclosed tags": "<a href='itms-apps://" + "x" * 200_000,
}


@pytest.mark.parametrize("html", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_pages_end_with_an_answer(html: str) -> None:
    wall = page_wall(html)
    assert wall is None or wall.kind in ("login", "app")
