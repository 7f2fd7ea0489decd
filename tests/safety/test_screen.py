"""The screening chain on a real feed store: matches, scopes, exceptions, freshness, operator lists."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hutong.config import Config, DataSection, SafetySection
from hutong.core.model import Level, Verdict
from hutong.core.platforms import bundled
from hutong.core.urls import normalise
from hutong.errors import ConfigError
from hutong.safety.feeds import FeedStore
from hutong.safety.screen import Screener

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
FEEDS = [
    ("urlhaus", "urlhaus.csv"),
    ("phishtank", "phishtank.csv"),
    ("openphish", "openphish.txt"),
    ("hosts", "hosts.txt"),
    ("adblock", "adblock.txt"),
    ("domains", "domains.txt"),
]


def _config(tmp_path: Path, **safety: object) -> Config:
    return Config(data=DataSection(dir=str(tmp_path)), safety=replace(SafetySection(), **safety))  # type: ignore[arg-type]


def _import_all(tmp_path: Path, fetched: datetime) -> None:
    store = FeedStore(tmp_path / "feeds")
    for fmt, name in FEEDS:
        store.import_file(DATA / name, fmt, fetched_at=fetched)


@pytest.fixture
def screener(tmp_path: Path) -> Screener:
    _import_all(tmp_path, NOW - timedelta(hours=1))
    return Screener.from_config(_config(tmp_path), clock=lambda: NOW)


def _screen(s: Screener, url: str) -> Verdict:
    return s.screen(normalise(url))


MATCHES = [
    # (url, level, first code, evidence that must be present)
    pytest.param(
        "http://198.51.100.7:8080/bins/mozi.m",
        Level.MALICIOUS,
        "feed.urlhaus",
        {"feed": "urlhaus", "entry": "3312001", "added": "2026-11-20 09:58:03"},
        id="urlhaus-exact-url",
    ),
    pytest.param(
        "https://files.bad-cdn.example/payload/setup.exe?x=1",
        Level.MALICIOUS,
        "feed.urlhaus",
        {"expression": "files.bad-cdn.example/payload/setup.exe?x=1"},
        id="urlhaus-with-query",
    ),
    pytest.param(
        "http://evil-tenant.github.io/any/page",
        Level.MALICIOUS,
        "feed.urlhaus",
        {"expression": "evil-tenant.github.io/"},
        id="tenant-root-covers-its-pages",
    ),
    pytest.param(
        "https://SECURE-LOGIN.phish.example/auth/index.php#frag",
        Level.MALICIOUS,
        "feed.phishtank",
        {"entry": "8801001", "target": "PayPal"},
        id="phishtank-canonicalised",
    ),
    pytest.param(
        "http://0xcb.0.113.9/~user/bank/login.html",
        Level.MALICIOUS,
        "feed.openphish",
        {"entry": "2"},
        id="openphish-hex-ip-form",
    ),
    pytest.param(
        "http://ads.tracker.example/x", Level.MALICIOUS, "feed.hosts", {"entry": "4"}, id="hosts-exact"
    ),
    pytest.param(
        "http://deep.sub.phish-domain.example/a",
        Level.MALICIOUS,
        "feed.adblock",
        {"expression": "phish-domain.example/"},
        id="adblock-subdomain",
    ),
    pytest.param(
        "http://www.whole-domain.example/",
        Level.MALICIOUS,
        "feed.domains",
        {"entry": "2"},
        id="domains-subdomain",
    ),
    pytest.param("http://blogspot.com/", Level.MALICIOUS, "feed.domains", {}, id="shared-suffix-itself"),
]


@pytest.mark.parametrize(("url", "level", "code", "evidence"), MATCHES)
def test_feed_matches(
    screener: Screener, url: str, level: Level, code: str, evidence: dict[str, str]
) -> None:
    verdict = _screen(screener, url)
    assert verdict.level == level
    found = [r for r in verdict.reasons if r.code.startswith("feed.")]  # the structural rule may speak first
    assert found[0].code == code
    ev = dict(found[0].evidence)
    assert evidence.items() <= ev.items()
    assert found[0].detail_zh


NO_MATCH = [
    pytest.param("http://198.51.100.7/bins/other.m", id="other-path-same-ip"),
    pytest.param("http://sub.ads.tracker.example/x", id="hosts-entry-not-subdomains"),
    pytest.param("http://good.malware.example/", id="adblock-exception"),
    pytest.param("http://x.good.malware.example/", id="adblock-exception-subdomain"),
    pytest.param("http://client-only.example/", id="adblock-narrowed-rule-ignored"),
    pytest.param("http://other-tenant.github.io/", id="github-io-other-tenant"),
    pytest.param("http://tenant.blogspot.com/", id="shared-suffix-tenant-not-blocked"),
    pytest.param("http://tenant.pages.dev/", id="adblock-shared-suffix-tenant"),
    pytest.param("http://unverified.example/", id="phishtank-unverified"),
    pytest.param("data:text/html,hi", id="no-host"),
]


@pytest.mark.parametrize("url", NO_MATCH)
def test_no_feed_match(screener: Screener, url: str) -> None:
    assert not any(c.startswith("feed.") for c in _screen(screener, url).codes)


def test_exception_only_cancels_its_own_feed(tmp_path: Path) -> None:
    _import_all(tmp_path, NOW)
    FeedStore(tmp_path / "feeds").import_lines("extra", "domains", ["malware.example\n"], source="t", now=NOW)
    s = Screener.from_config(_config(tmp_path), clock=lambda: NOW)
    verdict = _screen(s, "http://good.malware.example/")
    assert [dict(r.evidence)["feed"] for r in verdict.reasons] == ["extra"]


@pytest.mark.parametrize(
    ("age_hours", "level", "stale"),
    [
        pytest.param(1, Level.MALICIOUS, False, id="fresh"),
        pytest.param(100, Level.SUSPICIOUS, True, id="stale"),
    ],
)
def test_freshness(tmp_path: Path, age_hours: float, level: Level, stale: bool) -> None:
    _import_all(tmp_path, NOW - timedelta(hours=age_hours))
    s = Screener.from_config(_config(tmp_path, max_feed_age_hours=72.0), clock=lambda: NOW)
    verdict = _screen(s, "http://ads.tracker.example/")
    assert verdict.level == level
    assert ("stale" in verdict.reasons[0].detail) == stale
    assert (dict(verdict.reasons[0].evidence).get("stale") == "true") == stale


def test_local_file_age_is_its_mtime(tmp_path: Path) -> None:
    feed = tmp_path / "old.txt"
    feed.write_text("old-phish.example\n", encoding="utf-8")
    old = (datetime.now(UTC) - timedelta(hours=200)).timestamp()
    os.utime(feed, (old, old))
    info = FeedStore(tmp_path / "feeds").import_file(feed, "domains").info
    assert info.is_stale(datetime.now(UTC), 72.0)


def test_operator_lists(tmp_path: Path) -> None:
    _import_all(tmp_path, NOW)
    cfg = _config(tmp_path, allow=["ads.tracker.example"], deny=["deny.example", "https://ok.example/bad/"])
    s = Screener.from_config(cfg, clock=lambda: NOW)
    allowed = _screen(s, "http://ads.tracker.example/x")
    assert (allowed.level, allowed.codes) == (Level.SAFE, ("operator.allow",))
    assert _screen(s, "http://a.deny.example/").codes == ("operator.deny",)
    assert _screen(s, "http://ok.example/bad/page").level == Level.MALICIOUS
    assert _screen(s, "http://ok.example/good").codes == ("screen.clear",)
    assert _screen(s, "http://notdeny.example/").level == Level.SAFE


# feed states: (feed name, hours old) imported before screening; the limit is 72 h
FEED_STATES = {
    "no feeds": (),
    "fresh feed": (("fresh", 1.0),),
    "stale feed": (("old", 100.0),),
    "fresh and stale": (("fresh", 1.0), ("old", 100.0)),
}
LISTED = "https://item.taobao.com/item.htm?id=1"  # a platform file names this site
UNLISTED = "https://www.gov.cn/zhengce/content/index.htm"  # no platform file names this one


def _with_feeds(tmp_path: Path, state: str) -> Screener:
    store = FeedStore(tmp_path / "feeds")
    for name, hours in FEED_STATES[state]:
        store.import_lines(name, "domains", ["listed-harm.example\n"], source="t", now=NOW - timedelta(hours=hours))
    return Screener.from_config(_config(tmp_path), clock=lambda: NOW)


@pytest.mark.parametrize(
    ("state", "url", "level", "codes"),
    [
        pytest.param("no feeds", LISTED, Level.UNKNOWN, ("screen.no_feeds",), id="no feeds, listed"),
        pytest.param("no feeds", UNLISTED, Level.UNKNOWN, ("screen.no_feeds",), id="no feeds, unlisted"),
        pytest.param("fresh feed", LISTED, Level.SAFE, ("screen.clear",), id="fresh, listed"),
        pytest.param("fresh feed", UNLISTED, Level.SAFE, ("screen.clear",), id="fresh, unlisted"),
        pytest.param("stale feed", LISTED, Level.UNKNOWN, ("screen.feeds_stale",), id="stale, listed"),
        pytest.param("stale feed", UNLISTED, Level.UNKNOWN, ("screen.feeds_stale",), id="stale, unlisted"),
        pytest.param("fresh and stale", UNLISTED, Level.SAFE, ("screen.clear",), id="one fresh feed is enough"),
        pytest.param(
            "no feeds", "https://tao6ao.com/", Level.SUSPICIOUS, ("lookalike.typo", "screen.no_feeds"), id="lookalike"
        ),
        pytest.param("fresh feed", "https://tao6ao.com/", Level.SUSPICIOUS, ("lookalike.typo",), id="finding, fresh"),
        pytest.param(
            "fresh feed", "http://listed-harm.example/", Level.MALICIOUS, ("feed.domains",), id="feed hit"
        ),
        pytest.param(
            "fresh feed", "data:text/html,hi", Level.MALICIOUS, ("structural.scheme", "screen.unscreenable"),
            id="no host",
        ),
    ],
)
def test_levels_come_from_screening_and_say_how_far_it_ran(
    tmp_path: Path, state: str, url: str, level: Level, codes: tuple[str, ...]
) -> None:
    verdict = _screen(_with_feeds(tmp_path, state), url)
    assert (verdict.level, verdict.codes) == (level, codes)
    assert all(r.detail and r.detail_zh for r in verdict.reasons)


def test_coverage_evidence_names_the_feeds(tmp_path: Path) -> None:
    clear = _screen(_with_feeds(tmp_path, "fresh and stale"), UNLISTED).reasons[-1]
    evidence = dict(clear.evidence)
    assert (evidence["feeds"], evidence["stale"]) == ("fresh", "old")
    assert evidence["rules"] == "structural, feeds, lookalike"
    assert "old" in clear.detail and "not counted" in clear.detail


def test_no_feeds_reason_says_why(tmp_path: Path) -> None:
    reason = _screen(_with_feeds(tmp_path, "no feeds"), UNLISTED).reasons[-1]
    assert "no threat feeds imported" in dict(reason.evidence)["why"]
    without_rule = Screener.from_config(_config(tmp_path, rules=("structural", "lookalike")), clock=lambda: NOW)
    assert "not in safety.rules" in _screen(without_rule, UNLISTED).reasons[-1].detail


def test_a_feed_going_stale_changes_the_verdict(tmp_path: Path) -> None:
    FeedStore(tmp_path / "feeds").import_lines("live", "domains", ["x.example\n"], source="t", now=NOW)
    clock = [NOW]
    s = Screener.from_config(_config(tmp_path), clock=lambda: clock[0])
    assert _screen(s, UNLISTED).codes == ("screen.clear",)
    clock[0] = NOW + timedelta(hours=73)
    assert _screen(s, UNLISTED).codes == ("screen.feeds_stale",)


@pytest.mark.parametrize("state", FEED_STATES)
def test_every_platform_host_is_screened_like_an_unlisted_site(tmp_path: Path, state: str) -> None:
    """Listing is not evidence: a platform's own host and an unlisted host with no findings get one verdict."""
    s = _with_feeds(tmp_path, state)

    def shape(v: Verdict) -> tuple[Level, tuple[str, ...]]:
        return v.level, v.codes

    unlisted = shape(_screen(s, UNLISTED))
    got = {p.id: shape(_screen(s, f"https://{p.hosts[0]}/")) for p in bundled()}
    assert {pid: v for pid, v in got.items() if v != unlisted} == {}


STRUCTURAL = [
    # (url, raw text as found or None, safety.rules, codes)
    pytest.param("https://example.com/", None, None, ("screen.no_feeds",), id="plain"),
    pytest.param(
        "https://item.taobao.com@evil.test/", None, None, ("structural.userinfo", "screen.no_feeds"), id="userinfo"
    ),
    pytest.param(
        "https://example.com/", "https://%65xample.com/", None, ("structural.encoded_host", "screen.no_feeds"),
        id="how the host was written",
    ),
    pytest.param(
        "http://127.0.0.1:8080/", None, None, ("structural.ip_host", "structural.port", "screen.no_feeds"), id="ip"
    ),
    pytest.param("https://item.taobao.com@evil.test/", None, ("feeds",), ("screen.no_feeds",), id="rule not chosen"),
]


@pytest.mark.parametrize(("url", "raw", "rules", "codes"), STRUCTURAL)
def test_structural_checks_run_in_the_chain(
    tmp_path: Path, url: str, raw: str | None, rules: tuple[str, ...] | None, codes: tuple[str, ...]
) -> None:
    cfg = _config(tmp_path) if rules is None else _config(tmp_path, rules=rules)
    s = Screener.from_config(cfg, clock=lambda: NOW)
    assert s.screen(normalise(url), raw=raw).codes == codes


def test_rule_order_and_disabled(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="hutong.safety"):
        s = Screener.from_config(_config(tmp_path), clock=lambda: NOW)
    assert [r.name for r in s.rules] == ["structural", "lookalike"]
    assert {name for name, _ in s.disabled} == {"allowlist", "feeds", "deny"}
    assert "no threat feeds imported" in dict(s.disabled)["feeds"]
    assert "feeds disabled" in caplog.text


def test_configured_order_is_kept(tmp_path: Path) -> None:
    _import_all(tmp_path, NOW)
    s = Screener.from_config(
        _config(tmp_path, rules=("deny", "feeds"), deny=["x.example"]), clock=lambda: NOW
    )
    assert [r.name for r in s.rules] == ["deny", "feeds"]


def test_unknown_rule_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown rule 'virustotal'"):
        Screener.from_config(_config(tmp_path, rules=("virustotal",)))


def test_bad_operator_item_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"safety\.deny"):
        Screener.from_config(_config(tmp_path, deny=["not a domain"]))


def test_feed_replaced_on_disk_is_reloaded_when_asked(tmp_path: Path) -> None:
    store = FeedStore(tmp_path / "feeds")
    store.import_lines("live", "domains", ["first.example\n"], source="s", now=NOW)
    s = Screener.from_config(_config(tmp_path), clock=lambda: NOW)
    assert _screen(s, "http://first.example/").level == Level.MALICIOUS
    assert s.reload() is False  # nothing changed on disk
    store.import_lines("live", "domains", ["second.example\n"], source="s", now=NOW)
    assert s.reload() is True
    assert _screen(s, "http://first.example/").level == Level.SAFE  # screened against the new feed: clear
    assert _screen(s, "http://second.example/").level == Level.MALICIOUS
    assert s.reload() is False


def test_screening_reads_no_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """However long the chain runs, a check never looks at the feed store: only ``reload`` does."""
    store = FeedStore(tmp_path / "feeds")
    store.import_lines("live", "domains", ["first.example\n"], source="s", now=NOW)
    s = Screener.from_config(_config(tmp_path), clock=lambda: NOW)
    store.import_lines("live", "domains", ["second.example\n"], source="s", now=NOW)
    later = time.monotonic() + 24 * 3600.0
    monkeypatch.setattr(time, "monotonic", lambda: later)  # a day later, by any clock a rule might read

    def no_disk(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("screening touched the feed store")

    for method in ("signature", "names", "load", "load_all", "infos", "state", "state_signature", "confirmed"):
        monkeypatch.setattr(FeedStore, method, no_disk)
    for url in ("http://first.example/", "http://second.example/", "https://elsewhere.example/a?b=c"):
        _screen(s, url)
    assert _screen(s, "http://first.example/").level == Level.MALICIOUS  # still the data it was built with
    monkeypatch.undo()
    assert s.reload() is True and _screen(s, "http://second.example/").level == Level.MALICIOUS


def test_feeds_imported_after_start_enable_the_rule_in_its_place(tmp_path: Path) -> None:
    s = Screener.from_config(_config(tmp_path), clock=lambda: NOW)
    assert "feeds" in dict(s.disabled) and s.reload() is False
    assert _screen(s, "http://first.example/").level == Level.UNKNOWN
    FeedStore(tmp_path / "feeds").import_lines("live", "domains", ["first.example\n"], source="s", now=NOW)
    assert s.reload() is True
    assert [r.name for r in s.rules] == ["structural", "feeds", "lookalike"]  # the order of safety.rules
    assert "feeds" not in dict(s.disabled)
    assert _screen(s, "http://first.example/").level == Level.MALICIOUS
    assert s.reload() is False


def test_a_damaged_feed_keeps_the_old_data(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = FeedStore(tmp_path / "feeds")
    store.import_lines("live", "domains", ["first.example\n"], source="s", now=NOW)
    s = Screener.from_config(_config(tmp_path), clock=lambda: NOW)
    store.path("broken").write_bytes(b"not a feed at all")
    with caplog.at_level(logging.WARNING, logger="hutong.safety"):
        assert s.reload() is False
    assert "kept its old data" in caplog.text
    assert _screen(s, "http://first.example/").level == Level.MALICIOUS


@pytest.mark.parametrize("hours", [0.0, -1.0])
def test_feed_age_limit_must_be_positive(tmp_path: Path, hours: float) -> None:
    with pytest.raises(ConfigError, match="max_feed_age_hours"):
        Screener.from_config(_config(tmp_path, max_feed_age_hours=hours))


LEGITIMATE_IDNS = [
    "食狮.中国", "北京大学.cn", "東京タワー.jp", "삼성전자.com", "президент.рф", "сосо.рф", "ικα.ελ", "bücher.de",
    "färgbolaget.se", "café.fr",
]  # fmt: skip


@pytest.mark.parametrize("state", FEED_STATES)
@pytest.mark.parametrize("host", LEGITIMATE_IDNS)
def test_a_legitimate_idn_is_decided_like_an_ascii_site(tmp_path: Path, state: str, host: str) -> None:
    """An internationalised name is no evidence: with no finding it gets the verdict of an unlisted ASCII site."""
    s = _with_feeds(tmp_path, state)
    idn, ascii_site = _screen(s, f"https://{host}/"), _screen(s, UNLISTED)
    assert (idn.level, idn.codes) == (ascii_site.level, ascii_site.codes)
