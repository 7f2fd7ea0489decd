"""Keyed hashes of user ids, so the audit log never holds an id in clear yet one user can be forgotten.

The key is the 32-byte secret ``user-hash.key`` under ``data.dir`` (``hutong.signing.load_secret``,
created on first use), the same one the service hashes with. Every process and machine
writing one audit log must share that file, or one user gets several hashes and cannot
be forgotten in one step (see ``docs/deploy.md``).
"""

from __future__ import annotations

import hashlib
import hmac

from ..config import Config
from ..errors import ConfigError
from ..signing import load_secret

KEY_FILE = "user-hash.key"


class UserHasher:
    """HMAC-SHA256 of user ids under one key; ``hash`` is what the audit log stores."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ConfigError("the user-hash key must be at least 16 bytes")
        self._key = key

    @classmethod
    def for_config(cls, cfg: Config) -> UserHasher:
        """The hasher the service uses for ``cfg`` (key file created if missing)."""
        return cls(load_secret(cfg.data_dir, KEY_FILE))

    def hash(self, user_id: str) -> str:
        """The stored form of ``user_id``: 32 hex digits (128 bits of HMAC-SHA256)."""
        return hmac.new(self._key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
