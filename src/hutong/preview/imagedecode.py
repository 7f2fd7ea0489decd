"""Bounded decoding of a fetched image: read the header, reckon the memory, then decode at the smallest size.

``decode_small(data, settings)`` returns the first frame, upright, shrunk to
``preview.image_max_side``, in RGB or RGBA. Before any pixel is decoded it refuses an image over
``preview.image_max_pixels`` (``preview.image_pixels``) or one whose decode would take more than
``preview.image_max_decode_bytes`` (``preview.image_memory``, reckoned by ``imagecost``). A JPEG
is decoded DCT-scaled (Pillow's draft mode) to just above twice the final size, so a large photo
costs a fraction of its full size; other formats are decoded whole and shrunk straight away, in
the decoded mode where Lanczos takes it, before orientation and the final conversion.

Two formats allocate inside ``Image.open``: WebP's decoder sets up its canvases there and ICO
decodes its largest entry there. Their sizes are read from the bytes first (the WebP canvas, every
ICO entry's own PNG or bitmap header, which may differ from the ICO directory) and checked before
Pillow opens them. Pillow's own ``DecompressionBombError`` (and its warning, made an error) become
``preview.image_pixels`` refusals.
"""

from __future__ import annotations

import io
import warnings

from PIL import BmpImagePlugin, IcoImagePlugin, Image, ImageOps, PngImagePlugin

from ..config import PreviewSection
from ..errors import BadContent, TooLarge
from .imagecost import Header, decode_cost, jpeg_draft_request, jpeg_needs_full_buffer, webp_canvas, working_mode

FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "ICO")
MIB = 1024 * 1024
MAX_ICO_ENTRIES = 64  # favicons carry a handful of sizes; each entry's header is parsed before opening
# PNG text chunks are dropped anyway; Pillow's default lets zTXt chunks inflate to 64 MiB per image,
# read while opening, before any size check. Pillow reads this module global at each chunk.
PNG_TEXT_MEMORY = MIB
PngImagePlugin.MAX_TEXT_MEMORY = PNG_TEXT_MEMORY
# Beside the pixels: PNG text (above), Pillow's encoder buffers and the re-encoded output of one
# image at most image_max_side (640 px: 1.6 MiB as RGBA), measured under 3 MiB by bench/images.py.
FIXED_BYTES = 4 * MIB
_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError)


def decode_small(data: bytes, settings: PreviewSection) -> Image.Image:
    """The first frame of ``data``, upright, shrunk to ``preview.image_max_side``, in RGB or RGBA."""
    for header in _pre_open_headers(data):
        _check(header, settings)
    im = _open(data)
    try:
        header = _header(im, data, settings)
        _check(header, settings)
        im.seek(0)  # animated: the first frame only
        im.load()
        has_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
        frame = _working_frame(im, header)
    except (TooLarge, BadContent):
        im.close()
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        im.close()
        raise _pillow_bomb() from exc
    except _ERRORS as exc:
        im.close()
        raise BadContent("image cannot be decoded (corrupt or truncated)", code="preview.image_decode") from exc
    if frame is not im:
        im.close()  # frees the decoder and the decoded frame before shrinking
    try:
        frame.thumbnail((settings.image_max_side, settings.image_max_side), Image.Resampling.LANCZOS)
        # orientation matters to viewers; the EXIF itself is not carried into the output
        upright: Image.Image = ImageOps.exif_transpose(frame) or frame
    except _ERRORS as exc:
        raise BadContent(
            "image cannot be shrunk or turned upright (corrupt data)", code="preview.image_decode"
        ) from exc
    return upright.convert("RGBA" if has_alpha else "RGB")


def decode_cost_of(data: bytes, settings: PreviewSection) -> int:
    """Peak bytes ``decode_small`` would take for ``data`` (the refusals it would raise, raised)."""
    headers = _pre_open_headers(data)
    im = _open(data)
    with im:
        headers.append(_header(im, data, settings))
    return max(decode_cost(h, settings.image_max_side).peak for h in headers) + FIXED_BYTES


def _pillow_bomb() -> TooLarge:
    return TooLarge(
        "image is larger than Pillow's decompression-bomb limit; the card is shown without it",
        code="preview.image_pixels",
    )


def _open(data: bytes) -> Image.Image:
    try:
        # catch_warnings is process-wide, not per thread: with decodes in parallel another thread may
        # restore the filters early, and the warning is then only logged; the pixel cap checked after
        # opening (far below Pillow's warning limit by default) refuses the image all the same
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # an ICO entry whose own header differs from the directory: its real size was checked
            warnings.filterwarnings("ignore", "Image was not the expected size", UserWarning)
            return Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _pillow_bomb() from exc
    except _ERRORS as exc:
        raise BadContent(
            "image cannot be decoded (unknown format, SVG or corrupt)", code="preview.image_decode"
        ) from exc


def _check(header: Header, settings: PreviewSection) -> None:
    width, height = header.size
    if width <= 0 or height <= 0 or width * height > settings.image_max_pixels:
        raise TooLarge(
            f"image is {width}x{height} pixels, over preview.image_max_pixels; the card is shown without it",
            code="preview.image_pixels",
        )
    need = decode_cost(header, settings.image_max_side).peak + FIXED_BYTES
    if need > settings.image_max_decode_bytes:
        raise TooLarge(
            f"decoding this {width}x{height} {header.format} ({header.mode}) would take {need / MIB:.0f} MiB, "
            f"over preview.image_max_decode_bytes ({settings.image_max_decode_bytes / MIB:.0f} MiB); "
            "the card is shown without it",
            code="preview.image_memory",
        )


def _header(im: Image.Image, data: bytes, settings: PreviewSection) -> Header:
    """The header of an opened image; a JPEG is set to decode DCT-scaled first (``draft``)."""
    transparent = "transparency" in im.info
    if im.format not in ("JPEG", "MPO"):
        decoded = im.format == "ICO"  # its entries were checked before opening
        return Header(format=str(im.format), mode=im.mode, size=im.size, transparent=transparent, decoded=decoded)
    source = im.size
    if 0 < source[0] * source[1] <= settings.image_max_pixels:
        im.draft(None, jpeg_draft_request(source, settings.image_max_side))
    layers = getattr(im, "layer", [])
    return Header(
        format="JPEG",
        mode=im.mode,
        size=im.size,
        source=source,
        full_buffer=jpeg_needs_full_buffer(data),
        sampling=tuple((h, v) for _id, h, v, _q in layers),
    )


def _pre_open_headers(data: bytes) -> list[Header]:
    """Headers of the formats whose ``Image.open`` allocates or decodes, read from the bytes."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        canvas = webp_canvas(data)
        if canvas is None:
            raise BadContent("WebP header is unreadable", code="preview.image_decode")
        return [Header(format="WEBP", mode="RGBA", size=canvas)]
    if data[:4] == b"\0\0\1\0":
        return _ico_headers(data)
    return []


def _ico_headers(data: bytes) -> list[Header]:
    buf = io.BytesIO(data)
    try:
        ico = IcoImagePlugin.IcoFile(buf)
        if len(ico.entry) > MAX_ICO_ENTRIES:
            raise BadContent(f"icon has {len(ico.entry)} entries, over {MAX_ICO_ENTRIES}", code="preview.image_decode")
        headers = []
        for entry in ico.entry:
            buf.seek(entry.offset)
            if buf.read(8) == PngImagePlugin._MAGIC:
                buf.seek(entry.offset)
                png = PngImagePlugin.PngImageFile(buf)
                transparent = "transparency" in png.info
                headers.append(Header(format="PNG", mode=png.mode, size=png.size, transparent=transparent))
            else:
                buf.seek(entry.offset)
                dib = BmpImagePlugin.DibImageFile(buf)
                width, height = dib.size  # the bitmap's height counts its AND mask too
                headers.append(Header(format="ICO", mode="RGBA", size=(width, height // 2 or 1)))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _pillow_bomb() from exc
    except _ERRORS as exc:
        raise BadContent("icon cannot be decoded (corrupt entry)", code="preview.image_decode") from exc
    return headers


def _working_frame(im: Image.Image, header: Header) -> Image.Image:
    """The decoded frame in the mode it is shrunk in; a copy when the decoder still holds memory."""
    work = working_mode(im.mode, "transparency" in im.info)
    if work != im.mode:
        return im.convert(work)
    if header.format == "WEBP":
        return im.copy()
    return im
