"""Readers for structured-data values, which come as strings, objects or lists of either. Pure."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from .urls import absolute

_ISO_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$",
    re.I,
)
MAX_DURATION = 100 * 365 * 86400


def first(value: Any) -> Any:
    """The first element of a list, or the value itself."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def text(value: Any, limit: int = 1000) -> str | None:
    """A display string from a string, a number, ``{"name": ...}`` or ``{"@value": ...}``."""
    value = first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
        value = first(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value[:limit] or None


def names(value: Any, limit: int = 300) -> str | None:
    """Comma-joined names from one or several people or organisations."""
    items = value if isinstance(value, list) else [value]
    out = [n for n in (text(v) for v in items[:10]) if n]
    return ", ".join(dict.fromkeys(out))[:limit] or None


def url(value: Any, base: str) -> str | None:
    """An absolute http(s) URL from a string, an ``ImageObject``-like object, or a list of them."""
    value = first(value)
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
        value = first(value)
    return absolute(value, base) if isinstance(value, str) else None


def duration_seconds(value: Any) -> int | None:
    """Seconds from ISO 8601 (``PT1H2M3S``) or a plain number of seconds."""
    value = first(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        raw = value.strip()
        try:
            seconds = float(raw)
        except ValueError:
            m = _ISO_DURATION.match(raw)
            if m is None or raw.upper() in ("P", "PT"):
                return None
            parts = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
            seconds = parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]
    else:
        return None
    if not 0 <= seconds <= MAX_DURATION:
        return None
    return round(seconds)


def iso_date(value: Any) -> str | None:
    """An ISO 8601 timestamp (UTC, ``Z``) from ISO or RFC 2822 text; the date alone if no time was given."""
    raw = text(value, 100)
    if raw is None:
        return None
    candidate = raw.replace("Z", "+00:00").replace("z", "+00:00")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return raw
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(candidate.replace(" ", "T", 1) if " " in candidate[:11] else candidate)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # as metascraper and browsers on UTC machines read it
    if not 1900 <= parsed.year <= 2200:
        return None
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def truthy(value: Any) -> bool:
    """schema.org booleans come as true, "true" or "True"."""
    value = first(value)
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "1", "yes"))
