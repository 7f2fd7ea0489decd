"""Go-links: a signed token that carries one URL, the chat context and (optionally) the mode, title and the
category the link's fetched page declared when it was checked (the click-time check is offline, so that
evidence would otherwise be lost, and a newcomer shop decided unlike a listed one at the click).

The token is the only source of the URL a go-link redirects to, so a go-link cannot be
pointed anywhere its signer did not check (hutong is not an open redirect). The clicking
user's id (``?u=``) is not in the token: it is only used to look up that user's prefs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import TokenError
from ..model import CATEGORIES, CONTEXTS, MODES, Context, Mode
from ..signing import Signer

PURPOSE = "go"
MAX_TITLE = 200  # the title only informs re-screening; a long one would bloat every link


@dataclass(frozen=True, slots=True)
class GoClaim:
    """What a go-link points at, as checked when it was made."""

    url: str
    context: Context
    mode: Mode | None = None
    title: str | None = None
    category: str | None = None  # declared by the fetched page at check time (a category.page reason)


def make_token(signer: Signer, claim: GoClaim, *, ttl_days: float, now: float | None = None) -> str:
    """A signed token for ``claim``, valid ``ttl_days`` days."""
    data: dict[str, Any] = {"u": claim.url, "c": claim.context}
    if claim.mode is not None:
        data["m"] = claim.mode
    if claim.title:
        data["t"] = claim.title[:MAX_TITLE]
    if claim.category:
        data["k"] = claim.category
    return signer.sign(PURPOSE, data, ttl=ttl_days * 86400.0, now=now)


def read_token(signer: Signer, token: str, *, now: float | None = None) -> GoClaim:
    """The claim in a valid go-link token; ``TokenError`` for anything else."""
    data = signer.verify(PURPOSE, token, now=now).data
    return _claim(data)


def _claim(data: Mapping[str, Any]) -> GoClaim:
    url, context, mode, title = data.get("u"), data.get("c"), data.get("m"), data.get("t")
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        raise TokenError("this link does not point at a web address", code="token.malformed")
    if context not in CONTEXTS:
        raise TokenError("this link's chat context is unknown", code="token.malformed")
    if mode is not None and mode not in MODES:
        raise TokenError("this link's mode is unknown", code="token.malformed")
    if title is not None and not isinstance(title, str):
        raise TokenError("this link's title is unreadable", code="token.malformed")
    category = data.get("k")
    if category is not None and category not in CATEGORIES:
        raise TokenError("this link's category is unknown", code="token.malformed")
    return GoClaim(url=url, context=context, mode=mode, title=title, category=category)


def go_url(base: str, token: str) -> str:
    """The absolute go-link for ``token`` under ``base`` (``https://gw.example``)."""
    return f"{base.rstrip('/')}/go/{token}"
