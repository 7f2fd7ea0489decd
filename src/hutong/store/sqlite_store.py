"""The embedded audit store: one SQLite file in WAL mode, written by one group-committing thread.

``record`` (and ``record_async``, its asyncio form) returns after the transaction holding the
events has committed. The writer's ``synchronous`` level follows ``audit.durability``
(``store/durability.py``): ``NORMAL`` for ``commit`` (the default) and ``queued`` (the WAL is
fsynced at checkpoints: a kill -9 loses nothing committed, an OS crash or power cut may lose the
commits since the last checkpoint, never the file's consistency), ``FULL`` for ``sync`` (the WAL is
fsynced at every commit, so acknowledged events also survive an OS crash and a power cut).
Readers use their own connections; WAL lets them run while the writer writes.

A full disk is refused, never papered over: the commit fails, every caller in that batch gets a
``storage.disk_full`` error ("the audit log cannot be written: disk full"), and so does each later
batch until space returns; then writing resumes by itself. A busy or failing file (SQLITE_BUSY,
SQLITE_LOCKED, SQLITE_IOERR) is retried by the committer for up to ``write_retry`` seconds.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..appeals import Appeal, AppealCounts, Status
from ..audit import AuditEvent
from ..errors import HutongError, StorageError
from . import appeal_rows
from .audit_store import HOUR, Counts, hour_of
from .batcher import MAX_QUEUED, RETRY_FOR, CommittedWrites, GroupCommitter
from .columns import COLUMN_LIST, COLUMNS, from_row, time_range, to_row
from .durability import DEFAULT as DEFAULT_DURABILITY
from .durability import Durability
from .migrations import migrate_sqlite
from .rollup import Tally, exact_counts

T = TypeVar("T")

# Built from constant column names only. Each write is one multi-row statement per table
# (up to _CHUNK rows), not one statement per row: the writer thread gives up the GIL around
# every SQLite step and, in a busy worker, waits for it again each time while holding the
# write lock that the other workers are queueing for.
_CHUNK = 500  # rows per statement: 15 * 500 parameters, far below SQLite's limit
_INSERT = f"INSERT INTO audit_events ({COLUMN_LIST}) VALUES "  # noqa: S608
_EVENT_ROW = "(" + ", ".join("?" for _ in COLUMNS) + ")"
_ADD_ROW = "INSERT INTO audit_rollup VALUES "
_ROLLUP_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
_ADD_ROW_END = (
    " ON CONFLICT (bucket, stage, platform, category, level, action, card, click) DO UPDATE SET n = n + excluded.n"
)
_ADD_REASON = "INSERT INTO audit_reason_rollup VALUES "
_REASON_ROW = "(?, ?, ?, ?)"
_ADD_REASON_END = " ON CONFLICT (bucket, stage, reason) DO UPDATE SET n = n + excluded.n"
_ADD_REACH = "INSERT INTO audit_reach_rollup VALUES "
_REACH_ROW = "(?, ?, ?, ?, ?)"
_ADD_REACH_END = " ON CONFLICT (bucket, stage, platform, reach) DO UPDATE SET n = n + excluded.n"
Statement = tuple[str, list[Any]]
_APPEALS = appeal_rows.Statements("?")

# Primary result codes worth another attempt: another writer holds the file, or a read/write of it failed.
_TRANSIENT = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR}
ROOM = 1 << 20  # bytes free on the audit disk before a store that ran out of space says it is ready again
# A write that changes nothing but needs the same room a commit does (readiness after a failed write).
_PROBE = "UPDATE hutong_schema SET applied_at = applied_at WHERE version = (SELECT max(version) FROM hutong_schema)"


def _primary_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def transient(exc: BaseException) -> bool:
    """Whether a failed write is worth retrying: the file was busy or an I/O call failed, not a full disk."""
    cause = exc.__cause__ if isinstance(exc, StorageError) else exc
    return _primary_code(cause) in _TRANSIENT if cause is not None else False


def _multirow(head: str, row: str, rows: Sequence[tuple[Any, ...]], tail: str = "") -> list[Statement]:
    """``head VALUES row, row, ... tail`` statements for ``rows``, at most ``_CHUNK`` rows each."""
    out: list[Statement] = []
    for i in range(0, len(rows), _CHUNK):
        chunk = rows[i : i + _CHUNK]
        out.append((head + ", ".join([row] * len(chunk)) + tail, [v for r in chunk for v in r]))
    return out


class WriterTurn:
    """An exclusive ``flock`` that the writers of one database file (one per process) take in turn.

    Without it, a process whose ``BEGIN IMMEDIATE`` finds the database locked sleeps in SQLite's
    busy handler (1, 2, 5, 10, ... ms, polling) even when the other writer commits a moment
    later: with two workers this set the p99 of ``/v1/check`` (bench/service.py). A blocked
    ``flock`` wakes as soon as the lock is released, and the events queued meanwhile share the
    next commit. SQLite's own locking still guards the file; this only orders the writers.
    """

    def __init__(self, path: Path) -> None:
        self._fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self) -> None:
        if self._fd is None:
            raise StorageError("the audit store is closed; open it again to record events")
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Release the lock file (once; closing again does nothing)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def path_from_url(url: str) -> Path:
    """``sqlite:///abs/path`` (or ``sqlite://relative/path``) to a filesystem path."""
    if not url.startswith("sqlite://") or len(url) <= len("sqlite://"):
        raise StorageError(f"{url!r} is not a sqlite:/// URL; write sqlite:///path/to/audit.sqlite3")
    return Path(url[len("sqlite://") :]).expanduser()


class SqliteStore(appeal_rows.AppealReads, CommittedWrites):
    """``AuditStore`` on one SQLite file."""

    _appeal_sql = _APPEALS

    def __init__(
        self,
        path: str | Path,
        *,
        max_batch: int = 20_000,
        write_retry: float = RETRY_FOR,
        durability: Durability = DEFAULT_DURABILITY,
        max_queued: int = MAX_QUEUED,
    ) -> None:
        self.path = Path(path)
        self.durability = durability
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = self._connect()
            self._writer.execute("PRAGMA journal_mode=WAL")
            if not durability.fsync:
                self._writer.execute("PRAGMA synchronous=NORMAL")
            migrate_sqlite(self._writer)
            self._turn = WriterTurn(self.path.with_name(self.path.name + ".writer-lock"))
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open the audit database {str(self.path)!r}: {exc}") from exc
        self._committer = GroupCommitter(
            self._write, max_batch=max_batch, max_queued=max_queued, transient=transient, retry_for=write_retry
        )
        self._lock = threading.Lock()  # prune/delete_user share the writer connection's file lock

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30.0)
        conn.execute("PRAGMA synchronous=FULL")  # maintenance and appeals; the event writer's follows durability
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    # -- writing -------------------------------------------------------------------------------------

    def _write(self, batch: list[AuditEvent]) -> None:
        # everything but the SQLite calls is done before taking the writers' turn
        tally = Tally.of(batch)
        statements = [
            *_multirow(_INSERT, _EVENT_ROW, [to_row(ev) for ev in batch]),
            *_multirow(_ADD_ROW, _ROLLUP_ROW, [(*k, n) for k, n in tally.rows.items()], _ADD_ROW_END),
            *_multirow(_ADD_REASON, _REASON_ROW, [(*k, n) for k, n in tally.reasons.items()], _ADD_REASON_END),
            *_multirow(_ADD_REACH, _REACH_ROW, [(*k, n) for k, n in tally.reach.items()], _ADD_REACH_END),
        ]
        with self._turn:
            self._transaction(self._writer, lambda c: self._run_all(c, statements))

    @staticmethod
    def _run_all(conn: sqlite3.Connection, statements: list[Statement]) -> None:
        for sql, params in statements:
            conn.execute(sql, params)

    def _transaction(self, conn: sqlite3.Connection, body: Callable[[sqlite3.Connection], T]) -> T:
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = body(conn)
                conn.execute("COMMIT")
            except BaseException:
                # SQLite has already rolled back after some errors (SQLITE_FULL among them): a second
                # ROLLBACK would fail and hide the error that matters
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return result
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: sqlite3.Error) -> StorageError:
        """The StorageError for a failed write: a full disk says so, in the words an operator looks for."""
        if _primary_code(exc) == sqlite3.SQLITE_FULL:
            return StorageError(
                f"the audit log cannot be written: disk full ({str(self.path)!r}: {exc}); checks are refused "
                "until their decisions can be recorded: free space on that disk",
                code="storage.disk_full",
            )
        return StorageError(f"audit database {str(self.path)!r} failed: {exc}")

    # -- reading -------------------------------------------------------------------------------------

    def events(self, since: float | None = None, until: float | None = None) -> Iterator[AuditEvent]:
        """Events with ``since <= time < until``, oldest first."""
        where, params = time_range("ts", since, until, "?")
        conn = self._reader()
        try:
            cur = conn.execute(f"SELECT {COLUMN_LIST} FROM audit_events{where} ORDER BY ts, id", params)  # noqa: S608
            while rows := cur.fetchmany(2000):
                for row in rows:
                    yield from_row(row)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot read the audit database {str(self.path)!r}: {exc}") from exc
        finally:
            conn.close()

    def counts(
        self, since: float | None = None, until: float | None = None, *, bucket: float = HOUR
    ) -> Counts:
        """Exact grouped counts for ``since <= time < until`` in buckets of ``bucket`` seconds."""
        return exact_counts(self._rollup, lambda a, b: list(self.events(a, b)), since, until, bucket)

    def _rollup(self, lo: float | None, hi: float | None, size: float) -> Tally:
        where, params = time_range("bucket", lo, hi, "?")
        b = "CAST(CAST(bucket / ? AS INTEGER) * ? AS REAL)"
        conn = self._reader()
        try:
            rows = conn.execute(
                f"SELECT {b}, stage, platform, category, level, action, card, click, SUM(n) "  # noqa: S608
                f"FROM audit_rollup{where} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
                [size, size, *params],
            ).fetchall()
            reasons = conn.execute(
                f"SELECT {b}, stage, reason, SUM(n) FROM audit_reason_rollup{where} GROUP BY 1, 2, 3",  # noqa: S608
                [size, size, *params],
            ).fetchall()
            reach = conn.execute(
                f"SELECT {b}, stage, platform, reach, SUM(n) FROM audit_reach_rollup{where} "  # noqa: S608
                "GROUP BY 1, 2, 3, 4",
                [size, size, *params],
            ).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot read the audit database {str(self.path)!r}: {exc}") from exc
        finally:
            conn.close()
        tally = Tally.of((), size)
        tally.add_rows(
            ((tuple(r[:8]), int(r[8])) for r in rows),
            ((tuple(r[:3]), int(r[3])) for r in reasons),
            ((tuple(r[:4]), int(r[4])) for r in reach),
        )
        return tally

    def _reader(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the audit database {str(self.path)!r}: {exc}") from exc

    # -- deleting ------------------------------------------------------------------------------------

    def prune(self, before: float) -> int:
        """Delete events before the start of the hour containing ``before``."""
        cutoff = hour_of(before)

        def body(conn: sqlite3.Connection) -> int:
            gone = conn.execute("DELETE FROM audit_events WHERE ts < ?", (cutoff,)).rowcount
            conn.execute("DELETE FROM audit_rollup WHERE bucket < ?", (cutoff,))
            conn.execute("DELETE FROM audit_reason_rollup WHERE bucket < ?", (cutoff,))
            conn.execute("DELETE FROM audit_reach_rollup WHERE bucket < ?", (cutoff,))
            conn.execute(_APPEALS.prune, (cutoff,))  # appeals are kept as long as events
            return int(gone)

        return self._maintain(body)

    def delete_user(self, user_hash: str) -> int:
        """Delete one hashed user's events and take them out of the rollups."""

        def body(conn: sqlite3.Connection) -> int:
            rows = conn.execute(
                f"SELECT {COLUMN_LIST} FROM audit_events WHERE user_hash = ?",  # noqa: S608
                (user_hash,),
            ).fetchall()
            tally = Tally.of(from_row(r) for r in rows)
            conn.executemany(
                "UPDATE audit_rollup SET n = n - ? WHERE bucket = ? AND stage = ? AND platform = ? "
                "AND category = ? AND level = ? AND action = ? AND card = ? AND click = ?",
                [(n, *k) for k, n in tally.rows.items()],
            )
            conn.executemany(
                "UPDATE audit_reason_rollup SET n = n - ? WHERE bucket = ? AND stage = ? AND reason = ?",
                [(n, *k) for k, n in tally.reasons.items()],
            )
            conn.executemany(
                "UPDATE audit_reach_rollup SET n = n - ? WHERE bucket = ? AND stage = ? AND platform = ? "
                "AND reach = ?",
                [(n, *k) for k, n in tally.reach.items()],
            )
            conn.execute("DELETE FROM audit_rollup WHERE n <= 0")
            conn.execute("DELETE FROM audit_reason_rollup WHERE n <= 0")
            conn.execute("DELETE FROM audit_reach_rollup WHERE n <= 0")
            conn.execute("DELETE FROM audit_events WHERE user_hash = ?", (user_hash,))
            return len(rows)

        return self._maintain(body)

    def _maintain(self, body: Callable[[sqlite3.Connection], T]) -> T:
        # A second connection: the writer thread owns self._writer; SQLite's file lock
        # (BEGIN IMMEDIATE + busy_timeout) serialises the two.
        with self._lock:
            conn = self._reader()
            try:
                return self._transaction(conn, body)
            finally:
                conn.close()

    # -- appeals (hutong.appeals.AppealStore) ----------------------------------------------------------

    def add_appeal(self, appeal: Appeal) -> int:
        """Store a new appeal, committed durably; its id."""

        def body(conn: sqlite3.Connection) -> int:
            return int(conn.execute(_APPEALS.insert, appeal_rows.to_row(appeal)).fetchone()[0])

        return self._maintain(body)

    def settle_appeal(self, appeal_id: int, status: Status, *, at: float, by: str, note: str) -> Appeal | None:
        """Record the operator's answer to an appeal."""
        appeal_rows.check_status(status)

        def body(conn: sqlite3.Connection) -> list[Any]:
            conn.execute(_APPEALS.settle, (status, at, by, note, appeal_id))
            return conn.execute(_APPEALS.one, (appeal_id,)).fetchall()

        rows = self._maintain(body)
        return appeal_rows.from_row(rows[0]) if rows else None

    def appeal_counts(self, since: float | None = None, until: float | None = None) -> AppealCounts:
        """Appeals filed in ``[since, until)``: received, led to a change, still open."""
        sql, params = _APPEALS.counts(since, until)
        rows = self._read(sql, params)
        return appeal_rows.counts_of(rows[0] if rows else None)

    def _read(self, sql: str, params: Sequence[Any]) -> list[Any]:
        conn = self._reader()
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot read the audit database {str(self.path)!r}: {exc}") from exc
        finally:
            conn.close()

    def ping(self) -> None:
        """Raise StorageError if the database file cannot be read now, or, after a failed write, written."""
        conn = self._reader()
        try:
            try:
                conn.execute("SELECT count(*) FROM hutong_schema").fetchone()
            except sqlite3.Error as exc:
                raise StorageError(f"the audit database {str(self.path)!r} is not readable: {exc}") from exc
            failure = self._committer.failure
            if failure is not None:  # e.g. the disk filled: can it take a commit again?
                if failure.code == "storage.disk_full":
                    self._check_room(failure)
                self._transaction(conn, lambda c: c.execute(_PROBE))
        finally:
            conn.close()

    def _check_room(self, failure: HutongError) -> None:
        """After the disk filled: not writable again until ``ROOM`` bytes are free.

        A small probe alone would pass too early: it fits in the pages the failed commit had
        already claimed, while the next batch of events does not.
        """
        try:
            fs = os.statvfs(self.path.parent)
        except OSError as exc:
            raise StorageError(f"cannot tell how much room is left for {str(self.path)!r}: {exc}") from exc
        if fs.f_bavail * fs.f_frsize < ROOM:
            raise StorageError(failure.message, code=failure.code)  # a new one: readers run on other threads

    def close(self) -> None:
        """Flush pending writes and close."""
        self._committer.close()
        self._writer.close()
        self._turn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
