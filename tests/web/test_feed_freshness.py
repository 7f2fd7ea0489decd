"""/readyz and /metrics show every threat feed's age and entries; stale feeds are reported, and fail
readiness only when ``safety.stale_feeds_unready`` says so."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hutong.config import Config, DataSection, FeedSource, SafetySection
from hutong.pipeline import Engine
from hutong.safety.feeds import FeedStore
from hutong.web.app import create_app

from .conftest import connect

CONFIGURED = FeedSource(name="upstream", format="urls", location="https://feeds.example.test/u.txt")


def _config(tmp_path: Path, **safety: object) -> Config:
    return Config(
        data=DataSection(dir=str(tmp_path)),
        safety=dataclasses.replace(SafetySection(max_feed_age_hours=24.0, feeds_refresh_minutes=0), **safety),  # type: ignore[arg-type]
    )


def _import(tmp_path: Path, name: str, hosts: list[str], age: timedelta) -> None:
    lines = [f"{h}\n" for h in hosts]
    FeedStore(tmp_path / "feeds").import_lines(
        name, "domains", lines, source="s", fetched_at=datetime.now(UTC) - age
    )


@pytest.mark.parametrize(
    ("name", "unready", "configured", "code", "problem"),
    [
        ("stale is reported, still ready", False, (), 200, None),
        ("stale fails readiness when asked", True, (), 503, "feed old: 30.0 h old"),
        ("a configured feed not loaded is reported", False, (CONFIGURED,), 200, None),
        ("and fails readiness when asked", True, (CONFIGURED,), 503, "feed upstream: configured but not loaded"),
    ],
)
async def test_readyz_reports_each_feed(
    name: str,
    unready: bool,
    configured: tuple[FeedSource, ...],
    code: int,
    problem: str | None,
    tmp_path: Path,
) -> None:
    _import(tmp_path, "fresh", ["a.example", "b.example"], timedelta(hours=2))
    _import(tmp_path, "old", ["c.example"], timedelta(hours=30))
    cfg = _config(tmp_path, stale_feeds_unready=unready, feeds=configured)
    async with connect(create_app(cfg, engine=Engine.from_config(cfg))) as c:
        r = await c.get("/readyz")
    body = r.json()
    assert r.status_code == code, (name, body)
    feeds = {f["name"]: f for f in body["feeds"]}
    assert (feeds["fresh"]["entries"], feeds["fresh"]["stale"]) == (2, False), name
    assert feeds["fresh"]["age_seconds"] == pytest.approx(7200, abs=120)
    assert (feeds["old"]["entries"], feeds["old"]["stale"]) == (1, True)
    assert feeds["old"]["age_seconds"] == pytest.approx(30 * 3600, abs=120)
    if configured:
        assert feeds["upstream"] == {"name": "upstream", "entries": 0, "age_seconds": None, "stale": True}
    else:
        assert "upstream" not in feeds
    if problem is None:
        assert body["problems"] == [] and body["status"] == "ready"
    else:
        assert any(p.startswith(problem) for p in body["problems"]), body["problems"]


async def test_readyz_without_feeds_is_ready_with_an_empty_list(tmp_path: Path) -> None:
    cfg = _config(tmp_path, stale_feeds_unready=True)
    async with connect(create_app(cfg, engine=Engine.from_config(cfg))) as c:
        r = await c.get("/readyz")
    assert r.status_code == 200 and r.json()["feeds"] == []


async def test_metrics_show_feed_age_entries_and_staleness(tmp_path: Path) -> None:
    _import(tmp_path, "fresh", ["a.example", "b.example"], timedelta(hours=2))
    _import(tmp_path, "old", ["c.example"], timedelta(hours=30))
    cfg = _config(tmp_path, feeds=(CONFIGURED,))
    async with connect(create_app(cfg, engine=Engine.from_config(cfg))) as c:
        text = (await c.get("/metrics")).text
    samples = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("hutong_feed_")
    }
    assert samples['hutong_feed_entries{feed="fresh"}'] == 2.0
    assert samples['hutong_feed_age_seconds{feed="fresh"}'] == pytest.approx(7200, abs=120)
    assert samples['hutong_feed_age_seconds{feed="old"}'] == pytest.approx(30 * 3600, abs=120)
    assert (samples['hutong_feed_stale{feed="fresh"}'], samples['hutong_feed_stale{feed="old"}']) == (0.0, 1.0)
    assert samples['hutong_feed_stale{feed="upstream"}'] == 1.0
    assert 'hutong_feed_age_seconds{feed="upstream"}' not in samples  # no age for a feed never loaded
