"""JSON-LD blocks: lenient JSON parsing and flattening into typed nodes.

Real pages ship broken JSON-LD (control characters, trailing commas, JS comments, CDATA
wrappers, a stray closing brace); browsers' consumers shrug, so do we. Everything here is
bounded: block size, node count and nesting depth.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

MAX_BLOCK_CHARS = 512 * 1024
MAX_NODES = 200
MAX_DEPTH = 12

Node = dict[str, Any]

_BAD_ESCAPE = re.compile(r'\\(?![\\/"bfnrtu])')
_SPACES = re.compile(r"\s*+")


def _skip_spaces(text: str, pos: int) -> int:
    m = _SPACES.match(text, pos)
    return pos if m is None else m.end()


def _unwrapped(text: str) -> str:
    """``text`` (stripped) without a leading ``<![CDATA[``, ``<!--`` or ``//<![CDATA[`` and a trailing
    ``]]>``, ``-->`` or ``//]]>`` (then maybe ``;``), the way one regex substitution removed them.

    By index arithmetic rather than that regex: its unanchored ``-->\\s*;?\\s*$`` was retried
    at every ``-->`` of a block, in every split of the spaces after it (hours for 100 KB)."""
    head = 0
    for opener in ("<![CDATA[", "<!--"):
        if text.startswith(opener):
            head = len(opener)
            break
    else:
        if text.startswith("//") and text.startswith("<![CDATA[", after := _skip_spaces(text, 2)):
            head = after + len("<![CDATA[")
    end = len(text.rstrip())
    if text.endswith(";", 0, end):
        end = len(text[: end - 1].rstrip())
    tail = end
    if text.endswith("]]>", head, end):
        tail = end - 3
        before = len(text[head:tail].rstrip()) + head
        if text.endswith("//", head, before):  # the leftmost match: "//" and spaces belong to it
            tail = before - 2
    elif text.endswith("-->", head, end):
        tail = end - 3
    return text[head:tail] if tail < end else text[head:]


def _strip_comments_and_commas(text: str) -> str:
    """Drop ``//`` and ``/* */`` comments and trailing commas outside strings, in one pass."""
    out: list[str] = []
    i, n = 0, len(text)
    in_str = False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                in_str = False
            i += 1
            continue
        if c == '"':
            in_str = True
        elif c == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        elif c in "}]":
            # a trailing comma before a closer: drop it (and the whitespace after it)
            j = len(out) - 1
            while j >= 0 and out[j].isspace():
                j -= 1
            if j >= 0 and out[j] == ",":
                del out[j:]
        out.append(c)
        i += 1
    return "".join(out)


def _first_value(text: str) -> Any:
    """Decode the first JSON value in ``text``, ignoring trailing junk (a stray brace, a semicolon)."""
    text = text.strip()
    value, _end = json.JSONDecoder(strict=False).raw_decode(text)
    return value


def loads_lenient(text: str) -> Any | None:
    """Parse a JSON-LD block the way a forgiving consumer would; None if nothing usable."""
    if len(text) > MAX_BLOCK_CHARS:
        return None
    text = _unwrapped(text.strip())
    for repair in _REPAIRS:
        try:
            return _first_value(repair(text))
        except (ValueError, RecursionError):
            continue
    return None


def _escape_fix(text: str) -> str:
    return _BAD_ESCAPE.sub(r"\\\\", _strip_comments_and_commas(text))


# cheapest first: most blocks are valid JSON
_REPAIRS: tuple[Callable[[str], str], ...] = (str, _strip_comments_and_commas, _escape_fix)


def types_of(node: Mapping[str, Any]) -> tuple[str, ...]:
    """The node's ``@type`` values without the schema.org prefix (``"NewsArticle"``)."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    out = []
    for v in values:
        if isinstance(v, str) and v:
            out.append(v.rsplit("/", 1)[-1].rsplit("#", 1)[-1])
    return tuple(out)


def iter_nodes(data: Any) -> Iterator[Node]:
    """Every typed object in a JSON-LD document (``@graph``, arrays and nesting included), breadth first."""
    queue: list[tuple[Any, int]] = [(data, 0)]
    seen = 0
    head = 0
    while head < len(queue) and seen < MAX_NODES:
        value, depth = queue[head]
        head += 1
        if depth > MAX_DEPTH:
            continue
        if isinstance(value, list):
            queue.extend((v, depth + 1) for v in value[:MAX_NODES])
        elif isinstance(value, dict):
            if types_of(value):
                seen += 1
                yield value
            for key, child in value.items():
                if isinstance(child, dict | list) and key != "@context":
                    queue.append((child, depth + 1))
