"""The image proxy: signed tokens, and a re-encoder that strips metadata and refuses bombs and SVG."""

from __future__ import annotations

import io
import string
from collections.abc import Callable

import pytest
from PIL import Image

from hutong.config import PreviewSection
from hutong.errors import BadContent, ConfigError, TokenError, TooLarge
from hutong.preview.images import IMAGE_PATH, ImageSigner, reencode

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


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("pixel bomb", encode("1", (10_000, 10_000), "PNG"), TooLarge),
        ("svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', BadContent),
        ("html", b"<html>not an image</html>", BadContent),
        ("truncated jpeg", encode("RGB", (100, 100), "JPEG")[:200], BadContent),
        ("empty", b"", BadContent),
    ],
)
def test_refused_images(name: str, data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        reencode(data, PreviewSection(image_max_pixels=50_000_000))


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
