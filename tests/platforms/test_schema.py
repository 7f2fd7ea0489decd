"""The bundled platform files: they load, ids are unique, kinds/categories valid, no host claimed twice."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from hutong.core import platforms
from hutong.core.model import CATEGORIES, KINDS
from hutong.core.platforms import WRAPPER_DECODERS, load_dir, parse_platform
from hutong.errors import DataError

BUNDLED = platforms.bundled()
SOURCE_RE = re.compile(r"^(?P<id>[a-z0-9_]+)\.toml$")


def test_bundled_files_load_and_cover_the_issue() -> None:
    ids = {p.id for p in BUNDLED}
    required = {
        "taobao",
        "tmall",
        "xianyu",
        "jd",
        "pinduoduo",
        "douyin",
        "kuaishou",
        "xiaohongshu",
        "bilibili",
        "weibo",
        "wechat",
        "zhihu",
        "google",
        "facebook",
        "microsoft",
        "proofpoint",
        "douban",
        "qq",
    }
    assert required <= ids


def test_ids_unique_and_match_file_names() -> None:
    assert len({p.id for p in BUNDLED}) == len(BUNDLED)
    for p in BUNDLED:
        m = SOURCE_RE.match(p.source)
        assert m and m.group("id") == p.id, p.source


@pytest.mark.parametrize("platform", BUNDLED, ids=[p.id for p in BUNDLED])
def test_values_are_valid(platform: platforms.Platform) -> None:
    assert platform.category in CATEGORIES and platform.category != "unknown"
    assert platform.name and platform.name_zh
    for pattern in platform.patterns:
        assert pattern.kind in KINDS
        assert pattern.hosts, "a pattern must name its hosts"
        # every pattern host belongs to the platform: a pattern cannot claim another platform's pages
        for host in pattern.hosts:
            assert platforms.owns_host((*platform.hosts, *platform.short_hosts), host.removeprefix("*."))
        # a pattern's own category is stored only where it differs from the platform's
        assert pattern.category is None or (pattern.category in CATEGORIES and pattern.category != platform.category)
    for kind in platform.share.kinds:
        assert kind.kind in KINDS
    for rx in platform.share.title_patterns:
        assert "title" in rx.groupindex
    for wrapper in platform.wrappers:
        assert wrapper.decode in WRAPPER_DECODERS
        assert wrapper.params or wrapper.decode == "proofpoint_v3"
    assert not set(platform.keep) & set(platform.strip), "a parameter cannot be both kept and stripped"


def test_no_host_claimed_twice() -> None:
    claims = Counter(h for p in BUNDLED for h in {*p.hosts, *p.short_hosts})
    assert [h for h, n in claims.items() if n > 1] == []


def test_short_prefixes_are_on_the_platforms_hosts() -> None:
    for p in BUNDLED:
        for prefix in p.short_prefixes:
            host = prefix.split("/", 1)[0]
            assert platforms.owns_host(p.hosts, host), prefix


BAD = {
    "unknown top key": ({"hots": []}, "unknown key"),
    "bad id": ({"id": "Taobao!"}, "id must match"),
    "bad category": ({"category": "shopping"}, "category"),
    "no hosts": ({"hosts": []}, "hosts must not be empty"),
    "bad kind": ({"patterns": [{"kind": "thing", "hosts": ["a.test"], "query_id": "id"}]}, "kind"),
    "pattern without id": ({"patterns": [{"kind": "product", "hosts": ["a.test"], "path": "^/x$"}]}, "id"),
    "bad regex": ({"patterns": [{"kind": "product", "hosts": ["a.test"], "path": "(?P<id>"}]}, "bad regular"),
    "unknown canonical field": (
        {
            "patterns": [
                {
                    "kind": "product",
                    "hosts": ["a.test"],
                    "path": "^/(?P<id>\\d+)",
                    "canonical": "https://a.test/{sku}",
                }
            ]
        },
        "canonical",
    ),
    "bad pattern category": (
        {"patterns": [{"kind": "product", "hosts": ["a.test"], "query_id": "id", "category": "shopping"}]},
        "category 'shopping'",
    ),
    "bad decoder": ({"wrappers": [{"hosts": ["a.test"], "decode": "rot13"}]}, "decode"),
    "title without group": ({"share": {"title_patterns": ["【.+】"]}}, "title"),
    "drop_defaults not strings": ({"params": {"drop_defaults": {"p": 1}}}, "drop_defaults"),
}


@pytest.mark.parametrize(("change", "message"), BAD.values(), ids=BAD)
def test_bad_records_are_refused_with_a_reason(change: dict[str, object], message: str) -> None:
    record: dict[str, object] = {
        "id": "demo",
        "name": "Demo",
        "name_zh": "演示",
        "category": "tools",
        "hosts": ["demo.test"],
        **change,
    }
    with pytest.raises(DataError, match=message):
        parse_platform(record, "demo.toml")


def test_duplicate_ids_in_a_directory_are_refused(tmp_path: Path) -> None:
    body = 'id = "demo"\nname = "Demo"\nname_zh = "演示"\ncategory = "tools"\nhosts = ["demo.test"]\n'
    (tmp_path / "a.toml").write_text(body, encoding="utf-8")
    (tmp_path / "b.toml").write_text(body, encoding="utf-8")
    with pytest.raises(DataError, match="already defined"):
        load_dir(tmp_path)


def test_invalid_toml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text("id = ", encoding="utf-8")
    with pytest.raises(DataError, match="not valid TOML"):
        load_dir(tmp_path)


@pytest.mark.parametrize(
    ("pattern_category", "stored", "categories"),
    [
        (None, None, ("video",)),
        ("video", None, ("video",)),  # the platform's own category, said again: nothing to store
        ("ecommerce", "ecommerce", ("video", "ecommerce")),
    ],
    ids=["absent", "same as the platform", "its own"],
)
def test_a_pattern_may_carry_its_own_category(
    pattern_category: str | None, stored: str | None, categories: tuple[str, ...]
) -> None:
    pattern: dict[str, object] = {"kind": "product", "hosts": ["shop.demo.test"], "query_id": "id"}
    if pattern_category is not None:
        pattern["category"] = pattern_category
    record = {"id": "demo", "name": "Demo", "category": "video", "hosts": ["demo.test"], "patterns": [pattern]}
    platform = parse_platform(record, "demo.toml")
    assert platform.patterns[0].category == stored
    assert platform.categories == categories


# kinds whose category does not depend on the platform they are on: a product page is a shop's
KIND_CATEGORY = {"product": "ecommerce", "shop": "ecommerce", "video": "video", "live": "video"}


@pytest.mark.parametrize("platform", BUNDLED, ids=[p.id for p in BUNDLED])
def test_a_pages_category_follows_its_kind_not_its_platform(platform: platforms.Platform) -> None:
    """Douyin's shop item is e-commerce like JD's; a WeChat Channels video is a video like Bilibili's."""
    wrong = [
        (pattern.kind, pattern.category or platform.category, pattern.hosts)
        for pattern in platform.patterns
        if pattern.kind in KIND_CATEGORY and (pattern.category or platform.category) != KIND_CATEGORY[pattern.kind]
    ]
    assert wrong == []
