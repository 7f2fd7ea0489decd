"""Annotations by event id: the newest in memory, optionally all of the last days in SQLite.

The unsigned callback runs each time an event is served, long after the check, so the check's result
is kept under the event id. Memory is bounded (least recently used goes first); the SQLite store,
when configured, keeps them across restarts and evicts by age. The store's calls block on disk and
are run in Synapse's thread pool by the module, never on the reactor.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import OrderedDict
from typing import Any

Annotation = dict[str, Any]


class Recent:
    """At most ``limit`` annotations, least recently used evicted first.

    >>> r = Recent(2); r.put("$a", {"x": 1}); r.put("$b", {}); r.put("$c", {})
    >>> r.get("$a") is None, r.get("$c")
    (True, {})
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[str, Annotation] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, event_id: str) -> Annotation | None:
        item = self._items.get(event_id)
        if item is not None:
            self._items.move_to_end(event_id)
        return item

    def discard(self, key: str) -> None:
        self._items.pop(key, None)

    def put(self, event_id: str, value: Annotation) -> None:
        self._items[event_id] = value
        self._items.move_to_end(event_id)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)


class Store:
    """Annotations in one SQLite file (WAL), one row per event; safe to call from several threads."""

    def __init__(self, path: str, keep_seconds: float) -> None:
        self.keep_seconds = keep_seconds
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS annotations (event_id TEXT PRIMARY KEY, at REAL NOT NULL, body TEXT NOT NULL)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS annotations_at ON annotations (at)")

    def get(self, event_id: str) -> Annotation | None:
        with self._lock:
            row = self._db.execute("SELECT body FROM annotations WHERE event_id = ?", (event_id,)).fetchone()
        if row is None:
            return None
        value: Annotation = json.loads(row[0])
        return value

    def put(self, event_id: str, value: Annotation) -> None:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO annotations (event_id, at, body) VALUES (?, ?, ?)",
                (event_id, time.time(), body),
            )

    def prune(self) -> int:
        """Forget annotations older than ``keep_seconds``; the number forgotten."""
        with self._lock:
            cur = self._db.execute("DELETE FROM annotations WHERE at < ?", (time.time() - self.keep_seconds,))
        return cur.rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()
