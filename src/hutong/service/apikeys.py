"""Operator API keys: created once and shown once, stored only as SHA-256 hashes in ``data.dir``.

A key is ``hk_`` + 32 random bytes (base64url); the file ``api-keys.json`` maps a name
to the key's hash. Workers re-read the file when it changes, so a revoked key stops
working everywhere without a restart. SHA-256 without a salt is enough here because the
keys are 256-bit random, not passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, UsageError
from ..jsonfile import write_json

KEY_FILE = "api-keys.json"
PREFIX = "hk_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One key as stored: never the key itself."""

    name: str
    sha256: str
    created: float


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiKeys:
    """The API keys of one data directory."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.path = Path(data_dir) / KEY_FILE
        self._where = str(self.path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._keys: dict[str, ApiKey] = {}

    def _load(self) -> dict[str, ApiKey]:
        try:
            st = os.stat(self._where)  # every request asks (a key made or revoked by the CLI counts at once)
        except FileNotFoundError:
            self._stamp, self._keys = None, {}
            return self._keys
        stamp = (st.st_mtime_ns, st.st_ino)
        if stamp != self._stamp:
            try:
                doc = json.loads(self.path.read_text(encoding="utf-8"))
                keys = {n: ApiKey(n, str(v["sha256"]), float(v["created"])) for n, v in doc.items()}
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ConfigError(
                    f"API key file {str(self.path)!r} is unreadable ({exc}); fix or delete it"
                ) from exc
            self._stamp, self._keys = stamp, keys
        return self._keys

    def list(self) -> tuple[ApiKey, ...]:
        """Every key, by name."""
        with self._lock:
            return tuple(sorted(self._load().values(), key=lambda k: k.name))

    def any(self) -> bool:
        """Whether any key is configured."""
        with self._lock:
            return bool(self._load())

    def verify(self, key: str) -> str | None:
        """The name of the key ``key``, or None; constant time in the key."""
        digest = _hash(key)
        found = None
        with self._lock:
            for item in self._load().values():
                if hmac.compare_digest(digest, item.sha256):
                    found = item.name
        return found

    def create(self, name: str) -> str:
        """Create key ``name`` and return it: the only time it is ever seen."""
        if not _NAME.fullmatch(name):
            raise UsageError(f"key name {name!r} is not valid; use 1-64 letters, digits, '_', '.' or '-'")
        key = PREFIX + secrets.token_urlsafe(32)
        with self._lock:
            keys = dict(self._load())
            if name in keys:
                raise UsageError(f"a key named {name!r} exists; revoke it first or choose another name")
            keys[name] = ApiKey(name, _hash(key), time.time())
            self._save(keys)
        return key

    def revoke(self, name: str) -> None:
        """Remove key ``name``."""
        with self._lock:
            keys = dict(self._load())
            if name not in keys:
                raise UsageError(f"no key named {name!r}; `hutong keys list` shows the names")
            del keys[name]
            self._save(keys)

    def _save(self, keys: dict[str, ApiKey]) -> None:
        doc = {k.name: {"sha256": k.sha256, "created": k.created} for k in keys.values()}
        write_json(self.path, doc)
        self._stamp = None
