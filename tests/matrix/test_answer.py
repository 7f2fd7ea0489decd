"""The bot's notice: which links it speaks about, in both languages, with no tappable link but go-links."""

from __future__ import annotations

from typing import Any

import pytest

from hutong.core.find import Finder
from hutong.matrix.answer import defang, needing_a_word, notice


def link(url: str, action: str, level: str = "unknown", **extra: Any) -> dict[str, Any]:
    return {"url": url, "decision": {"action": action, "rule": f"policy.{action}", "reason": f"{action} because",
                                      "reason_zh": f"{action} 因为"},
            "verdict": {"level": level}, "go": f"https://gw.example/go/{action}", **extra}


@pytest.mark.parametrize(
    ("links", "spoken"),
    [
        ([link("https://a.example/", "open", "safe")], []),
        ([link("https://a.example/", "confirm")], ["https://a.example/"]),
        ([link("https://a.example/", "copy")], ["https://a.example/"]),
        ([link("https://a.example/", "block", "malicious")], ["https://a.example/"]),
        ([link("https://a.example/", "open", "suspicious")], ["https://a.example/"]),  # a user's always_open
        ([link("https://a.example/", "confirm"), link("https://a.example/", "confirm")], ["https://a.example/"]),
        ([{"found": {"text": "¥AbCdEfGhIjK¥"}, "url": None, "decision": {"action": "copy"}, "verdict": {}}],
         [None]),
    ],
    ids=["open is not worth a word", "confirm", "copy", "block", "suspicious even if opened", "once per URL",
         "a token without URL"],
)
def test_needing_a_word(links: list[dict[str, Any]], spoken: list[str | None]) -> None:
    assert [x.get("url") for x in needing_a_word(links)] == spoken


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://login.phish.example/a.b?c=d.e", "hxxps://login[.]phish[.]example/a.b?c=d.e"),
        ("HTTP://A.example", "hxxp://A[.]example"),
        ("login.phish.example/x", "login[.]phish[.]example/x"),
        ("¥AbCdEfGhIjK¥", "¥AbCdEfGhIjK¥"),
    ],
)
def test_defang(url: str, shown: str) -> None:
    assert defang(url) == shown


def test_the_notice_says_it_in_both_languages_and_links_only_to_go_links() -> None:
    links = [
        link("https://unknown.example/a", "confirm", card={"kind": "article", "title": "标题", "site_name": "U"}),
        link("https://login-verify.phish.example/account/update", "block", "malicious"),
    ]
    content = notice("$event", needing_a_word(links))
    body = content["body"]
    assert content["msgtype"] == "m.notice" and content["m.relates_to"] == {"m.in_reply_to": {"event_id": "$event"}}
    assert "ask before opening / 打开前请确认" in body and "blocked / 已拦截" in body and "恶意" in body
    assert "confirm because" in body and "confirm 因为" in body and "「标题」" in body
    # a blocked link gets no go-link; the notice's only links are the go-links
    found = {f.text for f in Finder().find(body)}
    assert found == {"https://gw.example/go/confirm"}
    assert 'href="https://gw.example/go/confirm"' in content["formatted_body"]
    assert "go/block" not in content["formatted_body"] and "go/block" not in body
    assert [n["action"] for n in content["org.hutong.links"]] == ["confirm", "block"]


def test_the_notice_escapes_html() -> None:
    content = notice("$e", [link("https://a.example/<script>", "confirm")])
    assert "<script>" not in content["formatted_body"] and "&lt;script&gt;" in content["formatted_body"]


def test_a_link_read_from_a_code_in_the_picture_says_so() -> None:
    typed = link("https://unknown.example/a", "confirm", found={"form": "url"})
    scanned = link("https://unknown.example/b", "confirm", found={"form": "qr"})
    lines = notice("$e", [typed, scanned])["body"].splitlines()
    assert [("图片中的二维码" in line, "a code in the picture" in line) for line in lines if "unknown[.]" in line] == [
        (False, False), (True, True)
    ]


@pytest.mark.parametrize(
    ("kind", "said"),
    [("login", "This link asks you to log in first"), ("app", "This link only opens in its app"), ("error", None)],
)
def test_the_notice_says_when_a_link_lands_on_a_wall(kind: str, said: str | None) -> None:
    from hutong.core.reach import SENTENCES

    code = {"login": "reach.login.listed", "app": "reach.app.store", "error": "reach.error.http"}[kind]
    en, zh = SENTENCES[code]
    reach = {"kind": kind, "code": code, "detail": en, "detail_zh": zh, "evidence": {}}
    content = notice("$event", [{**link("https://item.shop.example/1", "confirm"), "reach": reach}])
    if said is None:
        assert en not in content["body"]
    else:
        assert said in content["body"] and zh in content["body"] and zh in content["formatted_body"]
