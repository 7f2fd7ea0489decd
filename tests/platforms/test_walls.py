"""The ``[walls]`` table of the platform files: one schema for all, validated at load, documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from hutong.core import platforms
from hutong.core.platforms import WALL_KEYS, parse_platform, wall_index
from hutong.core.reach import WallRule
from hutong.errors import DataError

BUNDLED = platforms.bundled()
DOCS = Path(__file__).resolve().parents[2] / "docs" / "platforms.md"


def record(walls: Any) -> dict[str, Any]:
    return {"id": "newtube", "category": "video", "hosts": ["newtube.example"], "walls": walls}


def test_a_walls_table_is_read_into_rules() -> None:
    p = parse_platform(
        record(
            {
                "login_hosts": ["passport.newtube.example", "*.sso.newtube.example"],
                "login_prefixes": ["www.newtube.example/signin"],
                "app_hosts": ["get.newtube.example"],
                "app_prefixes": ["www.newtube.example/download/"],
                "error_prefixes": ["www.newtube.example/404"],
            }
        )
    )
    assert p.walls == (
        WallRule("login", "passport.newtube.example", None, "newtube"),
        WallRule("login", "*.sso.newtube.example", None, "newtube"),
        WallRule("login", "www.newtube.example", "/signin", "newtube"),
        WallRule("app", "get.newtube.example", None, "newtube"),
        WallRule("app", "www.newtube.example", "/download/", "newtube"),
        WallRule("error", "www.newtube.example", "/404", "newtube"),
    )
    index = wall_index([p])
    assert index.match("a.sso.newtube.example", "/x") == p.walls[1]
    assert index.match("sso.newtube.example", "/") == p.walls[1]
    assert index.match("www.newtube.example", "/signin/sms") == p.walls[2]
    assert index.match("www.newtube.example", "/watch/1") is None
    assert index.match("passport.newtube.example.evil.example", "/") is None


BAD = {
    "not a table": (["login.example"], "must be a table"),
    "unknown key": ({"login_urls": ["x"]}, "unknown key"),
    "not a list": ({"login_hosts": "passport.newtube.example"}, "must be a list of strings"),
    "upper case": ({"login_hosts": ["Passport.newtube.example"]}, "lower-case host"),
    "a path in a hosts key": ({"login_hosts": ["www.newtube.example/signin"]}, "without a path"),
    "no path in a prefixes key": ({"app_prefixes": ["get.newtube.example"]}, "host/path-prefix"),
    "a wildcard with a path": ({"login_prefixes": ["*.newtube.example/signin"]}, "host/path-prefix"),
    "a scheme": ({"login_hosts": ["https://passport.newtube.example"]}, "lower-case host"),
    "empty": ({"login_hosts": [""]}, "lower-case host"),
}


@pytest.mark.parametrize(("walls", "message"), list(BAD.values()), ids=list(BAD))
def test_bad_walls_are_refused_with_a_reason(walls: Any, message: str) -> None:
    with pytest.raises(DataError, match=re.escape(message)):
        parse_platform(record(walls), "newtube.toml")


def test_bundled_walls_load_and_cover_the_researched_platforms() -> None:
    walled = {p.id for p in BUNDLED if p.walls}
    assert {"taobao", "jd", "pinduoduo", "bilibili", "weibo", "zhihu", "xiaohongshu"} <= walled
    kinds = {r.kind for p in BUNDLED for r in p.walls}
    assert kinds == {"login", "app", "error"}


def test_every_walls_key_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert "## `[walls]`" in text
    for key in WALL_KEYS:
        assert f"| `{key}` |" in text, key
