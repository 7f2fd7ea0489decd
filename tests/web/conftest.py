"""Fixtures for the gateway: a real engine (loaded once), an app per test, an in-process client."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hutong.audit import AuditSink
from hutong.config import Config, SafetySection, ServerSection
from hutong.config import DataSection as _DataSection

SAFE_SITE = "safe.test"
EVIL_SITE = "evil.test"
SAFETY = SafetySection(allow=(SAFE_SITE,), deny=(EVIL_SITE,))


def make_config(data_dir: Path, **server: Any) -> Config:
    """Defaults, with a known-safe and a known-bad site, and the data under ``data_dir``."""
    return Config(
        data=_DataSection(dir=str(data_dir)),
        safety=SAFETY,
        server=dataclasses.replace(ServerSection(), **server),
    )


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One engine for the whole session: loading platforms and rules is the slow part."""
    from hutong.pipeline import Engine

    return Engine.from_config(make_config(tmp_path_factory.mktemp("engine-data")))


AppFactory = Callable[..., FastAPI]


@pytest.fixture
def app_factory(engine: Any, tmp_path: Path) -> AppFactory:
    from hutong.web.app import create_app

    def build(*, audit: AuditSink | None = None, **server: Any) -> FastAPI:
        return create_app(make_config(tmp_path, **server), engine=engine, audit=audit)

    return build


@pytest.fixture
async def client(app_factory: AppFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with connect(app_factory()) as c:
        yield c


def connect(app: FastAPI) -> httpx.AsyncClient:
    """An in-process client for ``app``."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
