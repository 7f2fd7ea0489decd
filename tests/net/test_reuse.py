"""Kept-alive connections: reused for the same host, port, TLS name and vetted address, and for nothing else.

The local internet numbers every connection it accepts (with the SNI name asked for and the server
address it was accepted on) and tags each request with its connection, so a test can see which
requests shared one. Its servers answer on 127.0.0.1 and on ``ALIAS`` at the same ports, so a name's
DNS answer can change between fetches while its port stays.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from hutong.config import NetworkSection
from hutong.errors import BlockedAddress
from hutong.net.fetcher import GuardedFetcher
from hutong.net.transport import PinnedTransport
from tests.support.h2server import H2Server
from tests.support.localnet import ALIAS, LocalNet, Reply, Request, html, redirect


def _settings(localnet: LocalNet, *hosts: str) -> NetworkSection:
    return dataclasses.replace(localnet.settings(*hosts), rate_limit_per_minute=0)


def _tls_connections(localnet: LocalNet) -> list[tuple[str | None, str]]:
    return [(c.sni, c.address) for c in localnet.connections if c.tls]


@pytest.mark.parametrize("keep_alive", [True, False], ids=["server-keeps-alive", "server-closes"])
async def test_one_connection_per_host_when_the_server_keeps_alive(localnet: LocalNet, keep_alive: bool) -> None:
    localnet.keep_alive = keep_alive
    localnet.route("shop.example", html("<title>p</title>"))
    async with GuardedFetcher(_settings(localnet)) as f:
        for i in range(5):
            assert (await f.fetch(f"https://shop.example/item/{i}")).text == "<title>p</title>"
    shop = [r for r in localnet.requests if r.host == "shop.example"]
    assert len(shop) == 5
    # kept alive: one TLS handshake serves all five; closed by the server: a new connection each time
    assert len({r.connection for r in shop}) == (1 if keep_alive else 5)
    assert _tls_connections(localnet) == [("shop.example", "127.0.0.1")] * (1 if keep_alive else 5)


async def test_hosts_on_one_address_do_not_share_a_connection(localnet: LocalNet) -> None:
    """Two names served from the same address each get their own TLS connection (SNI and certificate)."""
    localnet.keep_alive = True
    for host in ("a.example", "b.example"):
        localnet.route(host, html(f"<title>{host}</title>"))
    async with GuardedFetcher(_settings(localnet)) as f:
        for host in ("a.example", "b.example", "a.example", "b.example"):
            assert (await f.fetch(f"https://{host}/")).text == f"<title>{host}</title>"
    assert sorted(_tls_connections(localnet)) == [("a.example", "127.0.0.1"), ("b.example", "127.0.0.1")]
    by_host = {r.host: {q.connection for q in localnet.requests if q.host == r.host} for r in localnet.requests}
    assert all(len(numbers) == 1 for numbers in by_host.values()) and by_host["a.example"] != by_host["b.example"]


async def test_a_changed_dns_answer_gets_a_new_connection(localnet: LocalNet) -> None:
    """Every fetch resolves and vets again; a connection is reused only if the answer is the same address."""
    localnet.keep_alive = True
    localnet.route("moving.example", html("<title>m</title>"))
    answers = ["127.0.0.1", "127.0.0.1", ALIAS, ALIAS, "127.0.0.1"]
    asked: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return [answers[len(asked) - 1]]

    settings = dataclasses.replace(
        _settings(localnet),
        connect_to=(f"moving.example:443:moving.test:{localnet.https_port}",),
        allow_networks=("127.0.0.1/32", f"{ALIAS}/32"),
    )
    async with GuardedFetcher(settings, resolver=resolver) as f:
        for i in range(len(answers)):
            await f.fetch(f"https://moving.example/{i}")
    assert asked == ["moving.test"] * len(answers)  # resolved for every fetch, kept connection or not
    served = {c.number: c.address for c in localnet.connections}
    moving = [r for r in localnet.requests if r.host == "moving.example"]
    assert [served[r.connection] for r in moving] == answers  # each request reached the address just vetted
    assert len(localnet.connections) == 2  # one per address: the first is still reused after the change back


async def test_a_kept_connection_never_outlives_a_refused_answer(localnet: LocalNet) -> None:
    """The name's next answer is a private address: refused before any connection, kept one or not."""
    localnet.keep_alive = True
    localnet.route("rebind.example", html("<title>pinned</title>"))
    answers = iter(["127.0.0.1", "10.0.0.7"])

    async def resolver(host: str, port: int) -> list[str]:
        return [next(answers)]

    settings = dataclasses.replace(
        _settings(localnet), connect_to=(f"rebind.example:443:rebind.test:{localnet.https_port}",)
    )
    async with GuardedFetcher(settings, resolver=resolver) as f:
        assert (await f.fetch("https://rebind.example/")).text == "<title>pinned</title>"
        with pytest.raises(BlockedAddress):
            await f.fetch("https://rebind.example/again")
    assert [r.path for r in localnet.requests] == ["/"]


async def test_redirects_over_a_kept_connection_are_checked_again(localnet: LocalNet) -> None:
    """A redirect chain within one host reuses its connection, and every hop is vetted (resolved) anew."""
    localnet.keep_alive = True
    localnet.route("hop.example", redirect("/b"), path="/a")
    localnet.route("hop.example", redirect("/c"), path="/b")
    localnet.route("hop.example", html("<title>end</title>"), path="/c")
    asked: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    settings = dataclasses.replace(
        _settings(localnet), connect_to=(f"hop.example:443:hop.test:{localnet.https_port}",)
    )
    async with GuardedFetcher(settings, resolver=resolver) as f:
        result = await f.fetch("https://hop.example/a")
    assert result.text == "<title>end</title>" and asked == ["hop.test"] * 3
    assert len({r.connection for r in localnet.requests}) == 1


async def test_pools_are_bounded(localnet: LocalNet) -> None:
    """Past ``max_pools`` vetted addresses, the least recently used idle pool is closed."""
    localnet.keep_alive = True
    localnet.route("x.example", html("<title>x</title>"))
    answers = ["127.0.0.1", ALIAS, "127.0.0.1"]
    asked: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return [answers[len(asked) - 1]]

    settings = dataclasses.replace(
        _settings(localnet),
        connect_to=(f"x.example:443:x.test:{localnet.https_port}",),
        allow_networks=("127.0.0.1/32", f"{ALIAS}/32"),
    )
    async with GuardedFetcher(settings, resolver=resolver) as f:
        transport = f._client._transport
        assert isinstance(transport, PinnedTransport)
        transport._max_pools = 1
        for i in range(len(answers)):
            await f.fetch(f"https://x.example/{i}")
        assert [key[3] for key in transport.pool_keys] == ["127.0.0.1"]
    assert len(localnet.connections) == 3  # the first pool was closed when the second opened


async def test_http2_multiplexes_one_connection_per_host(tmp_path: Path) -> None:
    """Against a server that speaks only HTTP/2 (ALPN ``h2``), concurrent fetches share one connection."""
    hosts = ("one.example", "two.example")

    def answer(req: Request) -> Reply:
        return Reply(body=f"<title>{req.host} {req.path}</title>".encode())

    with H2Server.running(tmp_path, answer, hosts) as server:
        settings = NetworkSection(
            connect_to=tuple(f"{h}:443:127.0.0.1:{server.port}" for h in hosts),
            allow_networks=("127.0.0.1/32",),
            ca_bundle=str(server.ca_path),
            rate_limit_per_minute=0,
        )
        async with GuardedFetcher(settings) as f:
            results = await asyncio.gather(*(f.fetch(f"https://{hosts[i % 2]}/p/{i}") for i in range(20)))
        assert [r.text for r in results] == [f"<title>{hosts[i % 2]} /p/{i}</title>" for i in range(20)]
        assert server.connections == 2 and len(server.requests) == 20
