"""The QR codes and barcodes in a picture, read within bounds fixed before a pixel is decoded.

``read_codes(data, limits)`` runs in a scan worker (``hutong.offload``): it names the format from
the first bytes (PNG, JPEG, GIF, WebP or BMP; anything else is refused unread), reads the header,
refuses a picture over ``image_check.max_pixels`` or one whose decode and scan would take more
than ``image_check.max_decode_bytes`` (reckoned as ``hutong.preview.imagecost`` reckons a card
image, plus the scanner's own buffers), and only then decodes the first frame, in grey, upright
(EXIF orientation), transparent areas on white, and hands it to zxing-cpp, which finds every code
of every symbology it reads (QR and Micro QR, Data Matrix, Aztec, PDF417, EAN/UPC, Code 128 ...).

A JPEG is decoded straight to grey (Pillow's draft mode at full size: a quarter of an RGB frame).
zxing-cpp reports at most 255 codes of one picture; the first ``image_check.max_codes`` in reading
order (top to bottom, then left to right) are kept and the picture is marked ``truncated``.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

import zxingcpp
from PIL import Image

from .config import ImageCheckSection
from .errors import PictureError
from .preview.imagecost import Header, codec_bytes, jpeg_needs_full_buffer, storage_bytes, webp_canvas

# importing imagedecode also caps the PNG text chunks Pillow inflates while opening (1 MiB, not 64)
from .preview.imagedecode import FIXED_BYTES, MIB

FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP")
# zxing-cpp's binarised copies and the downscaled passes of one grey frame, per pixel: measured at
# 5 bytes (resident growth scanning 16 MP of noise with zxing-cpp 3.1.1), rounded up. A whole read of a
# 4000x4000 RGB PNG peaked 78 MiB (blank) to 93 MiB (noise) over the worker's start, reckoned at 110 MiB.
SCAN_BYTES = 6
_ALPHA_BYTES = (
    12  # a transparent frame laid on white: LA (4), its grey and alpha (2), the white (1), the result (1), slack
)
_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError, KeyError)
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
)
Corners = tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]


@dataclass(frozen=True, slots=True)
class CodeLimits:
    """The bounds of reading one picture (``[image_check]``), as plain values a worker receives."""

    max_bytes: int = ImageCheckSection.max_bytes
    max_pixels: int = ImageCheckSection.max_pixels
    max_decode_bytes: int = ImageCheckSection.max_decode_bytes
    max_codes: int = ImageCheckSection.max_codes

    @classmethod
    def of(cls, section: ImageCheckSection) -> CodeLimits:
        return cls(section.max_bytes, section.max_pixels, section.max_decode_bytes, section.max_codes)


@dataclass(frozen=True, slots=True)
class Code:
    """One code read from a picture: its text, zxing-cpp's name of its symbology, its corners, and
    whether its content is text (``text``) or bytes that are not (``binary``)."""

    text: str
    symbology: str
    corners: Corners
    content: str = "text"


@dataclass(frozen=True, slots=True)
class Picture:
    """What one picture held: its format and upright size, its codes in reading order, and whether
    more codes were found than ``image_check.max_codes`` keeps (``truncated``)."""

    format: str
    width: int
    height: int
    codes: tuple[Code, ...] = ()
    truncated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"format": self.format, "width": self.width, "height": self.height}


def sniff(data: bytes, limits: CodeLimits) -> str:
    """The format of ``data`` from its first bytes, once its size is under the cap; else ``PictureError``.

    >>> sniff(b"GIF89a" + bytes(20), CodeLimits())
    'GIF'
    """
    if len(data) > limits.max_bytes:
        raise too_large(len(data), limits.max_bytes)
    if not data:
        raise PictureError(
            "no picture was sent (the body is empty)", code="image.empty", detail_zh="没有收到图片（内容为空）"
        )
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    raise PictureError(
        "this is not a picture hutong reads: send a PNG, JPEG, GIF, WebP or BMP file",
        code="image.not_an_image",
        detail_zh="这不是可读取的图片：请发送 PNG、JPEG、GIF、WebP 或 BMP 文件",
    )


def read_codes(data: bytes, limits: CodeLimits) -> Picture:
    """Every code in the picture ``data`` (the first frame of an animation), bounded by ``limits``."""
    fmt = sniff(data, limits)
    if fmt == "WEBP":  # Pillow's WebP decoder allocates its canvases while opening: check the size first
        canvas = webp_canvas(data)
        if canvas is None:
            raise _undecodable("its WebP header is unreadable")
        _check(Header(format="WEBP", mode="RGBA", size=canvas), limits)
    im = _open(data, fmt, limits)
    try:
        header = _header(im, data)
        _check(header, limits)
        grey = _grey(im)
    except PictureError:
        im.close()
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        im.close()
        raise _pixels(im.size, limits) from exc
    except _ERRORS as exc:
        im.close()
        raise _undecodable("it is corrupt or truncated") from exc
    if grey is not im:
        im.close()
    width, height = grey.size
    pixels = grey.tobytes()  # handed over as a buffer: no call back into Python, where the CPU budget could land
    grey.close()
    try:
        found = zxingcpp.read_barcodes(memoryview(pixels).cast("B", (height, width)))
    except (RuntimeError, ValueError, TypeError) as exc:
        raise _undecodable(f"the code reader refused it ({exc})") from exc
    codes = sorted((_code(b) for b in found if b.valid), key=_reading_order)
    return Picture(
        format=fmt,
        width=width,
        height=height,
        codes=tuple(codes[: limits.max_codes]),
        truncated=len(codes) > limits.max_codes,
    )


def decode_bytes(header: Header) -> int:
    """Peak bytes of decoding ``header``'s picture and scanning it for codes.

    The phases follow one another, each freeing what the one before held: the decode (frame and
    codec), the grey copy (with its alpha laid on white when the frame has transparency) and the
    turn upright, and the scan (the grey frame and zxing-cpp's buffers).

    >>> decode_bytes(Header(format="PNG", mode="L", size=(1000, 1000))) - FIXED_BYTES  # the scan: 1 + 6 bytes a pixel
    7000000
    """
    w, h = header.size
    pixels = w * h
    frame = storage_bytes(header.mode) * pixels
    decode = frame + codec_bytes(header)
    alpha = header.mode in ("RGBA", "LA", "PA") or header.transparent
    grey = frame + (_ALPHA_BYTES if alpha else 1) * pixels + pixels  # + the upright copy
    scan = (1 + SCAN_BYTES) * pixels
    return max(decode, grey, scan) + FIXED_BYTES


def _open(data: bytes, fmt: str, limits: CodeLimits) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PictureError(
            "the picture declares more pixels than Pillow's decompression-bomb limit, far over "
            f"image_check.max_pixels ({limits.max_pixels}); it was not decoded: send a smaller picture",
            code="image.pixels",
            detail_zh=f"图片声明的像素数超过解压炸弹上限，远超上限 {limits.max_pixels} 像素（image_check.max_pixels），"
            "未解码，请发送更小的图片",
            too_large=True,
        ) from exc
    except _ERRORS as exc:
        raise _undecodable("its header is unreadable") from exc


def _header(im: Image.Image, data: bytes) -> Header:
    """The opened picture's header; a JPEG is set to decode straight to grey at full size."""
    transparent = "transparency" in im.info
    if im.format != "JPEG":
        return Header(format=str(im.format), mode=im.mode, size=im.size, transparent=transparent)
    source = im.size
    layers = getattr(im, "layer", [])
    sampling = tuple((h, v) for _id, h, v, _q in layers)
    if im.mode in ("L", "RGB", "YCbCr"):  # libjpeg converts these to grey itself; CMYK is converted after
        im.draft("L", source)
    return Header(
        format="JPEG",
        mode=im.mode,
        size=im.size,
        source=source,
        full_buffer=jpeg_needs_full_buffer(data),
        sampling=sampling,
    )


def _check(header: Header, limits: CodeLimits) -> None:
    width, height = header.size
    if width <= 0 or height <= 0 or width * height > limits.max_pixels:
        raise _pixels(header.size, limits)
    need = decode_bytes(header)
    if need > limits.max_decode_bytes:
        raise PictureError(
            f"reading this {width}x{height} {header.format} ({header.mode}) would take {need / MIB:.0f} MiB, over "
            f"image_check.max_decode_bytes ({limits.max_decode_bytes / MIB:.0f} MiB); send a smaller picture",
            code="image.memory",
            detail_zh=f"读取这张 {width}×{height} 的图片约需 {need / MIB:.0f} MiB 内存，超过上限 "
            f"{limits.max_decode_bytes / MIB:.0f} MiB（image_check.max_decode_bytes），请发送更小的图片",
            too_large=True,
        )


def too_large(size: int | str, limit: int) -> PictureError:
    """The refusal of a picture of ``size`` bytes (or a phrase: "more than N") over ``image_check.max_bytes``."""
    return PictureError(
        f"the picture is {size} bytes, over image_check.max_bytes ({limit}); send a smaller one",
        code="image.too_large",
        detail_zh=f"图片有 {size} 字节，超过上限 {limit} 字节（image_check.max_bytes），请发送更小的图片",
        too_large=True,
    )


def _pixels(size: tuple[int, int], limits: CodeLimits) -> PictureError:
    width, height = size
    return PictureError(
        f"the picture is {width}x{height} pixels, over image_check.max_pixels ({limits.max_pixels}); "
        "it was not decoded: send a smaller picture",
        code="image.pixels",
        detail_zh=f"图片为 {width}×{height} 像素，超过上限 {limits.max_pixels} 像素（image_check.max_pixels），"
        "未解码，请发送更小的图片",
        too_large=True,
    )


def _undecodable(why: str) -> PictureError:
    return PictureError(
        f"the picture cannot be decoded: {why}",
        code="image.undecodable",
        detail_zh="图片无法解码（文件损坏、不完整或格式不符）",
    )


def _grey(im: Image.Image) -> Image.Image:
    """The first frame in grey, upright, with any transparent area laid on white (codes are dark on light)."""
    im.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        im.load()
    has_alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
    if not has_alpha:
        grey = im if im.mode == "L" else im.convert("L")
    else:
        la = im.convert("LA")
        shade, alpha = la.split()
        grey = Image.composite(shade, Image.new("L", la.size, 255), alpha)
    turn = _TURNS.get(im.getexif().get(_ORIENTATION, 1))
    return grey if turn is None else grey.transpose(turn)


_ORIENTATION = 0x0112  # EXIF Orientation: how to turn the stored pixels to show them upright
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _code(barcode: Any) -> Code:
    p = barcode.position
    corners: Corners = (
        (p.top_left.x, p.top_left.y),
        (p.top_right.x, p.top_right.y),
        (p.bottom_right.x, p.bottom_right.y),
        (p.bottom_left.x, p.bottom_left.y),
    )
    binary = barcode.content_type == zxingcpp.ContentType.Binary
    return Code(
        text=barcode.text, symbology=barcode.format.name, corners=corners, content="binary" if binary else "text"
    )


def _reading_order(code: Code) -> tuple[int, int]:
    return min(y for _, y in code.corners), min(x for x, _ in code.corners)
