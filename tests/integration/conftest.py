"""The local internet and an online engine pointed at it, for end-to-end tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from hutong.config import Config, DataSection
from hutong.core.model import LinkReport
from hutong.pipeline import Engine
from tests.support.localnet import LocalNet, Reply, localnet, localnet_server

__all__ = ["Route", "analyse_online", "config_for", "localnet", "localnet_server", "serve"]

Route = tuple[str, str | None, Reply]  # (host, exact path or None for any path, reply)


def serve(net: LocalNet, routes: tuple[Route, ...]) -> None:
    """Install ``routes`` on the local internet."""
    for host, path, reply in routes:
        net.route(host, reply, path=path)


def config_for(net: LocalNet, data_dir: Path, **network: Any) -> Config:
    """Defaults, except that every routed host is reached on the local internet and data stays in ``data_dir``;
    ``network`` overrides further ``[network]`` settings."""
    return dataclasses.replace(Config(), network=net.settings(**network), data=DataSection(dir=str(data_dir)))


async def analyse_online(
    net: LocalNet, data_dir: Path, text: str, *, preview: bool = False, **network: Any
) -> tuple[LinkReport, ...]:
    """One message through ``Engine.analyse_online`` against the local internet (routes set beforehand)."""
    engine = Engine.from_config(config_for(net, data_dir, **network))
    try:
        return await engine.analyse_online(text, preview=preview)
    finally:
        await engine.aclose()
