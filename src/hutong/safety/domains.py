"""Domain and URL-prefix matching for the operator's allow and deny lists (``safety.allow``/``safety.deny``).

An item is a domain (it matches the domain and every subdomain, on a label boundary, never
``evil-example.com``) or a URL prefix (anything with a ``/``: it matches Safe Browsing
expressions that start with it, whatever the scheme). Items are canonicalised the same way
URLs are, so ``EXAMPLE.com.`` and ``example.com`` are one item.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError, InputError
from .canon import Canonical, canonicalize
from .importers import normalise_domain


@dataclass(frozen=True, slots=True)
class ListMatch:
    """Which operator item matched, as written in the configuration."""

    item: str
    kind: str  # "domain" or "prefix"


class DomainList:
    """A set of domains (with subdomains) and URL prefixes, matched against canonical URLs."""

    __slots__ = ("_domains", "_prefixes")

    def __init__(self, items: tuple[str, ...], *, setting: str) -> None:
        self._domains: dict[str, str] = {}
        self._prefixes: list[tuple[str, str]] = []
        for item in items:
            try:
                if "/" in item:
                    c = canonicalize(item)
                    self._prefixes.append((c.expression, item))
                else:
                    self._domains[normalise_domain(item)] = item
            except InputError as exc:
                raise ConfigError(
                    f"{setting}: {item!r} is neither a domain nor a URL prefix ({exc.message})"
                ) from exc

    def __bool__(self) -> bool:
        return bool(self._domains or self._prefixes)

    def __len__(self) -> int:
        return len(self._domains) + len(self._prefixes)

    def match(self, c: Canonical) -> ListMatch | None:
        """The first item covering ``c``: its host or a parent domain, or a prefix of its expression."""
        if self._domains:
            host = c.host
            while True:
                if host in self._domains:
                    return ListMatch(self._domains[host], "domain")
                dot = host.find(".")
                if dot == -1 or c.is_ip:
                    break
                host = host[dot + 1 :]
        if self._prefixes:
            expression = c.expression
            for prefix, item in self._prefixes:
                if expression.startswith(prefix):
                    return ListMatch(item, "prefix")
        return None
