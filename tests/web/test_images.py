"""``/img/{token}``: card images via the preview proxy from a real local server; bad tokens never fetch."""

from __future__ import annotations

import dataclasses
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from hutong.config import NetworkSection
from hutong.web.app import create_app

from .conftest import connect, make_config


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 600), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


class _Origin(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared by the test and the server thread on purpose

    def do_GET(self) -> None:
        self.hits.append(self.path)
        is_png = self.path.endswith(".png")
        body, ctype = (_png(), "image/png") if is_png else (b"<html>hi</html>", "text/html")
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


def app_for(tmp_path: Path, engine: Any, origin: str) -> Any:
    port = int(origin.rsplit(":", 1)[1])
    cfg = make_config(tmp_path)
    # allow_networks applies only to hosts a connect_to rule names: name the origin itself
    network = NetworkSection(
        allowed_ports=(80, 443, port),
        connect_to=(f"127.0.0.1:{port}:127.0.0.1:{port}",),
        allow_networks=("127.0.0.0/8",),
    )
    return create_app(dataclasses.replace(cfg, network=network), engine=engine)


@pytest.mark.parametrize(
    ("name", "path", "status", "media"),
    [
        ("raster image is re-encoded and shrunk", "/pic.png", 200, "image/jpeg"),
        ("html is refused", "/page.html", 502, "text/plain"),
    ],
)
async def test_proxy(
    tmp_path: Path, engine: Any, origin: str, name: str, path: str, status: int, media: str
) -> None:
    app = app_for(tmp_path, engine, origin)
    images = app.state.gateway.images
    async with connect(app) as c:
        r = await c.get(images.url_for(origin + path))
    assert r.status_code == status, (name, r.text[:200])
    assert r.headers["content-type"].startswith(media)
    if status == 200:
        assert max(Image.open(io.BytesIO(r.content)).size) == 640


async def test_bad_tokens_never_reach_the_origin(tmp_path: Path, engine: Any, origin: str) -> None:
    app = app_for(tmp_path, engine, origin)
    good = app.state.gateway.images.url_for(origin + "/pic.png")
    _Origin.hits.clear()
    async with connect(app) as c:
        for bad in (good[:-2] + "AA", good + "x", "/img/a.b.c", "/img/" + "z" * 50):
            r = await c.get(bad)
            assert r.status_code == 400, bad
    assert _Origin.hits == []


def test_pages_only_show_proxied_images(tmp_path: Path, engine: Any, origin: str) -> None:
    images = app_for(tmp_path, engine, origin).state.gateway.images
    assert images.url_for("https://cdn.example/a.jpg").startswith("/img/")
    assert images.url_for("/img/already") == "/img/already"
    assert images.url_for("javascript:alert(1)") is None
