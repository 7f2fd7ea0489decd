"""Scheme URLs and bare domains in free text, with code-point spans.

Two scanners, both linear in the text: ``scan_urls`` finds ``http(s)://``-style URLs
(plus ``//host`` and the opaque ``javascript:``/``data:`` forms that screening must see),
``scan_domains`` finds bare domains that end in a real TLD. Where a URL ends follows
linkify-it and cmark-gfm (trailing punctuation, bracket and quote balancing, entities)
and chat practice (CJK punctuation and emoji end it; CJK letters glued after a URL end it,
while a path segment that starts with CJK letters, ``/docs/会议纪要.pdf``, is kept).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator

from .chars import BARE_LETTER, CJK_LETTERS, HOST_CHAR, PATH_CHAR, PATH_STOP
from .tlds import UNICODE_TLDS, is_bare_tld, is_host_tld, is_tld

Span = tuple[int, int]

_SCHEME = re.compile(
    # glued to a word it is no scheme (``xhttp://``); after punctuation it is (``1.https://``, ``-https://``)
    r"(?<![A-Za-z0-9_+])(?:(?P<web>https?|ftps?|wss?|file)://"
    r"|(?P<opaque>javascript|vbscript):(?=[^\s])|(?P<data>data):(?=[A-Za-z]+/))"
    r"|(?P<neutral>(?<![^\s(\[{<>\"'])//(?=[^\s/]))"
    r"|(?P<angle><)(?=[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*>)",
    re.IGNORECASE,
)
_WEB_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "ws", "wss", "file"})
_HOST = re.compile(HOST_CHAR + "+")
# userinfo characters (RFC 3986 unreserved, sub-delims, ":" and "%") and "@"; see ``_userinfo_end``
_USERINFO_RUN = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:%@\-]*")
_HOST_START = re.compile(rf"{HOST_CHAR}|\[")
_IPV6 = re.compile(r"\[[0-9A-Fa-f:.]{2,45}(?:%[A-Za-z0-9]{1,16})?\]")
_PORT = re.compile(r":(\d+)")
_PATH = re.compile(PATH_CHAR + "*")
# characters a path scan stops at so that ``_path_scan`` can decide (brackets, quotes, list separators)
_DECIDE = "()[]{}\"',;|!*"
_DECIDE_CLASS = "".join(re.escape(c) for c in _DECIDE)
_RUN = re.compile(rf"[^{PATH_STOP}{CJK_LETTERS}{_DECIDE_CLASS}]*")
_RUN_CJK = re.compile(rf"[^{PATH_STOP}{_DECIDE_CLASS}]*")  # inside a CJK path segment
_CJK_LETTER = re.compile(f"[{CJK_LETTERS}]")
_CJK_RUN = re.compile(f"[{CJK_LETTERS}]+")
_ASCII_TLD_BEFORE_WIDE = re.compile(r"\.([A-Za-z]{2,63})(?=[^\x00-\x7f])")
_PLAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
_PLAIN_HOST = re.compile(rf"{_PLAIN_LABEL}(?:\.{_PLAIN_LABEL})*")
# an ASCII host and optional port that nothing after could extend (else the general path decides)
_FAST_AUTHORITY = re.compile(
    rf"({_PLAIN_LABEL}(?:\.{_PLAIN_LABEL})*)(?::([0-9]{{1,5}}))?(?![0-9.@:]|{HOST_CHAR})"
)
_NUMERIC_LABEL = re.compile(r"(?:0[xX][0-9A-Fa-f]*|[0-9]+)")
_ENTITY_TAIL = re.compile(r"&[A-Za-z0-9]{1,32};\Z")

_L = BARE_LETTER
_UNI_TLDS = "|".join(re.escape(t) for t in sorted(UNICODE_TLDS, key=len, reverse=True))
_BARE = re.compile(
    # not inside a word, a path, an e-mail address, a mention, a hashtag or a cashtag
    rf"(?<![{_L}_.@#$/:\\\-+&=%~\uff20\uff03\uff04])"
    rf"(?:[{_L}](?:[{_L}\-]{{0,61}}[{_L}])?\.){{1,32}}"
    rf"(?P<tld>[A-Za-z]{{2,63}}|xn--[A-Za-z0-9\-]{{1,59}}|{_UNI_TLDS})"
    # the TLD must end the name, and the name must not be the local part of an e-mail address
    # (a hyphen after the TLD is punctuation unless a label goes on: ``example.org-`` vs ``a.com-b``)
    rf"(?![{_L}_]|-+[{_L}_])(?![A-Za-z0-9_.+\-]*@)"
)
# starts with the literal dot so that the regex engine can skip to dots at C speed
_DOMAINISH = re.compile(r"\.(?<=[^\W_]\.)(?:[^\W\d_]{2}|\d{1,3}\.\d)")
_BARE_IP = re.compile(r"(?<![\w.@#$/:\-])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?=[/:])")

_TRIM_ALWAYS = frozenset(".,;:!?*~")
_OPENER = {")": "(", "]": "[", "}": "{"}
_CLOSER = {v: k for k, v in _OPENER.items()}
_ENCLOSERS = frozenset('([{"')
# a scheme inside a path after one of these starts a second link (``a.com/x,https://b.com``), while one
# after ``/ = ? & # :`` is a link carried by the first (``web.archive.org/web/2020/https://…``, ``?u=https://…``)
_SPLIT_BEFORE_SCHEME = frozenset(",;|!*'\"()[]{}<>")
_SEGMENT_START = frozenset("/=")
_QUOTES = frozenset("\"'")
_MENTION_MARKS = frozenset("@#$\uff20\uff03\uff04")
_PATH_START = frozenset("/?#")
_MAX_PORT = 65535


def trim_end(text: str, start: int, floor: int, end: int) -> int:
    """Drop trailing punctuation from ``text[start:end]``, never below ``floor``.

    ``.,;:!?*~`` never end a URL; a bracket or quote ends it only when unbalanced
    within the URL (``(http://a.com/x)`` vs ``http://a.com/x_(y)``); a trailing HTML
    entity such as ``&hl;`` is dropped as cmark-gfm does.
    """
    counts: dict[str, int] | None = None
    while end > floor:
        c = text[end - 1]
        if c in _TRIM_ALWAYS:
            if c == ";" and (ent := _ENTITY_TAIL.search(text, max(floor, end - 34), end)):
                end = ent.start()
            else:
                end -= 1
            continue
        if c in _OPENER or c in _QUOTES or c in _CLOSER:
            if counts is None:
                counts = {ch: text.count(ch, start, end) for ch in ")]}([{\"'"}
            if c in _QUOTES:
                unbalanced = counts[c] % 2 == 1
            elif c in _OPENER:
                unbalanced = counts[c] > counts[_OPENER[c]]
            else:  # an opening bracket that ends the link opens nothing in it: ``http://a.org/(``
                unbalanced = counts[c] > counts[_CLOSER[c]]
            if unbalanced:
                counts[c] -= 1
                end -= 1
                continue
        break
    return end


def _cut_at_wide(host: str) -> str:
    """End a host after a real TLD glued to non-ASCII text: ``example.com这个`` -> ``example.com``."""
    for m in _ASCII_TLD_BEFORE_WIDE.finditer(host):
        if is_tld(m.group(1)):
            return host[: m.end()]
    return host


def _plain_host_ok(host: str, *, need_dot: bool) -> bool:
    dot = host.rfind(".")
    if dot == -1:
        return not need_dot or host.lower() == "localhost"
    last = host[dot + 1 :]
    return is_host_tld(last) or _NUMERIC_LABEL.fullmatch(last) is not None


def valid_host(host: str, *, need_dot: bool) -> bool:
    """Host rules after a scheme: sane labels; a dotted host ends in a TLD, a special-use name or a number.

    ``need_dot`` refuses single-label hosts other than ``localhost`` (for ``//host`` without a scheme).
    """
    if not host or len(host) > 253:
        return False
    if _PLAIN_HOST.fullmatch(host):  # the common case: ASCII letters, digits and inner hyphens
        return _plain_host_ok(host, need_dot=need_dot)
    if host[0] == "[":
        return True
    labels = host.split(".")
    for label in labels:
        if not label or len(label) > 63 or label[0] in "-_" or label[-1] in "-_":
            return False
        if label[:4].lower() == "xn--" and not label.isascii():
            return False
    if len(labels) == 1:
        return not need_dot or host.lower() == "localhost"
    last = labels[-1]
    if _NUMERIC_LABEL.fullmatch(last):
        return True  # an IPv4 address in some encoding: the parser and the structural checks judge it
    if "_" in last or "_" in labels[-2]:
        return False
    return is_host_tld(last)


def _port_end(text: str, pos: int) -> int | None:
    """Where a ``:port`` after a host ends; ``pos`` if there is none; None if the port is impossible."""
    if pos < len(text) and text[pos] == ":":
        m = _PORT.match(text, pos)
        if m:
            digits = m.group(1)
            if len(digits) > 5 or int(digits) > _MAX_PORT:
                return None
            return m.end()
    return pos


def _cjk_segment(text: str, pos: int, at: int) -> bool:
    """Do the CJK letters at ``at`` (right after ``/`` or ``=``) begin a path segment of the URL?

    Yes deeper in the path (``/wiki/北京``, ``?wd=北京``) or when URL characters follow the letters
    (``/报告.pdf``, ``/文档/v2``). A bare run of CJK letters right after the host's ``/`` that ends
    the URL is prose glued to it (``https://twitter.com/これは日本語です。`` ends at ``/``, as in
    twitter-text).
    """
    if at - 1 != pos:
        return True
    run = _CJK_RUN.match(text, at)
    assert run is not None  # text[at] is a CJK letter
    j = run.end()
    nxt = text[j] if j < len(text) else " "
    if nxt.isascii() and (nxt.isalnum() or nxt in "/-_%=?#&+@$"):
        return True
    after = text[j + 1] if j + 1 < len(text) else " "
    return nxt in ".,;:!~*'" and after.isascii() and after.isalnum()


def _scheme_at(text: str, i: int) -> bool:
    """Does a web scheme and ``://`` start at ``i``?"""
    return any(text.startswith("://", i + k) and text[i : i + k].lower() in _WEB_SCHEMES for k in (5, 4, 3, 2))


def _path_scan(text: str, pos: int, opener: str) -> int:
    """The end of the path at ``pos``, before trimming; one pass, never past where the link ends.

    - A link right after ``opener`` (``(``, ``[``, ``{`` or ``"``) ends where that enclosure closes: at
      the first closing bracket that opens nowhere in the path, or the next ``"``. So
      ``(http://one.org/)(http://two.org/)`` and markdown ``[http://a.org/x](http://b.org/y)`` are two
      links and ``asd(b.net/x)asd`` ends at ``x``; pairs inside stay (``(http://a.org/x_(y))``). A link
      not enclosed keeps a closer in its middle (``…?q=(business))+ok``, cmark-gfm) and loses an
      unbalanced one at its end in ``trim_end``.
    - A scheme after a separator starts a second link (``/x,https://b.com``); one after ``/``, ``=`` or
      ``?`` is carried by the first (``web.archive.org/web/2020/https://…``, ``?to=https://…``).
    - CJK letters go on only as a path segment (``_cjk_segment``).
    """
    n = len(text)
    enclosed = opener in _CLOSER
    depth = {"(": 0, "[": 0, "{": 0}
    run = _RUN
    i = pos
    while True:
        m = run.match(text, i)
        assert m is not None  # a star pattern always matches
        i = m.end()
        if i >= n:
            return n
        c = text[i]
        if c in _DECIDE:
            if enclosed and c in depth:
                depth[c] += 1
            elif enclosed and c in _OPENER:
                if not depth[_OPENER[c]]:
                    return i
                depth[_OPENER[c]] -= 1
            elif c == '"' and opener == '"':
                return i
            if c in _SPLIT_BEFORE_SCHEME and _scheme_at(text, i + 1):
                return i
            i += 1
        elif run is _RUN and text[i - 1] in _SEGMENT_START and _CJK_LETTER.match(text, i):
            if not _cjk_segment(text, pos, i):
                return i
            run = _RUN_CJK
        else:
            return i


def _path_end(text: str, start: int, pos: int) -> int:
    """End of the path/query/fragment starting at ``pos`` (if any) of the link at ``start``, trimmed."""
    if pos < len(text) and text[pos] in _PATH_START:
        opener = text[start - 1] if start and text[start - 1] in _ENCLOSERS else ""
        return trim_end(text, start, pos, _path_scan(text, pos, opener))
    return pos


def _is_mention(text: str, start: int) -> bool:
    """``@http://…``, ``#http://…`` at the start of a word are mentions/hashtags, not links."""
    if start == 0 or text[start - 1] not in _MENTION_MARKS:
        return False
    return start == 1 or text[start - 2].isspace()


def _userinfo_end(text: str, pos: int) -> int:
    """Where the host starts after ``[userinfo@]`` at ``pos`` (``pos`` if there is no userinfo).

    WHATWG: the userinfo ends at the *last* ``@`` of the authority, so ``https://u:p@ex@mple.com/``
    is host ``mple.com``; the last ``@`` that a host follows is taken. One scan of the run, then
    steps back over ``@`` only.
    """
    run = _USERINFO_RUN.match(text, pos)
    assert run is not None  # a star pattern always matches
    at = text.rfind("@", pos, run.end())
    while at != -1:
        if _HOST_START.match(text, at + 1):
            return at + 1
        at = text.rfind("@", pos, at)
    return pos


def _authority_end(text: str, pos: int, *, userinfo: bool, neutral: bool) -> int | None:
    """End of ``[userinfo@]host[:port]`` at ``pos``, or None if there is no acceptable host.

    ``userinfo`` says whether to look for ``user@`` (only if the message has an ``@`` at
    all); a ``neutral`` ``//host`` (no scheme) must have a dotted host.
    """
    if userinfo:
        pos = _userinfo_end(text, pos)
    if pos < len(text) and text[pos] == "[":
        ip6 = _IPV6.match(text, pos)
        if not ip6:
            return None
        host_end = ip6.end()
    else:
        hm = _HOST.match(text, pos)
        if not hm:
            return None
        host = hm.group(0)
        if not host.isascii():
            host = _cut_at_wide(host)
        # a hyphen or dot after the host is punctuation (``https://example.org-``); a dot before a
        # port or path is the root label of a fully qualified name (``https://example.com.:8080/x``)
        host = host.rstrip("-")
        bare = host.rstrip(".")
        if not valid_host(bare, need_dot=neutral):
            return None
        fqdn = len(host) == len(bare) + 1 and text[pos + len(host) : pos + len(host) + 1] in (":", "/")
        host_end = pos + len(host if fqdn else bare)
    return _port_end(text, host_end)


def _scheme_url(text: str, m: re.Match[str], has_at: bool = True) -> Span | None:
    """The span of the URL whose scheme ``m`` matched, or None (``has_at``: the text has an ``@``)."""
    start, pos = m.span()
    if start and _is_mention(text, start):
        return None
    form = m.lastgroup
    if form == "web":
        if text.startswith("/", pos) and text[start : start + 4].lower() == "file":
            end = _path_end(text, start, pos)
            return (start, end) if end > pos + 1 else None
        fast = None if has_at else _FAST_AUTHORITY.match(text, pos)
        if fast is not None:  # an ASCII host, maybe a port, then nothing that could extend either
            port = fast.group(2)
            if not _plain_host_ok(fast.group(1), need_dot=False) or (port and int(port) > _MAX_PORT):
                return None
            auth_end: int | None = fast.end()
        else:
            auth_end = _authority_end(text, pos, userinfo=has_at, neutral=False)
    elif form == "neutral":
        auth_end = _authority_end(text, pos, userinfo=False, neutral=True)
    elif form == "angle":
        # a CommonMark autolink <scheme:...>: the brackets say where it ends
        close = text.index(">", pos)
        return None if text[pos : pos + 7].lower() == "mailto:" else (pos, close)
    else:  # javascript:, vbscript:, data:
        body = _PATH.match(text, pos)
        assert body is not None  # a star pattern always matches
        end = trim_end(text, start, pos, body.end())
        return (start, end) if end > pos else None
    if auth_end is None:
        return None
    return start, _path_end(text, start, auth_end)


def _next_scheme(text: str, pos: int, *, full: bool) -> re.Match[str] | None:
    """The next scheme match at or after ``pos``.

    Most messages only have ``scheme://`` links (``full`` is False): those are found by
    their separator and the scheme matched in place, several times faster than searching
    the message with the whole pattern.
    """
    if full:
        return _SCHEME.search(text, pos)
    while (i := text.find("://", pos)) != -1:
        for length in (5, 4, 3, 2):  # https ftps file, http wss, ftp, ws
            s = i - length
            if s >= 0 and text[s:i].lower() in _WEB_SCHEMES:
                m = _SCHEME.match(text, s)
                if m is not None and m.end() == i + 3:
                    return m
                break
        pos = i + 3
    return None


def scan_urls(text: str, max_chars: int) -> Iterator[Span]:
    """Spans of scheme URLs (and ``//host`` URLs) in order; any longer than ``max_chars`` is skipped."""
    seps = text.count("://")
    full = "<" in text or text.count("//") > seps
    if not full and text.count(":") > seps:
        low = text.lower()
        full = "script:" in low or "data:" in low
    has_at = "@" in text
    pos = 0
    while (m := _next_scheme(text, pos, full=full)) is not None:
        span = _scheme_url(text, m, has_at)
        pos = m.end() if span is None else span[1]
        if span is not None and span[1] - span[0] <= max_chars:
            yield span


def overlaps(taken: list[Span], start: int, end: int) -> bool:
    """Does ``[start, end)`` overlap one of the sorted, non-overlapping ``taken`` spans? (a bisection)"""
    i = bisect_right(taken, (start, 1 << 62))
    if i and taken[i - 1][1] > start:
        return True
    return i < len(taken) and taken[i][0] < end


def _domain_span(text: str, m: re.Match[str]) -> Span | None:
    if not is_bare_tld(m.group("tld"), qualified=True):
        return None  # no TLD at all: decided before the path is scanned
    start, host_end = m.span()
    auth_end = _port_end(text, host_end)
    if auth_end is None:
        return None
    end = _path_end(text, start, auth_end)
    qualified = end > host_end or text[start : start + 4].lower() == "www."
    if not is_bare_tld(m.group("tld"), qualified=qualified):
        return None
    return start, end


def _ip_span(text: str, m: re.Match[str]) -> Span | None:
    if any(int(g) > 255 for g in m.groups()):
        return None
    start, host_end = m.span()
    auth_end = _port_end(text, host_end)
    if auth_end is None:
        return None
    end = _path_end(text, start, auth_end)
    return (start, end) if end > host_end else None


def gaps(text: str, taken: list[Span], rx: re.Pattern[str]) -> list[Span]:
    """The stretches of ``text`` between the (sorted) ``taken`` spans in which ``rx`` occurs."""
    out = []
    pos = 0
    for start, end in (*taken, (len(text), len(text))):
        if start > pos and rx.search(text, pos, start) is not None:
            out.append((pos, start))
        pos = max(pos, end)
    return out


def may_have_domain(text: str) -> bool:
    """Cheap gate: a letter or digit, a dot, then two letters (``v1.2.3``, ``3.14``, ``e.g.`` fail)."""
    return _DOMAINISH.search(text) is not None


def scan_domains(text: str, taken: list[Span], max_chars: int) -> Iterator[Span]:
    """Spans of bare domains (and bare IPv4 addresses with a path or port) not overlapping ``taken``."""
    stretches = gaps(text, taken, _DOMAINISH)
    if not stretches:
        return
    scanners = [(_BARE, _domain_span)]
    if text.count(".") >= 3:
        scanners.append((_BARE_IP, _ip_span))
    for rx, make in scanners:
        last_end = 0
        for gap_start, gap_end in stretches:
            for m in rx.finditer(text, gap_start, gap_end):
                if m.start() < last_end:
                    continue
                span = make(text, m)
                if span is None:
                    continue
                # a candidate too long or running into a link is skipped whole, as in ``scan_urls``:
                # the names inside it are never scanned again (else 1 MB of "(a.com/" is quadratic)
                last_end = span[1]
                if span[1] - span[0] <= max_chars and not overlaps(taken, *span):
                    yield span
