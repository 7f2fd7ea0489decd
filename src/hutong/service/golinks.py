"""Go-links: a signed token that carries one URL, the chat context and (optionally) the mode, title, the
category the link's fetched page declared when it was checked and, for a friend-pays request, the payee and
amount its share text stated (the click-time check is offline, so that evidence would otherwise be lost: a
newcomer shop decided unlike a listed one at the click, a payment request opened as a plain shop link),
and the wall (login or app) the check's fetch landed on, so the confirm page can say so.

The token is the only source of the URL a go-link redirects to, so a go-link cannot be
pointed anywhere its signer did not check (hutong is not an open redirect). The clicking
user's id (``?u=``) is not in the token: it is only used to look up that user's prefs.

Two more rules keep a go-link from becoming a redirect for a URL nobody trusted checked:

- A token says whether it was made for a caller with an API key (``"k": 1``). A server that
  has keys sends the browser on only for such tokens (``honoured``); a token made anonymously
  in development mode, or by an earlier version that did not say, is shown but never followed.
- Continuing from a confirm page needs that page's **confirmation nonce**: a short-lived token
  bound to the go-link token, to a random id kept in the browser's ``SameSite=Strict`` cookie,
  and to the clicking user. The page posts it; no URL can carry a confirmation, so a link
  pasted elsewhere can never skip the page, and a form on another site cannot present it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.model import CATEGORIES, CONTEXTS, MODES, Context, Mode, Payment
from ..core.reach import Reach, reach_of
from ..errors import TokenError
from ..signing import Signer, b64encode

PURPOSE = "go"
MAX_TITLE = 200  # the title only informs re-screening; a long one would bloat every link
CONFIRM_PURPOSE = "go-confirm"
CONFIRM_TTL = 900.0  # seconds a confirm page's Continue stays good: long enough to read the page
CONFIRM_COOKIE = "hutong_confirm"
_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{22,64}")
# a wall a go-link may carry → the reach code the confirm page explains it with
WALLS = {"login": "reach.login.seen", "app": "reach.app.seen"}


@dataclass(frozen=True, slots=True)
class GoClaim:
    """What a go-link points at, as checked when it was made."""

    url: str
    context: Context
    mode: Mode | None = None
    title: str | None = None
    keyed: bool = False  # made for a caller with an API key
    category: str | None = None  # declared by the fetched page at check time (a category.page reason)
    payment: Payment | None = None  # a friend-pays request's payee and amount (the share text said so)
    wall: str | None = None  # "login" or "app": the wall the check's fetch landed on (hutong.core.reach)


def make_token(signer: Signer, claim: GoClaim, *, ttl_days: float, now: float | None = None) -> str:
    """A signed token for ``claim``, valid ``ttl_days`` days."""
    data: dict[str, Any] = {"u": claim.url, "c": claim.context}
    if claim.mode is not None:
        data["m"] = claim.mode
    if claim.title:
        data["t"] = claim.title[:MAX_TITLE]
    if claim.keyed:
        data["k"] = 1
    if claim.category:
        data["g"] = claim.category
    if claim.payment is not None:
        data["p"] = {k: v[:MAX_TITLE] for k, v in claim.payment.to_json().items() if v}
    if claim.wall:
        data["w"] = claim.wall
    return signer.sign(PURPOSE, data, ttl=ttl_days * 86400.0, now=now)


def read_token(signer: Signer, token: str, *, now: float | None = None) -> GoClaim:
    """The claim in a valid go-link token; ``TokenError`` for anything else."""
    data = signer.verify(PURPOSE, token, now=now).data
    return _claim(data)


def _claim(data: Mapping[str, Any]) -> GoClaim:
    url, context, mode, title, keyed = data.get("u"), data.get("c"), data.get("m"), data.get("t"), data.get("k")
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        raise TokenError("this link does not point at a web address", code="token.malformed")
    if context not in CONTEXTS:
        raise TokenError("this link's chat context is unknown", code="token.malformed")
    if mode is not None and mode not in MODES:
        raise TokenError("this link's mode is unknown", code="token.malformed")
    if title is not None and not isinstance(title, str):
        raise TokenError("this link's title is unreadable", code="token.malformed")
    if keyed not in (None, 1):
        raise TokenError("this link's origin is unreadable", code="token.malformed")
    category = data.get("g")
    if category is not None and category not in CATEGORIES:
        raise TokenError("this link's category is unknown", code="token.malformed")
    payment = data.get("p")
    if payment is not None and not isinstance(payment, dict):
        raise TokenError("this link's payment request is unreadable", code="token.malformed")
    wall = data.get("w")
    if wall is not None and (not isinstance(wall, str) or wall not in WALLS):
        raise TokenError("this link's wall is unknown", code="token.malformed")
    return GoClaim(
        url=url, context=context, mode=mode, title=title, keyed=keyed == 1, category=category,
        payment=None if payment is None else Payment.from_json(payment), wall=wall,
    )


def seen_wall(wall: str) -> Reach:
    """The reach a go-link's claim carries, as the click shows it: a wall seen when the link was checked."""
    return reach_of(WALLS[wall], "login" if wall == "login" else "app", (("seen", "when the link was checked"),))


def honoured(claim: GoClaim, *, open_server: bool) -> bool:
    """Whether a go-link may send the browser on: made for a keyed caller, or the server is open (development).

    >>> honoured(GoClaim("https://x.test/", "direct"), open_server=False)
    False
    >>> honoured(GoClaim("https://x.test/", "direct", keyed=True), open_server=False)
    True
    """
    return claim.keyed or open_server


def new_browser_id() -> str:
    """A random id for the confirmation cookie."""
    return secrets.token_urlsafe(16)


def browser_id(cookie: str | None) -> str | None:
    """The cookie's browser id if it has the shape ``new_browser_id`` makes, else None (make a new one)."""
    return cookie if cookie is not None and _BROWSER_ID.fullmatch(cookie) else None


def _digest(text: str) -> str:
    return b64encode(hashlib.sha256(text.encode("utf-8")).digest()[:16])


def confirm_nonce(signer: Signer, token: str, *, browser: str, user: str | None, now: float | None = None) -> str:
    """The nonce a confirm page hands the browser ``browser`` for continuing go-link ``token``."""
    data = {"t": _digest(token), "b": _digest(browser), "u": user or ""}
    return signer.sign(CONFIRM_PURPOSE, data, ttl=CONFIRM_TTL, now=now)


def check_confirmation(
    signer: Signer, nonce: str, token: str, *, browser: str | None, user: str | None, now: float | None = None
) -> None:
    """Accept a Continue only with the nonce this browser's confirm page got for this link and user.

    Raises ``TokenError``: ``confirm.missing`` (no nonce or no cookie), ``confirm.expired``,
    ``confirm.invalid`` (not a confirmation nonce) or ``confirm.mismatch`` (another link, browser or user).
    """
    if not nonce or browser is None:
        raise TokenError(
            "continue from the confirm page in this browser (with cookies on for this site)", code="confirm.missing"
        )
    try:
        data = signer.verify(CONFIRM_PURPOSE, nonce, now=now).data
    except TokenError as exc:
        if exc.code == "token.expired":
            raise TokenError("the confirmation expired; confirm again", code="confirm.expired") from exc
        raise TokenError("this is not a confirmation from this server; confirm again", code="confirm.invalid") from exc
    expected = {"t": _digest(token), "b": _digest(browser), "u": user or ""}
    for name, want in expected.items():
        got = data.get(name)
        if not isinstance(got, str) or not hmac.compare_digest(got, want):
            raise TokenError(
                "this confirmation was for another link or browser; confirm again", code="confirm.mismatch"
            )


def go_url(base: str, token: str) -> str:
    """The absolute go-link for ``token`` under ``base`` (``https://gw.example``)."""
    return f"{base.rstrip('/')}/go/{token}"
