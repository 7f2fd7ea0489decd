"""How long the event loop stalls while a hostile page is read: inline, in a thread, in a worker process.

    .venv/bin/python bench/offload.py [--write]

A loop-lag monitor (``asyncio.sleep(5 ms)`` in a loop, recording how late each wake-up is) runs
while one job reads a page: ``extract`` on a 2 MB page built to be slow but linear (20,000 nested
microdata properties, 200,000 words), and a pure-Python pass (the JSON-LD comment and comma
stripper over 2 MB). The job runs on the loop (as before issue 11), in a thread
(``asyncio.to_thread``) and through ``hutong.offload.Offloader`` (a worker process). ``--write``
records the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.benchlib import load_note, machine, write_section  # noqa: E402
from hutong.config import ScanSection  # noqa: E402
from hutong.offload import Offloader  # noqa: E402
from hutong.preview import jsonld  # noqa: E402
from hutong.preview.extract import extract  # noqa: E402

PAGE = (
    "<html><head><title>x</title></head><body><div itemscope>"
    + "".join(f"<span itemprop=a{i}>w " for i in range(20_000))
    + "<p>"
    + "text " * 200_000
)
SOUP = "[1, " * 500_000


def read_page() -> float:
    start = time.process_time()
    extract(PAGE, "https://s.example/")
    return time.process_time() - start


def strip_soup() -> float:
    start = time.process_time()
    jsonld._strip_comments_and_commas(SOUP)
    return time.process_time() - start


async def lag_during(job: Callable[[], Awaitable[float]]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of the job, worst loop lag in seconds) while ``job`` runs."""
    lags: list[float] = []
    running = True

    async def monitor() -> None:
        while running:
            start = time.perf_counter()
            await asyncio.sleep(0.005)
            lags.append(time.perf_counter() - start - 0.005)

    task = asyncio.create_task(monitor())
    await asyncio.sleep(0.05)
    start = time.perf_counter()
    cpu = await job()
    wall = time.perf_counter() - start
    running = False
    await task
    return wall, cpu, max(lags)


async def measure(rounds: int) -> list[tuple[str, str, float, float, float]]:
    offloader = Offloader(ScanSection(workers=1, cpu_budget=60.0))
    await offloader.run(strip_soup)  # start the worker
    rows = []
    for name, fn in (("extract, 2 MB hostile page", read_page), ("pure-Python pass, 2 MB", strip_soup)):

        async def inline(fn: Callable[[], float] = fn) -> float:
            return fn()

        async def thread(fn: Callable[[], float] = fn) -> float:
            return await asyncio.to_thread(fn)

        async def process(fn: Callable[[], float] = fn) -> float:
            return await offloader.run(fn)

        for mode, job in (("on the loop", inline), ("thread", thread), ("worker process", process)):
            best = min([await lag_during(job) for _ in range(rounds)], key=lambda r: r[2])
            rows.append((name, mode, *best))
            print(f"{name:28s} {mode:15s} wall {best[0]:.2f} s, job CPU {best[1]:.2f} s, loop lag {best[2] * 1000:.0f} ms")
    offloader.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="runs per case; the least lag is kept")
    parser.add_argument("--write", action="store_true")
    ns = parser.parse_args()
    note = load_note()
    rows = asyncio.run(measure(ns.rounds))
    if ns.write:
        when = datetime.now(UTC).strftime("%Y-%m-%d")
        lines = [
            "## Event-loop stall while a page is read (bench/offload.py)",
            "",
            f"{when}; {machine()}; {note}. Worst lateness of a 5 ms `asyncio.sleep` while one job runs",
            f"(best of {ns.rounds}); the job's own CPU time beside it.",
            "",
            "| job | where | wall | job CPU | worst loop lag |",
            "| --- | --- | --- | --- | --- |",
            *(f"| {n} | {m} | {w:.2f} s | {c:.2f} s | {lag * 1000:.0f} ms |" for n, m, w, c, lag in rows),
            "",
        ]
        write_section(lines[0], "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
