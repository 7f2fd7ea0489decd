"""A representative ``<img>`` from the body, when the page declares no image. Pure.

metascraper's last resort and Synapse's rule: the largest ``<img>`` whose ``width`` and
``height`` attributes both exceed 10, else the first ``<img>``; a ``<video poster>`` counts as
an image (metascraper reads it too). Unlike both, images that cannot
stand for the page are skipped: tracking pixels (a side of 2 or less, ``hidden``,
``display:none``), ``data:`` URLs (a card image must be fetchable through the proxy), and images
inside the page's chrome (``header``, ``nav``, ``footer`` and their ARIA roles), which are
logos and icons far more often than the content (metascraper #218/#220).
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .urls import absolute

MAX_IMAGES = 300  # images looked at: the first screens of a page hold its picture
MIN_SIDE = 10  # Synapse: width and height > 10 to be "sized"
PIXEL_SIDE = 2  # a declared side this small is a tracking pixel or a spacer
_IMAGES = "img, video[poster]"
_CHROME = ", ".join(
    f"{area} {tag}"
    for area in ("header", "nav", "footer", "[role=banner]", "[role=navigation]", "[role=contentinfo]")
    for tag in ("img", "video")
)
_LAZY_SOURCES = ("data-src", "data-original", "data-lazy-src")  # real URL when src is a placeholder


def _side(value: str | None) -> float | None:
    """A ``width``/``height`` attribute as a number of pixels; None if absent or relative (``50%``)."""
    if not value:
        return None
    text = value.strip().lower().removesuffix("px").strip()
    try:
        side = float(text)
    except ValueError:
        return None
    return side if side == side and side >= 0 else None  # NaN is not a size


def _hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs:
        return True
    style = (attrs.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _source(node: LexborNode, base: str) -> str | None:
    """The image's URL, absolute; ``data:`` and other unfetchable sources give None."""
    attrs = node.attributes
    src = (attrs.get("poster" if node.tag == "video" else "src") or "").strip()
    if not src or src.lower().startswith("data:"):
        src = next((v for v in (attrs.get(k) for k in _LAZY_SOURCES) if v and not v.startswith("data:")), "")
    return absolute(src, base)


def representative_image(tree: LexborHTMLParser, base: str) -> str | None:
    """The body ``<img>`` that best stands for the page: the largest sized one, else the first."""
    chrome = {n.mem_id for n in tree.css(_CHROME)}
    first: str | None = None
    best: tuple[float, str] | None = None
    for node in tree.css(_IMAGES)[:MAX_IMAGES]:
        if node.mem_id in chrome or _hidden(node):
            continue
        width, height = _side(node.attributes.get("width")), _side(node.attributes.get("height"))
        if (width is not None and width <= PIXEL_SIDE) or (height is not None and height <= PIXEL_SIDE):
            continue
        url = _source(node, base)
        if url is None:
            continue
        if first is None:
            first = url
        if width is not None and height is not None and width > MIN_SIDE and height > MIN_SIDE:
            area = width * height
            if best is None or area > best[0]:
                best = (area, url)
    return best[1] if best is not None else first
