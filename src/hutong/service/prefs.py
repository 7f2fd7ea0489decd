"""Each user's own choice of how links behave, kept in SQLite under ``data.dir``.

One SQLite file in WAL mode is shared by every worker process; a write is committed
before the API answers. ``PrefsStore`` is the interface a shared database could also meet.

``always_open`` entries are stored as sites (:func:`site_key`): the registrable domain, in
IDNA form, so that ``www.example.com`` matches every host of ``example.com`` the way a
link's own site (``LinkReport.site``) is worked out, and ``例子.中国`` matches its punycode.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import idna

from ..core import psl
from ..core.model import UserPrefs
from ..errors import InputError, StorageError

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


_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def site_key(value: str) -> str:
    """An ``always_open`` entry as stored: the registrable domain of the host named, in IDNA form.

    >>> [site_key(v) for v in ("www.Example.COM.", "shop.example.com", "例子。中国", "alice.github.io")]
    ['example.com', 'example.com', 'xn--fsqu00a.xn--fiqs8s', 'alice.github.io']

    ``InputError`` for anything that is not a host name under a public suffix (a URL, a single
    label, a bare suffix such as ``co.uk`` or ``github.io``)."""
    host = value.strip().lower().rstrip(".")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii") if not host.isascii() else host
    except idna.IDNAError as exc:
        raise InputError(f"always_open: {value!r} is not a domain name ({exc})") from exc
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or len(labels) < 2 or not all(_HOST_LABEL.fullmatch(lab) for lab in labels):
        raise InputError(f"always_open: {value!r} is not a domain name; give a site such as example.com")
    site = psl.site(ascii_host)
    if site is None:
        raise InputError(
            f"always_open: {value!r} is a public suffix, shared by many sites; give one site under it, "
            "such as example.com or alice.github.io"
        )
    return site


def _stored_site(value: str) -> str:
    """``site_key``, or the entry unchanged if it cannot be one (it then matches nothing, as before)."""
    try:
        return site_key(value)
    except InputError:
        return value


def normalised(prefs: UserPrefs) -> UserPrefs:
    """``prefs`` with every ``always_open`` entry as its site, duplicates dropped, order kept."""
    sites = tuple(dict.fromkeys(_stored_site(s) for s in prefs.always_open))
    return prefs if sites == prefs.always_open else replace(prefs, always_open=sites)


def encode(prefs: UserPrefs) -> str:
    """Prefs as stored JSON."""
    return json.dumps(
        {"mode": prefs.mode, "categories": dict(prefs.categories), "always_open": list(prefs.always_open)},
        sort_keys=True,
    )


def decode(text: str) -> UserPrefs:
    """Inverse of ``encode``."""
    doc = json.loads(text)
    prefs = UserPrefs(
        mode=doc.get("mode"),
        categories=tuple(sorted(doc.get("categories", {}).items())),
        always_open=tuple(doc.get("always_open", ())),
    )
    return normalised(prefs)  # entries stored before sites were normalised match as sites too


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
                    (user, encode(normalised(prefs)), time.time()),
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
