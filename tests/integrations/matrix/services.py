"""The other processes of the Matrix tests: ``hutong serve`` with a feed, the bot, stand-ins for a failing hutong."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from tests.conftest import ROOT

FEED = ROOT / "docs" / "examples" / "openphish-sample.txt"
PHISH = "https://login-verify.phish.example/account/update"  # listed in FEED


def hutong_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HUTONG_DATA_DIR": str(data_dir)}
    env.pop("HUTONG_CONFIG", None)
    return env


def hutong(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    """One ``hutong`` command, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "hutong.cli", *args], env=hutong_env(data_dir),
                          capture_output=True, text=True, timeout=120, check=True)


class Process:
    """A long-running child (``hutong serve``, the bot) that logs to a file and stops on SIGTERM."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path, ready_url: str) -> None:
        self.argv, self.env, self.log_path, self.ready_url = argv, env, log, ready_url
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         cwd=self.log_path.parent)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.argv[3:5]} exited ({self.proc.returncode}):\n{self.log()[-3000:]}")
            try:
                if httpx.get(self.ready_url, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.argv[3:5]} did not answer in {timeout} s:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""


PAGE_TITLE = "胡同小记 A walk through the hutongs"
PAGE_SITE = "Hutong Test Daily"
PAGE = f"""<!doctype html><html><head><meta charset="utf-8"><title>{PAGE_TITLE}</title>
<meta property="og:title" content="{PAGE_TITLE}"><meta property="og:site_name" content="{PAGE_SITE}">
<meta property="og:type" content="article"></head><body><h1>{PAGE_TITLE}</h1></body></html>""".encode()


def config_file(data_dir: Path) -> Path:
    """Where ``hutong_serve`` writes its configuration: the bot, in its own process, reads the same file."""
    return data_dir / "hutong.toml"


def hutong_serve(data_dir: Path, port: int, web_port: int, log: Path) -> Process:
    """``hutong serve`` on 127.0.0.1:``port`` (development mode: no key) with the sample threat feed.

    Every fetch it makes for a preview goes to the local page server on ``web_port`` (``connect_to``
    with an empty host matches any host), so a card is built from a real page and nothing leaves the
    machine; HTTPS fetches meet a plain HTTP server there and fail at once.
    """
    hutong(["feeds", "import", str(FEED), "--format", "openphish", "--name", "sample"], data_dir)
    config = config_file(data_dir)
    config.write_text(
        f'[network]\nconnect_to = [":80:127.0.0.1:{web_port}", ":443:127.0.0.1:{web_port}"]\n'
        'allow_networks = ["127.0.0.1/32"]\n',
        encoding="utf-8",
    )
    argv = [sys.executable, "-m", "hutong.cli", "serve", "--port", str(port), "--config", str(config)]
    return Process(argv, hutong_env(data_dir), log, f"http://127.0.0.1:{port}/readyz")


@contextmanager
def web_page() -> Iterator[int]:
    """A plain HTTP server answering every GET with one product page; yields its port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@contextmanager
def stand_in(port: int, behaviour: str) -> Iterator[None]:
    """A fake hutong on ``port``: ``hang`` (accepts, never answers) or ``error`` (HTTP 500 with hutong's error body)."""
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            if behaviour == "hang":
                release.wait(30)
                return
            body = b'{"error": {"code": "storage.error", "message": "the audit store is unavailable"}}'
            self.send_response(503)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
