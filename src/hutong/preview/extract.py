"""HTML → ``PageMeta``: everything a card may need, parsed once, head first. Pure.

Speed comes from parsing only what a card needs: the head (meta tags, title, links, JSON-LD);
JSON-LD blocks in the body are cut out by a scan instead of a full parse, and so are the body
images looked at when the page declares none. The whole document is parsed only when the head
leaves a field empty or the body carries microdata.

Depth: Lexbor's tree building is quadratic in the nesting of block elements (200,000 nested
``<div>`` take minutes), and CVE-2022-31052 crashed Synapse on deep pages; so a document whose
block nesting exceeds ``MAX_DEPTH`` is cut there before parsing (its head and JSON-LD survive).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from selectolax.lexbor import LexborHTMLParser

from . import jsonld, microdata, summary, values
from .body_image import representative_image
from .kinds import DECISIVE_TYPES, TYPE_KINDS
from .oembed import Format, OEmbedLink
from .scan import depth_bounded
from .urls import absolute

MAX_KEY_CHARS = 50  # Synapse prunes longer keys ("to prevent DoS", #6331)
MAX_VALUE_CHARS = 1000  # and longer values (GHSA-77cw-xhj8-hfp3: a huge favicon URL filled Redis)
MAX_META_TAGS = 500
MAX_KEYS = 200
MAX_LINKS = 200
MAX_JSONLD_BLOCKS = 20
PREFIX_BODY_CHARS = 64 * 1024  # body parsed for the h1 and first-paragraph fallbacks

_TAG_NAME = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)")
_TABLE_PARTS = frozenset(("tr", "td", "th", "tbody", "thead", "tfoot", "caption", "col", "colgroup", "option"))
_HEAD_END = re.compile(r"</head\s*+>", re.I)
_META_OPEN = re.compile(r"<meta\b", re.I)
MAX_TAG_CHARS = 8192  # a longer body meta tag is not read (its value would be cut at 1000 anyway)
# meta keys that count when a page puts them in the body (Open Graph tags often are). One scan
# for "og:" costs ~1 ms per MB of page; Twitter tags in the body are too rare to pay a second.
_BODY_META_PREFIXES = ("og:",)
_META_REACH = 300  # how far before "og:" a tag's "<meta" may start (name= usually comes first)
_IMAGE_PROPS = (
    "og:image:secure_url",
    "og:image:url",
    "og:image",
    "twitter:image:src",
    "twitter:image",
    "itemprop:image",
    "link:image_src",
)
_NODE_IMAGE_KEYS = ("image", "thumbnailUrl", "thumbnail")
# <script\b[^>]*\btype\s*=\s*["']?application/ld\+json[^>]*>(.*?)</script\s*>, read in pieces by
# _ldjson_scan: as one pattern it retried every "<script" to the end of a page without ">"
_SCRIPT_OPEN = re.compile(r"<script\b", re.I)
_LD_TYPE = re.compile(r"""\btype\s*+=\s*+["']?+application/ld\+json""", re.I)
_SCRIPT_CLOSE = re.compile(r"</script\s*+>", re.I)
_OEMBED_TYPES: Mapping[str, Format] = {
    "application/json+oembed": "json",
    "text/json+oembed": "json",
    "text/xml+oembed": "xml",
    "application/xml+oembed": "xml",
}


@dataclass(frozen=True)
class PageMeta:
    """Raw metadata of one page: meta tags by key (first wins), links, structured-data nodes, fallbacks."""

    base: str  # the final URL; relative URLs were resolved against it
    props: Mapping[str, str] = field(default_factory=dict)  # "og:title", "twitter:image", "description" ...
    title: str | None = None  # <title>
    h1: str | None = None
    canonical: str | None = None
    icons: tuple[str, ...] = ()
    oembed: tuple[OEmbedLink, ...] = ()
    nodes: tuple[dict[str, Any], ...] = ()  # JSON-LD and microdata objects that carry a @type
    lang: str | None = None
    text: str | None = None  # a summary of the body text, when the page declares no description
    body_image: str | None = None  # a representative body <img>, when the page declares no image
    cut: bool = False  # the document was cut for nesting deeper than MAX_DEPTH

    def get(self, *keys: str) -> str | None:
        """The first non-empty value among ``keys``."""
        for key in keys:
            value = self.props.get(key)
            if value:
                return value
        return None


def _clean(value: str | None, limit: int = MAX_VALUE_CHARS) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value[:limit] if value else None


@dataclass
class _Collected:
    props: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    h1: str | None = None
    canonical: str | None = None
    icons: list[str] = field(default_factory=list)
    oembed: list[OEmbedLink] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    lang: str | None = None
    text: str | None = None
    body_image: str | None = None


def _meta_tags(tree: LexborHTMLParser, out: _Collected, prefixes: tuple[str, ...] = ()) -> None:
    """Meta tags into ``out.props`` (first wins); with ``prefixes``, only keys that start so."""
    for node in tree.css("meta")[:MAX_META_TAGS]:
        attrs = node.attributes
        content = _clean(attrs.get("content"))
        if content is None:
            continue
        for attr, prefix in (
            ("property", ""),
            ("name", ""),
            ("itemprop", "itemprop:"),
            ("http-equiv", "http:"),
        ):
            key = attrs.get(attr)
            if key:
                key = prefix + key.strip().lower()[:MAX_KEY_CHARS]
                if prefixes and not key.startswith(prefixes):
                    continue
                if key not in out.props and len(out.props) < MAX_KEYS:
                    out.props[key] = content


def _links(tree: LexborHTMLParser, base: str, out: _Collected) -> None:
    for node in tree.css("link")[:MAX_LINKS]:
        attrs = node.attributes
        rels = (attrs.get("rel") or "").lower().split()
        if "canonical" in rels:
            if out.canonical is None:
                out.canonical = absolute(attrs.get("href"), base)
        elif "image_src" in rels:  # the pre-Open-Graph way to name a page's picture
            if "link:image_src" not in out.props and (href := absolute(attrs.get("href"), base)) is not None:
                out.props["link:image_src"] = href
        elif "icon" in rels or "apple-touch-icon" in rels:
            if len(out.icons) < 8 and (href := absolute(attrs.get("href"), base)) is not None:
                out.icons.append(href)
        elif "alternate" in rels or "alternative" in rels:
            # most alternates are hreflang/RSS links: check the type before resolving anything
            fmt = _OEMBED_TYPES.get((attrs.get("type") or "").strip().lower())
            if fmt is not None and (href := absolute(attrs.get("href"), base)) is not None:
                out.oembed.append(OEmbedLink(href, fmt))


def _jsonld_blocks(blocks: list[str], out: _Collected) -> None:
    for block in blocks[:MAX_JSONLD_BLOCKS]:
        data = jsonld.loads_lenient(block)
        if data is not None:
            out.nodes.extend(jsonld.iter_nodes(data))


def _head(tree: LexborHTMLParser, base: str, out: _Collected) -> None:
    _meta_tags(tree, out)
    _links(tree, base, out)
    title = tree.css_first("head > title") or tree.css_first("title")
    if title is not None:
        out.title = _clean(title.text(deep=True))
    if tree.root is not None:
        out.lang = _clean(tree.root.attributes.get("lang") or tree.root.attributes.get("xml:lang"), 35)
    _jsonld_blocks(
        [s.text(deep=True) for s in tree.css("script") if "ld+json" in (s.attributes.get("type") or "").lower()],
        out,
    )


Need = Literal["none", "prefix", "items", "all"]


def _body_needed(out: _Collected, html: str, start: int) -> Need:
    """How much of the body to parse: none if the head is enough; the part from the first
    ``itemscope`` on ("items") if the body has microdata and nothing seen so far says what kind of
    page this is; all of it if, besides, the title or description is missing; else a prefix, for
    the title/description fallbacks (an ``<h1>`` and the first paragraphs come early)."""
    kind_known = out.props.get("og:type", "website").lower() not in ("website", "object", "") or any(
        jsonld.types_of(n)[0] in DECISIVE_TYPES for n in out.nodes if jsonld.types_of(n)
    )
    has_title = bool(out.title or out.props.get("og:title") or out.props.get("twitter:title"))
    complete = has_title and _has_description(out.props)
    if not kind_known and _contains(html, "itemscope", start):
        return "items" if complete else "all"
    return "none" if complete else "prefix"


def _items_part(html: str, start: int) -> str:
    """The document from the tag that opens the first item: microdata ownership only needs an
    item's own subtree. Table parts cannot stand alone, so a table-row item gets the whole page."""
    pos = min((p for p in (html.find(w, start) for w in ("itemscope", "ITEMSCOPE", "itemScope")) if p >= 0), default=-1)
    tag = html.rfind("<", start, pos) if pos >= 0 else -1
    if tag < 0:
        return html
    m = _TAG_NAME.match(html, tag)
    if m is None or m.group(1).lower() in _TABLE_PARTS:
        return html
    return html[tag:]


def _has_description(props: Mapping[str, str]) -> bool:
    return any(props.get(k) for k in ("og:description", "twitter:description", "description"))


def _contains(text: str, word: str, start: int = 0) -> bool:
    """``word`` in ``text`` in its usual spellings: plain ``in`` is ~50x faster than an IGNORECASE
    regex or ``upper()`` on a 300 kB page, and mixed-case markup of these tokens is vanishingly rare."""
    spellings = (word, word.upper(), "itemScope") if word == "itemscope" else (word, word.upper())
    return any(text.find(w, start) >= 0 for w in spellings)


def _ldjson_in(body: str, start: int = 0) -> list[str]:
    """Contents of ``<script type="application/ld+json">`` blocks, found with ``str.find``; the
    regex is the fallback for unusual spellings."""
    blocks: list[str] = []
    pos = body.find("ld+json", start)
    while pos >= 0 and len(blocks) < MAX_JSONLD_BLOCKS:
        start = body.rfind("<script", max(0, pos - 200), pos)
        gt = body.find(">", pos)
        end = body.find("</script", gt) if gt >= 0 else -1
        if start < 0 or end < 0:
            return _ldjson_scan(body, max(start, 0))
        blocks.append(body[gt + 1 : end])
        pos = body.find("ld+json", end)
    return blocks if blocks else _ldjson_scan(body, start)


def _ldjson_scan(body: str, start: int) -> list[str]:
    """Contents of JSON-LD script blocks in any spelling, in one pass from ``start``: a ``<script``
    inside a tag that is not JSON-LD cannot be either (its text is a tail of that tag's), so the
    scan goes on after the ``>``; with no ``>`` or no ``</script>`` left, no later block can close."""
    blocks: list[str] = []
    pos = start
    while len(blocks) < MAX_JSONLD_BLOCKS and (m := _SCRIPT_OPEN.search(body, pos)) is not None:
        gt = body.find(">", m.end())
        if gt < 0:
            break
        if _LD_TYPE.search(body, m.end(), gt) is None:
            pos = gt + 1
            continue
        close = _SCRIPT_CLOSE.search(body, gt + 1)
        if close is None:
            break
        blocks.append(body[gt + 1 : close.start()])
        pos = close.end()
    return blocks


def _body_meta(html: str, start: int, out: _Collected) -> None:
    """Open Graph meta tags placed after the head (the head's own keep precedence): found with
    ``str.find``, so a page without them pays one scan and no parse.

    Linear: the ``>`` that ends the tags around a hit is found once for every hit before it (a
    page of ``<meta og:og:...`` with one ``>`` at its end once cost a scan to it per hit), a
    ``<meta`` inside a tag already taken is an attribute of that tag, not a tag, and a tag longer
    than MAX_TAG_CHARS is not read."""
    tags: dict[int, str] = {}  # by offset: a tag that says "og:" twice is taken once
    for word in _BODY_META_PREFIXES:
        gt = -1  # the first ">" at or after ``pos``, once found
        taken_to = -1  # where the last tag taken ends
        pos = html.find(word, start)
        while pos >= 0 and len(tags) < MAX_META_TAGS:
            # inside a tag that opened as "<meta" and has not closed yet
            lt = html.rfind("<", max(start, pos - _META_REACH), pos)
            if lt > taken_to and _META_OPEN.match(html, lt) is not None and html.find(">", lt, pos) < 0:
                if gt < pos:
                    gt = html.find(">", pos)
                    if gt < 0:  # no tag closes after this point
                        break
                if gt - lt < MAX_TAG_CHARS:
                    tags[lt] = html[lt : gt + 1]
                    taken_to = gt
            pos = html.find(word, pos + len(word))
    if tags:
        tags = dict(sorted(tags.items()))
        _meta_tags(LexborHTMLParser("".join(tags.values())), out, _BODY_META_PREFIXES)


def _declares_image(out: _Collected, base: str) -> bool:
    """Whether the page names its picture: meta tags, ``image_src``, or a usable image URL on a
    structured-data node of a kind the card may use (an ``Organization`` logo is not the page's)."""
    return any(out.props.get(k) for k in _IMAGE_PROPS) or any(
        values.url(n.get(k), base) is not None
        for n in out.nodes
        if any(t in TYPE_KINDS for t in jsonld.types_of(n))
        for k in _NODE_IMAGE_KEYS
    )


def _head_end(html: str) -> int | None:
    """Offset just after ``</head>``, found with plain ``str.find`` when the tag is in one case."""
    for probe in ("</head", "</HEAD"):
        i = html.find(probe)
        if i >= 0:
            j = html.find(">", i)
            return j + 1 if j >= 0 else None
    m = _HEAD_END.search(html)
    return m.end() if m is not None else None


def extract(html: str, base: str, *, summarize: bool = True) -> PageMeta:
    """Collect the metadata of ``html`` served from ``base`` (the final URL)."""
    out = _Collected()
    end = _head_end(html)
    cut = False
    if end is None:
        need: Need = "all"
    else:
        _head(LexborHTMLParser(html[:end]), base, out)
        # the body is searched in place (no copy of a 300 kB string)
        if _contains(html, "ld+json", end):
            _jsonld_blocks(_ldjson_in(html, end), out)
        _body_meta(html, end, out)
        need = _body_needed(out, html, end)
    if need == "items" and end is not None:
        bounded, cut = depth_bounded(_items_part(html, end))
        out.nodes.extend(microdata.items(LexborHTMLParser(bounded)))
    elif need != "none":
        bounded, cut = depth_bounded(html if need == "all" or end is None else html[: end + PREFIX_BODY_CHARS])
        tree = LexborHTMLParser(bounded)
        if end is None:
            _head(tree, base, out)
        if need == "all":
            out.nodes.extend(microdata.items(tree))
        h1 = tree.css_first("h1")
        out.h1 = _clean(h1.text(deep=True)) if h1 is not None else None
        if summarize and not _has_description(out.props):
            out.text = summary.summarize(summary.text_nodes(tree))
    # a page that names no image gets a body <img>, found by a scan of the raw HTML (no parse)
    if not _declares_image(out, base):
        out.body_image = representative_image(html, base)
    return PageMeta(
        base=base,
        props=out.props,
        title=out.title,
        h1=out.h1,
        canonical=out.canonical,
        icons=tuple(out.icons),
        oembed=tuple(out.oembed),
        nodes=tuple(out.nodes),
        lang=out.lang,
        text=out.text,
        body_image=out.body_image,
        cut=cut,
    )
