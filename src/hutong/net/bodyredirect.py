"""Find the next URL in a page that redirects from its body instead of with a 3xx.

Short-link services often answer 200 with a tiny page that moves on by ``<meta refresh>``,
by script (``var url = '…'``, ``location.href = "…"``, ``location.replace("…")``), or shows an
interstitial ("open this link in a browser") that carries the target as its one outbound link
or in a ``.link`` element. The patterns are generic, never per site. Script and interstitial
patterns are only trusted on small pages: a full page mentioning ``location.href`` somewhere
in its scripts is a destination, not a redirect.

Every scan is linear in the page: fetched HTML is hostile input, and a pattern that backtracks
(``<meta\b[^>]*http-equiv`` tried at each of 20,000 ``<meta`` with no ``>``) once held the
event loop for 19 s on a 400-byte gzipped page. Tags are cut out with ``str.find`` from a moving
start (each character is looked at a bounded number of times), and the patterns run inside
one tag use possessive quantifiers, so a failed match cannot retry its whitespace splits.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import ada_url
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from ..preview.scan import depth_bounded

SMALL_PAGE_CHARS = 32 * 1024
MAX_INTERSTITIAL_TEXT = 2000
MAX_REFRESH_DELAY = 30.0

_META_OPEN = re.compile(r"<meta\b", re.IGNORECASE)
_HTTP_EQUIV_REFRESH = re.compile(r"""http-equiv\s*+=\s*+["']?+refresh""", re.IGNORECASE)
_CONTENT = re.compile(r"""\bcontent\s*+=\s*+(?:"([^"]*+)"|'([^']*+)'|([^\s>]++))""", re.IGNORECASE)
# delay, separator, "url=", the URL up to a quote, then nothing but a closing quote and spaces.
# Possessive throughout: with plain ``\s*`` runs side by side, a value of spaces that fails at
# its end was retried in every split of those spaces (hours for 10 KB); no such retry can succeed.
_REFRESH_VALUE = re.compile(
    r"""\s*+(\d++(?:\.\d*+)?+)?+\s*+[;,]?+\s*+(?:url\s*+=\s*+)?+["']?+([^"']*+)["']?+\s*+\Z""",
    re.IGNORECASE,
)
_QUOTED = r"""(?:"((?:[^"\\\n]|\\.){1,4096})"|'((?:[^'\\\n]|\\.){1,4096})')"""
_SCRIPT_PATTERNS = (
    re.compile(r"\bvar\s+url\s*=\s*" + _QUOTED),
    re.compile(r"\b(?:let|const)\s+url\s*=\s*" + _QUOTED),
    re.compile(r"\blocation\s*\.\s*(?:replace|assign)\s*\(\s*" + _QUOTED),
    re.compile(r"\blocation(?:\s*\.\s*href)?\s*=\s*" + _QUOTED),
)
_URL_TEXT = re.compile(r"^\s*(https?://\S{3,4096})\s*$", re.IGNORECASE)
_LINKISH_CLASS = re.compile(r"(?:^|[\s_-])(?:link|url|target|href)(?:$|[\s_-])", re.IGNORECASE)

Via = Literal["body", "interstitial"]


@dataclass(frozen=True, slots=True)
class BodyRedirect:
    """The next URL and how it was found."""

    url: str
    via: Via
    pattern: str  # "meta-refresh", "script", "link-element", "only-outbound-link"


def find_body_redirect(text: str, base: str) -> BodyRedirect | None:
    """The URL ``text`` (an HTML page fetched from ``base``) moves on to, if it is a redirect page."""
    if (url := _meta_refresh(text[: SMALL_PAGE_CHARS * 4], base)) is not None:
        return BodyRedirect(url, "body", "meta-refresh")
    if len(text) > SMALL_PAGE_CHARS:
        return None
    if (url := _script(text, base)) is not None:
        return BodyRedirect(url, "body", "script")
    return _interstitial(text, base)


def _absolute(candidate: str, base: str) -> str | None:
    value = htmllib.unescape(candidate.strip()).replace("\\/", "/")
    if not value:
        return None
    try:
        url = str(ada_url.join_url(base, value))
    except ValueError:
        return None
    if not url.startswith(("http://", "https://")) or url == base:
        return None
    return url


def _refresh_tags(text: str) -> Iterator[str]:
    """``<meta ... http-equiv=refresh ...>`` tags, each from its ``<meta`` to the first ``>``.

    What ``<meta\\b[^>]*http-equiv…[^>]*>`` matched, found in one pass: a ``<meta`` inside a tag
    that did not qualify cannot qualify either (its text is a tail of that tag's), so the scan
    goes on after the ``>``; and with no ``>`` left, no later tag can close.
    """
    pos = 0
    while (m := _META_OPEN.search(text, pos)) is not None:
        end = text.find(">", m.end())
        if end < 0:
            return
        if _HTTP_EQUIV_REFRESH.search(text, m.end(), end) is not None:
            yield text[m.start() : end + 1]
        pos = end + 1


def _meta_refresh(text: str, base: str) -> str | None:
    for tag in _refresh_tags(text):
        content = _CONTENT.search(tag)
        if content is None:
            continue
        value = next(g for g in content.groups() if g is not None)
        m = _REFRESH_VALUE.match(htmllib.unescape(value))
        if m is None or not m.group(2):
            continue
        if m.group(1) and float(m.group(1)) > MAX_REFRESH_DELAY:
            continue
        if (url := _absolute(m.group(2), base)) is not None:
            return url
    return None


def _script(text: str, base: str) -> str | None:
    for pattern in _SCRIPT_PATTERNS:
        for m in pattern.finditer(text):
            raw = m.group(1) if m.group(1) is not None else m.group(2)
            if raw and (url := _absolute(raw, base)) is not None:
                return url
    return None


def _interstitial(text: str, base: str) -> BodyRedirect | None:
    # the parser's tree building is quadratic in nesting: 6,000 nested <div> in 32 KB took 0.17 s
    tree = HTMLParser(depth_bounded(text)[0])
    body = tree.body
    if body is None:
        return None
    for node in tree.css("script, style, noscript"):
        node.decompose()
    visible = body.text(separator=" ", strip=True)
    if len(visible) > MAX_INTERSTITIAL_TEXT:
        return None
    for node in body.css("[class]"):
        if _LINKISH_CLASS.search(node.attributes.get("class") or ""):
            m = _URL_TEXT.match(node.text(strip=True))
            if m and (url := _absolute(m.group(1), base)) is not None:
                return BodyRedirect(url, "interstitial", "link-element")
    base_host = _host(base)
    outbound: set[str] = set()
    for a in body.css("a[href]"):
        url = _absolute(a.attributes.get("href") or "", base)
        if url is not None and _host(url) != base_host:
            outbound.add(url)
    if len(outbound) == 1:
        return BodyRedirect(outbound.pop(), "interstitial", "only-outbound-link")
    return None


def _host(url: str) -> str:
    try:
        return str(ada_url.URL(url).hostname)
    except ValueError:
        return ""
