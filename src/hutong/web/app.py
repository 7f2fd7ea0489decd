"""The app factory: ``create_app(cfg)`` wires the engine, keys, stores, metrics and routes together.

``create_app_from_env`` is the uvicorn factory ``hutong serve`` uses for several workers
(each worker loads the configuration named by ``HUTONG_CONFIG`` and the host override
in ``HUTONG_SERVE_HOST``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from pydantic.json_schema import models_json_schema
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from .. import __version__
from ..audit import AuditSink
from ..config import Config
from ..config import load as load_config
from ..edge import NetworkEdge, image_signer
from ..errors import ConfigError, HutongError
from ..ratelimit import ClientLimiter, parse_networks
from ..safety.feeds import FeedStore
from ..safety.freshness import Freshness, freshness, stale_problems
from ..safety.refresh import Refreshed, is_url, keep_fresh
from ..service.apikeys import ApiKeys
from ..service.gateway import EngineLike, Gateway, is_loopback, open_gateway
from . import api, apidocs, appeal_pages, failures, images, pages, report_page
from .front import Front, Hot
from .images import Images
from .jsonbody import JSONBody
from .metrics import CONTENT_TYPE, Metrics
from .schemas import Health
from .throttle import Throttle

log = logging.getLogger("hutong.web")
ENV_HOST = "HUTONG_SERVE_HOST"
SWITCH_INTERVAL = 0.0005  # seconds; see tune_worker
READY_TIMEOUT = 3.0  # seconds /readyz waits for the audit store (a silent host takes connect_timeout)


class HutongApp(FastAPI):
    """FastAPI with the front door (``web/front.py``) before its middleware stack: every HTTP request
    passes the body limit, timing and per-client limits there, and the hot routes are answered there."""

    front: Front | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.front is None:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self  # what the endpoints' Request.app reads, as Starlette would set it
        await self.front(scope, receive, send)

    async def through_fastapi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The request through FastAPI's own middleware, routing and handlers."""
        await super().__call__(scope, receive, send)


async def healthz(request: Request) -> JSONBody:
    """The process is up (answered without touching any store)."""
    gw: Gateway = request.app.state.gateway
    return JSONBody({"status": "ok", "policy_version": gw.engine.policy_version, "problems": []})


async def go(request: Request) -> Response:
    """``/go/{token}`` with its path and query parameters taken as FastAPI takes them."""
    return await pages.go(request, request.path_params["token"], request.query_params.get("u"))


def create_app(
    cfg: Config,
    *,
    engine: EngineLike | None = None,
    audit: AuditSink | None = None,
    edge: NetworkEdge | None = None,
    reload_seconds: float | None = None,
) -> FastAPI:
    """The gateway app for ``cfg``; ``engine`` and ``audit`` default to those the configuration names.

    The app goes online through one network edge (one fetcher, cache and rate limiter): ``edge`` if
    given, else the given engine's, else one it builds for ``cfg`` and hands to the engine it loads.
    While it serves, every ``reload_seconds`` (default ``safety.reload_seconds``) it asks the engine to
    pick up threat feeds imported or replaced on disk (``Engine.reload``), so a feed imported while the
    service runs takes effect; and every ``safety.feeds_refresh_minutes`` it refreshes the URL feeds of
    ``safety.feeds`` through the edge (``hutong.safety.refresh.keep_fresh``).
    """
    if edge is None and engine is not None:
        engines_edge = getattr(engine, "edge", None)
        edge = engines_edge if isinstance(engines_edge, NetworkEdge) else None
    own_edge = edge is None  # built here, so closed here; a given edge (or the engine's) is closed by its owner
    if edge is None:
        edge = NetworkEdge(cfg)
    if engine is None:
        from ..pipeline import Engine

        engine = Engine.from_config(cfg, edge=edge)
    keys = ApiKeys(cfg.data.dir)
    if not is_loopback(cfg.server.host) and not keys.any():
        raise ConfigError(
            f"refusing to serve on {cfg.server.host} without API keys: create one with "
            "`hutong keys create NAME`, or bind 127.0.0.1 for development"
        )
    metrics = Metrics()  # the service core's observer, and the request timer's
    gw = open_gateway(cfg, engine=engine, audit=audit, keys=keys, observer=metrics, runner=run_in_threadpool)
    signer = image_signer(cfg)
    if signer is not None:
        gw.images = Images(cfg, signer, edge)
    metrics.watch_feeds(lambda: feed_freshness(cfg, gw.engine))
    if gw.dev_mode:
        log.warning("development mode: no API keys configured; the API accepts calls without a key on loopback")

    limiter = client_limiter(cfg)
    trusted = parse_networks(cfg.server.trusted_proxies)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        every = cfg.safety.reload_seconds if reload_seconds is None else reload_seconds
        tasks = [asyncio.create_task(_reload_every(gw.engine, every))]
        if cfg.safety.feeds_refresh_minutes > 0 and any(is_url(s.location) for s in cfg.safety.feeds):

            async def refreshed(done: Sequence[Refreshed]) -> None:
                for r in done:
                    metrics.feed_refreshes.labels(r.name, r.outcome).inc()
                if any(r.outcome != "failed" for r in done):  # this worker at once; the others on their timer
                    await _reload(gw.engine)

            store = FeedStore(cfg.data_dir / "feeds")
            interval = cfg.safety.feeds_refresh_minutes * 60.0
            tasks.append(asyncio.create_task(keep_fresh(edge.fetcher, store, cfg.safety.feeds, interval, refreshed)))
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if limiter is not None:
            await limiter.aclose()
        if appeal_limit is not None:
            await appeal_limit.aclose()
        await gw.aclose()
        if own_edge:
            await edge.aclose()

    app = HutongApp(
        title="hutong gateway",
        version=__version__,
        description="Check the links in chat messages; signed time-of-click go-links; users' own link settings.",
        lifespan=lifespan,
        docs_url=None,  # served offline by apidocs
        redoc_url=None,
    )
    app.state.gateway = gw
    app.state.metrics = metrics
    app.state.limiter = limiter
    failures.install(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(images.router)
    app.include_router(report_page.router)
    appeal_limit = appeal_pages.install(app, cfg)
    apidocs.install(app)
    static_dir = resources.files("hutong.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    _add_service_routes(app, gw)
    _publish_schema(app)

    app.front = Front(
        app.through_fastapi,
        metrics=metrics,
        max_body=cfg.server.max_body_bytes,
        throttle=Throttle(limiter, trusted) if limiter is not None else None,
        exact={
            ("POST", "/v1/check"): Hot(api.check, "/v1/check"),
            ("POST", "/v1/check/batch"): Hot(api.check_batch, "/v1/check/batch"),
            ("GET", "/healthz"): Hot(healthz, "/healthz"),
        },
        go=Hot(go, "/go/{token}"),
        go_query_limit=pages.MAX_USER,
    )
    return app


def client_limiter(cfg: Config) -> ClientLimiter | None:
    """The per-client limiter of the anonymous routes, counting where ``storage.cache`` says; None when off."""
    limit = cfg.server.client_rate_per_minute
    if limit <= 0:
        return None
    from ..net.memcache import MemoryCache
    from ..store.factory import open_cache

    local = MemoryCache(cfg.cache.max_entries)
    if cfg.storage.cache == "memory":
        return ClientLimiter(local, limit=limit)
    # shared over Redis; this worker counts alone while Redis is away
    return ClientLimiter(open_cache(cfg), limit=limit, fallback=local)


async def _reload_every(engine: EngineLike, seconds: float) -> None:
    """Call ``engine.reload`` every ``seconds``, off the event loop (it reads the feed store on disk)."""
    while True:
        await asyncio.sleep(seconds)
        await _reload(engine)


async def _reload(engine: EngineLike) -> None:
    try:
        if await run_in_threadpool(engine.reload):
            log.info("screening data reloaded: threat feeds changed on disk")
    except HutongError as exc:  # a damaged store: keep serving with what is loaded, and say so
        log.warning("screening data not reloaded: %s", exc.message)


def feed_freshness(cfg: Config, engine: EngineLike) -> tuple[Freshness, ...]:
    """The freshness of the feeds the engine screens with now, and of configured feeds it lacks."""
    infos = getattr(engine, "feed_infos", None)  # an engine without feeds (a test double) reports none
    loaded = infos() if callable(infos) else ()
    configured = [s.name for s in cfg.safety.feeds] if "feeds" in cfg.safety.rules else []
    return freshness(loaded, configured, datetime.now(UTC), cfg.safety.max_feed_age_hours)


def _add_service_routes(app: FastAPI, gw: Gateway) -> None:
    app.get("/healthz", response_model=Health, tags=["service"], summary="The process is up")(healthz)

    @app.get(
        "/readyz",
        response_model=Health,
        tags=["service"],
        summary="Ready to serve: engine loaded, stores reachable; the freshness of every threat feed",
        responses={503: {"model": Health, "description": "not ready; problems says why"}},
    )
    async def readyz() -> JSONResponse:
        problems = []
        try:
            gw.prefs.ping()
        except HutongError as exc:
            problems.append(f"prefs: {exc.message}")
        try:
            gw.keys.any()
        except HutongError as exc:
            problems.append(f"api keys: {exc.message}")
        ping = getattr(gw.audit, "ping", None)
        if ping is not None:
            # the store's own answer: unreachable, or (after a failed write) not writable, e.g. a full disk
            try:
                await asyncio.wait_for(run_in_threadpool(ping), READY_TIMEOUT)
            except TimeoutError:
                problems.append(f"audit store: no answer within {READY_TIMEOUT:g} s")
            except HutongError as exc:
                problems.append(f"audit store: {exc.message}")
        feeds = feed_freshness(gw.config, gw.engine)
        if gw.config.safety.stale_feeds_unready:  # off by default: a stale feed still warns, see docs
            problems += stale_problems(feeds, gw.config.safety.max_feed_age_hours)
        status = "ready" if not problems else "not ready"
        body = {
            "status": status,
            "policy_version": gw.engine.policy_version,
            "problems": problems,
            "feeds": [dataclasses.asdict(f) for f in feeds],
        }
        return JSONResponse(body, status_code=200 if not problems else 503)

    @app.get(
        "/metrics",
        tags=["service"],
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
    )
    async def metrics() -> Response:
        exported: Metrics = app.state.metrics
        return Response(exported.render(), media_type=CONTENT_TYPE)


def _publish_schema(app: FastAPI) -> None:
    """Publish what FastAPI cannot see: the bearer scheme, and the request bodies the routes parse."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            _, defs = models_json_schema(
                [(m, "validation") for m in api.REQUEST_MODELS], ref_template="#/components/schemas/{model}"
            )
            components = spec.setdefault("components", {})
            components.setdefault("schemas", {}).update(defs.get("$defs", {}))
            components["securitySchemes"] = {
                api.SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an API key from `hutong keys create NAME` (none in development mode)",
                }
            }
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def tune_worker() -> None:
    """Process settings for a serving worker (``hutong serve`` calls this before building the app).

    The audit store commits on its own thread, which needs the GIL back after each SQLite call
    while the event loop keeps it busy; Python hands it over only every switch interval (5 ms by
    default), and the commit holds the database's write lock meanwhile. At 0.5 ms the commit of a
    busy worker took 2.2 ms instead of 3.4 ms (bench/service.py, 2 workers).
    """
    sys.setswitchinterval(SWITCH_INTERVAL)


def create_app_from_env() -> FastAPI:
    """Uvicorn factory for worker processes: configuration from ``HUTONG_CONFIG``, host from the CLI."""
    tune_worker()
    cfg = load_config(None)
    host = os.environ.get(ENV_HOST)
    if host:
        cfg = dataclasses.replace(cfg, server=dataclasses.replace(cfg.server, host=host))
    return create_app(cfg)
