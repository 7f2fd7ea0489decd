"""``hutong audit prune | export | forget-user`` through the real command line."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pytest

from hutong.cli import main
from hutong.config import load
from hutong.store.factory import open_audit
from hutong.store.userhash import UserHasher
from tests.store.events_gen import make_events

DAY = 86400.0


def seed(n: int = 200, *, start: float | None = None, span: float = 10 * DAY) -> list:  # type: ignore[type-arg]
    cfg = load()
    hasher = UserHasher.for_config(cfg)
    start = time.time() - span if start is None else start
    events = [
        dataclasses.replace(e, user=hasher.hash(e.user) if e.user else None)
        for e in make_events(n, seed=51, start=start, span=span)
    ]
    store = open_audit(cfg)
    store.record(events)
    store.close()
    return events


T0 = 1_699_920_000.0  # 2023-11-14T00:00:00Z
WINDOWS = {
    "everything": ([], None, None),
    "since a date": (["--since", "2023-11-17"], T0 + 3 * DAY, None),
    "since and until, with an offset": (
        ["--since", "2023-11-16T08:00:00+08:00", "--until", "2023-11-20T12:30:00Z"],
        T0 + 2 * DAY,
        T0 + 6 * DAY + 12.5 * 3600,
    ),
}


@pytest.mark.parametrize(("args", "lo", "hi"), list(WINDOWS.values()), ids=list(WINDOWS))
def test_export_jsonl_filters_by_time(
    capsys: pytest.CaptureFixture[str], args: list[str], lo: float | None, hi: float | None
) -> None:
    events = seed(start=T0)
    assert main(["audit", "export", "--format", "jsonl", *args]) == 0
    got = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    expected = [e for e in events if (lo is None or e.time >= lo) and (hi is None or e.time < hi)]
    assert [d["time"] for d in got] == [e.time for e in expected]
    assert [d["user"] for d in got] == [e.user for e in expected]


def test_export_csv_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = seed(60)
    out = tmp_path / "audit.csv"
    assert main(["audit", "export", "--format", "csv", "--output", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + len(events)
    assert "exported 60" in capsys.readouterr().err


def test_forget_user_deletes_by_keyed_hash(capsys: pytest.CaptureFixture[str]) -> None:
    events = seed()
    hashed = UserHasher.for_config(load()).hash("u2")
    n = sum(1 for e in events if e.user == hashed)
    assert n > 0
    assert main(["audit", "forget-user", "u2"]) == 0
    assert f"deleted {n} audit events" in capsys.readouterr().out
    store = open_audit(load())
    try:
        assert all(e.user != hashed for e in store.events())
        assert len(list(store.events())) == len(events) - n
    finally:
        store.close()


@pytest.mark.parametrize(("retention", "extra"), [(4, []), (365, ["--days", "4"])])
def test_prune_keeps_the_retention_period(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], retention: int, extra: list[str]
) -> None:
    events = seed()
    config = tmp_path / "hutong.toml"
    config.write_text(f"[audit]\nretention_days = {retention}\n", encoding="utf-8")
    assert main(["audit", "prune", "--config", str(config), *extra]) == 0
    out = capsys.readouterr().out
    store = open_audit(load())
    try:
        left = list(store.events())
    finally:
        store.close()
    assert f"pruned {len(events) - len(left)} audit events older than 4 days" in out
    cutoff = time.time() - 4 * DAY
    assert all(e.time >= cutoff - 3600 for e in left)
    assert sum(1 for e in events if e.time >= cutoff) <= len(left)


@pytest.mark.parametrize(
    "argv",
    [
        ["audit", "export", "--since", "last tuesday"],
        ["audit", "prune", "--days", "-1"],
        ["audit", "export", "--format", "xml"],
    ],
)
def test_bad_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(argv))
    assert exc.value.code == 2
    assert capsys.readouterr().err
