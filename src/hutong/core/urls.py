"""URL normalisation: one WHATWG parse for every URL hutong handles.

Parsing is done by ``ada-url`` (a WHATWG-conformant C++ parser), so hutong sees a URL exactly
as a browser will: IDNA to ASCII, percent-encoding, default ports dropped, dot segments
resolved, IPv4 in any spelling decoded. hutong adds two things a browser's address bar does
too: a bare domain (``taobao.com/xyz``, ``localhost:8080``) gets a default scheme, and text
that cannot be a URL ends in one explained ``InputError`` (code ``url.invalid``), never any
other exception. The result is a :class:`hutong.core.link.Link`, which the later stages read
instead of parsing the URL again.
"""

from __future__ import annotations

import re

import ada_url
from ada_url._ada_wrapper import ffi as _ffi
from ada_url._ada_wrapper import lib as _lib

from hutong.core.link import HostKind, Link, split_query
from hutong.core.psl import site
from hutong.errors import InputError

# Longer input is refused before parsing: no real link is this long, and the cap bounds the
# work any one message can cause (browsers cap at 2 MB; chat links are a few hundred bytes).
MAX_URL_LENGTH = 32_768

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_SCHEME_PREFIX = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# "localhost:8080/x" and "taobao.com:8080" read as scheme "localhost"/"taobao.com" to a
# WHATWG parser; a port after the colon means the author wrote a host, not a scheme.
_PORT_AFTER_COLON = re.compile(r"[0-9]+(?:[/?#\\]|$)")
# WHATWG strips leading and trailing C0 controls and spaces before parsing.
_C0_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_NEWLINE = str.maketrans("", "", "\t\n\r")

_IPV4, _IPV6 = int(ada_url.HostType.IPV4), int(ada_url.HostType.IPV6)
_NOT_SPECIAL = int(ada_url.SchemeType.NOT_SPECIAL)


def _invalid(raw: str, why: str) -> InputError:
    shown = raw if len(raw) <= 80 else raw[:77] + "..."
    return InputError(f"{shown!r} is not a valid URL: {why}", code="url.invalid")


def _scalar_text(raw: str) -> str:
    """Replace lone surrogates with U+FFFD, as a browser does before parsing."""
    if raw.isascii():
        return raw
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        return raw.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return raw


def _has_real_scheme(text: str) -> bool:
    """True when ``text`` starts with a scheme, not with ``host:port``."""
    match = _SCHEME_PREFIX.match(text)
    if match is None:
        return False
    rest = text[match.end() :]
    if _PORT_AFTER_COLON.match(rest):
        return False
    return "." not in match.group(1) or rest.startswith(("//", "\\\\"))


def _with_scheme(text: str, raw: str, default_scheme: str) -> str:
    """``text`` with ``default_scheme`` added when it is a bare host, refusing other relative references."""
    if text.startswith(("https://", "http://")) or _has_real_scheme(text):
        return text
    if text.startswith(("//", "\\\\")):
        return f"{default_scheme}:{text}"
    if text[:1] in ("/", "\\", "?", "#", ".", "@", ":"):
        raise _invalid(
            raw, "it is a relative reference with no host; give a full URL such as https://example.com/"
        )
    return f"{default_scheme}://{text}"


def _unicode_host(hostname: str, kind: HostKind) -> str:
    if kind != "domain" or "xn--" not in hostname:
        return hostname
    try:
        decoded = ada_url.idna_to_unicode(hostname)
    except (ValueError, UnicodeError):
        return hostname
    return decoded if isinstance(decoded, str) and decoded else hostname


def _host_kind(host_type: int, special: bool, hostname: str) -> HostKind:
    if host_type == _IPV4:
        return "ipv4"
    if host_type == _IPV6:
        return "ipv6"
    if not hostname:
        return "empty"
    return "domain" if special else "opaque"


def _ada(text: str, base: str | None) -> tuple[str, int, int] | None:
    """ada's canonical href, host type and scheme type; None if it refuses the input.

    Calls ada's C API once per URL: the object wrapper costs a C call and a decode per
    attribute, five times slower than this, and the href alone determines every component.
    """
    data = text.encode("utf-8")
    if base is None:
        handle = _lib.ada_parse(data, len(data))
    else:
        base_data = base.encode("utf-8")
        handle = _lib.ada_parse_with_base(data, len(data), base_data, len(base_data))
    try:
        if not _lib.ada_is_valid(handle):
            return None
        href = _lib.ada_get_href(handle)
        text_href = bytes(_ffi.unpack(href.data, href.length)).decode("utf-8")
        return text_href, int(_lib.ada_get_host_type(handle)), int(_lib.ada_get_scheme_type(handle))
    finally:
        _lib.ada_free(handle)


def _split_href(href: str, host_type: int, scheme_type: int) -> Link:
    """The components of a canonical WHATWG href, which are unambiguous once serialised.

    In a serialised URL, "/", "?", "#" and "@" inside userinfo are percent-encoded, a host holds
    none of "/?#@:" (IPv6 aside, which is bracketed), a path holds no "?" or "#", and a query no "#".
    """
    scheme, _, rest = href.partition(":")
    rest, _, fragment = rest.partition("#")
    rest, question, query = rest.partition("?")
    username = password = host = port = ""
    if rest.startswith("//"):
        authority_end = rest.find("/", 2)
        authority, path = (
            (rest[2:], "") if authority_end < 0 else (rest[2:authority_end], rest[authority_end:])
        )
        userinfo, at, hostport = authority.rpartition("@")
        if at:
            username, _, password = userinfo.partition(":")
        if hostport.startswith("["):
            host, _, port = hostport.partition("]")
            host += "]"
            port = port[1:]
        else:
            host, _, port = hostport.partition(":")
    else:
        # A path starting "//" with no host is serialised as "/.//" so it cannot read as one.
        path = rest[2:] if rest.startswith("/.//") else rest
    hostname = host[1:-1] if host.startswith("[") else host
    kind = _host_kind(host_type, scheme_type != _NOT_SPECIAL, hostname)
    return Link(  # positional: built once per URL, and keyword passing costs a third more
        href,
        scheme,
        username,
        password,
        host,
        hostname,
        int(port) if port else None,
        path,
        query,
        fragment,
        kind,
        _unicode_host(hostname, kind),
        bool(question),
        split_query(query),
        site(hostname) if hostname else None,
    )


def _parse(text: str, base: str | None, raw: str) -> Link:
    try:
        parsed = _ada(text, base)
    except (ValueError, UnicodeError, TypeError, OverflowError) as exc:
        raise _invalid(raw, "the parser refused it (check the host, the port and stray spaces)") from exc
    if parsed is None:
        raise _invalid(raw, "the parser refused it (check the host, the port and stray spaces)")
    # percent-encoding can make the canonical form up to 9x longer than the input (U+FFFD is
    # %EF%BF%BD): a form over the cap could not be normalised again (found by bench/fuzz.py)
    if len(parsed[0]) > MAX_URL_LENGTH:
        raise _invalid(raw, f"its canonical form is longer than {MAX_URL_LENGTH} characters")
    return _split_href(*parsed)


def normalise(raw: str, *, default_scheme: str = "https", base: str | None = None) -> Link:
    """Parse ``raw`` the WHATWG way; a bare domain gets ``default_scheme``; ``base`` resolves relative input.

    Raises ``InputError`` (code ``url.invalid``) for anything that is not a URL.

    >>> normalise("HTTP://Item.Taobao.com:80/a/../item.htm?id=1").href
    'http://item.taobao.com/item.htm?id=1'
    >>> normalise("taobao.com/xyz").href
    'https://taobao.com/xyz'
    """
    if not isinstance(raw, str):
        raise InputError(f"expected URL text, got {type(raw).__name__}", code="url.invalid")
    if default_scheme == "https" and base is None:
        return _normalise_checked(raw, "https", None)  # the usual call: the scheme name needs no check
    return _normalise(raw, default_scheme, base)


def _normalise(raw: str, default_scheme: str, base: str | None) -> Link:
    if not _SCHEME.fullmatch(default_scheme):
        raise InputError(
            f"default scheme {default_scheme!r} is not a scheme name such as 'https'", code="url.invalid"
        )
    return _normalise_checked(raw, default_scheme, base)


def _normalise_checked(raw: str, default_scheme: str, base: str | None) -> Link:
    """``normalise`` once ``raw`` is known to be text and ``default_scheme`` a scheme name."""
    if len(raw) > MAX_URL_LENGTH:
        raise _invalid(raw, f"it is longer than {MAX_URL_LENGTH} characters")
    # WHATWG removes ASCII tabs and newlines anywhere; do it first so the scheme test sees "https:".
    text = _scalar_text(raw).strip(_C0_SPACE)
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.translate(_TAB_NEWLINE)
    if base is not None:
        return _parse(text, _scalar_text(base), raw)  # WHATWG: empty input with a base is the base
    if not text:
        raise _invalid(raw, "it is empty")
    return _parse(_with_scheme(text, raw, default_scheme), None, raw)
