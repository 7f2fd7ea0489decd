"""App links: ``scheme://…`` links of the app schemes the platform data declares (``[[applinks]]``).

Only declared schemes are found, so colon-bearing prose never is: ``ratio 1:2``, ``12:30``, ``Note:``,
``注意：`` and ``http:`` without a host have no ``scheme://`` of a known app, and an unknown scheme
(``foo://bar``) is not a link anyone can open. ``javascript:``, ``data:`` and ``file:`` are no app schemes
(the data may not claim them): the URL scanner finds them and the structural checks judge them.
Where an app link ends follows the URL scanner (the same path characters and trailing-punctuation rule).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator

from ..model import Found
from .chars import PATH_CHAR
from .urls import Span, trim_end

SEPARATOR = "://"
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_MAX_SCHEME = 32
_BODY = re.compile(PATH_CHAR + "*")


class AppLinkReader:
    """Finds app links of the given schemes (lower case), outside spans already taken by other links."""

    def __init__(self, schemes: Iterable[str]) -> None:
        self.schemes = frozenset(s.lower() for s in schemes)

    def scheme_at(self, text: str, sep: int) -> int | None:
        """Where the declared scheme ending at ``text[sep:sep+3] == "://"`` starts, or None if it is none.

        The scheme must stand alone: ``xtaobao://`` and ``a.taobao://`` are not ``taobao://``.
        """
        start = sep
        floor = max(0, sep - _MAX_SCHEME - 1)
        while start > floor and text[start - 1] in _SCHEME_CHARS:
            start -= 1
        if start == floor and start > 0 and text[start - 1] in _SCHEME_CHARS:
            return None  # a longer run than any scheme
        return start if text[start:sep].lower() in self.schemes else None

    def scan(self, text: str, taken: list[Span], max_chars: int) -> Iterator[Found]:
        """Every app link in ``text`` not inside one of the (sorted) ``taken`` spans; linear in the text."""
        if not self.schemes:
            return
        pos = 0
        while (sep := text.find(SEPARATOR, pos)) != -1:
            pos = sep + len(SEPARATOR)
            start = self.scheme_at(text, sep)
            if start is None or _inside(taken, start):
                continue
            body = _BODY.match(text, pos)
            assert body is not None  # a star pattern always matches
            end = trim_end(text, start, pos, body.end())
            if end == pos:
                continue  # "taobao://" and nothing after it
            pos = end
            if end - start <= max_chars:
                yield Found(text[start:end], start, end, "applink")

    def is_applink(self, url: str) -> bool:
        """True when ``url`` (found by another scanner, e.g. a ``<taobao://…>`` autolink) is a declared app link."""
        scheme, sep, rest = url.partition(":")
        return bool(sep) and rest.startswith("//") and scheme.lower() in self.schemes


def _inside(taken: list[Span], pos: int) -> bool:
    i = bisect_right(taken, (pos, 1 << 62))
    return bool(i) and taken[i - 1][0] <= pos < taken[i - 1][1]
