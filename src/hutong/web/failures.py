"""How errors reach API callers: ``{"error": {"code", "message"}}`` with a fitting status.

Every failure is a bounded, explained answer: validation problems are summarised in one
sentence naming the field; anything unexpected is logged and answered with a 500 that
says to retry, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from ..errors import ConfigError, HutongError, InputError, PictureError, StorageError, TokenError
from .jsonbody import JSONBody

log = logging.getLogger("hutong.web")


class ApiError(HutongError):
    """An API answer other than success, with its HTTP status."""

    def __init__(self, status: int, message: str, *, code: str) -> None:
        super().__init__(message, code=code)
        self.status = status


def status_for(exc: HutongError) -> int:
    """The HTTP status for a hutong error."""
    if isinstance(exc, ApiError):
        return exc.status
    if isinstance(exc, TokenError):
        return 410 if exc.code == "token.expired" else 400
    if isinstance(exc, PictureError):
        return 413 if exc.too_large else 422
    if isinstance(exc, InputError):
        return 413 if exc.code == "input.too_large" else 422
    if isinstance(exc, StorageError):
        return 503
    if isinstance(exc, ConfigError):
        return 500
    return 500


def error_json(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, *, message_zh: str = ""
) -> JSONBody:
    """The one error shape of the API (``message_zh``: the reason in Chinese, where hutong has it)."""
    error = {"code": code, "message": message} | ({"message_zh": message_zh} if message_zh else {})
    return JSONBody({"error": error}, status_code=status, headers=headers)


def describe_validation(errors: Sequence[Any]) -> str:
    """One readable sentence from pydantic's error list."""
    parts = []
    for err in list(errors)[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body",)) or "request body"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(parts) + more + ". See /openapi.json for the request format."


def hutong_response(request: Request, exc: HutongError) -> Response:
    """The API's answer to a hutong error raised while serving ``request``."""
    status = status_for(exc)
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc.message)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return error_json(status, exc.code, exc.message, headers, message_zh=getattr(exc, "detail_zh", ""))


def validation_response(exc: RequestValidationError) -> Response:
    """The API's answer to a body that does not match its schema."""
    return error_json(422, "input.invalid", describe_validation(exc.errors()))


def crashed() -> Response:
    """The answer to an unexpected failure (already logged): a 500 that says to retry, no traceback."""
    return error_json(500, "internal", "the server failed on this request; it was logged. Try again later.")


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into the API's error shape."""

    async def on_hutong(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HutongError)
        return hutong_response(request, exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return validation_response(exc)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = {400: "input.unreadable", 404: "http.not_found", 405: "http.method_not_allowed"}.get(
            exc.status_code, "http.error"
        )
        return error_json(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    async def on_other(request: Request, exc: Exception) -> Response:
        if isinstance(exc, ClientDisconnect):  # the client left (or the body limit cut it off): nobody to answer
            return error_json(499, "http.client_gone", "the client closed the connection")
        log.exception("%s %s crashed", request.method, request.url.path, exc_info=exc)
        return crashed()

    app.add_exception_handler(HutongError, on_hutong)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_other)
