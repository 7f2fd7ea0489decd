"""Server-rendered pages: the playground, and the go-link's confirm, copy-only, block and error pages.

Every page works without JavaScript; the one script only adds copy buttons. Pages need
no API key. A go-link answers with a redirect only when a verified token's URL, checked
again now, may open; everything else is a page, so hutong is never an open redirect.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response

from .. import __version__
from ..errors import HutongError, TokenError
from ..model import CONTEXTS, MODES, Action, Context, LinkReport, Mode
from . import i18n
from .api import base_url, gateway
from .gateway import Gateway

router = APIRouter(include_in_schema=False)
GatewayDep = Annotated[Gateway, Depends(gateway)]
COOKIE_AGE = 365 * 86400
_env = Environment(
    loader=PackageLoader("hutong.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
# script only from us, nothing framed, forms only to us, no referrer to the destination
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def lang_of(request: Request) -> i18n.Lang:
    """The page language for this request."""
    return i18n.choose(
        request.query_params.get("lang"),
        request.cookies.get(i18n.COOKIE),
        request.headers.get("accept-language"),
    )


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    """Render ``template`` in the request's language, remembering an explicit ``?lang=`` choice."""
    lang = lang_of(request)
    other: i18n.Lang = "zh" if lang == "en" else "en"
    keep = {k: v for k, v in request.query_params.items() if k in ("u",)}
    gw: Gateway = request.app.state.gateway
    html = _env.get_template(template).render(
        lang=lang,
        other_lang=other,
        switch_url=f"{request.url.path}?{urlencode({**keep, 'lang': other})}",
        t=lambda key: i18n.t(key, lang),
        static=lambda name: f"/static/{name}?v={__version__}",
        image_url=gw.image_url,
        **values,
    )
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    if i18n.parse_lang(request.query_params.get("lang")):
        response.set_cookie(i18n.COOKIE, lang, max_age=COOKIE_AGE, samesite="lax", httponly=True)
    return response


@router.get("/", response_class=HTMLResponse)
async def playground(request: Request, gw: GatewayDep) -> HTMLResponse:
    """The playground: paste a message, see each link's decision."""
    return _playground(request, gw, text="", context="direct", mode=None, preview=False, links=None)


@router.post("/", response_class=HTMLResponse)
async def playground_check(
    request: Request,
    gw: GatewayDep,
    text: Annotated[str, Form()] = "",
    context: Annotated[str, Form()] = "direct",
    mode: Annotated[str, Form()] = "",
    preview: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The playground's form post: works without JavaScript."""
    ctx: Context = context if context in CONTEXTS else "direct"  # type: ignore[assignment,unused-ignore]
    chosen: Mode | None = mode if mode in MODES else None  # type: ignore[assignment,unused-ignore]
    want_preview = preview == "1"
    try:
        reports = await gw.check(text, context=ctx, mode=chosen, preview=want_preview)
    except HutongError as exc:
        return _playground(
            request,
            gw,
            text=text[:200],
            context=ctx,
            mode=chosen,
            preview=want_preview,
            links=None,
            error=exc.message,
            status=413 if exc.code == "input.too_large" else 422,
        )
    base = base_url(request)
    links = [{"report": r, "go": gw.go_link(r, base, context=ctx, mode=chosen)} for r in reports]
    return _playground(request, gw, text=text, context=ctx, mode=chosen, preview=want_preview, links=links)


def _playground(
    request: Request,
    gw: Gateway,
    *,
    text: str,
    context: str,
    mode: str | None,
    preview: bool,
    links: list[dict[str, Any]] | None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "playground.html",
        status,
        text=text,
        context=context,
        mode=mode,
        preview=preview,
        links=links,
        error=error,
        contexts=CONTEXTS,
        modes=MODES,
        dev_mode=gw.dev_mode,
        max_chars=gw.config.server.max_message_chars,
    )


def _reason(report: LinkReport, lang: i18n.Lang) -> str:
    if report.decision is None:
        return ""
    return report.decision.reason_zh if lang == "zh" and report.decision.reason_zh else report.decision.reason


def defang(url: str) -> str:
    """The URL as text that no chat app or browser turns back into a link."""
    parts = urlsplit(url)
    host = (parts.hostname or "").replace(".", "[.]") + (f":{parts.port}" if parts.port else "")
    rest = url.split(parts.netloc, 1)[1] if parts.netloc else ""
    return f"{parts.scheme.replace('http', 'hxxp', 1)}://{host}{rest}"


@router.get("/go/{token}")
async def go(
    request: Request,
    token: str,
    u: Annotated[str | None, Query(max_length=128)] = None,
    confirmed: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """Time-of-click check: a redirect only if today's decision lets this user open the link."""
    gw: Gateway = request.app.state.gateway
    try:
        click = await gw.click(token, user=u or None, confirmed=confirmed == "1")
    except TokenError as exc:
        lang = lang_of(request)
        heading = i18n.t("error.expired" if exc.code == "token.expired" else "error.title", lang)
        status = 410 if exc.code == "token.expired" else 400
        return render(
            request,
            "error.html",
            status,
            heading=heading,
            message=i18n.t(f"err.{exc.code}", lang),
            code=exc.code,
        )
    if click.redirect is not None:
        return RedirectResponse(click.redirect, status_code=302, headers=SECURITY_HEADERS)
    report = click.report
    lang = lang_of(request)
    common = {
        "link": report,
        "host": urlsplit(report.url or click.claim.url).hostname or "",
        "decision_reason": _reason(report, lang),
    }
    if click.action is Action.CONFIRM and report.url:
        query = urlencode({**({"u": u} if u else {}), "confirmed": "1"})
        return render(request, "confirm.html", 200, continue_url=f"/go/{token}?{query}", **common)
    if click.action is Action.BLOCK:
        return render(request, "block.html", 403, defanged=defang(report.url or click.claim.url), **common)
    # copy, and anything that cannot be opened from here
    if report.url is None:
        report = report.evolve(url=click.claim.url)
        common["link"] = report
    return render(request, "copy.html", 200, **common)
