"""``audit.durability`` and ``audit.queue_events``: what each store is told, when a caller returns, and the
refusal when the writer's queue is full.

(The kill -9 tests in ``test_durability.py`` run at the default, ``commit``.)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hutong.audit import AuditEvent
from hutong.config import AUDIT_DURABILITIES, AuditSection, Config, DataSection, StorageSection, parse
from hutong.errors import ConfigError, StorageError
from hutong.store import durability
from hutong.store.batcher import GroupCommitter
from hutong.store.factory import open_audit
from hutong.store.postgres_store import PostgresStore
from hutong.store.sqlite_store import SqliteStore
from tests.store.events_gen import make_events
from tests.store.services import drop_pg_schema, need_postgres, unique

# what each setting asks of each database (PRAGMA synchronous: 2 FULL, 1 NORMAL)
EXPECTED = [
    ("sync", 2, "on", True),
    ("commit", 1, "off", True),
    ("queued", 1, "off", False),
]


def test_every_configurable_durability_is_defined_once() -> None:
    assert tuple(d.name for d in durability.CHOICES) == AUDIT_DURABILITIES
    assert durability.DEFAULT.name == AuditSection().durability == "commit"
    assert [e[0] for e in EXPECTED] == list(AUDIT_DURABILITIES)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[audit]\ndurability = "fsync"\n', "audit.durability: 'fsync' is not one of 'sync', 'commit', 'queued'"),
        ("[audit]\nqueue_events = 0\n", "audit.queue_events must be 1 or more"),
    ],
    ids=["unknown durability", "empty queue"],
)
def test_bad_settings_are_refused_with_the_key(toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(toml)


@pytest.mark.parametrize(("name", "pragma", "pg_setting", "waits"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_sqlite_writer_follows_the_setting(
    tmp_path: Path, name: str, pragma: int, pg_setting: str, waits: bool
) -> None:
    cfg = Config(data=DataSection(dir=str(tmp_path)), audit=AuditSection(durability=name))
    store = open_audit(cfg)
    assert isinstance(store, SqliteStore)
    try:
        assert store.durability.wait is waits
        assert store._writer.execute("PRAGMA synchronous").fetchone()[0] == pragma
        store.record(make_events(3))
    finally:
        store.close()
    with SqliteStore(tmp_path / "audit.sqlite3") as again:
        assert len(list(again.events())) == 3  # queued or not, a clean stop writes everything


@pytest.fixture
def pg_url() -> Iterator[str]:
    schema = unique("hutong_dur")
    yield f"{need_postgres()}?schema={schema}"
    drop_pg_schema(schema)


@pytest.mark.postgres
@pytest.mark.parametrize(("name", "pragma", "pg_setting", "waits"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_postgres_writer_follows_the_setting(pg_url: str, name: str, pragma: int, pg_setting: str, waits: bool) -> None:
    cfg = Config(storage=StorageSection(audit=pg_url), audit=AuditSection(durability=name))
    store = open_audit(cfg)
    assert isinstance(store, PostgresStore)
    try:
        store.record(make_events(2))
        store.close()  # flushes a queued record
        with store._connect(writer=True) as conn:
            row = conn.execute("SHOW synchronous_commit").fetchone()
        assert row is not None and row[0] == pg_setting
        with store._connect() as other:  # readers and maintenance keep the server's own setting
            row = other.execute("SHOW synchronous_commit").fetchone()
        assert row is not None and row[0] == "on"
    finally:
        store.close()
    with PostgresStore(pg_url) as again:
        assert len(list(again.events())) == 2


class Blocked:
    """A writer that holds its first batch until released, recording what it wrote."""

    def __init__(self) -> None:
        self.started, self.release = threading.Event(), threading.Event()
        self.written: list[int] = []

    def __call__(self, batch: list[AuditEvent]) -> None:
        self.started.set()
        assert self.release.wait(10)
        self.written.append(len(batch))


@pytest.mark.parametrize(
    ("waiting", "arriving", "refused"),
    [
        (0, 5, False),  # an empty queue takes any batch, even one over the bound
        (2, 1, False),  # up to the bound
        (2, 2, True),  # over it
        (3, 1, True),
    ],
    ids=["empty queue, big batch", "fills the queue", "one over", "full"],
)
def test_a_full_queue_refuses_at_once_and_says_why(waiting: int, arriving: int, refused: bool) -> None:
    writer = Blocked()
    committer = GroupCommitter(writer, max_queued=3)
    try:
        committer.enqueue(make_events(1), lambda error: None)  # the writer takes it and blocks
        assert writer.started.wait(10)
        for i in range(waiting):
            committer.enqueue(make_events(1, seed=i), lambda error: None)
        if refused:
            with pytest.raises(StorageError) as caught:
                committer.enqueue(make_events(arriving, seed=99), lambda error: None)
            assert caught.value.code == "storage.busy"
            assert f"{waiting} events already wait" in caught.value.message
            assert "audit.queue_events = 3" in caught.value.message
        else:
            committer.enqueue(make_events(arriving, seed=99), lambda error: None)
    finally:
        writer.release.set()
        committer.close()
    assert sum(writer.written) == 1 + waiting + (0 if refused else arriving)


def test_the_queue_takes_events_again_once_the_writer_catches_up() -> None:
    writer = Blocked()
    committer = GroupCommitter(writer, max_queued=2)
    try:
        committer.enqueue(make_events(1), lambda error: None)
        assert writer.started.wait(10)
        drained = threading.Event()
        committer.enqueue(make_events(2, seed=1), lambda error: drained.set())
        with pytest.raises(StorageError):
            committer.enqueue(make_events(1, seed=2), lambda error: None)
        writer.release.set()
        assert drained.wait(10)
        committer.submit(make_events(2, seed=3))  # accepted, and committed
    finally:
        writer.release.set()
        committer.close()
    assert sum(writer.written) == 5


async def test_queued_returns_before_the_commit(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "audit.sqlite3", durability=durability.QUEUED)
    writer = Blocked()
    real = store._committer._write
    store._committer._write = lambda batch: (writer(batch), real(batch))[1]
    try:
        await asyncio.wait_for(store.record_async(make_events(1)), 5)  # returns while the writer is held
        assert await asyncio.to_thread(writer.started.wait, 10)
        assert not writer.written
    finally:
        writer.release.set()
        store.close()
    with SqliteStore(tmp_path / "audit.sqlite3") as again:
        assert len(list(again.events())) == 1


@pytest.mark.parametrize("name", ["sync", "commit"])
async def test_waiting_settings_return_only_after_the_commit(tmp_path: Path, name: str) -> None:
    store = SqliteStore(tmp_path / "audit.sqlite3", durability=durability.Durability.named(name))
    writer = Blocked()
    real = store._committer._write
    store._committer._write = lambda batch: (writer(batch), real(batch))[1]
    try:
        pending = asyncio.ensure_future(store.record_async(make_events(1)))
        assert await asyncio.to_thread(writer.started.wait, 10)
        await asyncio.sleep(0.05)
        assert not pending.done()
        writer.release.set()
        await asyncio.wait_for(pending, 10)
    finally:
        writer.release.set()
        store.close()


@pytest.mark.postgres
def test_pg_connect_options_are_per_connection(pg_url: str) -> None:
    """The writer's synchronous_commit is a session setting: it never changes the server's."""
    need_postgres()
    with PostgresStore(pg_url, durability=durability.COMMIT) as store:
        store.record(make_events(1))
    base = pg_url.split("?")[0]
    with psycopg.connect(base) as conn:
        row = conn.execute("SHOW synchronous_commit").fetchone()
    assert row is not None and row[0] == "on"
