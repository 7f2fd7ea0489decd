"""``hutong serve`` refuses an unsafe start before binding anything."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
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
