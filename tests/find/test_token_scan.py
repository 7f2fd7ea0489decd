"""The token scan is linear in the number of links: spans read are counted, never timed (issue 14).

A message with one token cue and N links each followed by a wrapped token used to check every token
candidate against every link (N x N reads); ``SpanGate`` merges them in one pass. Wall time for the
same messages is measured by ``bench/linear.py`` (the "token scan" rows).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import pytest

from hutong.core.find import Finder
from hutong.core.find.tokens import SpanGate, TokenReader
from hutong.core.platforms import Platform, ShareRules

Span = tuple[int, int]
SHOP = Platform(id="shop", name="Shop", name_zh="店", category="ecommerce", hosts=("shop.test",),
                share=ShareRules(token_cues=("淘宝",)))


class CountingSpans(Sequence[Span]):
    """A sequence of spans that counts every span read from it (by index or by iteration)."""

    def __init__(self, spans: list[Span]) -> None:
        self._spans = spans
        self.reads = 0

    @overload
    def __getitem__(self, i: int) -> Span: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Span]: ...
    def __getitem__(self, i: int | slice) -> Span | Sequence[Span]:
        self.reads += 1
        return self._spans[i]

    def __iter__(self) -> Iterator[Span]:
        for span in self._spans:
            self.reads += 1
            yield span

    def __len__(self) -> int:
        return len(self._spans)


def token(i: int) -> str:
    """A distinct 11-character token with upper- and lower-case letters and a digit."""
    return f"aB{i:08d}z"


def flood(n: int) -> str:
    """One 淘宝 cue, then ``n`` links each followed by a ￥token￥."""
    return "淘宝 " + "".join(f"https://m.shop.test/h.{i:07d} ￥{token(i)}￥ " for i in range(n))


def scan_reads(n: int) -> tuple[int, int]:
    """(tokens found, spans read) for the token scan of ``flood(n)`` behind the finder's URL spans."""
    text = flood(n)
    finder = Finder([SHOP], max_links=10 * n)
    links = [f for f in finder.find(text) if f.form != "token"]
    excluded = CountingSpans([(f.start, f.end) for f in links])
    found = list(TokenReader([SHOP]).scan(text, [f.text for f in links], excluded))
    return len(found), excluded.reads


def test_the_flood_is_what_it_says() -> None:
    finds = Finder([SHOP], max_links=100).find(flood(10))
    assert [f.form for f in finds].count("token") == 10
    assert [f.form for f in finds].count("url") == 10


def test_token_scan_reads_grow_linearly_from_1k_to_8k_links() -> None:
    found_1k, reads_1k = scan_reads(1000)
    found_8k, reads_8k = scan_reads(8000)
    assert (found_1k, found_8k) == (1000, 8000)
    # linear: 8x the links, 8x the reads (a scan against every span would read 64x)
    assert reads_8k <= 8 * reads_1k * 1.05, (reads_1k, reads_8k)


@pytest.mark.parametrize("n", [1000, 8000])
def test_span_gate_reads_each_span_a_bounded_number_of_times(n: int) -> None:
    taken = CountingSpans([(10 * i, 10 * i + 5) for i in range(n)])
    gate = SpanGate(taken)
    asked = [(10 * i + 6, 10 * i + 9) for i in range(n)] + [(10 * n + 1, 10 * n + 2)]
    assert all(gate.clear(s, e) for s, e in asked)
    assert taken.reads <= len(taken) + len(asked)


@pytest.mark.parametrize(
    ("taken", "asked", "expected"),
    [
        pytest.param([(0, 5)], [(5, 8)], [True], id="touching-is-clear"),
        pytest.param([(0, 5)], [(4, 8)], [False], id="overlap-at-end"),
        pytest.param([(3, 5)], [(0, 4)], [False], id="overlap-at-start"),
        pytest.param([(0, 100), (10, 20)], [(30, 41), (150, 161)], [False, True], id="nested-taken-spans"),
        pytest.param([(10, 20), (12, 200)], [(25, 36)], [False], id="later-span-reaches-further"),
        pytest.param([], [(0, 11)], [True], id="nothing-taken"),
        pytest.param([(0, 5), (20, 30)], [(6, 9), (9, 21), (31, 40)], [True, False, True], id="between-and-after"),
    ],
)
def test_span_gate_answers(taken: list[Span], asked: list[Span], expected: list[bool]) -> None:
    gate = SpanGate(taken)
    assert [gate.clear(s, e) for s, e in asked] == expected
