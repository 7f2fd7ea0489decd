"""End to end through the real ``GuardedFetcher`` and local HTTPS servers that behave like platforms."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from hutong.config import NetworkSection, PreviewSection
from hutong.net.fetcher import GuardedFetcher
from hutong.net.memcache import MemoryCache
from hutong.preview.images import IMAGE_PATH, ImageProxy, ImageSigner
from hutong.preview.service import Previewer
from tests.preview.pages import page
from tests.support.localnet import LocalNet, Reply, html

SIGNER = ImageSigner(b"e" * 32)


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "TrackingCam"
    out = io.BytesIO()
    Image.new("RGB", (1600, 900), "navy").save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "host", "kind", "charset", "want"),
    [
        (
            "product with JSON-LD",
            "item.jd.com",
            "product",
            "utf-8",
            {"kind": "product", "title": "item.jd.com 商品", "price": "99.00", "currency": "CNY"},
        ),
        (
            "video with VideoObject",
            "www.bilibili.com",
            "video",
            "utf-8",
            {"kind": "video", "title": "www.bilibili.com 视频", "duration": 180, "author": "UP主"},
        ),
        (
            "GBK page declared gb2312",
            "item.taobao.com",
            "product",
            "gb2312",
            {"kind": "product", "title": "item.taobao.com 商品", "description": "item.taobao.com 页面"},
        ),
        (
            "profile page",
            "www.zhihu.com",
            "profile",
            "utf-8",
            {"kind": "profile", "title": "www.zhihu.com 用户"},
        ),
    ],
)
async def test_cards_through_the_guarded_fetcher(
    localnet: LocalNet, name: str, host: str, kind: str, charset: str, want: dict[str, object]
) -> None:
    localnet.route(
        host,
        html(
            page(kind, host, charset=charset),
            charset="gbk" if charset == "gb2312" else charset,
            content_type=f"text/html; charset={charset}",
        ),
    )
    async with GuardedFetcher(localnet.settings()) as fetcher:
        card = await Previewer(fetcher, MemoryCache(), PreviewSection(), SIGNER).card_for(f"https://{host}/x/1")
    got = card.to_json()
    assert {k: got[k] for k in want} == want
    assert card.image is not None and card.image.startswith(IMAGE_PATH)
    assert host in SIGNER.verify(card.image.removeprefix(IMAGE_PATH))


async def test_oembed_discovered_and_fetched_through_the_same_door(localnet: LocalNet) -> None:
    host = "v.douyin.com"
    localnet.route(
        host,
        html(
            '<html><head><title>t</title><link rel="alternate" type="application/json+oembed" '
            'href="/oembed?id=1"></head><body></body></html>'
        ),
        path="/v/1",
    )
    localnet.route(
        host,
        Reply(
            body=b'{"type": "video", "title": "OE", "thumbnail_url": "/t.jpg"}',
            headers=(("Content-Type", "application/json"),),
        ),
        path="/oembed?id=1",
    )
    async with GuardedFetcher(localnet.settings()) as fetcher:
        card = await Previewer(fetcher, None, PreviewSection(), SIGNER).card_for(f"https://{host}/v/1")
    assert (card.kind, card.title) == ("video", "OE")
    assert [r.path for r in localnet.requests] == ["/v/1", "/oembed?id=1"]


async def test_unreachable_page_gives_the_share_title(localnet: LocalNet) -> None:
    localnet.route("m.tb.cn", Reply(status=503))
    async with GuardedFetcher(localnet.settings()) as fetcher:
        card = await Previewer(fetcher, None, PreviewSection(), SIGNER).card_for(
            "https://m.tb.cn/h.abc", share_title="宝贝标题", kind_hint="product"
        )
    assert (card.kind, card.title, card.site_name) == ("product", "宝贝标题", "tb.cn")


async def test_private_address_is_never_fetched_for_a_card() -> None:
    async with GuardedFetcher(NetworkSection()) as fetcher:
        card = await Previewer(fetcher, None, PreviewSection(), SIGNER).card_for("http://127.0.0.1/admin")
    assert (card.title, card.image) == (None, None)


async def test_image_proxy_end_to_end(localnet: LocalNet) -> None:
    localnet.route("img.example.cn", Reply(body=jpeg_with_exif(), headers=(("Content-Type", "image/jpeg"),)))
    async with GuardedFetcher(localnet.settings()) as fetcher:
        token = SIGNER.sign("https://img.example.cn/a.jpg")
        data, media = await ImageProxy(fetcher, PreviewSection()).render(SIGNER.verify(token))
    assert media == "image/jpeg" and b"TrackingCam" not in data
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (640, 360)
    assert localnet.requests[-1].header("accept") is not None


@pytest.mark.parametrize(
    ("name", "path", "content_type", "share_title", "want"),
    [
        ("picture", "/cat.jpg", "image/jpeg", None, ("generic", "cat.jpg", True)),
        ("picture with a share title", "/cat.jpg", "image/jpeg", "看这只猫", ("generic", "看这只猫", True)),
        ("svg is never shown", "/logo.svg", "image/svg+xml", None, ("generic", "logo.svg", False)),
        ("video file", "/clip.mp4", "video/mp4", None, ("video", "clip.mp4", False)),
        ("sound file", "/song.mp3", "audio/mpeg", None, ("generic", "song.mp3", False)),
    ],
)
async def test_direct_media_links_get_a_card_without_reading_the_body(
    localnet: LocalNet, name: str, path: str, content_type: str, share_title: str | None, want: tuple[object, ...]
) -> None:
    body = jpeg_with_exif() if content_type == "image/jpeg" else b"\0" * 4096
    localnet.route("example.test", Reply(body=body, headers=(("Content-Type", content_type),)), path=path)
    url = f"https://example.test{path}"
    async with GuardedFetcher(localnet.settings()) as fetcher:
        card = await Previewer(fetcher, MemoryCache(), PreviewSection(), SIGNER).card_for(url, share_title=share_title)
        kind, title, shown = want
        assert (card.kind, card.title, card.url, card.site_name) == (kind, title, url, "example.test")
        assert card.description is not None and content_type in card.description
        assert [r.path for r in localnet.requests] == [path]  # one request, refused on its headers
        if not shown:
            assert card.image is None
            return
        assert card.image is not None and card.image.startswith(IMAGE_PATH)  # never the origin URL
        origin = SIGNER.verify(card.image.removeprefix(IMAGE_PATH))
        assert origin == url
        data, media = await ImageProxy(fetcher, PreviewSection()).render(origin)
    assert media == "image/jpeg" and b"TrackingCam" not in data


async def test_redirect_to_a_picture_signs_the_final_url_and_caches_per_share(localnet: LocalNet) -> None:
    localnet.route("s.example.test", Reply(status=302, headers=(("Location", "https://img.example.test/p/dog.png"),)))
    localnet.route("img.example.test", Reply(body=b"\x89PNG", headers=(("Content-Type", "image/png"),)))
    async with GuardedFetcher(localnet.settings()) as fetcher:
        previewer = Previewer(fetcher, MemoryCache(), PreviewSection(), SIGNER)
        first = await previewer.card_for("https://s.example.test/x")
        second = await previewer.card_for("https://s.example.test/x", share_title="狗")
    assert (first.title, first.url, second.title) == ("dog.png", "https://img.example.test/p/dog.png", "狗")
    assert first.image is not None and SIGNER.verify(first.image.removeprefix(IMAGE_PATH)) == first.url
    assert len(localnet.requests) == 2  # the redirect and the refused picture, once for both shares


async def test_media_card_without_a_signer_drops_the_picture(localnet: LocalNet) -> None:
    localnet.route("example.test", Reply(body=b"GIF89a", headers=(("Content-Type", "image/gif"),)))
    async with GuardedFetcher(localnet.settings()) as fetcher:
        card = await Previewer(fetcher, None, PreviewSection()).card_for("https://example.test/a.gif")
    assert (card.title, card.image) == ("a.gif", None)
