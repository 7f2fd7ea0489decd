"""A threat-feed origin for the local internet: one body that can change, served with validators.

It answers conditional requests the way RFC 9110 §13 says: ``If-None-Match`` is compared with the
current ETag (weak comparison), and only when it is absent is ``If-Modified-Since`` compared with the
current Last-Modified; a match is ``304 Not Modified`` with the validators and no body. Route it on a
``LocalNet`` host: ``localnet.route("feeds.example.test", origin)``.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from tests.support.localnet import Reply, Request


@dataclass
class FeedOrigin:
    """The feed at one URL; ``publish`` changes it (a new ETag and Last-Modified unless switched off)."""

    body: bytes = b""
    etag: bool = True  # send an ETag
    last_modified: bool = True  # send a Last-Modified
    content_type: str = "text/plain; charset=utf-8"
    status: int = 200  # a failing origin: anything but 200 is sent as is, with no validators
    version: int = 0
    modified: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    answers: list[int] = field(default_factory=list)  # the status of every answer, in order
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, body: bytes, *, at: datetime | None = None) -> None:
        with self._lock:
            self.body, self.version = body, self.version + 1
            self.modified = at or datetime.now(UTC).replace(microsecond=0)

    def current_etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    def __call__(self, req: Request) -> Reply:
        with self._lock:
            if self.status != 200:
                self.answers.append(self.status)
                return Reply(status=self.status, body=b"unavailable", headers=(("Content-Type", "text/plain"),))
            headers: list[tuple[str, str]] = [("Content-Type", self.content_type)]
            if self.etag:
                headers.append(("ETag", self.current_etag()))
            if self.last_modified:
                headers.append(("Last-Modified", format_datetime(self.modified, usegmt=True)))
            if self._not_modified(req):
                self.answers.append(304)
                return Reply(status=304, headers=tuple(headers[1:]))
            self.answers.append(200)
            return Reply(body=self.body, headers=tuple(headers))

    def _not_modified(self, req: Request) -> bool:
        tags = req.header("if-none-match")
        if tags is not None:
            if not self.etag:
                return False
            ours = self.current_etag()
            return any(t.strip().removeprefix("W/") == ours for t in tags.split(","))
        since = req.header("if-modified-since")
        if since is None or not self.last_modified:
            return False
        return since == format_datetime(self.modified, usegmt=True)
