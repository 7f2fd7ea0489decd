"""Appeals in the audit store, the same suite on SQLite and PostgreSQL: round trip, listing, settling, counts."""

from __future__ import annotations

import pytest

from hutong.appeals import Appeal, AppealStore, new_appeal
from hutong.core.model import Action, Decision, Found, Level, LinkReport, Reason, Verdict
from hutong.errors import InputError
from hutong.store.audit_store import AuditStore
from tests.store.conftest import Opener

T0 = 1_700_000_000.0
H = 3600.0
FEED = Reason(
    "feed.openphish",
    "Listed by the sample feed (entry 2)",
    "被威胁情报源 sample 收录（条目 2）",
    Level.MALICIOUS,
    (("feed", "sample"), ("entry", "2"), ("source", "/srv/feeds/sample.txt"), ("age_hours", "0.5")),
)


def report(url: str = "https://login.phish.example/a", *reasons: Reason) -> LinkReport:
    reasons = reasons or (FEED,)
    return LinkReport(
        found=Found(url, 0, len(url), "url"),
        original=url,
        url=url,
        site="phish.example",
        verdict=Verdict(max(r.level for r in reasons), reasons),
        decision=Decision(Action.BLOCK, "policy.malicious.block", "blocked"),
    )


def appeal(at: float = T0, *, url: str = "https://login.phish.example/a", message: str = "mine") -> Appeal:
    return new_appeal(report(url), context="group", policy_version="abc123", message=message, now=at)


def test_both_stores_keep_appeals(store: AuditStore) -> None:
    assert isinstance(store, AppealStore)


def test_round_trip_keeps_every_field_and_the_evidence(store: AuditStore) -> None:
    assert isinstance(store, AppealStore)
    filed = appeal(message="这是我们公司的网站\nour own site", url="https://login.phish.example/a?x=1&y=%E4%BD%A0")
    number = store.add_appeal(filed)
    got = store.appeal(number)
    assert got is not None and got.id == number
    assert got == Appeal(**{**_fields(filed), "id": number})
    assert got.reasons == (FEED,) and dict(got.reasons[0].evidence)["source"] == "/srv/feeds/sample.txt"
    assert store.appeal(number + 1000) is None


def _fields(a: Appeal) -> dict[str, object]:
    return {name: getattr(a, name) for name in Appeal.__slots__}  # type: ignore[attr-defined]


def test_listing_is_newest_first_and_filters_by_status(store: AuditStore) -> None:
    assert isinstance(store, AppealStore)
    ids = [store.add_appeal(appeal(T0 + i * H, url=f"https://s{i}.phish.example/")) for i in range(5)]
    assert [a.id for a in store.appeals()] == ids[::-1]
    assert [a.id for a in store.appeals(limit=2)] == [ids[4], ids[3]]
    settled = store.settle_appeal(ids[1], "allowed", at=T0 + 10 * H, by="ops", note="allowed phish.example")
    assert settled is not None and (settled.status, settled.settled_by, settled.note) == (
        "allowed",
        "ops",
        "allowed phish.example",
    )
    assert settled.settled_at == T0 + 10 * H
    store.settle_appeal(ids[2], "dismissed", at=T0 + 11 * H, by="ops", note="dismissed")
    assert [a.id for a in store.appeals(status="open")] == [ids[4], ids[3], ids[0]]
    assert [a.id for a in store.appeals(status="allowed")] == [ids[1]]
    assert store.settle_appeal(10_000, "dismissed", at=T0, by="ops", note="") is None


@pytest.mark.parametrize("status", ["closed", "ALLOWED", ""])
def test_an_unknown_status_is_refused(store: AuditStore, status: str) -> None:
    assert isinstance(store, AppealStore)
    number = store.add_appeal(appeal())
    with pytest.raises(InputError, match="appeal status"):
        store.settle_appeal(number, status, at=T0, by="ops", note="")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="appeal status"):
        store.appeals(status=status)  # type: ignore[arg-type]


RANGES = {
    "everything": (None, None, 6, 2, 3),
    "from the third hour": (T0 + 2 * H, None, 4, 1, 2),
    "until the third hour": (None, T0 + 2 * H, 2, 1, 1),
    "an hour with none": (T0 + 100 * H, T0 + 101 * H, 0, 0, 0),
}


@pytest.mark.parametrize(("since", "until", "received", "changed", "still_open"), RANGES.values(), ids=list(RANGES))
def test_counts_over_a_range(
    store: AuditStore, since: float | None, until: float | None, received: int, changed: int, still_open: int
) -> None:
    assert isinstance(store, AppealStore)
    ids = [store.add_appeal(appeal(T0 + i * H)) for i in range(6)]
    for i, status in ((0, "allowed"), (3, "allowed"), (4, "dismissed")):
        store.settle_appeal(ids[i], status, at=T0 + 50 * H, by="ops", note="")  # type: ignore[arg-type]
    got = store.appeal_counts(since, until)
    assert (got.received, got.changed, got.open) == (received, changed, still_open)


def test_appeals_survive_reopening_and_go_with_retention(open_store: Opener) -> None:
    first = open_store()
    assert isinstance(first, AppealStore)
    old, new = first.add_appeal(appeal(T0)), first.add_appeal(appeal(T0 + 48 * H))
    first.close()
    again = open_store()
    assert isinstance(again, AppealStore)
    assert [a.id for a in again.appeals()] == [new, old]
    again.prune(T0 + 24 * H)
    assert [a.id for a in again.appeals()] == [new]
