"""A loader and engine for the ClearURLs rule format (``data.min.json``).

The rule file is LGPL-3.0 data and is never bundled: operators point ``clean.clearurls`` at
the current file. Format: ``{"providers": {NAME: {urlPattern, completeProvider, rules,
rawRules, referralMarketing, exceptions, redirections, forceRedirection}}}``; every value is a
JavaScript regular expression, compiled here case-insensitively as the ClearURLs add-on does.
A rule that does not compile in Python disables itself and is listed in ``skipped``.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote

from ..errors import DataError

MAX_REDIRECTS = 5


@dataclass(frozen=True, slots=True)
class Provider:
    """One ClearURLs provider: the URLs it covers and what it removes from them."""

    name: str
    url_pattern: re.Pattern[str]
    complete: bool = False
    rules: tuple[re.Pattern[str], ...] = ()
    raw_rules: tuple[re.Pattern[str], ...] = ()
    referral: tuple[re.Pattern[str], ...] = ()
    exceptions: tuple[re.Pattern[str], ...] = ()
    redirections: tuple[re.Pattern[str], ...] = ()
    force_redirection: bool = False

    def covers(self, url: str) -> bool:
        """True if the provider applies to ``url`` (its pattern matches and no exception does)."""
        return bool(self.url_pattern.search(url)) and not any(e.search(url) for e in self.exceptions)


class Applied(NamedTuple):
    """What the rules do to one URL."""

    url: str  # the URL with tracking removed
    removed: tuple[str, ...]  # parameter names removed, in URL order
    redirect: str | None  # a redirection target written inside the URL, decoded
    blocked: bool  # a completeProvider covers the URL: the whole URL is a tracker


@dataclass(frozen=True, slots=True)
class ClearURLsRules:
    """A loaded rule file."""

    providers: tuple[Provider, ...]
    skipped: tuple[str, ...] = ()  # "provider: regex: reason" for rules Python cannot compile

    @classmethod
    def load(cls, path: str | Path) -> ClearURLsRules:
        """Read a ``data.min.json`` file."""
        try:
            obj = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise DataError(f"cannot read ClearURLs rules {path}: {exc}; check clean.clearurls") from exc
        except ValueError as exc:
            raise DataError(f"ClearURLs rules {path} are not valid JSON: {exc}") from exc
        return cls.from_json(obj)

    @classmethod
    def from_json(cls, obj: Any) -> ClearURLsRules:
        """Build from the parsed JSON of a rule file."""
        if not isinstance(obj, Mapping) or not isinstance(obj.get("providers"), Mapping):
            raise DataError('ClearURLs rules need a top-level "providers" object (data.min.json format)')
        skipped: list[str] = []
        providers = []
        for name, raw in obj["providers"].items():
            if not isinstance(raw, Mapping):
                raise DataError(f"ClearURLs provider {name!r} is not an object")
            provider = _provider(str(name), raw, skipped)
            if provider is not None:
                providers.append(provider)
        return cls(tuple(providers), tuple(skipped))

    @property
    def rule_count(self) -> int:
        """Number of parameter rules (rules + referralMarketing) across providers."""
        return sum(len(p.rules) + len(p.referral) for p in self.providers)

    def covering(self, url: str) -> tuple[Provider, ...]:
        """Providers that apply to ``url``."""
        return tuple(p for p in self.providers if p.covers(url))

    def name_matcher(self, url: str, *, keep_referral: bool = False) -> Callable[[str], bool]:
        """A test telling whether a parameter name is tracking on ``url``."""
        rules = [
            r for p in self.covering(url) for r in (p.rules if keep_referral else (*p.rules, *p.referral))
        ]
        return lambda name: any(r.fullmatch(name) for r in rules)

    def apply(self, url: str, *, keep_referral: bool = False) -> Applied:
        """Remove tracking from ``url`` with every provider covering it, as the ClearURLs add-on does."""
        providers = self.covering(url)
        # a redirection names where the link really goes, so it wins over blocking the tracker host
        for p in providers:
            for rx in p.redirections:
                m = rx.search(url)
                if m and m.groups() and m.group(1):
                    return Applied(url, (), _target(m.group(1)), False)
        if any(p.complete for p in providers):
            return Applied(url, (), None, True)
        for p in providers:
            for rx in p.raw_rules:
                url = rx.sub("", url)
        rules = [r for p in providers for r in (p.rules if keep_referral else (*p.rules, *p.referral))]
        return _strip(url, rules)

    def clear(self, url: str, *, keep_referral: bool = False, max_redirects: int = MAX_REDIRECTS) -> str:
        """Apply repeatedly, following redirections written in the URL (at most ``max_redirects``)."""
        for _ in range(max_redirects):
            applied = self.apply(url, keep_referral=keep_referral)
            if applied.redirect is None:
                return applied.url
            url = applied.redirect
        return self.apply(url, keep_referral=keep_referral).url  # redirects spent: clean where we stand


def _compile(value: Any, where: str, skipped: list[str]) -> re.Pattern[str] | None:
    if not isinstance(value, str):
        raise DataError(
            f"ClearURLs {where}: expected a regular expression string, got {type(value).__name__}"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # JS syntax Python only warns about (nested sets) still compiles
            return re.compile(value, re.IGNORECASE)
    except re.error as exc:
        skipped.append(f"{where}: {value}: {exc}")
        return None


def _many(raw: Mapping[str, Any], key: str, name: str, skipped: list[str]) -> tuple[re.Pattern[str], ...]:
    values = raw.get(key, [])
    if not isinstance(values, list):
        raise DataError(f"ClearURLs provider {name!r}: {key} must be a list")
    compiled = (_compile(v, f"{name}.{key}", skipped) for v in values)
    return tuple(c for c in compiled if c is not None)


def _provider(name: str, raw: Mapping[str, Any], skipped: list[str]) -> Provider | None:
    pattern = _compile(raw.get("urlPattern"), f"{name}.urlPattern", skipped)
    if pattern is None:
        return None
    return Provider(
        name=name,
        url_pattern=pattern,
        complete=bool(raw.get("completeProvider", False)),
        rules=_many(raw, "rules", name, skipped),
        raw_rules=_many(raw, "rawRules", name, skipped),
        referral=_many(raw, "referralMarketing", name, skipped),
        exceptions=_many(raw, "exceptions", name, skipped),
        redirections=_many(raw, "redirections", name, skipped),
        force_redirection=bool(raw.get("forceRedirection", False)),
    )


def _target(found: str) -> str:
    target = unquote(found)
    for _ in range(3):  # targets are sometimes encoded twice or three times
        if "://" in target[:12] or "%" not in target:
            break
        target = unquote(target)
    if "://" not in target[:12]:
        # a scheme-less target ("google.com/amp/s/host/...") gets https, never a downgrade to http
        target = "https://" + target
    return target


def _strip_part(part: str, rules: list[re.Pattern[str]], removed: list[str]) -> str:
    kept = []
    for piece in part.split("&"):
        if not piece:
            continue
        name = piece.partition("=")[0]
        if any(r.fullmatch(name) for r in rules):
            if name not in removed:
                removed.append(name)
            continue
        kept.append(piece)
    return "&".join(kept)


def _strip(url: str, rules: list[re.Pattern[str]]) -> Applied:
    removed: list[str] = []
    base, hash_sign, fragment = url.partition("#")
    base, qmark, query = base.partition("?")
    query = _strip_part(query, rules, removed) if qmark else ""
    if hash_sign and "=" in fragment:
        fragment = _strip_part(fragment, rules, removed)
    out = base + ("?" + query if query else "") + ("#" + fragment if fragment else "")
    return Applied(out, tuple(removed), None, False)
