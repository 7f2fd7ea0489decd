"""``hutong serve`` refuses an unsafe start before binding anything."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hutong.cli import main
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--host", "0.0.0.0"], "without API keys"),
        (["serve", "--host", "192.0.2.10", "--port", "9"], "without API keys"),
        (["serve", "--port", "0"], "not a TCP port"),
        (["serve", "--port", "70000"], "not a TCP port"),
        (["serve", "--workers", "0"], "--workers"),
    ],
    ids=["any address", "public address", "port zero", "port too big", "no workers"],
)
def test_unsafe_or_bad_start_exits_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.parametrize("workers", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_serve_runs_and_stops(workers: int, tmp_path: Path) -> None:
    """The real command: serves the API on defaults, with metrics summed over workers, and stops on SIGINT."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HUTONG_DATA_DIR": str(tmp_path)}
    code = "import sys; from hutong.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", code, "serve", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        for _ in range(4):
            r = httpx.post(base + "/v1/check", json={"text": "https://unknown-site.example/"}, timeout=10)
            assert r.status_code == 200 and r.json()["links"][0]["go"].startswith(base + "/go/")
        metrics = httpx.get(base + "/metrics", timeout=10).text
        expected = 'hutong_decisions_total{action="confirm",rule="policy.unknown.confirm",stage="check"} 4.0'
        assert expected in metrics
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "development mode" in out
    assert (tmp_path / "signing-keys.json").exists()


# --- test overrides never go public -----------------------------------------------------

OVERRIDES = {
    "connect_to": 'connect_to = ["m.tb.cn:443:127.0.0.1:8443"]\n',
    "connect_to+allow_networks": 'connect_to = ["m.tb.cn:443:127.0.0.1:8443"]\nallow_networks = ["127.0.0.1/32"]\n',
    "connect_to+ca_bundle": 'connect_to = ["m.tb.cn:443:127.0.0.1:8443"]\nca_bundle = "/tmp/ca.pem"\n',
}


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
@pytest.mark.parametrize("network", OVERRIDES.values(), ids=OVERRIDES.keys())
def test_public_bind_with_test_overrides_is_refused(
    host: str, network: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "hutong.toml"
    config.write_text(f"[data]\ndir = {json.dumps(str(tmp_path))}\n[network]\n{network}", encoding="utf-8")
    assert main(["keys", "--config", str(config), "create", "ops"]) == 0  # keys exist: only the overrides refuse
    capsys.readouterr()
    assert main(["serve", "--host", host, "--port", "9", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"refusing to serve on {host} with the test override" in err
    for name in ("connect_to", "allow_networks", "ca_bundle"):
        assert (f"network.{name}" in err) is (name in network), err


@pytest.mark.parametrize(
    ("network", "setting"),
    [('allow_networks = ["127.0.0.1/32"]\n', "allow_networks"), ('ca_bundle = "/tmp/ca.pem"\n', "ca_bundle")],
)
def test_scoped_override_without_connect_to_is_a_config_error(
    network: str, setting: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "hutong.toml"
    config.write_text(f"[network]\n{network}", encoding="utf-8")
    assert main(["serve", "--config", str(config)]) == 2
    assert f"network.{setting} applies only to connections that network.connect_to redirects" in capsys.readouterr().err


@pytest.mark.parametrize("setting", ["header_timeout = 0", "body_timeout = -1"])
def test_read_deadlines_must_be_positive(setting: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "hutong.toml"
    config.write_text(f"[server]\n{setting}\n", encoding="utf-8")
    assert main(["serve", "--config", str(config)]) == 2
    assert f"server.{setting.split()[0]} must be positive" in capsys.readouterr().err


# --- slow clients are cut off: a real `hutong serve` -------------------------------------

HEADER_TIMEOUT = 1.5
BODY_TIMEOUT = 2.5
SLOW_EACH = 20  # connections of each kind


@pytest.fixture
def bounded_server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """`hutong serve` with short read deadlines, as a subprocess; yields its base URL and port."""
    port = _free_port()
    config = tmp_path / "hutong.toml"
    config.write_text(
        f"[server]\nheader_timeout = {HEADER_TIMEOUT}\nbody_timeout = {BODY_TIMEOUT}\n", encoding="utf-8"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HUTONG_DATA_DIR": str(tmp_path)}
    code = "import sys; from hutong.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", code, "serve", "--port", str(port), "--config", str(config)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield base, port
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)


HEAD = b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
BODY = b"POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
# kind: (a complete request sent first, or b""; what starts the slow request; what is dripped
# every 0.5 s; which deadline must close the connection)
SLOW_KINDS = {
    "silent": (b"", b"", b"", HEADER_TIMEOUT),
    "head-drip": (b"", HEAD, b"X-Pad: a\r\n", HEADER_TIMEOUT),
    "keep-alive-head-drip": (HEAD + b"\r\n", HEAD, b"X-Pad: a\r\n", HEADER_TIMEOUT),
    "body-drip": (b"", BODY, b" ", BODY_TIMEOUT),
}


async def _slow_client(port: int, first: bytes, start: bytes, drip: bytes) -> tuple[float | None, bytes | None]:
    """Seconds the slow request lasted until the server closed the connection (None: still open
    after 15 s), and what the server sent for it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if first:  # a complete request first: read its answer, then start the slow one on the same connection
        writer.write(first)
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 "), head
        await reader.readexactly(_content_length(head))
    started = time.monotonic()
    writer.write(start)

    async def dripping() -> None:
        while drip:
            await asyncio.sleep(0.5)
            writer.write(drip)
            await writer.drain()

    task = asyncio.create_task(dripping())
    try:
        received = await asyncio.wait_for(reader.read(), 15)
        return time.monotonic() - started, received
    except ConnectionResetError:
        # closed while our drip was still arriving: the kernel answers unread input with a reset, which
        # can overtake the 408 (seen under load); the server did close it, at this moment
        return time.monotonic() - started, None
    except (TimeoutError, ConnectionError):
        return None, b""
    finally:
        task.cancel()
        writer.close()


def _content_length(head: bytes) -> int:
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return int(value)
    return 0


async def _attack(base: str, port: int) -> tuple[dict[str, list[tuple[float | None, bytes | None]]], int]:
    jobs = {
        kind: [asyncio.create_task(_slow_client(port, *SLOW_KINDS[kind][:3])) for _ in range(SLOW_EACH)]
        for kind in SLOW_KINDS
    }
    await asyncio.sleep(0.5)
    async with httpx.AsyncClient() as client:  # a normal request while the slow ones hang on
        normal = await client.post(base + "/v1/check", json={"text": "https://example.com/"}, timeout=10)
    return {kind: list(await asyncio.gather(*tasks)) for kind, tasks in jobs.items()}, normal.status_code


def test_slow_clients_are_closed_within_the_deadlines(bounded_server: tuple[str, int]) -> None:
    base, port = bounded_server
    results, normal_status = asyncio.run(_attack(base, port))
    assert normal_status == 200
    for kind, outcomes in results.items():
        bound = SLOW_KINDS[kind][3]
        closed = [t for t, _ in outcomes if t is not None]
        assert len(closed) == SLOW_EACH, f"{kind}: {SLOW_EACH - len(closed)} connections still open after 15 s"
        # closed by the deadline: not before it, and not long after (generous for a loaded machine)
        assert all(bound * 0.9 <= t <= bound + 5.0 for t in closed), (kind, sorted(closed))
        answered = [data for _, data in outcomes if data is not None]  # None: reset before the 408 was read
        assert len(answered) >= SLOW_EACH // 2, kind
        assert all(data.endswith(b"connection: close\r\n\r\n") and b" 408 " in data for data in answered), kind


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        ([], [200, 200, 429, 429]),  # nobody trusted: rotating X-Forwarded-For buys nothing
        (["127.0.0.1"], [200, 200, 200, 200]),  # a trusted local proxy: each forwarded client counts alone
    ],
    ids=["header ignored", "trusted proxy"],
)
def test_served_limits_believe_forwarded_for_only_from_trusted_proxies(
    tmp_path: Path, trusted: list[str], expected: list[int]
) -> None:
    """The real command under uvicorn, whose own default would believe X-Forwarded-For from 127.0.0.1."""
    port = _free_port()
    config = tmp_path / "hutong.toml"
    listed = ", ".join(f'"{t}"' for t in trusted)
    config.write_text(f"[server]\nclient_rate_per_minute = 2\ntrusted_proxies = [{listed}]\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HUTONG_DATA_DIR": str(tmp_path)}
    env.pop("FORWARDED_ALLOW_IPS", None)
    code = "import sys; from hutong.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", code, "serve", "--port", str(port), "--config", str(config)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        got = [
            httpx.get(base + "/", headers={"x-forwarded-for": f"198.51.100.{i}"}, timeout=10).status_code
            for i in range(4)
        ]
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert got == expected, out
