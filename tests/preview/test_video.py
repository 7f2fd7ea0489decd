"""Video cards from what a page declares, screening of their players, and the cache round trip."""

from __future__ import annotations

import json

import pytest

from hutong.core.model import Card, CardVideo, Level
from hutong.preview.card import build_card
from hutong.preview.extract import extract
from hutong.preview.oembed import OEmbed, parse_json
from hutong.preview.service import _decode, _encode, _Page
from hutong.preview.video import iframe_src, note, screened

URL = "https://v.example/watch/1"


def card_of(head: str, oembed: OEmbed | None = None) -> Card:
    return build_card(extract(f"<html><head>{head}</head><body></body></html>", URL), url=URL, oembed=oembed)


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        (
            "VideoObject embedUrl and contentUrl",
            ld(
                {
                    "@type": "VideoObject",
                    "name": "c",
                    "embedUrl": "/embed/1",
                    "contentUrl": "https://cdn.v.example/1.webm",
                    "width": "640",
                    "height": {"@value": 360},
                }
            ),
            ("https://v.example/embed/1", "https://cdn.v.example/1.webm", 640, 360, "schema.org"),
        ),
        (
            "an article's VideoObject",
            ld(
                {
                    "@graph": [
                        {"@type": "NewsArticle", "headline": "h"},
                        {"@type": "VideoObject", "embedUrl": "https://p.example/e"},
                    ]
                }
            ),
            ("https://p.example/e", None, None, None, "schema.org"),
        ),
        (
            "og:video without a type, a file name",
            '<meta property="og:video" content="https://cdn.v.example/a.m3u8">',
            (None, "https://cdn.v.example/a.m3u8", None, None, "og:video"),
        ),
        (
            "relative og:video resolved",
            '<meta property="og:type" content="video.movie"><meta property="og:video:url" content="/p/2">',
            ("https://v.example/p/2", None, None, None, "og:video"),
        ),
        (
            "sizes that are no sizes",
            '<meta property="og:video" content="https://p.example/3"><meta property="og:video:width" content="wide">'
            '<meta property="og:video:height" content="99999999">',
            ("https://p.example/3", None, None, None, "og:video"),
        ),
        (
            "javascript: is no player",
            '<meta property="og:type" content="video"><meta property="og:video" content="javascript:alert(1)">',
            (None, None, None, None, None),
        ),
    ],
)
def test_declared_video(name: str, head: str, expected: tuple[object, ...]) -> None:
    video = card_of(head).video
    assert video is not None
    assert (video.player, video.stream, video.width, video.height, video.source) == expected


def test_oembed_rich_iframe() -> None:
    o = parse_json(
        '{"type": "rich", "width": 500.0, "height": -3, "html": "<div><iframe src=\\"https://e.example/1\\"></iframe></div>"}'
    )
    assert (o.width, o.height) == (500, None)
    video = card_of("<title>t</title>", o).video
    assert video is not None and (video.player, video.width, video.source) == ("https://e.example/1", 500, "oembed")


@pytest.mark.parametrize(
    ("html", "src"),
    [
        ('<iframe width="1" src="https://a.example/e"></iframe>', "https://a.example/e"),
        ("<blockquote>no frame</blockquote>", None),
        ("<iframe></iframe><iframe src='/x'></iframe>", "/x"),
        (None, None),
    ],
)
def test_iframe_src(html: str | None, src: str | None) -> None:
    assert iframe_src(html) == src


def verdicts(table: dict[str, Level]):  # type: ignore[no-untyped-def]
    def screen(url: str) -> tuple[Level, str | None]:
        level = table.get(url, Level.UNKNOWN)
        return level, "test.flagged" if level >= Level.SUSPICIOUS else None

    return screen


PLAYER, STREAM = "https://p.example/e", "https://s.example/v.mp4"
BOTH = Card(kind="video", embed=PLAYER, video=CardVideo(player=PLAYER, stream=STREAM, type="video/mp4", width=4))


@pytest.mark.parametrize(
    ("name", "card", "flagged", "expected"),
    [
        ("both kept", BOTH, {}, (PLAYER, STREAM, "video/mp4", None, PLAYER)),
        (
            "unknown is kept, as for any link",
            BOTH,
            {PLAYER: Level.UNKNOWN},
            (PLAYER, STREAM, "video/mp4", None, PLAYER),
        ),
        ("flagged player, stream kept", BOTH, {PLAYER: Level.SUSPICIOUS}, (None, STREAM, "video/mp4", None, STREAM)),
        ("flagged stream loses its type", BOTH, {STREAM: Level.MALICIOUS}, (PLAYER, None, None, None, PLAYER)),
        (
            "both flagged",
            BOTH,
            {PLAYER: Level.SUSPICIOUS, STREAM: Level.SUSPICIOUS},
            (None, None, None, "preview.video.unsafe", None),
        ),
        (
            "http never passes",
            Card(kind="video", video=CardVideo(player="http://p.example/e")),
            {},
            (None, None, None, "preview.video.not_https", None),
        ),
        ("video card without a video", Card(kind="video"), {}, (None, None, None, "preview.video.no_player", None)),
    ],
)
def test_screened(name: str, card: Card, flagged: dict[str, Level], expected: tuple[object, ...]) -> None:
    out = screened(card, verdicts(flagged))
    v = out.video
    assert v is not None
    assert (v.player, v.stream, v.type, v.note.code if v.note else None, out.embed) == expected


def test_screened_leaves_other_cards_alone() -> None:
    card = Card(kind="article", title="t")
    assert screened(card, verdicts({})) is card


def test_unsafe_note_names_the_reason_in_english_and_says_it_in_chinese() -> None:
    out = screened(BOTH, verdicts({PLAYER: Level.SUSPICIOUS, STREAM: Level.SUSPICIOUS}))
    assert out.video is not None and out.video.note is not None
    assert "test.flagged" in out.video.note.detail and PLAYER in out.video.note.detail
    assert out.video.note.detail_zh == note("preview.video.unsafe").detail_zh


def test_video_survives_the_card_cache() -> None:
    card = Card(
        kind="video", video=CardVideo(player=PLAYER, width=1, app_only=True, note=note("preview.video.app_only"))
    )
    assert _decode(_encode(_Page(card))).card == card


def test_a_cached_video_of_the_wrong_shape_is_read_safely() -> None:
    raw = json.dumps({"ok": True, "card": {"kind": "video", "video": {"player": 5, "width": "9", "app_only": "yes"}}})
    page = _decode(raw.encode())
    assert page.card is not None and page.card.video == CardVideo()
