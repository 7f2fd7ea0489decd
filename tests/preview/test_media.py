"""Media cards (links straight to a picture, video or sound file): pure parts."""

from __future__ import annotations

import pytest

from hutong.config import PreviewSection
from hutong.preview.media import file_name, media_card, refused_target

URL = "https://example.test/pics/cat.jpg"


@pytest.mark.parametrize(
    ("name", "message", "expected"),
    [
        (
            "fetcher refusal after a redirect",
            "https://cdn.example.test/c.jpg is image/jpeg, which is not read for a page",
            ("https://cdn.example.test/c.jpg", "image/jpeg"),
        ),
        (
            "URL cut at 200 characters: keep the requested one",
            "https://example.test/" + "a" * 179 + " is video/mp4, which is not read for a page",
            (URL, "video/mp4"),
        ),
        (
            "no stated type: guess from the file name",
            "x is of no stated type, which is not read for a page",
            (URL, "image/jpeg"),
        ),
        ("another message: guess", "something else", (URL, "image/jpeg")),
    ],
)
def test_refused_target(name: str, message: str, expected: tuple[str, str | None]) -> None:
    assert refused_target(message, URL) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (URL, "cat.jpg"),
        ("https://example.test/a/%E7%8C%AB%20photo.png?x=1", "猫 photo.png"),
        ("https://example.test/", None),
        ("https://example.test/a%0Ab.jpg", "ab.jpg"),
    ],
)
def test_file_name(url: str, expected: str | None) -> None:
    assert file_name(url) == expected


@pytest.mark.parametrize(
    ("name", "media_type", "share_title", "expected"),
    [
        ("picture", "image/jpeg", None, ("generic", "cat.jpg", URL, "Image file (image/jpeg)")),
        (
            "share title wins over the file name",
            "image/png",
            "我的猫",
            ("generic", "我的猫", URL, "Image file (image/png)"),
        ),
        ("svg is named, not shown", "image/svg+xml", None, ("generic", "cat.jpg", None, "Image file (image/svg+xml)")),
        ("video", "video/mp4", None, ("video", "cat.jpg", None, "Video file (video/mp4)")),
        ("sound", "audio/mpeg", None, ("generic", "cat.jpg", None, "Audio file (audio/mpeg)")),
    ],
)
def test_media_card(name: str, media_type: str, share_title: str | None, expected: tuple[str, ...]) -> None:
    card = media_card(URL, media_type, share_title=share_title, site_name="example.test")
    assert card is not None
    assert (card.kind, card.title, card.image, card.description) == expected
    assert (card.url, card.site_name, card.price, card.embed) == (URL, "example.test", None, None)


@pytest.mark.parametrize("media_type", ["application/pdf", "text/plain", "", "imagex/png"])
def test_other_types_get_no_media_card(media_type: str) -> None:
    assert media_card(URL, media_type) is None


def test_long_file_names_are_capped() -> None:
    card = media_card("https://example.test/" + "n" * 500 + ".jpg", "image/jpeg", settings=PreviewSection(max_title=20))
    assert card is not None and card.title is not None and len(card.title) == 20 and card.title.endswith("…")
