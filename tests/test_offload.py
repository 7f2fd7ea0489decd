"""The off-loop runner: results and errors come back, budgets are kept, broken workers are replaced."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import pytest

from hutong.config import ScanSection
from hutong.errors import BadContent, ConfigError, TooSlow
from hutong.net.bodyredirect import find_body_redirect
from hutong.offload import Offloader

PAGE = '<meta http-equiv="refresh" content="0;url=https://item.example/1">'
BASE = "https://s.example/a"


def spin(seconds: float) -> int:
    """Burn CPU for ``seconds`` of CPU time in pure Python."""
    end = time.process_time() + seconds
    n = 0
    while time.process_time() < end:
        n += 1
    return n


def nap(seconds: float) -> int:
    """Sleep (no CPU: the CPU budget never fires; only the wall-clock backstop can stop it)."""
    time.sleep(seconds)
    return os.getpid()


def die() -> None:
    os._exit(3)


def fail() -> None:
    raise ValueError("bad page")


@pytest.fixture
def offloader() -> Iterator[Offloader]:
    runner = Offloader(ScanSection(workers=2, cpu_budget=0.3))
    yield runner
    runner.close()


async def test_result_comes_back_as_inline(offloader: Offloader) -> None:
    assert await offloader.run(find_body_redirect, PAGE, BASE) == find_body_redirect(PAGE, BASE)


async def test_errors_come_back(offloader: Offloader) -> None:
    with pytest.raises(ValueError, match="bad page"):
        await offloader.run(fail)
    assert await offloader.run(find_body_redirect, PAGE, BASE) is not None


async def test_cpu_budget(offloader: Offloader) -> None:
    with pytest.raises(TooSlow) as info:
        await offloader.run(spin, 5.0)
    assert info.value.code == "remote.too_slow"
    assert "took too long to read" in info.value.message
    assert await offloader.run(spin, 0.01) > 0  # the same worker goes on


async def test_wall_backstop_kills_a_stuck_job(offloader: Offloader) -> None:
    start = time.monotonic()
    with pytest.raises(TooSlow):
        await offloader.run(nap, 60.0)
    assert time.monotonic() - start < offloader.wall_limit + 10
    assert await offloader.run(spin, 0.01) > 0  # a new worker took its place


async def test_dead_worker_is_replaced(offloader: Offloader) -> None:
    with pytest.raises(BadContent) as info:
        await offloader.run(die)
    assert info.value.code == "remote.scan_failed"
    assert await offloader.run(find_body_redirect, PAGE, BASE) is not None


async def test_concurrency_is_bounded(offloader: Offloader) -> None:
    pids = await asyncio.gather(*(offloader.run(nap, 0.2) for _ in range(6)))
    assert len(set(pids)) <= 2  # two workers, reused; the other jobs waited their turn


async def test_cancelled_job_does_not_leak_its_answer(offloader: Offloader) -> None:
    task = asyncio.create_task(offloader.run(nap, 30.0))
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # the next jobs get their own answers, not the cancelled one's
    assert await offloader.run(find_body_redirect, PAGE, BASE) == find_body_redirect(PAGE, BASE)
    assert await offloader.run(spin, 0.01) > 0


async def test_inline_mode_runs_on_the_caller() -> None:
    runner = Offloader(ScanSection(mode="inline"))
    assert await runner.run(os.getpid) == os.getpid()


@pytest.mark.parametrize(
    "settings",
    [ScanSection(mode="thread"), ScanSection(workers=0), ScanSection(cpu_budget=0)],
    ids=["unknown mode", "no workers", "no budget"],
)
def test_bad_settings(settings: ScanSection) -> None:
    with pytest.raises(ConfigError):
        Offloader(settings)
