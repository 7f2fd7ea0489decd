"""The gateway without any front end: what its observer is told, where blocking audit writes run, batches."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest

from hutong.audit import AuditEvent
from hutong.config import Config, DataSection, SafetySection, ServerSection
from hutong.core.model import LinkReport
from hutong.errors import InputError
from hutong.pipeline import Engine
from hutong.service import Gateway, Message, open_gateway

T = TypeVar("T")
SAFE, EVIL = "https://safe.test/a?utm_source=x", "https://evil.test/login"


class Seen:
    """An observer that writes down what it is told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def decided(self, stage: str, reports: tuple[LinkReport, ...]) -> None:
        self.calls.append((stage, len(reports)))

    def fetched(self, reports: tuple[LinkReport, ...]) -> None:
        self.calls.append(("fetched", len(reports)))


class ListSink:
    """A sink without ``record_async``: the gateway must hand its writes to the runner."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []
        self.threads: set[int] = set()

    def record(self, events: Sequence[AuditEvent]) -> None:
        self.threads.add(threading.get_ident())
        self.events.extend(events)


class CountingRunner:
    """``asyncio.to_thread``, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, func: Callable[[], T], /) -> Awaitable[T]:
        self.calls += 1
        return asyncio.to_thread(func)


def config(data: Path, **server: Any) -> Config:
    return Config(
        data=DataSection(dir=str(data)),
        safety=SafetySection(allow=("safe.test",), deny=("evil.test",)),
        server=ServerSection(**server),
    )


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine.from_config(config(tmp_path_factory.mktemp("engine")))


def gateway(engine: Engine, tmp_path: Path, **server: Any) -> tuple[Gateway, Seen, ListSink, CountingRunner]:
    seen, sink, runner = Seen(), ListSink(), CountingRunner()
    gw = open_gateway(config(tmp_path, **server), engine=engine, audit=sink, observer=seen, runner=runner)
    return gw, seen, sink, runner


def test_the_observer_hears_each_check_and_click_and_the_runner_takes_the_writes(
    engine: Engine, tmp_path: Path
) -> None:
    gw, seen, sink, runner = gateway(engine, tmp_path)

    async def flow() -> str | None:
        reports = await gw.check(f"{SAFE} {EVIL}", context="direct", user="alice")
        go = gw.go_link(reports[0], "https://gw.example", context="direct", mode=None, keyed=True)
        assert go is not None
        click = await gw.click(go.rsplit("/", 1)[1], user="alice", confirmed=False)
        return click.redirect

    assert asyncio.run(flow()) == "https://safe.test/a"
    assert seen.calls == [("check", 2), ("click", 1)]  # offline: nothing fetched
    assert [(e.stage, e.action) for e in sink.events] == [("check", "open"), ("check", "block"), ("click", "open")]
    assert {e.user for e in sink.events} == {gw.user_hash("alice")} and "alice" not in {e.user for e in sink.events}
    assert runner.calls == 2 and threading.get_ident() not in sink.threads  # off the event loop's thread


BATCHES = [
    # name, messages, max_batch, max_message_chars, error (None: checked)
    ("fits", [Message(SAFE), Message(EVIL, "channel", "bob", "strict")], 2, 100, None),
    ("too many", [Message(SAFE)] * 3, 2, 100, "3 messages in one batch; the limit is 2"),
    ("one too long", [Message(SAFE), Message("x" * 101)], 5, 100, "the message has 101 characters"),
    ("bad context", [Message(SAFE), Message(SAFE, "everywhere")], 5, 100, "unknown chat context"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("name", "messages", "max_batch", "max_chars", "error"), BATCHES, ids=[b[0] for b in BATCHES])
def test_a_batch_is_checked_whole_or_not_at_all(
    engine: Engine,
    tmp_path: Path,
    name: str,
    messages: list[Message],
    max_batch: int,
    max_chars: int,
    error: str | None,
) -> None:
    gw, seen, sink, _ = gateway(engine, tmp_path, max_batch=max_batch, max_message_chars=max_chars)
    if error is not None:
        with pytest.raises(InputError, match=error):
            asyncio.run(gw.check_batch(messages))
        assert seen.calls == [] and sink.events == []  # refused before any message was checked
        return
    results = asyncio.run(gw.check_batch(messages))
    assert [[r.decision.action.value for r in reports if r.decision] for reports in results] == [["open"], ["block"]]
    assert [e.context for e in sink.events] == ["direct", "channel"]
