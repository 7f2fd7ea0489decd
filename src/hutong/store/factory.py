"""Open the configured audit store and cache: ``storage.audit`` and ``storage.cache``."""

from __future__ import annotations

from ..cache import Cache
from ..config import Config
from ..errors import ConfigError
from .audit_store import AuditStore

AUDIT_FILE = "audit.sqlite3"


def audit_url(cfg: Config) -> str:
    """``storage.audit``, or the SQLite file under ``data.dir`` when it is empty."""
    return cfg.storage.audit or f"sqlite://{(cfg.data_dir / AUDIT_FILE).resolve()}"


def open_audit(cfg: Config) -> AuditStore:
    """The audit store ``storage.audit`` names (SQLite under ``data.dir`` by default)."""
    url = audit_url(cfg)
    if url.startswith("sqlite://"):
        from .sqlite_store import SqliteStore, path_from_url

        return SqliteStore(path_from_url(url))
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres_store import PostgresStore

        return PostgresStore(url)
    raise ConfigError("storage.audit must be empty, a sqlite:/// path or a postgresql:// URL")


def open_cache(cfg: Config) -> Cache:
    """The cache ``storage.cache`` names: the in-process ``MemoryCache`` or a shared ``RedisCache``."""
    spec = cfg.storage.cache
    if spec == "memory":
        from ..net.memcache import MemoryCache

        return MemoryCache(cfg.cache.max_entries)
    if spec.startswith(("redis://", "rediss://")):
        from .redis_cache import RedisCache

        if cfg.storage.lock_timeout <= 0:
            raise ConfigError("storage.lock_timeout must be a positive number of seconds")
        return RedisCache(spec, lock_ttl=cfg.storage.lock_timeout)
    raise ConfigError('storage.cache must be "memory" or a redis:// URL')
