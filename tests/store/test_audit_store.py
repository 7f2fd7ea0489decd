"""The same store suite on SQLite and PostgreSQL: round trip, ranges, exact counts, prune, forget, errors."""

from __future__ import annotations

import dataclasses
import math
import threading

import pytest

from hutong.audit import AuditEvent
from hutong.errors import InputError, StorageError
from hutong.store.audit_store import AuditStore, Counts, hour_of
from tests.store.conftest import Opener
from tests.store.events_gen import in_range, make_events, naive_reach, naive_reasons, naive_rows

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z, not on an hour boundary
H = 3600.0


def rows_of(counts: Counts) -> dict[tuple[object, ...], int]:
    out: dict[tuple[object, ...], int] = {}
    for r in counts.rows:
        key = (r.stage, r.platform, r.category, r.level, r.action, r.card, r.clicked_through)
        out[key] = out.get(key, 0) + r.count
    return out


def reach_of(counts: Counts) -> dict[tuple[str, str | None, str], int]:
    out: dict[tuple[str, str | None, str], int] = {}
    for r in counts.reach:
        key = (r.stage, r.platform, r.reach)
        out[key] = out.get(key, 0) + r.count
    return out


def reasons_of(counts: Counts) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for r in counts.reasons:
        out[(r.stage, r.reason)] = out.get((r.stage, r.reason), 0) + r.count
    return out


def test_round_trip_keeps_every_field(store: AuditStore) -> None:
    events = make_events(300)
    store.record(events)
    assert list(store.events()) == events


RANGES = {
    "everything": (None, None),
    "from a mid-hour start": (T0 + 1.5 * H + 17, None),
    "until a mid-hour end": (None, T0 + 40 * H + 5),
    "both mid-hour": (T0 + 2.25 * H, T0 + 50.5 * H),
    "whole hours": (hour_of(T0) + 3 * H, hour_of(T0) + 30 * H),
    "inside one hour": (hour_of(T0) + 5 * H + 60, hour_of(T0) + 5 * H + 1800),
    "empty": (T0 + 10 * H, T0 + 10 * H),
    "reversed": (T0 + 20 * H, T0 + 10 * H),
    "before all events": (T0 - 100 * H, T0 - 50 * H),
}


@pytest.mark.parametrize(("since", "until"), list(RANGES.values()), ids=list(RANGES))
def test_events_and_counts_match_the_log_over_any_range(
    store: AuditStore, since: float | None, until: float | None
) -> None:
    events = make_events(2000, seed=7)
    store.record(events)
    expected = in_range(events, since, until)
    assert list(store.events(since, until)) == expected
    counts = store.counts(since, until)
    assert rows_of(counts) == dict(naive_rows(expected))
    assert reasons_of(counts) == dict(naive_reasons(expected))
    assert reach_of(counts) == dict(naive_reach(expected))


def test_counts_buckets_are_the_events_hours(store: AuditStore) -> None:
    events = make_events(500, seed=3)
    store.record(events)
    by_hour: dict[float, int] = {}
    for r in store.counts().rows:
        by_hour[r.bucket] = by_hour.get(r.bucket, 0) + r.count
    expected: dict[float, int] = {}
    for e in events:
        expected[hour_of(e.time)] = expected.get(hour_of(e.time), 0) + 1
    assert by_hour == expected


PRUNES = {
    "before everything": T0 - 10 * H,
    "mid-range, mid-hour": T0 + 30 * H + 1234,
    "after everything": T0 + 100 * H,
}


@pytest.mark.parametrize("before", list(PRUNES.values()), ids=list(PRUNES))
def test_prune_deletes_whole_hours_before_the_cutoff(store: AuditStore, before: float) -> None:
    events = make_events(1500, seed=11)
    store.record(events)
    cutoff = hour_of(before)
    gone = store.prune(before)
    kept = [e for e in events if e.time >= cutoff]
    assert gone == len(events) - len(kept)
    assert list(store.events()) == kept
    assert rows_of(store.counts()) == dict(naive_rows(kept))
    assert reasons_of(store.counts()) == dict(naive_reasons(kept))
    assert reach_of(store.counts()) == dict(naive_reach(kept))


def test_prune_across_months_drops_old_months(store: AuditStore) -> None:
    # 2023-10-20 .. 2024-01-10: four calendar months (PostgreSQL partitions).
    events = make_events(800, seed=5, start=1_697_760_000.0, span=82 * 86400.0)
    store.record(events)
    cutoff = 1_701_388_800.0 + 7 * 86400  # 2023-12-08
    assert store.prune(cutoff) == sum(1 for e in events if e.time < cutoff)
    assert list(store.events()) == [e for e in events if e.time >= cutoff]
    store.record(make_events(10, seed=6, start=1_697_760_000.0, span=86400.0))  # a dropped month again
    assert len(list(store.events(None, cutoff))) == 10


@pytest.mark.parametrize("user", ["u1", "u2"])
def test_delete_user_removes_only_that_user(store: AuditStore, user: str) -> None:
    events = make_events(1200, seed=13)
    store.record(events)
    n = sum(1 for e in events if e.user == user)
    assert n > 0
    assert store.delete_user(user) == n
    kept = [e for e in events if e.user != user]
    assert list(store.events()) == kept
    assert rows_of(store.counts()) == dict(naive_rows(kept))
    assert reasons_of(store.counts()) == dict(naive_reasons(kept))
    assert reach_of(store.counts()) == dict(naive_reach(kept))
    assert store.delete_user(user) == 0


def test_concurrent_writers_lose_nothing(store: AuditStore) -> None:
    events = make_events(4000, seed=17)
    chunks = [events[i : i + 25] for i in range(0, len(events), 25)]
    errors: list[BaseException] = []

    def worker(part: list[list[AuditEvent]]) -> None:
        try:
            for chunk in part:
                store.record(chunk)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(chunks[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(store.events(), key=lambda e: (e.time, e.rule)) == sorted(
        events, key=lambda e: (e.time, e.rule)
    )
    assert rows_of(store.counts()) == dict(naive_rows(events))


def test_reopening_keeps_events_and_schema(open_store: Opener) -> None:
    events = make_events(100, seed=19)
    first = open_store()
    first.record(events)
    first.close()
    second = open_store()  # runs the migrations again: a no-op
    assert list(second.events()) == events
    second.record(events[:1])
    assert len(list(second.events())) == 101


BAD = {
    "stage": {"stage": "view"},
    "nan time": {"time": math.nan},
    "infinite time": {"time": math.inf},
    "reason with a space": {"reasons": ("feed urlhaus",)},
    "empty reason": {"reasons": ("",)},
}


@pytest.mark.parametrize("change", list(BAD.values()), ids=list(BAD))
def test_bad_events_are_refused_and_nothing_is_written(store: AuditStore, change: dict[str, object]) -> None:
    good = make_events(3, seed=23)
    bad = dataclasses.replace(good[1], **change)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        store.record([good[0], bad, good[2]])
    assert list(store.events()) == []


def test_record_after_close_is_a_storage_error(open_store: Opener) -> None:
    s = open_store()
    s.close()
    with pytest.raises(StorageError, match="closed"):
        s.record(make_events(1))


def test_empty_record_is_a_no_op(store: AuditStore) -> None:
    store.record([])
    assert list(store.events()) == []


@pytest.mark.parametrize("size", [H, 6 * H, 24 * H], ids=["hour", "6 hours", "day"])
@pytest.mark.parametrize(
    ("since", "until"), [(None, None), (T0 + 0.5 * H, T0 + 60.25 * H)], ids=["all", "mid-hour"]
)
def test_counts_in_larger_buckets(
    store: AuditStore, size: float, since: float | None, until: float | None
) -> None:
    events = make_events(1500, seed=29)
    store.record(events)
    got: dict[tuple[float, str], int] = {}
    for r in store.counts(since, until, bucket=size).rows:
        got[(r.bucket, r.action)] = got.get((r.bucket, r.action), 0) + r.count
    want: dict[tuple[float, str], int] = {}
    for e in in_range(events, since, until):
        key = (float(int(e.time // size) * size), e.action)
        want[key] = want.get(key, 0) + 1
    assert got == want


@pytest.mark.parametrize("size", [0.0, 1800.0, 5400.0, -3600.0])
def test_bucket_must_be_whole_hours(store: AuditStore, size: float) -> None:
    with pytest.raises(InputError, match="whole number of hours"):
        store.counts(bucket=size)


def test_ping_answers_while_the_store_is_reachable(store: AuditStore) -> None:
    store.ping()
