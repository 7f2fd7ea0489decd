"""A local "internet" for tests: real HTTPS and HTTP servers on 127.0.0.1, routed by Host.

One server pair runs in a background thread (so sync tests, async tests and subprocesses
can all use it). A test CA from ``trustme`` signs a certificate for whatever name the client
asks for in TLS SNI, so ``https://m.tb.cn/...`` works once the fetcher is pointed here with
``network.connect_to``. Handlers are declarative ``Reply`` values (status, headers, body,
delays, drips, endless bodies, raw bytes) or functions of the ``Request``.

Use from a test module::

    from tests.support.localnet import LocalNet, html, localnet, localnet_server  # noqa: F401

    async def test_x(localnet: LocalNet) -> None:
        localnet.route("m.tb.cn", html("<title>hi</title>"), path="/abc")
        async with GuardedFetcher(localnet.settings()) as f:
            result = await f.fetch("https://m.tb.cn/abc")

Outside pytest (benchmarks): ``with LocalNet.running(tmp_dir) as net: ...``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gzip
import ssl
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brotli
import pytest
import trustme

from hutong.config import NetworkSection

MAX_REQUEST_HEAD = 64 * 1024
ALIAS = "127.0.0.2"  # the servers answer here too, at the same ports


@dataclass(frozen=True)
class Request:
    """What the client sent (the head only)."""

    method: str
    path: str
    host: str
    headers: tuple[tuple[str, str], ...]
    tls: bool
    connection: int = 0  # which connection it came on (``LocalNet.connections``), numbered from 1

    def header(self, name: str) -> str | None:
        """A request header by case-insensitive name."""
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


@dataclass(frozen=True)
class Reply:
    """One canned answer; every field is a knob an abuse case can turn."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),)
    delay: float = 0.0  # seconds before anything is sent
    header_drip: float = 0.0  # seconds between header bytes (slowloris on the head)
    body_drip: float = 0.0  # seconds between body chunks (slow body)
    chunk_size: int = 65536
    endless: bytes | None = None  # after ``body``, repeat this chunk forever (chunked encoding)
    raw: bytes | None = None  # send exactly these bytes, then close


Handler = Reply | Callable[[Request], Reply]


@dataclass(frozen=True)
class Connection:
    """One connection the servers accepted: its number, whether it is TLS, and the name asked for in SNI."""

    number: int
    tls: bool
    sni: str | None
    address: str  # the server address it was accepted on: 127.0.0.1 or ``ALIAS``


def html(
    text: str,
    *,
    charset: str = "utf-8",
    status: int = 200,
    headers: tuple[tuple[str, str], ...] = (),
    content_type: str | None = None,
) -> Reply:
    """An HTML page encoded in ``charset`` and labelled so (unless ``content_type`` says otherwise)."""
    ctype = content_type if content_type is not None else f"text/html; charset={charset}"
    return Reply(status=status, body=text.encode(charset), headers=(("Content-Type", ctype), *headers))


def redirect(location: str, status: int = 302) -> Reply:
    """A redirect to ``location``."""
    return Reply(status=status, headers=(("Location", location), ("Content-Type", "text/html")))


def gzip_bomb(size: int, *, content_type: str = "text/html") -> Reply:
    """``size`` zero bytes, gzipped (about 1000:1)."""
    headers = (("Content-Type", content_type), ("Content-Encoding", "gzip"))
    return Reply(body=_gzip_zeros(size), headers=headers)


def brotli_bomb(size: int, *, content_type: str = "text/html") -> Reply:
    """``size`` zero bytes, brotli-compressed (far more than 1000:1)."""
    body = brotli.compress(b"\0" * size, quality=5)
    return Reply(body=body, headers=(("Content-Type", content_type), ("Content-Encoding", "br")))


def deflate_bomb(size: int, *, content_type: str = "text/html") -> Reply:
    """``size`` zero bytes, zlib-deflated."""
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(b"\0" * 1_048_576) for _ in range(size // 1_048_576)) + comp.flush()
    return Reply(body=body, headers=(("Content-Type", content_type), ("Content-Encoding", "deflate")))


def _gzip_zeros(size: int) -> bytes:
    out = bytearray()
    comp = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b"\0" * 1_048_576
    left = size
    while left > 0:
        out += comp.compress(block[: min(left, len(block))])
        left -= len(block)
    out += comp.flush()
    return bytes(out)


def gzipped(reply: Reply) -> Reply:
    """``reply`` with its body gzip-encoded."""
    return dataclasses.replace(
        reply, body=gzip.compress(reply.body), headers=(*reply.headers, ("Content-Encoding", "gzip"))
    )


NOT_FOUND = Reply(status=404, body=b"no route", headers=(("Content-Type", "text/plain"),))


@dataclass
class LocalNet:
    """The running servers and their routing table."""

    ca: trustme.CA
    ca_path: Path
    https_port: int = 0
    http_port: int = 0
    requests: list[Request] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    keep_alive: bool = False  # answer HTTP/1.1 keep-alive (else every reply closes its connection)
    _routes: dict[tuple[str, str | None], Handler] = field(default_factory=dict)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _servers: list[asyncio.base_events.Server] = field(default_factory=list)
    _contexts: dict[str, ssl.SSLContext] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- routing -------------------------------------------------------------------------

    def route(self, host: str, handler: Handler, *, path: str | None = None) -> None:
        """Answer requests for ``host`` (and ``path``, if given: exact path incl. query) with ``handler``."""
        with self._lock:
            self._routes[(host.lower(), path)] = handler

    def reset(self) -> None:
        """Forget every route, logged request and connection; close connections after each reply again."""
        with self._lock:
            self._routes.clear()
            self.requests.clear()
            self.connections.clear()
            self.keep_alive = False

    def hosts(self) -> list[str]:
        """Every host with a route."""
        with self._lock:
            return sorted({h for h, _ in self._routes})

    def url(self, host: str, path: str = "/", *, scheme: str = "https") -> str:
        """The URL a test fetches (ports are the real ones: 443/80, mapped by ``settings``)."""
        return f"{scheme}://{host}{path}"

    def settings(self, *hosts: str, **overrides: Any) -> NetworkSection:
        """A NetworkSection that reaches this server for ``hosts`` (default: every routed host)."""
        names = hosts or tuple(self.hosts())
        connect_to: list[str] = []
        for name in names:
            connect_to += [f"{name}:443:127.0.0.1:{self.https_port}", f"{name}:80:127.0.0.1:{self.http_port}"]
        base = NetworkSection(
            connect_to=tuple(connect_to), allow_networks=("127.0.0.1/32",), ca_bundle=str(self.ca_path)
        )
        return dataclasses.replace(base, **overrides)

    def _handler(self, req: Request) -> Reply:
        with self._lock:
            self.requests.append(req)
            handler = self._routes.get((req.host, req.path)) or self._routes.get((req.host, None))
        if handler is None:
            return NOT_FOUND
        return handler(req) if callable(handler) else handler

    # --- lifecycle -----------------------------------------------------------------------

    @classmethod
    @contextlib.contextmanager
    def running(cls, tmp_dir: Path) -> Iterator[LocalNet]:
        """Start the servers in a thread; stop them on exit."""
        ca = trustme.CA()
        ca_path = tmp_dir / "localnet-ca.pem"
        ca.cert_pem.write_to_path(str(ca_path))
        net = cls(ca=ca, ca_path=ca_path)
        net._start()
        try:
            yield net
        finally:
            net._stop()

    def _start(self) -> None:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def main() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._listen())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=main, name="localnet", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("localnet did not start")

    async def _listen(self) -> None:
        """Listen on 127.0.0.1 and, at the same ports, on ``ALIAS`` (so a test can change a name's DNS
        answer without changing its port); ports taken on the alias are given up and drawn again."""
        tls = self._server_context()
        for _ in range(20):
            https = await asyncio.start_server(
                lambda r, w: self._serve(r, w, tls=True), "127.0.0.1", 0, ssl=tls, ssl_handshake_timeout=5
            )
            plain = await asyncio.start_server(lambda r, w: self._serve(r, w, tls=False), "127.0.0.1", 0)
            ports = https.sockets[0].getsockname()[1], plain.sockets[0].getsockname()[1]
            try:
                alias_https = await asyncio.start_server(
                    lambda r, w: self._serve(r, w, tls=True), ALIAS, ports[0], ssl=tls, ssl_handshake_timeout=5
                )
                alias_plain = await asyncio.start_server(lambda r, w: self._serve(r, w, tls=False), ALIAS, ports[1])
            except OSError:
                https.close()
                plain.close()
                continue
            self._servers = [https, plain, alias_https, alias_plain]
            self.https_port, self.http_port = ports
            return
        raise RuntimeError(f"localnet found no ports free on both 127.0.0.1 and {ALIAS}")

    def _stop(self) -> None:
        loop = self._loop
        if loop is None:
            return

        async def close() -> None:
            for server in self._servers:
                server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        loop.close()

    def _server_context(self) -> ssl.SSLContext:
        ctx = self._context_for("localhost")

        def pick(sslobj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
            if name:
                sslobj.context = self._context_for(name)

        ctx.sni_callback = pick
        return ctx

    def _context_for(self, name: str) -> ssl.SSLContext:
        with self._lock:
            ctx = self._contexts.get(name)
            if ctx is None:
                ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                self.ca.issue_cert(name).configure_cert(ctx)
                self._contexts[name] = ctx
            return ctx

    # --- one connection ----------------------------------------------------------------

    def _accepted(self, writer: asyncio.StreamWriter, *, tls: bool) -> int:
        sni = None
        if tls:
            ssl_object = writer.get_extra_info("ssl_object")
            context = getattr(ssl_object, "context", None)
            with self._lock:
                sni = next((name for name, ctx in self._contexts.items() if ctx is context), None)
        address = str(writer.get_extra_info("sockname")[0])
        with self._lock:
            number = len(self.connections) + 1
            self.connections.append(Connection(number, tls, sni, address))
        return number

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, tls: bool) -> None:
        number = self._accepted(writer, tls=tls)
        try:
            while True:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
                if len(head) > MAX_REQUEST_HEAD:
                    return
                req = dataclasses.replace(_parse_request(head, tls=tls), connection=number)
                reply = self._handler(req)
                keep = self.keep_alive and reply.raw is None and reply.endless is None
                await _send(writer, reply, keep_alive=keep)
                if not keep:
                    return
        except (
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ConnectionError,
            TimeoutError,
            ssl.SSLError,
            asyncio.CancelledError,
        ):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()


def _parse_request(head: bytes, *, tls: bool) -> Request:
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = [*lines[0].split(" ", 2), "", ""][:3]
    headers = tuple((k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:] if line))
    host = next((v for k, v in headers if k.lower() == "host"), "")
    if host.startswith("["):  # "[v6]:port"
        host = host.partition("]")[0] + "]"
    elif ":" in host:
        host = host.rsplit(":", 1)[0]
    return Request(method=method, path=path, host=host.lower(), headers=headers, tls=tls)


async def _send(writer: asyncio.StreamWriter, reply: Reply, *, keep_alive: bool = False) -> None:
    if reply.delay:
        await asyncio.sleep(reply.delay)
    if reply.raw is not None:
        writer.write(reply.raw)
        await writer.drain()
        return
    head = f"HTTP/1.1 {reply.status} X\r\n"
    for k, v in reply.headers:
        head += f"{k}: {v}\r\n"
    head += "Connection: keep-alive\r\n" if keep_alive else "Connection: close\r\n"
    if reply.endless is not None:
        head += "Transfer-Encoding: chunked\r\n\r\n"
    else:
        head += f"Content-Length: {len(reply.body)}\r\n\r\n"
    if reply.header_drip:
        for byte in head.encode("latin-1"):
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(reply.header_drip)
    else:
        writer.write(head.encode("latin-1"))
    if reply.endless is None:
        for i in range(0, len(reply.body), reply.chunk_size):
            writer.write(reply.body[i : i + reply.chunk_size])
            await writer.drain()
            if reply.body_drip:
                await asyncio.sleep(reply.body_drip)
        await writer.drain()
        return
    chunk = reply.endless
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    if reply.body:
        writer.write(f"{len(reply.body):x}\r\n".encode() + reply.body + b"\r\n")
    while True:  # until the client hangs up (or the server stops)
        writer.write(frame)
        await writer.drain()
        await asyncio.sleep(reply.body_drip)


@pytest.fixture(scope="session")
def localnet_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNet]:
    """The shared local internet for the whole session."""
    with LocalNet.running(tmp_path_factory.mktemp("localnet")) as net:
        yield net


@pytest.fixture
def localnet(localnet_server: LocalNet) -> Iterator[LocalNet]:
    """The local internet with an empty routing table for this test."""
    localnet_server.reset()
    yield localnet_server
    localnet_server.reset()
