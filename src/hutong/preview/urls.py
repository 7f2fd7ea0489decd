"""URLs found in page metadata: resolved against the final URL, unsafe schemes dropped, length capped."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

MAX_URL_CHARS = 2048
_SAFE_SCHEMES = ("http", "https")


def absolute(value: str | None, base: str) -> str | None:
    """``value`` made absolute against ``base``; None for ``javascript:``/``data:``/other schemes or junk."""
    if not value:
        return None
    value = value.strip().replace("\n", "").replace("\r", "").replace("\t", "")
    if not value or len(value) > MAX_URL_CHARS:
        return None
    try:
        # most metadata URLs are already absolute: skip urljoin's full parse of the base
        joined = value if value.startswith(("https://", "http://")) else urljoin(base, value)
        parts = urlsplit(joined)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES or not parts.hostname:
        return None
    return joined


def host_of(url: str) -> str | None:
    """Lower-case host of ``url``, or None."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None
