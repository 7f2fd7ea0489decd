"""The bounded body reader: caps, truncation and decompression bombs."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from hutong.errors import BadContent, TooLarge
from hutong.net.body import BodyReader

PAGE = ("<p>" + "内容" * 50 + "</p>").encode() * 20


def _read(
    body: bytes, encoding: str, *, cap: int = 1 << 20, truncate: bool = False, chunk: int = 4096
) -> BodyReader:
    reader = BodyReader(content_encoding=encoding, cap=cap, max_ratio=100, truncate=truncate)
    for i in range(0, len(body), chunk):
        reader.feed(body[i : i + chunk])
        if reader.done:
            break
    return reader


def _raw_deflate(data: bytes) -> bytes:
    comp = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return comp.compress(data) + comp.flush()


ENCODED = {
    "identity": (PAGE, ""),
    "gzip": (gzip.compress(PAGE), "gzip"),
    "deflate-zlib": (zlib.compress(PAGE), "deflate"),
    "deflate-raw": (_raw_deflate(PAGE), "deflate"),
    "brotli": (brotli.compress(PAGE), "br"),
}


@pytest.mark.parametrize(("body", "encoding"), ENCODED.values(), ids=ENCODED.keys())
def test_round_trip(body: bytes, encoding: str) -> None:
    assert _read(body, encoding).body() == PAGE


@pytest.mark.parametrize(("body", "encoding"), ENCODED.values(), ids=ENCODED.keys())
def test_truncate_keeps_prefix(body: bytes, encoding: str) -> None:
    reader = _read(body, encoding, cap=1000, truncate=True)
    assert reader.truncated
    assert reader.body() == PAGE[:1000]


@pytest.mark.parametrize(("body", "encoding"), ENCODED.values(), ids=ENCODED.keys())
def test_over_cap_refused_when_not_truncating(body: bytes, encoding: str) -> None:
    with pytest.raises(TooLarge):
        _read(body, encoding, cap=1000)


BOMBS = {
    "gzip": (gzip.compress(b"\0" * 20_000_000, compresslevel=9), "gzip"),
    "deflate": (zlib.compress(b"\0" * 20_000_000, 9), "deflate"),
    "brotli": (brotli.compress(b"\0" * 20_000_000, quality=5), "br"),
}


@pytest.mark.parametrize(("body", "encoding"), BOMBS.values(), ids=BOMBS.keys())
def test_bomb_refused_by_ratio_even_when_truncating(body: bytes, encoding: str) -> None:
    with pytest.raises(TooLarge, match="bomb"):
        _read(body, encoding, cap=10_000_000, truncate=True, chunk=len(body))


@pytest.mark.parametrize(
    ("encoding", "body"),
    [("gzip", b"not gzip at all"), ("br", b"\xff\xff\xff\xff"), ("compress", b"x"), ("gzip, br", b"x")],
    ids=["corrupt-gzip", "corrupt-brotli", "unknown-encoding", "stacked-encodings"],
)
def test_bad_encodings_are_bad_content(encoding: str, body: bytes) -> None:
    with pytest.raises(BadContent):
        _read(body, encoding)
