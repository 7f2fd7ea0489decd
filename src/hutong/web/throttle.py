"""Per-client limits on the routes anyone may call: ``/`` (the playground), ``/go/...``, ``/img/...``,
``/appeal/...``, ``/report``.

A thin layer over ``hutong.ratelimit`` that the front door (``web/front.py``) asks first: it
finds the client (``server.trusted_proxies`` decides whether ``X-Forwarded-For`` is believed),
counts the request in its route family and answers a refused one with 429, ``Retry-After`` and a
reason: a page for browsers, JSON for clients that ask for it, plain text for images. The keyed
API (``/v1``) is not limited here.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope

from ..ratelimit import ClientLimiter, Network, bucket, client_of
from . import i18n, pages
from .failures import error_json

PREFIXES = (("/go/", "go"), ("/img/", "img"), ("/appeal/", "appeal"))
EXACT = {"/": "play", "/report": "report"}


def family_of(path: str) -> str | None:
    """The limited route family of ``path``, or None for routes without a per-client limit."""
    if path in EXACT:
        return EXACT[path]
    for prefix, family in PREFIXES:
        if path.startswith(prefix):
            return family
    return None


def client_bucket(scope: Scope, trusted: Sequence[Network]) -> str:
    """The unit a per-client limit counts for this request (``hutong.ratelimit.bucket`` of its client)."""
    peer = scope.get("client")
    forwarded = b",".join(v for k, v in scope.get("headers", ()) if k == b"x-forwarded-for")
    return bucket(client_of(peer[0] if peer else None, forwarded.decode("latin-1") or None, trusted))


class Throttle:
    """Refuse a client's requests to a route family over ``limiter``'s limit with 429."""

    def __init__(self, limiter: ClientLimiter, trusted: Sequence[Network] = ()) -> None:
        self.limiter, self.trusted = limiter, tuple(trusted)

    async def refusal(self, scope: Scope, receive: Receive) -> Response | None:
        """The 429 answer if this request is over its client's limit; None to serve it."""
        family = family_of(scope["path"])
        if family is None:
            return None
        allowance = await self.limiter.hit(family, client_bucket(scope, self.trusted))
        if allowance.allowed:
            return None
        return refusal(Request(scope, receive), family, allowance.limit, allowance.retry_after)


def refusal(request: Request, family: str, limit: int, retry_after: int) -> Response:
    """The 429 answer: why, and when to try again."""
    headers = {"Retry-After": str(retry_after)}
    message = (
        f"too many requests from your address: at most {limit} a minute to these pages "
        f"(server.client_rate_per_minute); try again in {retry_after} s"
    )
    if family == "img":
        return PlainTextResponse(message, status_code=429, headers={**headers, "X-Content-Type-Options": "nosniff"})
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return error_json(429, "rate.limited", message, headers=headers)
    lang = pages.lang_of(request)
    response = pages.render(
        request,
        "error.html",
        429,
        heading=i18n.t("rate.title", lang),
        message=i18n.t("rate.message", lang).format(limit=limit, seconds=retry_after),
        code="rate.limited",
        lead=i18n.t("rate.lead", lang),
    )
    response.headers.update(headers)
    return response
