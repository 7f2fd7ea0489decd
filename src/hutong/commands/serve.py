"""``hutong serve``: run the gateway (HTTP API, go-links, pages) with uvicorn."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import shutil
import tempfile
from typing import Any

from ..config import Config, ServerSection
from ..errors import ConfigError, UsageError
from ..net import overrides
from ..service.apikeys import ApiKeys
from ..service.gateway import is_loopback
from ..web.metrics import MULTIPROC_ENV
from ._common import add_config_option, load_config

HELP = "run the HTTP gateway: the API, signed go-links and the pages"
log = logging.getLogger("hutong.web")
# No access log: a line per request cost more than a short check (bench/service.py), and
# /metrics already counts requests by route and status. httptools (with hutong's read deadlines,
# web/protocol.py) and uvloop: the fast parsers.
UVICORN_OPTIONS: dict[str, Any] = {"log_level": "info", "access_log": False, "loop": "uvloop"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help=HELP, description=HELP)
    add_config_option(p)
    p.add_argument("--host", help="address to bind (default: server.host, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to bind (default: server.port, 8080)")
    p.add_argument("--workers", type=int, help="worker processes (default: server.workers, 1)")
    p.set_defaults(run=run)


def effective_config(args: argparse.Namespace) -> Config:
    """The configuration with the command-line overrides applied, checked for a safe start."""
    cfg = load_config(args)
    server = cfg.server
    changes = {
        k: v
        for k, v in (("host", args.host), ("port", args.port), ("workers", args.workers))
        if v is not None
    }
    server = dataclasses.replace(server, **changes)
    if not 0 < server.port < 65536:
        raise UsageError(f"--port {server.port} is not a TCP port")
    if server.workers < 1:
        raise UsageError("--workers must be 1 or more")
    active = overrides.active(cfg.network)
    if not is_loopback(server.host) and active:
        raise ConfigError(
            f"refusing to serve on {server.host} with the test override{'s' if len(active) > 1 else ''} "
            f"{', '.join(active)} set: they let links reach local addresses and trust a test CA. Remove them "
            "from [network], or bind 127.0.0.1 for a local test setup"
        )
    if not is_loopback(server.host) and not ApiKeys(cfg.data.dir).any():
        raise ConfigError(
            f"refusing to serve on {server.host} without API keys: anyone who can reach it could use "
            "the API. "
            "Create a key with `hutong keys create NAME`, or bind 127.0.0.1 for development"
        )
    return dataclasses.replace(cfg, server=server)


def proxy_options(cfg: Config) -> dict[str, Any]:
    """Uvicorn believes ``X-Forwarded-*`` only from ``server.trusted_proxies`` (by default, from nobody)."""
    trusted = list(cfg.server.trusted_proxies)
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or None}


def uvicorn_options(server: ServerSection) -> dict[str, Any]:
    """uvicorn's options: the fixed ones, and the protocol with this server's read deadlines."""
    from ..web.protocol import protocol_factory

    http = protocol_factory(header_timeout=server.header_timeout, body_timeout=server.body_timeout)
    return {**UVICORN_OPTIONS, "http": http}


def run(args: argparse.Namespace) -> int:
    import uvicorn

    cfg = effective_config(args)
    options = {**uvicorn_options(cfg.server), **proxy_options(cfg)}
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if cfg.server.workers == 1:
        from ..web.app import create_app, tune_worker

        tune_worker()
        uvicorn.run(create_app(cfg), host=cfg.server.host, port=cfg.server.port, **options)
        return 0
    # several workers each build their own app from the environment; metrics are summed via files
    metrics_dir = tempfile.mkdtemp(prefix="hutong-metrics-")
    os.environ.setdefault(MULTIPROC_ENV, metrics_dir)
    os.environ["HUTONG_SERVE_HOST"] = cfg.server.host
    os.environ["HUTONG_DATA_DIR"] = cfg.data.dir
    if args.config:
        os.environ["HUTONG_CONFIG"] = os.path.abspath(args.config)
    try:
        uvicorn.run(
            "hutong.web.app:create_app_from_env",
            factory=True,
            host=cfg.server.host,
            port=cfg.server.port,
            workers=cfg.server.workers,
            **options,
        )
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0
