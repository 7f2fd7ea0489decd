"""The front door: one plain ASGI layer that every HTTP request passes, and the routes it serves itself.

It does, once per request and with as little work as it can, what used to be four middlewares
(body limit, timing, per-client limits, the "fast lane"):

- **body limit** (``server.max_body_bytes``): a declared ``Content-Length`` over the limit gets 413
  at once. httptools reads exactly the declared length, so a request that declares a length within
  the limit is passed on untouched; only a body without a declared length (chunked) is counted as it
  arrives, and cut off with 413 when it passes the limit;
- **timing**: one histogram observation per request, by route template, method and status class;
- **per-client limits** (``throttle.Throttle``) on the anonymous route families;
- **the hot routes** (``HOT`` below: ``/v1/check``, ``/v1/check/batch``, ``/go/{token}``,
  ``/healthz``) are answered here by the same endpoint functions FastAPI declares for them (so
  ``/openapi.json`` still describes them and errors have the same shape), without FastAPI's route
  matching, which walks every declared route, and dependency solving: for ``/healthz`` that was
  0.11 ms of CPU, three times the bare Starlette route; measured in ``docs/benchmarks.md``. Anything
  else, or a hot route whose request FastAPI would treat differently (a query parameter over its
  limit, an app mounted under a root path), goes through FastAPI unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from fastapi.exceptions import RequestValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import HutongError
from . import failures
from .metrics import Metrics
from .throttle import Throttle

log = logging.getLogger("hutong.web")

Endpoint = Callable[[Request], Awaitable[Response]]
GO_PREFIX = "/go/"


@dataclass(frozen=True, slots=True)
class Hot:
    """A route the front door answers itself: its endpoint and the template metrics label it with."""

    endpoint: Endpoint
    template: str


class Front:
    """The outermost ASGI layer of the app: body limit, timing, per-client limits and the hot routes."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        max_body: int,
        throttle: Throttle | None,
        exact: Mapping[tuple[str, str], Hot],
        go: Hot | None,
        go_query_limit: int,
    ) -> None:
        self.app, self.metrics, self.max_body, self.throttle = app, metrics, max_body, throttle
        self.exact = dict(exact)
        self.go, self.go_query_limit = go, go_query_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await self._refuse_body(scope, receive, send, start)
            return
        if self.throttle is not None:
            refused = await self.throttle.refusal(scope, receive)
            if refused is not None:
                await refused(scope, receive, send)
                self._observe(scope, "throttled", refused.status_code, start)
                return
        hot = self._hot(scope)
        if hot is not None and declared is not None:
            await self._serve(hot, scope, receive, send, start)
        else:
            await self._pass(scope, receive, send, start, counted=declared is None)

    def _hot(self, scope: Scope) -> Hot | None:
        if scope.get("root_path"):
            return None  # mounted under a prefix: leave path matching to the router
        path: str = scope["path"]
        hot = self.exact.get((scope["method"], path))
        if hot is not None or self.go is None or scope["method"] != "GET" or not path.startswith(GO_PREFIX):
            return hot
        token = path[len(GO_PREFIX) :]
        if not token or "/" in token or len(scope.get("query_string", b"")) > self.go_query_limit:
            return None  # FastAPI answers these (404, or its own 422 for a long ?u=)
        scope["path_params"] = {"token": token}
        return self.go

    async def _serve(self, hot: Hot, scope: Scope, receive: Receive, send: Send, start: float) -> None:
        request = Request(scope, receive, send)
        try:
            response = await hot.endpoint(request)
        except HutongError as exc:
            response = failures.hutong_response(request, exc)
        except RequestValidationError as exc:
            response = failures.validation_response(exc)
        except ClientDisconnect:
            self._observe(scope, hot.template, 499, start)
            return
        except Exception:
            log.exception("%s %s crashed", scope["method"], scope["path"])
            response = failures.crashed()
        await response(scope, receive, send)
        self._observe(scope, hot.template, response.status_code, start)

    async def _pass(self, scope: Scope, receive: Receive, send: Send, start: float, *, counted: bool) -> None:
        status = 500
        refused = False
        seen = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if refused:
                return  # the 413 went out; the app's own answer is dropped
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        async def limited() -> Message:
            nonlocal seen, refused, status
            message = await receive()
            if message["type"] == "http.request" and not refused:
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    # answer now and let the app see a disconnected client
                    refused, status = True, 413
                    await self._too_large()(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        try:
            await self.app(scope, limited if counted else receive, watch)
        finally:
            route = getattr(scope.get("route"), "path", None)
            self._observe(scope, route if isinstance(route, str) else "unmatched", status, start)

    async def _refuse_body(self, scope: Scope, receive: Receive, send: Send, start: float) -> None:
        await self._too_large()(scope, receive, send)
        self._observe(scope, "unmatched", 413, start)

    def _too_large(self) -> Response:
        return failures.error_json(
            413,
            "input.too_large",
            f"the request body is over {self.max_body} bytes (server.max_body_bytes); send less per call",
        )

    def _observe(self, scope: Scope, route: str, status: int, start: float) -> None:
        self.metrics.observe(route, scope["method"], status, time.perf_counter() - start)


def _content_length(scope: Scope) -> int | None:
    """The declared body length: None for a chunked body, a huge number for a length that is not a number.

    HTTP/1.1 has a request body only with one of the two headers, so a request with neither has none.
    """
    length = 0
    for name, value in scope["headers"]:
        if name == b"transfer-encoding":
            return None
        if name == b"content-length":
            length = int(value) if value.isdigit() else 1 << 62
    return length
