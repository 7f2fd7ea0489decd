"""Schema migrations for the audit store, one ordered list run on SQLite and PostgreSQL alike.

Each migration has a version, a name and its SQL for each backend; the applied versions
are kept in ``hutong_schema``. Running ``migrate_*`` twice is a no-op; a database newer
than this code is refused instead of being written with an older layout.
On PostgreSQL the statements run unqualified under the store's ``search_path``.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

import psycopg

from ..errors import StorageError


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sqlite: str
    postgres: str


_EVENT_COLUMNS_SQLITE = """
    ts REAL NOT NULL,
    stage TEXT NOT NULL,
    context TEXT NOT NULL,
    site TEXT,
    platform TEXT,
    category TEXT NOT NULL,
    kind TEXT,
    level TEXT NOT NULL,
    reasons TEXT NOT NULL,
    action TEXT NOT NULL,
    rule TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    card INTEGER NOT NULL,
    clicked_through INTEGER,
    user_hash TEXT
"""

_EVENT_COLUMNS_PG = """
    ts double precision NOT NULL,
    stage text NOT NULL,
    context text NOT NULL,
    site text,
    platform text,
    category text NOT NULL,
    kind text,
    level text NOT NULL,
    reasons text NOT NULL,
    action text NOT NULL,
    rule text NOT NULL,
    policy_version text NOT NULL,
    card boolean NOT NULL,
    clicked_through boolean,
    user_hash text
"""

_ROLLUP = """
CREATE TABLE audit_rollup (
    bucket {real} NOT NULL, stage text NOT NULL, platform text NOT NULL, category text NOT NULL,
    level text NOT NULL, action text NOT NULL, card smallint NOT NULL, click smallint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (bucket, stage, platform, category, level, action, card, click)
){suffix};
CREATE TABLE audit_reason_rollup (
    bucket {real} NOT NULL, stage text NOT NULL, reason text NOT NULL, n bigint NOT NULL,
    PRIMARY KEY (bucket, stage, reason)
){suffix};
"""

# Where each checked link landed (hutong.core.reach): a column on the events, and per-hour counts by
# platform and reach for the report's reachability table. Older events have no reach (NULL): not known.
_REACH_ROLLUP = """
CREATE TABLE audit_reach_rollup (
    bucket {real} NOT NULL, stage text NOT NULL, platform text NOT NULL, reach text NOT NULL, n bigint NOT NULL,
    PRIMARY KEY (bucket, stage, platform, reach)
){suffix};
"""
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "events and hourly rollups",
        sqlite=f"""
CREATE TABLE audit_events (id INTEGER PRIMARY KEY, {_EVENT_COLUMNS_SQLITE});
CREATE INDEX audit_events_ts ON audit_events (ts);
CREATE INDEX audit_events_user ON audit_events (user_hash) WHERE user_hash IS NOT NULL;
{_ROLLUP.format(real="REAL", suffix=" WITHOUT ROWID")}
""",
        # Range-partitioned by month on ts: pruning drops whole partitions, and each
        # partition's indexes stay small enough to be cached at 100M rows in total.
        postgres=f"""
CREATE TABLE audit_events ({_EVENT_COLUMNS_PG}) PARTITION BY RANGE (ts);
CREATE INDEX audit_events_ts ON audit_events (ts);
CREATE INDEX audit_events_user ON audit_events (user_hash) WHERE user_hash IS NOT NULL;
{_ROLLUP.format(real="double precision", suffix="")}
""",
    ),
    Migration(
        2,
        "commit marks",
        # SQLite: nothing; a commit there cannot succeed without the caller hearing of it.
        sqlite="",
        # PostgreSQL: one row per writer (one per process), updated in every batch's transaction with
        # that batch's number, so a retry after a connection lost during COMMIT can tell whether it
        # committed. Transaction ids cannot tell: after a server crash they may be handed out again.
        postgres="""
CREATE TABLE audit_commits (writer text PRIMARY KEY, batch bigint NOT NULL, at double precision NOT NULL);
""",
    ),
    # Reports of mistakes from the block and warning pages (hutong.appeals): few rows, kept unpartitioned.
    Migration(
        3,
        "appeals",
        sqlite="""
CREATE TABLE appeals (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, url TEXT NOT NULL, site TEXT, context TEXT NOT NULL,
    action TEXT NOT NULL, rule TEXT NOT NULL, level TEXT NOT NULL, reasons TEXT NOT NULL,
    policy_version TEXT NOT NULL, message TEXT NOT NULL, contact TEXT NOT NULL, status TEXT NOT NULL,
    settled_at REAL, settled_by TEXT NOT NULL, note TEXT NOT NULL
);
CREATE INDEX appeals_ts ON appeals (ts);
CREATE INDEX appeals_status ON appeals (status, ts);
""",
        postgres="""
CREATE TABLE appeals (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ts double precision NOT NULL, url text NOT NULL,
    site text, context text NOT NULL, action text NOT NULL, rule text NOT NULL, level text NOT NULL,
    reasons text NOT NULL, policy_version text NOT NULL, message text NOT NULL, contact text NOT NULL,
    status text NOT NULL, settled_at double precision, settled_by text NOT NULL, note text NOT NULL
);
CREATE INDEX appeals_ts ON appeals (ts);
CREATE INDEX appeals_status ON appeals (status, ts);
""",
    ),
    Migration(
        4,
        "reach",
        sqlite="ALTER TABLE audit_events ADD COLUMN reach TEXT;\n"
        + _REACH_ROLLUP.format(real="REAL", suffix=" WITHOUT ROWID"),
        # on the partitioned table the column reaches every partition, present and future
        postgres="ALTER TABLE audit_events ADD COLUMN reach text;\n"
        + _REACH_ROLLUP.format(real="double precision", suffix=""),
    ),
)

LATEST = MIGRATIONS[-1].version


def _check_not_newer(applied: set[int]) -> None:
    if applied and max(applied) > LATEST:
        raise StorageError(
            f"the audit database has schema version {max(applied)}, newer than this hutong knows ({LATEST}); "
            "upgrade hutong or point storage.audit at another database",
            code="storage.schema_newer",
        )


def migrate_sqlite(conn: sqlite3.Connection) -> list[int]:
    """Apply pending migrations to a SQLite connection; return the versions applied."""
    conn.execute("BEGIN IMMEDIATE")  # one migrating process at a time
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS hutong_schema "
            "(version INTEGER PRIMARY KEY, name TEXT, applied_at REAL)"
        )
        applied = {int(r[0]) for r in conn.execute("SELECT version FROM hutong_schema")}
        _check_not_newer(applied)
        done: list[int] = []
        for m in MIGRATIONS:
            if m.version in applied:
                continue
            for stmt in _statements(m.sqlite):
                conn.execute(stmt)
            conn.execute("INSERT INTO hutong_schema VALUES (?, ?, ?)", (m.version, m.name, time.time()))
            done.append(m.version)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return done


def migrate_postgres(conn: psycopg.Connection[tuple[object, ...]]) -> list[int]:
    """Apply pending migrations on a PostgreSQL connection (search_path set); return versions applied."""
    done: list[int] = []
    with conn.transaction():
        # Several workers may start at once against one database: serialise them.
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('hutong.migrate'))")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS hutong_schema "
            "(version integer PRIMARY KEY, name text, applied_at double precision)"
        )
        applied = {int(str(r[0])) for r in conn.execute("SELECT version FROM hutong_schema")}
        _check_not_newer(applied)
        for m in MIGRATIONS:
            if m.version in applied:
                continue
            for stmt in _statements(m.postgres):
                conn.execute(stmt.encode())
            conn.execute("INSERT INTO hutong_schema VALUES (%s, %s, %s)", (m.version, m.name, time.time()))
            done.append(m.version)
    return done


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
