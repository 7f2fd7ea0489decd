"""The image proxy: signed tokens, and a re-encoder that strips metadata and refuses bombs and SVG."""

from __future__ import annotations

import asyncio
import io
import json
import os
import string
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from hutong.config import PreviewSection
from hutong.config import parse as parse_config
from hutong.errors import BadContent, ConfigError, HutongError, RemoteError, TokenError, TooLarge
from hutong.net.types import FetchResult
from hutong.preview.imagedecode import decode_cost_of
from hutong.preview.images import IMAGE_PATH, ImageProxy, ImageSigner, reencode
from tests.conftest import ROOT
from tests.preview.test_service import DictFetcher

from . import image_bombs as bombs

KEY = b"k" * 32
ORIGIN = "https://img.example.cn/a/b.jpg?x=1.2&y=%E4%B8%AD"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_sign_verify_round_trip() -> None:
    signer = ImageSigner(KEY)
    token = signer.sign(ORIGIN)
    assert signer.verify(token) == ORIGIN
    assert signer.path(ORIGIN).startswith(IMAGE_PATH)
    assert "img.example.cn" not in token  # the origin is not readable from the client's URL at a glance


def _flip(token: str, part: int) -> str:
    parts = token.split(".")
    parts[part] = parts[part][:-1] + ("A" if parts[part][-1] != "A" else "B")
    return ".".join(parts)


@pytest.mark.parametrize(
    ("name", "mangle", "code"),
    [
        ("url altered", lambda t: _flip(t, 2), "token.signature"),
        ("mac altered", lambda t: _flip(t, 3), "token.signature"),
        (
            "expiry extended",
            lambda t: t.replace(t.split(".")[1], str(int(t.split(".")[1]) + 10**6)),
            "token.signature",
        ),
        ("unknown key id", lambda t: "zz" + t[2:], "token.key"),
        ("too few parts", lambda t: t.rsplit(".", 1)[0], "token.malformed"),
        ("not base64", lambda t: ".".join([*t.split(".")[:2], "!!!", t.split(".")[3]]), "token.malformed"),
        ("empty", lambda t: "", "token.malformed"),
        ("huge", lambda t: "a." * 10_000, "token.malformed"),
    ],
)
def test_tampered_tokens_are_refused(name: str, mangle: Callable[[str], str], code: str) -> None:
    signer = ImageSigner(KEY)
    with pytest.raises(TokenError) as info:
        signer.verify(mangle(signer.sign(ORIGIN)))
    assert info.value.code == code


def test_expired_token_is_refused() -> None:
    clock = Clock()
    signer = ImageSigner(KEY, ttl=60, clock=clock)
    token = signer.sign(ORIGIN)
    clock.now += 61
    with pytest.raises(TokenError) as info:
        signer.verify(token)
    assert info.value.code == "token.expired"


def test_key_rotation_accepts_previous_keys() -> None:
    old = ImageSigner(b"o" * 32, key_id="k1")
    new = ImageSigner(b"n" * 32, key_id="k2", previous={"k1": b"o" * 32})
    assert new.verify(old.sign(ORIGIN)) == ORIGIN
    assert new.sign(ORIGIN).startswith("k2.")
    with pytest.raises(TokenError):
        ImageSigner(b"n" * 32, key_id="k2").verify(old.sign(ORIGIN))


@pytest.mark.parametrize(("key", "kid"), [(b"short", "k1"), (KEY, "bad.id")])
def test_bad_keys_are_configuration_errors(key: bytes, kid: str) -> None:
    with pytest.raises(ConfigError):
        ImageSigner(key, key_id=kid)


def encode(mode: str, size: tuple[int, int], fmt: str, **save: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode != "P" else 1).save(out, format=fmt, **save)
    return out.getvalue()


def exif_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x8825] = {2: (39.0, 54.0, 0.0)}  # GPS latitude
    return encode("RGB", (100, 50), "JPEG", exif=exif.tobytes())


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (40, 40), c) for c in ("blue", "green", "red")]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "media", "size"),
    [
        ("jpeg", encode("RGB", (100, 50), "JPEG"), "image/jpeg", (100, 50)),
        ("large png shrunk", encode("RGB", (2000, 1000), "PNG"), "image/jpeg", (640, 320)),
        ("transparent png stays png", encode("RGBA", (10, 10), "PNG"), "image/png", (10, 10)),
        ("webp", encode("RGB", (30, 20), "WEBP"), "image/jpeg", (30, 20)),
        ("animated gif, first frame", animated_gif(), "image/jpeg", (40, 40)),
    ],
)
def test_reencode(name: str, data: bytes, media: str, size: tuple[int, int]) -> None:
    out, got_media = reencode(data, PreviewSection())
    assert got_media == media
    with Image.open(io.BytesIO(out)) as im:
        assert im.size == size
        assert getattr(im, "n_frames", 1) == 1


def test_reencode_strips_metadata() -> None:
    out, _ = reencode(exif_jpeg(), PreviewSection())
    assert b"SecretCamera" not in out
    with Image.open(io.BytesIO(out)) as im:
        assert not im.getexif()


def test_animated_gif_keeps_first_frame_colour() -> None:
    out, _ = reencode(animated_gif(), PreviewSection())
    with Image.open(io.BytesIO(out)) as im:
        r, _g, b = im.convert("RGB").getpixel((20, 20))  # type: ignore[misc]
        assert b > 200 and r < 50


MIB = 1024 * 1024


@pytest.mark.parametrize(
    ("name", "make", "error", "code", "reason"),
    [
        ("png: huge dimensions, tiny file", lambda: bombs.png(5600, 5600), TooLarge, "preview.image_memory",
         "over preview.image_max_decode_bytes"),
        ("png: palette expands to RGB", lambda: bombs.png(4000, 4000, "P"), TooLarge, "preview.image_memory",
         "(P) would take"),
        ("png: 16-bit grey", lambda: bombs.png(5000, 5000, "I;16"), TooLarge, "preview.image_memory",
         "(I;16) would take"),
        ("png: over the pixel cap", lambda: bombs.png(6000, 6000, "1"), TooLarge, "preview.image_pixels",
         "over preview.image_max_pixels"),
        ("png: past Pillow's bomb limit", lambda: bombs.png(20_000, 20_000, "1"), TooLarge,
         "preview.image_pixels", "decompression-bomb limit"),
        ("png: text chunks inflate while opening", bombs.png_text_bomb, BadContent, "preview.image_decode",
         "cannot be decoded"),
        ("gif: huge canvas, a few frames", lambda: bombs.gif(5600, 5600, 3), TooLarge, "preview.image_memory",
         "GIF (P) would take"),
        ("jpeg: progressive keeps every coefficient", lambda: bombs.jpeg(5600, 5600, progressive=True),
         TooLarge, "preview.image_memory", "JPEG (RGB) would take"),
        ("jpeg: over the pixel cap", lambda: bombs.jpeg_header(8000, 8000), TooLarge, "preview.image_pixels",
         "8000x8000 pixels"),
        ("webp: lossless canvas", lambda: bombs.webp(2500, 2500), TooLarge, "preview.image_memory",
         "WEBP (RGBA) would take"),
        ("webp: canvas past Pillow's limit, refused before Pillow opens it",
         lambda: bombs.webp_header(16384, 16384), TooLarge, "preview.image_pixels", "16384x16384 pixels"),
        ("webp: unreadable header", lambda: bombs.webp_header(100, 100)[:24], BadContent,
         "preview.image_decode", "WebP header"),
        ("ico: an embedded PNG larger than its directory says", lambda: bombs.ico([bombs.png(4000, 4000, "RGBA")]),
         TooLarge, "preview.image_memory", "PNG (RGBA) would take"),
        ("ico: an embedded bitmap over the pixel cap", lambda: bombs.ico([bombs.dib_header(6000, 6000)]),
         TooLarge, "preview.image_pixels", "6000x6000 pixels"),
        ("ico: too many entries", lambda: bombs.ico([bombs.png(16, 16)] * 65), BadContent,
         "preview.image_decode", "65 entries"),
        ("bmp: run-length encoded", lambda: bombs.bmp_rle8(5600, 5600), TooLarge, "preview.image_memory",
         "BMP (P) would take"),
        ("tiff is not accepted", bombs.tiff, BadContent, "preview.image_decode", "unknown format"),
        ("svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', BadContent,
         "preview.image_decode", "SVG"),
        ("html", lambda: b"<html>not an image</html>", BadContent, "preview.image_decode", "unknown format"),
        ("truncated jpeg", lambda: encode("RGB", (100, 100), "JPEG")[:200], BadContent, "preview.image_decode",
         "corrupt"),
        ("empty", lambda: b"", BadContent, "preview.image_decode", "unknown format"),
    ],
)  # fmt: skip
def test_refused_images(name: str, make: Callable[[], bytes], error: type[Exception], code: str, reason: str) -> None:
    with pytest.raises(error) as info:
        reencode(make(), PreviewSection())
    assert isinstance(info.value, HutongError)
    assert (info.value.code, reason in info.value.message) == (code, True), info.value.message


@pytest.mark.parametrize(
    ("name", "make", "media", "size"),
    [
        ("jpeg: 5600x5600 baseline decodes DCT-scaled", lambda: bombs.jpeg(5600, 5600), "image/jpeg", (640, 640)),
        ("gif: 3000 frames, only the first decoded", lambda: bombs.gif(100, 100, 3000), "image/jpeg", (100, 100)),
        ("png: 3300x3300 RGB, just within the budget", lambda: bombs.png(3300, 3300), "image/jpeg", (640, 640)),
        ("png: 1-bit", lambda: bombs.png(2000, 1000, "1"), "image/jpeg", (640, 320)),
        ("png: 16-bit grey", lambda: bombs.png(1000, 2000, "I;16"), "image/jpeg", (320, 640)),
        ("ico: a favicon", lambda: encode("RGBA", (64, 64), "ICO"), "image/png", (64, 64)),
        ("bmp: run-length encoded", lambda: bombs.bmp_rle8(1000, 500), "image/jpeg", (640, 320)),
    ],
)  # fmt: skip
def test_large_but_bounded_images_are_proxied(
    name: str, make: Callable[[], bytes], media: str, size: tuple[int, int]
) -> None:
    out, got_media = reencode(make(), PreviewSection())
    with Image.open(io.BytesIO(out)) as im:
        assert (got_media, im.size, getattr(im, "n_frames", 1)) == (media, size, 1)


def test_the_budget_is_a_setting() -> None:
    """The 3300x3300 PNG reckoned at 63 MiB passes the default 64 MiB and is refused under 62."""
    data = bombs.png(3300, 3300)
    assert 62 * MIB < decode_cost_of(data, PreviewSection()) <= 64 * MIB
    with pytest.raises(TooLarge):
        reencode(data, PreviewSection(image_max_decode_bytes=62 * MIB))


def test_every_single_character_change_of_a_token_is_refused() -> None:
    """Exhaustive over positions and the token alphabet: no other spelling of a token is accepted
    (base64 padding bits in the last character, "+12" for 12, a changed key id ...)."""
    signer = ImageSigner(KEY)
    token = signer.sign(ORIGIN)
    alphabet = string.ascii_letters + string.digits + "-_.+=/ "
    accepted = [
        (i, c)
        for i in range(len(token))
        for c in alphabet
        if c != token[i] and _accepted(signer, token[:i] + c + token[i + 1 :])
    ]
    assert accepted == []


def _accepted(signer: ImageSigner, token: str) -> bool:
    try:
        signer.verify(token)
    except TokenError:
        return False
    return True


# Runs in a fresh interpreter: each image is re-encoded once with the peak RSS reset before it.
# MALLOC_MMAP_THRESHOLD_ fixes glibc's threshold, so every pixel buffer is mapped and unmapped on
# its own and one image's freed memory cannot hide the next one's peak.
_MEASURE = """
import json, sys
from pathlib import Path
from hutong.config import PreviewSection
from hutong.preview.images import reencode
def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
settings = PreviewSection(image_max_decode_bytes=1 << 40)
reencode(Path(sys.argv[1]).read_bytes(), settings)  # warm: imports and first allocations
peaks = {}
for path in sys.argv[1:]:
    data = Path(path).read_bytes()
    Path("/proc/self/clear_refs").write_text("5")
    before = status("VmRSS")
    reencode(data, settings)
    peaks[Path(path).name] = status("VmHWM") - before
print(json.dumps(peaks))
"""

RECKONED_KINDS: dict[str, Callable[[], bytes]] = {
    "png-rgb": lambda: bombs.png(3000, 3000),
    "png-rgba": lambda: bombs.png(3000, 3000, "RGBA"),
    "png-palette": lambda: bombs.png(3000, 3000, "P"),
    "png-grey16": lambda: bombs.png(3000, 3000, "I;16"),
    "png-grey": lambda: bombs.png(3000, 3000, "L"),
    "jpeg-progressive": lambda: bombs.jpeg(3000, 3000, progressive=True),
    "jpeg-baseline-scaled": lambda: bombs.jpeg(5600, 5600),
    "gif": lambda: bombs.gif(3000, 3000),
    "webp-lossless": lambda: bombs.webp(2000, 2000),
    "ico-png": lambda: bombs.ico([bombs.png(2000, 2000, "RGBA")]),
    "bmp-rle": lambda: bombs.bmp_rle8(3000, 3000),
}


@pytest.mark.slow
def test_reckoned_memory_bounds_the_measured_peak(tmp_path: Path) -> None:
    """For each kind, the peak RSS growth of one re-encode stays under what ``imagecost`` reckons for
    it, and the reckoning is not so loose that it refuses images for nothing (within 2x + 8 MiB)."""
    warm = tmp_path / "0-warm.png"
    warm.write_bytes(bombs.png(64, 64))
    reckoned = {}
    for name, make in RECKONED_KINDS.items():
        data = make()
        (tmp_path / name).write_bytes(data)
        reckoned[name] = decode_cost_of(data, PreviewSection(image_max_decode_bytes=1 << 40))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MALLOC_MMAP_THRESHOLD_": "65536"}
    paths = [str(warm), *(str(tmp_path / name) for name in RECKONED_KINDS)]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *paths], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout)
    table = {name: (round(measured[name] / MIB, 1), round(reckoned[name] / MIB, 1)) for name in RECKONED_KINDS}
    assert [n for n in RECKONED_KINDS if measured[n] > reckoned[n]] == [], table
    assert [n for n in RECKONED_KINDS if reckoned[n] > 2 * measured[n] + 8 * MIB] == [], table


def _urls(n: int) -> list[str]:
    return [f"https://img.example.cn/{i}.png" for i in range(n)]


def _fetcher(body: bytes, n: int, delay: float = 0.0) -> DictFetcher:
    """Distinct URLs for one body, so neither a cache nor single-flight can share their decodes."""
    answer = {u: FetchResult(url=u, status=200, content_type="image/png", body=body) for u in _urls(n)}
    return DictFetcher(dict(answer), delay=delay)


async def test_decodes_never_outnumber_the_pool() -> None:
    proxy = ImageProxy(_fetcher(bombs.png(2000, 2000), 12), PreviewSection(image_decode_concurrency=2))
    try:
        answers = await asyncio.gather(*(proxy.render(u) for u in _urls(12)))
    finally:
        proxy.close()
    assert [media for _, media in answers] == ["image/jpeg"] * 12
    assert (proxy.max_decoding, proxy.decoding) == (2, 0)


async def test_a_cancelled_request_holds_its_decode_thread_until_the_decode_ends() -> None:
    """A client that goes away does not free room for another decode beside its own, still running."""
    proxy = ImageProxy(_fetcher(bombs.png(3300, 3300), 7), PreviewSection(image_decode_concurrency=1))
    urls = _urls(7)
    try:
        gone = [asyncio.create_task(proxy.render(u)) for u in urls[:4]]
        for _ in range(1000):
            if proxy.decoding:
                break
            await asyncio.sleep(0.005)
        assert proxy.decoding == 1
        for task in gone:
            task.cancel()
        later = await asyncio.gather(*(proxy.render(u) for u in urls[4:]))
    finally:
        proxy.close()
    assert all(task.cancelled() for task in gone)
    assert [media for _, media in later] == ["image/jpeg"] * 3
    assert proxy.max_decoding == 1


async def test_renders_beyond_the_queue_are_refused_as_busy() -> None:
    settings = PreviewSection(image_decode_concurrency=1, image_decode_queue=1)
    proxy = ImageProxy(_fetcher(bombs.png(64, 64), 5, delay=0.05), settings)
    try:
        answers = await asyncio.gather(*(proxy.render(u) for u in _urls(4)), return_exceptions=True)
        after = await proxy.render(_urls(5)[4])
    finally:
        proxy.close()
    codes = sorted(a.code if isinstance(a, RemoteError) else "served" for a in answers)
    assert codes == ["preview.image_busy", "preview.image_busy", "served", "served"]
    assert after[1] == "image/jpeg" and proxy.admitted == 0


@pytest.mark.parametrize(
    "setting", ["image_decode_concurrency = 0", "image_max_decode_bytes = 0", "image_decode_queue = -1"]
)
def test_bad_decode_bounds_are_configuration_errors(setting: str) -> None:
    with pytest.raises(ConfigError, match=setting.split(" ")[0]):
        parse_config(f"[preview]\n{setting}\n")
