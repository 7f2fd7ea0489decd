"""``/img/{token}``: card images through the preview image proxy, so page viewers never contact the origin.

The token is an ``hutong.preview.images.ImageSigner`` token; its key is the secret
``image-signing.key`` in ``data.dir`` (generated once, shared by workers). The proxy fetches
through the app's one network edge (the engine's fetcher, cache and rate limiter), opened on
the first online call, so a gateway that never shows an image opens no network client for it.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from ..config import Config
from ..edge import NetworkEdge
from ..errors import HutongError, RemoteError, TokenError
from ..service.gateway import Gateway
from .api import gateway

router = APIRouter(include_in_schema=False)


class Images:
    """Signs card image URLs for pages and serves them re-encoded."""

    def __init__(self, cfg: Config, signer: Any, edge: NetworkEdge) -> None:
        self.cfg, self.signer, self.edge = cfg, signer, edge
        self._proxy: Any = None
        self._cache: Any = None

    def url_for(self, url: str) -> str | None:
        """A same-origin path for a card image (already-signed paths pass through)."""
        from ..preview.images import IMAGE_PATH

        if url.startswith(IMAGE_PATH):
            return url
        if not url.lower().startswith(("http://", "https://")):
            return None
        path: str = self.signer.path(url)
        return path

    def proxy(self) -> Any:
        """The image proxy, opened on first use."""
        if self._proxy is None:
            from ..offload import shared
            from ..preview.images import ImageProxy

            self._cache = _image_cache(self.cfg)
            cache = self._cache if self._cache is not None else self.edge.cache
            # decodes in worker processes of their own, as many as may run at once, each CPU-budgeted
            workers = dataclasses.replace(self.cfg.scan, workers=self.cfg.preview.image_decode_concurrency)
            self._proxy = ImageProxy(self.edge.fetcher, self.cfg.preview, cache=cache, offload=shared(workers))
        return self._proxy

    async def aclose(self) -> None:
        """Stop the decode threads and forget the proxy; the shared edge is closed by its owner."""
        if self._proxy is not None:
            self._proxy.close()
        self._proxy = None
        if self._cache is not None:
            await self._cache.aclose()
            self._cache = None


IMAGE_CACHE_ENTRIES = 512  # re-encoded images are tens of kB each: bound the in-process copy


def _image_cache(cfg: Config) -> Any:
    """A small in-process LRU of images when the cache is in memory; None: images go in the edge's (Redis)
    cache, where everything else is."""
    if cfg.storage.cache == "memory":
        from ..net.memcache import MemoryCache

        return MemoryCache(max_entries=IMAGE_CACHE_ENTRIES)
    return None


@router.get("/img/{token}")
async def image(token: str, request: Request, gw: Annotated[Gateway, Depends(gateway)]) -> Response:
    """One proxied, re-encoded card image; 400/410 for a bad token, 502 when the origin fails or the
    image is refused, 503 while the proxy is busy."""
    images = gw.images if isinstance(gw.images, Images) else None
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'"}
    if images is None:
        return Response(
            "image proxy not available", status_code=404, media_type="text/plain", headers=headers
        )
    try:
        url = images.signer.verify(token)
        body, media_type = await images.proxy().render(url)
    except TokenError as exc:
        status = 410 if exc.code == "token.expired" else 400
        return Response(exc.message, status_code=status, media_type="text/plain", headers=headers)
    except (RemoteError, HutongError) as exc:
        if exc.code == "preview.image_busy":
            return Response(
                exc.message, status_code=503, media_type="text/plain", headers={**headers, "Retry-After": "1"}
            )
        return Response(exc.message, status_code=502, media_type="text/plain", headers=headers)
    return Response(
        body, media_type=media_type, headers={**headers, "Cache-Control": "public, max-age=86400"}
    )
