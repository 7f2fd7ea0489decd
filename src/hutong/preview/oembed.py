"""oEmbed responses (JSON and XML, https://oembed.com §2.3.4) parsed into one frozen value.

XML with a DOCTYPE is refused before parsing, which rules out entity expansion and external
entities whatever the parser's defaults.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import BadContent

Format = Literal["json", "xml"]
MAX_CHARS = 256 * 1024
_FIELDS = ("type", "title", "author_name", "author_url", "provider_name", "thumbnail_url", "url", "html")


@dataclass(frozen=True, slots=True)
class OEmbedLink:
    """A discovery link from a page's head."""

    url: str
    format: Format


@dataclass(frozen=True, slots=True)
class OEmbed:
    """The fields of an oEmbed response a card can use."""

    type: str | None = None
    title: str | None = None
    author_name: str | None = None
    author_url: str | None = None
    provider_name: str | None = None
    thumbnail_url: str | None = None
    url: str | None = None  # the photo URL for type "photo"
    html: str | None = None  # never rendered; its <iframe src> is a video card's player (preview.video)
    width: int | None = None  # the embed's size in pixels (required for video, rich and photo)
    height: int | None = None
    cache_age: int | None = None


def _from_mapping(raw: Mapping[str, Any]) -> OEmbed:
    values: dict[str, Any] = {}
    for name in _FIELDS:
        v = raw.get(name)
        if isinstance(v, str) and v.strip():
            values[name] = v.strip()[:MAX_CHARS]
    for name in ("cache_age", "width", "height"):
        number = _count(raw.get(name), floor=name == "cache_age")
        if number is not None:
            values[name] = number
    return OEmbed(**values)


def _count(value: Any, *, floor: bool = False) -> int | None:
    """A whole number from a JSON number or text ("640", "640.0"); a negative one is None, or 0
    with ``floor``; a huge or non-finite one is None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if not -(2**31) < number < 2**31:  # also NaN
        return None
    if number < 0:
        return 0 if floor else None
    return int(number)


def parse_json(text: str) -> OEmbed:
    """Parse a JSON oEmbed response; BadContent if it is not a JSON object."""
    if len(text) > MAX_CHARS:
        raise BadContent("oEmbed response too long; the provider's oEmbed is ignored", code="preview.oembed")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[..." nested past the interpreter's limit
        raise BadContent("oEmbed response is not JSON; the page's own metadata is used", code="preview.oembed") from exc
    if not isinstance(raw, dict):
        raise BadContent("oEmbed response is not a JSON object", code="preview.oembed")
    return _from_mapping(raw)


def parse_xml(text: str) -> OEmbed:
    """Parse an XML oEmbed response (``<oembed>`` with one child per field)."""
    if len(text) > MAX_CHARS or "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise BadContent("oEmbed XML with a DOCTYPE or over the size cap is refused", code="preview.oembed")
    try:
        root = ET.fromstring(text.strip())  # noqa: S314 - no DOCTYPE, so no entities to expand
    except ET.ParseError as exc:
        raise BadContent("oEmbed response is not well-formed XML", code="preview.oembed") from exc
    if root.tag != "oembed":
        raise BadContent("oEmbed XML root is not <oembed>", code="preview.oembed")
    return _from_mapping({child.tag: (child.text or "") for child in root})


def parse(text: str, fmt: Format) -> OEmbed:
    """Parse an oEmbed response in the format its discovery link declared (sniffing if it lied)."""
    if fmt == "xml" or text.lstrip().startswith("<"):
        return parse_xml(text)
    return parse_json(text)
