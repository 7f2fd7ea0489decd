"""The appeals pages: "report a mistake" for visitors, and the operator's view of the reports.

- ``GET /appeal/{token}`` shows the form for one go-link, ``POST /appeal/{token}`` files it. No login:
  the URL comes from the verified go-link token in the path (the form carries only the visitor's
  words), the form must come from this site, and each client may send ``server.appeals_per_hour``.
- ``/operator/appeals`` lists the reports with the decision and evidence they were filed against,
  and allows the site (into the persisted operator allowlist) or dismisses the report. It needs an
  API key, typed into the page's form like the playground's (development mode: none).

The work itself is ``hutong.appeals`` (framework-free); these routes translate HTTP to it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from ..appeals import MAX_CONTACT, MAX_MESSAGE, AppealStore, new_appeal, settle
from ..config import Config
from ..core.model import Action, LinkReport
from ..errors import HutongError, InputError, StorageError, TokenError
from ..ratelimit import ClientLimiter, Network, parse_networks
from ..safety.allowfile import OperatorAllowlist
from ..service.gateway import Gateway
from ..service.golinks import GoClaim, honoured, read_token
from . import i18n
from .pages import MAX_KEY, appeals_open, defang, lang_of, render
from .throttle import client_bucket

router = APIRouter(include_in_schema=False)
HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class AppealLimit:
    """The per-client limit on filed reports, and the proxies whose ``X-Forwarded-For`` names the client."""

    limiter: ClientLimiter
    trusted: tuple[Network, ...]

    async def aclose(self) -> None:
        """Close the limiter's caches."""
        await self.limiter.aclose()


def install(app: FastAPI, cfg: Config) -> AppealLimit | None:
    """Add the appeals routes to ``app``; the limit on filing, to be closed with the app (None: unlimited)."""
    app.include_router(router)
    app.state.appeal_limit = None
    if cfg.server.appeals_per_hour <= 0:
        return None
    from ..net.memcache import MemoryCache
    from ..store.factory import open_cache

    local = MemoryCache(cfg.cache.max_entries)
    limit = cfg.server.appeals_per_hour
    limiter = (
        ClientLimiter(local, limit=limit, window=HOUR)
        if cfg.storage.cache == "memory"
        else ClientLimiter(open_cache(cfg), limit=limit, window=HOUR, fallback=local)
    )
    app.state.appeal_limit = AppealLimit(limiter, parse_networks(cfg.server.trusted_proxies))
    return app.state.appeal_limit  # type: ignore[no-any-return]


# -- visitors --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Subject:
    """The go-link an appeal is about, and its decision checked now."""

    claim: GoClaim
    report: LinkReport


def _error(request: Request, status: int, heading: str, message: str, code: str) -> HTMLResponse:
    return render(request, "error.html", status, heading=heading, message=message, code=code, lead="")


def _subject(request: Request, token: str) -> _Subject | HTMLResponse:
    """The verified go-link and today's decision of its URL, or the page that says why there is none."""
    gw: Gateway = request.app.state.gateway
    lang = lang_of(request)
    if not appeals_open(gw):
        return _error(request, 404, i18n.t("appeal.off.title", lang), i18n.t("appeal.off", lang), "appeal.off")
    try:
        claim = read_token(gw.signer, token)
    except TokenError as exc:
        status = 410 if exc.code == "token.expired" else 400
        heading = i18n.t("error.expired" if exc.code == "token.expired" else "error.title", lang)
        return _error(request, status, heading, i18n.t(f"err.{exc.code}", lang), exc.code)
    if not honoured(claim, open_server=gw.dev_mode):
        return _error(request, 403, i18n.t("appeal.title", lang), i18n.t("appeal.unkeyed", lang), "appeal.unkeyed")
    report = gw.engine.recheck(claim.url, context=claim.context, mode=claim.mode, title=claim.title)
    return _Subject(claim, report)


def _form(
    request: Request, token: str, subject: _Subject, *, status: int = 200, error: str | None = None, **kept: str
) -> HTMLResponse:
    report = subject.report
    lang = lang_of(request)
    reason = report.decision.reason_zh if report.decision and lang == "zh" and report.decision.reason_zh else ""
    return render(
        request,
        "appeal.html",
        status,
        link=report,
        defanged=defang(report.url or subject.claim.url),
        decision_reason=reason or (report.decision.reason if report.decision else ""),
        blocked=report.decision is not None and report.decision.action is Action.BLOCK,
        action=f"/appeal/{token}?lang={lang}",
        max_message=MAX_MESSAGE,
        max_contact=MAX_CONTACT,
        error=error,
        message=kept.get("message", ""),
        contact=kept.get("contact", ""),
    )


@router.get("/appeal/{token}", response_class=HTMLResponse)
async def appeal_form(request: Request, token: str) -> Response:
    """The "report a mistake" form for one go-link."""
    subject = _subject(request, token)
    return subject if isinstance(subject, Response) else _form(request, token, subject)


@router.post("/appeal/{token}", response_class=HTMLResponse)
async def appeal_file(
    request: Request,
    token: str,
    message: Annotated[str, Form(max_length=4 * MAX_MESSAGE)] = "",
    contact: Annotated[str, Form(max_length=4 * MAX_CONTACT)] = "",
) -> Response:
    """File a report: the URL from the token, the words from the form; limited per client."""
    gw: Gateway = request.app.state.gateway
    lang = lang_of(request)
    if request.headers.get("sec-fetch-site") not in (None, "same-origin"):
        return _error(
            request, 403, i18n.t("appeal.title", lang), i18n.t("appeal.cross_site", lang), "appeal.cross_site"
        )
    subject = _subject(request, token)
    if isinstance(subject, Response):
        return subject
    refusal = await _over_limit(request)
    if refusal is not None:
        return refusal
    try:
        appeal = new_appeal(
            subject.report,
            context=subject.claim.context,
            policy_version=gw.engine.policy_version,
            message=message,
            contact=contact,
        )
    except InputError as exc:
        limit = MAX_CONTACT if "contact" in exc.message else MAX_MESSAGE
        error = i18n.t("appeal.too_long", lang).format(limit=limit) if exc.code == "appeal.too_long" else exc.message
        return _form(request, token, subject, status=422, error=error, message=message, contact=contact)
    store: AppealStore = gw.audit  # type: ignore[assignment]  # appeals_open checked it
    try:
        number = await run_in_threadpool(store.add_appeal, appeal)
    except StorageError:
        return _error(request, 503, i18n.t("appeal.title", lang), i18n.t("appeal.unavailable", lang), "storage.error")
    return render(request, "appeal_sent.html", 201, number=number, link=subject.report)


async def _over_limit(request: Request) -> HTMLResponse | None:
    """The 429 page if this client has sent its reports for the hour, else None (and the report counted)."""
    limit: AppealLimit | None = request.app.state.appeal_limit
    if limit is None:
        return None
    allowance = await limit.limiter.hit("appeal-file", client_bucket(request.scope, limit.trusted))
    if allowance.allowed:
        return None
    lang = lang_of(request)
    minutes = max(1, -(-allowance.retry_after // 60))
    response = render(
        request,
        "error.html",
        429,
        heading=i18n.t("rate.title", lang),
        message=i18n.t("appeal.rate.message", lang).format(limit=allowance.limit, minutes=minutes),
        code="rate.limited",
        lead=i18n.t("appeal.rate.lead", lang),
    )
    response.headers["Retry-After"] = str(allowance.retry_after)
    return response


# -- the operator ----------------------------------------------------------------------------------------


def _operator(gw: Gateway, key: str) -> str | None:
    """Who is asking: the key's name, ``development`` in development mode, None without a valid key."""
    if gw.dev_mode:
        return "development"
    key = key.strip()
    if not key or len(key) > MAX_KEY:
        return None
    return gw.keys.verify(key)


async def _ops_page(
    request: Request, *, key: str, show: str, notice: str | None = None, status: int = 200
) -> HTMLResponse:
    gw: Gateway = request.app.state.gateway
    lang = lang_of(request)
    if not appeals_open(gw):
        return _error(request, 404, i18n.t("appeal.off.title", lang), i18n.t("appeal.off", lang), "appeal.off")
    store: AppealStore = gw.audit  # type: ignore[assignment]
    allowlist = OperatorAllowlist(gw.config.data_dir)
    try:
        appeals = await run_in_threadpool(lambda: store.appeals(status=None if show == "all" else "open"))
        entries = await run_in_threadpool(allowlist.entries)
    except HutongError as exc:
        return _error(request, 503, i18n.t("ops.title", lang), exc.message, exc.code)
    return render(
        request,
        "operator.html",
        status,
        authorised=True,
        key="" if gw.dev_mode else key.strip(),
        dev_mode=gw.dev_mode,
        show=show,
        appeals=appeals,
        entries=entries,
        notice=notice,
        when=_when,
        defang=defang,
    )


def _key_page(request: Request, *, status: int = 200, error: str | None = None) -> HTMLResponse:
    return render(request, "operator.html", status, authorised=False, error=error, max_key=MAX_KEY, dev_mode=False)


def _when(ts: float | None) -> str:
    return "" if ts is None else time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


@router.get("/operator/appeals", response_class=HTMLResponse)
async def operator_view(request: Request) -> HTMLResponse:
    """The reports (development mode), or the form that asks for a key."""
    gw: Gateway = request.app.state.gateway
    if gw.dev_mode:
        return await _ops_page(request, key="", show="open")
    return _key_page(request)


@router.post("/operator/appeals", response_class=HTMLResponse)
async def operator_list(
    request: Request,
    key: Annotated[str, Form(max_length=MAX_KEY)] = "",
    show: Annotated[str, Form(max_length=8)] = "open",
) -> HTMLResponse:
    """The reports, for a caller with an API key."""
    gw: Gateway = request.app.state.gateway
    if _operator(gw, key) is None:
        return _key_page(request, status=401, error=i18n.t("ops.key.invalid", lang_of(request)))
    return await _ops_page(request, key=key, show=show if show in ("open", "all") else "open")


@router.post("/operator/appeals/{appeal_id}", response_class=HTMLResponse)
async def operator_settle(
    request: Request,
    appeal_id: int,
    key: Annotated[str, Form(max_length=MAX_KEY)] = "",
    decision: Annotated[str, Form(max_length=16)] = "",
    show: Annotated[str, Form(max_length=8)] = "open",
) -> HTMLResponse:
    """Allow the reported site (operator allowlist, screening reloaded now) or dismiss the report."""
    gw: Gateway = request.app.state.gateway
    lang = lang_of(request)
    who = _operator(gw, key)
    if who is None:
        return _key_page(request, status=401, error=i18n.t("ops.key.invalid", lang))
    if decision not in ("allow", "dismiss") or not appeals_open(gw):
        return await _ops_page(request, key=key, show=show, status=400)
    store: AppealStore = gw.audit  # type: ignore[assignment]
    allowlist = OperatorAllowlist(gw.config.data_dir)
    try:
        settled = await run_in_threadpool(
            lambda: settle(
                store, appeal_id, allow=decision == "allow", by=who, allowlist=allowlist, reload=gw.engine.reload
            )
        )
    except InputError as exc:
        return await _ops_page(request, key=key, show=show, notice=exc.message, status=404)
    except HutongError as exc:
        return _error(request, 503, i18n.t("ops.title", lang), exc.message, exc.code)
    done = "ops.done.allowed" if settled.status == "allowed" else "ops.done.dismissed"
    notice = i18n.t(done, lang).format(id=settled.id, item=settled.allow_item)
    return await _ops_page(request, key=key, show=show, notice=notice)


@router.post("/operator/allowlist/remove", response_class=HTMLResponse)
async def operator_unallow(
    request: Request,
    key: Annotated[str, Form(max_length=MAX_KEY)] = "",
    item: Annotated[str, Form(max_length=512)] = "",
    show: Annotated[str, Form(max_length=8)] = "open",
) -> HTMLResponse:
    """Take a site off the persisted operator allowlist (screening reloaded now)."""
    gw: Gateway = request.app.state.gateway
    if _operator(gw, key) is None:
        return _key_page(request, status=401, error=i18n.t("ops.key.invalid", lang_of(request)))
    allowlist = OperatorAllowlist(gw.config.data_dir)

    def remove() -> bool:
        gone = allowlist.remove(item)
        if gone:
            gw.engine.reload()
        return gone

    try:
        gone = await run_in_threadpool(remove)
    except HutongError as exc:
        return _error(request, 503, i18n.t("ops.title", lang_of(request)), exc.message, exc.code)
    notice = i18n.t("ops.done.removed", lang_of(request)).format(item=item) if gone else None
    return await _ops_page(request, key=key, show=show, notice=notice)
