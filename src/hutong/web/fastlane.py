"""A direct path to the hot routes: ``POST /v1/check``, ``POST /v1/check/batch`` and ``GET /go/{token}``.

FastAPI's route matching, dependency solving and exception middleware cost about as much
per request as checking a typical message (measured with ``bench/service.py``). These
routes already read their own bodies and parameters, so the lane calls the same endpoint
functions with a plain ``Request`` and sends their response. Anything the lane does not
recognise plainly (another route or method, a query parameter over its limit) goes
through FastAPI unchanged, and the routes stay declared there, so ``/openapi.json`` still
describes them and errors have the same shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import HutongError
from . import api, pages
from .failures import hutong_response, validation_response

Endpoint = Callable[[Request], Awaitable[Response]]
GO_PREFIX = "/go/"
MAX_USER = pages.MAX_USER  # the limit the /go route declares for its query parameter


async def _go(request: Request) -> Response:
    """``/go/{token}`` with its path and query parameters taken as FastAPI would take them."""
    token = request.scope["path_params"]["token"]
    query = request.query_params
    return await pages.go(request, token, query.get("u"))


def _plain_go(scope: Scope) -> str | None:
    """The token of a ``/go/{token}`` request whose query FastAPI would accept as is, else None."""
    token: str = scope["path"][len(GO_PREFIX) :]
    if not token or "/" in token:
        return None
    u = Request(scope).query_params.get("u")
    if u is not None and len(u) > MAX_USER:
        return None  # FastAPI answers this with its own 422
    return token


class FastLane:
    """Serve the hot routes without the framework's per-request machinery; pass the rest on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        routes = [*api.router.routes, *pages.router.routes]
        declared = {r.path: r for r in routes if isinstance(r, APIRoute)}
        self.posts: Mapping[str, tuple[Endpoint, APIRoute]] = {
            "/v1/check": (api.check, declared["/v1/check"]),
            "/v1/check/batch": (api.check_batch, declared["/v1/check/batch"]),
        }
        self.go_route = declared["/go/{token}"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chosen = self._choose(scope) if scope["type"] == "http" else None
        if chosen is None:
            await self.app(scope, receive, send)
            return
        endpoint, route, params = chosen
        # what the router would have set: Timing labels latency by scope["route"]
        scope["route"], scope["endpoint"], scope["path_params"] = route, route.endpoint, params
        request = Request(scope, receive, send)
        try:
            response = await endpoint(request)
        except HutongError as exc:
            response = hutong_response(request, exc)
        except RequestValidationError as exc:
            response = validation_response(exc)
        await response(scope, receive, send)

    def _choose(self, scope: Scope) -> tuple[Endpoint, APIRoute, dict[str, Any]] | None:
        method, path = scope["method"], scope["path"]
        if scope.get("root_path"):
            return None  # mounted under a prefix: leave path matching to the router
        if method == "POST":
            found = self.posts.get(path)
            return (found[0], found[1], {}) if found is not None else None
        if method == "GET" and path.startswith(GO_PREFIX):
            token = _plain_go(scope)
            return (_go, self.go_route, {"token": token}) if token is not None else None
        return None
