"""Is it the link or the machine? Telling "this name does not resolve" from "no name resolves here".

On a machine without a network the system resolver answers every name as it answers a name
that does not exist (glibc: ``EAI_NONAME``), so one failed lookup cannot say which it is. When
a link's name fails, ``NetworkProbe`` resolves one name that always exists
(``network.probe_host``, by default a root name server's name, which every resolver holds):
if that fails too, the network is down and the link is not to blame. The answer is kept for a
short while, so a message of many links asks once. Only the resolver is asked; nothing is
connected to.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import time
from collections.abc import Callable

from ..errors import HutongError
from .dns import Resolve

PROBE_TTL = 30.0  # seconds an answer is kept: long enough for one message, short enough for a reconnect
# connect errors that mean this machine has no route out, whichever host is asked for
NO_ROUTE = frozenset({errno.ENETUNREACH, errno.ENETDOWN})
# resolver answers that mean "no such name" once the probe shows names do resolve here
NO_SUCH_NAME = frozenset({socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)})


class NetworkProbe:
    """Whether names resolve at all from this machine (``down``), asked through the fetcher's resolver."""

    def __init__(
        self,
        resolve: Resolve,
        host: str,
        *,
        timeout: float = 5.0,
        ttl: float = PROBE_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host = host
        self._resolve = resolve
        self._timeout = timeout
        self._ttl = ttl
        self._clock = clock
        self._answer: tuple[float, bool] | None = None  # (when, down)
        self._lock = asyncio.Lock()

    async def down(self) -> bool:
        """True if even ``host`` does not resolve (never True without a probe host)."""
        if not self.host:
            return False
        async with self._lock:  # links failing together wait for one probe
            if self._answer is not None and self._clock() - self._answer[0] < self._ttl:
                return self._answer[1]
            try:
                async with asyncio.timeout(self._timeout):
                    down = not await self._resolve(self.host, 443)
            except (OSError, HutongError, TimeoutError):
                down = True
            self._answer = (self._clock(), down)
            return down


def no_route(exc: BaseException) -> OSError | None:
    """The ``ENETUNREACH``/``ENETDOWN`` error in ``exc``'s chain (httpx wraps httpcore wraps the socket's), if any."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, OSError) and cur.errno in NO_ROUTE:
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None
