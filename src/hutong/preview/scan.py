"""Helpers for scanning raw HTML with regexes and ``str.find`` instead of parsing it. Pure.

Fetched HTML is hostile input: every scan here is linear in the page (a moving start, no
pattern that can retry a span it already failed on).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MAX_DEPTH = 1024
_FAST_PATH_OPENS = 3000


def any_case(word: str) -> str:
    """``word`` as a case-blind regex, ``[iI][mM][gG]``: unlike ``re.I`` it keeps a pattern's
    literal prefix (``<``) a fast search, so a scan of a 1 MB page takes a third less time."""
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in word)


def find_all(text: str, word: str) -> Iterator[int]:
    """Offsets of ``word`` in ``text``, left to right, not overlapping."""
    pos = text.find(word)
    while pos >= 0:
        yield pos
        pos = text.find(word, pos + len(word))


_BLOCK = (
    "div|ul|ol|dl|section|article|blockquote|fieldset|figure|form|header|footer|nav|aside|main|center|"
    "details|menu|table|address|hgroup|dialog|search|summary|figcaption|dir|pre|listing|h[1-6]"
)
# tag names spelt [dD][iI][vV] rather than matched with re.I: the literal "<" then stays a fast
# prefix search, and the scan of a 1 MB page takes 35% less time
_BLOCK_ANY_CASE = "|".join(any_case(name) for name in _BLOCK.split("|"))
_BLOCK_OPEN = re.compile(rf"<(?:{_BLOCK_ANY_CASE})[\s>/]")
_BLOCK_TAG = re.compile(rf"<(/?)(?:{_BLOCK_ANY_CASE})[\s>/]")


def depth_bounded(html: str) -> tuple[str, bool]:
    """``html`` cut where its block nesting passes MAX_DEPTH (and whether it was cut)."""
    # any block tag starts with "<": counting those is a cheap upper bound before the regex
    if html.count("<") <= _FAST_PATH_OPENS or len(_BLOCK_OPEN.findall(html)) <= _FAST_PATH_OPENS:
        return html, False
    depth = 0
    for m in _BLOCK_TAG.finditer(html):
        depth = depth - 1 if m.group(1) else depth + 1
        if depth > MAX_DEPTH:
            return html[: m.start()], True
        depth = max(depth, 0)
    return html, False
