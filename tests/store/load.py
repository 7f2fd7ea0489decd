"""Hammer a local server with bounded, concurrent POSTs and keep the ids it acknowledged."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable


def hammer(
    port: int,
    *,
    clients: int,
    seconds: float,
    path: str,
    body: Callable[[str], bytes],
    headers: dict[str, str] | None = None,
    stop: threading.Event | None = None,
) -> set[str]:
    """Send until ``stop`` is set or ``seconds`` pass; return the ids answered with 200."""
    acked: set[str] = set()
    lock = threading.Lock()
    stop = stop or threading.Event()
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i = 0
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                ident = f"c{n}-{i}"
                i += 1
                try:
                    conn.request("POST", path, body=body(ident), headers=headers or {})
                    resp = conn.getresponse()
                    resp.read()
                except (OSError, http.client.HTTPException):
                    return  # the server died: this request was never acknowledged
                if resp.status == 200:
                    with lock:
                        acked.add(ident)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return acked
