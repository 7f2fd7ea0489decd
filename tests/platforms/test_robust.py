"""Bad input never crashes unwrap, clean or identify: any text that parses gives a bounded answer."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hutong.core.link import Link
from hutong.core.urls import normalise
from hutong.errors import InputError

from .cases import CLEAN, IDENT, UNWRAP

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
    try:
        parsed = normalise(text)
    except InputError:  # text that is no URL stops at parsing (tests/urls)
        assume(False)
        raise
    unwrapped = UNWRAP.unwrap(parsed)
    assert len(unwrapped.hops) <= 5
    identified = IDENT.identify(unwrapped.link)
    assert identified.identity.category
    cleaned = CLEAN.clean(unwrapped.link, identified, wrapped=unwrapped.wrapper is not None)
    assert len(cleaned.url) <= len(unwrapped.url)
    assert isinstance(cleaned.link, Link) and normalise(cleaned.url) == cleaned.link  # as if parsed afresh
