"""App passwords (淘口令): 11 alphanumerics in a wrapper, only where the message says so.

Wrappers changed over the years (``￥…￥``, ``€…€``, emoji or CJK delimiters,
``7(…)/ CA8888``) and any non-alphanumeric delimiter is accepted by the apps, so the
shape alone is weak: 11 alphanumerics are also a YouTube id. A token is found only when
the message carries a token cue of some platform (``share.token_cues``), or when the
wrapped token is the whole message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..model import Found
from ..platforms import Platform
from .share import cue_index

Span = tuple[int, int]

TOKEN_LEN = 11
ELEVEN = re.compile(r"[A-Za-z0-9]{11}")
_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{11}(?![A-Za-z0-9])")
# the whole message is one wrapped token, optionally with the share code after it: "2(z94O3R9Mkx6)/ CA8888";
# single letters or digits may sit among the delimiters ("0_0(s0jWcizeD02(/", "a:/😺yhSSc90Hk1L₤")
_WHOLE = re.compile(
    r"\s*(?P<lead>(?:[^\sA-Za-z0-9]|[A-Za-z0-9](?=[^\sA-Za-z0-9])){0,6})"
    r"[A-Za-z0-9]{11}(?P<trail>[^\sA-Za-z0-9]{0,6})(?:\s*[A-Z]{2}[0-9]{3,4})?\s*"
)
_TK_PARAM = re.compile(r"[?&]tk=([A-Za-z0-9]{11})(?![A-Za-z0-9])")


def _delimited(text: str, start: int, end: int) -> bool:
    """At least one side touches a non-space delimiter (the wrapper); the text's ends are no delimiter."""
    left = text[start - 1] if start else " "
    right = text[end] if end < len(text) else " "
    return not left.isspace() or not right.isspace()


def _looks_random(token: str) -> bool:
    """Every known token mixes upper- and lower-case letters; words and numbers do not."""
    return not token.isupper() and not token.islower() and not token.isdigit() and token != token.capitalize()


class SpanGate:
    """Says whether spans, asked in increasing start order, overlap none of ``taken`` (sorted by start).

    One merge pass: ``n`` questions over ``m`` taken spans read at most ``n + m`` of them, so the
    token scan is linear in the number of links however many tokens the message carries.

    >>> gate = SpanGate([(0, 5), (10, 20)])
    >>> [gate.clear(s, e) for s, e in [(5, 8), (8, 11), (20, 31)]]
    [True, False, True]
    """

    def __init__(self, taken: Sequence[Span]) -> None:
        self._taken = taken
        self._i = 0  # taken spans before it end before every span still to be asked

    def clear(self, start: int, end: int) -> bool:
        """True if ``[start, end)`` overlaps no taken span; ``start`` never decreases between calls."""
        taken = self._taken
        for i in range(self._i, len(taken)):  # resumes where the last question left off
            first, last = taken[i]
            if last > start:
                self._i = i
                # the earliest-starting span still open at ``start``; every later one starts no earlier
                return first >= end
        self._i = len(taken)
        return True


class TokenReader:
    """Finds app-password tokens, attributing each to the platform whose token cue the message carries."""

    def __init__(self, platforms: Sequence[Platform]) -> None:
        self._cues, self._owner = cue_index([(c, p.id) for p in platforms for c in p.share.token_cues])

    def allowed(self, text: str) -> bool:
        """May ``text`` hold a token at all? (a token cue or a whole wrapper, and 11 alphanumerics)."""
        return self.cue_platform(text)[0] and ELEVEN.search(text) is not None

    def cue_platform(self, text: str) -> tuple[bool, str | None]:
        """(may tokens be found here, platform of the earliest token cue)."""
        if self._cues is not None and (m := self._cues.search(text)):
            return True, self._owner[m.group(0)]
        whole = _WHOLE.fullmatch(text)
        return whole is not None and bool(whole.group("lead") or whole.group("trail")), None

    def scan(self, text: str, urls: Sequence[str], excluded: Sequence[Span]) -> Iterator[Found]:
        """Tokens in ``text`` outside ``excluded`` spans and not already carried by a URL's ``tk=``."""
        allowed, platform = self.cue_platform(text)
        if not allowed:
            return
        in_urls = {m.group(1) for u in urls for m in _TK_PARAM.finditer(u)}
        gate = SpanGate(sorted(excluded))
        for m in _CANDIDATE.finditer(text):
            start, end = m.span()
            token = m.group(0)
            if not gate.clear(start, end):
                continue
            if token in in_urls or not _looks_random(token) or not _delimited(text, start, end):
                continue
            yield Found(text=token, start=start, end=end, form="token", platform=platform, token=token)
