"""Open the configured audit store and cache: ``storage.audit`` and ``storage.cache``."""

from __future__ import annotations

from ..cache import Cache
from ..config import Config
from ..errors import ConfigError
from .audit_store import AuditStore
from .durability import Durability

AUDIT_FILE = "audit.sqlite3"


def audit_url(cfg: Config) -> str:
    """``storage.audit``, or the SQLite file under ``data.dir`` when it is empty."""
    return cfg.storage.audit or f"sqlite://{(cfg.data_dir / AUDIT_FILE).resolve()}"


def open_audit(cfg: Config) -> AuditStore:
    """The audit store ``storage.audit`` names (SQLite under ``data.dir`` by default)."""
    url = audit_url(cfg)
    retry = cfg.storage.write_retry
    if not retry > 0:
        raise ConfigError("storage.write_retry must be a positive number of seconds")
    durability = Durability.named(cfg.audit.durability)
    queued = cfg.audit.queue_events
    if url.startswith("sqlite://"):
        from .sqlite_store import SqliteStore, path_from_url

        return SqliteStore(path_from_url(url), write_retry=retry, durability=durability, max_queued=queued)
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres_store import PostgresStore

        return PostgresStore(url, write_retry=retry, durability=durability, max_queued=queued)
    raise ConfigError("storage.audit must be empty, a sqlite:/// path or a postgresql:// URL")


def open_cache(cfg: Config, *, local_entries: int | None = None) -> Cache:
    """The cache ``storage.cache`` names: the in-process ``MemoryCache``, or a shared ``RedisCache`` that
    falls back to an in-process one while Redis is down (``FailoverCache``).

    ``local_entries`` bounds the in-process cache (default ``cache.max_entries``).
    """
    from ..net.memcache import MemoryCache

    spec = cfg.storage.cache
    local = MemoryCache(cfg.cache.max_entries if local_entries is None else local_entries)
    if spec == "memory":
        return local
    if spec.startswith(("redis://", "rediss://")):
        from .failover_cache import FailoverCache
        from .redis_cache import RedisCache

        if cfg.storage.lock_timeout <= 0:
            raise ConfigError("storage.lock_timeout must be a positive number of seconds")
        return FailoverCache(RedisCache(spec, lock_ttl=cfg.storage.lock_timeout), local)
    raise ConfigError('storage.cache must be "memory" or a redis:// URL')
