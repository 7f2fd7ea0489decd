"""Helpers for scanning raw HTML with regexes and ``str.find`` instead of parsing it. Pure.

Fetched HTML is hostile input: every scan here is linear in the page (a moving start, no
pattern that can retry a span it already failed on).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_DEPTH = 1024
_FAST_PATH_OPENS = 3000
MAX_BODY_BLOCKS = 20  # JSON-LD blocks taken from a body
MAX_BODY_METAS = 500  # Open Graph <meta> tags taken from a body
MAX_TAG_CHARS = 8192  # a longer body meta tag is not read (its value would be cut at 1000 anyway)


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
# and grouped by first letter (<d(?:iv|l|...)), which the regex engine does not do for itself:
# 40% less time again on a 300 kB page
def _grouped(names: list[str]) -> str:
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name[0], []).append(name[1:])
    return "|".join(
        f"[{first}{first.upper()}](?:{'|'.join(any_case(rest) for rest in sorted(tails, key=len, reverse=True))})"
        for first, tails in groups.items()
    )


_BLOCK_ANY_CASE = _grouped(_BLOCK.split("|"))
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


# the start of a <script> or <meta> tag in any case: the literal "<" keeps the pattern a fast
# prefix search, so finding every such tag costs about one str.find over the page
_SCRIPT_OR_META = re.compile(r"<(?:([sS][cC][rR][iI][pP][tT])|[mM][eE][tT][aA])[\s/>]")
_SCRIPT_CLOSE = re.compile(r"</[sS][cC][rR][iI][pP][tT]\s*+>")
_LD_TYPE = re.compile(r"""\btype\s*+=\s*+["']?+application/ld\+json""", re.I)
_HEAD_CLOSE = re.compile(r"</[hH][eE][aA][dD]\s*+>")


@dataclass(frozen=True, slots=True)
class BodyTags:
    """What a card reads from a body without parsing it, gathered in one pass."""

    jsonld: tuple[str, ...] = ()  # contents of <script type="application/ld+json"> blocks
    metas: tuple[str, ...] = ()  # <meta ...> tags that mention "og:", as written


def head_end(html: str) -> int | None:
    """Offset just after the first ``</head>`` in any case, or None."""
    m = _HEAD_CLOSE.search(html)
    return m.end() if m is not None else None


def body_tags(html: str, start: int) -> BodyTags:
    """JSON-LD blocks and Open Graph ``<meta>`` tags of ``html`` from ``start``, in one pass.

    The pass visits every ``<script`` and ``<meta`` start tag in order and jumps over each
    script's text to its ``</script>``, as a parser does: a ``<meta`` written inside a script is
    not a tag. Linear: each step moves past the tag or script it read; a tag without ``>`` or a
    script without ``</script>`` ends the pass (nothing after it can be a tag); a meta tag longer
    than MAX_TAG_CHARS is not read."""
    blocks: list[str] = []
    metas: list[str] = []
    pos = start
    while (m := _SCRIPT_OR_META.search(html, pos)) is not None:
        gt = html.find(">", m.end() - 1)
        if gt < 0:
            break
        if m.group(1) is not None:
            close = _SCRIPT_CLOSE.search(html, gt + 1)
            if close is None:
                break
            if len(blocks) < MAX_BODY_BLOCKS and _LD_TYPE.search(html, m.end() - 1, gt) is not None:
                blocks.append(html[gt + 1 : close.start()])
            pos = close.end()
        else:
            lt = m.start()
            if len(metas) < MAX_BODY_METAS and gt - lt < MAX_TAG_CHARS and html.find("og:", lt, gt) >= 0:
                metas.append(html[lt : gt + 1])
            pos = gt + 1
    return BodyTags(tuple(blocks), tuple(metas))


_ITEMSCOPE_SPELLINGS = ("itemscope", "itemScope", "ITEMSCOPE")  # React writes itemScope


def first_item(html: str, start: int) -> int:
    """Offset of the first ``itemscope`` attribute from ``start`` in its usual spellings, or -1.

    Plain ``str.find`` (a case-blind pattern is ~20x slower); each later spelling is looked for
    only before the best hit so far."""
    best = -1
    for word in _ITEMSCOPE_SPELLINGS:
        pos = html.find(word, start, best + len(word) - 1 if best >= 0 else len(html))
        if pos >= 0:
            best = pos
    return best
