"""The ClearURLs loader and engine on small rule files written here (the real file is LGPL data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hutong.core.clearurls import ClearURLsRules
from hutong.errors import DataError

RULES = ClearURLsRules.from_json(
    {
        "providers": {
            "globalRules": {
                "urlPattern": ".*",
                "rules": ["(?:%3F)?utm(?:_[a-z_]*)?"],
                "exceptions": ["^https?://keep\\.test"],
            },
            "shop": {
                "urlPattern": "^https?://(?:[a-z0-9-]+\\.)*?shop\\.test",
                "rules": ["ref", "sid"],
                "referralMarketing": ["tag"],
                "rawRules": ["/ref=[^/?]*"],
            },
            "redirector": {
                "urlPattern": "^https?://go\\.test",
                "redirections": ["^https?://go\\.test/out\\?to=([^&]+)"],
            },
            "tracker": {"urlPattern": "^https?://ads\\.test", "completeProvider": True},
        }
    }
)

APPLY = {
    "rules and referral": (
        "https://www.shop.test/p?x=1&ref=a&TAG=b&utm_source=c",
        "https://www.shop.test/p?x=1",
        ("ref", "TAG", "utm_source"),
        None,
        False,
    ),
    "raw rule on the path": (
        "https://shop.test/dp/B1/ref=abc?sid=1",
        "https://shop.test/dp/B1",
        ("sid",),
        None,
        False,
    ),
    "fragment parameters": (
        "https://a.test/#utm_source=x&view=1",
        "https://a.test/#view=1",
        ("utm_source",),
        None,
        False,
    ),
    "plain fragment kept": ("https://a.test/#section-2", "https://a.test/#section-2", (), None, False),
    "empty pieces dropped": ("https://a.test/?&&x=1&&", "https://a.test/?x=1", (), None, False),
    "exception": ("https://keep.test/?utm_source=x", "https://keep.test/?utm_source=x", (), None, False),
    "redirection": (
        "https://go.test/out?to=https%3A%2F%2Fexample.com%2F",
        "https://go.test/out?to=https%3A%2F%2Fexample.com%2F",
        (),
        "https://example.com/",
        False,
    ),
    "complete provider": ("https://ads.test/pixel?id=1", "https://ads.test/pixel?id=1", (), None, True),
    "not a URL": ("javascript:void(0)", "javascript:void(0)", (), None, False),
}


@pytest.mark.parametrize(("url", "out", "removed", "redirect", "blocked"), APPLY.values(), ids=APPLY)
def test_apply(url: str, out: str, removed: tuple[str, ...], redirect: str | None, blocked: bool) -> None:
    assert tuple(RULES.apply(url)) == (out, removed, redirect, blocked)


def test_keep_referral() -> None:
    assert RULES.apply("https://shop.test/?tag=a", keep_referral=True).url == "https://shop.test/?tag=a"


def test_clear_follows_redirections_with_a_bound() -> None:
    assert (
        RULES.clear("https://go.test/out?to=https%3A%2F%2Fwww.shop.test%2F%3Fref%3D1")
        == "https://www.shop.test/"
    )
    loop = "https://go.test/out?to=" + "https%3A%2F%2Fgo.test%2Fout%3Fto%3D" * 3 + "x"
    one_hop = "https://go.test/out?to=https://go.test/out?to=https://go.test/out?to=x"
    assert RULES.clear(loop, max_redirects=1) == one_hop
    assert RULES.clear(loop, max_redirects=0) == loop


BAD: dict[str, Any] = {
    "not an object": [],
    "no providers": {"rules": []},
    "provider not an object": {"providers": {"x": 1}},
    "regex not a string": {"providers": {"x": {"urlPattern": ".*", "rules": [1]}}},
    "rules not a list": {"providers": {"x": {"urlPattern": ".*", "rules": "utm"}}},
}


@pytest.mark.parametrize("obj", BAD.values(), ids=BAD)
def test_malformed_files_are_refused(obj: Any) -> None:
    with pytest.raises(DataError):
        ClearURLsRules.from_json(obj)


def test_a_rule_python_cannot_compile_disables_itself() -> None:
    rules = ClearURLsRules.from_json(
        {"providers": {"x": {"urlPattern": ".*", "rules": ["(?<bad", "utm_source"]}}}
    )
    assert len(rules.skipped) == 1 and "x.rules" in rules.skipped[0]
    assert rules.apply("https://a.test/?utm_source=1").removed == ("utm_source",)


def test_load_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"clean\.clearurls"):
        ClearURLsRules.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(DataError, match="not valid JSON"):
        ClearURLsRules.load(bad)
