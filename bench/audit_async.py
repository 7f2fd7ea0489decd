"""Audit writes from the service's event loop: ``record_async`` against a thread hand-off per request.

    .venv/bin/python bench/audit_async.py                  # 32 callers, 5 s per row
    .venv/bin/python bench/audit_async.py --write-docs     # also put the table into docs/benchmarks.md

32 asyncio tasks each record one event per call, back to back, on one event loop (what
``/v1/check`` does per request). Two ways, same store, same run:
``run_in_threadpool(store.record, events)`` (Starlette's hand-off, what the gateway does for a
store without ``record_async``) and ``await store.record_async(events)`` (no thread per call: the
writer thread settles a future after COMMIT). Both wait for the commit holding their event.
PostgreSQL at 127.0.0.1:5432 (database ``test``), in a throw-away schema; SQLite in a temp dir.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from audit import PG, machine, make_events  # noqa: E402
from starlette.concurrency import run_in_threadpool  # noqa: E402

from hutong.audit import AuditEvent  # noqa: E402
from hutong.store.postgres_store import PostgresStore  # noqa: E402
from hutong.store.sqlite_store import SqliteStore  # noqa: E402

Record = Callable[[list[AuditEvent]], Awaitable[None]]


async def callers(record: Record, tasks: int, seconds: float) -> tuple[float, float, float]:
    """``tasks`` concurrent callers, one event per call, for ``seconds``: events/s, p50 and p99 ms."""
    ev = make_events(1, time.time(), 1.0)[0]
    lat: list[float] = []
    stop = time.perf_counter() + seconds

    async def run() -> None:
        while time.perf_counter() < stop:
            t = time.perf_counter()
            await record([ev])
            lat.append(time.perf_counter() - t)

    t0 = time.perf_counter()
    await asyncio.gather(*(run() for _ in range(tasks)))
    elapsed = time.perf_counter() - t0
    lat.sort()
    return len(lat) / elapsed, lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000


def measure(store: SqliteStore | PostgresStore, tasks: int, seconds: float) -> list[tuple[str, float, float, float]]:
    """Both ways on one store, thread hand-off first, then record_async, then the hand-off again."""

    async def threaded(events: list[AuditEvent]) -> None:
        await run_in_threadpool(store.record, events)

    async def both() -> list[tuple[str, float, float, float]]:
        out = []
        # alternate, so drift in the shared machine's load hits both ways alike
        for name, way in (
            ("thread", threaded),
            ("async", store.record_async),
            ("thread", threaded),
            ("async", store.record_async),
        ):
            out.append((name, *await callers(way, tasks, seconds)))
        return out

    return asyncio.run(both())


def best(rows: list[tuple[str, float, float, float]], name: str) -> tuple[float, float, float]:
    """The faster of the two runs of one way (events/s, p50, p99)."""
    picked = max((r for r in rows if r[0] == name), key=lambda r: r[1])
    return picked[1], picked[2], picked[3]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasks", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()
    mach = machine()
    print(mach)
    table: list[str] = []
    schema = f"hutong_bench_{uuid.uuid4().hex[:8]}"
    pg = PostgresStore(f"{PG}?schema={schema}")
    try:
        pg_rows = measure(pg, args.tasks, args.seconds)
    finally:
        pg.drop_schema()
    with tempfile.TemporaryDirectory() as tmp, SqliteStore(Path(tmp) / "a.sqlite3") as lite:
        lite_rows = measure(lite, args.tasks, args.seconds)
    labels = {"thread": "`run_in_threadpool(store.record)` (before)", "async": "`await store.record_async` (after)"}
    for backend, rows in (("PostgreSQL", pg_rows), ("SQLite", lite_rows)):
        for name in ("thread", "async"):
            r, p50, p99 = best(rows, name)
            line = f"| {backend} | {labels[name]} | {r:,.0f} | {p50:.1f} | {p99:.1f} |"
            print(line)
            table.append(line)
    if args.write_docs:
        write_docs(table, mach, args)


HEAD = "### One event per call from the event loop (`bench/audit_async.py`)"


def write_docs(table: list[str], mach: str, args: argparse.Namespace) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8")
    body = (
        f"{HEAD}\n\nMeasured {dt.date.today().isoformat()} on {mach}; shared machine. Command: "
        f"`.venv/bin/python bench/audit_async.py --tasks {args.tasks} --seconds {args.seconds:g} --write-docs`. "
        f"{args.tasks} asyncio tasks on one event loop, each recording one event per call and waiting for its "
        "commit, as `/v1/check` does; each way runs twice, alternating, and the faster run is shown.\n\n"
        "| store | call | events/s | p50 ms | p99 ms |\n|---|---|---:|---:|---:|\n" + "\n".join(table) + "\n\n"
        "Both ways wait for the same group commits on the same writer thread; what differs is the thread per "
        "waiting call. With the hand-off, 32 pool threads sit blocked in `record()` and each call pays a "
        "switch to a pool thread and back, all competing for the GIL with the writer thread and the event "
        "loop; with `record_async` the loop only parks a future, which the writer settles after `COMMIT`. "
        "The gateway (`service/gateway.py`) takes `record_async` whenever the store has it, which both stores "
        "now do.\n"
    )
    pattern = re.compile(re.escape(HEAD) + r".*?(?=\n#{2,3} |\Z)", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: body, text)
    else:
        # inside the audit section, just before the next top-level section
        anchor = "\n## URL parsing"
        text = text.replace(anchor, "\n" + body + anchor, 1) if anchor in text else text + "\n" + body
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
