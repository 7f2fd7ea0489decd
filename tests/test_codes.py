"""Reading the codes of a picture: every symbology, orientation and size the tests make, and hostile files refused
with their reason before a pixel is decoded."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from PIL import Image

from hutong.codes import CodeLimits, Picture, decode_bytes, read_codes
from hutong.config import Config, ImageCheckSection, ScanSection
from hutong.errors import PictureError
from hutong.preview.imagecost import Header
from hutong.service.pictures import close_readers, read_picture
from tests.support.pictures import ean13, encoded, png_bomb, qr, rotated, sheet

PAY_ALIPAY = "https://qr.alipay.com/fkx19283xyzabc"  # the form of an Alipay scan-to-pay code (own example)
PAY_WECHAT = "wxp://f2f0Xy8aBcDeFgHiJkLmNoPq"  # WeChat Pay's scan-to-pay form (own example)
MINI = "#小程序://胡同小店/Ab3xYz9QwErTy"  # a mini-program reference as WeChat shares it (own example)
PHISH = "https://login-verify.phish.example/account/update"
PLAIN = "https://www.example.org/news/2026/12/walk"
CONTACT = "https://u.wechat.com/EFxYz0123abcDEF"  # the form of a WeChat contact code (own example)


def texts(picture: Picture) -> list[tuple[str, str]]:
    return [(c.symbology, c.text) for c in picture.codes]


def read(data: bytes, **limits: int) -> Picture:
    return read_codes(data, CodeLimits(**limits))


BarcodeCase = Callable[[], tuple[bytes, list[tuple[str, str]]]]


def _one(text: str, fmt: str = "PNG", **kw: object) -> BarcodeCase:
    return lambda: (encoded(qr(text, **kw), fmt), [("QRCode", text)])  # type: ignore[arg-type]


def _several() -> tuple[bytes, list[tuple[str, str]]]:
    # reading order: top to bottom, then left to right, whatever order they were pasted in
    picture = sheet((700, 560), [(qr(PLAIN), (380, 20)), (qr(PAY_ALIPAY), (20, 20)), (qr(PHISH), (200, 300))])
    return encoded(picture), [("QRCode", PAY_ALIPAY), ("QRCode", PLAIN), ("QRCode", PHISH)]


def _barcode() -> tuple[bytes, list[tuple[str, str]]]:
    im, digits = ean13("690123456789")
    return encoded(im), [("EAN13", digits)]


def _with_barcode() -> tuple[bytes, list[tuple[str, str]]]:
    bar, digits = ean13("400638133393")
    picture = sheet((600, 500), [(qr(PLAIN), (150, 10)), (bar, (100, 330))])
    return encoded(picture), [("QRCode", PLAIN), ("EAN13", digits)]


def _transparent() -> tuple[bytes, list[tuple[str, str]]]:
    # black modules on a transparent background (a sticker): read as if laid on white
    grey = qr(PHISH)
    rgba = Image.new("RGBA", grey.size, (0, 0, 0, 0))
    rgba.putalpha(grey.point(lambda v: 255 - v))
    return encoded(rgba), [("QRCode", PHISH)]


CASES: dict[str, BarcodeCase] = {
    "alipay scan-to-pay": _one(PAY_ALIPAY),
    "wechat pay wxp:": _one(PAY_WECHAT),
    "mini-program": _one(MINI),
    "phishing": _one(PHISH),
    "plain link": _one(PLAIN),
    "contact code": _one(CONTACT),
    "jpeg": _one(PLAIN, "JPEG", scale=6),
    "gif": _one(PLAIN, "GIF"),
    "webp": _one(PLAIN, "WEBP", scale=6),
    "bmp": _one(PLAIN, "BMP"),
    "small: 2 px a module": _one(PAY_ALIPAY, scale=2, border=2),
    "micro qr": lambda: (encoded(qr("wxp://f2f0", micro=True)), [("MicroQRCode", "wxp://f2f0")]),
    "rotated 90": lambda: (encoded(qr(PHISH).rotate(90, expand=True)), [("QRCode", PHISH)]),
    "rotated 30": lambda: (encoded(rotated(qr(PAY_ALIPAY, scale=6), 30)), [("QRCode", PAY_ALIPAY)]),
    "rotated 135": lambda: (encoded(rotated(qr(PLAIN, scale=6), 135)), [("QRCode", PLAIN)]),
    "several": _several,
    "ean-13 barcode": _barcode,
    "qr and barcode": _with_barcode,
    "transparent background": _transparent,
    "no code": lambda: (encoded(Image.new("RGB", (300, 200), (200, 120, 40))), []),
}


@pytest.mark.parametrize("name", CASES)
def test_every_code_is_read(name: str) -> None:
    data, expected = CASES[name]()
    assert texts(read(data)) == expected


def test_positions_are_the_code_s_corners_in_the_picture() -> None:
    code = qr(PLAIN, scale=5, border=0)
    picture = read(encoded(sheet((800, 600), [(code, (300, 200))])))
    (found,) = picture.codes
    (x0, y0), _, (x2, y2), _ = found.corners
    assert (picture.width, picture.height) == (800, 600)
    assert abs(x0 - 300) <= 5 and abs(y0 - 200) <= 5
    assert abs(x2 - (300 + code.width)) <= 6 and abs(y2 - (200 + code.height)) <= 6


def test_a_code_turned_by_its_exif_orientation_is_reported_upright() -> None:
    # stored sideways with Orientation 6 ("turn 90 degrees clockwise to show"): a viewer shows 600x800
    stored = sheet((800, 600), [(qr(PLAIN, scale=5), (40, 40))])
    exif = Image.Exif()
    exif[0x0112] = 6
    picture = read(encoded(stored.convert("RGB"), "JPEG", exif=exif.tobytes(), quality=95))
    assert (picture.width, picture.height) == (600, 800)
    ((x, y), *_), = (c.corners for c in picture.codes)
    assert x > 300 and y < 300  # the top-left area of the stored picture is now at the top right


def test_many_codes_are_cut_at_max_codes_and_marked_truncated() -> None:
    tile = qr(PLAIN, scale=2, border=2)
    spots = [(tile, (x, y)) for x in range(0, 600 - tile.width, tile.width + 8) for y in range(0, 400, tile.height + 8)]
    picture = read(encoded(sheet((600, 400), spots)), max_codes=5)
    assert len(spots) > 5 and len(picture.codes) == 5 and picture.truncated
    assert [c.text for c in picture.codes] == [PLAIN] * 5


def _over_bytes() -> bytes:
    return encoded(qr(PLAIN)) + bytes(2048)


HOSTILE: dict[str, tuple[Callable[[], bytes], dict[str, int], str, bool]] = {
    # name: (picture, limits, code, refused as too large)
    "bomb: 100000x100000 declared in a tiny PNG": (png_bomb, {}, "image.pixels", True),
    "bomb within Pillow's limit, over ours": (lambda: png_bomb(5000, 5000), {}, "image.pixels", True),
    "over the pixel cap": (lambda: encoded(Image.new("L", (2000, 1000), 255)), {"max_pixels": 1_000_000},
                           "image.pixels", True),
    "over the memory cap": (lambda: encoded(Image.new("RGB", (2000, 2000), "white")),
                            {"max_decode_bytes": 20 * 1024 * 1024}, "image.memory", True),
    "over the byte cap": (_over_bytes, {"max_bytes": 1024}, "image.too_large", True),
    "truncated PNG": (lambda: encoded(qr(PLAIN, scale=8))[:600], {}, "image.undecodable", False),
    "truncated JPEG": (lambda: encoded(qr(PLAIN, scale=8).convert("RGB"), "JPEG")[:900], {}, "image.undecodable",
                       False),
    "random bytes": (lambda: os.urandom(4096), {}, "image.not_an_image", False),
    "PNG signature, then noise": (lambda: b"\x89PNG\r\n\x1a\n" + os.urandom(512), {}, "image.undecodable", False),
    "a WebP whose header is cut": (lambda: b"RIFF\x10\0\0\0WEBPVP8 ", {}, "image.undecodable", False),
    "SVG": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg"/>', {}, "image.not_an_image", False),
    "empty": (lambda: b"", {}, "image.empty", False),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_pictures_are_refused_with_their_reason(name: str) -> None:
    make, limits, code, too_large = HOSTILE[name]
    with pytest.raises(PictureError) as refused:
        read(make(), **limits)
    assert (refused.value.code, refused.value.too_large) == (code, too_large)
    assert refused.value.message and refused.value.detail_zh  # why, in English and Chinese


def test_the_reckoning_counts_the_decode_the_grey_copy_and_the_scan() -> None:
    size = (1000, 1000)
    grey, rgb, rgba = (decode_bytes(Header(format="PNG", mode=m, size=size)) for m in ("L", "RGB", "RGBA"))
    assert grey == rgb  # the scan (grey frame and the scanner's buffers) is the peak of both
    assert rgba > rgb  # laying a transparent frame on white costs more than the scan
    assert decode_bytes(Header(format="PNG", mode="L", size=(2000, 1000))) > grey


@pytest.fixture
def process_config() -> Iterator[Config]:
    cfg = Config(scan=ScanSection(mode="process", workers=1), image_check=ImageCheckSection())
    yield cfg
    close_readers(cfg)


async def test_a_picture_is_read_in_a_scan_worker(process_config: Config) -> None:
    picture = await read_picture(encoded(qr(PHISH)), process_config)
    assert texts(picture) == [("QRCode", PHISH)]
    with pytest.raises(PictureError) as refused:  # raised in the worker, with both languages, across the pipe
        await read_picture(png_bomb(), process_config)
    assert refused.value.code == "image.pixels" and refused.value.detail_zh and refused.value.too_large


async def test_a_picture_over_its_cpu_budget_is_abandoned() -> None:
    noise = Image.frombytes("L", (1500, 1500), os.urandom(1500 * 1500))
    cfg = Config(scan=ScanSection(mode="process", workers=1), image_check=ImageCheckSection(cpu_budget=0.01))
    try:
        with pytest.raises(PictureError) as refused:
            await read_picture(encoded(noise), cfg)
    finally:
        close_readers(cfg)
    assert refused.value.code == "image.too_slow" and "image_check.cpu_budget" in refused.value.message
