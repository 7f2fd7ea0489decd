"""A hostile page behind a short link does not stall the server: ``/healthz`` stays fast during its scan.

The outside review's finding, replayed against the real ``hutong serve`` in a subprocess: a short
link on a local HTTPS server answers with a page built to make the body-redirect and card scans
backtrack (``"<meta " * 21845``, about 400 bytes gzipped; a page of open ``<meta http-equiv=refresh``
tags). While ``/v1/check`` with ``preview`` resolves and previews it, ``/healthz`` on the same
worker is polled. Before the fix the first page held the event loop for 9-19 s (``/healthz``
waited 18.6 s) and the second for minutes; the scans are now linear and run in worker processes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT
from tests.support.localnet import LocalNet, gzipped, html

SHORT = "m.tb.cn"
MAX_HEALTHZ = 1.0  # seconds; before the fix: 18.6 s
PAGES = {
    "meta open tags": "<meta " * 21845,
    "open refresh tags": '<meta http-equiv="refresh" content="0;url=' * 3000,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(net: LocalNet, tmp_path: Path, extra: str = "") -> Iterator[str]:
    """``hutong serve`` in a subprocess, reaching the local internet for the routed hosts."""
    port = _free_port()
    settings = net.settings()
    quoted = ", ".join(f'"{c}"' for c in settings.connect_to)
    config = tmp_path / "hutong.toml"
    config.write_text(
        f"""
[network]
connect_to = [{quoted}]
allow_networks = ["127.0.0.1/32"]
ca_bundle = "{settings.ca_bundle}"
{extra}
""",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HUTONG_DATA_DIR": str(tmp_path / "data")}
    code = "import sys; from hutong.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", code, "serve", "--config", str(config), "--port", str(port)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def check(base: str, url: str) -> dict[str, Any]:
    r = httpx.post(base + "/v1/check", json={"text": url, "preview": True}, timeout=300)
    assert r.status_code == 200, r.text
    link: dict[str, Any] = r.json()["links"][0]
    return link


def healthz_during(base: str, url: str) -> tuple[list[float], float, dict[str, Any]]:
    """Latencies of ``/healthz`` polled while ``url`` is checked, the check's own time, and its result."""
    done = threading.Event()
    result: dict[str, Any] = {}

    def hostile() -> None:
        start = time.monotonic()
        try:
            result.update(check(base, url))
        finally:
            result["_seconds"] = time.monotonic() - start
            done.set()

    thread = threading.Thread(target=hostile)
    thread.start()
    latencies: list[float] = []
    with httpx.Client(timeout=300) as client:
        while not done.is_set() or len(latencies) < 5:
            start = time.monotonic()
            assert client.get(base + "/healthz").status_code == 200
            latencies.append(time.monotonic() - start)
            time.sleep(0.05)
    thread.join()
    seconds = result.pop("_seconds")
    return latencies, seconds, result


def reason_codes(link: dict[str, Any]) -> set[str]:
    return {r["code"] for r in link.get("verdict", {}).get("reasons", [])}


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_healthz_stays_fast_during_a_hostile_scan(page: str, localnet: LocalNet, tmp_path: Path) -> None:
    localnet.route(SHORT, html("<title>ok</title>"), path="/warm")
    localnet.route(SHORT, gzipped(html(page)), path="/h.bomb")
    with serve(localnet, tmp_path) as base:
        check(base, f"https://{SHORT}/warm")  # start the workers before measuring
        latencies, seconds, link = healthz_during(base, f"https://{SHORT}/h.bomb")
    print(f"check took {seconds:.2f} s; /healthz max {max(latencies):.3f} s over {len(latencies)} polls")
    assert max(latencies) < MAX_HEALTHZ, f"/healthz waited {max(latencies):.1f} s during the scan"
    assert link["original"] == f"https://{SHORT}/h.bomb"


@pytest.mark.slow
def test_scan_over_budget_is_abandoned_and_explained(localnet: LocalNet, tmp_path: Path) -> None:
    """A page whose (linear) scan still costs more than the CPU budget: abandoned, with a reason."""
    localnet.route(SHORT, html("<title>ok</title>"), path="/warm")
    localnet.route(SHORT, html("<b class=url>" * 2400), path="/h.big")  # interstitial parse: ~20 ms
    with serve(localnet, tmp_path, "[scan]\ncpu_budget = 0.001\n") as base:
        check(base, f"https://{SHORT}/warm")
        latencies, _seconds, link = healthz_during(base, f"https://{SHORT}/h.big")
    assert max(latencies) < MAX_HEALTHZ
    assert "resolve.too_slow" in reason_codes(link), link
    assert "took too long to read" in link["error"], link
