"""Storage at the edge: the audit store (SQLite, PostgreSQL) and the shared Redis cache.

Open them from configuration with ``hutong.store.factory.open_audit`` and ``open_cache``.
"""
