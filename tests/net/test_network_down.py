"""Is it the link or the machine? A machine without a network is told apart from a link that is wrong.

The resolver is injected (as every fetcher test does) to play a machine whose resolver fails
on every name, or on one name only; the CLI rows use names under ``.invalid`` (RFC 6761: never
resolved anywhere) so they behave alike on a connected and a disconnected machine.
"""

from __future__ import annotations

import asyncio
import errno
import json
import socket
from pathlib import Path

import httpx
import pytest

from hutong.cli import main
from hutong.config import NetworkSection
from hutong.errors import NameNotFound, NetworkDown, NetworkFailure, RemoteError
from hutong.net.dns import Resolve
from hutong.net.fetcher import GuardedFetcher
from hutong.net.probe import NetworkProbe, no_route

PROBE = NetworkSection().probe_host
PUBLIC = "93.184.215.14"


def resolver(failing: set[str] | None, code: int = socket.EAI_NONAME, calls: list[str] | None = None) -> Resolve:
    """A resolver that raises ``code`` for the names in ``failing`` (None: every name) and answers a public
    address for the others, noting each name asked in ``calls``."""

    async def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if failing is None or host in failing:
            raise socket.gaierror(code, "Name or service not known")
        return [PUBLIC]

    return resolve


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/html"}, content=b"<p>hi")


@pytest.mark.parametrize(
    ("failing", "code", "probe", "raised", "words"),
    [
        (None, socket.EAI_NONAME, PROBE, NetworkDown, "network is unreachable from this machine"),
        (None, socket.EAI_AGAIN, PROBE, NetworkDown, "no name resolves"),
        ({"shop.example"}, socket.EAI_NONAME, PROBE, NameNotFound, "does not exist"),
        ({"shop.example"}, socket.EAI_AGAIN, PROBE, NetworkFailure, "could not be resolved"),
        (None, socket.EAI_NONAME, "", NetworkFailure, "check the link"),  # no probe: cannot tell
    ],
    ids=["offline", "offline-resolver-silent", "no-such-name", "one-name-servfail", "probe-off"],
)
async def test_a_failed_lookup_blames_the_machine_or_the_link(
    failing: set[str] | None, code: int, probe: str, raised: type[RemoteError], words: str
) -> None:
    settings = NetworkSection(probe_host=probe)
    async with GuardedFetcher(settings, transport=httpx.MockTransport(ok), resolver=resolver(failing, code)) as f:
        with pytest.raises(RemoteError) as info:
            await f.fetch("https://shop.example/item")
    assert type(info.value) is raised
    assert words in info.value.message
    if raised is NetworkDown:
        assert info.value.code == "remote.network_down" and "check the link" not in info.value.message


async def test_many_links_failing_together_ask_the_probe_once() -> None:
    calls: list[str] = []
    hosts = [f"site{i}.example" for i in range(8)]
    async with GuardedFetcher(NetworkSection(), resolver=resolver(None, calls=calls)) as f:
        results = await asyncio.gather(*(f.fetch(f"https://{h}/") for h in hosts), return_exceptions=True)
    assert all(isinstance(r, NetworkDown) for r in results)
    assert calls.count(PROBE) == 1 and sorted(c for c in calls if c != PROBE) == hosts


async def test_the_probe_answer_expires_so_a_reconnect_is_noticed() -> None:
    now = [0.0]
    failing: set[str] | None = None

    async def resolve(host: str, port: int) -> list[str]:
        if failing is None:
            raise OSError(errno.ENETUNREACH, "Network is unreachable")
        return [PUBLIC]

    probe = NetworkProbe(resolve, PROBE, ttl=30.0, clock=lambda: now[0])
    assert await probe.down() is True
    failing = set()  # the network is back
    now[0] = 29.0
    assert await probe.down() is True  # still the kept answer
    now[0] = 31.0
    assert await probe.down() is False


@pytest.mark.parametrize(
    ("err", "raised", "code"),
    [
        (errno.ENETUNREACH, NetworkDown, "remote.network_down"),
        (errno.ENETDOWN, NetworkDown, "remote.network_down"),
        (errno.ECONNREFUSED, NetworkFailure, "remote.network"),  # one site refusing is that site's problem
        (errno.EHOSTUNREACH, NetworkFailure, "remote.network"),
    ],
    ids=["no-route", "interface-down", "refused", "host-unreachable"],
)
async def test_a_failed_connect_blames_the_machine_only_without_a_route(
    err: int, raised: type[RemoteError], code: str
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        try:
            raise OSError(err, "connect failed")
        except OSError as exc:
            raise httpx.ConnectError("connect failed", request=request) from exc

    async with GuardedFetcher(
        NetworkSection(), transport=httpx.MockTransport(refuse), resolver=resolver(set())
    ) as f:
        with pytest.raises(RemoteError) as info:
            await f.fetch("https://shop.example/")
    assert (type(info.value), info.value.code) == (raised, code)


def test_no_route_is_found_however_deep_the_wrapping() -> None:
    inner = OSError(errno.ENETUNREACH, "Network is unreachable")
    middle = RuntimeError("httpcore")
    middle.__cause__ = inner
    outer = ValueError("httpx")
    outer.__context__ = middle
    assert no_route(outer) is inner
    assert no_route(ValueError("plain")) is None


# -- what the CLI says --------------------------------------------------------------------------------


def _config(tmp_path: Path, probe: str, extra: str = "") -> str:
    path = tmp_path / "hutong.toml"
    path.write_text(f'[network]\nprobe_host = "{probe}"\n{extra}', encoding="utf-8")
    return str(path)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens there any more


@pytest.mark.parametrize(
    ("probe", "links", "extra", "code", "note"),
    [
        ("probe.invalid", ["https://nowhere.invalid/x"], "", "remote.network_down", "unreachable from this machine"),
        ("localhost", ["https://nowhere.invalid/x"], "", "remote.no_such_name", None),
        (
            "localhost",
            ["https://a.example/", "https://b.example/"],
            'connect_to = ["a.example:443:127.0.0.1:{p}", "b.example:443:127.0.0.1:{p}"]\n'
            'allow_networks = ["127.0.0.1/32"]\n',
            "remote.network",
            "none of the 2 links that needed the network could be reached",
        ),
        (
            "localhost",
            ["https://a.example/"],
            'connect_to = ["a.example:443:127.0.0.1:{p}"]\nallow_networks = ["127.0.0.1/32"]\n',
            "remote.network",
            None,  # one refusing site is that site's problem
        ),
    ],
    ids=["machine-offline", "no-such-name", "every-connection-refused", "one-connection-refused"],
)
def test_check_says_whether_the_network_or_the_link_failed(
    tmp_path: Path, probe: str, links: list[str], extra: str, code: str, note: str | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = _config(tmp_path, probe, extra.replace("{p}", str(_closed_port())))
    assert main(["check", "--preview", "--json", "--config", cfg, " ".join(links)]) == 0
    captured = capsys.readouterr()
    cards = [link["card"] for link in json.loads(captured.out)["links"]]
    assert [c["error"]["code"] for c in cards] == [code] * len(links)
    if note is None:
        assert "note:" not in captured.err
    else:
        assert note in captured.err
