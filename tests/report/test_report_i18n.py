"""The report speaks English or Chinese throughout: headings, labels, names of categories, actions, levels,
platforms, and every chart's words; the page picks its language as the other pages do."""

from __future__ import annotations

import re
import string
import time
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from hutong.core.platforms import bundled
from hutong.core.policy import default_policy
from hutong.report import Report, build_report
from hutong.report_i18n import S, name_of, platform_name, rt
from hutong.report_render import render_report_html
from hutong.store.sqlite_store import SqliteStore
from tests.store.events_gen import PLATFORMS, make_events

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    with SqliteStore(tmp_path_factory.mktemp("r") / "a.sqlite3") as store:
        store.record(make_events(3000, seed=71))
        return build_report(store, policy=default_policy())


def visible_text(html: str) -> str:
    """What a reader sees in words: every text node and SVG text, without code, script, style, the policy's
    own name and version hash (an operator's strings) and the times (ISO, UTC)."""
    tree = HTMLParser(html)
    for node in tree.css("script, style, code, b"):
        node.decompose()
    words = tree.body.text(separator=" ") if tree.body else ""
    title = tree.css_first("title")
    words += " " + (title.text() if title else "")
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|UTC|\b[0-9a-f]{12}\b", " ", words)


def test_the_chinese_page_has_no_english_word_left(report: Report) -> None:
    html = render_report_html(report, "zh", switch_href="?lang=en")
    assert '<html lang="zh-CN">' in html
    test_ids = {p for p in PLATFORMS if p}  # the seeded events' made-up platform ids have no names
    left = [w for w in LATIN_WORD.findall(visible_text(html)) if w not in test_ids and w != "English"]
    assert left == []
    assert "按平台" in html and "直接打开" in html and "其他网站（未收录）" in html


def test_the_english_page_has_no_chinese_word_left(report: Report) -> None:
    html = render_report_html(report, "en", switch_href="?lang=zh")
    assert '<html lang="en">' in html
    assert CJK.findall(visible_text(html).replace("中文", "")) == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_chart_speaks_the_page_language(report: Report, lang: str) -> None:
    html = render_report_html(report, lang)  # type: ignore[arg-type]
    svgs = HTMLParser(html).css("svg.chart")
    assert len(svgs) == 8  # four charts, each in its desktop and its phone layout
    for svg in svgs:
        text = " ".join(t.text() for t in svg.css("text, title"))
        if lang == "zh":
            assert CJK.search(text), text[:80]
            assert [w for w in LATIN_WORD.findall(text) if w not in {*PLATFORMS, "UTC"}] == []
        else:
            assert not CJK.search(text), text[:80]


def test_every_string_has_both_languages_with_the_same_fields() -> None:
    fields = string.Formatter()
    for key, entry in S.items():
        assert entry["en"].strip() and entry["zh"].strip(), key
        en = {f for _, f, _, _ in fields.parse(entry["en"]) if f}
        zh = {f for _, f, _, _ in fields.parse(entry["zh"]) if f}
        assert en == zh, key


@pytest.mark.parametrize(
    ("kind", "value", "en", "zh"),
    [
        ("cat", "ecommerce", "e\u2011commerce", "电商"),  # one word: a non-breaking hyphen
        ("action", "copy", "copy only", "仅可复制"),
        ("level", "suspicious", "suspicious", "可疑"),
        ("group", "unlisted", "unlisted", "未收录"),
        ("cat", "newcategory", "newcategory", "newcategory"),  # a value the strings do not know shows as it is
    ],
)
def test_names_in_words(kind: str, value: str, en: str, zh: str) -> None:
    assert (name_of(kind, value, "en"), name_of(kind, value, "zh")) == (en, zh)


def test_platform_names_come_from_the_platform_files() -> None:
    for p in bundled():
        assert platform_name(p.id, "en") == (p.name or p.id)
        assert platform_name(p.id, "zh") == (p.name_zh or p.name or p.id)
    assert platform_name("unknown", "zh") == rt("unlisted.platform", "zh")
    assert platform_name("not-a-platform", "zh") == "not-a-platform"


def test_one_hour_of_data_reads_by_the_hour(tmp_path: Path) -> None:
    start = time.time() // 3600 * 3600
    with SqliteStore(tmp_path / "a.sqlite3") as store:
        store.record(make_events(40, seed=3, start=start, span=1800))
        single = build_report(store)
    html = render_report_html(single, "zh")
    assert "随时间变化（每小时）" in html
    chart = HTMLParser(html).css_first("svg.chart.wide[aria-label='每小时的决定数']")
    assert chart is not None and not chart.css("polyline") and len(chart.css("circle")) == 4
