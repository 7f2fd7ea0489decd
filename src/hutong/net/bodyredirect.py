"""Find the next URL in a page that redirects from its body instead of with a 3xx.

Short-link services often answer 200 with a tiny page that moves on by ``<meta refresh>``,
by script (``var url = '…'``, ``location.href = "…"``, ``location.replace("…")``), or shows an
interstitial ("open this link in a browser") that carries the target as its one outbound link
or in a ``.link`` element. The patterns are generic, never per site. Script and interstitial
patterns are only trusted on small pages: a full page mentioning ``location.href`` somewhere
in its scripts is a destination, not a redirect.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from typing import Literal

import ada_url
from selectolax.lexbor import LexborHTMLParser as HTMLParser

SMALL_PAGE_CHARS = 32 * 1024
MAX_INTERSTITIAL_TEXT = 2000
MAX_REFRESH_DELAY = 30.0

_REFRESH = re.compile(r"""<meta\b[^>]*http-equiv\s*=\s*["']?refresh["']?[^>]*>""", re.IGNORECASE)
_CONTENT = re.compile(r"""\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_REFRESH_VALUE = re.compile(r"""^\s*(\d+(?:\.\d*)?)?\s*[;,]?\s*(?:url\s*=\s*)?["']?([^"']*)["']?\s*$""",
                            re.IGNORECASE)
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
    if (url := _meta_refresh(text, base)) is not None:
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


def _meta_refresh(text: str, base: str) -> str | None:
    for tag in _REFRESH.finditer(text[: SMALL_PAGE_CHARS * 4]):
        content = _CONTENT.search(tag.group(0))
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
    tree = HTMLParser(text)
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
