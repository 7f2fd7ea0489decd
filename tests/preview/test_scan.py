"""Raw-HTML scan helpers: a case-blind pattern without ``re.I``, and every offset of a word."""

from __future__ import annotations

import re

import pytest

from hutong.preview.scan import any_case, find_all


@pytest.mark.parametrize(
    ("word", "text", "matches"),
    [
        ("img", "<img <IMG <Img <iMg", ["img", "IMG", "Img", "iMg"]),
        ("h[1-6]", "h1 H6 h7", ["h1", "H6"]),
        ("ld+json", "LD+JSON ldjson", ["LD+JSON"]),
    ],
)
def test_any_case(word: str, text: str, matches: list[str]) -> None:
    pattern = any_case(word) if "[" in word else any_case(re.escape(word))
    assert re.findall(pattern, text) == matches


@pytest.mark.parametrize(
    ("text", "word", "offsets"),
    [
        ("role x role", "role", [0, 7]),
        ("aaaa", "aa", [0, 2]),
        ("none here", "role", []),
    ],
)
def test_find_all(text: str, word: str, offsets: list[int]) -> None:
    assert list(find_all(text, word)) == offsets
