"""A small local HTTP/2 server over TLS, for the connection-reuse tests and bench/preview.py (``h2`` does the
protocol).

It answers each request with what ``answer`` (a function of a ``tests.support.localnet.Request``)
returns, respects HTTP/2 flow control, offers only ``h2`` by ALPN, and counts the connections it
accepted. One certificate from a fresh ``trustme`` CA names every host, so any of them can be reached
through ``network.connect_to``. It runs in a thread with its own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import trustme

from tests.support.localnet import Reply, Request

Answer = Callable[[Request], Reply]


class _Protocol(asyncio.Protocol):
    def __init__(self, server: H2Server) -> None:
        self.server = server
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        self.pending: dict[int, memoryview] = {}  # stream -> body bytes not yet sent (flow control)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.connections += 1
        self.server._open.add(self)
        self.conn.initiate_connection()
        transport.write(self.conn.data_to_send())

    def connection_lost(self, exc: Exception | None) -> None:
        self.server._open.discard(self)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.transport.write(self.conn.data_to_send())
            self.transport.close()
            return
        for event in events:
            if isinstance(event, h2.events.RequestReceived):
                self._answer(event.stream_id, dict(event.headers))  # type: ignore[arg-type]
            elif isinstance(event, h2.events.DataReceived):
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.WindowUpdated):
                self._flush()
            elif isinstance(event, h2.events.StreamReset):
                self.pending.pop(event.stream_id, None)
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.transport.close()
        self.transport.write(self.conn.data_to_send())

    def _answer(self, stream_id: int, headers: dict[str, str]) -> None:
        host = headers.get(":authority", "").rsplit(":", 1)[0].lower()
        request = Request(headers.get(":method", ""), headers.get(":path", ""), host, tuple(headers.items()), True)
        self.server.requests.append(request)
        reply = self.server.answer(request)
        head = [(":status", str(reply.status)), *((k.lower(), v) for k, v in reply.headers)]
        head.append(("content-length", str(len(reply.body))))
        self.conn.send_headers(stream_id, head, end_stream=not reply.body)
        if reply.body:
            self.pending[stream_id] = memoryview(reply.body)
            self._flush()

    def _flush(self) -> None:
        for stream_id, body in list(self.pending.items()):
            try:
                window = self.conn.local_flow_control_window(stream_id)
            except h2.exceptions.StreamClosedError:
                del self.pending[stream_id]
                continue
            frame = self.conn.max_outbound_frame_size
            sent = 0
            while sent < len(body) and window - sent > 0:
                size = min(frame, window - sent, len(body) - sent)
                last = sent + size == len(body)
                self.conn.send_data(stream_id, bytes(body[sent : sent + size]), end_stream=last)
                sent += size
            if sent == len(body):
                del self.pending[stream_id]
            else:
                self.pending[stream_id] = body[sent:]


class H2Server:
    """The running server: ``port``, ``ca_path`` (the CA to trust) and ``connections`` accepted."""

    def __init__(self, answer: Answer, ca: trustme.CA, ca_path: Path, hosts: tuple[str, ...]) -> None:
        self.answer = answer
        self.ca_path = ca_path
        self.connections = 0
        self.requests: list[Request] = []
        self._open: set[_Protocol] = set()
        self.port = 0
        self._ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*hosts).configure_cert(self._ctx)
        self._ctx.set_alpn_protocols(["h2"])
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None

    @classmethod
    @contextlib.contextmanager
    def running(cls, tmp_dir: Path, answer: Answer, hosts: tuple[str, ...]) -> Iterator[H2Server]:
        """Start the server in a thread, with a certificate for ``hosts``; stop it on exit."""
        ca = trustme.CA()
        ca_path = tmp_dir / "h2-ca.pem"
        ca.cert_pem.write_to_path(str(ca_path))
        server = cls(answer, ca, ca_path, hosts)
        ready = threading.Event()

        def main() -> None:
            asyncio.set_event_loop(server._loop)
            server._server = server._loop.run_until_complete(
                server._loop.create_server(lambda: _Protocol(server), "127.0.0.1", 0, ssl=server._ctx)
            )
            server.port = server._server.sockets[0].getsockname()[1]
            ready.set()
            server._loop.run_forever()

        server._thread = threading.Thread(target=main, name="h2server", daemon=True)
        server._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the HTTP/2 server did not start")
        try:
            yield server
        finally:
            server._stop()

    def _stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for protocol in self._open:
                if protocol.transport is not None:
                    protocol.transport.abort()
            await asyncio.sleep(0)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop.close()
