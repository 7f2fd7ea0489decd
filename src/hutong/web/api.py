"""The JSON API under ``/v1``: check messages, and read and set a user's prefs."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from ..core.model import Analysis, UserPrefs
from ..errors import InputError
from ..service.gateway import Gateway, Message
from ..service.prefs import site_key
from .failures import ApiError
from .jsonbody import JSONBody
from .schemas import BatchRequest, BatchResponse, CheckRequest, CheckResponse, ErrorResponse, Prefs

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "missing or unknown API key"},
    413: {"model": ErrorResponse, "description": "message or batch too large"},
    422: {"model": ErrorResponse, "description": "the request does not match the schema"},
    503: {"model": ErrorResponse, "description": "a store is unavailable"},
}
SECURITY_SCHEME = "bearerAuth"
#: request models the routes parse themselves; app.py publishes their schemas in the OpenAPI components
REQUEST_MODELS: tuple[type[BaseModel], ...] = (CheckRequest, BatchRequest, Prefs)
M = TypeVar("M", bound=BaseModel)


def _doc(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI extras for a route: the bearer key, and the JSON body ``model`` it parses itself."""
    body = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {
        "security": [{SECURITY_SCHEME: []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
    }


async def gateway(request: Request) -> Gateway:
    """The app's gateway (async: FastAPI runs sync dependencies in a thread, which costs more than this)."""
    gw: Gateway = request.app.state.gateway
    return gw


def authorise(request: Request) -> Gateway:
    """The gateway, once the caller's key is checked; 401 without a valid key unless in development mode."""
    return authorised(request)[0]


def authorised(request: Request) -> tuple[Gateway, bool]:
    """The gateway and whether the caller sent a valid key (False only in development mode); else 401.

    A plain call rather than a FastAPI dependency: dependency solving cost more per request than the
    whole check of a short message, and checking the key first means a caller without one learns
    nothing from validation errors.
    """
    gw: Gateway = request.app.state.gateway
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        if gw.dev_mode:
            return gw, False
        raise ApiError(401, "this API needs a key: send `Authorization: Bearer KEY`", code="auth.missing")
    if gw.keys.verify(key.strip()) is None:
        raise ApiError(
            401, "unknown or revoked API key; create one with `hutong keys create NAME`", code="auth.invalid"
        )
    return gw, True


async def read_body(request: Request) -> bytes:
    """The whole request body; a client that leaves mid-body (or is cut off by the body limit) ends the request.

    Read from ``receive`` directly: a body with a declared length arrives in one message, and
    Starlette's ``Request.body`` went through an async generator for it.
    """
    chunks: list[bytes] = []
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            # nobody is listening for an answer; this only ends the request cleanly
            raise ApiError(400, "the client closed the connection before sending the body", code="input.incomplete")
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def parse(model: type[M], raw: bytes) -> M:
    """Validate a JSON body against ``model`` (pydantic's JSON parser: one pass, no dict in between)."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from exc


router = APIRouter(prefix="/v1", responses=_ERRORS)
UserPath = Annotated[str, Path(min_length=1, max_length=128, description="the operator's id for the user")]


_DEFAULT_PORTS = {"http": 80, "https": 443}


def base_url(request: Request) -> str:
    """The request's own base URL, for go-links when ``server.public_url`` is empty.

    What ``str(request.base_url).rstrip("/")`` answers, from the scope directly (that built two URL
    objects per request).
    """
    scope = request.scope
    scheme = scope.get("scheme", "http")
    root: str = scope.get("app_root_path", scope.get("root_path", "")).rstrip("/")
    for key, value in scope["headers"]:
        if key == b"host":
            return f"{scheme}://{value.decode('latin-1')}{root}"
    server = scope.get("server")
    if server is None:
        return root
    host, port = server
    return f"{scheme}://{host}{root}" if port == _DEFAULT_PORTS.get(scheme) else f"{scheme}://{host}:{port}{root}"


def links_json(gw: Gateway, analysis: Analysis, base: str, body: CheckRequest | Any, *, keyed: bool) -> dict[str, Any]:
    """The response body for one message: the CLI contract plus a go-link per link."""
    return {
        "links": [
            r.to_json(extra={"go": gw.go_link(r, base, context=body.context, mode=body.mode, keyed=keyed)})
            for r in analysis.links
        ],
        "truncated": analysis.truncated,
        "policy_version": gw.engine.policy_version,
    }


@router.post(
    "/check",
    response_model=CheckResponse,
    summary="Check the links in one message",
    openapi_extra=_doc(CheckRequest),
)
async def check(request: Request) -> JSONBody:
    """Find, clean, identify, screen and decide every link in one message."""
    gw, keyed = authorised(request)
    body = parse(CheckRequest, await read_body(request))
    analysis = await gw.check_message(
        body.text, context=body.context, user=body.user, mode=body.mode, preview=body.preview
    )
    return JSONBody(links_json(gw, analysis, base_url(request), body, keyed=keyed))


@router.post(
    "/check/batch",
    response_model=BatchResponse,
    summary="Check many messages in one call",
    openapi_extra=_doc(BatchRequest),
)
async def check_batch(request: Request) -> JSONBody:
    """``/v1/check`` for up to ``server.max_batch`` messages; all are validated before any is checked."""
    gw, keyed = authorised(request)
    body = parse(BatchRequest, await read_body(request))
    messages = [Message(m.text, m.context, m.user, m.mode) for m in body.messages]
    checked = await gw.check_messages(messages, preview=body.preview)
    base = base_url(request)
    results = [links_json(gw, a, base, m, keyed=keyed) for a, m in zip(checked, body.messages, strict=True)]
    return JSONBody({"results": results})


def site_name(value: str) -> str:
    """A site for ``always_open``: its registrable domain in IDNA (A-label) form (``prefs.site_key``)."""
    try:
        return site_key(value)
    except InputError as exc:
        raise ApiError(422, exc.message, code="input.invalid") from exc


def prefs_json(prefs: UserPrefs) -> dict[str, Any]:
    """Prefs as the API shows them."""
    return {"mode": prefs.mode, "categories": dict(prefs.categories), "always_open": list(prefs.always_open)}


@router.get(
    "/users/{user}/prefs",
    response_model=Prefs,
    summary="A user's own link settings",
    openapi_extra={"security": [{SECURITY_SCHEME: []}]},
)
async def get_prefs(user: UserPath, request: Request) -> JSONBody:
    """The prefs the user chose; the defaults (all null/empty) if they never chose."""
    gw = authorise(request)
    return JSONBody(prefs_json(gw.prefs.get(user) or UserPrefs()))


@router.put(
    "/users/{user}/prefs",
    response_model=Prefs,
    summary="Set a user's own link settings",
    openapi_extra=_doc(Prefs),
)
async def put_prefs(user: UserPath, request: Request) -> JSONBody:
    """Replace the user's prefs; they apply to the next check and the next click."""
    gw = authorise(request)
    body = parse(Prefs, await read_body(request))
    sites = tuple(dict.fromkeys(site_name(s) for s in body.always_open))
    prefs = UserPrefs(mode=body.mode, categories=tuple(sorted(body.categories.items())), always_open=sites)
    gw.prefs.put(user, prefs)
    return JSONBody(prefs_json(prefs))
