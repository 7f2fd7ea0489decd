"""The linear rewrites read what the patterns they replaced read.

Each quadratic (or worse) pattern that touched fetched content was replaced by a one-pass scan
or a possessive pattern; the old pattern is kept here as the oracle and both are run on short
inputs drawn from the tokens that matter (on short inputs the old one is fast enough to run).
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hutong.net import bodyredirect, charset
from hutong.preview import jsonld, scan
from hutong.safety import canon

EXAMPLES = settings(max_examples=400, deadline=None)


def soup(*tokens: str) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(tokens), max_size=14).map("".join)


def groups(m: re.Match[Any] | None) -> tuple[Any, ...] | None:
    return None if m is None else m.groups()


# --- body redirects ------------------------------------------------------------------------------

OLD_REFRESH = re.compile(r"""<meta\b[^>]*http-equiv\s*=\s*["']?refresh["']?[^>]*>""", re.I)
OLD_CONTENT = re.compile(r"""\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
OLD_REFRESH_VALUE = re.compile(r"""^\s*(\d+(?:\.\d*)?)?\s*[;,]?\s*(?:url\s*=\s*)?["']?([^"']*)["']?\s*$""", re.I)
REFRESH_TAGS = soup("<meta", "<META ", "<metax", " ", "http-equiv", "=", "refresh", '"', "'", ">", "content", "x", "<")
REFRESH_VALUES = soup(
    "0", "5", "1.5", ".", ";", ",", " ", "\n", "\u3000", "url", "URL", "=", "'", '"', "a", "/x", "٣", "\t"
)


@EXAMPLES
@given(REFRESH_TAGS)
def test_refresh_tags(text: str) -> None:
    assert list(bodyredirect._refresh_tags(text)) == [m.group(0) for m in OLD_REFRESH.finditer(text)]


@EXAMPLES
@given(REFRESH_TAGS)
def test_refresh_content(text: str) -> None:
    assert groups(bodyredirect._CONTENT.search(text)) == groups(OLD_CONTENT.search(text))


@EXAMPLES
@given(REFRESH_VALUES)
def test_refresh_value(text: str) -> None:
    assert groups(bodyredirect._REFRESH_VALUE.match(text)) == groups(OLD_REFRESH_VALUE.match(text))


# --- charset prescan -----------------------------------------------------------------------------

OLD_CHARSET_PARAM = re.compile(rb"""charset\s*=\s*["']?\s*([^\s"';>/]+)""", re.I)
OLD_META = re.compile(rb"<meta\b([^>]*)>", re.I)
OLD_HTTP_EQUIV = re.compile(rb"""http-equiv\s*=\s*["']?\s*content-type""", re.I)
OLD_META_CHARSET = re.compile(rb"""\bcharset\s*=\s*["']?\s*([^\s"'/>;]+)""", re.I)
OLD_META_CONTENT = re.compile(rb"""\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
OLD_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']""", re.I)
OLD_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
PRESCAN = soup(
    "<meta",
    "<META ",
    " ",
    "\t",
    "charset",
    "=",
    "'",
    '"',
    ";",
    ">",
    "/",
    "utf-8",
    "gbk",
    "http-equiv",
    "content-type",
    "content",
    "<!--",
    "-->",
    "-",
    "<?xml",
    "encoding",
    "x",
).map(str.encode)


@EXAMPLES
@given(PRESCAN)
def test_prescan_patterns(data: bytes) -> None:
    for old, new in (
        (OLD_CHARSET_PARAM, charset._CHARSET_PARAM),
        (OLD_HTTP_EQUIV, charset._HTTP_EQUIV),
        (OLD_META_CHARSET, charset._META_CHARSET),
        (OLD_META_CONTENT, charset._META_CONTENT),
    ):
        assert groups(new.search(data)) == groups(old.search(data)), old.pattern
    assert groups(charset._XML_DECL.match(data)) == groups(OLD_XML_DECL.match(data))


@EXAMPLES
@given(PRESCAN)
def test_prescan_scans(data: bytes) -> None:
    assert charset.without_comments(data) == OLD_COMMENT.sub(b"", data)
    assert list(charset.meta_attributes(data)) == [m.group(1) for m in OLD_META.finditer(data)]


# --- card extraction ----------------------------------------------------------------------------

# every script from its start tag to its end tag (a script's text is never markup), then those typed JSON-LD
SCRIPTS = re.compile(r"<script(?=[\s/>])([^>]*)>(.*?)</script\s*>", re.I | re.S)
LD_TYPE = re.compile(r"\btype\s*=\s*[\"']?application/ld\+json", re.I)
LDJSON = soup(
    "<script",
    "<SCRIPT ",
    " ",
    "type",
    "=",
    "'",
    '"',
    "application/ld+json",
    "APPLICATION/LD+JSON",
    ">",
    "</script>",
    "</script >",
    "</SCRIPT",
    "{}",
    "x",
    "<",
)


@EXAMPLES
@given(LDJSON, st.integers(0, 6))
def test_body_jsonld_scan(text: str, start: int) -> None:
    """The one-pass body scan finds the JSON-LD blocks a regex over whole scripts finds."""
    expected = [body for attrs, body in SCRIPTS.findall(text, start) if LD_TYPE.search(attrs)]
    assert list(scan.body_tags(text, start).jsonld) == expected[: scan.MAX_BODY_BLOCKS]


OLD_WRAPPERS = re.compile(r"^\s*(?:<!\[CDATA\[|<!--|//\s*<!\[CDATA\[)|(?:\]\]>|-->|//\s*\]\]>)\s*;?\s*$")


@EXAMPLES
@given(soup("<![CDATA[", "<!--", "//", "/", " ", "\n", "\u3000", "]]>", "]]", ">", "-->", "--", ";", "x", "{}"))
def test_jsonld_unwrapped(text: str) -> None:
    text = text.strip()
    assert jsonld._unwrapped(text) == OLD_WRAPPERS.sub("", text)


# --- feed URLs ----------------------------------------------------------------------------------


def old_unescape_all(text: str) -> str:
    for _ in range(len(text)):
        new = canon._unescape_once(text)
        if new == text:
            return text
        text = new
    return text


@EXAMPLES
@given(soup("%", "2", "5", "4", "1", "a", "F", "g", "%25", "%2"))
def test_unescape_all(text: str) -> None:
    assert canon._unescape_all(text) == canon._unescape_nested(text) == old_unescape_all(text)
