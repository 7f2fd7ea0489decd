"""Reaching the real PostgreSQL and Redis on 127.0.0.1; a unique namespace per test, dropped after."""

from __future__ import annotations

import os
import uuid

import psycopg
import redis

from tests.conftest import need_service

PG_URL = os.environ.get("HUTONG_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("HUTONG_TEST_REDIS", "redis://127.0.0.1:6379/0")


def unique(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:10]}"


def need_postgres() -> str:
    """The test database URL, or a skip (fail in CI) when PostgreSQL is not there."""
    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        need_service("PostgreSQL", f"{PG_URL}: {exc}")
    return PG_URL


def need_redis() -> str:
    """The test Redis URL, or a skip (fail in CI) when Redis is not there."""
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        need_service("Redis", f"{REDIS_URL}: {exc}")
    return REDIS_URL


def drop_pg_schema(schema: str) -> None:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(psycopg.sql.Identifier(schema))
        )


def drop_redis_prefix(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=prefix + "*", count=500):
        client.delete(key)
    client.close()
