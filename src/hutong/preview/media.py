"""Cards for links that point straight at a picture, a video or a sound file. Pure.

The guarded fetcher refuses to read such a body for a page (``ContentTypeRefused``, decided on
the headers), so the card is built from what the refusal says: the media type and the URL. A
picture becomes the card's image (signed and proxied later, like any card image); a video or
sound file is named, never fetched.
"""

from __future__ import annotations

import mimetypes
import re
from urllib.parse import unquote, urlsplit

from ..config import PreviewSection
from ..core.model import Card
from .kinds import CardKind

# GuardedFetcher's refusal reads "<final url, cut at 200> is <media type>, which is not read for a page"
_REFUSED = re.compile(r"^(\S*) is ([a-z0-9.+-]+/[a-z0-9.+-]+), which is not read for ")
_SHOWN_URL_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FAMILIES: dict[str, tuple[CardKind, str]] = {
    "image": ("generic", "Image"),
    "video": ("video", "Video"),
    "audio": ("generic", "Audio"),
}


def family(media_type: str | None) -> str | None:
    """``image``, ``video`` or ``audio`` for a media type of those families, else None."""
    top = (media_type or "").split("/", 1)[0].strip().lower()
    return top if top in _FAMILIES else None


def refused_target(message: str, url: str) -> tuple[str, str | None]:
    """(final URL, media type) from a content-type refusal of ``url``: the URL the refusal names
    when it was shown whole (after redirects), else ``url``; the media type it names, else the one
    the file name suggests."""
    m = _REFUSED.match(message)
    if m is None:
        return url, _guess(url)
    shown = m.group(1)
    final = shown if shown.startswith(("https://", "http://")) and len(shown) < _SHOWN_URL_CHARS else url
    return final, m.group(2).lower()


def _guess(url: str) -> str | None:
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    guessed, _encoding = mimetypes.guess_type(path, strict=False)
    return guessed


def file_name(url: str) -> str | None:
    """The last path segment of ``url``, percent-decoded (``/a/cat%20photo.jpg`` → ``cat photo.jpg``)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    name = _CONTROL.sub("", unquote(path.rsplit("/", 1)[-1], errors="replace")).strip()
    return name or None


def media_card(
    url: str,
    media_type: str,
    *,
    share_title: str | None = None,
    site_name: str | None = None,
    settings: PreviewSection | None = None,
) -> Card | None:
    """The card for a direct link to a media file; None if ``media_type`` is not image/video/audio.

    ``image`` is the origin URL here: the Previewer signs it (or drops it without a signer) before
    the card leaves, as for every card. SVG is named but not shown: the proxy never renders it.
    """
    fam = family(media_type)
    if fam is None:
        return None
    limits = settings or PreviewSection()
    kind, label = _FAMILIES[fam]
    title = share_title or file_name(url)
    if title is not None and len(title) > limits.max_title:
        title = title[: max(limits.max_title - 1, 0)].rstrip() + "…"
    return Card(
        kind=kind,
        url=url,
        title=title,
        description=f"{label} file ({media_type})",
        image=url if fam == "image" and "svg" not in media_type else None,
        site_name=site_name,
    )
