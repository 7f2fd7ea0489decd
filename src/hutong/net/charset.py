"""Decode fetched text the way browsers do, so Chinese pages never turn into mojibake.

Order (WHATWG "encoding sniffing", plus the XML declaration and a detector): byte order mark,
the HTTP ``charset`` parameter, a ``<meta>`` prescan of the first 1024 bytes (``charset=`` and
``http-equiv``), the XML declaration, ``charset-normalizer``, then UTF-8. Labels map through
the WHATWG table (``webencodings``), so ``gb2312`` means GBK; GBK itself is decoded with
Python's ``gb18030``, a superset, and every decode uses ``errors="replace"`` so that one bad
byte costs one character, never the page.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

import charset_normalizer
import webencodings

PRESCAN_BYTES = 1024

# WHATWG names whose Python codec differs or is missing.
_PYTHON_CODEC = {
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "windows-874": "cp874",
    "x-mac-cyrillic": "mac_cyrillic",
    "iso-8859-8-i": "iso-8859-8",
    "x-user-defined": "latin-1",
}
# A page cannot honestly declare these in a <meta> (WHATWG prescan rule): read them as UTF-8.
_META_AS_UTF8 = {"utf-16be", "utf-16le", "x-user-defined"}

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16be"),
    (codecs.BOM_UTF16_LE, "utf-16le"),
)
# Header and prescan patterns are possessive: ``\s*=\s*["']?\s*`` with plain quantifiers retried
# every split of a long run of spaces before failing (a 10 KB header of spaces took seconds).
_CHARSET_PARAM = re.compile(rb"""charset\s*+=\s*+["']?+\s*+([^\s"';>/]++)""", re.IGNORECASE)
_META_OPEN = re.compile(rb"<meta\b", re.IGNORECASE)
_HTTP_EQUIV = re.compile(rb"""http-equiv\s*+=\s*+["']?+\s*+content-type""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""\bcharset\s*+=\s*+["']?+\s*+([^\s"'/>;]++)""", re.IGNORECASE)
_META_CONTENT = re.compile(rb"""\bcontent\s*+=\s*+(?:"([^"]*+)"|'([^']*+)'|([^\s>]++))""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""\s*+<\?xml[^>]*\bencoding\s*+=\s*+["']([^"']++)["']""", re.IGNORECASE)


def whatwg_name(label: str | bytes | None) -> str | None:
    """The WHATWG encoding name for a label (``gb2312`` → ``gbk``), or None if unknown."""
    if label is None:
        return None
    text = label.decode("ascii", "replace") if isinstance(label, bytes) else label
    enc = webencodings.lookup(text.strip())
    if enc is None and "_" in text:  # `windows_1251`, `shift_jis`-style spellings pages really use
        enc = webencodings.lookup(text.strip().replace("_", "-"))
    return None if enc is None else str(enc.name)


def python_codec(name: str) -> str:
    """The Python codec used to decode a WHATWG encoding name."""
    return _PYTHON_CODEC.get(name, name)


def header_charset(content_type: str | None) -> str | None:
    """The WHATWG name of the ``charset`` parameter of a Content-Type header, if any and known."""
    if not content_type:
        return None
    m = _CHARSET_PARAM.search(content_type.encode("latin-1", "replace"))
    return whatwg_name(m.group(1)) if m else None


def bom_charset(body: bytes) -> str | None:
    """The encoding a byte order mark announces, if the body starts with one."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def without_comments(data: bytes) -> bytes:
    """``data`` with every ``<!-- ... -->`` removed, in one pass (an unclosed one is kept)."""
    out: list[bytes] = []
    pos = 0
    while (start := data.find(b"<!--", pos)) >= 0:
        end = data.find(b"-->", start + 4)
        if end < 0:  # no comment after this one can close either
            break
        out.append(data[pos:start])
        pos = end + 3
    out.append(data[pos:])
    return b"".join(out)


def meta_attributes(data: bytes) -> Iterator[bytes]:
    """The attribute text of each ``<meta ...>`` (from ``<meta`` to the first ``>``), in one pass."""
    pos = 0
    while (m := _META_OPEN.search(data, pos)) is not None:
        end = data.find(b">", m.end())
        if end < 0:  # a tag open to the end, and so is every later one
            return
        yield data[m.end() : end]
        pos = end + 1


def meta_charset(body: bytes) -> str | None:
    """The encoding declared by ``<meta charset>`` or ``http-equiv`` in the first 1024 bytes."""
    for attrs in meta_attributes(without_comments(body[:PRESCAN_BYTES])):
        found: str | None = None
        if (cs := _META_CHARSET.search(attrs)) and not (
            _META_CONTENT.search(attrs) and _HTTP_EQUIV.search(attrs)
        ):
            found = whatwg_name(cs.group(1))
        elif _HTTP_EQUIV.search(attrs) and (content := _META_CONTENT.search(attrs)):
            value = next(g for g in content.groups() if g is not None)
            inner = _META_CHARSET.search(value)
            found = whatwg_name(inner.group(1)) if inner else None
        if found:
            return "utf-8" if found in _META_AS_UTF8 else found
    return None


def xml_charset(body: bytes) -> str | None:
    """The encoding in an XML declaration at the start of the body, if any."""
    m = _XML_DECL.match(body[:PRESCAN_BYTES])
    return whatwg_name(m.group(1)) if m else None


def detected_charset(body: bytes) -> str | None:
    """charset-normalizer's guess, as a WHATWG name, for bodies that declare nothing."""
    if not body:
        return None
    best = charset_normalizer.from_bytes(body[:65536]).best()
    return whatwg_name(best.encoding) if best is not None else None


def sniff(body: bytes, content_type: str | None = None) -> str:
    """The WHATWG name of the encoding to decode ``body`` with.

    Declarations are taken in WHATWG order (header, ``<meta>``, XML declaration), except that a
    declaration the bytes plainly contradict gives way to a later one that fits them: servers
    often send a stock ``charset=utf-8`` header for GBK or windows-1251 pages that say so in a
    ``<meta>``. If none fits, the first declared one is still used (bad bytes become U+FFFD).
    """
    if (name := bom_charset(body)) is not None:
        return name
    declared = [n for n in (header_charset(content_type), meta_charset(body), xml_charset(body)) if n]
    for name in declared:
        if _fits(body, name):
            return name
    if declared:
        return declared[0]
    if _fits(body, "utf-8"):
        return "utf-8"
    # a detector guessing from a handful of high bytes is guessing: trust it only with enough evidence
    if _HIGH_BYTES.subn(b"", body[:65536])[1] >= 16 and (guess := detected_charset(body)) is not None:
        return guess
    # Nothing declared, nothing detected, not UTF-8. A page with not one UTF-8 multi-byte sequence is a
    # legacy single-byte page, and windows-1252 is what browsers fall back to (WHATWG); a UTF-8 page with
    # one bad byte stays UTF-8, so a Chinese page is never turned to mojibake by that byte.
    return "utf-8" if _UTF8_MULTIBYTE.search(body) else "windows-1252"


_HIGH_BYTES = re.compile(rb"[\x80-\xff]")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _fits(body: bytes, name: str) -> bool:
    # A prefix cut at the byte cap may split the last character, so decode incrementally
    # without ``final``: a dangling partial character at the end is not held against it.
    try:
        codecs.getincrementaldecoder(python_codec(name))().decode(body, final=False)
    except UnicodeDecodeError:
        return False
    except LookupError:
        return False
    return True


def decode(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode ``body`` to text; returns ``(text, whatwg_encoding_name)``. Never raises on bad bytes."""
    name = sniff(body, content_type)
    codec = python_codec(name)
    if bom_charset(body) == name:
        body = body[len(next(b for b, n in _BOMS if n == name)) :]
    try:
        return body.decode(codec, errors="replace"), name
    except LookupError:  # a WHATWG name Python lacks: UTF-8 beats failing the page
        return body.decode("utf-8", errors="replace"), "utf-8"
