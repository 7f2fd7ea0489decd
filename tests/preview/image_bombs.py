"""Image bombs and ordinary images for the image proxy tests: small files that decode to a lot of memory.

Every builder makes a real file of its format (the PNGs are written row by row through zlib, so a
5600x5600 bomb costs the test no 120 MiB to make: it is the 91 kB PNG of the report). Builders
are cached: several tests and the server test share them.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib
from typing import Any

from PIL import Image, PngImagePlugin

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# PNG colour type, bit depth and channels for the modes used here
_PNG_MODES = {"1": (0, 1, 1), "L": (0, 8, 1), "I;16": (0, 16, 1), "RGB": (2, 8, 3), "P": (3, 8, 1), "RGBA": (6, 8, 4)}


def encode(im: Image.Image, fmt: str, **save: Any) -> bytes:
    out = io.BytesIO()
    im.save(out, format=fmt, **save)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def png(width: int, height: int, mode: str = "RGB") -> bytes:
    """A valid, all-zero PNG of ``mode`` streamed row by row (a 5600x5600 RGB one is 91 kB)."""
    colour, depth, channels = _PNG_MODES[mode]
    row = b"\0" * (1 + (width * channels * depth + 7) // 8)
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    palette = _chunk(b"PLTE", b"\0\0\0\xff\0\0") if mode == "P" else b""
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return PNG_MAGIC + _chunk(b"IHDR", header) + palette + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def png_text_bomb() -> bytes:
    """A 40x40 PNG whose zTXt chunks inflate to 3 MB while it is opened (each compresses to ~1 kB)."""
    info = PngImagePlugin.PngInfo()
    for i in range(3):
        info.add_text(f"k{i}", "a" * 1_000_000, zip=True)
    return encode(Image.new("RGB", (40, 40), "red"), "PNG", pnginfo=info)


@functools.cache
def jpeg(width: int, height: int, *, progressive: bool = False) -> bytes:
    return encode(Image.new("RGB", (width, height), (200, 30, 30)), "JPEG", progressive=progressive)


def jpeg_header(width: int, height: int) -> bytes:
    """SOI, a baseline SOF0 for a 3-component image of the given size, SOS, EOI: no pixel data."""
    sof = struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    sos = b"\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof
        + b"\xff\xda" + struct.pack(">H", len(sos) + 2) + sos
        + b"\xff\xd9"
    )  # fmt: skip


@functools.cache
def gif(width: int, height: int, frames: int = 1) -> bytes:
    """A GIF on a ``width`` x ``height`` canvas; each frame after the first changes one pixel, so
    Pillow writes it as a 1x1 patch (3000 frames of a small canvas are a few tens of kB)."""
    first = Image.new("P", (width, height), 1)
    rest = []
    for i in range(frames - 1):
        im = first.copy()
        im.putpixel((i % width, 0), 2 + i % 100)
        rest.append(im)
    return encode(first, "GIF", save_all=bool(rest), append_images=rest, duration=20, loop=0)


@functools.cache
def webp(width: int, height: int) -> bytes:
    """A lossless RGBA WebP (a flat colour: 2500x2500 is a few hundred bytes)."""
    return encode(Image.new("RGBA", (width, height), (200, 30, 30, 128)), "WEBP", lossless=True)


def webp_header(width: int, height: int) -> bytes:
    """RIFF/WEBP with a VP8X chunk declaring a ``width`` x ``height`` canvas and nothing else."""
    vp8x = b"\x10\0\0\0" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def bmp_rle8(width: int, height: int) -> bytes:
    """An 8-bit run-length-encoded BMP: a few bytes a row, whatever the width."""
    row = b"".join(struct.pack("BB", min(255, width - x), 1) for x in range(0, width, 255)) + b"\0\0"
    data = row * height + b"\0\1"
    palette = b"\0\0\0\0" + b"\0\0\xff\0" + b"\0" * 4 * 254
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(data), 2835, 2835, 256, 0)
    offset = 14 + len(info) + len(palette)
    return b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset) + info + palette + data


def ico(entries: list[bytes]) -> bytes:
    """An ICO whose directory says 256x256 (0) for every entry, holding ``entries`` (PNG or DIB bytes)."""
    head = struct.pack("<HHH", 0, 1, len(entries))
    offset = len(head) + 16 * len(entries)
    directory, blobs = b"", b""
    for blob in entries:
        directory += struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, len(blob), offset + len(blobs))
        blobs += blob
    return head + directory + blobs


def dib_header(width: int, height: int) -> bytes:
    """A 32-bit BITMAPINFOHEADER as ICO entries carry it (height doubled for the AND mask), no pixels."""
    return struct.pack("<IiiHHIIiiII", 40, width, 2 * height, 1, 32, 0, 0, 0, 0, 0, 0)


def tiff() -> bytes:
    return encode(Image.new("RGB", (20, 20), "red"), "TIFF")
