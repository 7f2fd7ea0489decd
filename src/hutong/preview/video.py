"""Single-video cards: what a chat client needs to play a page's one video in place. Pure.

The page declares its player in one of four ways, read in this order (``embed``'s precedence
before video cards: structured data, Open Graph, Twitter, oEmbed):

- a schema.org ``VideoObject``'s ``embedUrl`` (player) and ``contentUrl`` (stream), ``width``, ``height``;
- ``og:video:secure_url`` / ``og:video:url`` / ``og:video`` with ``og:video:type``, ``:width``,
  ``:height``: a ``text/html`` one is a player page, a ``video/*`` one (or a file name such as
  ``.mp4``, ``.m3u8``) a stream, a Flash one nothing a client can play;
- ``twitter:player`` (a player page) with ``twitter:player:width``/``:height``, and
  ``twitter:player:stream`` with ``twitter:player:stream:content_type``;
- an oEmbed ``video`` or ``rich`` response: the ``src`` of the ``<iframe>`` in its ``html``, its
  ``width`` and ``height``.

Only https URLs are offered (a client embeds them into an https page; plain http would be mixed
content and readable on the way); an http one is dropped with a reason. The pipeline then screens
each URL like any link (``screened``) and drops a flagged one with its reason. A page that offers
app links (``al:*:url``, ``twitter:app:url:*``) or an app-scheme player but no web player is
``app_only``; a video page with no player at all says so too. No rule names a site.
"""

from __future__ import annotations

import dataclasses
import mimetypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from ..core.model import Card, CardError, CardVideo, Level
from . import values
from .extract import PageMeta
from .oembed import OEmbed
from .urls import absolute

MAX_SIDE = 10_000  # a declared width or height beyond this is not a size
_OG_URLS = ("og:video:secure_url", "og:video:url", "og:video")
_APP_LINK_PREFIXES = ("al:ios:", "al:iphone:", "al:ipad:", "al:android:", "al:windows", "twitter:app:url:")
_STREAM_SUFFIXES = (".mp4", ".m4v", ".webm", ".ogv", ".mov", ".m3u8", ".mpd")
_NOT_PLAYABLE = ("application/x-shockwave-flash", "application/vnd.adobe.flash-movie")
_WEB_SCHEMES = ("http", "https")
_UNSAFE_SCHEMES = ("javascript", "data", "vbscript", "file", "blob", "about")

# code → (English, Chinese), like preview.explain's sentences: what the user learns about the video
NOTES: dict[str, tuple[str, str]] = {
    "preview.video.app_only": (
        "Only its app can play this video: the page offers app links but no web player",
        "该视频只能在其 App 中播放：网页只提供了 App 链接，没有网页播放器",
    ),
    "preview.video.no_player": (
        "This video cannot play in the chat: the page offers no player; open the link to watch it",
        "该视频无法在聊天中播放：网页没有提供播放器，请打开链接观看",
    ),
    "preview.video.not_https": (
        "The page's video player was left out: it is not served over HTTPS",
        "已略去网页的视频播放器：它没有使用 HTTPS",
    ),
    "preview.video.unsafe": (
        "The page's video player was left out: its address was flagged when screened",
        "已略去网页的视频播放器：其地址在安全检查中被标记",
    ),
}


def note(code: str, detail: str = "") -> CardError:
    """The video note for ``code`` (``preview.video.*``), the English sentence ending with ``detail``."""
    en, zh = NOTES[code]
    return CardError(code=code, detail=f"{en}: {detail[:300]}" if detail else en, detail_zh=zh)


@dataclass(frozen=True, slots=True)
class _Candidate:
    url: str  # as the page wrote it, made absolute (any scheme)
    stream: bool  # a video file rather than a player page
    type: str | None
    width: int | None
    height: int | None
    source: str


def _side(value: Any) -> int | None:
    raw = values.text(value, 20)
    if raw is None:
        return None
    try:
        number = float(raw.strip().lower().removesuffix("px"))
    except ValueError:
        return None
    return int(number) if 0 < number <= MAX_SIDE else None


def _resolved(value: str | None, base: str) -> str | None:
    """``value`` made absolute: an http(s) URL, or an app-scheme one kept as written (it is only
    evidence that the page plays in an app), or None for junk and unsafe schemes."""
    if not value:
        return None
    web = absolute(value, base)
    if web is not None:
        return web
    scheme = _scheme(value)
    return value.strip()[:2048] if scheme and scheme not in _UNSAFE_SCHEMES else None


def _scheme(url: str) -> str | None:
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return scheme if scheme.isascii() and len(scheme) > 1 else None  # "c:" is a drive, not a scheme


def _is_stream(url: str, media_type: str | None) -> bool:
    if media_type:
        return media_type.startswith(("video/", "application/x-mpegurl", "application/vnd.apple.mpegurl"))
    try:
        path = urlsplit(url).path.lower()
    except ValueError:
        return False
    return path.endswith(_STREAM_SUFFIXES) or (mimetypes.guess_type(path)[0] or "").startswith("video/")


def _open_graph(meta: PageMeta, base: str) -> list[_Candidate]:
    url = next((u for u in (_resolved(meta.get(k), base) for k in _OG_URLS) if u), None)
    if url is None:
        return []
    media_type = (meta.get("og:video:type") or "").strip().lower() or None
    if media_type in _NOT_PLAYABLE:
        return []
    width, height = _side(meta.get("og:video:width")), _side(meta.get("og:video:height"))
    return [_Candidate(url, _is_stream(url, media_type), media_type, width, height, "og:video")]


def _twitter(meta: PageMeta, base: str) -> list[_Candidate]:
    width, height = _side(meta.get("twitter:player:width")), _side(meta.get("twitter:player:height"))
    out = []
    if player := _resolved(meta.get("twitter:player"), base):
        out.append(_Candidate(player, False, "text/html", width, height, "twitter:player"))
    if stream := _resolved(meta.get("twitter:player:stream"), base):
        media_type = (meta.get("twitter:player:stream:content_type") or "").split(";")[0].strip().lower() or None
        out.append(_Candidate(stream, True, media_type, width, height, "twitter:player"))
    return out


def _schema_org(node: Mapping[str, Any], base: str) -> list[_Candidate]:
    width, height = _side(node.get("width")), _side(node.get("height"))
    out = []
    if player := values.url(node.get("embedUrl"), base):
        out.append(_Candidate(player, False, "text/html", width, height, "schema.org"))
    if stream := values.url(node.get("contentUrl"), base):
        media_type = values.text(node.get("encodingFormat"), 100)
        media_type = media_type.lower() if media_type and "/" in media_type else None
        if _is_stream(stream, media_type):
            out.append(_Candidate(stream, True, media_type, width, height, "schema.org"))
    return out


def iframe_src(html: str | None) -> str | None:
    """The ``src`` of the first ``<iframe>`` in an oEmbed response's ``html`` (parsed, never rendered)."""
    if not html or "iframe" not in html.lower():
        return None
    frame = LexborHTMLParser(html).css_first("iframe[src]")
    return frame.attributes.get("src") if frame is not None else None


def _oembed(o: OEmbed | None, base: str) -> list[_Candidate]:
    if o is None or o.type not in ("video", "rich"):
        return []
    player = _resolved(iframe_src(o.html), base)
    if player is None:
        return []
    return [_Candidate(player, False, "text/html", _side(o.width), _side(o.height), "oembed")]


def _app_links(meta: PageMeta) -> bool:
    return any(k.startswith(_APP_LINK_PREFIXES) and v for k, v in meta.props.items())


def declared(
    meta: PageMeta, node: Mapping[str, Any], oembed: OEmbed | None, *, video_kind: bool, base: str
) -> CardVideo | None:
    """The card's video from what the page declares (not yet screened); None when the page
    declares no video and is no video page."""
    candidates = _schema_org(node, base) + _open_graph(meta, base) + _twitter(meta, base) + _oembed(oembed, base)
    if not candidates and not video_kind:
        return None
    web = [c for c in candidates if _scheme(c.url) in _WEB_SCHEMES]
    https = [c for c in web if c.url.startswith("https://")]
    player = next((c for c in https if not c.stream), None)
    stream = next((c for c in https if c.stream), None)
    lead = player or stream
    if lead is not None:
        return CardVideo(
            player=player.url if player else None,
            stream=stream.url if stream else None,
            type=stream.type if stream else None,
            width=lead.width,
            height=lead.height,
            source=lead.source,
        )
    app_only = _app_links(meta) or len(web) < len(candidates)
    if web:  # only plain-http players: not offered, unless the app is the only way anyway
        first = web[0]
        why = note("preview.video.not_https", first.url[:200])
        return CardVideo(app_only=app_only, source=first.source, note=why)
    return CardVideo(app_only=app_only, note=note("preview.video.app_only" if app_only else "preview.video.no_player"))


Screen = Callable[[str], tuple[Level, str | None]]  # URL → (verdict level, the first reason's code)


def screened(card: Card, screen: Screen) -> Card:
    """``card`` with its video's player and stream screened like any link: an http one, or one whose
    verdict is suspicious or worse, is dropped and the note says why; ``embed`` follows the player.
    A video or live card with no video declared says that nothing can play here."""
    video = card.video
    if video is None:
        if card.kind not in ("video", "live"):
            return card
        video = CardVideo(note=note("preview.video.no_player"))
        return dataclasses.replace(card, video=video, embed=None)
    changes: dict[str, Any] = {}
    why: CardError | None = None
    for name in ("player", "stream"):
        url = getattr(video, name)
        if url is None:
            continue
        if not url.startswith("https://"):
            changes[name], why = None, why or note("preview.video.not_https", url[:200])
            continue
        level, code = screen(url)
        if level >= Level.SUSPICIOUS:
            detail = f"{url[:200]} is {level.label}" + (f" ({code})" if code else "")
            changes[name], why = None, why or note("preview.video.unsafe", detail)
    if not changes:
        return card
    kept = dataclasses.replace(video, **changes)
    if kept.player is None and kept.stream is None:
        kept = CardVideo(app_only=kept.app_only, source=kept.source, note=why)
    elif kept.stream is None:
        kept = dataclasses.replace(kept, type=None)
    return dataclasses.replace(card, video=kept, embed=kept.player or kept.stream)
