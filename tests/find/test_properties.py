"""Properties: find never raises on arbitrary text, and every span slices back to its text."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hutong.core.find import find_links

# alphabet biased towards the characters that steer the scanners
LINKISH = st.sampled_from(
    [*"htps:/.wcomn@#?&=()[]{}<>\"'-_~￥€，。【】「」👉😆 \n\t", "http://", "www.", ".com", "淘宝"]
)
TEXT = st.one_of(st.text(), st.lists(st.one_of(LINKISH, st.characters()), max_size=80).map("".join))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_never_raises_and_spans_slice_back(text: str) -> None:
    found = find_links(text)
    last_end = 0
    for f in found:
        assert text[f.start : f.end] == f.text
        assert f.start >= last_end  # message order, non-overlapping
        assert f.end > f.start
        last_end = f.end


@given(st.binary(max_size=200))
def test_bytes_never_raise(data: bytes) -> None:
    find_links(data)  # type: ignore[arg-type]


def test_huge_adversarial_messages_stay_linear() -> None:
    blocks = [
        "a." * 100_000,  # endless labels, no TLD
        "http://a.com/" + "(" * 100_000 + ")" * 100_000,  # bracket balancing
        "x.com/" + "." * 200_000,  # trailing punctuation to trim
        "淘宝 " + "￥Ab1Cd2Ef3Gh￥ " * 20_000,  # a token flood
        "-" * 200_000 + ".com",
        "http://" * 50_000,
        "<a:" * 50_000,
    ]
    for block in blocks:
        t0 = time.process_time()
        found = find_links(block)
        assert time.process_time() - t0 < 2.0, block[:20]
        assert len(found) <= 1000
