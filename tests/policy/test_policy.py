"""The decision policy: the bundled default's behaviour, the language's validation, neutrality."""

from __future__ import annotations

import itertools
import re

import pytest

from hutong.core.model import CATEGORIES, CONTEXTS, MODES, Action
from hutong.core.neutrality import check_neutrality
from hutong.core.platforms import Platform
from hutong.core.policy import BOOLS, LEVELS, Inputs, default_policy, parse
from hutong.errors import PolicyError

DEFAULT = default_policy()


def decide(context: str, mode: str, category: str, level: str, openable: bool = True, trusted: bool = False) -> str:
    return DEFAULT.decide(Inputs(context, mode, category, level, openable, trusted)).action.value


@pytest.mark.parametrize(
    ("name", "inputs", "expected"),
    [
        ("direct chat, safe link opens", ("direct", "direct", "video", "safe"), "open"),
        ("group, safe e-commerce opens (2021 trial)", ("group", "direct", "ecommerce", "safe"), "open"),
        ("channel, safe e-commerce opens", ("channel", "direct", "ecommerce", "safe"), "open"),
        ("group, safe video asks", ("group", "direct", "video", "safe"), "confirm"),
        ("group, safe news asks", ("group", "direct", "news", "safe"), "confirm"),
        ("unknown risk asks in a direct chat", ("direct", "direct", "unknown", "unknown"), "confirm"),
        ("unknown risk asks in a group", ("group", "direct", "ecommerce", "unknown"), "confirm"),
        ("suspicious asks", ("direct", "direct", "ecommerce", "suspicious"), "confirm"),
        ("malicious blocks", ("direct", "direct", "ecommerce", "malicious"), "block"),
        ("malicious blocks whatever the mode", ("group", "strict", "unknown", "malicious"), "block"),
        ("confirm mode always asks, even for safe", ("direct", "confirm", "ecommerce", "safe"), "confirm"),
        ("strict mode copies unknown", ("direct", "strict", "unknown", "unknown"), "copy"),
        ("strict mode copies suspicious", ("group", "strict", "video", "suspicious"), "copy"),
        ("strict mode opens known-safe in a direct chat", ("direct", "strict", "video", "safe"), "open"),
    ],
)
def test_default_policy_reproduces_2021_behaviour_neutrally(name: str, inputs: tuple[str, ...], expected: str) -> None:
    assert decide(*inputs) == expected, name


@pytest.mark.parametrize(
    ("name", "trusted", "level", "expected"),
    [
        ("trusted unknown site opens", True, "unknown", "open"),
        ("trusted never overrides suspicious", True, "suspicious", "confirm"),
        ("trusted never overrides malicious", True, "malicious", "block"),
        ("untrusted unknown asks", False, "unknown", "confirm"),
    ],
)
def test_user_always_open_list(name: str, trusted: bool, level: str, expected: str) -> None:
    assert decide("group", "direct", "social", level, True, trusted) == expected, name


def test_unopenable_tokens_are_copy_only_but_malicious_still_blocks() -> None:
    assert decide("direct", "direct", "ecommerce", "unknown", openable=False) == "copy"
    assert decide("direct", "direct", "ecommerce", "malicious", openable=False) == "block"


def test_every_input_gets_a_decision_with_bilingual_reason() -> None:
    for context, mode, category, level, openable, trusted in itertools.product(
        CONTEXTS, MODES, CATEGORIES, LEVELS, BOOLS, BOOLS
    ):
        d = DEFAULT.decide(Inputs(context, mode, category, level, openable, trusted))
        assert d.rule.startswith("policy.") and d.reason and d.reason_zh


def test_default_policy_is_neutral_over_the_bundled_platforms() -> None:
    report = check_neutrality(DEFAULT)
    assert report.neutral, report.disparities[:3]
    assert report.platforms >= 12
    assert report.combinations > 1000


BASE_RULES = """
[[rules]]
id = "last"
action = "confirm"
reason = "ask"
reason_zh = "确认"
"""


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "names a platform without justification",
            '[[rules]]\nid="x"\nwhen={platform="taobao"}\naction="copy"\nreason="r"\nreason_zh="r"\n' + BASE_RULES,
            "names a platform or site",
        ),
        (
            "names a site without justification",
            '[[rules]]\nid="x"\nwhen={site="jd.com"}\naction="open"\nreason="r"\nreason_zh="r"\n' + BASE_RULES,
            "names a platform or site",
        ),
        (
            "unknown condition",
            '[[rules]]\nid="x"\nwhen={colour="red"}\naction="open"\nreason="r"\nreason_zh="r"\n' + BASE_RULES,
            "unknown condition 'colour'",
        ),
        (
            "bad level",
            '[[rules]]\nid="x"\nwhen={level="evil"}\naction="open"\nreason="r"\nreason_zh="r"\n' + BASE_RULES,
            "level = 'evil'",
        ),
        ("bad action", '[[rules]]\nid="x"\naction="launch"\nreason="r"\nreason_zh="r"\n', "action must be"),
        ("no Chinese reason", '[[rules]]\nid="x"\naction="open"\nreason="r"\n', "reason_zh"),
        (
            "last rule has conditions",
            '[[rules]]\nid="x"\nwhen={level="safe"}\naction="open"\nreason="r"\nreason_zh="r"\n',
            "last rule must have no conditions",
        ),
        (
            "duplicate ids",
            BASE_RULES.replace('"last"', '"a"') + BASE_RULES.replace('"last"', '"a"'),
            "duplicate rule id",
        ),
        ("no rules", 'name = "empty"\n', "non-empty [[rules]]"),
        ("unknown top-level key", "colour = 1\n" + BASE_RULES, "unknown top-level key"),
        ("not TOML", "[[rules]\n", "not valid TOML"),
        (
            "empty condition list",
            '[[rules]]\nid="x"\nwhen={level=[]}\naction="open"\nreason="r"\nreason_zh="r"\n' + BASE_RULES,
            "could never match",
        ),
    ],
)
def test_invalid_policies_are_rejected_with_a_clear_message(name: str, text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=re.escape(message)):
        parse(text)


def _plat(pid: str, category: str) -> Platform:
    return Platform(id=pid, name=pid, name_zh="", category=category, hosts=(f"{pid}.test",))


def test_neutrality_check_reports_a_justified_brand_rule_as_a_disparity() -> None:
    text = (
        '[[rules]]\nid="brand.block"\nwhen={platform="shopa"}\naction="copy"\nreason="r"\nreason_zh="r"\n'
        'justification="shopa serves malware from its item pages (incident 42)"\n' + BASE_RULES
    )
    policy = parse(text)
    report = check_neutrality(policy, [_plat("shopa", "ecommerce"), _plat("shopb", "ecommerce")])
    assert not report.neutral and report.valid
    assert report.brand_rules == ("brand.block",) and report.listing_rules == ("brand.block",)
    assert {d.platform_b for d in report.disparities} == {"shopa"}  # shopb is decided like the newcomer
    d = report.disparities[0]
    assert (d.platform_a, d.platform_b) == ("(unlisted)", "shopa")
    assert (d.action_a, d.action_b) == ("confirm", "copy")
    assert "incident 42" in d.justification


def test_neutrality_check_finds_nothing_when_rules_speak_only_of_categories() -> None:
    text = (
        '[[rules]]\nid="shop.open"\nwhen={category="ecommerce"}\naction="open"\nreason="r"\nreason_zh="r"\n'
        + BASE_RULES
    )
    report = check_neutrality(
        parse(text), [_plat("shopa", "ecommerce"), _plat("shopb", "ecommerce"), _plat("tube", "video")]
    )
    assert report.neutral


def test_stricter_verdicts_never_get_a_more_permissive_action() -> None:
    """Exhaustive over the whole input space (it is small): a worse verdict never loosens the action."""
    order = [Action.OPEN, Action.CONFIRM, Action.COPY, Action.BLOCK]
    loosened = []
    for context, mode, category, level, openable, trusted in itertools.product(
        CONTEXTS, MODES, CATEGORIES, LEVELS, BOOLS, BOOLS
    ):
        here = DEFAULT.decide(Inputs(context, mode, category, level, openable, trusted)).action
        for worse in LEVELS[LEVELS.index(level) + 1 :]:
            there = DEFAULT.decide(Inputs(context, mode, category, worse, openable, trusted)).action
            if order.index(there) < order.index(here):
                loosened.append((context, mode, category, level, worse, openable, trusted, here, there))
    assert loosened == []
