"""GuardedFetcher against the local internet: real sockets, real TLS, no network mocks."""

from __future__ import annotations

import logging

import httpx
import pytest

from hutong.config import NetworkSection
from hutong.errors import BlockedAddress, ConfigError, NetworkFailure
from hutong.net.fetcher import GuardedFetcher
from hutong.net.overrides import ConnectTo, connect_target, parse_connect_to
from hutong.net.resolver import Resolver
from hutong.net.transport import Pin, build_transport, pin, unpin
from tests.support.localnet import LocalNet, Reply, gzipped, html, redirect

GBK_PAGE = "<html><head><meta charset=gb2312><title>镕喆堃 淘宝</title></head><body>商品</body></html>"


async def test_https_with_sni_and_host_kept(localnet: LocalNet) -> None:
    localnet.route("item.taobao.com", html("<title>ok</title>"))
    async with GuardedFetcher(localnet.settings()) as f:
        r = await f.fetch("https://item.taobao.com/item.htm?id=1")
    assert r.status == 200 and r.text == "<title>ok</title>" and r.encoding == "utf-8"
    req = localnet.requests[-1]
    assert req.tls and req.host == "item.taobao.com" and req.path == "/item.htm?id=1"
    assert req.header("user-agent") == NetworkSection().user_agent


async def test_redirect_chain_records_hops(localnet: LocalNet) -> None:
    localnet.route("b23.tv", redirect("https://www.bilibili.com/video/BV1"), path="/abc")
    localnet.route("www.bilibili.com", redirect("/video/BV1/", 301), path="/video/BV1")
    localnet.route("www.bilibili.com", html("<title>v</title>"), path="/video/BV1/")
    async with GuardedFetcher(localnet.settings()) as f:
        r = await f.fetch("https://b23.tv/abc")
    assert r.url == "https://www.bilibili.com/video/BV1/"
    assert [(h.url, h.status, h.via) for h in r.hops] == [
        ("https://b23.tv/abc", 302, "redirect"),
        ("https://www.bilibili.com/video/BV1", 301, "redirect"),
        ("https://www.bilibili.com/video/BV1/", 200, "final"),
    ]


async def test_gbk_page_declared_gb2312(localnet: LocalNet) -> None:
    localnet.route("www.example.cn", html(GBK_PAGE, charset="gbk", content_type="text/html; charset=gb2312"))
    async with GuardedFetcher(localnet.settings()) as f:
        r = await f.fetch("https://www.example.cn/")
    assert r.encoding == "gbk" and r.text is not None and "镕喆堃" in r.text


async def test_gzip_body_is_decoded(localnet: LocalNet) -> None:
    localnet.route("www.example.cn", gzipped(html("<title>压缩</title>" * 100)))
    async with GuardedFetcher(localnet.settings()) as f:
        r = await f.fetch("https://www.example.cn/")
    assert r.text == "<title>压缩</title>" * 100


async def test_html_over_cap_is_truncated_prefix(localnet: LocalNet) -> None:
    localnet.route("www.example.cn", html("<title>t</title>" + "x" * 50_000))
    async with GuardedFetcher(localnet.settings(max_html_bytes=1000)) as f:
        r = await f.fetch("https://www.example.cn/")
    assert r.truncated and len(r.body) == 1000 and r.body.startswith(b"<title>t</title>")


async def test_plain_http_and_image(localnet: LocalNet) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    localnet.route("img.example.cn", Reply(body=png, headers=(("Content-Type", "image/png"),)))
    async with GuardedFetcher(localnet.settings()) as f:
        r = await f.fetch("http://img.example.cn/a.png", purpose="image")
    assert r.body == png and r.text is None and not localnet.requests[-1].tls


async def test_oembed_json_is_decoded(localnet: LocalNet) -> None:
    body = '{"title": "视频", "type": "video"}'.encode()
    localnet.route("api.example.cn", Reply(body=body, headers=(("Content-Type", "application/json"),)))
    async with GuardedFetcher(localnet.settings()) as f:
        r = await f.fetch("https://api.example.cn/oembed?url=x", purpose="oembed")
    assert r.text == '{"title": "视频", "type": "video"}'


async def test_dns_answer_is_pinned_no_second_lookup(localnet: LocalNet) -> None:
    """The resolver is asked once per hop, and the connection goes to its answer (rebinding fails)."""
    localnet.route("rebind.example", html("<title>pinned</title>"))
    asked: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"] if len(asked) == 1 else ["10.0.0.1"]

    settings = localnet.settings(connect_to=(f"rebind.example:80:rebind.example:{localnet.http_port}",))
    async with GuardedFetcher(settings, resolver=resolver) as f:
        r = await f.fetch("http://rebind.example/")
        assert r.text == "<title>pinned</title>" and asked == ["rebind.example"]
        with pytest.raises(BlockedAddress):  # the second lookup answers private: refused, not connected
            await f.fetch("http://rebind.example/again")


async def test_connection_without_pin_fails_closed(localnet: LocalNet) -> None:
    """The pinned transport refuses any connection the fetcher did not vet."""
    transport = build_transport(localnet.settings())
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(httpx.ConnectError, match="no vetted address"):
            await client.get(f"http://127.0.0.1:{localnet.http_port}/")


async def test_overrides_are_logged_loudly(localnet: LocalNet, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="hutong.net.transport"):
        await GuardedFetcher(localnet.settings("a.example")).aclose()
    text = caplog.text
    assert "connect_to" in text and "allow_networks" in text and "ca_bundle" in text


async def test_unknown_ca_is_a_network_failure(localnet: LocalNet) -> None:
    localnet.route("item.taobao.com", html("x"))
    async with GuardedFetcher(localnet.settings(ca_bundle="")) as f:
        with pytest.raises(NetworkFailure):
            await f.fetch("https://item.taobao.com/")


async def test_injected_transport_still_vets() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(200, headers={"content-type": "text/html"}, content=b"<p>hi")

    async def resolver(host: str, port: int) -> list[str]:
        return ["93.184.215.14"] if host == "public.example" else ["192.168.0.1"]

    async with GuardedFetcher(
        NetworkSection(), transport=httpx.MockTransport(handler), resolver=resolver
    ) as f:
        assert (await f.fetch("https://public.example/")).text == "<p>hi"
        with pytest.raises(BlockedAddress):
            await f.fetch("https://private.example/")
    assert calls == ["https://public.example/"]


@pytest.mark.parametrize(
    ("entries", "host", "port", "target"),
    [
        (["m.tb.cn:443:127.0.0.1:8443"], "m.tb.cn", 443, ("127.0.0.1", 8443)),
        (["m.tb.cn:443:127.0.0.1:8443"], "m.tb.cn", 80, ("m.tb.cn", 80)),
        (["::127.0.0.1:9"], "any.example", 443, ("127.0.0.1", 9)),
        ([":443::8443"], "x.example", 443, ("x.example", 8443)),
        (["[::1]:80:[::2]:81"], "::1", 80, ("::2", 81)),
    ],
    ids=["exact", "other-port", "wildcards", "port-only", "ipv6"],
)
def test_connect_to(entries: list[str], host: str, port: int, target: tuple[str, int]) -> None:
    assert connect_target(parse_connect_to(entries), host, port) == target


@pytest.mark.parametrize("entry", ["m.tb.cn:443:127.0.0.1", "a:b:c:d", "a:99999:c:1"])
def test_bad_connect_to_is_config_error(entry: str) -> None:
    with pytest.raises(ConfigError, match=r"network\.connect_to"):
        parse_connect_to([entry])


def test_connect_to_dataclass_is_frozen() -> None:
    rule = ConnectTo("a", 1, "b", 2)
    with pytest.raises(AttributeError):
        rule.host = "c"  # type: ignore[misc]


# --- the test overrides apply only to the hosts connect_to names ---------------------------


async def test_allow_networks_does_not_open_loopback_to_other_urls(localnet: LocalNet) -> None:
    """allow_networks exempts 127.0.0.1 for connect_to hosts only: a literal URL to it is refused."""
    localnet.route("named.example", html("<p>named"))
    localnet.route("127.0.0.1", html("<p>the loopback server was reached"))
    settings = localnet.settings("named.example", allowed_ports=(80, 443, localnet.http_port))
    async with GuardedFetcher(settings) as f:
        assert (await f.fetch("http://named.example/")).text == "<p>named"
        with pytest.raises(BlockedAddress) as info:
            await f.fetch(f"http://127.0.0.1:{localnet.http_port}/")
    assert "127.0.0.1 is in the loopback range 127.0.0.0/8" in info.value.message
    assert [r.host for r in localnet.requests] == ["named.example"]


async def test_allow_networks_does_not_apply_to_other_names(localnet: LocalNet) -> None:
    """A name no connect_to rule names, answering the allowed address, is refused."""
    localnet.route("named.example", html("<p>named"))

    async def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    settings = localnet.settings("named.example")
    async with GuardedFetcher(settings, resolver=resolver) as f:
        with pytest.raises(BlockedAddress) as info:
            await f.fetch("http://unnamed.example/")
    assert info.value.message.startswith("unnamed.example leads to 127.0.0.1, and 127.0.0.1 is in the loopback")
    assert localnet.requests == []


@pytest.mark.parametrize(("override", "trusted"), [(True, True), (False, False)], ids=["connect-to", "other"])
async def test_ca_bundle_is_trusted_only_on_connect_to_connections(
    localnet: LocalNet, override: bool, trusted: bool
) -> None:
    localnet.route("named.example", html("<p>tls"))
    transport = build_transport(localnet.settings("named.example"))
    token = pin(Pin("named.example", 443, "127.0.0.1", localnet.https_port, test_override=override))
    try:
        async with httpx.AsyncClient(transport=transport) as client:
            if trusted:
                assert (await client.get("https://named.example/")).text == "<p>tls"
            else:
                with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                    await client.get("https://named.example/")
    finally:
        unpin(token)


# --- a query holding "x:" (no "//") is sent as written -------------------------------------

COLON_QUERIES = {
    "x-colon-y": ("https://q.example/a?x:y", "/a?x:y"),
    "value-with-colon": ("https://q.example/a?q=x:1", "/a?q=x:1"),
    "no-path": ("https://q.example?x:y", "/?x:y"),
    "empty-query": ("https://q.example/?", "/?"),
    "scheme-like-first-segment": ("https://q.example/x:y?z:1", "/x:y?z:1"),
    "plain-http": ("http://q.example/?x:", "/?x:"),
    "with-slashes": ("https://q.example/a?x://y", "/a?x://y"),
}


@pytest.mark.parametrize(("url", "sent"), COLON_QUERIES.values(), ids=COLON_QUERIES.keys())
async def test_colon_in_query_is_fetched(localnet: LocalNet, url: str, sent: str) -> None:
    localnet.route("q.example", html("<p>q"))
    async with GuardedFetcher(localnet.settings()) as f:
        r = await f.fetch(url)
    assert r.text == "<p>q" and localnet.requests[-1].path == sent


async def test_colon_in_query_through_a_redirect_and_the_resolver(localnet: LocalNet) -> None:
    localnet.route("short.example", redirect("https://q.example/item?x:y&id=1"))
    localnet.route("q.example", html("<p>q"))
    async with GuardedFetcher(localnet.settings()) as f:
        res = await Resolver(f, None, max_hops=5).resolve("https://short.example/s?x:1")
    assert res.ok and res.url == "https://q.example/item?x:y&id=1"
    assert [r.path for r in localnet.requests] == ["/s?x:1", "/item?x:y&id=1"]
