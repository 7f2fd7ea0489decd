"""Proof that a policy treats every platform of a category alike.

The check enumerates the policy's whole input space (context × mode × category ×
level × openable × trusted) for every platform of every category, plus an
unidentified site, and reports each pair of platforms of one category whose
decisions differ for the same inputs. Because ``parse`` rejects unjustified rules
that name a platform or site, a disparity can only come from a justified rule;
the report says which rule and quotes its justification.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .model import CATEGORIES, CONTEXTS, MODES
from .platforms import Platform, bundled
from .policy import BOOLS, LEVELS, Inputs, Policy


@dataclass(frozen=True, slots=True)
class Disparity:
    category: str
    platform_a: str
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

    @property
    def neutral(self) -> bool:
        return not self.disparities

    def to_json(self) -> dict[str, object]:
        return {
            "policy": self.policy,
            "version": self.version,
            "neutral": self.neutral,
            "combinations": self.combinations,
            "platforms": self.platforms,
            "brand_rules": list(self.brand_rules),
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


def _members(platforms: Iterable[Platform]) -> dict[str, list[tuple[str, str | None]]]:
    """Category → [(platform id, representative site)], plus an unidentified site in 'unknown'."""
    out: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for p in platforms:
        out[p.category].append((p.id, p.hosts[0]))
    out["unknown"].append(("(unidentified)", "example.net"))
    return out


def check_neutrality(policy: Policy, platforms: Sequence[Platform] | None = None) -> NeutralityReport:
    """Enumerate every input for every platform; report platforms of one category treated differently."""
    plats = bundled() if platforms is None else tuple(platforms)
    members = _members(plats)
    disparities: list[Disparity] = []
    combos = 0
    for category in CATEGORIES:
        group = members.get(category, [])
        for context, mode, level, openable, trusted in itertools.product(CONTEXTS, MODES, LEVELS, BOOLS, BOOLS):
            decided = []
            for pid, site in group:
                inputs = Inputs(
                    context,
                    mode,
                    category,
                    level,
                    openable,
                    trusted,
                    platform=None if pid.startswith("(") else pid,
                    site=site,
                )
                rule = next(r for r in policy.rules if r.matches(inputs))
                decided.append((pid, rule))
                combos += 1
            first_pid, first_rule = decided[0] if decided else ("", None)
            for pid, rule in decided[1:]:
                assert first_rule is not None
                if rule.action != first_rule.action:
                    brand = first_rule if first_rule.names_brand else rule
                    disparities.append(
                        Disparity(
                            category=category,
                            platform_a=first_pid,
                            platform_b=pid,
                            inputs=Inputs(context, mode, category, level, openable, trusted),
                            action_a=first_rule.action.value,
                            action_b=rule.action.value,
                            rule_a=first_rule.id,
                            rule_b=rule.id,
                            justification=brand.justification,
                        )
                    )
    return NeutralityReport(
        policy=policy.name,
        version=policy.version,
        combinations=combos,
        platforms=len(plats),
        disparities=tuple(disparities),
        brand_rules=tuple(r.id for r in policy.rules if r.names_brand),
    )
