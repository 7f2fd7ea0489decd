"""Share-text recognition: which platform's share text each web URL of a message stands in, and what it says.

Everything comes from the platforms' ``[share]`` data (cues, kind cues, title
patterns); no platform is named here. A message may hold several share texts (pasted
one after another): its web URLs cut it into one segment each (``segments``), and a
segment is a platform's share text when one of its cues occurs in it; the earliest cue
of the segment wins.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from ..model import Payment
from ..platforms import Platform, ShareRules

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class ShareInfo:
    """What a share text says about its link(s)."""

    platform: str
    kind: str | None = None
    title: str | None = None
    title_span: Span | None = None
    cue_span: Span = (0, 0)  # where the cue that named the platform stands
    category: str | None = None  # what a kind cue says the link is for (a friend-pays request: payment)
    payment: Payment | None = None  # payee and amount a friend-pays request states


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

    def _first_cue(self, text: str, start: int, end: int) -> tuple[str, Span] | None:
        if self._cues is None:
            return None
        m = self._cues.search(text, start, end)
        return (self._owner[m.group(0)], m.span()) if m else None

    def read(self, text: str, start: int = 0, end: int | None = None) -> ShareInfo | None:
        """Platform, stated kind and quoted title of the share text ``text[start:end]``, or None if it is not one.

        Spans in the answer are offsets in ``text``.
        """
        end = len(text) if end is None else end
        first = self._first_cue(text, start, end)
        if first is None:
            return None
        pid, cue_span = first
        rules = self._platforms[pid].share
        stated = next((k for k in rules.kinds if text.find(k.cue, start, end) >= 0), None)
        kind = None if stated is None else stated.kind
        category = None if stated is None else stated.category
        # title patterns are data: bound the text they see so no pattern can go quadratic on a huge message
        # (a slice, not search(pos=...): a pattern's ``^`` means the start of the share text)
        window = text[start : min(end, start + self._max_chars)]
        payment = _payment(rules, window) if kind == "payment_request" else None
        for rx in rules.title_patterns:
            m = rx.search(window)
            if m and (title := m.group("title").strip()):
                title_start, title_end = m.span("title")
                title_span = (start + title_start, start + title_end)
                return ShareInfo(pid, kind, title, title_span, cue_span, category, payment)
        return ShareInfo(pid, kind, cue_span=cue_span, category=category, payment=payment)

    def read_all(self, text: str, urls: Sequence[Span]) -> list[ShareInfo | None]:
        """For each web URL span of ``urls`` (in message order), the share text it stands in, or None."""
        if self._cues is None or not urls or self._cues.search(text) is None:
            return [None] * len(urls)
        return [self.read(text, s, e) for s, e in self.segments(text, urls)]

    def segments(self, text: str, urls: Sequence[Span]) -> list[Span]:
        """One segment of ``text`` per URL of ``urls``, covering the whole message without overlap.

        Between two URLs, the text stays with the earlier one up to the first cue that opens a new share
        text; the cut goes at the start of that cue's line (or, on the earlier URL's own line, after the
        last space before it). Without such a cue, the later URL's own line is its own (a title before
        it, its cue after it). A cue continues the earlier URL's share text when it is that platform's
        and not yet said in it (``【淘宝】 … 淘宝搜索直接打开`` is one share text; a second ``【淘宝】`` opens
        another). A cue after a URL with no cue of its own belongs to it when a line break follows the
        cue (a trailing "打开【快手】直接观看！"), else to whichever URL it stands nearer.
        """
        cuts = [0]
        for (_, left_end), (right_start, _) in pairwise(urls):
            cuts.append(self._cut(text, cuts[-1], left_end, right_start))
        cuts.append(len(text))
        return list(pairwise(cuts))

    def _cut(self, text: str, seg_start: int, left_end: int, right_start: int) -> int:
        """Where the segment of the URL ending at ``left_end`` ends, before the URL at ``right_start``."""
        if self._cues is None:
            return right_start
        said = {m.group(0) for m in self._cues.finditer(text, seg_start, left_end)}
        platform = next((self._owner[c] for c in self._cues.findall(text, seg_start, left_end)), None)
        last_break = text.rfind("\n", left_end, right_start)
        keep = left_end  # the segment reaches at least this far: past every cue that continues it
        for m in self._cues.finditer(text, left_end, right_start):
            cue, owner = m.group(0), self._owner[m.group(0)]
            if platform is None:  # on the earlier URL's line, and a line break follows (or it stands nearer)
                on_left_line = text.find("\n", left_end, m.start()) < 0
                nearer_left = m.start() - left_end <= right_start - m.end()
                continues = on_left_line and (last_break >= 0 or nearer_left)
            else:
                continues = owner == platform and cue not in said
            if not continues:
                return _line_start(text, keep, m.start())
            platform = platform or owner
            said.add(cue)
            keep = m.end()
        # no cue opens a share text for the later URL; the text on its own line before it is still its own
        return max(keep, last_break + 1) if last_break >= 0 else right_start


def _payment(rules: ShareRules, window: str) -> Payment | None:
    """Payee and amount a friend-pays request states, by the platform's ``payee_patterns``/``amount_patterns``."""
    payee = amount = currency = None
    for rx in rules.payee_patterns:
        if (m := rx.search(window)) and (value := m.group("payee").strip()):
            payee = value[:80]
            break
    for rx in rules.amount_patterns:
        if (m := rx.search(window)) and (value := m.group("amount").strip()):
            amount = value
            currency = m.groupdict().get("currency")  # as written (¥, 元, CNY); None if the pattern has none
            break
    return Payment(payee, amount, currency) if payee or amount else Payment()


def _line_start(text: str, lo: int, pos: int) -> int:
    """The start of ``pos``'s line within ``[lo, pos]``; on ``lo``'s own line, just after the last space before it."""
    newline = text.rfind("\n", lo, pos)
    if newline >= 0:
        return newline + 1
    space = max(text.rfind(" ", lo, pos), text.rfind("\u3000", lo, pos))
    return space + 1 if space >= 0 else lo
