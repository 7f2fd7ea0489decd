"""Proof that a policy treats every site of a category alike, listed in the platform data or not.

The check enumerates the policy's whole input space (context × mode × level ×
openable × trusted) in every category, for a synthetic *unlisted* site of that
category (a newcomer no data file names: no platform, a site of its own) and for
every listed platform that has links of the category (its own category, or a
content pattern's). Each listed platform whose decision differs from the unlisted
site's for the same inputs is a disparity. Since every listed platform is compared
with the same newcomer, no two listed platforms can differ either.

Separately, every rule is probed for whether it can tell listed from unlisted sites
at all (it matches one and not the other for otherwise equal inputs). ``parse``
already rejects unjustified rules that name a platform or site; the probe holds the
same line for any rule however it was built, and the report lists the rules that
can tell, each with its justification (a safety reason, like a brand-naming rule).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .model import CATEGORIES, CONTEXTS, MODES
from .platforms import Platform, bundled
from .policy import BOOLS, LEVELS, Inputs, Policy, Rule

UNLISTED = "(unlisted)"  # the synthetic newcomer's name in reports


def unlisted_site(category: str) -> str:
    """The synthetic unlisted site of ``category``: a name no platform file can claim (``.invalid``)."""
    return f"newcomer-{category}.invalid"


@dataclass(frozen=True, slots=True)
class Member:
    """One site compared in a category: a listed platform, or the synthetic unlisted site."""

    name: str  # platform id, or UNLISTED
    platform: str | None
    site: str

    def inputs(self, context: str, mode: str, category: str, level: str, openable: bool, trusted: bool) -> Inputs:
        return Inputs(context, mode, category, level, openable, trusted, platform=self.platform, site=self.site)


@dataclass(frozen=True, slots=True)
class Disparity:
    category: str
    platform_a: str  # always UNLISTED: the newcomer every listed platform is compared with
    platform_b: str
    inputs: Inputs
    action_a: str
    action_b: str
    rule_a: str
    rule_b: str
    justification: str  # of the brand-naming rule behind the difference ("" if none)


@dataclass(frozen=True, slots=True)
class NeutralityReport:
    policy: str
    version: str
    combinations: int  # decisions evaluated
    platforms: int
    disparities: tuple[Disparity, ...]
    brand_rules: tuple[str, ...]  # ids of rules that name a platform or site (all justified)
    listing_rules: tuple[str, ...] = ()  # ids of rules that can tell a listed site from an unlisted one
    unjustified: tuple[str, ...] = ()  # of those, the ones without a justification: the policy is invalid
    categories: int = 0  # categories checked, each with its synthetic unlisted site
    members: tuple[tuple[str, tuple[str, ...]], ...] = ()  # category → the listed platforms compared in it

    @property
    def neutral(self) -> bool:
        return not self.disparities

    @property
    def valid(self) -> bool:
        """False when a rule can tell listed from unlisted sites without a written safety justification."""
        return not self.unjustified

    def to_json(self) -> dict[str, object]:
        return {
            "policy": self.policy,
            "version": self.version,
            "neutral": self.neutral,
            "valid": self.valid,
            "combinations": self.combinations,
            "platforms": self.platforms,
            "categories": self.categories,
            "members": {category: list(names) for category, names in self.members},
            "reference": UNLISTED,
            "brand_rules": list(self.brand_rules),
            "listing_rules": list(self.listing_rules),
            "unjustified": list(self.unjustified),
            "disparities": [
                {
                    "category": d.category,
                    "platforms": [d.platform_a, d.platform_b],
                    "inputs": {
                        "context": d.inputs.context,
                        "mode": d.inputs.mode,
                        "level": d.inputs.level,
                        "openable": d.inputs.openable,
                        "trusted": d.inputs.trusted,
                    },
                    "actions": [d.action_a, d.action_b],
                    "rules": [d.rule_a, d.rule_b],
                    "justification": d.justification,
                }
                for d in self.disparities
            ],
        }


def members(platforms: Iterable[Platform]) -> dict[str, list[Member]]:
    """Category → the synthetic unlisted site first, then every listed platform with links of that category."""
    out: dict[str, list[Member]] = defaultdict(list)
    for category in CATEGORIES:
        out[category].append(Member(UNLISTED, None, unlisted_site(category)))
    for p in platforms:
        for category in p.categories:
            out[category].append(Member(p.id, p.id, p.hosts[0]))
    return out


def _space() -> Iterable[tuple[str, str, str, bool, bool]]:
    return itertools.product(CONTEXTS, MODES, LEVELS, BOOLS, BOOLS)


def _first(policy: Policy, inputs: Inputs) -> Rule:
    return next(r for r in policy.rules if r.matches(inputs))


def listing_rules(policy: Policy, groups: dict[str, list[Member]]) -> tuple[Rule, ...]:
    """The rules that match a listed platform and not the unlisted site (or the reverse) for equal inputs."""
    pairs = [
        (
            newcomer.inputs(context, mode, category, level, openable, trusted),
            listed.inputs(context, mode, category, level, openable, trusted),
        )
        for category, (newcomer, *listed_ones) in groups.items()
        for listed in listed_ones
        for context, mode, level, openable, trusted in _space()
    ]
    return tuple(rule for rule in policy.rules if any(rule.matches(a) != rule.matches(b) for a, b in pairs))


def check_neutrality(policy: Policy, platforms: Sequence[Platform] | None = None) -> NeutralityReport:
    """Enumerate every input in every category; report listed platforms decided unlike the unlisted site."""
    plats = bundled() if platforms is None else tuple(platforms)
    groups = members(plats)
    disparities: list[Disparity] = []
    combos = 0
    for category in CATEGORIES:
        newcomer, *listed = groups[category]
        for context, mode, level, openable, trusted in _space():
            point = (context, mode, category, level, openable, trusted)
            reference = _first(policy, newcomer.inputs(*point))
            combos += 1
            for member in listed:
                rule = _first(policy, member.inputs(*point))
                combos += 1
                if rule.action == reference.action:
                    continue
                cause = rule if rule.names_brand or rule.justification else reference
                disparities.append(
                    Disparity(
                        category=category,
                        platform_a=newcomer.name,
                        platform_b=member.name,
                        inputs=Inputs(*point),
                        action_a=reference.action.value,
                        action_b=rule.action.value,
                        rule_a=reference.id,
                        rule_b=rule.id,
                        justification=cause.justification,
                    )
                )
    telling = listing_rules(policy, groups)
    return NeutralityReport(
        policy=policy.name,
        version=policy.version,
        combinations=combos,
        platforms=len(plats),
        disparities=tuple(disparities),
        brand_rules=tuple(r.id for r in policy.rules if r.names_brand),
        listing_rules=tuple(r.id for r in telling),
        unjustified=tuple(r.id for r in telling if not r.justification),
        categories=len(CATEGORIES),
        members=tuple((c, tuple(m.name for m in groups[c][1:])) for c in CATEGORIES),
    )
