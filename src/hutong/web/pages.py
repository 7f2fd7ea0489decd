"""Server-rendered pages: the playground, and the go-link's confirm, copy-only, block and error pages.

Every page works without JavaScript; the one script only adds copy buttons. Pages need
no API key, but once keys exist the playground works offline for anyone without one: it
fetches nothing and makes no go-links unless the form carries a valid key. A go-link
answers with a redirect only when a verified token, made for a keyed caller, names a URL
that checked again now may open; Continue on a confirm page is a POST with that page's
confirmation nonce (see ``golinks``). Everything else is a page, so hutong is never an
open redirect.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlencode, urlsplit

import idna
from fastapi import APIRouter, Depends, Form, Query, Request
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse, RedirectResponse, Response

from .. import __version__
from ..appeals import AppealStore
from ..core.model import CONTEXTS, MODES, Action, Context, Level, LinkReport, Mode
from ..errors import HutongError, TokenError
from ..service.gateway import Click, Gateway
from ..service.golinks import (
    CONFIRM_COOKIE,
    browser_id,
    check_confirmation,
    confirm_nonce,
    new_browser_id,
)
from . import i18n, wording
from .api import base_url, gateway

router = APIRouter(include_in_schema=False)
GatewayDep = Annotated[Gateway, Depends(gateway)]
COOKIE_AGE = 365 * 86400
BROWSER_COOKIE_AGE = 86400  # the confirmation cookie's id; each nonce lasts golinks.CONFIRM_TTL
MAX_KEY = 256  # characters of a key typed into the playground; ours are 46
MAX_USER = 128
Access = Literal["open", "keyed", "anonymous", "refused"]
_env = Environment(
    loader=PackageLoader("hutong.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_CODE = re.compile(r"`([^`]+)`")


def code_spans(text: str) -> Markup:
    """A page string with its `backtick` spans (commands to type) set as code, the rest escaped."""
    return Markup(_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))  # noqa: S704


_env.filters["code"] = code_spans
# script only from us, nothing framed, forms only to us, no referrer to the destination
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP.format(form_action="'self'"),
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


def render(
    request: Request, template: str, status: int = 200, *, form_to: str | None = None, **values: Any
) -> HTMLResponse:
    """Render ``template`` in the request's language, remembering an explicit ``?lang=`` choice.

    ``form_to`` is an origin a form on the page may lead to besides this one (a redirect after a
    form post is held to the page's ``form-action``).
    """
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
        platform_name=lambda platform: wording.platform_name(platform, lang),
        kind_name=lambda kind: wording.kind_name(kind, lang),
        shown_reasons=wording.shown_reasons,
        headline=lambda reason: wording.headline(reason, lang),
        facts=lambda reason: wording.facts(reason, lang),
        reach_notice=lambda reach: wording.reach_notice(reach, lang),
        **values,
    )
    headers = SECURITY_HEADERS
    if form_to is not None:
        headers = {**SECURITY_HEADERS, "Content-Security-Policy": CSP.format(form_action=f"'self' {form_to}")}
    response = HTMLResponse(html, status_code=status, headers=headers)
    if i18n.parse_lang(request.query_params.get("lang")):
        response.set_cookie(i18n.COOKIE, lang, max_age=COOKIE_AGE, samesite="lax", httponly=True)
    return response


@router.get("/", response_class=HTMLResponse)
async def playground(request: Request, gw: GatewayDep) -> HTMLResponse:
    """The playground: paste a message, see each link's decision."""
    return _playground(request, gw, text="", context="direct", mode=None, preview=False, links=None)


def access(gw: Gateway, key: str) -> Access:
    """What a playground caller may do: everything in development mode or with a valid key, else offline only."""
    if gw.dev_mode:
        return "open"
    if not key:
        return "anonymous"
    if len(key) <= MAX_KEY and gw.keys.verify(key) is not None:
        return "keyed"
    return "refused"


@router.post("/", response_class=HTMLResponse)
async def playground_check(
    request: Request,
    gw: GatewayDep,
    text: Annotated[str, Form()] = "",
    context: Annotated[str, Form()] = "direct",
    mode: Annotated[str, Form()] = "",
    preview: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The playground's form post: works without JavaScript; online work and go-links need a key once keys exist."""
    ctx: Context = context if context in CONTEXTS else "direct"  # type: ignore[assignment,unused-ignore]
    chosen: Mode | None = mode if mode in MODES else None  # type: ignore[assignment,unused-ignore]
    want_preview = preview == "1"
    who = access(gw, key.strip())

    def page(links: list[dict[str, Any]] | None, *, shown: str = text, **extra: Any) -> HTMLResponse:
        return _playground(
            request, gw, text=shown, context=ctx, mode=chosen, preview=want_preview, links=links, **extra
        )

    if who == "refused":
        return page(None, error=i18n.t("play.key.invalid", lang_of(request)), status=401)
    try:
        # without a key on a keyed server: offline, whatever the form asked
        reports = await gw.check(text, context=ctx, mode=chosen, preview=want_preview and who != "anonymous")
    except HutongError as exc:
        return page(None, shown=text[:200], error=exc.message, status=413 if exc.code == "input.too_large" else 422)
    base = base_url(request)
    keyed = who == "keyed"
    links = [{"report": r, "go": gw.go_link(r, base, context=ctx, mode=chosen, keyed=keyed)} for r in reports]
    return page(links, key=key.strip() if keyed else "")


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
    key: str = "",
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
        offline=not gw.dev_mode and not key,
        key=key,
        max_key=MAX_KEY,
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


def origin_of(url: str) -> str:
    """``url``'s origin as a CSP source (``https://example.com:8443``); the bare scheme if the host is unusual."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    try:
        ascii_host = host if host.isascii() else idna.encode(host, uts46=True).decode("ascii")
        port = parts.port
    except (idna.IDNAError, ValueError, UnicodeError):
        return f"{scheme}:"
    if not ascii_host or not all(c.isalnum() or c in ".-[]:" for c in ascii_host):
        return f"{scheme}:"
    return f"{scheme}://{ascii_host}" + (f":{port}" if port else "")


async def _click(request: Request, token: str, user: str | None, *, confirmed: bool) -> Click | Response:
    gw: Gateway = request.app.state.gateway
    try:
        return await gw.click(token, user=user, confirmed=confirmed)
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


@router.get("/back", response_class=HTMLResponse)
async def back(request: Request) -> HTMLResponse:
    """Where "Back to safety" leads when the browser has no page to go back to (a link opened in a new tab)."""
    return render(request, "back.html")


def appeal_url(request: Request, token: str, click: Click) -> str | None:
    """The "report a mistake" form of this go-link, if this server takes reports and the link was made for it."""
    gw: Gateway = request.app.state.gateway
    if not click.honoured or not appeals_open(gw):
        return None
    return f"/appeal/{token}?lang={lang_of(request)}"


def appeals_open(gw: Gateway) -> bool:
    """Whether reports can be stored: the audit store is on and keeps appeals."""
    return gw.config.audit.enabled and isinstance(gw.audit, AppealStore)


@router.get("/go/{token}")
async def go(request: Request, token: str, u: Annotated[str | None, Query(max_length=MAX_USER)] = None) -> Response:
    """Time-of-click check: a redirect only if today's decision lets this user open the link."""
    click = await _click(request, token, u or None, confirmed=False)
    if isinstance(click, Response):
        return click
    return _answer(request, token, click, u or None)


@router.post("/go/{token}")
async def go_continue(
    request: Request,
    token: str,
    nonce: Annotated[str, Form(max_length=1024)] = "",
    u: Annotated[str, Form(max_length=MAX_USER)] = "",
) -> Response:
    """Continue from a confirm page: only with the nonce that page gave this browser, for this link and user."""
    gw: Gateway = request.app.state.gateway
    user = u or None
    refusal: str | None = None
    try:
        if request.headers.get("sec-fetch-site") not in (None, "same-origin"):
            raise TokenError("the confirmation came from another site", code="confirm.cross_site")
        browser = browser_id(request.cookies.get(CONFIRM_COOKIE))
        check_confirmation(gw.signer, nonce, token, browser=browser, user=user)
    except TokenError as exc:
        refusal = i18n.t(f"err.{exc.code}", lang_of(request))
    click = await _click(request, token, user, confirmed=refusal is None)
    if isinstance(click, Response):
        return click
    return _answer(request, token, click, user, error=refusal, status=403 if refusal else None, posted=True)


def _answer(
    request: Request,
    token: str,
    click: Click,
    user: str | None,
    *,
    error: str | None = None,
    status: int | None = None,
    posted: bool = False,
) -> Response:
    """The redirect, or the page, for one click."""
    if click.redirect is not None:
        # after a POST, 303 makes the browser GET the destination
        return RedirectResponse(click.redirect, status_code=303 if posted else 302, headers=SECURITY_HEADERS)
    report = click.report
    lang = lang_of(request)
    common: dict[str, Any] = {
        "link": report,
        "host": urlsplit(report.url or click.claim.url).hostname or "",
        "decision_reason": _reason(report, lang),
        "danger": wording.danger(report, lang),
        "error": error,
    }
    # a mistake can be reported where hutong stood in the way because of the link itself
    appeal = appeal_url(request, token, click) if report.verdict.level >= Level.SUSPICIOUS else None
    if click.action is Action.BLOCK:
        return render(
            request, "block.html", 403, defanged=defang(report.url or click.claim.url), appeal_url=appeal, **common
        )
    if click.action is Action.CONFIRM and report.url and click.honoured:
        # a suspicious link gets the warning page: going back is the primary action, continuing is tucked away
        warning = report.verdict.level >= Level.SUSPICIOUS
        return _confirm_page(
            request,
            token,
            click,
            user,
            status=status or 200,
            warning=warning,
            imitation=wording.imitation(report) if warning else None,
            appeal_url=appeal,
            **common,
        )
    # copy, a link this server will not follow, and anything that cannot be opened from here
    if report.url is None:
        report = report.evolve(url=click.claim.url)
        common["link"] = report
    return render(request, "copy.html", status or 200, unkeyed=not click.honoured, **common)


def _confirm_page(
    request: Request, token: str, click: Click, user: str | None, *, status: int, **common: Any
) -> Response:
    """The confirm page, with a fresh nonce for this browser (and its cookie, if it has none yet)."""
    gw: Gateway = request.app.state.gateway
    known = browser_id(request.cookies.get(CONFIRM_COOKIE))
    browser = known or new_browser_id()
    nonce = confirm_nonce(gw.signer, token, browser=browser, user=user)
    url = click.report.url or click.claim.url
    response = render(
        request,
        "confirm.html",
        status,
        form_to=origin_of(url),
        continue_action=f"/go/{token}",
        nonce=nonce,
        user=user or "",
        **common,
    )
    if known is None:
        secure = (gw.config.server.public_url or str(request.base_url)).lower().startswith("https:")
        response.set_cookie(
            CONFIRM_COOKIE,
            browser,
            max_age=BROWSER_COOKIE_AGE,
            path="/go/",
            samesite="strict",
            httponly=True,
            secure=secure,
        )
    return response
