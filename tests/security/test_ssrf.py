"""The SSRF and abuse suite: every case is refused or bounded, with its reason code.

URL and address cases use the default configuration (no overrides) and a recording resolver:
nothing may reach a socket. Server-side abuse cases run against the local internet.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import tracemalloc

import httpx
import pytest

from hutong.config import NetworkSection
from hutong.errors import RemoteError
from hutong.net.fetcher import GuardedFetcher
from hutong.net.resolver import Resolver
from tests.support.localnet import LocalNet, Reply, brotli_bomb, deflate_bomb, gzip_bomb, html, redirect

# --- refused before any connection: URL checks and IP literals --------------------------

URL_CASES = {
    # URL shape
    "scheme-file": ("file:///etc/passwd", "remote.blocked_url"),
    "scheme-gopher": ("gopher://127.0.0.1:6379/_SET%20x", "remote.blocked_url"),
    "scheme-ftp": ("ftp://example.com/x", "remote.blocked_url"),
    "scheme-dict": ("dict://127.0.0.1:11211/stat", "remote.blocked_url"),
    "scheme-data": ("data:text/html,<script>x</script>", "remote.blocked_url"),
    "userinfo": ("https://admin@example.com/", "remote.blocked_url"),
    "userinfo-password": ("https://a:b@example.com/", "remote.blocked_url"),
    "userinfo-brand-trick": ("https://item.taobao.com@evil.example/", "remote.blocked_url"),
    "userinfo-encoded-at": ("https://taobao.com%40evil.example@evil.example/", "remote.blocked_url"),
    "port-ssh": ("http://example.com:22/", "remote.blocked_url"),
    "port-redis": ("http://example.com:6379/", "remote.blocked_url"),
    "port-zero": ("http://example.com:0/", "remote.blocked_url"),
    "port-8443": ("https://example.com:8443/", "remote.blocked_url"),
    "bracket-host-smokescreen": ("http://[example.com]/", "remote.blocked_url"),
    # IP literal spellings (WHATWG-normalised, then refused)
    "loopback": ("http://127.0.0.1/", "remote.blocked_address"),
    "loopback-short": ("http://127.1/", "remote.blocked_address"),
    "decimal": ("http://2130706433/", "remote.blocked_address"),
    "hex": ("http://0x7f000001/", "remote.blocked_address"),
    "hex-dotted": ("http://0x7f.0x0.0x0.0x1/", "remote.blocked_address"),
    "octal": ("http://0177.0.0.1/", "remote.blocked_address"),
    "octal-whole": ("http://017700000001/", "remote.blocked_address"),
    "fullwidth-digits": ("http://１２７.０.０.１/", "remote.blocked_address"),
    "zero": ("http://0/", "remote.blocked_address"),
    "zeros": ("http://0.0.0.0/", "remote.blocked_address"),
    "metadata-aws": ("http://169.254.169.254/latest/meta-data/", "remote.blocked_address"),
    "metadata-decimal": ("http://2852039166/", "remote.blocked_address"),
    "metadata-aws-v6": ("http://[fd00:ec2::254]/", "remote.blocked_address"),
    "private-10": ("http://10.0.0.1/", "remote.blocked_address"),
    "private-192": ("http://192.168.1.1/", "remote.blocked_address"),
    "cgnat": ("http://100.64.0.1/", "remote.blocked_address"),
    "reserved-240": ("http://240.0.0.1/", "remote.blocked_address"),
    "broadcast": ("http://255.255.255.255/", "remote.blocked_address"),
    "v6-unspecified": ("http://[::]/", "remote.blocked_address"),
    "v6-loopback": ("http://[::1]/", "remote.blocked_address"),
    "v6-mapped-dotted": ("http://[::ffff:127.0.0.1]/", "remote.blocked_address"),
    "v6-mapped-hex": ("http://[::ffff:7f00:1]/", "remote.blocked_address"),
    "v6-mapped-long": ("http://[0:0:0:0:0:ffff:127.0.0.1]/", "remote.blocked_address"),
    "v6-compatible": ("http://[::127.0.0.1]/", "remote.blocked_address"),
    "v6-nat64": ("http://[64:ff9b::7f00:1]/", "remote.blocked_address"),
    "v6-6to4-loopback": ("http://[2002:7f00:1::]/", "remote.blocked_address"),
    "v6-link-local": ("http://[fe80::1]/", "remote.blocked_address"),
    "v6-unique-local": ("http://[fc00::1]/", "remote.blocked_address"),
    "v6-teredo": ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "remote.blocked_address"),
    # IPv4-translated (SIIT, ::ffff:0:0:0/96): Python calls these global
    "v6-siit-dotted": ("http://[::ffff:0:127.0.0.1]/", "remote.blocked_address"),
    "v6-siit-hex": ("http://[::ffff:0:7f00:1]/", "remote.blocked_address"),
    "v6-siit-long": ("http://[0:0:0:0:ffff:0:a9fe:a9fe]/latest/meta-data/", "remote.blocked_address"),
    "v6-siit-zero-padded": ("http://[0000:0000:0000:0000:FFFF:0000:0A00:0001]/", "remote.blocked_address"),
    "v6-siit-public": ("http://[::ffff:0:8.8.8.8]/", "remote.blocked_address"),
    "v6-mapped-public": ("http://[::ffff:8.8.8.8]/", "remote.blocked_address"),
    "v6-compatible-public": ("http://[::8.8.8.8]/", "remote.blocked_address"),
    "v6-6to4-public": ("http://[2002:808:808::1]/", "remote.blocked_address"),
    "v6-nat64-local": ("http://[64:ff9b:1::10.0.0.1]/", "remote.blocked_address"),
    "v6-nat64-local-48": ("http://[64:ff9b:1:0a01:0002:0300::]/", "remote.blocked_address"),
    "v6-nat64-private": ("http://[64:ff9b::192.168.0.1]/", "remote.blocked_address"),
    "v6-teredo-loopback-client": ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "remote.blocked_address"),
    "v6-teredo-private-server": ("http://[2001:0:a00:1:8000:63bf:f7f7:f7f7]/", "remote.blocked_address"),
}


@pytest.mark.parametrize(("url", "code"), URL_CASES.values(), ids=URL_CASES.keys())
async def test_refused_without_connecting(url: str, code: str) -> None:
    asked: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["93.184.215.14"]

    async with GuardedFetcher(NetworkSection(), resolver=resolver) as f:
        with pytest.raises(RemoteError) as info:
            await f.fetch(url)
    assert info.value.code == code, info.value.message
    assert info.value.message
    assert not asked, "a refused URL must not even be resolved"
    if code == "remote.blocked_address":
        _assert_explained(info.value.message)


def _assert_explained(message: str) -> None:
    """An address refusal is one clear sentence: the address, what it is, and that nothing was sent."""
    assert " is " in message
    assert message.endswith("; hutong refused to connect, as it fetches only from public addresses.")
    assert "which is it" not in message and "is it embeds" not in message


# --- DNS answers -----------------------------------------------------------------------

DNS_CASES = {
    "private-only": ["10.0.0.7"],
    "public-and-private": ["93.184.215.14", "192.168.0.10"],
    "private-first-then-public": ["127.0.0.1", "93.184.215.14"],
    "localtest-me-style": ["127.0.0.1"],
    "v6-mapped-answer": ["::ffff:10.0.0.1"],
    "v6-loopback-answer": ["::1"],
    "metadata-answer": ["169.254.169.254"],
    "nat64-answer": ["64:ff9b::a9fe:a9fe"],
    "siit-answer": ["::ffff:0:a00:1"],
    "siit-loopback-answer": ["::ffff:0:7f00:1"],
    "public-then-siit": ["93.184.215.14", "::ffff:0:a9fe:a9fe"],
    "siit-public-answer": ["::ffff:0:808:808"],
    "6to4-answer": ["2002:a9fe:a9fe::1"],
    "teredo-answer": ["2001:0:4136:e378:8000:63bf:80ff:fffe"],
    "nat64-local-answer": ["64:ff9b:1::808:808"],
    "compatible-answer": ["::a00:1"],
}


@pytest.mark.parametrize("answers", DNS_CASES.values(), ids=DNS_CASES.keys())
async def test_dns_answer_with_any_blocked_address_is_refused(answers: list[str]) -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return answers

    async with GuardedFetcher(NetworkSection(), resolver=resolver) as f:
        with pytest.raises(RemoteError) as info:
            await f.fetch("https://innocent.example/")
    assert info.value.code == "remote.blocked_address"
    assert info.value.message.startswith("innocent.example leads to ")
    _assert_explained(info.value.message)


async def test_nat64_answer_carrying_a_public_address_is_fetched() -> None:
    """A DNS64 answer for an IPv4-only site (64:ff9b::/96 + public IPv4) is connected to (docs/fetching.md)."""
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/html"}, content=b"<p>v4-only site")

    async def resolver(host: str, port: int) -> list[str]:
        return ["64:ff9b::5db8:d70e"]  # 93.184.215.14

    async with GuardedFetcher(NetworkSection(), transport=httpx.MockTransport(handler), resolver=resolver) as f:
        assert (await f.fetch("https://v4only.example/")).text == "<p>v4-only site"


@pytest.mark.parametrize(
    ("answers", "code"),
    [([], "remote.network"), (["not-an-ip"], "remote.network")],
    ids=["no-answer", "garbage-answer"],
)
async def test_bad_dns_answers_are_network_failures(answers: list[str], code: str) -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return answers

    async with GuardedFetcher(NetworkSection(), resolver=resolver) as f:
        with pytest.raises(RemoteError) as info:
            await f.fetch("https://x.example/")
    assert info.value.code == code


# --- through the local internet: redirects and server abuse ------------------------------


def _tight(net: LocalNet, **changes: object) -> NetworkSection:
    merged: dict[str, object] = {"total_timeout": 1.5, "connect_timeout": 1.0, **changes}
    return dataclasses.replace(net.settings(), **merged)  # type: ignore[arg-type]


async def _private_resolver(host: str, port: int) -> list[str]:
    return ["10.9.8.7"]


REDIRECT_CASES = {
    "to-loopback-literal": ("http://127.0.0.2/", "remote.blocked_address"),
    "to-metadata": ("http://169.254.169.254/latest/meta-data/", "remote.blocked_address"),
    "to-v6-loopback": ("http://[::1]/", "remote.blocked_address"),
    "to-mapped": ("http://[::ffff:127.0.0.2]/", "remote.blocked_address"),
    "to-siit-allowed-v4": ("http://[::ffff:0:127.0.0.1]/", "remote.blocked_address"),
    "to-siit-hex": ("http://[::ffff:0:7f00:2]/", "remote.blocked_address"),
    "to-siit-metadata": ("http://[::ffff:0:a9fe:a9fe]/latest/meta-data/", "remote.blocked_address"),
    "to-teredo": ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "remote.blocked_address"),
    "to-loopback-unnamed-port": ("http://127.0.0.1:443/", "remote.blocked_address"),
    "to-decimal-ip": ("http://167772161/", "remote.blocked_address"),
    "to-private-name": ("http://internal.corp.example/", "remote.blocked_address"),
    "to-file": ("file:///etc/passwd", "remote.blocked_url"),
    "to-gopher": ("gopher://127.0.0.1:6379/_x", "remote.blocked_url"),
    "to-userinfo": ("https://item.taobao.com@evil.example/", "remote.blocked_url"),
    "to-bad-port": ("http://short.example:25/", "remote.blocked_url"),
}


@pytest.mark.parametrize(("location", "code"), REDIRECT_CASES.values(), ids=REDIRECT_CASES.keys())
async def test_redirect_targets_are_rechecked(localnet: LocalNet, location: str, code: str) -> None:
    localnet.route("short.example", redirect(location))
    async with GuardedFetcher(_tight(localnet), resolver=_private_resolver) as f:
        with pytest.raises(RemoteError) as info:
            await f.fetch("https://short.example/x")
    assert info.value.code == code, info.value.message
    assert len(localnet.requests) == 1  # only the first hop was ever contacted


async def test_redirect_loop(localnet: LocalNet) -> None:
    localnet.route("a.example", redirect("https://b.example/"))
    localnet.route("b.example", redirect("https://a.example/"))
    async with GuardedFetcher(_tight(localnet)) as f:
        with pytest.raises(RemoteError) as info:
            await f.fetch("https://a.example/")
    assert info.value.code == "remote.too_many_redirects" and "loop" in info.value.message


async def test_too_many_redirects(localnet: LocalNet) -> None:
    for i in range(10):
        localnet.route("chain.example", redirect(f"/{i + 1}"), path=f"/{i}")
    async with GuardedFetcher(_tight(localnet, max_redirects=5)) as f:
        with pytest.raises(RemoteError) as info:
            await f.fetch("https://chain.example/0")
    assert info.value.code == "remote.too_many_redirects"
    assert len(localnet.requests) == 6


ABUSE_CASES = {
    "huge-headers-over-cap": (
        Reply(headers=(("Content-Type", "text/html"), *((f"X-Pad-{i}", "a" * 1000) for i in range(70)))),
        "page",
        "remote.too_large",
    ),
    "huge-headers-over-parser": (
        Reply(headers=(("Content-Type", "text/html"), *((f"X-Pad-{i}", "a" * 1000) for i in range(300)))),
        "page",
        "remote.too_large",
    ),
    "endless-image": (
        Reply(headers=(("Content-Type", "image/png"),), endless=b"\0" * 65536),
        "image",
        "remote.too_large",
    ),
    "endless-oembed": (
        Reply(headers=(("Content-Type", "application/json"),), endless=b" " * 65536),
        "oembed",
        "remote.too_large",
    ),
    "gzip-bomb": (gzip_bomb(20_000_000), "page", "remote.too_large"),
    "brotli-bomb": (brotli_bomb(20_000_000), "page", "remote.too_large"),
    "deflate-bomb": (deflate_bomb(20_000_000), "page", "remote.too_large"),
    "gzip-bomb-image": (gzip_bomb(20_000_000, content_type="image/png"), "image", "remote.too_large"),
    "big-image": (
        Reply(body=b"\0" * 2_000_000, headers=(("Content-Type", "image/jpeg"),)),
        "image",
        "remote.too_large",
    ),
    "slow-first-byte": (Reply(delay=5.0), "page", "remote.timeout"),
    "slowloris-headers": (Reply(header_drip=0.05), "page", "remote.timeout"),
    "slow-drip-body": (Reply(body=b"<p>" * 10_000, chunk_size=10, body_drip=0.05), "page", "remote.timeout"),
    "slow-endless-page": (Reply(endless=b"<p>x", body_drip=0.01), "page", "remote.timeout"),
    "video-for-page": (
        Reply(body=b"x", headers=(("Content-Type", "video/mp4"),)),
        "page",
        "remote.bad_content",
    ),
    "audio-for-page": (
        Reply(body=b"x", headers=(("Content-Type", "audio/aac"),)),
        "page",
        "remote.bad_content",
    ),
    "svg-for-image": (
        Reply(body=b"<svg/>", headers=(("Content-Type", "image/svg+xml"),)),
        "image",
        "remote.bad_content",
    ),
    "octet-stream-page": (
        Reply(body=b"x", headers=(("Content-Type", "application/octet-stream"),)),
        "page",
        "remote.bad_content",
    ),
    "html-for-image": (html("<p>"), "image", "remote.bad_content"),
    "no-content-type": (Reply(body=b"<p>", headers=()), "page", "remote.bad_content"),
    "corrupt-gzip": (
        Reply(body=b"garbage", headers=(("Content-Type", "text/html"), ("Content-Encoding", "gzip"))),
        "page",
        "remote.bad_content",
    ),
    "unknown-encoding": (
        Reply(body=b"x", headers=(("Content-Type", "text/html"), ("Content-Encoding", "zstd9"))),
        "page",
        "remote.bad_content",
    ),
    "not-http": (Reply(raw=b"SSH-2.0-OpenSSH_9.6\r\n"), "page", "remote.network"),
    "server-error": (Reply(status=500, body=b"oops"), "page", "remote.http_status"),
    "redirect-without-location": (Reply(status=302, headers=()), "page", "remote.bad_content"),
}


@pytest.mark.parametrize(("reply", "purpose", "code"), ABUSE_CASES.values(), ids=ABUSE_CASES.keys())
async def test_abusive_servers_are_bounded(localnet: LocalNet, reply: Reply, purpose: str, code: str) -> None:
    localnet.route("abuse.example", reply)
    started = time.monotonic()
    async with GuardedFetcher(_tight(localnet)) as f:
        with pytest.raises(RemoteError) as info:
            await f.fetch("https://abuse.example/", purpose=purpose)  # type: ignore[arg-type]
    assert info.value.code == code, info.value.message
    assert time.monotonic() - started < 4.0


async def test_endless_page_is_cut_at_the_cap(localnet: LocalNet) -> None:
    localnet.route("abuse.example", Reply(body=b"<title>t</title>", endless=b"<p>" * 20_000))
    async with GuardedFetcher(_tight(localnet, max_html_bytes=300_000)) as f:
        r = await f.fetch("https://abuse.example/")
    assert r.truncated and len(r.body) == 300_000 and r.body.startswith(b"<title>t</title>")


async def test_wrong_charset_label_does_not_mojibake(localnet: LocalNet) -> None:
    page = "<html><head><meta charset=gbk><title>淘宝网 商品详情</title></head></html>"
    localnet.route("abuse.example", html(page, charset="gbk", content_type="text/html; charset=utf-8"))
    async with GuardedFetcher(_tight(localnet)) as f:
        r = await f.fetch("https://abuse.example/")
    assert r.text is not None and "淘宝网 商品详情" in r.text


async def test_rate_limit_per_destination(localnet: LocalNet) -> None:
    localnet.route("busy.example", html("<p>"))
    localnet.route("other.example", html("<p>"))
    async with GuardedFetcher(_tight(localnet, rate_limit_per_minute=3)) as f:
        for _ in range(3):
            await f.fetch("https://busy.example/")
        with pytest.raises(RemoteError) as info:
            await f.fetch("https://busy.example/")
        assert info.value.code == "remote.rate_limited"
        await f.fetch("https://other.example/")  # another destination has its own budget


async def test_resolver_never_raises_and_keeps_last_safe_url(localnet: LocalNet) -> None:
    localnet.route("s.example", redirect("https://hop.example/"))
    localnet.route("hop.example", redirect("http://169.254.169.254/"))
    async with GuardedFetcher(_tight(localnet)) as f:
        res = await Resolver(f, None, max_hops=5).resolve("https://s.example/")
    assert res.error_code == "remote.blocked_address"
    assert res.url == "https://hop.example/"
    assert res.error and "169.254.169.254" in res.error


async def test_memory_stays_bounded_under_abuse(localnet: LocalNet) -> None:
    localnet.route("bomb.example", gzip_bomb(30_000_000))
    localnet.route("br.example", brotli_bomb(30_000_000))
    localnet.route("endless.example", Reply(endless=b"<p>" * 20_000))
    localnet.route("big.example", Reply(body=b"\0" * 5_000_000, headers=(("Content-Type", "image/png"),)))
    settings = _tight(localnet, max_html_bytes=1_000_000, total_timeout=5.0)
    tracemalloc.start()
    try:
        async with GuardedFetcher(settings) as f:
            jobs = []
            for _ in range(5):
                jobs += [
                    f.fetch("https://bomb.example/"),
                    f.fetch("https://br.example/"),
                    f.fetch("https://endless.example/"),
                    f.fetch("https://big.example/", purpose="image"),
                ]
            results = await asyncio.gather(*jobs, return_exceptions=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert all(isinstance(r, RemoteError) or r.truncated for r in results)  # type: ignore[union-attr]
    # 20 concurrent hostile fetches; the caps allow ~1 MB each plus buffers.
    print(f"peak traced memory: {peak / 1e6:.1f} MB")
    assert peak < 60_000_000, f"peak {peak / 1e6:.1f} MB"
