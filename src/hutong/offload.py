"""CPU-heavy work on fetched content, run off the event loop with bounded concurrency and a CPU budget.

Scanning a fetched page for a body redirect, carving a card out of it or decoding an image is
pure CPU work on hostile input. Run on the event loop it stalls every other request of the
worker (a quadratic scan once held ``/healthz`` for 18.6 s), and ``asyncio.timeout`` cannot
interrupt it. ``Offloader.run(fn, *args)`` runs ``fn`` in a pool of worker processes instead:

- at most ``workers`` jobs at once per event loop (the rest wait their turn);
- each job gets ``cpu_budget`` seconds of CPU time, measured in the worker (``ITIMER_PROF``):
  past it the job is interrupted and the caller gets :class:`~hutong.errors.TooSlow`
  (``remote.too_slow``, "the page took too long to read"); a job stuck in C code that never
  reaches the interruption is killed with its worker after a wall-clock backstop;
- a worker that dies (a crash in a parser, the kernel's OOM killer) fails only its own job
  (``remote.scan_failed``) and is replaced.

Processes, not threads, by measurement (docs/fetching.md): a thread shares the GIL, and the C
parsers and regexes hold it for a whole call, so a thread scanning a hostile 2 MB page still
held the loop for 40-70 ms at a time; a thread also cannot be stopped at its budget. A process
costs one copy of the page each way (about 1 ms per MB) and a fork from a preloaded
``forkserver`` (milliseconds) when a worker is replaced.

``mode = "inline"`` runs jobs on the calling thread (no isolation, no budget): for tools that
must not start processes. ``fn`` and its arguments must be picklable: module-level functions
of plain values.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import struct
import threading
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from .config import ScanSection
from .errors import BadContent, ConfigError, TooSlow

log = logging.getLogger(__name__)
T = TypeVar("T")
MODES = ("process", "inline")
_HEADER = struct.Struct("!Q")
# modules the forkserver imports once, so that every worker forked from it starts warm
PRELOAD = (
    "hutong.offload",
    "hutong.net.bodyredirect",
    "hutong.preview.extract",
    "hutong.preview.walls",
    "hutong.preview.card",
    "hutong.preview.images",  # the image proxy decodes in workers too (Pillow loaded once, in the forkserver)
    "hutong.codes",  # pictures read for QR codes and barcodes (zxing-cpp loaded once too)
)
WALL_FACTOR = 4.0  # the backstop: a job is killed after this many times its CPU budget of wall time,
WALL_GRACE = 2.0  # plus this (a loaded machine gives a worker a fraction of a core)


class _OverBudget(BaseException):  # raised by SIGPROF in a worker, never seen outside it
    """The job used its CPU time."""


def _over_budget(_signum: int, _frame: object) -> None:
    raise _OverBudget


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def _serve(conn: Connection) -> None:
    """A worker's loop: read a job, run it within its CPU budget, send back the outcome."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGPROF, _over_budget)
    sock = socket.socket(fileno=os.dup(conn.fileno()))
    conn.close()
    while True:
        try:
            (size,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
            fn, args, budget = pickle.loads(_recv_exact(sock, size))  # noqa: S301 - from our own parent
        except (EOFError, OSError):  # the parent is gone
            return
        outcome: tuple[str, Any]
        try:
            signal.setitimer(signal.ITIMER_PROF, budget)
            try:
                outcome = ("ok", fn(*args))
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
        except _OverBudget:
            outcome = ("budget", None)
        except Exception as exc:  # the caller gets it back, as it would inline
            outcome = ("error", exc)
        try:
            data = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an unpicklable result or exception
            data = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")), pickle.HIGHEST_PROTOCOL)
        try:
            sock.sendall(_HEADER.pack(len(data)) + data)
        except OSError:
            return


class _Worker:
    """One worker process and the parent's end of its socket."""

    def __init__(self, ctx: Any) -> None:
        parent, child = ctx.Pipe(duplex=True)  # a socketpair on POSIX
        self.process = ctx.Process(target=_serve, args=(child,), daemon=True, name="hutong-offload")
        self.process.start()
        child.close()
        self.sock = socket.socket(fileno=os.dup(parent.fileno()))
        parent.close()
        self.sock.setblocking(False)

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


class Offloader:
    """Runs CPU-heavy jobs on fetched content in worker processes, each within a CPU budget."""

    def __init__(self, settings: ScanSection | None = None) -> None:
        self.settings = settings or ScanSection()
        if self.settings.mode not in MODES:
            raise ConfigError(f"scan.mode: {self.settings.mode!r} is not one of {', '.join(MODES)}")
        if self.settings.workers < 1:
            raise ConfigError("scan.workers must be 1 or more")
        if self.settings.cpu_budget <= 0:
            raise ConfigError("scan.cpu_budget must be positive")
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()  # the idle list is shared by every event loop of the process
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        self._ctx: Any = None

    @property
    def wall_limit(self) -> float:
        """Seconds of wall time after which a job is killed whatever its CPU time."""
        return self.settings.cpu_budget * WALL_FACTOR + WALL_GRACE

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` off the event loop; TooSlow past the CPU budget, BadContent if the worker died."""
        if self.settings.mode == "inline":
            return fn(*args)
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self.settings.workers)
        async with slots:
            worker = await self._checkout(loop)
            try:
                async with asyncio.timeout(self.wall_limit):
                    status, value = await self._call(loop, worker, fn, args)
            except TimeoutError:
                worker.kill()
                raise TooSlow(self._too_slow()) from None
            except (EOFError, OSError, pickle.UnpicklingError) as exc:
                worker.kill()
                raise BadContent(
                    "the page could not be read: the worker reading it stopped; it was left out",
                    code="remote.scan_failed",
                ) from exc
            except BaseException:  # cancelled mid-job: its answer would come to the next job
                worker.kill()
                raise
            self._checkin(worker)
        if status == "budget":
            raise TooSlow(self._too_slow())
        if status == "error":
            raise value
        result: T = value
        return result

    def _too_slow(self) -> str:
        return (
            f"the page took too long to read (more than {self.settings.cpu_budget:g} s of CPU time); "
            "it was abandoned and left out"
        )

    async def _call(
        self, loop: asyncio.AbstractEventLoop, worker: _Worker, fn: Callable[..., Any], args: tuple[Any, ...]
    ) -> tuple[str, Any]:
        data = pickle.dumps((fn, args, self.settings.cpu_budget), pickle.HIGHEST_PROTOCOL)
        await loop.sock_sendall(worker.sock, _HEADER.pack(len(data)) + data)
        (size,) = _HEADER.unpack(await self._recv(loop, worker.sock, _HEADER.size))
        outcome: tuple[str, Any] = pickle.loads(await self._recv(loop, worker.sock, size))  # noqa: S301 - our worker
        return outcome

    @staticmethod
    async def _recv(loop: asyncio.AbstractEventLoop, sock: socket.socket, n: int) -> bytes:
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = await loop.sock_recv_into(sock, view[got:])
            if k == 0:
                raise EOFError("the worker closed its socket")
            got += k
        return bytes(buf)

    async def _checkout(self, loop: asyncio.AbstractEventLoop) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive():
                    return worker
                worker.kill()
        return await loop.run_in_executor(None, self._spawn)

    def _checkin(self, worker: _Worker) -> None:
        with self._lock:
            if len(self._idle) < self.settings.workers:
                self._idle.append(worker)
                return
        worker.kill()

    def _spawn(self) -> _Worker:
        with self._lock:
            if self._ctx is None:
                self._ctx = _context()
        return _Worker(self._ctx)

    def close(self) -> None:
        """Stop the idle workers (busy ones stop when their job ends and finds no place)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


def _context() -> Any:
    """A forkserver context with hutong's scanners preloaded (spawn where there is no forkserver)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(PRELOAD))
    return ctx


_SHARED: dict[ScanSection, Offloader] = {}
_SHARED_LOCK = threading.Lock()


def shared(settings: ScanSection | None = None) -> Offloader:
    """The process's one Offloader for ``settings``: the resolver and the previewer share its workers."""
    key = settings or ScanSection()
    with _SHARED_LOCK:
        found = _SHARED.get(key)
        if found is None:
            found = _SHARED[key] = Offloader(key)
        return found
