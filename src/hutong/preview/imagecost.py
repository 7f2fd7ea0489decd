"""What decoding and shrinking one image costs in memory, reckoned from its header before a pixel is decoded.

The arithmetic follows what Pillow and its codecs allocate, not the file size: a 91 kB PNG of
5600x5600 pixels decodes to 120 MiB. Pillow stores a pixel in 1 byte for modes ``1``, ``L`` and
``P``, in 2 for ``I;16`` and in 4 for every other mode (``RGB`` is kept as RGBX, ``LA`` as four
bytes too), whatever the file's bit depth. A decode goes through phases, and its peak is the
largest phase, since each one frees what the one before it held:

``decode``
    the frame in its decoded mode, plus what the codec holds while decoding: libjpeg's
    whole-image coefficient buffer for a progressive or multi-scan JPEG (2 bytes a coefficient,
    at full resolution even when the output is scaled down), libwebp's two RGBA canvases, the
    RGBA copy handed to Pillow and the lossless ARGB buffer for WebP, the mask and alpha copies
    of an ICO bitmap.
``convert``
    the frame plus its copy in the working mode, when the decoded mode cannot be resampled well
    (palette, 1-bit, 16-bit, CMYK): a palette frame becomes RGB(A), 4 bytes a pixel.
``shrink``
    the working frame, its premultiplied copy when it has alpha (Pillow resamples ``RGBa``), the
    frame reduced by an integer factor (``reducing_gap`` 2, as ``Image.thumbnail`` does), the
    horizontal pass of the Lanczos resampling and the final frame.

Only the first frame of an animation is decoded (GIF, APNG, animated WebP): the frame count does
not multiply the cost, and a GIF's or WebP's first frame is drawn on the full logical canvas, so
the canvas size is what is counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Pillow's Storage.c: bytes per pixel of the in-memory image, by mode
_STORAGE = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
_PIXEL_MAX = 4
_RESAMPLED = ("L", "LA", "RGB", "RGBA")  # modes Pillow's Lanczos resampling takes as they are
_GRAY = ("1", "I;16", "I;16L", "I;16B", "I;16N", "I", "F")
REDUCING_GAP = 2.0
JPEG_COEFFICIENT_BYTES = 2 * 64  # one 8x8 block of 16-bit DCT coefficients
WEBP_CODEC_PIXEL = 16  # two RGBA canvases (8), the RGBA frame Pillow copies out (4), lossless ARGB (4)
ICO_CODEC_PIXEL = 12  # the bitmap as RGBA (4), its 32-bit alpha bytes and their slice (5), the mask (1), slack


def storage_bytes(mode: str) -> int:
    """Bytes Pillow keeps for one pixel of ``mode``."""
    return _STORAGE.get(mode, _PIXEL_MAX)


def working_mode(mode: str, transparent: bool) -> str:
    """The mode a frame is resampled in: its own if Lanczos takes it, else grey, RGB or RGBA."""
    if mode in _RESAMPLED:
        return mode
    if mode in _GRAY:
        return "L"
    if mode == "PA" or (mode == "P" and transparent):
        return "RGBA"
    return "RGB"


@dataclass(frozen=True)
class Header:
    """What the header says, before decoding: the size that will be decoded (after any JPEG draft
    scaling), the source size the codec works at, and the codec facts that cost memory."""

    format: str
    mode: str
    size: tuple[int, int]
    source: tuple[int, int] | None = None  # JPEG: the unscaled size; default: ``size``
    transparent: bool = False  # a palette with a transparent entry
    full_buffer: bool = False  # JPEG: progressive or multi-scan, so libjpeg keeps every coefficient
    sampling: tuple[tuple[int, int], ...] = ()  # JPEG: (horizontal, vertical) factors per component
    decoded: bool = False  # already decoded while opening (ICO): no codec work left


@dataclass(frozen=True)
class DecodeCost:
    """Peak bytes of each phase of one decode; ``peak`` is the largest."""

    decode: int
    convert: int
    shrink: int

    @property
    def peak(self) -> int:
        return max(self.decode, self.convert, self.shrink)


def fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The size ``Image.thumbnail((side, side))`` shrinks ``size`` to (aspect kept, at least 1)."""
    w, h = size
    if w <= side and h <= side:
        return size
    scale = side / max(w, h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def jpeg_draft_request(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The size to ask ``JpegImageFile.draft`` for: twice the final size, as ``thumbnail`` does, so
    the DCT-scaled decode is still reduced and resampled rather than used as it is."""
    fw, fh = fit(size, side)
    return int(fw * REDUCING_GAP), int(fh * REDUCING_GAP)


def jpeg_coefficients(source: tuple[int, int], sampling: tuple[tuple[int, int], ...]) -> int:
    """Bytes of libjpeg's whole-image coefficient buffer (jdcoefct.c): per component, blocks of 8x8
    samples at the component's resolution, rounded up to its sampling factors."""
    w, h = source
    if not sampling:
        sampling = ((1, 1),) * 3
    hmax = max(hs for hs, _ in sampling)
    vmax = max(vs for _, vs in sampling)
    total = 0
    for hs, vs in sampling:
        bw = math.ceil(math.ceil(w * hs / (hmax * 8)) / hs) * hs
        bh = math.ceil(math.ceil(h * vs / (vmax * 8)) / vs) * vs
        total += bw * bh * JPEG_COEFFICIENT_BYTES
    return total


def codec_bytes(header: Header) -> int:
    """What the codec holds beside Pillow's frame while it decodes."""
    w, h = header.size
    if header.decoded:
        return 0
    if header.format == "JPEG" and header.full_buffer:
        return jpeg_coefficients(header.source or header.size, header.sampling)
    if header.format == "WEBP":
        return WEBP_CODEC_PIXEL * w * h
    if header.format == "ICO":
        return ICO_CODEC_PIXEL * w * h
    return 0


def resident_bytes(header: Header) -> int:
    """Codec memory still held after the frame is decoded, until the image is closed: libwebp's
    canvases stay with the decoder (the decode copies the frame out and closes the file first)."""
    w, h = header.size
    return 12 * w * h if header.format == "WEBP" else 0


def shrink_bytes(mode: str, size: tuple[int, int], side: int) -> int:
    """Peak of ``thumbnail((side, side), LANCZOS)`` on a frame of ``mode`` and ``size``, the frame included."""
    w, h = size
    px = storage_bytes(mode)
    frame = px * w * h
    fw, fh = fit(size, side)
    if (fw, fh) == (w, h):
        return frame
    premultiplied = frame if mode in ("LA", "RGBA") else 0
    fx = int(w / fw / REDUCING_GAP) or 1
    fy = int(h / fh / REDUCING_GAP) or 1
    rw, rh = (math.ceil(w / fx), math.ceil(h / fy)) if fx > 1 or fy > 1 else (w, h)
    reduced = px * rw * rh if (rw, rh) != (w, h) else 0
    horizontal = px * fw * rh
    final = px * fw * fh
    return frame + premultiplied + reduced + horizontal + 2 * final


def decode_cost(header: Header, side: int) -> DecodeCost:
    """The memory one decode of ``header``'s image takes, phase by phase, shrunk to ``side``."""
    w, h = header.size
    frame = storage_bytes(header.mode) * w * h
    work = working_mode(header.mode, header.transparent)
    converted = storage_bytes(work) * w * h if work != header.mode else 0
    return DecodeCost(
        decode=frame + codec_bytes(header),
        convert=frame + converted + resident_bytes(header) if converted else 0,
        shrink=shrink_bytes(work, (w, h), side),
    )


def webp_canvas(data: bytes) -> tuple[int, int] | None:
    """The canvas size of a WebP file from its first chunk (what libwebp's demuxer allocates), or None."""
    if len(data) < 30 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF
    if chunk == b"VP8X":
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_PROGRESSIVE = frozenset({0xC2, 0xC6, 0xCA, 0xCE})


def jpeg_needs_full_buffer(data: bytes) -> bool:
    """True when libjpeg will buffer every coefficient: a progressive frame, or a first scan that
    does not carry every component (jdinput.c ``has_multiple_scans``). Unreadable: True."""
    pos, components = 2, 0
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return True
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker in _SOF:
            if marker in _PROGRESSIVE or pos + 9 >= len(data):
                return True
            components = data[pos + 9]
        elif marker == 0xDA:  # start of scan
            return pos + 4 >= len(data) or data[pos + 4] < components or components == 0
        if length < 2:
            return True
        pos += 2 + length
    return True
