"""Properties of the whole offline pipeline on arbitrary text: it never raises, always decides, loses nothing."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hutong.pipeline import Engine

ENGINE = Engine.from_config()

# fragments that steer generated text towards link-like shapes
PIECES = st.sampled_from(
    [
        "https://", "http://", "www.", ".com", ".cn", "/", "?", "&", "=", "#", "@", ":", "%", "..", "[", "]",
        "(", ")", "，", "。", "【淘宝】", "「", "」", "￥", "#小程序://", "xn--", "0x7f", "127.0.0.1", "::ffff:",
        "item.taobao.com", "b23.tv", "e.tb.cn/h.", "id=", "utm_source=", "link.zhihu.com/?target=",
        "urldefense.com/v3/__", " ", "\n", "\x00", "\ud800", "😂",
    ]
)
MESSAGES = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=MESSAGES, context=st.sampled_from(["direct", "group", "channel"]))
def test_analyse_never_raises_and_always_decides(text: str, context: str) -> None:
    reports = ENGINE.analyse(text, context=context)  # type: ignore[arg-type]
    last_end = 0
    for r in reports:
        assert text[r.found.start:r.found.end] == r.found.text
        assert r.found.start >= last_end  # message order, no overlaps
        last_end = r.found.end
        assert r.decision is not None
        if r.url is None:
            assert r.found.form in ("token", "miniprogram") or r.error is not None
        json.dumps(r.to_json(), ensure_ascii=False)  # the contract is serialisable whatever came in
