"""Reports in words: every reason the engine gives reads as sentences, in both languages, with no keys."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from hutong.config import Config, DataSection, SafetySection
from hutong.core.model import KINDS, Level, Reason
from hutong.core.platforms import bundled
from hutong.pipeline import Engine
from hutong.safety.feeds import FeedStore
from hutong.web import i18n, wording

# evidence keys, enum values and internal words no visitor should read
KEYS = ("looks_like", "expression", "age_hours", "(listed", "source", "matched", "platform.", "_", "{", "}")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    data = tmp_path_factory.mktemp("wording")
    feed = data / "online-valid.json"
    entry = {
        "phish_id": "8012345",
        "url": "https://login-verify.phish.example/account/update",
        "verified": "yes",
        "submission_time": "2024-05-01T10:00:00+00:00",
        "target": "PayPal",
    }
    feed.write_text(json.dumps([entry]), encoding="utf-8")
    FeedStore(data / "feeds").import_file(feed, "phishtank", name="community-phish", fetched_at=datetime.now(UTC))
    stale = data / "old.csv"
    stale.write_text("https://old-threat.example/x\n", encoding="utf-8")
    FeedStore(data / "feeds").import_file(stale, "urls", name="old-list", fetched_at=datetime(2020, 1, 1, tzinfo=UTC))
    cfg = Config(data=DataSection(dir=str(data)), safety=SafetySection(allow=("safe.test",), deny=("evil.test",)))
    return Engine.from_config(cfg)


CASES = [
    # (message, a phrase the English headline or facts must say, the same in Chinese)
    pytest.param(
        "https://item.jd.com/100012043978.html",
        "Checked against 1 threat feed(s) (community-phish) and hutong's own checks: nothing was found.",
        "已对照 1 个威胁情报源（community-phish）并经胡同自身检查，未发现问题。",
        id="screened-clean",
    ),
    pytest.param(
        "https://paypa1-login.com/x", "paypa1-login.com pretends to be paypal.com", "冒充 paypal.com", id="lookalike"
    ),
    pytest.param(
        "https://login-verify.phish.example/account/update",
        "The threat feed community-phish lists this link as phishing",
        "威胁情报源 community-phish 将此链接列为网络钓鱼",
        id="feed-with-threat",
    ),
    pytest.param(
        "https://login-verify.phish.example/account/update",
        "It is entry 8012345 of the feed, added 2024-05-01",
        "对应该情报源的第 8012345 条，收录于 2024-05-01",
        id="feed-entry",
    ),
    pytest.param(
        "https://login-verify.phish.example/account/update",
        "It imitates PayPal.",
        "它冒充的是 PayPal。",
        id="feed-target",
    ),
    pytest.param("https://old-threat.example/x", "only warns", "仅作提醒", id="stale-feed"),
    pytest.param(
        "https://evil.test/", "The operator of this service blocks evil.test", "运营方已禁止 evil.test", id="deny"
    ),
    pytest.param(
        "https://safe.test/", "The operator of this service trusts safe.test", "运营方信任 safe.test", id="allow"
    ),
    pytest.param("http://0x7f.1:8080/", "IP address", "IP 地址", id="structural"),
]


@pytest.mark.parametrize(("message", "en", "zh"), CASES)
def test_reasons_read_as_sentences(engine: Engine, message: str, en: str, zh: str) -> None:
    (report,) = engine.analyse(message)
    for lang, phrase in (("en", en), ("zh", zh)):
        lines = [
            line for r in wording.shown_reasons(report) for line in (wording.headline(r, lang), *wording.facts(r, lang))
        ]
        text = " ".join(lines)
        assert phrase in text, lines
        for key in KEYS:
            assert key not in text.replace(message, "").replace("community-phish", "").replace("old-list", ""), (
                key,
                text,
            )


def test_an_unresolved_short_link_is_not_also_screened_clean(engine: Engine) -> None:
    (report,) = engine.analyse("【淘宝】 https://e.tb.cn/h.7vUJnkd5IQyLbmr 「小米手环8 NFC版」")
    assert {"screen.clear", "link.unresolved"} <= set(report.verdict.codes)  # the data says both
    shown = [r.code for r in wording.shown_reasons(report)]
    assert shown == ["link.unresolved"]  # the page says what matters: where it leads is unknown


@pytest.mark.parametrize("platform", [p.id for p in bundled()])
def test_every_platform_has_a_name_in_both_languages(platform: str) -> None:
    en, zh = wording.platform_name(platform, "en"), wording.platform_name(platform, "zh")
    assert en and zh and en != platform
    assert any("\u4e00" <= c <= "\u9fff" for c in zh) or zh == en, f"{platform}: name_zh is {zh!r}"


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_translated(kind: str) -> None:
    assert f"kind.{kind}" in i18n.STRINGS
    assert wording.kind_name(kind, "zh") != kind


@pytest.mark.parametrize(
    ("threat", "en", "zh"),
    [
        ("phishing", "phishing", "网络钓鱼"),
        ("malware_download (elf, mirai)", "malware download (elf, mirai)", "恶意软件下载 (elf, mirai)"),
        ("some_new_word", "some new word", "some new word"),
    ],
)
def test_threat_names(threat: str, en: str, zh: str) -> None:
    assert (wording.threat_name(threat, "en"), wording.threat_name(threat, "zh")) == (en, zh)


def test_a_reason_hutong_has_no_words_for_keeps_its_own_sentence() -> None:
    r = Reason("custom.rule", "A plug-in found this.", "插件发现了问题。", Level.SUSPICIOUS, (("raw_key", "v"),))
    assert wording.headline(r, "en") == "A plug-in found this."
    assert wording.headline(r, "zh") == "插件发现了问题。"
    assert wording.facts(r, "en") == ()  # unknown evidence stays in the API, off the page


def test_the_gravest_reason_is_the_danger(engine: Engine) -> None:
    (report,) = engine.analyse("https://paypa1-login.com/x")
    assert wording.danger(report, "en").startswith("paypa1-login.com pretends to be paypal.com")
    assert wording.imitation(report) == ("paypa1-login.com", "paypal.com")
    (safe,) = engine.analyse("https://item.jd.com/100012043978.html")
    assert wording.danger(safe, "en") == "" and wording.imitation(safe) is None
