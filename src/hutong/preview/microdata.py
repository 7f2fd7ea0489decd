"""HTML microdata (``itemscope``/``itemprop``) as JSON-LD-shaped nodes, so one reader serves both.

Ownership of a property is found by walking up to the nearest ``itemscope`` with an explicit,
bounded loop, never recursion (CVE-2022-31052: deeply nested pages must not crash).
"""

from __future__ import annotations

from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

MAX_ITEMS = 200
MAX_PROPS = 2000
MAX_ANCESTORS = 4096
MAX_VALUE_CHARS = 1000

_URL_ATTR = {
    "a": "href",
    "area": "href",
    "link": "href",
    "img": "src",
    "audio": "src",
    "video": "src",
    "source": "src",
    "iframe": "src",
    "embed": "src",
    "track": "src",
    "object": "data",
}


def _value(node: LexborNode) -> str:
    attrs = node.attributes
    tag = node.tag or ""
    if tag == "meta":
        raw = attrs.get("content")
    elif tag in _URL_ATTR:
        raw = attrs.get(_URL_ATTR[tag])
    elif tag in ("data", "meter"):
        raw = attrs.get("value")
    elif tag == "time":
        raw = attrs.get("datetime") or node.text(deep=True)
    else:
        raw = attrs.get("content") or node.text(deep=True)
    return " ".join((raw or "").split())[:MAX_VALUE_CHARS]


def _owner(node: LexborNode, scope_ids: set[int]) -> int | None:
    """``mem_id`` of the nearest ancestor that opens an item, or None."""
    parent = node.parent
    steps = 0
    while parent is not None and steps < MAX_ANCESTORS:
        if parent.mem_id in scope_ids:
            return int(parent.mem_id)
        parent = parent.parent
        steps += 1
    return None


def items(tree: LexborHTMLParser) -> list[dict[str, Any]]:
    """Top-level microdata items as dicts with ``@type`` and property lists collapsed to first values."""
    scopes = tree.css("[itemscope]")[:MAX_ITEMS]
    if not scopes:
        return []
    scope_ids = {int(s.mem_id) for s in scopes}
    nodes: dict[int, dict[str, Any]] = {}
    for s in scopes:
        item: dict[str, Any] = {}
        itemtype = (s.attributes.get("itemtype") or "").split()
        if itemtype:
            item["@type"] = itemtype if len(itemtype) > 1 else itemtype[0]
        nodes[int(s.mem_id)] = item
    nested: set[int] = set()
    for prop in tree.css("[itemprop]")[:MAX_PROPS]:
        owner = _owner(prop, scope_ids)
        if owner is None:
            continue
        names = (prop.attributes.get("itemprop") or "").split()
        pid = int(prop.mem_id)
        value: Any = nodes[pid] if pid in nodes else _value(prop)
        if pid in nodes:
            nested.add(pid)
        for name in names:
            nodes[owner].setdefault(name, value)  # first value wins, as for meta tags
    return [item for mid, item in nodes.items() if mid not in nested]
