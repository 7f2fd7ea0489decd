"""Refreshing URL feeds: conditional requests, 304 keeps the copy and its age restarts, atomic swaps, caps.

Against a real local HTTPS origin (tests.support.feedserver) through the real guarded fetcher.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from hutong.config import Config, DataSection, FeedSource, SafetySection
from hutong.core.model import Level
from hutong.core.urls import normalise
from hutong.net.fetcher import GuardedFetcher
from hutong.safety.feeds import FeedStore
from hutong.safety.refresh import refresh, refresh_due, refresh_lock
from hutong.safety.screen import Screener
from tests.support.feedserver import FeedOrigin
from tests.support.localnet import LocalNet, localnet, localnet_server  # noqa: F401

HOST = "feeds.example.test"
URL = f"https://{HOST}/feed.txt"
SOURCE = FeedSource(name="live", format="domains", location=URL)
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
V1 = b"# version 1\nfirst.evil.test\n"
V2 = b"# version 2\nfirst.evil.test\nsecond.evil.test\n"


@pytest.fixture
async def fetcher(localnet: LocalNet) -> AsyncIterator[GuardedFetcher]:  # noqa: F811
    async with GuardedFetcher(localnet.settings(HOST)) as f:
        yield f


def _origin(localnet: LocalNet, body: bytes = V1, **kwargs: bool) -> FeedOrigin:  # noqa: F811
    origin = FeedOrigin(**kwargs)
    origin.publish(body, at=T0 - timedelta(days=1))
    localnet.route(HOST, origin)
    return origin


@pytest.mark.parametrize(
    ("name", "validators", "second_request", "second_answer"),
    [
        ("ETag and Last-Modified", {}, ("if-none-match", "etag"), 304),
        ("ETag only", {"last_modified": False}, ("if-none-match", "etag"), 304),
        ("Last-Modified only", {"etag": False}, ("if-modified-since", "last-modified"), 304),
        # no validators: the body is downloaded again, but its digest shows it unchanged
        ("no validators", {"etag": False, "last_modified": False}, (None, None), 200),
    ],
)
async def test_first_200_then_unchanged_then_changed_is_swapped(
    name: str,
    validators: dict[str, bool],
    second_request: tuple[str | None, str | None],
    second_answer: int,
    tmp_path: Path,
    localnet: LocalNet,  # noqa: F811
    fetcher: GuardedFetcher,
) -> None:
    origin = _origin(localnet, **validators)
    store = FeedStore(tmp_path)
    first = await refresh(fetcher, store, SOURCE, now=T0)
    assert (first.outcome, first.result and first.result.info.entries) == ("updated", 1), name
    held = localnet.requests[-1]
    assert held.header("if-none-match") is None and held.header("if-modified-since") is None
    inode = store.path("live").stat().st_ino

    second = await refresh(fetcher, store, SOURCE, now=T0 + timedelta(hours=1))
    assert second.outcome == "unchanged", (name, second.message)
    request_header, response_header = second_request
    if request_header is not None:
        sent_back = {"etag": origin.current_etag(), "last-modified": format_datetime(origin.modified, usegmt=True)}
        assert localnet.requests[-1].header(request_header) == sent_back[str(response_header)], name
    assert origin.answers[:2] == [200, second_answer], name
    assert store.path("live").stat().st_ino == inode, "an unchanged feed is not rewritten"

    origin.publish(V2, at=T0 + timedelta(hours=2))
    third = await refresh(fetcher, store, SOURCE, now=T0 + timedelta(hours=3))
    assert (third.outcome, third.result and third.result.info.entries) == ("updated", 2), name
    assert store.path("live").stat().st_ino != inode, "a changed feed is swapped in by rename"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "live.feed",
        "live.fetch.json",
    ]


async def test_a_304_restarts_the_age_and_the_screener_sees_it_without_reloading_the_index(
    tmp_path: Path, localnet: LocalNet, fetcher: GuardedFetcher  # noqa: F811
) -> None:
    _origin(localnet)
    clock = [T0]
    config = Config(data=DataSection(dir=str(tmp_path)), safety=replace(SafetySection(), max_feed_age_hours=24.0))
    store = FeedStore(tmp_path / "feeds")
    await refresh(fetcher, store, SOURCE, now=T0)
    screener = Screener.from_config(config, clock=lambda: clock[0])

    def level() -> Level:
        return screener.screen(normalise("http://first.evil.test/")).level

    clock[0] = T0 + timedelta(hours=30)  # past the age limit: a listing is only a warning
    assert level() == Level.SUSPICIOUS
    (before,) = screener.feed_infos()
    feeds_rule = next(r for r in screener.rules if r.name == "feeds")
    loaded = feeds_rule.feeds
    assert (await refresh(fetcher, store, SOURCE, now=clock[0])).outcome == "unchanged"
    assert screener.reload() is True
    (after,) = screener.feed_infos()
    assert (before.checked_at, after.checked_at) == (T0, clock[0])
    assert after.age_hours(clock[0]) == 0.0 and after.fetched_at == T0
    assert feeds_rule.feeds is loaded  # the same maps: only the freshness changed
    assert level() == Level.MALICIOUS
    assert screener.reload() is False


@pytest.mark.parametrize(
    ("name", "origin_change", "settings", "message"),
    [
        ("origin down", {"status": 503}, {}, "HTTP 503"),
        ("an HTML page instead of a feed", {"content_type": "text/html"}, {}, "text/html"),
        ("over network.max_feed_bytes", {}, {"max_feed_bytes": 64}, "limit"),
    ],
)
async def test_a_failed_refresh_keeps_the_old_copy_and_says_why(
    name: str,
    origin_change: dict[str, object],
    settings: dict[str, int],
    message: str,
    tmp_path: Path,
    localnet: LocalNet,  # noqa: F811
    fetcher: GuardedFetcher,
) -> None:
    origin = _origin(localnet)
    store = FeedStore(tmp_path)
    assert (await refresh(fetcher, store, SOURCE, now=T0)).outcome == "updated"
    origin.publish(V2 + b"".join(b"more%d.evil.test\n" % i for i in range(10)))
    for key, value in origin_change.items():
        setattr(origin, key, value)
    later = T0 + timedelta(hours=1)
    async with GuardedFetcher(localnet.settings(HOST, **settings)) as capped:
        failed = await refresh(capped, store, SOURCE, now=later)
    assert failed.outcome == "failed" and message in failed.message, (name, failed.message)
    info = store.load("live").info
    assert (info.entries, info.checked_at) == (1, T0), name  # the old copy, not confirmed by the failure
    state = store.state("live")
    assert state is not None and state.attempted_at == later and message in state.error


async def test_a_copy_imported_by_hand_is_not_asked_for_conditionally(
    tmp_path: Path, localnet: LocalNet, fetcher: GuardedFetcher  # noqa: F811
) -> None:
    """Validators describe the copy they came with: after `hutong feeds import` replaced it, a 304 would
    keep a feed the origin never sent, so the next request is unconditional."""
    _origin(localnet)
    store = FeedStore(tmp_path)
    await refresh(fetcher, store, SOURCE, now=T0)
    store.import_lines("live", "domains", ["by-hand.example\n"], source="operator.txt", now=T0)
    assert store.state("live") is None
    again = await refresh(fetcher, store, SOURCE, now=T0 + timedelta(hours=1))
    assert again.outcome == "updated" and localnet.requests[-1].header("if-none-match") is None


async def test_refresh_due_skips_what_was_just_tried_and_what_another_process_is_doing(
    tmp_path: Path, localnet: LocalNet, fetcher: GuardedFetcher  # noqa: F811
) -> None:
    origin = _origin(localnet)
    store = FeedStore(tmp_path)
    local = FeedSource(name="file", format="domains", location=str(tmp_path / "nowhere.txt"))
    sources = (SOURCE, local)
    assert [r.outcome for r in await refresh_due(fetcher, store, sources, 3600, now=T0)] == ["updated"]
    assert await refresh_due(fetcher, store, sources, 3600, now=T0 + timedelta(minutes=59)) == []
    with refresh_lock(store, wait=False) as mine:  # another process of this data directory is refreshing
        assert mine
        assert await refresh_due(fetcher, store, sources, 3600, now=T0 + timedelta(hours=2)) == []
    done = await refresh_due(fetcher, store, sources, 3600, now=T0 + timedelta(hours=2))
    assert [r.outcome for r in done] == ["unchanged"]
    assert origin.answers == [200, 304]


async def test_two_workers_refreshing_at_once_make_one_request(
    tmp_path: Path, localnet: LocalNet, fetcher: GuardedFetcher  # noqa: F811
) -> None:
    """Two refreshes of one data directory at the same moment (two workers whose timers met): the one that
    holds the lock fetches, the other finds it held and leaves the work to it."""
    origin = FeedOrigin()
    origin.publish(V1)
    localnet.route(HOST, lambda req: replace(origin(req), delay=0.3))
    store = FeedStore(tmp_path)
    async with GuardedFetcher(localnet.settings(HOST)) as other:
        rounds = await asyncio.gather(
            refresh_due(fetcher, store, (SOURCE,), 3600, now=T0), refresh_due(other, store, (SOURCE,), 3600, now=T0)
        )
    assert sorted(len(r) for r in rounds) == [0, 1] and origin.answers == [200]
