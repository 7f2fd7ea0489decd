"""The link finder: every link in a chat message, in message order, non-overlapping.

A cheap pre-filter rejects the many messages with nothing link-like (no ``.``, no ``:``,
no ``//`` and no run of 11 alphanumerics) before any scanner runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ...errors import InputError
from .. import platforms as platform_data
from ..model import Found
from ..platforms import Platform
from .applinks import SEPARATOR, AppLinkReader
from .miniprogram import MARK, MiniProgramReader
from .share import ShareInfo, ShareReader
from .tokens import ELEVEN, TokenReader
from .urls import Span, gaps, may_have_domain, overlaps, scan_domains, scan_urls

_WEB_SCHEMES = ("http://", "https://")


@dataclass(frozen=True, slots=True)
class Finds:
    """Every link found in one message, and whether the finder stopped at ``Finder.max_links`` with more left."""

    links: tuple[Found, ...]
    truncated: bool = False


class Finder:
    """Finds URLs, bare domains, share texts, app links, app-password tokens and mini-program references.

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
        self._apps = AppLinkReader(s for p in plats for s in p.schemes)

    def find(self, text: str | bytes) -> tuple[Found, ...]:
        """Every link in ``text``; spans are code points and ``text[f.start:f.end] == f.text``."""
        return self.scan(text).links

    def scan(self, text: str | bytes) -> Finds:
        """Like ``find``, and says whether the message held more than ``max_links`` links (the rest dropped)."""
        if not isinstance(text, str):
            text = _as_text(text)
        has_dot = "." in text
        has_colon = ":" in text
        has_slashes = "//" in text
        if not (has_colon or has_dot or has_slashes) and ELEVEN.search(text) is None:
            return Finds(())
        found: list[Found] = []
        taken: list[Span] = []
        if has_colon and MARK in text:
            for f in self._mini.scan(text):
                found.append(f)
                taken.append((f.start, f.end))
        url_spans: list[Span] = []
        titles: list[Span] = []
        if has_colon or has_slashes:
            url_spans = list(scan_urls(text, self.max_link_chars))
            if taken:  # mini-program references, in message order
                url_spans = [s for s in url_spans if not overlaps(taken, *s)]
            if url_spans:
                taken.extend(url_spans)
                found.extend(self._url_founds(text, url_spans, titles))
            # an app link has a "://" of its own, outside every URL (counted at C speed: most have none)
            if has_slashes and text.count(SEPARATOR) > sum(text.count(SEPARATOR, s, e) for s, e in url_spans):
                taken.sort()
                apps = list(self._apps.scan(text, taken, self.max_link_chars))
                found.extend(apps)
                taken.extend((f.start, f.end) for f in apps)
        if has_dot and (taken or may_have_domain(text)):
            taken.sort()
            domains = list(scan_domains(text, taken, self.max_link_chars))
            found.extend(Found(text[s:e], s, e, "domain") for s, e in domains)
            taken.extend(domains)
        # tokens inside links are never separate tokens: look for one only outside them
        if (not taken or gaps(text, sorted(taken), ELEVEN)) and self._tokens.allowed(text):
            excluded = [(f.start, f.end) for f in found] + titles
            found.extend(self._tokens.scan(text, [text[s:e] for s, e in url_spans], excluded))
        finds = _ordered(found, self.max_links)
        return Finds(_with_utf16(text, finds.links), finds.truncated)


    def _url_founds(self, text: str, spans: list[Span], titles: list[Span]) -> list[Found]:
        """URLs as found; each share text's own web URL carries its platform, kind and title.

        Every web URL stands in its own segment of the message (``ShareReader.segments``): a
        share text carries one link, and a second link pasted beside it must not inherit the
        share's platform or title, while a second share text pasted after the first is read
        as one too. Share titles found go to ``titles`` (no token is looked for inside them).
        """
        web = [(s, e) for s, e in spans if text[s : s + 8].lower().startswith(_WEB_SCHEMES)]
        shares: dict[Span, ShareInfo] = {
            span: info for span, info in zip(web, self._share.read_all(text, web), strict=True) if info is not None
        }
        titles.extend(info.title_span for info in shares.values() if info.title_span is not None)
        out = []
        for s, e in spans:
            share = shares.get((s, e))
            if share is not None:
                out.append(
                    Found(
                        text[s:e], s, e, "share", share.platform, share.kind, share.title,
                        category=share.category, payment=share.payment,
                    )
                )
            elif self._apps.is_applink(text[s:e]):  # an autolink <taobao://…>: an app link of a known scheme
                out.append(Found(text[s:e], s, e, "applink"))
            else:
                out.append(Found(text[s:e], s, e, "url"))
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


def _ordered(found: list[Found], limit: int) -> Finds:
    """Message order; where two finds overlap, the earlier (then longer) one stays; at most ``limit``."""
    found.sort(key=lambda f: (f.start, -f.end))
    out: list[Found] = []
    last_end = 0
    for f in found:
        if f.start >= last_end:
            if len(out) >= limit:
                return Finds(tuple(out), truncated=True)  # one more link was there: the rest are dropped
            out.append(f)
            last_end = f.end
    return Finds(tuple(out))
