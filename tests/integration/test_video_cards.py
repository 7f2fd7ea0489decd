"""Single-video cards end to end: pages on local HTTPS servers declare a player, the engine previews them,
and the card says how to play the video in place, with the player screened like any link."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hutong.core.model import CardVideo
from tests.support.localnet import LocalNet, Reply, html

from .conftest import analyse_online


def page(head: str, body: str = "") -> str:
    return f"<!doctype html><html><head><title>Clip</title>{head}</head><body><p>{body}</p></body></html>"


def meta(prop: str, content: str) -> str:
    return f'<meta property="{prop}" content="{content}">'


OEMBED = json.dumps(
    {
        "type": "video",
        "version": "1.0",
        "width": 480,
        "height": "270",
        "html": '<iframe src="https://player.clips.example/e/7?x=1&amp;y=2" allowfullscreen></iframe>',
    }
).encode()


@dataclass(frozen=True)
class Case:
    name: str
    head: str
    expected: dict[str, object]  # CardVideo fields; "note" is the note's code
    kind: str = "video"
    routes: tuple[tuple[str, str, Reply], ...] = field(default_factory=tuple)


OG_PLAYER = meta("og:type", "video.other") + meta("og:video:secure_url", "https://player.clips.example/e/1")
CASES = [
    Case(
        "og:video player page with its size",
        OG_PLAYER
        + meta("og:video:type", "text/html")
        + meta("og:video:width", "1280")
        + meta("og:video:height", "720"),
        {"player": "https://player.clips.example/e/1", "width": 1280, "height": 720, "source": "og:video"},
    ),
    Case(
        "og:video file, no og:type: the page is a video card",
        meta("og:video", "https://media.clips.example/v/2.mp4") + meta("og:video:type", "video/mp4"),
        {"stream": "https://media.clips.example/v/2.mp4", "type": "video/mp4", "player": None},
    ),
    Case(
        "twitter:player with a stream",
        '<meta name="twitter:card" content="player">'
        '<meta name="twitter:player" content="https://player.clips.example/t/3">'
        '<meta name="twitter:player:width" content="640"><meta name="twitter:player:height" content="360">'
        '<meta name="twitter:player:stream" content="https://media.clips.example/t/3.mp4">'
        '<meta name="twitter:player:stream:content_type" content="video/mp4; codecs=avc1">',
        {
            "player": "https://player.clips.example/t/3",
            "stream": "https://media.clips.example/t/3.mp4",
            "type": "video/mp4",
            "width": 640,
            "height": 360,
            "source": "twitter:player",
        },
    ),
    Case(
        "oEmbed video: the iframe's src and size",
        '<link rel="alternate" type="application/json+oembed" href="https://clips.example/oembed?u=1">',
        {"player": "https://player.clips.example/e/7?x=1&y=2", "width": 480, "height": 270, "source": "oembed"},
        routes=(("clips.example", "/oembed?u=1", Reply(body=OEMBED, headers=(("Content-Type", "application/json"),))),),
    ),
    Case(
        "a plain-http player is dropped",
        meta("og:type", "video.other") + meta("og:video", "http://player.clips.example/e/4"),
        {"player": None, "stream": None, "note": "preview.video.not_https"},
    ),
    Case(
        "a player on an IP address is dropped as flagged",
        meta("og:type", "video.other") + meta("og:video:secure_url", "https://10.0.0.5/player"),
        {"player": None, "note": "preview.video.unsafe"},
    ),
    Case(
        "a lookalike player host is dropped as flagged",
        meta("og:type", "video.other") + meta("og:video:secure_url", "https://paypal.com.secure-login.xyz/p"),
        {"player": None, "note": "preview.video.unsafe"},
    ),
    Case(
        "app links and no web player: only the app plays it",
        meta("og:type", "video.other")
        + meta("al:ios:url", "clipsapp://v/9")
        + meta("al:android:url", "clipsapp://v/9"),
        {"player": None, "app_only": True, "note": "preview.video.app_only"},
    ),
    Case(
        "an app-scheme player: only the app plays it",
        meta("og:type", "video.other") + meta("og:video", "clipsapp://aweme/detail/9"),
        {"player": None, "app_only": True, "note": "preview.video.app_only"},
    ),
    Case(
        "a video page with no player at all",
        meta("og:type", "video.other"),
        {"player": None, "app_only": False, "note": "preview.video.no_player"},
    ),
    Case(
        "a Flash player is no player",
        meta("og:type", "video.other")
        + meta("og:video", "https://clips.example/p.swf")
        + meta("og:video:type", "application/x-shockwave-flash"),
        {"player": None, "note": "preview.video.no_player"},
    ),
]


def summary(video: CardVideo | None, keys: dict[str, object]) -> dict[str, object]:
    assert video is not None
    got = video.to_json()
    got["note"] = video.note.code if video.note is not None else None
    return {k: got[k] for k in keys}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_video_cards(case: Case, localnet: LocalNet, tmp_path: Path) -> None:
    localnet.route("clips.example", html(page(case.head)), path="/v/1")
    for host, path, reply in case.routes:
        localnet.route(host, reply, path=path)
    (report,) = await analyse_online(localnet, tmp_path, "看 https://clips.example/v/1", preview=True)
    card = report.card
    assert card is not None and card.error is None, card
    assert card.kind == case.kind
    assert summary(card.video, case.expected) == case.expected
    video = card.video
    assert video is not None
    assert card.embed == (video.player or video.stream)  # embed never names a dropped player
    if video.note is not None:
        assert video.note.detail and video.note.detail_zh  # said in both languages


async def test_an_article_without_a_video_has_no_video(localnet: LocalNet, tmp_path: Path) -> None:
    localnet.route("news.example", html(page(meta("og:type", "article"))))
    (report,) = await analyse_online(localnet, tmp_path, "https://news.example/a", preview=True)
    assert report.card is not None and report.card.video is None and report.card.embed is None


@pytest.mark.parametrize("host", ["www.douyin.com", "www.bilibili.com", "clips.example"])
async def test_a_listed_platform_gets_the_same_video_card_as_an_unlisted_site(
    host: str, localnet: LocalNet, tmp_path: Path
) -> None:
    """Neutral: the same page gives the same video fields on a platform in the data and on a site with none."""
    head = meta("og:type", "video.other") + meta("al:android:url", "someapp://v/1")
    localnet.route(host, html(page(head)))
    (report,) = await analyse_online(localnet, tmp_path, f"https://{host}/video/123", preview=True)
    assert report.card is not None and report.card.video is not None
    assert (report.card.video.app_only, report.card.video.player) == (True, None)
    assert report.card.video.note is not None and report.card.video.note.code == "preview.video.app_only"
