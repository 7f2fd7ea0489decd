"""UTF-16 spans beside code-point spans: what JavaScript and Matrix clients slice with."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hutong.core.find import Finder
from hutong.core.model import Found, utf16_len

FINDER = Finder()


def utf16_slice(message: str, start: int, end: int) -> str:
    """What ``message.slice(start, end)`` gives in JavaScript."""
    units = message.encode("utf-16-le")
    return units[2 * start : 2 * end].decode("utf-16-le")


@pytest.mark.parametrize(
    ("message", "spans"),
    [
        pytest.param("see https://a.com/x", [(4, 19, 4, 19)], id="ascii: the same offsets"),
        pytest.param("👍 https://a.com/x", [(2, 17, 3, 18)], id="emoji before the link"),
        pytest.param("看看 https://a.com/x", [(3, 18, 3, 18)], id="CJK is one unit in both"),
        pytest.param(
            "😀😀 https://a.com/x 🎉 b.com/y", [(3, 18, 5, 20), (21, 28, 24, 31)], id="two links after emoji"
        ),
        pytest.param("𠀋 https://a.com/x𝔘y", [(2, 19, 3, 21)], id="astral letter inside the link counts twice"),
    ],
)
def test_utf16_spans(message: str, spans: list[tuple[int, int, int, int]]) -> None:
    found = FINDER.find(message)
    assert [(f.start, f.end, f.start_utf16, f.end_utf16) for f in found] == spans
    for f in found:
        assert message[f.start : f.end] == f.text
        assert utf16_slice(message, f.start_utf16, f.end_utf16) == f.text


@given(st.text(max_size=60), st.sampled_from(["https://a.com/x", "b.com/y", "http://例子.cn/路径"]))
def test_utf16_spans_slice_the_found_text(prefix: str, link: str) -> None:
    message = f"{prefix} {link} {prefix}"
    for f in FINDER.find(message):
        assert utf16_slice(message, f.start_utf16, f.end_utf16) == f.text


@pytest.mark.parametrize(
    ("text", "units"), [("", 0), ("abc", 3), ("看", 1), ("👍", 2), ("a👍b𠀋", 6)]
)
def test_utf16_len(text: str, units: int) -> None:
    assert utf16_len(text) == units == len(text.encode("utf-16-le")) // 2


def test_found_made_outside_the_finder_defaults_to_its_own_span() -> None:
    f = Found("https://a.com/👍", 0, 15, "url")
    assert (f.start_utf16, f.end_utf16) == (0, 16)
