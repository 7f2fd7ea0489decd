"""``Previewer`` and ``ImageProxy`` orchestration over an in-test fetcher (the fetcher has its own tests;
end-to-end runs through the real ``GuardedFetcher`` are in ``test_e2e.py``)."""

from __future__ import annotations

import asyncio
import io

import pytest
from PIL import Image

from hutong.config import CacheSection, PreviewSection
from hutong.errors import BadContent, BlockedAddress, FetchTimeout, RemoteError
from hutong.net.memcache import MemoryCache
from hutong.net.types import FetchResult, Purpose
from hutong.preview.images import IMAGE_PATH, ImageProxy, ImageSigner
from hutong.preview.service import Previewer, cache_key

PAGE = "https://shop.example.cn/item/1"
SIGNER = ImageSigner(b"s" * 32)


class DictFetcher:
    """A ``Fetcher`` over a dict: url → FetchResult or the RemoteError to raise. Logs every call."""

    def __init__(self, routes: dict[str, FetchResult | RemoteError], delay: float = 0.0) -> None:
        self.routes = routes
        self.calls: list[tuple[str, Purpose]] = []
        self.delay = delay

    async def fetch(self, url: str, *, purpose: Purpose = "page") -> FetchResult:
        self.calls.append((url, purpose))
        if self.delay:
            await asyncio.sleep(self.delay)
        answer = self.routes.get(url, BlockedAddress("no route in test"))
        if isinstance(answer, RemoteError):
            raise answer
        return answer

    async def aclose(self) -> None:
        return None


def html(url: str, text: str, status: int = 200) -> FetchResult:
    return FetchResult(url=url, status=status, content_type="text/html", body=text.encode(), text=text)


def png(size: tuple[int, int] = (1200, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, format="PNG")
    return out.getvalue()


RICH = (
    '<html><head><meta property="og:title" content="Phone"><meta property="og:image" content="/p.jpg">'
    '<link rel="alternate" type="application/json+oembed" href="/oembed?u=1"></head><body></body></html>'
)
OEMBED = '{"type": "video", "title": "OE title", "author_name": "Au", "cache_age": 60}'


def previewer(fetcher: DictFetcher, cache: MemoryCache | None = None) -> Previewer:
    return Previewer(fetcher, cache, PreviewSection(), SIGNER, ttls=CacheSection(positive_ttl=3600, negative_ttl=30))


async def test_card_merges_page_and_oembed_and_signs_the_image() -> None:
    f = DictFetcher(
        {
            PAGE: html(PAGE, RICH),
            "https://shop.example.cn/oembed?u=1": FetchResult(
                url="https://shop.example.cn/oembed?u=1",
                status=200,
                content_type="application/json",
                body=OEMBED.encode(),
            ),
        }
    )
    card = await previewer(f).card_for(PAGE)
    assert card.title == "Phone"  # the page's OG wins over the oEmbed stub
    assert (card.author, card.kind) == ("Au", "video")
    assert card.image is not None and card.image.startswith(IMAGE_PATH)
    assert SIGNER.verify(card.image.removeprefix(IMAGE_PATH)) == "https://shop.example.cn/p.jpg"
    assert card.favicon is not None and SIGNER.verify(card.favicon.removeprefix(IMAGE_PATH)).endswith("/favicon.ico")
    assert [p for _, p in f.calls] == ["page", "oembed"]


async def test_without_a_signer_no_origin_image_leaves() -> None:
    f = DictFetcher({PAGE: html(PAGE, RICH)})
    card = await Previewer(f, None, PreviewSection()).card_for(PAGE)
    assert (card.title, card.image, card.favicon) == ("Phone", None, None)


@pytest.mark.parametrize("cached", [False, True], ids=["uncached", "through the cache"])
@pytest.mark.parametrize(
    ("name", "answer", "code"),
    [
        ("blocked", BlockedAddress("private"), "remote.blocked_address"),
        ("timeout", FetchTimeout("slow"), "remote.timeout"),
        ("http 404", html(PAGE, "<title>Not found</title>", status=404), "remote.http_status"),
        ("not html", FetchResult(url=PAGE, status=200, content_type="application/pdf", body=b"%PDF"),
         "remote.bad_content"),
        ("rate limited", RemoteError("too many", code="remote.rate_limited"), "remote.rate_limited"),
    ],
)
async def test_failures_give_what_is_known_and_why(
    name: str, answer: FetchResult | RemoteError, code: str, cached: bool
) -> None:
    p = previewer(DictFetcher({PAGE: answer}), MemoryCache() if cached else None)
    for _ in range(2 if cached else 1):  # the second card comes from the cached failure
        card = await p.card_for(PAGE, share_title="分享的标题", kind_hint="product")
        assert (card.kind, card.title, card.url, card.site_name, card.image) == (
            "product",
            "分享的标题",
            PAGE,
            "example.cn",
            None,
        )
        assert card.error is not None and card.error.code == code, name
        assert card.error.detail and card.error.detail_zh


@pytest.mark.parametrize("cached", [False, True], ids=["uncached", "through the cache"])
async def test_a_card_from_a_truncated_page_is_marked(cached: bool) -> None:
    cut = FetchResult(url=PAGE, status=200, content_type="text/html", body=b"x", text=RICH, truncated=True)
    p = previewer(DictFetcher({PAGE: cut, "https://shop.example.cn/oembed?u=1": BadContent("no")}),
                  MemoryCache() if cached else None)
    for _ in range(2 if cached else 1):
        card = await p.card_for(PAGE)
        assert (card.title, card.truncated, card.error) == ("Phone", True, None)


async def test_a_prefetched_page_is_not_fetched_again() -> None:
    f = DictFetcher({})  # any fetch of the page would be refused
    card = await previewer(f, MemoryCache()).card_for(PAGE, prefetched=html(PAGE, "<title>Handed over</title>"))
    assert (card.title, card.error) == ("Handed over", None)
    assert f.calls == []


async def test_broken_oembed_is_ignored() -> None:
    f = DictFetcher({PAGE: html(PAGE, RICH), "https://shop.example.cn/oembed?u=1": BadContent("nope")})
    assert (await previewer(f).card_for(PAGE)).title == "Phone"


async def test_image_page_becomes_an_image_card() -> None:
    f = DictFetcher({PAGE: FetchResult(url=PAGE, status=200, content_type="image/png", body=png())})
    card = await previewer(f).card_for(PAGE)
    assert card.image is not None and SIGNER.verify(card.image.removeprefix(IMAGE_PATH)) == PAGE


async def test_share_title_and_kind_hint_fill_gaps_after_the_cache() -> None:
    f = DictFetcher({PAGE: html(PAGE, "<html><head></head><body></body></html>")})
    cache = MemoryCache()
    p = previewer(f, cache)
    first = await p.card_for(PAGE, share_title="A", kind_hint="video")
    second = await p.card_for(PAGE, share_title="B")
    assert (first.title, first.kind, second.title, second.kind) == ("A", "video", "B", "generic")
    assert len(f.calls) == 1


async def test_cache_single_flight_and_key_normalisation() -> None:
    f = DictFetcher({PAGE: html(PAGE, RICH)}, delay=0.05)
    p = previewer(f, MemoryCache())
    urls = [PAGE, "HTTPS://SHOP.example.cn:443/item/1#frag", PAGE]
    cards = await asyncio.gather(*(p.card_for(u) for u in urls))
    assert {c.title for c in cards} == {"Phone"}
    assert [c for c in f.calls if c[1] == "page"] == [(PAGE, "page")]


async def test_failures_are_cached_for_the_negative_ttl() -> None:
    clock = [0.0]
    cache = MemoryCache(clock=lambda: clock[0])
    f = DictFetcher({PAGE: FetchTimeout("slow")})
    p = previewer(f, cache)
    await p.card_for(PAGE)
    await p.card_for(PAGE)
    assert len(f.calls) == 1
    clock[0] += 31
    await p.card_for(PAGE)
    assert len(f.calls) == 2


async def test_oembed_cache_age_shortens_the_ttl() -> None:
    clock = [0.0]
    f = DictFetcher(
        {
            PAGE: html(PAGE, RICH),
            "https://shop.example.cn/oembed?u=1": FetchResult(
                url="https://shop.example.cn/oembed?u=1",
                status=200,
                content_type="application/json",
                body=OEMBED.encode(),
            ),
        }
    )
    p = previewer(f, MemoryCache(clock=lambda: clock[0]))
    await p.card_for(PAGE)
    clock[0] += 61
    await p.card_for(PAGE)
    assert len([c for c in f.calls if c[1] == "page"]) == 2


async def test_disabled_previews_fetch_nothing() -> None:
    f = DictFetcher({PAGE: html(PAGE, RICH)})
    card = await Previewer(f, None, PreviewSection(enabled=False)).card_for(PAGE, share_title="t")
    assert (card.title, f.calls) == ("t", [])


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://A.example/x#f", "card:https://a.example/x"),
        ("http://a.example:80", "card:http://a.example/"),
        ("https://a.example:8443/?q=1", "card:https://a.example:8443/?q=1"),
    ],
)
def test_cache_key(url: str, key: str) -> None:
    assert cache_key(url) == key


async def test_image_proxy_fetches_as_image_and_reencodes() -> None:
    origin = "https://img.example.cn/big.png"
    f = DictFetcher({origin: FetchResult(url=origin, status=200, content_type="image/png", body=png())})
    proxy = ImageProxy(f, PreviewSection(image_max_side=100), cache=MemoryCache())
    data, media = await proxy.render(origin)
    again = await proxy.render(origin)
    assert media == "image/jpeg" and again == (data, media)
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (100, 50)
    assert f.calls == [(origin, "image")]


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("svg", FetchResult(url="u", status=200, content_type="image/svg+xml", body=b"<svg/>")),
        ("html", FetchResult(url="u", status=200, content_type="text/html", body=b"<p>")),
        ("404", FetchResult(url="u", status=404, content_type="image/png", body=b"")),
        (
            "truncated",
            FetchResult(url="u", status=200, content_type="image/png", body=png()[:100], truncated=True),
        ),
        ("blocked", BlockedAddress("private")),
    ],
)
async def test_image_proxy_refusals(name: str, answer: FetchResult | RemoteError) -> None:
    with pytest.raises(RemoteError):
        await ImageProxy(DictFetcher({"https://i.example/x": answer}), PreviewSection()).render("https://i.example/x")


async def test_oembed_can_be_turned_off() -> None:
    f = DictFetcher({PAGE: html(PAGE, RICH)})
    card = await Previewer(f, None, PreviewSection(oembed=False), SIGNER).card_for(PAGE)
    assert (card.title, [p for _, p in f.calls]) == ("Phone", ["page"])


async def test_page_over_the_cpu_budget_gets_the_fallback_card() -> None:
    from hutong.config import ScanSection
    from hutong.offload import Offloader

    slow = html(PAGE, "<html><head><title>Hostile</title></head><body>" + "<div itemscope><span itemprop=a>" * 20_000)
    offloader = Offloader(ScanSection(cpu_budget=0.001))
    try:
        card = await Previewer(DictFetcher({PAGE: slow}), None, PreviewSection(), offload=offloader).card_for(
            PAGE, share_title="分享的标题"
        )
    finally:
        offloader.close()
    assert card.title == "分享的标题"  # what was known before the page, not the page's own title
