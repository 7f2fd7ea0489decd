"""The picture of an ``m.image``: read from the event, fetched only from the homeserver, bounded, redirects refused."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiohttp import ClientSession

from hutong.errors import PictureError, RemoteError
from hutong.matrix.media import MediaRef, download, image_of

PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
TOKEN = "as-token-of-the-bot"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"msgtype": "m.image", "url": "mxc://hutong.test/AbC123", "body": "qr.png"},
         MediaRef("hutong.test", "AbC123")),
        ({"msgtype": "m.image", "url": "mxc://hutong.test:8448/x_y-z", "info": {"size": 1234}},
         MediaRef("hutong.test:8448", "x_y-z", 1234)),
        ({"msgtype": "m.image", "url": "mxc://[::1]/abc", "info": {"size": "big"}}, MediaRef("[::1]", "abc")),
        ({"msgtype": "m.image", "url": "mxc://hutong.test/a/../../admin"}, None),  # not a media id
        ({"msgtype": "m.image", "url": "mxc://hutong.test/abc?x=1"}, None),
        ({"msgtype": "m.image", "url": "https://elsewhere.example/qr.png"}, None),  # never fetched from the internet
        ({"msgtype": "m.image", "file": {"url": "mxc://hutong.test/enc"}}, None),  # encrypted: not readable
        ({"msgtype": "m.text", "url": "mxc://hutong.test/AbC123"}, None),
        ({"msgtype": "m.image", "url": 7}, None),
    ],
    ids=["plain", "port and declared size", "ipv6 host, bad size", "path tricks", "query", "https", "encrypted",
         "not an image", "not a string"],
)
def test_image_of(content: dict[str, Any], expected: MediaRef | None) -> None:
    assert image_of(content) == expected


class _Homeserver(BaseHTTPRequestHandler):
    legacy_only = False
    requests: list[tuple[str, str | None]] = []  # noqa: RUF012 - one server per test, reset by the fixture

    def do_GET(self) -> None:
        type(self).requests.append((self.path, self.headers.get("authorization")))
        if self.path.startswith("/_matrix/client/v1/media/download/"):
            if self.legacy_only:
                self._send(404, b'{"errcode": "M_UNRECOGNIZED"}')
                return
            if self.path.endswith("/moved"):
                self.send_response(307)
                self.send_header("location", "http://elsewhere.example/qr.png")
                self.send_header("content-length", "0")
                self.end_headers()
                return
            if self.path.endswith("/missing"):
                self._send(404, b'{"errcode": "M_NOT_FOUND"}')
                return
        if self.path.endswith("/huge"):
            self.send_response(200)
            self.send_header("content-type", "image/png")
            self.end_headers()  # no length: the body runs on until the reader stops
            try:
                for _ in range(64):
                    self.wfile.write(bytes(64 * 1024))
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        self._send(200, PICTURE)

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def homeserver() -> Iterator[tuple[str, type[_Homeserver]]]:
    handler = type("Handler", (_Homeserver,), {"requests": [], "legacy_only": False})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


async def test_fetched_through_the_authenticated_media_api(homeserver: tuple[str, type[_Homeserver]]) -> None:
    base, handler = homeserver
    async with ClientSession() as session:
        data = await download(session, base, TOKEN, MediaRef("hutong.test", "AbC123"), limit=10_000)
    assert data == PICTURE
    assert handler.requests == [("/_matrix/client/v1/media/download/hutong.test/AbC123", f"Bearer {TOKEN}")]


async def test_a_homeserver_without_it_is_asked_the_legacy_way(homeserver: tuple[str, type[_Homeserver]]) -> None:
    base, handler = homeserver
    handler.legacy_only = True
    async with ClientSession() as session:
        data = await download(session, base, TOKEN, MediaRef("hutong.test", "AbC123"), limit=10_000)
    assert data == PICTURE
    assert [p for p, _ in handler.requests] == [
        "/_matrix/client/v1/media/download/hutong.test/AbC123",
        "/_matrix/media/v3/download/hutong.test/AbC123",
    ]


@pytest.mark.parametrize(
    ("ref", "limit", "error", "requests"),
    [
        (MediaRef("hutong.test", "big", size=50_000), 10_000, "image.too_large", 0),  # declared: not fetched
        (MediaRef("hutong.test", "AbC123"), 1_000, "image.too_large", 1),  # its content-length is over
        (MediaRef("hutong.test", "huge"), 100_000, "image.too_large", 1),  # read no further than the cap
        (MediaRef("hutong.test", "moved"), 10_000, "remote.matrix_media", 1),  # a redirect is not followed
        (MediaRef("hutong.test", "missing"), 10_000, "remote.matrix_media", 1),
    ],
    ids=["declared too large", "served too large", "endless body", "redirect", "missing"],
)
async def test_refused(
    homeserver: tuple[str, type[_Homeserver]], ref: MediaRef, limit: int, error: str, requests: int
) -> None:
    base, handler = homeserver
    async with ClientSession() as session:
        with pytest.raises((PictureError, RemoteError)) as refused:
            await download(session, base, TOKEN, ref, limit=limit)
    assert refused.value.code == error
    assert len(handler.requests) == requests
