"""Read a response body within limits, decompressing it ourselves so bombs are caught early.

httpx would inflate ``Content-Encoding`` for us, but without a ratio or output limit one
small gzip or brotli chunk can expand to gigabytes in a single call. Here every call is
bounded (``max_length`` for zlib, ``output_buffer_limit`` for brotli), so memory stays near
the cap whatever the server sends.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Protocol

import brotli

from ..errors import BadContent, TooLarge

# Below this many decompressed bytes the ratio is not judged: tiny repetitive pages compress well.
RATIO_FLOOR = 256 * 1024
_STEP = 64 * 1024


class _Inflater(Protocol):
    def feed(self, data: bytes, room: int) -> bytes: ...

    def drain(self, room: int) -> bytes: ...


class _Identity:
    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes, room: int) -> bytes:
        self._pending += data
        return self.drain(room)

    def drain(self, room: int) -> bytes:
        out, self._pending = self._pending[:room], self._pending[room:]
        return out


class _Zlib:
    def __init__(self, wbits: int) -> None:
        self._d = zlib.decompressobj(wbits)
        self._tail = b""

    def feed(self, data: bytes, room: int) -> bytes:
        self._tail += data
        return self.drain(room)

    def drain(self, room: int) -> bytes:
        if room <= 0 or not self._tail:
            return b""
        out = self._d.decompress(self._tail, room)
        self._tail = self._d.unconsumed_tail
        if self._d.eof and self._d.unused_data:  # concatenated gzip members: rare, keep reading
            rest = self._d.unused_data
            self._d = zlib.decompressobj(zlib.MAX_WBITS | 32)
            self._tail = rest + self._tail
        return out


class _Brotli:
    def __init__(self) -> None:
        self._d = brotli.Decompressor()
        self._queue = b""

    def feed(self, data: bytes, room: int) -> bytes:
        self._queue += data
        return self.drain(room)

    def drain(self, room: int) -> bytes:
        if room <= 0:
            return b""
        if self._d.can_accept_more_data():
            data, self._queue = self._queue, b""
            if not data:
                return b""
            return bytes(self._d.process(data, output_buffer_limit=room))
        return bytes(self._d.process(b"", output_buffer_limit=room))


def _inflater(encoding: str) -> _Inflater:
    enc = encoding.strip().lower()
    if enc in ("", "identity"):
        return _Identity()
    if enc in ("gzip", "x-gzip"):
        return _Zlib(zlib.MAX_WBITS | 16)
    if enc == "deflate":
        return _DeflateAuto()
    if enc == "br":
        return _Brotli()
    raise BadContent(f"the server used the content encoding {encoding!r}, which hutong does not accept")


class _DeflateAuto:
    """``deflate`` is zlib-wrapped by the spec but raw in some servers: decide on the first byte."""

    def __init__(self) -> None:
        self._inner: _Zlib | None = None

    def feed(self, data: bytes, room: int) -> bytes:
        if self._inner is None:
            if not data:
                return b""
            zlib_header = (data[0] & 0x0F) == 8 and len(data) > 1 and (data[0] * 256 + data[1]) % 31 == 0
            self._inner = _Zlib(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)
        return self._inner.feed(data, room)

    def drain(self, room: int) -> bytes:
        return self._inner.drain(room) if self._inner else b""


@dataclass
class BodyReader:
    """Accumulate a body up to ``cap`` decoded bytes; ``truncate`` keeps a prefix instead of refusing."""

    content_encoding: str
    cap: int
    max_ratio: int
    truncate: bool
    raw_bytes: int = 0
    truncated: bool = False
    _chunks: list[bytes] = field(default_factory=list)
    _size: int = 0
    _inflater: _Inflater | None = None

    def __post_init__(self) -> None:
        encodings = [e for e in self.content_encoding.split(",") if e.strip()]
        if len(encodings) > 1:
            raise BadContent("the server stacked several content encodings; hutong accepts at most one")
        self._inflater = _inflater(encodings[0] if encodings else "")

    @property
    def done(self) -> bool:
        """True once the cap is reached and the rest of the body should not be read."""
        return self.truncated

    def feed(self, raw: bytes) -> None:
        """Take one raw (possibly compressed) chunk; raises TooLarge or BadContent."""
        assert self._inflater is not None
        self.raw_bytes += len(raw)
        if self.raw_bytes > self.cap:
            # Compressed bytes past the cap are refused too: a stream that inflates to almost
            # nothing would otherwise be read until the deadline.
            if not self.truncate:
                raise TooLarge(f"the body is larger than the {self.cap}-byte limit for this kind of content")
            raw = raw[: max(0, len(raw) - (self.raw_bytes - self.cap))]
            self.truncated = True
        try:
            out = self._inflater.feed(raw, min(_STEP, self.cap + 1 - self._size))
            while out:
                self._take(out)
                if self._size >= self.cap:
                    return
                out = self._inflater.drain(min(_STEP, self.cap + 1 - self._size))
        except (zlib.error, brotli.error) as exc:
            raise BadContent(f"the compressed body is corrupt ({exc}); the server sent broken data") from exc

    def _take(self, out: bytes) -> None:
        self._size += len(out)
        if self._size > RATIO_FLOOR and self._size > self.max_ratio * max(self.raw_bytes, 1):
            raise TooLarge(
                f"the body inflates more than {self.max_ratio}x (a decompression bomb); refused",
                code="remote.too_large",
            )
        if self._size > self.cap:
            if not self.truncate:
                raise TooLarge(f"the body is larger than the {self.cap}-byte limit for this kind of content")
            keep = len(out) - (self._size - self.cap)
            self._chunks.append(out[:keep])
            self._size = self.cap
            self.truncated = True
            return
        self._chunks.append(out)

    def body(self) -> bytes:
        """The bytes read so far (at most ``cap``)."""
        return b"".join(self._chunks)
