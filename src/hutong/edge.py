"""The network edge: the cache, the guarded fetcher, the short-link resolver and the previewer.

Opened lazily on the first online call and closed with ``aclose``; an offline engine never opens it.
Everything that leaves the machine goes through the one ``GuardedFetcher`` held here, so one process
has one fetcher, one cache and one rate limiter: the web app builds one edge and hands it to the
engine (``Engine.from_config(cfg, edge=...)``) and to the image proxy, and ``hutong feeds update``
fetches feed URLs through an edge too.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .config import Config
from .errors import ConfigError
from .offload import shared as shared_offloader

if TYPE_CHECKING:
    from .cache import Cache
    from .net.fetcher import GuardedFetcher
    from .net.resolver import Resolver
    from .preview.images import ImageSigner
    from .preview.service import Previewer

# the web app's image proxy (hutong.web.images) verifies card image paths with this same key file
IMAGE_KEY_FILE = "image-signing.key"
log = logging.getLogger(__name__)


class NetworkEdge:
    """Lazily opened network resources of one process (or one engine): whoever builds it closes it."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._cache: Cache | None = None
        self._fetcher: GuardedFetcher | None = None
        self._resolver: Resolver | None = None
        self._previewer: Previewer | None = None

    @property
    def cache(self) -> Cache:
        if self._cache is None:
            from .store.factory import open_cache

            self._cache = open_cache(self.config)
        return self._cache

    @property
    def fetcher(self) -> GuardedFetcher:
        if self._fetcher is None:
            from .net.fetcher import GuardedFetcher

            self._fetcher = GuardedFetcher(self.config.network, self.config.cache, cache=self.cache)
        return self._fetcher

    @property
    def resolver(self) -> Resolver:
        if self._resolver is None:
            from .net.resolver import Resolver

            self._resolver = Resolver(
                self.fetcher,
                self.cache,
                max_hops=self.config.network.max_redirects,
                positive_ttl=self.config.cache.positive_ttl,
                negative_ttl=self.config.cache.negative_ttl,
                offload=shared_offloader(self.config.scan),
            )
        return self._resolver

    @property
    def previewer(self) -> Previewer:
        if self._previewer is None:
            from .preview.service import Previewer

            self._previewer = Previewer(
                self.fetcher,
                self.cache,
                self.config.preview,
                image_signer(self.config),
                ttls=self.config.cache,
                offload=shared_offloader(self.config.scan),
            )
        return self._previewer

    async def aclose(self) -> None:
        """Close what was opened."""
        if self._fetcher is not None:
            await self._fetcher.aclose()
        if self._cache is not None:
            await self._cache.aclose()
        self._cache = self._fetcher = self._resolver = self._previewer = None


def image_signer(config: Config) -> ImageSigner | None:
    """The signer of card image paths (``/img/<token>``), keyed by ``IMAGE_KEY_FILE`` in ``data.dir``."""
    from .preview.images import ImageSigner
    from .signing import load_secret

    try:
        key = load_secret(config.data.dir, IMAGE_KEY_FILE)
    except (OSError, ConfigError) as exc:
        # without a key, cards carry no image rather than an origin URL that would leak viewers' addresses
        log.warning("card images are left out: the image signing key cannot be loaded (%s)", exc)
        return None
    return ImageSigner(key, ttl=config.preview.image_ttl)
