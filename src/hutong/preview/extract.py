"""HTML → ``PageMeta``: everything a card may need, parsed once, head first. Pure.

Speed comes from parsing only what a card needs: the head (meta tags, title, links, JSON-LD);
the body's JSON-LD blocks and Open Graph tags are cut out by one pass over it instead of a
parse (``scan.body_tags``), and so are the body images looked at when the page declares none.
The body is parsed only from its first microdata item on, when nothing else says what kind of
page it is, and as a 64 kB prefix when the head leaves the title or description empty.

Depth: Lexbor's tree building is quadratic in the nesting of block elements (200,000 nested
``<div>`` take minutes), and CVE-2022-31052 crashed Synapse on deep pages; so a document whose
block nesting exceeds ``MAX_DEPTH`` is cut there before parsing (its head and JSON-LD survive).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from . import jsonld, microdata, summary, values
from .body_image import representative_image
from .kinds import DECISIVE_TYPES, TYPE_KINDS
from .oembed import Format, OEmbedLink
from .scan import body_tags, depth_bounded, first_item, head_end
from .urls import absolute

MAX_KEY_CHARS = 50  # Synapse prunes longer keys ("to prevent DoS", #6331)
MAX_VALUE_CHARS = 1000  # and longer values (GHSA-77cw-xhj8-hfp3: a huge favicon URL filled Redis)
MAX_META_TAGS = 500
MAX_KEYS = 200
MAX_LINKS = 200
MAX_JSONLD_BLOCKS = 20
PREFIX_BODY_CHARS = 64 * 1024  # body parsed for the h1 and first-paragraph fallbacks
# body parsed for microdata, from the tag that opens the first item: a page's items sit together
# (on the 91 metascraper pages a 64 kB window gives the same cards); a 900 kB page cost 18 ms whole
ITEMS_CHARS = 256 * 1024

_TAG_NAME = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)")
_TABLE_PARTS = frozenset(("tr", "td", "th", "tbody", "thead", "tfoot", "caption", "col", "colgroup", "option"))
# meta keys that count when a page puts them in the body (Open Graph tags often are; Twitter tags
# there are too rare to look for)
_BODY_META_PREFIXES = ("og:",)
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
    for node in tree.css("link[rel]")[:MAX_LINKS]:
        attrs = node.attrs  # read lazily: most links (stylesheets, preloads) need only their rel
        rels = (attrs.get("rel") or "").lower().split()
        if "canonical" in rels:
            if out.canonical is None:
                out.canonical = absolute(attrs.get("href"), base)
        elif "image_src" in rels:  # the pre-Open-Graph way to name a page's picture
            if "link:image_src" not in out.props and (href := absolute(attrs.get("href"), base)) is not None:
                out.props["link:image_src"] = href
        elif "icon" in rels or "apple-touch-icon" in rels:
            if not out.icons and (href := absolute(attrs.get("href"), base)) is not None:
                out.icons.append(href)  # the card's favicon is the first usable one
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
    _jsonld_blocks([s.text(deep=True) for s in tree.css('script[type*="ld+json" i]')], out)


def _body_needed(out: _Collected, html: str, start: int) -> tuple[int, bool]:
    """What to parse of the body: (where its first item starts, -1 for none; whether the title or
    description fallbacks are needed). Microdata is parsed only if nothing seen so far says what
    kind of page this is; the fallbacks (an ``<h1>``, the first paragraphs) come from a prefix.
    The microdata probe is the one scan beyond the body pass, run only while the kind is unknown
    (18 of the 91 pages)."""
    kind_known = out.props.get("og:type", "website").lower() not in ("website", "object", "") or any(
        (types := jsonld.types_of(n)) and types[0] in DECISIVE_TYPES for n in out.nodes
    )
    has_title = bool(out.title or out.props.get("og:title") or out.props.get("twitter:title"))
    complete = has_title and _has_description(out.props)
    return (-1 if kind_known else first_item(html, start)), not complete


def _items_part(html: str, start: int, item: int) -> str:
    """ITEMS_CHARS of the document from the tag that opens the first item (at ``item``): microdata
    ownership only needs an item's own subtree. Table parts cannot stand alone, so a table-row item
    gets the whole page."""
    tag = html.rfind("<", start, item)
    if tag < 0:
        return html
    m = _TAG_NAME.match(html, tag)
    if m is None or m.group(1).lower() in _TABLE_PARTS:
        return html
    return html[tag : tag + ITEMS_CHARS]


def _has_description(props: Mapping[str, str]) -> bool:
    return any(props.get(k) for k in ("og:description", "twitter:description", "description"))


def _body(html: str, start: int, out: _Collected) -> None:
    """The body's JSON-LD blocks and Open Graph tags (the head's keep precedence), from one pass."""
    found = body_tags(html, start)
    if found.jsonld:
        _jsonld_blocks(list(found.jsonld), out)
    if found.metas:
        _meta_tags(LexborHTMLParser("".join(found.metas)), out, _BODY_META_PREFIXES)


def _declares_image(out: _Collected, base: str) -> bool:
    """Whether the page names its picture: meta tags, ``image_src``, or a usable image URL on a
    structured-data node of a kind the card may use (an ``Organization`` logo is not the page's)."""
    return any(out.props.get(k) for k in _IMAGE_PROPS) or any(
        values.url(n.get(k), base) is not None
        for n in out.nodes
        if any(t in TYPE_KINDS for t in jsonld.types_of(n))
        for k in _NODE_IMAGE_KEYS
    )


def _fallbacks(tree: LexborHTMLParser, out: _Collected, summarize: bool) -> None:
    """The first ``<h1>``, and a summary of the text when the page declares no description."""
    h1 = tree.css_first("h1")
    out.h1 = _clean(h1.text(deep=True)) if h1 is not None else None
    if summarize and not _has_description(out.props):
        out.text = summary.summarize(summary.text_nodes(tree))


def extract(html: str, base: str, *, summarize: bool = True) -> PageMeta:
    """Collect the metadata of ``html`` served from ``base`` (the final URL)."""
    out = _Collected()
    end = head_end(html)
    cut = False
    if end is None:  # no head: the whole document is parsed, for everything
        bounded, cut = depth_bounded(html)
        tree = LexborHTMLParser(bounded)
        _head(tree, base, out)
        out.nodes.extend(microdata.items(tree))
        _fallbacks(tree, out, summarize)
    else:
        _head(LexborHTMLParser(html[:end]), base, out)
        _body(html, end, out)  # searched in place (no copy of a 300 kB string)
        item, fallbacks = _body_needed(out, html, end)
        if item >= 0:
            bounded, cut = depth_bounded(_items_part(html, end, item))
            out.nodes.extend(microdata.items(LexborHTMLParser(bounded)))
        if fallbacks:
            # a prefix, even when the whole body was parsed for its items: the fallbacks are
            # found early, and clearing a whole tree of its chrome cost 20 ms on a 900 kB page
            bounded, prefix_cut = depth_bounded(html[: end + PREFIX_BODY_CHARS])
            cut = cut or prefix_cut
            _fallbacks(LexborHTMLParser(bounded), out, summarize)
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
