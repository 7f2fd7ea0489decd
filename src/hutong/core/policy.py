"""The decision policy: a public, declarative TOML file of ordered rules.

A rule matches on the *inputs* of a decision and names an action. Inputs are:
``context`` (direct, group, channel), ``mode`` (the user's effective mode),
``category`` (of the identified site), ``level`` (the verdict), ``openable``
(false for a 淘口令 token or a mini-program reference: there is nothing to open)
and ``trusted`` (the user put the site on their always-open list). A rule may
also name ``platform`` or ``site``, but only with a written ``justification``
(a safety reason): policy speaks of categories and verdicts, not brands.

The first matching rule wins; the last rule must match everything. See
``docs/policy.md`` for the language and ``hutong.core.neutrality`` for the proof that
a policy treats every platform of a category alike.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import PolicyError
from .model import CATEGORIES, CONTEXTS, MODES, Action, Decision, Level

LEVELS: tuple[str, ...] = tuple(level.label for level in Level)
BOOLS: tuple[bool, ...] = (True, False)

# condition key -> the values it may take (None: free text, checked elsewhere)
CONDITION_VALUES: dict[str, tuple[Any, ...] | None] = {
    "context": CONTEXTS,
    "mode": MODES,
    "category": CATEGORIES,
    "level": LEVELS,
    "openable": BOOLS,
    "trusted": BOOLS,
    "platform": None,
    "site": None,
}
BRAND_KEYS = ("platform", "site")
_RULE_KEYS = {"id", "when", "action", "reason", "reason_zh", "justification"}


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything a decision may depend on."""

    context: str
    mode: str
    category: str
    level: str
    openable: bool = True
    trusted: bool = False
    platform: str | None = None
    site: str | None = None

    def get(self, key: str) -> Any:
        return getattr(self, key)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    when: tuple[tuple[str, tuple[Any, ...]], ...]
    action: Action
    reason: str
    reason_zh: str
    justification: str = ""

    def matches(self, inputs: Inputs) -> bool:
        return all(inputs.get(key) in allowed for key, allowed in self.when)

    @property
    def names_brand(self) -> bool:
        return any(key in BRAND_KEYS for key, _ in self.when)

    def decision(self) -> Decision:
        return Decision(self.action, self.id, self.reason, self.reason_zh)


@dataclass(frozen=True)
class Policy:
    name: str
    rules: tuple[Rule, ...]
    version: str  # content hash: recorded with every audit event
    source: str = "<policy>"

    def decide(self, inputs: Inputs) -> Decision:
        """The first matching rule's decision (the last rule matches everything)."""
        if not self._names_brands:
            # the input space is small (a few thousand points): remember each answer
            key = (inputs.context, inputs.mode, inputs.category, inputs.level, inputs.openable, inputs.trusted)
            hit = self._memo.get(key)
            if hit is None:
                hit = self._memo[key] = self._first(inputs)
            return hit
        return self._first(inputs)

    def _first(self, inputs: Inputs) -> Decision:
        for rule in self.rules:
            if rule.matches(inputs):
                return rule.decision()
        raise PolicyError(f"{self.source}: no rule matched {inputs}; the last rule must match everything")

    @cached_property
    def _names_brands(self) -> bool:
        return any(r.names_brand for r in self.rules)

    @cached_property
    def _memo(self) -> dict[tuple[object, ...], Decision]:
        return {}

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def _parse_when(raw: Any, where: str) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: 'when' must be a table of conditions")
    out = []
    for key, value in raw.items():
        if key not in CONDITION_VALUES:
            raise PolicyError(
                f"{where}: unknown condition {key!r}; use one of {', '.join(CONDITION_VALUES)}"
            )
        values = value if isinstance(value, list) else [value]
        if not values:
            raise PolicyError(f"{where}: condition {key!r} has no values, so the rule could never match")
        allowed = CONDITION_VALUES[key]
        for v in values:
            if allowed is None:
                if not isinstance(v, str) or not v:
                    raise PolicyError(f"{where}: {key} values must be non-empty strings")
            elif v not in allowed:
                raise PolicyError(
                    f"{where}: {key} = {v!r} is not one of {', '.join(map(str, allowed))}"
                )
        out.append((key, tuple(values)))
    return tuple(out)


def parse(text: str, *, source: str = "<policy>") -> Policy:
    """Parse and validate policy TOML."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML: {exc}") from exc
    unknown = set(raw) - {"name", "description", "rules"}
    if unknown:
        raise PolicyError(f"{source}: unknown top-level key(s) {', '.join(sorted(unknown))}")
    rules_raw = raw.get("rules")
    if not isinstance(rules_raw, list) or not rules_raw:
        raise PolicyError(f"{source}: a policy needs a non-empty [[rules]] list")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, r in enumerate(rules_raw):
        where = f"{source} rules[{i}]"
        if not isinstance(r, Mapping):
            raise PolicyError(f"{where}: a rule must be a table")
        extra = set(r) - _RULE_KEYS
        if extra:
            raise PolicyError(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
        rid = r.get("id")
        if not isinstance(rid, str) or not rid:
            raise PolicyError(f"{where}: every rule needs an 'id'")
        if rid in seen:
            raise PolicyError(f"{where}: duplicate rule id {rid!r}")
        seen.add(rid)
        try:
            action = Action(str(r.get("action")))
        except ValueError:
            raise PolicyError(f"{where} ({rid}): action must be open, confirm, copy or block") from None
        reason, reason_zh = r.get("reason"), r.get("reason_zh")
        if not isinstance(reason, str) or not reason or not isinstance(reason_zh, str) or not reason_zh:
            raise PolicyError(f"{where} ({rid}): every rule needs a 'reason' and a 'reason_zh' for users")
        rule = Rule(
            id=rid,
            when=_parse_when(r.get("when", {}), f"{where} ({rid})"),
            action=action,
            reason=reason,
            reason_zh=reason_zh,
            justification=str(r.get("justification", "")).strip(),
        )
        if rule.names_brand and not rule.justification:
            raise PolicyError(
                f"{where} ({rid}): this rule names a platform or site; policy rules speak of categories "
                "and verdicts. Remove the condition, or add a 'justification' stating the safety reason."
            )
        rules.append(rule)
    if rules[-1].when:
        raise PolicyError(f"{source}: the last rule must have no conditions, so that every link gets a decision")
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return Policy(name=str(raw.get("name", source)), rules=tuple(rules), version=version, source=source)


def load(path: str | Path | None = None) -> Policy:
    """Load a policy file; ``None`` or ``""`` gives the bundled default."""
    if not path:
        return default_policy()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {str(p)!r}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise PolicyError(f"policy file {str(p)!r} is not UTF-8") from exc
    return parse(text, source=p.name)


@cache
def default_policy() -> Policy:
    """The bundled default: the 2021 WeChat behaviour, applied neutrally."""
    text = (resources.files("hutong") / "data" / "policy" / "default.toml").read_text(encoding="utf-8")
    return parse(text, source="default.toml")
