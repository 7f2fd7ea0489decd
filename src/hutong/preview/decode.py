"""The text of a fetched page: the fetcher's decoded text, or the bytes decoded by the same rules."""

from __future__ import annotations

from ..net import charset
from ..net.types import FetchResult

_TEXTUAL = ("text/", "application/xhtml", "application/xml", "application/json")


def page_text(result: FetchResult) -> str | None:
    """Decoded text of an HTML/XML/JSON body (WHATWG charset rules), or None for other media."""
    if result.text is not None:
        return result.text
    ctype = result.content_type
    if ctype and not ctype.startswith(_TEXTUAL) and not ctype.endswith(("+json", "+xml")):
        return None
    header = result.header("content-type") or ctype
    text, _name = charset.decode(result.body, header)
    return text
