"""The link finder: every link in a chat message, in message order, non-overlapping.

A cheap pre-filter rejects the many messages with nothing link-like (no ``.``, no ``:``,
no ``//`` and no run of 11 alphanumerics) before any scanner runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ...errors import InputError
from .. import platforms as platform_data
from ..model import Found
from ..platforms import Platform
from .miniprogram import MARK, MiniProgramReader
from .share import ShareInfo, ShareReader
from .tokens import ELEVEN, TokenReader
from .urls import Span, gaps, may_have_domain, scan_domains, scan_urls

_WEB_SCHEMES = ("http://", "https://")


class Finder:
    """Finds URLs, bare domains, share texts, app-password tokens and mini-program references.

    >>> [f.text for f in Finder([]).find("看这个：https://example.com/a，复制")]
    ['https://example.com/a']
    """

    def __init__(
        self,
        platforms: Sequence[Platform] | None = None,
        *,
        max_link_chars: int = 4096,
        max_links: int = 1000,
    ) -> None:
        plats = tuple(platform_data.bundled() if platforms is None else platforms)
        self.max_link_chars = max_link_chars  # a longer candidate is skipped, scanning goes on after it
        self.max_links = max_links  # finds per message; the rest of a flood is dropped
        self._share = ShareReader(plats)
        self._tokens = TokenReader(plats)
        self._mini = MiniProgramReader(plats)

    def find(self, text: str | bytes) -> tuple[Found, ...]:
        """Every link in ``text``; spans are code points and ``text[f.start:f.end] == f.text``."""
        if not isinstance(text, str):
            text = _as_text(text)
        has_dot = "." in text
        has_colon = ":" in text
        has_slashes = "//" in text
        if not (has_colon or has_dot or has_slashes) and ELEVEN.search(text) is None:
            return ()
        found: list[Found] = []
        taken: list[Span] = []
        if has_colon and MARK in text:
            for f in self._mini.scan(text):
                found.append(f)
                taken.append((f.start, f.end))
        url_spans: list[Span] = []
        share = None
        if has_colon or has_slashes:
            url_spans = list(scan_urls(text, self.max_link_chars))
            if taken:
                url_spans = [s for s in url_spans if not _clash(taken, s)]
            if url_spans:
                taken.extend(url_spans)
                share = self._share.read(text)
                found.extend(_url_founds(text, url_spans, share))
        if has_dot and (taken or may_have_domain(text)):
            taken.sort()
            domains = list(scan_domains(text, taken, self.max_link_chars))
            found.extend(Found(text[s:e], s, e, "domain") for s, e in domains)
            taken.extend(domains)
        # tokens inside links are never separate tokens: look for one only outside them
        if (not taken or gaps(text, sorted(taken), ELEVEN)) and self._tokens.allowed(text):
            excluded = [(f.start, f.end) for f in found]
            if share is not None and share.title_span is not None:
                excluded.append(share.title_span)
            found.extend(self._tokens.scan(text, [text[s:e] for s, e in url_spans], excluded))
        return _with_utf16(text, _ordered(found, self.max_links))


def _url_founds(text: str, spans: list[Span], share: ShareInfo | None) -> list[Found]:
    """URLs as found; the share text's own web URL (the one nearest its cue) carries its platform, kind, title.

    Other URLs in the same message are plain URLs: a share text carries one link, and a
    second link pasted beside it must not inherit the share's platform or title.
    """
    shared = -1
    if share is not None:
        cue_start, cue_end = share.cue_span
        web = [i for i, (s, _) in enumerate(spans) if text[s:s + 8].lower().startswith(_WEB_SCHEMES)]
        if web:
            shared = min(web, key=lambda i: max(spans[i][0] - cue_end, cue_start - spans[i][1], 0))
    out = []
    for i, (s, e) in enumerate(spans):
        url = text[s:e]
        if i == shared and share is not None:
            out.append(Found(url, s, e, "share", share.platform, share.kind, share.title))
        else:
            out.append(Found(url, s, e, "url"))
    return out


def _as_text(data: object) -> str:
    """Bytes are decoded as UTF-8 (bad sequences replaced); anything else is refused with a reason."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data).decode("utf-8", "replace")
    raise InputError(f"find() takes a message as str or UTF-8 bytes, not {type(data).__name__}; pass text")


def _with_utf16(text: str, found: tuple[Found, ...]) -> tuple[Found, ...]:
    """The finds with their UTF-16 spans: one walk over the message, counting characters above U+FFFF."""
    if text.isascii() or not found:
        return found
    out = []
    astral = 0  # characters above U+FFFF before ``pos``
    pos = 0
    for f in found:  # in message order, non-overlapping
        astral += _astral(text, pos, f.start)
        inner = _astral(text, f.start, f.end)
        out.append(replace(f, start_utf16=f.start + astral, end_utf16=f.end + astral + inner))
        astral += inner
        pos = f.end
    return tuple(out)


def _astral(text: str, start: int, end: int) -> int:
    return sum(1 for c in text[start:end] if c > "\uffff")


def _clash(taken: list[Span], span: Span) -> bool:
    return any(s < span[1] and span[0] < e for s, e in taken)


def _ordered(found: list[Found], limit: int) -> tuple[Found, ...]:
    """Message order; where two finds overlap, the earlier (then longer) one stays."""
    if len(found) < 2:
        return tuple(found)
    found.sort(key=lambda f: (f.start, -f.end))
    out: list[Found] = []
    last_end = 0
    for f in found:
        if f.start >= last_end:
            out.append(f)
            last_end = f.end
            if len(out) >= limit:
                break
    return tuple(out)
