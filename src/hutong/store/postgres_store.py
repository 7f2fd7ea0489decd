"""The shared audit store on PostgreSQL (psycopg 3): batched COPY into a month-partitioned table.

One writer thread per process (``batcher.GroupCommitter``) gathers concurrent ``record`` and
``record_async`` calls into one transaction: a ``COPY`` of the events and one
``INSERT ... ON CONFLICT`` that adds the batch's counts to the hourly rollups. Either call
returns only after that transaction has committed. Any number of processes may write to one
database; rollup keys are upserted in sorted order so concurrent writers cannot deadlock.
Partitions are created on demand (under an advisory lock) and pruning drops whole months.

A lost connection or a database that is down or restarting is transient: the committer retries
the batch for up to ``write_retry`` seconds. If the connection broke during an attempt, that
attempt may have committed without the answer arriving; so each transaction also sets this
writer's row in ``audit_commits`` to the batch's number, and a retry first reads that row (``FOR
UPDATE``: it waits for a transaction of the broken connection that is still running): a batch that
did commit is acknowledged, not written twice. (Transaction ids cannot answer this: after a server
crash, ids that reached no WAL are handed out again.) A full disk on the server is refused at once.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from ..appeals import Appeal, AppealCounts, Status
from ..audit import AuditEvent
from ..errors import StorageError
from . import appeal_rows
from .audit_store import HOUR, Counts, hour_of
from .batcher import MAX_QUEUED, RETRY_FOR, CommittedWrites, GroupCommitter
from .columns import COLUMN_LIST, from_row, time_range, to_row
from .durability import DEFAULT as DEFAULT_DURABILITY
from .durability import Durability
from .migrations import migrate_postgres
from .rollup import Tally, exact_counts

T = TypeVar("T")
log = logging.getLogger("hutong.store")
Conn = psycopg.Connection[tuple[Any, ...]]

DEFAULT_SCHEMA = "hutong"
_SCHEMA_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_PARTITION_RE = re.compile(r"audit_events_p(\d{4})(\d{2})")
_APPEALS = appeal_rows.Statements("%s")

# Binary parameters (%b): text arrays skip the quoting that text format needs.
_ADD_ROWS = """
INSERT INTO audit_rollup AS r
SELECT * FROM unnest(%b::float8[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[],
                     %b::int2[], %b::int2[], %b::int8[])
ON CONFLICT (bucket, stage, platform, category, level, action, card, click) DO UPDATE SET n = r.n + excluded.n
"""
_ADD_REASONS = """
INSERT INTO audit_reason_rollup AS r
SELECT * FROM unnest(%b::float8[], %b::text[], %b::text[], %b::int8[])
ON CONFLICT (bucket, stage, reason) DO UPDATE SET n = r.n + excluded.n
"""
_ADD_REACH = """
INSERT INTO audit_reach_rollup AS r
SELECT * FROM unnest(%b::float8[], %b::text[], %b::text[], %b::text[], %b::int8[])
ON CONFLICT (bucket, stage, platform, reach) DO UPDATE SET n = r.n + excluded.n
"""
# This writer's commit mark: the number of the batch its last committed transaction held.
_MARK = (
    "INSERT INTO audit_commits VALUES (%s, %s, %s) "
    "ON CONFLICT (writer) DO UPDATE SET batch = excluded.batch, at = excluded.at"
)
_MARKED = "SELECT batch FROM audit_commits WHERE writer = %s FOR UPDATE"
_MARK_WAIT = "SET LOCAL lock_timeout = '2s'"  # a broken connection's transaction may still hold the mark
# A write that changes nothing but needs what a commit needs (readiness after a failed write).
_PROBE = "UPDATE hutong_schema SET applied_at = applied_at WHERE version = (SELECT max(version) FROM hutong_schema)"


def transient(exc: BaseException) -> bool:
    """Whether a failed write is worth retrying: the server or the connection went away, not a full disk."""
    cause = exc.__cause__ if isinstance(exc, StorageError) else exc
    if isinstance(cause, psycopg.errors.DiskFull):
        return False
    return isinstance(cause, psycopg.OperationalError | psycopg.InterfaceError)


def split_url(url: str) -> tuple[str, str]:
    """Separate hutong's own ``?schema=NAME`` from a libpq URL; return ``(conninfo, schema)``."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), DEFAULT_SCHEMA)
    if not _SCHEMA_RE.fullmatch(schema):
        raise StorageError(
            f"schema {schema!r} in storage.audit is not a plain lower-case SQL name; "
            "use letters, digits and _"
        )
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


def month_of(ts: float) -> tuple[int, int]:
    """(year, month) of ``ts`` in UTC."""
    d = datetime.fromtimestamp(ts, UTC)
    return d.year, d.month


def month_bounds(year: int, month: int) -> tuple[float, float]:
    """Unix seconds of the first instant of the month and of the next month."""
    nxt = (year + 1, 1) if month == 12 else (year, month + 1)
    lo = datetime(year, month, 1, tzinfo=UTC).timestamp()
    hi = datetime(nxt[0], nxt[1], 1, tzinfo=UTC).timestamp()
    return lo, hi


class PostgresStore(appeal_rows.AppealReads, CommittedWrites):
    """``AuditStore`` on PostgreSQL; ``url`` is a libpq URL, optionally with ``?schema=NAME``."""

    _appeal_sql = _APPEALS

    def __init__(
        self,
        url: str,
        *,
        max_batch: int = 50_000,
        connect_timeout: float = 10.0,
        write_retry: float = RETRY_FOR,
        durability: Durability = DEFAULT_DURABILITY,
        max_queued: int = MAX_QUEUED,
    ) -> None:
        self._conninfo, self.schema = split_url(url)
        self.durability = durability
        self._connect_timeout = connect_timeout
        self._partitions: set[tuple[int, int]] = set()
        self._writer: Conn | None = None
        self._writer_id = uuid.uuid4().hex  # this store's row in audit_commits
        self._numbers = itertools.count(1)
        # the batch being written and its number, kept while its attempts fail: a retry checks the mark
        self._attempt: tuple[list[AuditEvent], int] | None = None
        self._lock = threading.Lock()
        self._guard(self._bootstrap, "open")
        self._committer = GroupCommitter(
            self._write, max_batch=max_batch, max_queued=max_queued, transient=transient, retry_for=write_retry
        )

    # -- connections ---------------------------------------------------------------------------------

    def _connect(self, *, writer: bool = False) -> Conn:
        options = f"-c search_path={self.schema}"
        if writer and not self.durability.fsync:
            # the server answers COMMIT before its WAL is flushed (its WAL writer does that within
            # 3 x wal_writer_delay); for this connection only, see store/durability.py
            options += " -c synchronous_commit=off"
        return psycopg.connect(
            self._conninfo,
            autocommit=True,
            connect_timeout=max(1, int(self._connect_timeout)),
            options=options,
        )

    def _bootstrap(self) -> None:
        conn = self._connect()
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('hutong.schema'))")
                conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
            migrate_postgres(conn)
            # the mark exists before the first batch, so that a retry's FOR UPDATE always has a row to wait on
            conn.execute(_MARK, (self._writer_id, 0, time.time()))
        finally:
            conn.close()

    def _guard(self, body: Callable[[], T], what: str) -> T:
        try:
            return body()
        except psycopg.errors.DiskFull as exc:
            raise StorageError(
                f"the audit log cannot be written: disk full on the PostgreSQL server ({str(exc).strip()}); "
                "checks are refused until their decisions can be recorded: free space there",
                code="storage.disk_full",
            ) from exc
        except psycopg.Error as exc:
            raise StorageError(
                f"PostgreSQL audit store ({what}) failed: {str(exc).strip()}; "
                "check storage.audit and that the database is reachable"
            ) from exc

    # -- writing -------------------------------------------------------------------------------------

    def _write(self, batch: list[AuditEvent]) -> None:
        retry = self._attempt is not None and self._attempt[0] is batch
        if not retry:
            self._attempt = (batch, next(self._numbers))
        assert self._attempt is not None
        number = self._attempt[1]
        tally = Tally.of(batch)
        try:
            written = self._guard(lambda: self._write_once(batch, tally, number, check=retry), "write")
        except StorageError as exc:
            # A partition dropped by another process's prune: forget what we knew and retry once.
            if not isinstance(exc.__cause__, psycopg.errors.CheckViolation):
                raise
            self._partitions.clear()
            written = self._guard(lambda: self._write_once(batch, tally, number, check=True), "write")
        self._attempt = None
        if not written:
            log.warning("the audit write that broke off had committed (batch %d): not writing it twice", number)

    def _write_once(self, batch: list[AuditEvent], tally: Tally, number: int, *, check: bool) -> bool:
        """Write ``batch`` as batch ``number`` in one transaction; False if ``check`` finds it committed."""
        if self._writer is None or self._writer.closed or self._writer.broken:
            self._writer = self._connect(writer=True)
        conn = self._writer
        months = {month_of(ev.time) for ev in batch} - self._partitions
        try:
            with conn.transaction(), conn.cursor() as cur:
                if check:
                    cur.execute(_MARK_WAIT)
                    row = cur.execute(_MARKED, (self._writer_id,)).fetchone()
                    if row is not None and int(row[0]) == number:
                        return False
                cur.execute(_MARK, (self._writer_id, number, time.time()))
                if months:
                    self._create_partitions(cur, months)
                with cur.copy(f"COPY audit_events ({COLUMN_LIST}) FROM STDIN") as copy:
                    for ev in batch:
                        copy.write_row(to_row(ev))
                rows = sorted(tally.rows.items())
                cur.execute(_ADD_ROWS, [[k[i] for k, _ in rows] for i in range(8)] + [[n for _, n in rows]])
                reasons = sorted(tally.reasons.items())
                cur.execute(
                    _ADD_REASONS, [[k[i] for k, _ in reasons] for i in range(3)] + [[n for _, n in reasons]]
                )
                if tally.reach:
                    reach = sorted(tally.reach.items())
                    cur.execute(_ADD_REACH, [[k[i] for k, _ in reach] for i in range(4)] + [[n for _, n in reach]])
        except (psycopg.OperationalError, psycopg.InterfaceError):
            conn.close()  # reconnect on the next attempt
            raise
        self._partitions |= months
        return True

    @staticmethod
    def _create_partitions(cur: psycopg.Cursor[tuple[Any, ...]], months: set[tuple[int, int]]) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('hutong.partition'))")
        for year, month in sorted(months):
            lo, hi = month_bounds(year, month)
            cur.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} PARTITION OF audit_events FOR VALUES FROM ({}) TO ({})"
                ).format(
                    sql.Identifier(f"audit_events_p{year:04d}{month:02d}"), sql.Literal(lo), sql.Literal(hi)
                )
            )

    # -- reading -------------------------------------------------------------------------------------

    def events(self, since: float | None = None, until: float | None = None) -> Iterator[AuditEvent]:
        """Events with ``since <= time < until``, oldest first, through a server-side cursor."""
        where, params = time_range("ts", since, until, "%s")
        try:
            conn = self._connect()
            try:
                with conn.transaction(), conn.cursor(name="hutong_events") as cur:
                    cur.itersize = 5000
                    cur.execute(f"SELECT {COLUMN_LIST} FROM audit_events{where} ORDER BY ts", params)  # noqa: S608
                    for row in cur:
                        yield from_row(row)
            finally:
                conn.close()
        except psycopg.Error as exc:
            raise StorageError(f"cannot read the PostgreSQL audit store: {str(exc).strip()}") from exc

    def counts(
        self, since: float | None = None, until: float | None = None, *, bucket: float = HOUR
    ) -> Counts:
        """Exact grouped counts for ``since <= time < until`` in buckets of ``bucket`` seconds."""
        return exact_counts(self._rollup, lambda a, b: list(self.events(a, b)), since, until, bucket)

    def _rollup(self, lo: float | None, hi: float | None, size: float) -> Tally:
        where, params = time_range("bucket", lo, hi, "%s")
        b = "floor(bucket / %s) * %s"

        def body() -> Tally:
            # The database folds hours into the asked buckets: months of hourly rows stay server-side.
            with self._connect() as conn:
                rows = conn.execute(
                    f"SELECT {b}, stage, platform, category, level, action, card, click, sum(n) "  # noqa: S608
                    f"FROM audit_rollup{where} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
                    [size, size, *params],
                ).fetchall()
                reasons = conn.execute(
                    f"SELECT {b}, stage, reason, sum(n) FROM audit_reason_rollup{where} GROUP BY 1, 2, 3",  # noqa: S608
                    [size, size, *params],
                ).fetchall()
                reach = conn.execute(
                    f"SELECT {b}, stage, platform, reach, sum(n) FROM audit_reach_rollup{where} "  # noqa: S608
                    "GROUP BY 1, 2, 3, 4",
                    [size, size, *params],
                ).fetchall()
            tally = Tally.of((), size)
            tally.add_rows(
                ((tuple(r[:8]), int(r[8])) for r in rows),
                ((tuple(r[:3]), int(r[3])) for r in reasons),
                ((tuple(r[:4]), int(r[4])) for r in reach),
            )
            return tally

        return self._guard(body, "read")

    # -- deleting ------------------------------------------------------------------------------------

    def prune(self, before: float) -> int:
        """Drop whole months before the cutoff hour, delete the rest of the range row by row."""
        cutoff = hour_of(before)

        def body() -> int:
            gone = 0
            with self._connect() as conn, conn.transaction():
                for name in self._partition_names(conn):
                    m = _PARTITION_RE.fullmatch(name)
                    if m and month_bounds(int(m[1]), int(m[2]))[1] <= cutoff:
                        row = conn.execute(
                            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
                        ).fetchone()
                        gone += int(row[0]) if row else 0
                        conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
                        self._partitions.discard((int(m[1]), int(m[2])))
                gone += conn.execute("DELETE FROM audit_events WHERE ts < %s", (cutoff,)).rowcount
                conn.execute("DELETE FROM audit_rollup WHERE bucket < %s", (cutoff,))
                conn.execute("DELETE FROM audit_reason_rollup WHERE bucket < %s", (cutoff,))
                conn.execute("DELETE FROM audit_reach_rollup WHERE bucket < %s", (cutoff,))
                conn.execute("DELETE FROM audit_commits WHERE at < %s", (cutoff,))  # writers long gone
                conn.execute(_APPEALS.prune, (cutoff,))  # appeals are kept as long as events
            return gone

        with self._lock:
            return self._guard(body, "prune")

    @staticmethod
    def _partition_names(conn: Conn) -> list[str]:
        rows = conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'audit_events'::regclass ORDER BY c.relname"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def delete_user(self, user_hash: str) -> int:
        """Delete one hashed user's events and take them out of the rollups."""

        def body() -> int:
            with self._connect() as conn, conn.transaction():
                rows = conn.execute(
                    f"SELECT {COLUMN_LIST} FROM audit_events WHERE user_hash = %s FOR UPDATE",  # noqa: S608
                    (user_hash,),
                ).fetchall()
                tally = Tally.of(from_row(r) for r in rows)
                neg = sorted((k, -n) for k, n in tally.rows.items())
                conn.execute(_ADD_ROWS, [[k[i] for k, _ in neg] for i in range(8)] + [[n for _, n in neg]])
                negr = sorted((k, -n) for k, n in tally.reasons.items())
                conn.execute(
                    _ADD_REASONS, [[k[i] for k, _ in negr] for i in range(3)] + [[n for _, n in negr]]
                )
                if tally.reach:
                    nega = sorted((k, -n) for k, n in tally.reach.items())
                    conn.execute(_ADD_REACH, [[k[i] for k, _ in nega] for i in range(4)] + [[n for _, n in nega]])
                conn.execute("DELETE FROM audit_rollup WHERE n <= 0")
                conn.execute("DELETE FROM audit_reason_rollup WHERE n <= 0")
                conn.execute("DELETE FROM audit_reach_rollup WHERE n <= 0")
                conn.execute("DELETE FROM audit_events WHERE user_hash = %s", (user_hash,))
            return len(rows)

        with self._lock:
            return self._guard(body, "delete user")

    # -- appeals (hutong.appeals.AppealStore) ----------------------------------------------------------

    def add_appeal(self, appeal: Appeal) -> int:
        """Store a new appeal, committed; its id."""

        def body() -> int:
            with self._connect() as conn, conn.transaction():
                row = conn.execute(_APPEALS.insert, appeal_rows.to_row(appeal)).fetchone()
            if row is None:
                raise StorageError("the PostgreSQL audit store returned no id for a new appeal")
            return int(row[0])

        return self._guard(body, "add appeal")

    def settle_appeal(self, appeal_id: int, status: Status, *, at: float, by: str, note: str) -> Appeal | None:
        """Record the operator's answer to an appeal."""
        appeal_rows.check_status(status)

        def body() -> list[Any]:
            with self._connect() as conn, conn.transaction():
                conn.execute(_APPEALS.settle, (status, at, by, note, appeal_id))
                return conn.execute(_APPEALS.one, (appeal_id,)).fetchall()

        rows = self._guard(body, "settle appeal")
        return appeal_rows.from_row(rows[0]) if rows else None

    def appeal_counts(self, since: float | None = None, until: float | None = None) -> AppealCounts:
        """Appeals filed in ``[since, until)``: received, led to a change, still open."""
        sql, params = _APPEALS.counts(since, until)
        rows = self._read(sql, params)
        return appeal_rows.counts_of(rows[0] if rows else None)

    def _read(self, sql: str, params: list[Any]) -> list[Any]:
        def body() -> list[Any]:
            with self._connect() as conn:
                return conn.execute(sql.encode(), params).fetchall()

        return self._guard(body, "read")

    def ping(self) -> None:
        """Raise StorageError if PostgreSQL cannot be reached now, or, after a failed write, written."""

        def body() -> None:
            with self._connect() as conn:
                conn.execute("SELECT count(*) FROM hutong_schema").fetchone()
                if self._committer.failure is not None:  # reachable, but can it take a commit again?
                    conn.execute(_PROBE)

        self._guard(body, "ping")

    def drop_schema(self) -> None:
        """Remove the whole schema (tests and benchmarks clean up with this)."""
        self.close()

        def body() -> None:
            with self._connect() as conn:
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema)))

        self._guard(body, "drop schema")

    def close(self) -> None:
        """Flush pending writes and close the writer connection."""
        self._committer.close()
        if self._writer is not None:
            self._writer.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
