"""Pictures for the QR and barcode tests, made here: QR codes with segno, an EAN-13 drawn from the
standard's tables (GS1 General Specifications, 5.2.1), and hostile files built byte by byte."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence

import segno
from PIL import Image


def qr(text: str, *, scale: int = 4, border: int = 4, micro: bool = False) -> Image.Image:
    """``text`` as a QR code (Micro QR when asked), black on white, ``scale`` pixels a module."""
    code = segno.make_micro(text) if micro else segno.make_qr(text, error="m")
    buf = io.BytesIO()
    code.save(buf, kind="png", scale=scale, border=border)
    return Image.open(io.BytesIO(buf.getvalue())).convert("L")


def encoded(im: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **options)
    return buf.getvalue()


def sheet(size: tuple[int, int], codes: Sequence[tuple[Image.Image, tuple[int, int]]]) -> Image.Image:
    """A white picture of ``size`` with each code pasted at its (x, y)."""
    out = Image.new("L", size, 255)
    for code, at in codes:
        out.paste(code, at)
    return out


def rotated(im: Image.Image, degrees: float) -> Image.Image:
    return im.rotate(degrees, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)


# EAN-13 (GS1 General Specifications 5.2.1.2): the left half's digits in sets A (odd parity) or B
# (even) by the first digit; the right half's in set C
_A = ("0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011")
_C = tuple("".join("1" if b == "0" else "0" for b in a) for a in _A)
_B = tuple(c[::-1] for c in _C)
_PARITY = ("AAAAAA", "AABABB", "AABBAB", "AABBBA", "ABAABB", "ABBAAB", "ABBBAA", "ABABAB", "ABABBA", "ABBABA")


def ean13_check(twelve: str) -> str:
    """The check digit of the first 12 digits: weights 1 and 3 from the left."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(twelve))
    return str((10 - total % 10) % 10)


def ean13(twelve: str, *, module: int = 3, height: int = 120) -> tuple[Image.Image, str]:
    """An EAN-13 barcode of ``twelve`` digits plus its check digit, and the 13 digits it holds."""
    digits = twelve + ean13_check(twelve)
    first, left, right = int(digits[0]), digits[1:7], digits[7:]
    bits = "101"
    for d, parity in zip(left, _PARITY[first], strict=True):
        bits += (_A if parity == "A" else _B)[int(d)]
    bits += "01010" + "".join(_C[int(d)] for d in right) + "101"
    quiet = 11
    width = (len(bits) + 2 * quiet) * module
    im = Image.new("L", (width, height + 20), 255)
    for i, bit in enumerate(bits):
        if bit == "1":
            x = (quiet + i) * module
            im.paste(0, (x, 10, x + module, 10 + height))
    return im, digits


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid-looking PNG of a few hundred bytes whose header declares ``width`` x ``height`` grey pixels:
    its one IDAT inflates a few rows of zeros (the rest would come from a decompressor fed more)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width + 1) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")
