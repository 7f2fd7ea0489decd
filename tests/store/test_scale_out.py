"""Two real ``hutong serve`` processes on one PostgreSQL and one Redis: one cache, one audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hutong.config import Config, DataSection
from hutong.store.postgres_store import PostgresStore
from hutong.store.userhash import UserHasher
from tests.store.origin import https_origin
from tests.store.serve_proc import Serve
from tests.store.services import (
    PG_URL,
    REDIS_URL,
    drop_pg_schema,
    drop_redis_prefix,
    need_postgres,
    need_redis,
    unique,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

SHORT = "/sc4leOut"
DEST = "https://www.bilibili.com/video/BV1xx411c7mD"


@pytest.fixture
def namespaces() -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL schema and Redis key prefix, dropped after the test whatever happened."""
    need_postgres()
    need_redis()
    schema, prefix = unique("hutong_scale"), unique("hutong-scale") + ":"
    yield schema, prefix
    drop_pg_schema(schema)
    drop_redis_prefix(prefix)


def test_two_workers_share_the_cache_and_the_audit_log(tmp_path: Path, namespaces: tuple[str, str]) -> None:
    pg, rd = PG_URL, REDIS_URL
    schema, prefix = namespaces
    data = tmp_path / "data"
    data.mkdir()
    workers: list[Serve] = []
    with https_origin(tmp_path, ("b23.tv", "www.bilibili.com"), {SHORT: DEST}) as origin:
        config = tmp_path / "hutong.toml"
        config.write_text(
            f"""
[network]
connect_to = ["b23.tv:443:127.0.0.1:{origin.port}", "www.bilibili.com:443:127.0.0.1:{origin.port}"]
allow_networks = ["127.0.0.0/8"]
ca_bundle = "{origin.ca_pem}"

[preview]
enabled = false  # resolution only: the shared cache is what is under test

[storage]
audit = "{pg}?schema={schema}"
cache = "{rd}?prefix={prefix}"
""",
            encoding="utf-8",
        )
        try:
            workers = [Serve(config, data, tmp_path / f"serve{i}.log") for i in range(2)]
            answers = []
            for i, w in enumerate(workers):
                status, body = w.request(
                    "POST",
                    "/v1/check",
                    {
                        "text": f"快来看 https://b23.tv{SHORT}",
                        "user": f"worker{i}",
                        "context": "group",
                        "preview": True,
                    },
                )
                assert status == 200, body
                answers.append(body["links"][0])
            assert answers[0]["url"] == answers[1]["url"] == DEST
            assert origin.hits[SHORT] == 1, (
                "the second worker fetched again instead of using the shared cache"
            )
        finally:
            for w in workers:
                w.stop()
    hasher = UserHasher.for_config(Config(data=DataSection(dir=str(data))))
    with PostgresStore(f"{pg}?schema={schema}") as store:
        users = [e.user or "" for e in store.events()]
    assert sorted(users) == sorted(hasher.hash(f"worker{i}") for i in range(2))
