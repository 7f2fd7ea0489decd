"""The texts of a Matrix message event that can carry links, each named by where it came from.

A client shows more than ``body``: the HTML ``formatted_body`` (its text, which clients linkify, and
every ``href``, which may differ from the text it wraps), and for an edit the ``m.new_content`` that
replaces what was sent (the outer ``body`` is only a ``* ...`` fallback). ``m.notice``, ``m.emote`` and
media captions (``body`` beside a ``filename``) are read the same way. Pure and stdlib-only: the
Synapse module ships a verbatim copy (``integrations/synapse/hutong_synapse/content.py``), kept equal
by a test.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

HTML_FORMAT = "org.matrix.custom.html"
MAX_PARTS = 100  # texts sent for one event; a flood of hrefs is cut here (hutong's batch limit is 100)
MAX_CHARS = 20_000  # per text, hutong's default server.max_message_chars


@dataclass(frozen=True, slots=True)
class Part:
    """One text to check: ``source`` is ``body``, ``html`` (the visible text), ``href`` or ``m.new_content.*``."""

    source: str
    text: str


def message_parts(content: Mapping[str, Any]) -> tuple[Part, ...]:
    """Every distinct text of a message's content that may hold a link, in a stable order.

    >>> [(p.source, p.text) for p in message_parts({"msgtype": "m.text", "body": "hi",
    ...     "format": "org.matrix.custom.html", "formatted_body": '<a href="https://a.example/?x=1&amp;y=2">hi</a>'})]
    [('body', 'hi'), ('href', 'https://a.example/?x=1&y=2')]
    """
    parts: list[Part] = []
    seen: set[str] = set()
    for source, text in _texts(content, ""):
        text = text[:MAX_CHARS]
        if text.strip() and text not in seen and len(parts) < MAX_PARTS:
            seen.add(text)
            parts.append(Part(source, text))
    new = content.get("m.new_content")
    if isinstance(new, Mapping):
        for source, text in _texts(new, "m.new_content."):
            text = text[:MAX_CHARS]
            if text.strip() and text not in seen and len(parts) < MAX_PARTS:
                seen.add(text)
                parts.append(Part(source, text))
    return tuple(parts)


def _texts(content: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, str]]:
    body = content.get("body")
    if isinstance(body, str):
        yield prefix + "body", body
    html = content.get("formatted_body")
    if content.get("format") == HTML_FORMAT and isinstance(html, str):
        reader = _HtmlReader()
        reader.feed(html)
        reader.close()
        yield prefix + "html", "".join(reader.text)
        for href in reader.hrefs:
            yield prefix + "href", href


class _HtmlReader(HTMLParser):
    """The visible text and the link targets of Matrix's HTML subset; entities decoded (``&amp;`` is ``&``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(v.strip() for k, v in attrs if k == "href" and v and v.strip())
        elif tag in ("br", "p", "div", "li", "tr", "blockquote", "pre"):
            self.text.append("\n")  # block breaks keep a link from gluing to the next word

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "div", "li", "td", "blockquote", "pre"):
            self.text.append("\n")

    def handle_data(self, data: str) -> None:
        self.text.append(data)
