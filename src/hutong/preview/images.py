"""The image proxy: signed ``/img/<token>`` URLs and a re-encoder, so recipients never contact the origin.

A card never carries an origin image URL: ``ImageSigner.sign`` wraps it in a token
(HMAC-SHA256 over key id, expiry and URL), and ``ImageProxy.render`` fetches the image through
the guarded fetcher, decodes it with Pillow under a pixel cap and a memory budget
(``imagedecode``), takes the first frame of an animation, drops every metadata chunk (EXIF, ICC,
text) and re-encodes it, shrunk to ``preview.image_max_side``. SVG is never decoded (scripts,
external references). At most ``preview.image_decode_concurrency`` decodes run at once per
proxy, on its own threads off the event loop; a request that gives up waiting does not free its
thread before its decode has finished. At most ``preview.image_decode_queue`` more renders may be
fetching or waiting; beyond that a render is refused as busy (``preview.image_busy``) until one
finishes, so the bodies held in memory are bounded as well.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import io
import re
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

from ..cache import Cache
from ..config import PreviewSection
from ..errors import BadContent, ConfigError, RemoteError, TokenError, TooLarge
from ..net.types import Fetcher
from ..offload import Offloader
from .imagedecode import decode_small

IMAGE_PATH = "/img/"
MIN_KEY_BYTES = 16


_B64URL = re.compile(r"[A-Za-z0-9_-]+")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


class ImageSigner:
    """Signs origin image URLs into opaque tokens and checks them; keys rotate by id."""

    def __init__(
        self,
        key: bytes,
        *,
        key_id: str = "k1",
        ttl: float = PreviewSection().image_ttl,
        previous: Mapping[str, bytes] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        keys = {**(previous or {}), key_id: key}
        for kid, k in keys.items():
            if len(k) < MIN_KEY_BYTES:
                raise ConfigError(f"image signing key {kid!r} is shorter than {MIN_KEY_BYTES} bytes; use a random key")
            if not kid.isalnum():
                raise ConfigError(f"image signing key id {kid!r} must be letters and digits")
        self._keys = keys
        self._current = key_id
        self._ttl = ttl
        self._clock = clock

    def _mac(self, kid: str, exp_text: str, url_b64: str) -> str:
        # the MAC covers the token's own text, compared as text: a token that decodes to the same values
        # but is written differently (base64 padding bits, "+12" for 12) is a different token, and refused
        msg = f"{kid}\n{exp_text}\n{url_b64}".encode("ascii")
        return _b64(hmac.new(self._keys[kid], msg, hashlib.sha256).digest())

    def sign(self, url: str) -> str:
        """A token for ``url`` valid for the signer's TTL: ``kid.expiry.url.mac`` (base64url parts)."""
        exp_text = str(int(self._clock() + self._ttl))
        url_b64 = _b64(url.encode())
        return f"{self._current}.{exp_text}.{url_b64}.{self._mac(self._current, exp_text, url_b64)}"

    def verify(self, token: str) -> str:
        """The origin URL inside ``token``; TokenError if it is malformed, forged or expired."""
        parts = token.split(".")
        if len(parts) != 4 or len(token) > 8192 or not token.isascii():
            raise TokenError("image token is malformed; take the image URL from a fresh card", code="token.malformed")
        kid, exp_text, url_b64, mac_b64 = parts
        if not (exp_text.isdigit() and _B64URL.fullmatch(url_b64) and _B64URL.fullmatch(mac_b64)):
            raise TokenError("image token is malformed; take the image URL from a fresh card", code="token.malformed")
        if kid not in self._keys:
            raise TokenError("image token was signed with an unknown key; ask for a fresh card", code="token.key")
        if not hmac.compare_digest(mac_b64, self._mac(kid, exp_text, url_b64)):
            raise TokenError("image token signature does not match; it was altered", code="token.signature")
        try:
            expires = int(exp_text)
            url = _unb64(url_b64).decode("utf-8")
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            # only reachable with a valid signature over a bad token: a bug or a leaked key
            raise TokenError(
                "image token is malformed; take the image URL from a fresh card", code="token.malformed"
            ) from exc
        if expires < self._clock():
            raise TokenError("image token has expired; ask for a fresh card", code="token.expired")
        return url

    def path(self, url: str) -> str:
        """The hutong path that serves ``url`` through the proxy."""
        return IMAGE_PATH + self.sign(url)


def reencode(data: bytes, settings: PreviewSection) -> tuple[bytes, str]:
    """Decode ``data`` within the pixel and memory bounds and re-encode it without metadata; (bytes, media type)."""
    frame = decode_small(data, settings)
    out = io.BytesIO()
    if frame.mode == "RGBA":
        frame.save(out, format="PNG", optimize=False)
        return out.getvalue(), "image/png"
    frame.save(out, format="JPEG", quality=settings.image_quality, optimize=False)
    return out.getvalue(), "image/jpeg"


class ImageProxy:
    """Fetches an origin image through the guarded fetcher and re-encodes it; cached when given a cache."""

    def __init__(
        self,
        fetcher: Fetcher,
        settings: PreviewSection,
        *,
        cache: Cache | None = None,
        offload: Offloader | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._settings = settings
        self._cache = cache
        # with an Offloader, decodes run in its worker processes within its CPU budget (remote.too_slow
        # past it); without one (tests, tools), on the threads below
        self._offload = offload
        self._slots = asyncio.Semaphore(settings.image_decode_concurrency)
        # a pool of its own, as many threads as decodes may run at once: the bound holds even for
        # requests that stop waiting (their decode runs on; a queued one never starts), and freed
        # pixel memory stays in the malloc arenas of these few threads
        self._pool = ThreadPoolExecutor(settings.image_decode_concurrency, thread_name_prefix="hutong-image")
        self._count_lock = threading.Lock()
        self.decoding = 0  # decodes running now
        self.max_decoding = 0  # the most that ever ran at once (a high-water mark, like VmHWM)
        # renders past the cache, fetching, waiting or decoding: each holds a body of up to
        # network.max_image_bytes, so their number is bounded too
        self._capacity = settings.image_decode_concurrency + settings.image_decode_queue
        self.admitted = 0

    async def _render_fresh(self, url: str) -> tuple[bytes, str]:
        if self.admitted >= self._capacity:
            raise RemoteError(
                "the image proxy is busy (preview.image_decode_concurrency + image_decode_queue renders "
                "in progress); try again shortly",
                code="preview.image_busy",
            )
        self.admitted += 1
        try:
            return await self._fetch_and_reencode(url)
        finally:
            self.admitted -= 1

    async def _fetch_and_reencode(self, url: str) -> tuple[bytes, str]:
        result = await self._fetcher.fetch(url, purpose="image")
        if result.status >= 400:
            raise BadContent(f"image answered HTTP {result.status}", code="preview.image_status")
        ctype = result.content_type
        if ctype and (not ctype.startswith("image/") or "svg" in ctype):
            raise BadContent(f"refusing to proxy {ctype!r}: only raster images are proxied", code="preview.image_type")
        if result.truncated:
            raise TooLarge("image is larger than network.max_image_bytes", code="preview.image_bytes")
        return await self._reencode(result.body)

    async def _reencode(self, body: bytes) -> tuple[bytes, str]:
        """``reencode`` off the event loop: in the Offloader's worker processes (CPU-budgeted) when the
        proxy has one, else on the proxy's decode threads; never more than image_decode_concurrency."""
        if self._offload is None:
            return await asyncio.get_running_loop().run_in_executor(self._pool, self._decode, body)
        async with self._slots:
            with self._count_lock:
                self.decoding += 1
                self.max_decoding = max(self.max_decoding, self.decoding)
            try:
                return await self._offload.run(reencode, body, self._settings)
            finally:
                with self._count_lock:
                    self.decoding -= 1

    def _decode(self, body: bytes) -> tuple[bytes, str]:
        with self._count_lock:
            self.decoding += 1
            self.max_decoding = max(self.max_decoding, self.decoding)
        try:
            return reencode(body, self._settings)
        finally:
            with self._count_lock:
                self.decoding -= 1

    def close(self) -> None:
        """Stop the decode threads once their current work is done; queued decodes are dropped."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def render(self, url: str) -> tuple[bytes, str]:
        """(image bytes, media type) for origin ``url``; RemoteError subclasses on failure."""
        if self._cache is None:
            return await self._render_fresh(url)

        async def produce() -> tuple[bytes, float]:
            data, media = await self._render_fresh(url)
            return media.encode() + b"\n" + data, self._settings.image_ttl

        packed = await self._cache.single_flight("img:" + url, produce)
        media, _, data = packed.partition(b"\n")
        return data, media.decode()
