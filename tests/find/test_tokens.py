"""App-password tokens (淘口令): wrappers, cues, and the cases that must not be tokens."""

from __future__ import annotations

import pytest

from hutong.core.find import Finder
from hutong.core.platforms import Platform, ShareRules

SHOP = Platform(id="shop", name="Shop", name_zh="店", category="ecommerce", hosts=("shop.test",),
                share=ShareRules(token_cues=("淘宝", "tb.cn")))
OTHER = Platform(id="other", name="Other", name_zh="他", category="ecommerce", hosts=("other.test",),
                 share=ShareRules(token_cues=("京东",)))
FINDER = Finder([SHOP, OTHER])


def tokens(text: str) -> list[tuple[str, str | None]]:
    return [(f.text, f.platform) for f in FINDER.find(text) if f.form == "token"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("￥dAEYbi4KO4D￥", [("dAEYbi4KO4D", None)], id="yen-whole-message"),
        pytest.param("€g1IVbaMXxxK€ 打开淘宝", [("g1IVbaMXxxK", "shop")], id="euro-with-cue"),
        pytest.param("🎵e2Nocj7Tx1g📲", [("e2Nocj7Tx1g", None)], id="emoji-wrapper"),
        pytest.param("（￥OZGjcQKQkLE", [("OZGjcQKQkLE", None)], id="open-wrapper-only"),
        pytest.param("7(￥hxWAcj3Yiqt￥)/:/", [("hxWAcj3Yiqt", None)], id="paren-yen"),
        pytest.param("0_0(s0jWcizeD02(/", [("s0jWcizeD02", None)], id="digits-among-delimiters"),
        pytest.param("a:/😺yhSSc90Hk1L₤", [("yhSSc90Hk1L", None)], id="letter-among-delimiters"),
        pytest.param("2(z94O3R9Mkx6)/ CA8888", [("z94O3R9Mkx6", None)], id="2023-form"),
        pytest.param("【3(zL2r3R9hCTE)/ CA8888", [("zL2r3R9hCTE", None)], id="2023-form-bracket"),
        pytest.param(
            "1👈啊5NKkX84wYdk啊 https://m.tb.cn/h.4CEhFr0", [("5NKkX84wYdk", "shop")], id="cjk-delimiter"
        ),
        pytest.param("京东 ￥Ab1Cd2Ef3Gh￥ 淘宝", [("Ab1Cd2Ef3Gh", "other")], id="earliest-cue-wins"),
    ],
)
def test_tokens_found(text: str, expected: list[tuple[str, str | None]]) -> None:
    assert tokens(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("dQw4w9WgXcQ", id="youtube-id-alone"),
        pytest.param("看这个 (dQw4w9WgXcQ) 好看", id="wrapped-but-no-cue-and-not-whole"),
        pytest.param("淘宝 https://e.tb.cn/h.x?tk=uEXDUlwjL4E", id="token-already-in-url"),
        pytest.param("淘宝 ￥abcdefghijk￥", id="all-lower-case-word"),
        pytest.param("淘宝 ￥12345678901￥", id="digits"),
        pytest.param("淘宝 ￥ABCDEFGHIJK￥", id="all-upper-case"),
        pytest.param("淘宝 ￥Abcdefghijk￥", id="capitalised-word"),
        pytest.param("淘宝 Ab1Cd2Ef3Gh and more", id="no-wrapper"),
        pytest.param("淘宝 ￥Ab1Cd2Ef3Gh9￥", id="twelve-characters"),
        pytest.param("淘宝 ￥Ab1Cd2Ef3G￥", id="ten-characters"),
    ],
)
def test_not_tokens(text: str) -> None:
    assert tokens(text) == []


def test_token_inside_a_quoted_title_is_not_a_token() -> None:
    titled = Platform(id="titled", name="T", name_zh="T", category="ecommerce", hosts=("t.test",),
                      share=ShareRules(cues=("【店】",), token_cues=("【店】",),
                                       title_patterns=(__import__("re").compile("「(?P<title>[^」]+)」"),)))
    found = Finder([titled]).find("【店】https://t.test/x 「(iPhone15Pro)壳」")
    assert [(f.form, f.title) for f in found] == [("share", "(iPhone15Pro)壳")]


def test_token_span_and_value() -> None:
    text = "淘宝：￥Ab1Cd2Ef3Gh￥"
    (f,) = FINDER.find(text)
    assert (f.form, f.token, text[f.start : f.end]) == ("token", "Ab1Cd2Ef3Gh", "Ab1Cd2Ef3Gh")
