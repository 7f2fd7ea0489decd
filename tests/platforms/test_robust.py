"""Bad input never crashes unwrap, clean or identify: arbitrary text gives a bounded answer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hutong.clean import Cleaner
from hutong.identify import Identifier
from hutong.unwrap import Unwrapper

IDENT = Identifier()
UNWRAP = Unwrapper()
CLEAN = Cleaner()

pieces = st.sampled_from(
    [
        "https://",
        "http://",
        "item.taobao.com",
        "link.zhihu.com",
        "urldefense.com/v3/__",
        "[::1",
        "@",
        ":",
        ":99999",
        "/",
        "?",
        "&",
        "=",
        "#",
        "%",
        "%zz",
        "*",
        "**A",
        "__;",
        "!!",
        "target=",
        "id=",
        "xsec_token=",
        "\x00",
        "中文",
        "..",
        "\\",
        " ",
        "b23.tv",
        "weibo.cn/sinaurl?u=",
    ]
)
texts = st.one_of(st.text(max_size=200), st.lists(pieces, max_size=20).map("".join))


@settings(max_examples=300)
@given(text=texts)
def test_never_raises(text: str) -> None:
    identity = IDENT.identify(text)
    assert identity.category
    IDENT.needs_resolve(text)
    unwrapped = UNWRAP.unwrap(text)
    assert len(unwrapped.hops) <= 5
    cleaned = CLEAN.clean(text)
    assert len(cleaned.url) <= len(text)
