"""Private PostgreSQL and Redis instances that a test starts, kills -9 and restarts itself.

Never the machine's shared services on 5432 and 6379: each instance has its own directory under
the system temp dir and a free port on 127.0.0.1, and is stopped and removed when the test ends.
Each server runs under ``reaper.py``, which reaps what a kill -9 orphans, so that once ``kill9``
returns no process of the old instance is left and ``start`` may run it again on the same files.
A small disk (``small_disk``: a tmpfs, so root only) and ``fill`` stand in for the audit disk filling up.
Missing binaries (or no permission to mount) skip the test, or fail it in CI (``tests.conftest.need_service``).
"""

from __future__ import annotations

import errno
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
import redis

from tests.conftest import need_service
from tests.store.serve_proc import free_port

PG_BIN = Path(os.environ.get("HUTONG_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = os.environ.get("HUTONG_TEST_REDIS_SERVER", "redis-server")
REAPER = Path(__file__).with_name("reaper.py")


def _server_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, run it as ``postgres``; otherwise as ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        need_service("PostgreSQL", "running as root and there is no 'postgres' user to run the server as")
    return "postgres"


def _children(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        frontier += kids
    return found


class Reaped:
    """One server process under ``reaper.py``: ``pid`` is the server's, its orphans are reaped with it."""

    def __init__(self, argv: list[str], log: Path, user: str | None) -> None:
        cmd = [sys.executable, str(REAPER), str(log)] + (["--user", user] if user else []) + ["--", *argv]
        self.reaper = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.reaper.stdout is not None
        line = self.reaper.stdout.readline()
        self.reaper.stdout.close()
        if not line.startswith("PID "):
            self.reaper.kill()
            self.reaper.wait(timeout=10)
            raise AssertionError(f"{argv[0]} did not start: {line!r}; log: {log.read_text()[-2000:]}")
        self.pid = int(line.split()[1])

    @property
    def alive(self) -> bool:
        return self.reaper.poll() is None

    def kill9(self) -> None:
        """SIGKILL the server and every process it started, at once (a crash); wait until all are gone."""
        doomed = [self.pid, *_children(self.pid)]
        for pid in doomed:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.reaper.wait(timeout=30)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Ask the server to shut down; kill -9 it if it has not within 20 s."""
        if not self.alive:
            return
        try:
            os.kill(self.pid, sig)
            self.reaper.wait(timeout=20)
        except ProcessLookupError:
            self.reaper.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill9()


def _wait(ready: Callable[[], bool], server: Reaped, what: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive:
            raise AssertionError(f"{what} exited while starting: {log.read_text()[-3000:]}")
        if ready():
            return
        time.sleep(0.1)
    server.kill9()
    raise AssertionError(f"{what} did not accept connections in {timeout:.0f} s: {log.read_text()[-3000:]}")


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1:``port``, database ``postgres``, trust auth."""

    def __init__(self, root: Path, user: str | None) -> None:
        self.root, self.user = root, user
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.server: Reaped | None = None
        self.starts = 0

    @classmethod
    def create(cls) -> PrivatePostgres:
        """initdb a new cluster (not started)."""
        for tool in ("initdb", "postgres"):
            if not (PG_BIN / tool).exists():
                need_service("PostgreSQL binaries", f"{PG_BIN / tool} is missing (set HUTONG_TEST_PG_BIN)")
        user = _server_user()
        # the server's user must reach the directory: not under pytest's root-only tmp_path
        root = Path(tempfile.mkdtemp(prefix="hutong-pg-"))
        if user:
            entry = pwd.getpwnam(user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        pg = cls(root, user)
        done = subprocess.run(
            [str(PG_BIN / "initdb"), "-D", str(pg.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--locale=C", "--no-sync", "--no-instructions"],
            capture_output=True, text=True, user=user, group=user, extra_groups=[] if user else None,
            cwd=root, timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            raise AssertionError(f"initdb failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        return pg

    def start(self, timeout: float = 60.0) -> None:
        """Start the server (crash recovery runs first after a kill -9) and wait until it accepts logins."""
        self.server = Reaped(
            [str(PG_BIN / "postgres"), "-D", str(self.data), "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.root}",
             "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "max_connections=40",
             "-c", "shared_buffers=16MB", "-c", "logging_collector=off"],
            self.log, self.user,
        )  # fmt: skip
        self.starts += 1
        _wait(self._accepts, self.server, "PostgreSQL", self.log, timeout)

    def _accepts(self) -> bool:
        try:
            psycopg.connect(self.url, connect_timeout=2).close()
        except psycopg.Error:
            return False
        return True

    def kill9(self) -> None:
        """kill -9 the postmaster and its backends at once, as a crash would."""
        assert self.server is not None
        self.server.kill9()

    def stop(self) -> None:
        """Fast shutdown (SIGINT: roll back open transactions, checkpoint, exit)."""
        if self.server is not None:
            self.server.stop(signal.SIGINT)

    def remove(self) -> None:
        """Stop and delete the cluster."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A throw-away Redis on 127.0.0.1:``port`` with no persistence: a restart starts empty."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = root / "redis.log"
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.server: Reaped | None = None

    @classmethod
    def create(cls) -> PrivateRedis:
        """A new instance (not started)."""
        if shutil.which(REDIS_SERVER) is None:
            need_service("redis-server", f"{REDIS_SERVER!r} is not on PATH (set HUTONG_TEST_REDIS_SERVER)")
        return cls(Path(tempfile.mkdtemp(prefix="hutong-redis-")))

    def start(self, timeout: float = 30.0) -> None:
        """Start the server and wait until it answers PING."""
        self.server = Reaped(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.root)],
            self.log, None,
        )  # fmt: skip
        _wait(self._answers, self.server, "Redis", self.log, timeout)

    def _answers(self) -> bool:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def keys(self, prefix: str) -> int:
        """How many keys live under ``prefix``."""
        client = redis.Redis.from_url(self.url, socket_connect_timeout=2)
        try:
            return sum(1 for _ in client.scan_iter(match=prefix + "*", count=500))
        finally:
            client.close()

    def kill9(self) -> None:
        """kill -9 the server; everything it held is gone."""
        assert self.server is not None
        self.server.kill9()

    def remove(self) -> None:
        """Stop and delete the instance."""
        if self.server is not None:
            self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A started private PostgreSQL, removed afterwards whatever happened."""
    pg = PrivatePostgres.create()
    try:
        pg.start()
        yield pg
    finally:
        pg.remove()


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    """A started private Redis, removed afterwards whatever happened."""
    rd = PrivateRedis.create()
    try:
        rd.start()
        yield rd
    finally:
        rd.remove()


@contextmanager
def small_disk(size: str = "2m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on a new directory, unmounted and removed after."""
    where = Path(tempfile.mkdtemp(prefix="hutong-disk-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        where.rmdir()
        need_service("a tmpfs mount (root)", done.stderr.strip() or f"mount exited {done.returncode}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        where.rmdir()


def fill(disk: Path) -> Path:
    """Write a file on ``disk`` until it is full; return it."""
    filler = disk / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as fh:
        while True:
            try:
                fh.write(chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
        with suppress(OSError):  # the last bytes, in smaller pieces
            while fh.write(b"\0" * 512):
                pass
    return filler
