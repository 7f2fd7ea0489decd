"""Neutrality covers newcomers: every listed platform is decided like an unlisted site of its category.

The static check (``hutong.core.neutrality``) over the policy's input space, and the same claim through the
engine's own ``decide`` for real reports, table-wise and as a property over arbitrary unlisted site names.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hutong.cli import main
from hutong.config import Config, DataSection
from hutong.core import psl
from hutong.core.model import (
    CATEGORIES,
    CONTEXTS,
    MODES,
    Action,
    Found,
    Identity,
    Level,
    LinkReport,
    UserPrefs,
    Verdict,
)
from hutong.core.neutrality import UNLISTED, check_neutrality, members, unlisted_site
from hutong.core.platforms import Platform, bundled, by_id
from hutong.core.policy import LEVELS, Inputs, Policy, Rule, default_policy
from hutong.pipeline import Engine
from tests.support.feeds import import_feed

DEFAULT = default_policy()


def _plat(pid: str, category: str) -> Platform:
    return Platform(id=pid, name=pid, name_zh="", category=category, hosts=(f"{pid}.test",))


def _policy(*rules: Rule) -> Policy:
    last = Rule("last", (), Action.CONFIRM, "ask", "确认")
    return Policy("test", (*rules, last), "v")


def test_every_category_has_a_newcomer_and_pattern_categories_count() -> None:
    groups = members(bundled())
    assert set(groups) == set(CATEGORIES)
    for category, (first, *_rest) in groups.items():
        assert (first.name, first.platform, first.site) == (UNLISTED, None, unlisted_site(category))
    ecommerce = {m.name for m in groups["ecommerce"]}
    assert {"jd", "taobao", "pinduoduo", "douyin", "bilibili"} <= ecommerce  # Douyin's and bilibili's shops
    assert "douyin" in {m.name for m in groups["video"]}
    assert [m.name for m in groups["unknown"]] == [UNLISTED]  # no platform file is of category unknown


def test_default_policy_decides_every_listed_platform_like_the_newcomer() -> None:
    report = check_neutrality(DEFAULT)
    assert report.neutral and report.valid, report.disparities[:3]
    assert (report.listing_rules, report.brand_rules, report.unjustified) == ((), (), ())
    points = len(CONTEXTS) * len(MODES) * len(LEVELS) * 2 * 2
    compared = sum(len(group) for group in members(bundled()).values())
    assert report.combinations == points * compared
    doc = report.to_json()
    assert (doc["reference"], doc["categories"], doc["valid"]) == (UNLISTED, len(CATEGORIES), True)


@pytest.mark.parametrize(
    ("name", "rule", "telling"),
    [
        ("a platform condition", Rule("r", (("platform", ("shopa",)),), Action.OPEN, "r", "r"), True),
        (
            "the newcomer's own site",
            Rule("r", (("site", (unlisted_site("ecommerce"),)),), Action.OPEN, "r", "r"),
            True,
        ),
        ("a category condition", Rule("r", (("category", ("ecommerce",)),), Action.OPEN, "r", "r"), False),
        ("a level condition", Rule("r", (("level", ("safe",)),), Action.OPEN, "r", "r"), False),
    ],
    ids=["platform", "newcomer site", "category", "level"],
)
def test_a_rule_that_can_tell_listed_from_unlisted_needs_a_justification(name: str, rule: Rule, telling: bool) -> None:
    """Built directly (not through ``parse``, which refuses these already), the check still refuses them."""
    plats = [_plat("shopa", "ecommerce"), _plat("shopb", "ecommerce")]
    report = check_neutrality(_policy(rule), plats)
    assert (report.listing_rules, report.unjustified, report.valid) == (
        ("r",) if telling else (),
        ("r",) if telling else (),
        not telling,
    ), name
    assert report.neutral is not telling
    justified = check_neutrality(_policy(replace(rule, justification="serves malware (incident 7)")), plats)
    assert justified.valid and justified.unjustified == ()
    assert all("incident 7" in d.justification for d in justified.disparities)


# ---- through the engine: the same claim for real reports ---------------------------------------------------


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    data = tmp_path_factory.mktemp("feeds")
    import_feed(data)
    return Engine.from_config(Config(data=DataSection(dir=str(data))))


def _report(engine: Engine, url: str) -> LinkReport:
    return engine.inspect(Found(text=url, start=0, end=len(url), form="url"))


def _listed(engine: Engine) -> list[tuple[str, str, LinkReport]]:
    """(platform, category, report) for every listed platform and every category its links can have."""
    out = []
    for p in bundled():
        base = _report(engine, f"https://{p.hosts[0]}/")
        assert base.identity.platform == p.id, p.id
        for category in p.categories:
            out.append((p.id, category, base.evolve(identity=replace(base.identity, category=category))))
    return out


NEWCOMERS = ("https://github.com/encode/httpx", "https://www.gov.cn/", "https://teapots-by-lin.example/p/1")


def _newcomer(engine: Engine, url: str, category: str) -> LinkReport:
    report = _report(engine, url)
    assert report.identity.platform is None, url
    return report.evolve(identity=Identity(category=category))  # as page evidence would set it


def _decided(engine: Engine, report: LinkReport, context: str, mode: str, level: str, trusted: bool) -> str:
    prefs = UserPrefs(always_open=(report.site,) if trusted and report.site else ())
    verdict = Verdict(Level.parse(level), report.verdict.reasons)
    got = engine.decide(report.evolve(verdict=verdict), context=context, mode=mode, prefs=prefs)  # type: ignore[arg-type]
    assert got.decision is not None
    return got.decision.action.value


def test_listed_and_unlisted_reports_are_decided_alike_everywhere(engine: Engine) -> None:
    """Every listed platform × category against three unlisted sites, for every context × mode × verdict."""
    differ = []
    for platform, category, listed in _listed(engine):
        for url in NEWCOMERS:
            newcomer = _newcomer(engine, url, category)
            for context, mode, level, trusted in itertools.product(CONTEXTS, MODES, LEVELS, (False, True)):
                a = _decided(engine, listed, context, mode, level, trusted)
                b = _decided(engine, newcomer, context, mode, level, trusted)
                if a != b:
                    differ.append((platform, url, category, context, mode, level, trusted, a, b))
    assert differ == []


LABEL = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?", fullmatch=True)
TLD = st.sampled_from(["com", "cn", "net", "org", "co.uk", "com.cn", "io", "shop", "example"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    labels=st.lists(LABEL, min_size=1, max_size=3),
    tld=TLD,
    context=st.sampled_from(CONTEXTS),
    mode=st.sampled_from(MODES),
    category=st.sampled_from(CATEGORIES),
)
def test_an_unlisted_sites_decision_depends_only_on_context_mode_category_and_verdict(
    engine: Engine, labels: list[str], tld: str, context: str, mode: str, category: str
) -> None:
    url = f"https://{'.'.join(labels)}.{tld}/path?q=1"
    report = _report(engine, url)
    if report.identity.platform is not None or report.url is None:
        return  # the name is in the data after all, or not a URL: not this property's subject
    screened = _newcomer(engine, url, category).evolve(verdict=report.verdict)
    got = engine.decide(screened, context=context, mode=mode)  # type: ignore[arg-type]
    expected = DEFAULT.decide(Inputs(context, mode, category, report.verdict.level.label))
    assert got.decision == expected
    assert psl.site(report.url.split("/")[2]) == report.site


def test_the_property_sees_both_clean_and_flagged_newcomers(engine: Engine) -> None:
    """The property's inputs reach more than one verdict: a clean name and a lookalike of a listed one."""
    assert _report(engine, "https://teapots-by-lin.example/").verdict.level is Level.SAFE
    assert _report(engine, "https://tao6ao.com/").verdict.level is Level.SUSPICIOUS


def test_policy_check_command_reports_against_the_newcomer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", "check"]) == 0
    out = capsys.readouterr().out
    assert "decided exactly like an unlisted site of its category" in out
    brand = tmp_path / "brand.toml"
    brand.write_text(
        '[[rules]]\nid="jd.open"\nwhen={platform="jd", level="unknown"}\naction="open"\nreason="r"\nreason_zh="r"\n'
        'justification="test: the operator vouches for this platform"\n'
        '[[rules]]\nid="last"\naction="confirm"\nreason="r"\nreason_zh="r"\n',
        encoding="utf-8",
    )
    assert main(["policy", "check", str(brand), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert (doc["valid"], doc["listing_rules"], doc["reference"]) == (True, ["jd.open"], UNLISTED)
    assert {tuple(d["platforms"]) for d in doc["disparities"]} == {(UNLISTED, "jd")}
    # every category JD's links can have: its shop, and its friend-pays requests (payment)
    assert {d["category"] for d in doc["disparities"]} == set(by_id()["jd"].categories) == {"ecommerce", "payment"}
    assert all(d["actions"] == ["confirm", "open"] for d in doc["disparities"])
