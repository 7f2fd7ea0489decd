"""The HTTP/1.1 protocol ``hutong serve`` runs: uvicorn's httptools protocol with read deadlines.

uvicorn bounds only the idle time between keep-alive requests (``timeout_keep_alive``). A
client that connects and sends nothing, drips its request head a byte at a time (slowloris),
or sends a head and then trickles the body holds a connection and its buffers as long as it
likes: 200 such connections stayed open in an outside review. This protocol adds two timers:

- the **header deadline** (``server.header_timeout``) runs from the moment a request head is
  awaited (the connection is made, or the first byte of a keep-alive request arrives) until
  the head is complete; when it passes, the client gets ``408 Request Timeout`` and the
  connection is closed;
- the **body deadline** (``server.body_timeout``) runs from the end of the head until the
  whole body has arrived; when it passes, the client gets ``408`` (unless a response has
  begun), the connection is closed and the application's ``receive()`` reports a disconnect.

Neither bounds the application's own time to answer. uvicorn builds the protocol with its
own keyword arguments, so ``protocol_factory`` binds the two deadlines with
``functools.partial`` (which also pickles, for uvicorn's worker processes).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("hutong.web")

_REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing clients that are too slow to send a request."""

    def __init__(
        self,
        *args: Any,
        header_timeout: float = 10.0,
        body_timeout: float = 30.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout, self._head_expired)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # a keep-alive request: its head's clock starts at its first byte
            self._arm(self.header_timeout, self._head_expired)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()
        if not (self.parser.should_upgrade() and self._should_upgrade()):
            self._arm(self.body_timeout, self._body_expired)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _arm(self, seconds: float, expired: Any) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        log.info("closed a connection from %s: no complete request head within %g s", self._peer(), self.header_timeout)
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(_REQUEST_TIMEOUT)
        self.transport.close()

    def _body_expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        log.info("closed a connection from %s: request body not complete within %g s", self._peer(), self.body_timeout)
        if not self.cycle.response_started:
            self.transport.write(_REQUEST_TIMEOUT)
        self.transport.close()

    def _peer(self) -> str:
        return f"{self.client[0]}:{self.client[1]}" if self.client else "an unknown client"


def protocol_factory(*, header_timeout: float, body_timeout: float) -> type[asyncio.Protocol]:
    """What to pass as uvicorn's ``http=``: the bounded protocol with these deadlines bound."""
    bound = functools.partial(BoundedHttpToolsProtocol, header_timeout=header_timeout, body_timeout=body_timeout)
    # uvicorn only ever calls it with its own keyword arguments; the partial stands in for the class.
    return cast(type[asyncio.Protocol], bound)
