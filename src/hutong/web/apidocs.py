"""The API's own documentation page at ``/docs``, served offline from the installed Swagger UI assets.

FastAPI's default page loads Swagger UI from a CDN and runs an inline script, so it is blank on a
machine without internet and cannot live under a strict CSP. Here the assets come from the
``swagger-ui-bundle-v2`` package and the page is started by our own script file.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from .. import __version__
from .pages import SECURITY_HEADERS

ASSETS = "/docs/assets"
# the pages' policy, plus what Swagger UI itself needs: inline SVG icons (data:) and fetching the spec
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>hutong gateway API {__version__}</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/static/apidocs.js"></script>
</body>
</html>
"""

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def docs_page() -> HTMLResponse:
    """The Swagger UI page for ``/openapi.json``; every script and style from this server."""
    return HTMLResponse(PAGE, headers={**SECURITY_HEADERS, "Content-Security-Policy": CSP})


def install(app: FastAPI) -> None:
    """Serve ``/docs`` and its assets (the app must be created with ``docs_url=None``)."""
    app.include_router(router)
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="apidocs")
