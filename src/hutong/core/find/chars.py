"""Character classes that decide where a link starts and ends in chat text.

Regex fragments (for use inside ``[...]``), shared by the URL and domain scanners. The
choices follow linkify-it and twitter-text where they agree, and chat practice where
they do not: CJK punctuation, CJK letters and emoji glued to a URL end it
(``…xhslink.com/EuSrvu，复制``, ``https://b23.tv/x看看``), as twitter-text does.
"""

from __future__ import annotations

# Whitespace, C0/C1 controls, zero-width space, direction marks and bidi controls.
# ZWJ/ZWNJ (U+200C/D) are kept: Indic words in paths use them (linkify-it's Malayalam case).
SPACE_CTRL = r"\s\x00-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"

# Wide and typographic punctuation: CJK symbols and punctuation, full-width forms,
# quotes and dashes (U+2014 onwards; the en dash U+2013 stays, it occurs in titles in paths),
# currency signs (淘口令 delimiters sit right next to URLs), guillemets and the middle dot.
WIDE_PUNCT = (
    r"\u00a2-\u00a5\u00a7\u00a8\u00ab\u00b6\u00b7\u00bb\u00bf"
    r"\u2014-\u205e\u20a0-\u20cf\u3000-\u303f\ufe10-\ufe1f\ufe30-\ufe6f\uff00-\uffef"
)

# Letters of CJK scripts: Hangul jamo and syllables, radicals, kana, bopomofo, enclosed
# CJK, ideographs (BMP and supplementary planes), compatibility ideographs.
CJK_LETTERS = (
    r"\u1100-\u11ff\u2e80-\u2fff\u3040-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
    r"\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\U00020000-\U0003ffff"
)

# Arrows, technical symbols, geometric shapes, dingbats, emoji and their variation selectors.
EMOJI = r"\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf\u2b00-\u2bff\ufe0e\ufe0f\U0001f000-\U0001faff"

# ASCII punctuation that cannot be part of a host name (everything except - . _).
HOST_ASCII_PUNCT = r"!-,/:-@\[-\^`{-~"

# Letters a bare (scheme-less) domain label may use: ASCII, Latin-1 and Latin Extended
# letters, Greek, Cyrillic. CJK is excluded so that ``去taobao.com看看`` finds ``taobao.com``.
BARE_LETTER = r"0-9A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u052f"

# What ends a path (whitespace, wide punctuation, emoji, and ``<>`\\``, which are no URL code points).
PATH_STOP = rf"{SPACE_CTRL}{WIDE_PUNCT}{EMOJI}<>`\\"

# Characters that may follow ``?`` / ``#`` / ``/`` inside a URL. CJK letters are not among them: glued
# after a URL they are prose (``https://b23.tv/abc看看``); ``urls`` lets a path segment that starts with
# CJK letters (``/docs/会议纪要.pdf``) go on to the next ``PATH_STOP``.
PATH_CHAR = rf"[^{PATH_STOP}{CJK_LETTERS}]"

# Characters of a host after a scheme: anything but spaces, punctuation and wide punctuation.
HOST_CHAR = rf"[^{SPACE_CTRL}{WIDE_PUNCT}{HOST_ASCII_PUNCT}]"
