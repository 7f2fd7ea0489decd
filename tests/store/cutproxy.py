"""A TCP proxy in front of PostgreSQL that, once armed, breaks the connection at the next COMMIT.

``deliver=True`` forwards the COMMIT and then cuts before its answer comes back: the server has
committed, the client only sees a broken connection (the ambiguous case). ``deliver=False`` cuts
before the COMMIT reaches the server, which then rolls the transaction back.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

# A simple-protocol query message: 'Q', int32 length (4 + len("COMMIT\0")), the text.
COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"


class CutProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream``; ``arm()`` makes the next COMMIT the last message."""

    def __init__(self, upstream: tuple[str, int], *, deliver: bool) -> None:
        self.upstream, self.deliver = upstream, deliver
        self.cuts = 0
        self._armed = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def arm(self) -> None:
        self._armed.set()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self._open += [client, server]
            cutting = threading.Event()
            threading.Thread(target=self._up, args=(client, server, cutting), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, cutting), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket, cutting: threading.Event) -> None:
        try:
            while data := client.recv(65536):
                if COMMIT in data and self._armed.is_set():
                    self._armed.clear()
                    self.cuts += 1
                    cutting.set()  # from now on nothing the server says reaches the client
                    if self.deliver:
                        server.sendall(data)
                        time.sleep(0.2)  # the server commits (and answers into the void)
                    break
                server.sendall(data)
        except OSError:
            pass
        finally:
            _close(client, server)

    @staticmethod
    def _down(server: socket.socket, client: socket.socket, cutting: threading.Event) -> None:
        try:
            while (data := server.recv(65536)) and not cutting.is_set():
                client.sendall(data)
        except OSError:
            pass
        finally:
            _close(client, server)

    def close(self) -> None:
        self._listener.close()
        _close(*self._open)


def _close(*socks: socket.socket) -> None:
    for s in socks:
        with suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()


@contextmanager
def cut_proxy(upstream: tuple[str, int], *, deliver: bool) -> Iterator[CutProxy]:
    proxy = CutProxy(upstream, deliver=deliver)
    try:
        yield proxy
    finally:
        proxy.close()
