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
MAX_TEXT_NODES = 512  # nodes of a property's subtree read for its text value

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
        raw = attrs.get("datetime") or _text(node)
    else:
        raw = attrs.get("content") or _text(node)
    return " ".join((raw or "").split())[:MAX_VALUE_CHARS]


def _text(node: LexborNode) -> str:
    """The element's text, as ``text(deep=True)`` gives it, read only as far as a value needs:
    until MAX_VALUE_CHARS characters of it survive whitespace folding, or MAX_TEXT_NODES nodes.

    ``text(deep=True)`` reads the whole subtree, and nested properties share their subtrees: 2000
    ``<span itemprop>`` nested in each other cost 2000 reads of a page (6 s for 1 MB)."""
    parts: list[str] = []
    size, check_at = 0, MAX_VALUE_CHARS
    for i, child in enumerate(node.traverse(include_text=True)):
        if i >= MAX_TEXT_NODES:
            break
        if child.tag == "-text" and (text := child.text_content):
            parts.append(text)
            size += len(text)
            # folding a prefix of the text gives a prefix of the folded text: once it is long
            # enough, the rest cannot change the value
            if size >= check_at:
                if len(" ".join("".join(parts).split())) >= MAX_VALUE_CHARS:
                    break
                check_at = 2 * size
    return "".join(parts)


# an element's nearest item ancestor and how many steps up it is (None: none up to the root)
_Owners = dict[int, tuple[int | None, int]]


def _owner(node: LexborNode, scope_ids: set[int], owners: _Owners) -> int | None:
    """``mem_id`` of the nearest ancestor that opens an item, at most MAX_ANCESTORS steps up, or None.

    Each walk stops at an element an earlier walk went through (``owners``), so 2000 properties
    nested 2000 deep cost one walk of 2000 steps, not 2000 of them."""
    path: list[int] = []
    parent = node.parent
    found: tuple[int | None, int] = (None, 0)
    while parent is not None and len(path) < MAX_ANCESTORS:
        pid = int(parent.mem_id)
        if pid in scope_ids:
            found = (pid, 0)
            break
        if pid in owners:
            found = owners[pid]
            break
        path.append(pid)
        parent = parent.parent
    else:
        if parent is not None:  # cut at MAX_ANCESTORS: nothing is known about the elements passed
            return None
    owner, distance = found
    for i, pid in enumerate(reversed(path), start=1):
        owners[pid] = (owner, distance + i)
    if owner is None or distance + len(path) >= MAX_ANCESTORS:
        return None
    return owner


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
    owners: _Owners = {}
    for prop in tree.css("[itemprop]")[:MAX_PROPS]:
        owner = _owner(prop, scope_ids, owners)
        if owner is None:
            continue
        names = (prop.attributes.get("itemprop") or "").split()
        pid = int(prop.mem_id)
        item = nodes[owner]
        if pid in nodes:
            nested.add(pid)
            value: Any = nodes[pid]
        elif any(name not in item for name in names):  # first value wins, as for meta tags
            value = _value(prop)
        else:
            continue
        for name in names:
            item.setdefault(name, value)
    return [item for mid, item in nodes.items() if mid not in nested]
