"""Each user's own choice of how links behave, kept in SQLite under ``data.dir``.

One SQLite file in WAL mode is shared by every worker process; a write is committed
before the API answers. ``PrefsStore`` is the interface a shared database could also meet.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Protocol

from ..errors import StorageError
from ..model import UserPrefs

DB_FILE = "prefs.sqlite3"


class PrefsStore(Protocol):
    def get(self, user: str) -> UserPrefs | None:
        """The prefs ``user`` chose, or None if they never chose."""
        ...

    def put(self, user: str, prefs: UserPrefs) -> None:
        """Store ``prefs`` for ``user`` durably."""
        ...

    def ping(self) -> None:
        """Raise ``StorageError`` if the store cannot be used."""
        ...


def encode(prefs: UserPrefs) -> str:
    """Prefs as stored JSON."""
    return json.dumps(
        {"mode": prefs.mode, "categories": dict(prefs.categories), "always_open": list(prefs.always_open)},
        sort_keys=True,
    )


def decode(text: str) -> UserPrefs:
    """Inverse of ``encode``."""
    doc = json.loads(text)
    return UserPrefs(
        mode=doc.get("mode"),
        categories=tuple(sorted(doc.get("categories", {}).items())),
        always_open=tuple(doc.get("always_open", ())),
    )


class SQLitePrefs:
    """``PrefsStore`` on one SQLite file, safe across threads and worker processes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        with self._lock:
            self._conn()

    def _conn(self) -> sqlite3.Connection:
        """The open connection, (re)opened on demand: an app restarted in-process reopens after close."""
        if self._db is not None:
            return self._db
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS prefs "
                "(user TEXT PRIMARY KEY, doc TEXT NOT NULL, updated REAL NOT NULL)"
            )
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open the prefs database {str(self.path)!r}: {exc}") from exc
        self._db = db
        return db

    @classmethod
    def in_data_dir(cls, data_dir: str | os.PathLike[str]) -> SQLitePrefs:
        """The store at ``data_dir/prefs.sqlite3``."""
        return cls(Path(data_dir) / DB_FILE)

    def get(self, user: str) -> UserPrefs | None:
        try:
            with self._lock:
                row = self._conn().execute("SELECT doc FROM prefs WHERE user = ?", (user,)).fetchone()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot read prefs: {exc}") from exc
        return decode(row[0]) if row else None

    def put(self, user: str, prefs: UserPrefs) -> None:
        try:
            with self._lock:
                self._conn().execute(
                    "INSERT INTO prefs (user, doc, updated) VALUES (?, ?, ?) "
                    "ON CONFLICT(user) DO UPDATE SET doc = excluded.doc, updated = excluded.updated",
                    (user, encode(prefs), time.time()),
                )
        except sqlite3.Error as exc:
            raise StorageError(f"cannot store prefs: {exc}") from exc

    def ping(self) -> None:
        try:
            with self._lock:
                self._conn().execute("SELECT 1 FROM prefs LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"prefs database unusable: {exc}") from exc

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
