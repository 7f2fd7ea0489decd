"""Go-link tokens carry exactly one http(s) URL and a context; nothing else is accepted."""

from __future__ import annotations

import pytest

from hutong.errors import TokenError
from hutong.service.golinks import GoClaim, go_url, make_token, read_token
from hutong.signing import Signer

SIGNER = Signer({"k1": b"k" * 32}, "k1")
NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    "claim",
    [
        GoClaim("https://example.com/a?b=c", "direct"),
        GoClaim("http://例子.测试/路径", "group", mode="strict", title="标题"),
        GoClaim("https://x.test/", "channel", mode="confirm"),
        GoClaim("https://shop.test/p/1", "group", category="ecommerce"),
        GoClaim("https://item.shop.test/1", "group", wall="login"),
        GoClaim("https://clips.test/v/1", "direct", wall="app"),
    ],
    ids=["plain", "unicode-with-mode-title", "channel", "declared-category", "login-wall", "app-wall"],
)
def test_claims_round_trip(claim: GoClaim) -> None:
    assert read_token(SIGNER, make_token(SIGNER, claim, ttl_days=1, now=NOW), now=NOW) == claim


def test_titles_are_bounded() -> None:
    claim = GoClaim("https://x.test/", "direct", title="长" * 1000)
    title = read_token(SIGNER, make_token(SIGNER, claim, ttl_days=1, now=NOW), now=NOW).title
    assert title is not None and len(title) == 200


def test_expiry_follows_ttl_days() -> None:
    token = make_token(SIGNER, GoClaim("https://x.test/", "direct"), ttl_days=2, now=NOW)
    read_token(SIGNER, token, now=NOW + 2 * 86400 - 1)
    with pytest.raises(TokenError) as info:
        read_token(SIGNER, token, now=NOW + 2 * 86400)
    assert info.value.code == "token.expired"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("javascript url", {"u": "javascript:alert(1)", "c": "direct"}),
        ("data url", {"u": "data:text/html,<script>", "c": "direct"}),
        ("protocol-relative", {"u": "//evil.test/", "c": "direct"}),
        ("no url", {"c": "direct"}),
        ("url not a string", {"u": ["https://x.test/"], "c": "direct"}),
        ("unknown context", {"u": "https://x.test/", "c": "everyone"}),
        ("unknown mode", {"u": "https://x.test/", "c": "direct", "m": "yolo"}),
        ("title not a string", {"u": "https://x.test/", "c": "direct", "t": 5}),
        ("unknown category", {"u": "https://x.test/", "c": "direct", "g": "casino"}),
        ("unknown wall", {"u": "https://x.test/", "c": "direct", "w": "paywall"}),
        ("wall not a string", {"u": "https://x.test/", "c": "direct", "w": ["login"]}),
    ],
)
def test_validly_signed_but_wrong_payloads_are_refused(name: str, data: dict[str, object]) -> None:
    # signed with the real key: only the payload check stands between these and a redirect
    token = SIGNER.sign("go", data, ttl=60, now=NOW)
    with pytest.raises(TokenError):
        read_token(SIGNER, token, now=NOW)


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://gw.example", "https://gw.example/go/T"),
        ("https://gw.example/hutong/", "https://gw.example/hutong/go/T"),
    ],
)
def test_go_url(base: str, expected: str) -> None:
    assert go_url(base, "T") == expected
