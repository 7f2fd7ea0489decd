"""``/report``: the transparency report as a page (and as JSON or CSV), from the audit log.

Public on purpose, like the policy: it holds counts, never message text or user ids.
The numbers are those of ``hutong report`` for the same window. The page speaks the language
the other pages do (``?lang=``, then the cookie, then ``Accept-Language``; ``web.i18n``).
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from ..errors import HutongError, UsageError
from ..report import build_report, report_json
from ..report_render import SCRIPT, render_report_csv, render_report_html
from ..service.gateway import Gateway
from ..store.timespec import parse_time
from . import i18n

router = APIRouter(include_in_schema=False)

# the page's one inline script is ours and fixed: allow exactly it, by hash
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _window(request: Request) -> tuple[float | None, float | None]:
    now = time.time()
    raw_since, raw_until = request.query_params.get("since"), request.query_params.get("until")
    since = parse_time(raw_since, now) if raw_since else None
    until = parse_time(raw_until, now) if raw_until else None
    if since is not None and until is not None and until <= since:
        raise UsageError("until must be later than since")
    return since, until


@router.get("/report")
async def report(request: Request) -> Response:
    """The report for ``?since=&until=`` (ISO times or ages like 7d), as ``?format=html|json|csv``."""
    gw: Gateway = request.app.state.gateway
    fmt = request.query_params.get("format", "html")
    if fmt not in ("html", "json", "csv"):
        return _problem(400, "input.usage", f"unknown format {fmt!r}; use html, json or csv")
    if not hasattr(gw.audit, "counts"):
        return _problem(404, "audit.disabled", "the audit log is off (audit.enabled = false), so there is no report")
    try:
        since, until = _window(request)
        built = await run_in_threadpool(
            build_report,
            gw.audit,  # type: ignore[arg-type]
            since,
            until,
            policy=getattr(gw.engine, "policy", None),
            min_events=gw.config.audit.disparity_min_events,
        )
    except UsageError as exc:
        return _problem(400, exc.code, exc.message)
    except HutongError as exc:
        return _problem(503, exc.code, exc.message)
    if fmt == "json":
        return JSONResponse(report_json(built), headers=_HEADERS)
    if fmt == "csv":
        return PlainTextResponse(render_report_csv(built), media_type="text/csv; charset=utf-8", headers=_HEADERS)
    lang = i18n.choose(
        request.query_params.get("lang"), request.cookies.get(i18n.COOKIE), request.headers.get("accept-language")
    )
    keep = {k: v for k, v in request.query_params.items() if k in ("since", "until")}
    switch = "?" + urlencode({**keep, "lang": "zh" if lang == "en" else "en"})
    html = await run_in_threadpool(lambda: render_report_html(built, lang, switch_href=switch))
    response = HTMLResponse(html, headers=_HEADERS)
    if i18n.parse_lang(request.query_params.get("lang")):
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def _problem(status: int, code: str, message: str) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=_HEADERS)
