"""The module's settings from ``homeserver.yaml``, checked once at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

OnError = Literal["allow", "reject"]
Remote = Literal["annotate", "soft_fail", "ignore"]
_KEYS = frozenset(
    {"url", "api_key", "on_error", "timeout_seconds", "remote", "cache_events", "store_path", "keep_days",
     "exempt_senders", "preview"}
)


class SettingError(ValueError):
    """A setting is missing or wrong; the message names it and says what to write."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Where hutong runs and what to do when it cannot answer.

    >>> Settings.parse({"url": "http://127.0.0.1:8080/"}).check_url
    'http://127.0.0.1:8080/v1/check/batch'
    """

    url: str
    api_key: str | None = None
    on_error: OnError = "allow"  # hutong down, slow or failing: deliver unchecked, or refuse
    timeout_seconds: float = 2.0
    remote: Remote = "annotate"  # events from other homeservers: annotate only, soft-fail blocked ones, or skip
    cache_events: int = 10_000  # annotations kept in memory (newest first)
    store_path: str | None = None  # SQLite file that keeps annotations across restarts
    keep_days: float = 30.0  # how long the store keeps an annotation
    exempt_senders: tuple[str, ...] = ()  # e.g. the hutong bot: not checked, not counted as a room member
    preview: bool = False  # ask hutong for cards (it then resolves short links online: slower)

    @property
    def check_url(self) -> str:
        return self.url.rstrip("/") + "/v1/check/batch"

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None) -> Settings:
        """Settings from the module's ``config:`` mapping; unknown keys are refused by name."""
        raw = raw or {}
        unknown = sorted(set(raw) - _KEYS)
        if unknown:
            raise SettingError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(_KEYS))}")
        url = raw.get("url")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise SettingError('url: give the hutong service\'s base URL, e.g. url: "http://127.0.0.1:8080"')
        api_key = raw.get("api_key")
        if api_key is not None and (not isinstance(api_key, str) or not api_key.strip()):
            raise SettingError("api_key: give the key `hutong keys create NAME` printed, or leave it out")
        on_error = raw.get("on_error", "allow")
        if on_error not in ("allow", "reject"):
            raise SettingError(f'on_error: {on_error!r} is neither "allow" nor "reject"')
        remote = raw.get("remote", "annotate")
        if remote not in ("annotate", "soft_fail", "ignore"):
            raise SettingError(f'remote: {remote!r} is not "annotate", "soft_fail" or "ignore"')
        timeout = _number(raw, "timeout_seconds", 2.0, 0.05, 60.0)
        cache_events = int(_number(raw, "cache_events", 10_000, 1, 10_000_000))
        keep_days = _number(raw, "keep_days", 30.0, 0.001, 3650.0)
        store_path = raw.get("store_path")
        if store_path is not None and (not isinstance(store_path, str) or not store_path):
            raise SettingError("store_path: give a file path for the SQLite store, or leave it out")
        exempt = raw.get("exempt_senders", [])
        if not isinstance(exempt, list) or not all(isinstance(u, str) and u.startswith("@") for u in exempt):
            raise SettingError('exempt_senders: a list of Matrix user ids, e.g. ["@hutong:example.org"]')
        preview = raw.get("preview", False)
        if not isinstance(preview, bool):
            raise SettingError(f"preview: {preview!r} is neither true nor false")
        return cls(
            url=url,
            api_key=api_key.strip() if api_key else None,
            on_error=on_error,
            timeout_seconds=timeout,
            remote=remote,
            cache_events=cache_events,
            store_path=store_path,
            keep_days=keep_days,
            exempt_senders=tuple(exempt),
            preview=preview,
        )


def _number(raw: Mapping[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise SettingError(f"{key}: {value!r} is not a number from {low:g} to {high:g}")
    return float(value)
