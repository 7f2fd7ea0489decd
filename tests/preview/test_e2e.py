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
