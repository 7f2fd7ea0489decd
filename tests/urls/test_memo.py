"""Bounded memoisation: answers come from the table, long keys are never stored, errors are never stored."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hutong.errors import InputError
from hutong.identify import Identifier, split_trusted, trusted
from hutong.memo import LONGEST_URL, memo_str
from hutong.urls import normalise


def counted() -> tuple[list[str], Callable[[str], str]]:
    calls: list[str] = []

    def fn(key: str) -> str:
        calls.append(key)
        return key.upper()

    return calls, fn


@pytest.mark.parametrize(
    ("name", "keys", "computed"),
    [
        ("repeat is answered from the table", ["ab", "ab", "ab"], ["ab"]),
        ("distinct keys are each computed", ["ab", "cd", "ab"], ["ab", "cd"]),
        ("a key over the length bound is computed every time", ["abcdef", "abcdef"], ["abcdef", "abcdef"]),
        ("the least recently used key is evicted", ["a", "b", "c", "a"], ["a", "b", "c", "a"]),
    ],
)
def test_memo_str(name: str, keys: list[str], computed: list[str]) -> None:
    calls, fn = counted()
    memo = memo_str(fn, entries=2, longest=4)
    assert [memo(k) for k in keys] == [k.upper() for k in keys], name
    assert calls == computed, name


def test_errors_are_raised_afresh() -> None:
    for _ in range(2):
        with pytest.raises(InputError):
            normalise("http://exa mple.com/")


@pytest.mark.parametrize(
    "url",
    [
        "https://item.taobao.com/item.htm?id=1&spm=a",
        "https://user@item.taobao.com/item.htm?id=1",
        "https://item.taobao.com:444/item.htm?id=1",
        "https://b23.tv/abc",
    ],
)
def test_long_urls_take_the_same_path(url: str) -> None:
    """A URL over the memo's length bound is computed directly and answers exactly as a short one."""
    long = url + ("&pad=" + "x" * LONGEST_URL if "?" in url else "?pad=" + "x" * LONGEST_URL)
    ident = Identifier()
    assert (trusted(long) is None) == (trusted(url) is None) == (split_trusted(url) is None)
    assert ident.identify(long).platform == ident.identify(url).platform
    assert ident.needs_resolve(long) == ident.needs_resolve(url)
    assert normalise(long).hostname == normalise(url).hostname
