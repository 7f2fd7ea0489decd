"""Share-text recognition: which platform's share text a message is, and what it says.

Everything comes from the platforms' ``[share]`` data (cues, kind cues, title
patterns); no platform is named here. A message is a platform's share text when one
of its cues occurs; the earliest cue in the message wins.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..platforms import Platform

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class ShareInfo:
    """What a share text says about its link(s)."""

    platform: str
    kind: str | None = None
    title: str | None = None
    title_span: Span | None = None
    cue_span: Span = (0, 0)  # where the cue that named the platform stands


def cue_index(pairs: Sequence[tuple[str, str]]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """One alternation regex over all cues (longest first) and the cue -> platform map (first owner wins)."""
    owner: dict[str, str] = {}
    for cue, pid in pairs:
        if cue:
            owner.setdefault(cue, pid)
    if not owner:
        return None, owner
    alternation = "|".join(re.escape(c) for c in sorted(owner, key=len, reverse=True))
    return re.compile(alternation), owner


class ShareReader:
    """Recognises share texts of the given platforms."""

    def __init__(self, platforms: Sequence[Platform], *, max_chars: int = 4096) -> None:
        self._platforms = {p.id: p for p in platforms}
        self._cues, self._owner = cue_index([(c, p.id) for p in platforms for c in p.share.cues])
        self._max_chars = max_chars

    def _first_cue(self, text: str) -> tuple[str, Span] | None:
        if self._cues is None:
            return None
        m = self._cues.search(text)
        return (self._owner[m.group(0)], m.span()) if m else None

    def read(self, text: str) -> ShareInfo | None:
        """Platform, stated kind and quoted title of the share text ``text``, or None if it is not one."""
        first = self._first_cue(text)
        if first is None:
            return None
        pid, cue_span = first
        rules = self._platforms[pid].share
        kind = next((k.kind for k in rules.kinds if k.cue in text), None)
        # title patterns are data: bound the text they see so no pattern can go quadratic on a huge message
        window = text[: self._max_chars]
        for rx in rules.title_patterns:
            m = rx.search(window)
            if m and (title := m.group("title").strip()):
                return ShareInfo(pid, kind, title, m.span("title"), cue_span)
        return ShareInfo(pid, kind, cue_span=cue_span)
