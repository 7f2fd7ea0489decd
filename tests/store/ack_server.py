"""A tiny real server for the durability test: it answers 200 only after the SQLite store's record() returns.

Run as ``python ack_server.py DB_PATH``; prints ``PORT <n>`` when listening. POST / with a body
``id`` records one event whose ``rule`` is that id.
"""

from __future__ import annotations

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from hutong.audit import AuditEvent
from hutong.store.sqlite_store import SqliteStore


def main() -> None:
    store = SqliteStore(sys.argv[1])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            ident = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            event = AuditEvent(
                time=time.time(),
                stage="check",
                context="group",
                site="a.example",
                platform="alpha",
                category="video",
                kind=None,
                level="safe",
                reasons=(),
                action="open",
                rule=ident,
                policy_version="ack",
            )
            store.record([event])  # durable when this returns: only then acknowledge
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
