"""oEmbed responses: JSON and XML, safely."""

from __future__ import annotations

import pytest

from hutong.errors import BadContent
from hutong.preview.oembed import OEmbed, parse


@pytest.mark.parametrize(
    ("name", "text", "fmt", "expected"),
    [
        (
            "json video",
            '{"type": "video", "title": "V", "author_name": "A", "thumbnail_url": "https://i/t.jpg", '
            '"html": "<iframe></iframe>", "cache_age": "3600"}',
            "json",
            OEmbed(
                type="video",
                title="V",
                author_name="A",
                thumbnail_url="https://i/t.jpg",
                html="<iframe></iframe>",
                cache_age=3600,
            ),
        ),
        (
            "xml photo",
            "<?xml version='1.0' encoding='utf-8'?><oembed><type>photo</type><url>https://i/p.png</url>"
            "<title>P &amp; Q</title></oembed>",
            "xml",
            OEmbed(type="photo", url="https://i/p.png", title="P & Q"),
        ),
        ("declared json but xml", "<oembed><type>rich</type></oembed>", "json", OEmbed(type="rich")),
        ("bad cache_age ignored", '{"type": "rich", "cache_age": "soon"}', "json", OEmbed(type="rich")),
        ("non-string fields ignored", '{"type": 5, "title": ["x"]}', "json", OEmbed()),
    ],
)
def test_parse(name: str, text: str, fmt: str, expected: OEmbed) -> None:
    assert parse(text, fmt) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        (
            "billion laughs",
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><oembed><title>&lol;</title></oembed>',
            "xml",
        ),
        (
            "external entity",
            '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><oembed>&e;</oembed>',
            "xml",
        ),
        ("malformed xml", "<oembed><title>x</oembed>", "xml"),
        ("wrong root", "<html><title>x</title></html>", "xml"),
        ("not json", "{nope", "json"),
        ("json array", "[1, 2]", "json"),
        ("too long", '{"title": "' + "x" * 300_000 + '"}', "json"),
        # found by the linearity audit: json.loads raised RecursionError, which is no ValueError
        ("json nested past the recursion limit", "[" * 100_000, "json"),
    ],
)
def test_refused(name: str, text: str, fmt: str) -> None:
    with pytest.raises(BadContent) as info:
        parse(text, fmt)  # type: ignore[arg-type]
    assert info.value.code == "preview.oembed"
