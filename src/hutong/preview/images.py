"""The image proxy: signed ``/img/<token>`` URLs and a re-encoder, so recipients never contact the origin.

A card never carries an origin image URL: ``ImageSigner.sign`` wraps it in a token
(HMAC-SHA256 over key id, expiry and URL), and ``ImageProxy.render`` fetches the image through
the guarded fetcher, decodes it with Pillow under a pixel cap, takes the first frame of an
animation, drops every metadata chunk (EXIF, ICC, text) and re-encodes it, shrunk to
``preview.image_max_side``. SVG is never decoded (scripts, external references).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import io
import re
import time
import warnings
from collections.abc import Callable, Mapping

from PIL import Image, ImageOps

from ..cache import Cache
from ..config import PreviewSection
from ..errors import BadContent, ConfigError, TokenError, TooLarge
from ..net.types import Fetcher

IMAGE_PATH = "/img/"
MIN_KEY_BYTES = 16
_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "ICO")


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
    """Decode ``data`` under the pixel cap and re-encode it without metadata; (bytes, media type)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=_FORMATS)
            width, height = im.size
            if width * height > settings.image_max_pixels or width <= 0 or height <= 0:
                raise TooLarge(
                    f"image is {width}x{height} pixels, over preview.image_max_pixels; the card is shown without it",
                    code="preview.image_pixels",
                )
            im.seek(0)  # animated: the first frame only
            im.load()
    except TooLarge:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooLarge("image decompresses past the pixel cap; refused", code="preview.image_pixels") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise BadContent(
            "image cannot be decoded (unknown format, SVG or corrupt)", code="preview.image_decode"
        ) from exc
    try:
        # orientation matters to viewers; the EXIF itself is dropped below
        upright: Image.Image = ImageOps.exif_transpose(im) or im
    except (OSError, ValueError, SyntaxError) as exc:
        raise BadContent("image orientation data is corrupt", code="preview.image_decode") from exc
    mode = upright.mode
    has_alpha = mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in upright.info)
    frame = upright.convert("RGBA" if has_alpha else "RGB")
    side = settings.image_max_side
    frame.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if has_alpha:
        frame.save(out, format="PNG", optimize=False)
        return out.getvalue(), "image/png"
    frame.save(out, format="JPEG", quality=settings.image_quality, optimize=False)
    return out.getvalue(), "image/jpeg"


class ImageProxy:
    """Fetches an origin image through the guarded fetcher and re-encodes it; cached when given a cache."""

    def __init__(self, fetcher: Fetcher, settings: PreviewSection, *, cache: Cache | None = None) -> None:
        self._fetcher = fetcher
        self._settings = settings
        self._cache = cache

    async def _render_fresh(self, url: str) -> tuple[bytes, str]:
        result = await self._fetcher.fetch(url, purpose="image")
        if result.status >= 400:
            raise BadContent(f"image answered HTTP {result.status}", code="preview.image_status")
        ctype = result.content_type
        if ctype and (not ctype.startswith("image/") or "svg" in ctype):
            raise BadContent(f"refusing to proxy {ctype!r}: only raster images are proxied", code="preview.image_type")
        if result.truncated:
            raise TooLarge("image is larger than network.max_image_bytes", code="preview.image_bytes")
        # Pillow work is CPU-bound: keep it off the event loop
        return await asyncio.to_thread(reencode, result.body, self._settings)

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
