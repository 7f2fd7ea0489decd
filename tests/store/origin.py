"""A local HTTPS origin standing in for a short-link host and its destination, counting every hit."""

from __future__ import annotations

import ssl
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trustme


@dataclass
class Origin:
    port: int
    ca_pem: Path
    hits: Counter[str] = field(default_factory=Counter)


@contextmanager
def https_origin(
    tmp: Path, hosts: tuple[str, ...], redirects: dict[str, str], prefixes: dict[str, str] | None = None
) -> Iterator[Origin]:
    """Serve ``redirects`` (path → absolute Location) with 302, and likewise every path that starts with
    one of ``prefixes`` (prefix → Location); anything else with a small page."""
    ca = trustme.CA()
    cert = ca.issue_cert(*hosts)
    ca_pem = tmp / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    origin = Origin(0, ca_pem)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                origin.hits[self.path] += 1
            location = redirects.get(self.path) or next(
                (to for prefix, to in (prefixes or {}).items() if self.path.startswith(prefix)), None
            )
            if location is not None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b"<!doctype html><html><head><title>video</title></head><body>ok</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    origin.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
