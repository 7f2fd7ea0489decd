"""How the bot asks hutong about a message: in its own process through the service core, or over HTTP.

``InProcess`` (the default) opens the service core (``hutong.service.open_gateway``) with hutong's
own configuration: the same ``data.dir`` as the operator's ``hutong serve``, so the same threat feeds,
audit store, user prefs and go-link signing keys. Every decision is recorded in the audit store before
the bot answers; each sender's own prefs and mode apply; go-links are minted as a trusted caller's
(``keyed=True``) under the public URL of ``hutong serve``, which opens them because it holds the same
signing keys. Feeds imported or refreshed while the bot runs are picked up every
``safety.reload_seconds``, as ``hutong serve`` workers do.

``OverHttp`` asks a running ``hutong serve`` (``POST /v1/check/batch``, ``/v1/check/image``) instead,
for a bot that runs away from hutong's data. Both give the links as the API's JSON (``LinkReport.to_json`` plus ``go``),
which is what ``hutong.matrix.answer`` reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from ..config import Config, ImageCheckSection
from ..core.model import Context
from ..errors import ConfigError, HutongError, RemoteError
from ..service import Gateway, Message, open_gateway
from .content import Part

log = logging.getLogger("hutong.matrix")
Links = list[Mapping[str, Any]]
MAX_USER_CHARS = 128  # the HTTP API's limit on a user id


class Checker(Protocol):
    """What the bot needs of hutong: the links of a message's texts and pictures, decided for their sender."""

    @property
    def picture_limit(self) -> int:
        """Bytes of the largest picture worth fetching (``image_check.max_bytes``)."""
        ...

    async def start(self) -> None:
        """Begin whatever runs beside the checks (feed reloads)."""
        ...

    async def links(self, parts: Sequence[Part], *, context: Context, user: str) -> Links:
        """Every link of every part, in order, each with its go-link; ``HutongError`` if hutong cannot say."""
        ...

    async def image(self, data: bytes, *, context: Context, user: str) -> Links:
        """Every link of every QR code and barcode in the picture ``data``; ``HutongError`` if it cannot be read."""
        ...

    async def aclose(self) -> None:
        """Stop and close what ``start`` and the checks opened; closing again does nothing."""
        ...


def public_base(cfg: Config, public_url: str | None) -> str:
    """The base of the bot's go-links: ``public_url`` if given, else ``server.public_url``; checked.

    >>> public_base(Config(), "https://links.example.org/")
    'https://links.example.org'
    """
    base = (public_url or cfg.server.public_url).strip().rstrip("/")
    if not base:
        raise ConfigError(
            "the bot's notices carry go-links to your `hutong serve`: pass --public-url, or set "
            "server.public_url, to the address users' browsers reach it at (e.g. https://links.example.org)"
        )
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"the public URL {base!r} is not an http(s) URL, e.g. https://links.example.org")
    return base


class InProcess:
    """The service core in the bot's own process (``open_gateway`` of hutong's configuration)."""

    def __init__(self, gateway: Gateway, *, base: str, preview: bool = True) -> None:
        self.gateway = gateway
        self.base = base
        self.preview = preview  # cards: the engine then resolves and fetches the links (online)
        self._reload: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def picture_limit(self) -> int:
        return self.gateway.config.image_check.max_bytes

    @classmethod
    def open(cls, cfg: Config, *, public_url: str | None = None, preview: bool = True) -> InProcess:
        """The checker for configuration ``cfg``; its go-links under ``public_url`` (default ``server.public_url``).

        The base becomes the gateway's ``server.public_url``, so that it is the one every go-link uses.
        """
        base = public_base(cfg, public_url)
        cfg = dataclasses.replace(cfg, server=dataclasses.replace(cfg.server, public_url=base))
        return cls(open_gateway(cfg), base=base, preview=preview)

    async def start(self) -> None:
        if self._reload is None:
            self._reload = asyncio.create_task(self._reload_every(self.gateway.config.safety.reload_seconds))

    async def links(self, parts: Sequence[Part], *, context: Context, user: str) -> Links:
        server = self.gateway.config.server
        messages = [Message(p.text[: server.max_message_chars], context, user) for p in parts[: server.max_batch]]
        checked = await self.gateway.check_batch(messages, preview=self.preview)
        return [
            r.to_json(extra={"go": self.gateway.go_link(r, self.base, context=context, mode=None, keyed=True)})
            for reports in checked
            for r in reports
        ]

    async def image(self, data: bytes, *, context: Context, user: str) -> Links:
        checked = await self.gateway.check_image(data, context=context, user=user, preview=self.preview)
        return [
            r.to_json(extra={"go": self.gateway.go_link(r, self.base, context=context, mode=None, keyed=True)})
            for r in checked.links
        ]

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._reload is not None:
            self._reload.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reload
            self._reload = None
        await self.gateway.aclose()

    async def _reload_every(self, seconds: float) -> None:
        engine = self.gateway.engine
        while True:
            await asyncio.sleep(seconds)
            try:
                if await self.gateway.runner(engine.reload):
                    log.info("hutong bot: screening data reloaded: threat feeds changed on disk")
            except HutongError as exc:  # a damaged store: keep checking with what is loaded, and say so
                log.warning("hutong bot: screening data not reloaded: %s", exc.message)


class OverHttp:
    """A running ``hutong serve`` asked over its API; ``transport`` for tests (httpx's own injection point)."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        timeout: float = 5.0,
        preview: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.preview = preview
        self.picture_limit = ImageCheckSection.max_bytes  # the service refuses what is over its own cap
        self._client = httpx.AsyncClient(
            base_url=self.url,
            timeout=timeout,
            headers={"Authorization": f"Bearer {api_key}"} if api_key else {},
            transport=transport,
        )

    async def start(self) -> None:
        return None

    async def links(self, parts: Sequence[Part], *, context: Context, user: str) -> Links:
        body = {
            "messages": [{"text": p.text, "context": context, "user": user[:MAX_USER_CHARS]} for p in parts],
            "preview": self.preview,
        }
        try:
            r = await self._client.post("/v1/check/batch", json=body)
            r.raise_for_status()
            results = r.json()["results"]
            return [link for result in results for link in result["links"]]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise RemoteError(
                f"hutong at {self.url} could not check the message ({type(exc).__name__}: {exc})",
                code="remote.hutong",
            ) from exc

    async def image(self, data: bytes, *, context: Context, user: str) -> Links:
        params = {"context": context, "user": user[:MAX_USER_CHARS], "preview": str(self.preview).lower()}
        try:
            r = await self._client.post(
                "/v1/check/image", params=params, content=data, headers={"content-type": "application/octet-stream"}
            )
            r.raise_for_status()
            links: Links = r.json()["links"]
            return links
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise RemoteError(
                f"hutong at {self.url} could not check the picture ({type(exc).__name__}: {exc})",
                code="remote.hutong",
            ) from exc

    async def aclose(self) -> None:
        await self._client.aclose()
