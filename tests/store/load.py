"""Hammer a local server with bounded, concurrent POSTs and keep what it answered."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Answer:
    """One request of the load: when it was sent and answered (monotonic seconds), and how."""

    ident: str
    sent: float
    answered: float
    status: int  # 0: no answer (the connection failed)
    body: bytes


def hammer_log(
    port: int,
    *,
    clients: int,
    seconds: float,
    path: str,
    body: Callable[[str], bytes],
    headers: dict[str, str] | None = None,
    stop: threading.Event | None = None,
    timeout: float = 10.0,
    stop_on_error: bool = False,
) -> list[Answer]:
    """Send until ``stop`` is set or ``seconds`` pass; every request's answer, in no particular order.

    A failed connection is recorded with status 0; the client then reconnects, or gives up when
    ``stop_on_error`` (the server died: nothing later can be acknowledged).
    """
    answers: list[Answer] = []
    lock = threading.Lock()
    stop = stop or threading.Event()
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        i = 0
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                ident = f"c{n}-{i}"
                i += 1
                sent = time.monotonic()
                try:
                    conn.request("POST", path, body=body(ident), headers=headers or {})
                    resp = conn.getresponse()
                    answer = Answer(ident, sent, time.monotonic(), resp.status, resp.read())
                except (OSError, http.client.HTTPException):
                    answer = Answer(ident, sent, time.monotonic(), 0, b"")
                    conn.close()
                with lock:
                    answers.append(answer)
                if answer.status == 0 and stop_on_error:
                    return  # this request was never acknowledged
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


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
    """Send until ``stop`` is set, ``seconds`` pass or the server dies; return the ids answered with 200."""
    answers = hammer_log(
        port, clients=clients, seconds=seconds, path=path, body=body, headers=headers, stop=stop, stop_on_error=True
    )
    return {a.ident for a in answers if a.status == 200}
