"""The JSON API under ``/v1``: check messages and pictures, and read and set a user's prefs."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse

from ..codes import too_large
from ..core.model import CONTEXTS, MODES, Analysis, UserPrefs
from ..errors import InputError
from ..service.gateway import Gateway, Message
from ..service.pictures import PictureAnalysis
from ..service.prefs import site_key
from .failures import ApiError
from .jsonbody import JSONBody
from .schemas import (
    BatchRequest,
    BatchResponse,
    CheckRequest,
    CheckResponse,
    ErrorResponse,
    ImageCheckResponse,
    ImageParams,
    Prefs,
)

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "missing or unknown API key"},
    413: {"model": ErrorResponse, "description": "message, batch or picture too large"},
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


IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/octet-stream")  # any other: bytes too
IMAGE_FIELD = "image"
_BINARY = {"type": "string", "format": "binary"}
_PARAMS: dict[str, dict[str, Any]] = {
    "context": {"type": "string", "enum": list(CONTEXTS), "default": "direct"},
    "user": {"type": "string", "minLength": 1, "maxLength": 128, "description": "the operator's id for the user"},
    "mode": {"type": "string", "enum": list(MODES), "description": "overrides the user's and the operator's mode"},
    "preview": {"type": "boolean", "default": False, "description": "resolve short links and build cards (online)"},
}
_IMAGE_DOC: dict[str, Any] = {
    "security": [{SECURITY_SCHEME: []}],
    "parameters": [{"name": n, "in": "query", "required": False, "schema": schema} for n, schema in _PARAMS.items()],
    "requestBody": {
        "required": True,
        "description": "the picture's bytes (PNG, JPEG, GIF, WebP or BMP, up to image_check.max_bytes), or a "
        "multipart form with the picture in the `image` field and, optionally, the query's parameters as fields",
        "content": {
            **{media: {"schema": _BINARY} for media in IMAGE_TYPES},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [IMAGE_FIELD],
                    "properties": {IMAGE_FIELD: _BINARY, **_PARAMS},
                    "additionalProperties": False,
                }
            },
        },
    },
}


async def read_picture(request: Request, limit: int) -> tuple[ImageParams, bytes]:
    """The parameters (query, and a multipart form's fields) and the picture's bytes, at most ``limit`` of them."""
    fields: dict[str, Any] = dict(request.query_params)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == "multipart/form-data":
        fields, data = await _read_form(request, fields, limit)
    else:
        data = await _read_capped(request, limit)
    try:
        params = ImageParams.model_validate(fields)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from exc
    return params, data


def _gone() -> ApiError:
    # nobody is listening for an answer; this only ends the request cleanly
    return ApiError(400, "the client closed the connection before sending the body", code="input.incomplete")


async def _read_capped(request: Request, limit: int) -> bytes:
    """The raw body, refused as soon as it is known to be over ``limit`` (declared, or as it arrives)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(declared, limit)
    buf = bytearray()
    try:
        async for chunk in request.stream():
            buf += chunk
            if len(buf) > limit:
                raise too_large(f"more than {limit}", limit)
    except ClientDisconnect as exc:
        raise _gone() from exc
    return bytes(buf)


async def _read_form(request: Request, fields: dict[str, Any], limit: int) -> tuple[dict[str, Any], bytes]:
    try:
        form = await request.form(max_files=1, max_fields=len(_PARAMS) + 1, max_part_size=64 * 1024)
    except HTTPException as exc:  # the multipart body does not parse
        raise InputError(f"the multipart form cannot be read: {exc.detail}", code="input.invalid") from exc
    except ClientDisconnect as exc:
        raise _gone() from exc
    try:
        picture = form.get(IMAGE_FIELD)
        if picture is None:
            raise InputError(f"the form has no `{IMAGE_FIELD}` field: put the picture there", code="input.invalid")
        for name, value in form.multi_items():
            if name == IMAGE_FIELD:
                continue
            if name not in _PARAMS or not isinstance(value, str) or name in fields:
                raise InputError(
                    f"unexpected form field {name!r}: send the picture as `{IMAGE_FIELD}` and, once each, "
                    f"{', '.join(_PARAMS)}",
                    code="input.invalid",
                )
            fields[name] = value
        if isinstance(picture, str):
            data = picture.encode("utf-8", "surrogateescape")
        else:
            data = await picture.read(limit + 1)
        if len(data) > limit:
            raise too_large(f"more than {limit}", limit)
        return fields, data
    finally:
        await form.close()


def picture_json(
    gw: Gateway, checked: PictureAnalysis, base: str, params: ImageParams, *, keyed: bool
) -> dict[str, Any]:
    """The response body for one picture: its codes, and every link as ``/v1/check`` gives it (with go-links)."""

    def go(r: Any) -> dict[str, Any]:
        return {"go": gw.go_link(r, base, context=params.context, mode=params.mode, keyed=keyed)}

    return {**checked.to_json(extra=go), "policy_version": gw.engine.policy_version}


@router.post(
    "/check/image",
    response_model=ImageCheckResponse,
    summary="Check the QR codes and barcodes in one picture",
    openapi_extra=_IMAGE_DOC,
)
async def check_image(request: Request) -> JSONResponse:
    """Read every QR code and barcode in a picture; check and decide every link their texts hold."""
    gw, keyed = authorised(request)
    params, data = await read_picture(request, gw.config.image_check.max_bytes)
    checked = await gw.check_image(
        data, context=params.context, user=params.user, mode=params.mode, preview=params.preview
    )
    return JSONResponse(picture_json(gw, checked, base_url(request), params, keyed=keyed))


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
