"""Choosing the page language, and that every string exists in both languages."""

from __future__ import annotations

import pytest

from hutong.web import i18n


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        (None, None, None, "en"),
        (None, None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        (None, None, "en-US,en;q=0.9,zh;q=0.8", "en"),
        (None, None, "fr-FR,zh-TW;q=0.5", "zh"),
        (None, None, "en;q=0.2,zh;q=0.8", "zh"),
        (None, None, "zh;q=0,en;q=0.1", "en"),
        (None, None, "zh;q=abc,en;q=0.1", "en"),
        (None, None, "de,fr", "en"),
        (None, "zh", "en", "zh"),
        ("en", "zh", "zh", "en"),
        ("xx", "zh", "en", "zh"),
        ("zh-Hans", None, None, "zh"),
    ],
    ids=[
        "nothing",
        "chinese browser",
        "english browser",
        "regional zh",
        "q order",
        "q zero refuses",
        "bad q skipped",
        "unsupported only",
        "cookie over header",
        "query over cookie",
        "bad query ignored",
        "script subtag",
    ],
)
def test_choose(query: str | None, cookie: str | None, header: str | None, expected: str) -> None:
    assert i18n.choose(query, cookie, header) == expected


@pytest.mark.parametrize("key", sorted(i18n.STRINGS))
def test_every_string_has_both_languages(key: str) -> None:
    entry = i18n.STRINGS[key]
    assert set(entry) == set(i18n.LANGS)
    assert all(entry[lang].strip() for lang in i18n.LANGS)


def test_a_missing_key_shows_itself() -> None:
    assert i18n.t("no.such.key", "zh") == "no.such.key"
