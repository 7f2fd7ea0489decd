"""``/img/{token}``: card images via the preview proxy from a real local server; bad tokens never fetch."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import http.server
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from hutong.config import NetworkSection, PreviewSection, ScanSection
from hutong.preview.images import ImageSigner
from hutong.web.app import create_app
from tests.conftest import ROOT
from tests.preview import image_bombs as bombs

from .conftest import connect, make_config


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 600), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


# served by path (the query is ignored, so distinct URLs can share a body)
IMAGES: dict[str, Callable[[], bytes]] = {
    "pic.png": _png,
    "slow.png": _png,
    "largest.png": lambda: bombs.png(3300, 3300),
    "bomb.png": lambda: bombs.png(5600, 5600),
    "bomb.gif": lambda: bombs.gif(5600, 5600, 3),
    "bomb.jpg": lambda: bombs.jpeg(5600, 5600, progressive=True),
    "bomb.webp": lambda: bombs.webp(2500, 2500),
    "bomb.ico": lambda: bombs.ico([bombs.png(4000, 4000, "RGBA")]),
    "bomb.bmp": lambda: bombs.bmp_rle8(5600, 5600),
}
BOMBS = [name for name in IMAGES if name.startswith("bomb.")]


class _Origin(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared by the test and the server thread on purpose

    def do_GET(self) -> None:
        self.hits.append(self.path)
        name = self.path.split("?", 1)[0].lstrip("/")
        if name == "slow.png":
            time.sleep(0.3)
        make = IMAGES.get(name)
        body, ctype = (make(), "image/" + name.rsplit(".", 1)[1]) if make else (b"<html>hi</html>", "text/html")
        self.send_response(200)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def origin() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Origin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def app_for(tmp_path: Path, origin: str, *, scan: ScanSection | None = None, **preview: Any) -> Any:
    """The app with its own engine: the engine and the image proxy share one edge, configured to reach ``origin``."""
    port = int(origin.rsplit(":", 1)[1])
    cfg = make_config(tmp_path)
    # allow_networks applies only to hosts a connect_to rule names: name the origin itself
    network = NetworkSection(
        allowed_ports=(80, 443, port),
        connect_to=(f"127.0.0.1:{port}:127.0.0.1:{port}",),
        allow_networks=("127.0.0.0/8",),
    )
    preview_section = dataclasses.replace(cfg.preview, **preview)
    return create_app(dataclasses.replace(cfg, network=network, preview=preview_section, scan=scan or cfg.scan))


async def test_a_decode_over_its_cpu_budget_is_abandoned_with_a_reason(tmp_path: Path, origin: str) -> None:
    """Decodes run in CPU-budgeted worker processes: one past its budget is cut off, the proxy answers why."""
    # a 3300x3300 PNG takes ~150 ms of CPU to decode, a small one a few ms (Pillow is preloaded)
    app = app_for(tmp_path, origin, scan=ScanSection(cpu_budget=0.06))
    images = app.state.gateway.images
    async with connect(app) as c:
        r = await c.get(images.url_for(origin + "/largest.png?budget"))
        small = await c.get(images.url_for(origin + "/pic.png?budget"))
    assert r.status_code == 502 and "took too long" in r.text
    assert small.status_code == 200  # a small image fits the same budget


@pytest.mark.parametrize(
    ("name", "path", "status", "media", "reason"),
    [
        ("raster image is re-encoded and shrunk", "/pic.png", 200, "image/jpeg", ""),
        ("html is refused", "/page.html", 502, "text/plain", "is text/html"),
        ("a 91 kB PNG of 5600x5600 is refused before decoding", "/bomb.png", 502, "text/plain",
         "over preview.image_max_decode_bytes"),
        ("an icon hiding a 4000x4000 PNG is refused", "/bomb.ico", 502, "text/plain", "would take"),
    ],
)  # fmt: skip
async def test_proxy(
    tmp_path: Path, origin: str, name: str, path: str, status: int, media: str, reason: str
) -> None:
    app = app_for(tmp_path, origin)
    images = app.state.gateway.images
    async with connect(app) as c:
        r = await c.get(images.url_for(origin + path))
    assert r.status_code == status, (name, r.text[:200])
    assert r.headers["content-type"].startswith(media)
    assert reason in r.text
    if status == 200:
        assert max(Image.open(io.BytesIO(r.content)).size) == 640


async def test_a_busy_proxy_answers_503(tmp_path: Path, origin: str) -> None:
    app = app_for(tmp_path, origin, image_decode_concurrency=1, image_decode_queue=0)
    images = app.state.gateway.images
    async with connect(app) as c:
        answers = await asyncio.gather(*(c.get(images.url_for(f"{origin}/slow.png?{i}")) for i in range(2)))
    assert sorted(r.status_code for r in answers) == [200, 503]
    busy = next(r for r in answers if r.status_code == 503)
    assert busy.headers["retry-after"] == "1" and "busy" in busy.text


async def test_bad_tokens_never_reach_the_origin(tmp_path: Path, origin: str) -> None:
    app = app_for(tmp_path, origin)
    good = app.state.gateway.images.url_for(origin + "/pic.png")
    _Origin.hits.clear()
    async with connect(app) as c:
        for bad in (good[:-2] + "AA", good + "x", "/img/a.b.c", "/img/" + "z" * 50):
            r = await c.get(bad)
            assert r.status_code == 400, bad
    assert _Origin.hits == []


def test_pages_only_show_proxied_images(tmp_path: Path, origin: str) -> None:
    images = app_for(tmp_path, origin).state.gateway.images
    assert images.url_for("https://cdn.example/a.jpg").startswith("/img/")
    assert images.url_for("/img/already") == "/img/already"
    assert images.url_for("javascript:alert(1)") is None


MIB = 1024 * 1024
# docs/previews.md, "Memory": at most image_decode_concurrency decodes of image_max_decode_bytes each,
# and (concurrency + queue) fetched bodies of up to network.max_image_bytes, each briefly twice
_P, _N = PreviewSection(), NetworkSection()
DOCUMENTED_BOUND = (
    _P.image_decode_concurrency * _P.image_max_decode_bytes
    + 2 * (_P.image_decode_concurrency + _P.image_decode_queue) * _N.max_image_bytes
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid``, in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


@pytest.mark.slow
def test_concurrent_bombs_stay_within_the_documented_memory_bound(tmp_path: Path, origin: str) -> None:
    """The real server (one worker, default image settings) under 32 concurrent /img/ requests:
    8 of the largest image the budget accepts and 24 bombs of every kind. Its peak RSS growth
    (VmHWM after the burst, reset before it, minus VmRSS before) stays under the documented bound."""
    port = _free_port()
    config = tmp_path / "hutong.toml"
    config.write_text(
        "[network]\n"
        f"allowed_ports = [80, 443, {origin.rsplit(':', 1)[1]}]\n"
        # allow_networks applies only to hosts a connect_to rule names: name the origin itself
        f'connect_to = ["127.0.0.1:{origin.rsplit(":", 1)[1]}:127.0.0.1:{origin.rsplit(":", 1)[1]}"]\n'
        'allow_networks = ["127.0.0.0/8"]\n'
        "rate_limit_per_minute = 10000\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HUTONG_DATA_DIR": str(tmp_path)}
    env["HUTONG_CONFIG"] = str(config)
    code = "import sys; from hutong.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", code, "serve", "--port", str(port), "--workers", "1"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
        key = bytes.fromhex(json.loads((tmp_path / "image-signing.key").read_text())["secret"])
        signer = ImageSigner(key)
        assert httpx.get(base + signer.path(origin + "/pic.png?warm"), timeout=30).status_code == 200
        urls = [f"{origin}/largest.png?{i}" for i in range(8)]
        urls += [f"{origin}/{BOMBS[i % len(BOMBS)]}?{i}" for i in range(24)]
        for name in IMAGES:  # built before the burst, so the origin answers at once
            IMAGES[name]()
        # decodes run in worker processes: the server and every process under it count
        for pid in _tree(proc.pid):
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        before = {pid: _memory(pid) for pid in _tree(proc.pid)}
        answers = asyncio.run(_burst(base, [signer.path(u) for u in urls]))
        after = {pid: _memory(pid) for pid in _tree(proc.pid)}
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    # a process started during the burst grew from nothing
    growth = sum(m["VmHWM"] - before.get(pid, {"VmRSS": 0})["VmRSS"] for pid, m in after.items())
    assert [status for status, _ in answers] == [200] * 8 + [502] * 24
    assert all("would take" in text or "image_max_pixels" in text for _, text in answers[8:])
    assert growth < DOCUMENTED_BOUND, f"peak grew {growth / MIB:.0f} MiB, bound {DOCUMENTED_BOUND / MIB:.0f} MiB"


def _tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").iterdir():
            with contextlib.suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return found


async def _burst(base: str, paths: list[str]) -> list[tuple[int, str]]:
    limits = httpx.Limits(max_connections=len(paths))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        answers = await asyncio.gather(*(client.get(p) for p in paths))
    return [(r.status_code, r.text if r.status_code != 200 else "") for r in answers]
