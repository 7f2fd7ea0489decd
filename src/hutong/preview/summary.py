"""A description from the page's own text when it declares none (Synapse's behaviour, re-derived).

Text nodes are taken in document order, skipping chrome and non-text elements, until enough
text is gathered; the walk is the parser's own iterator, never Python recursion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from selectolax.lexbor import LexborHTMLParser

SKIP_TAGS = (
    "header",
    "nav",
    "aside",
    "footer",
    "script",
    "noscript",
    "style",
    "template",
    "svg",
    "math",
    "iframe",
    "video",
    "audio",
    "canvas",
    "img",
    "picture",
    "object",
    "embed",
    "button",
    "select",
    "textarea",
    "head",
    "title",
)
MAX_NODES = 5000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WS_RUN = re.compile(r"[\t \r\n]+")
_WORD = re.compile(r"\s*+\S+")  # possessive: a run of spaces is never re-split on a failed match


def text_nodes(tree: LexborHTMLParser) -> Iterator[str]:
    """Non-empty, stripped text nodes of the body (mutates ``tree``: skipped elements are removed)."""
    root = tree.body or tree.root
    if root is None:
        return
    tree.strip_tags(list(SKIP_TAGS))
    for i, node in enumerate(root.traverse(include_text=True)):
        if i >= MAX_NODES:
            return
        if node.tag == "-text":
            text = _CONTROL.sub("", node.text_content or "").strip()
            if text:
                yield text


def summarize(paragraphs: Iterable[str], *, min_size: int = 200, max_size: int = 500) -> str | None:
    """Join paragraphs until ``min_size`` characters; cut at a word boundary near ``max_size`` with '…'."""
    parts: list[str] = []
    size = 0
    for p in paragraphs:
        if size >= min_size:
            break
        p = _WS_RUN.sub(" ", p).strip()
        if p:
            parts.append(p)
            size += len(p) + 2
    text = "\n\n".join(parts)
    if len(text) <= max_size:
        return text or None
    cut = ""
    for m in _WORD.finditer(text):
        word = m.group()
        if len(cut) + len(word) < max_size:
            cut += word
            continue
        if len(cut) < min_size:
            cut += word
        break
    return cut[:max_size].strip() + "…"
