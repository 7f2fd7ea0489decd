"""The screening chain: small rules, run in the order of ``safety.rules``, each adding reasons to a Verdict.

Rules: ``allowlist`` (operator allowlist, ``safety.allow`` and the sites allowed from the appeals
view: safe, and the chain stops), ``structural`` (the URL's
shape: schemes, userinfo, IP hosts, disguised hosts ..., see ``hutong.core.structural``), ``feeds``
(imported threat feeds: ``malicious`` when fresh, ``suspicious`` when older than
``safety.max_feed_age_hours``), ``lookalike`` (skeletons, scripts, typos, embedded brands:
``suspicious``) and ``deny`` (operator denylist: ``malicious``).
A rule whose data is missing disables itself with a logged reason (:attr:`Screener.disabled`).
Every rule reads the same parsed :class:`hutong.core.link.Link` (and, for the Safe Browsing lookups,
its canonical form, built from the link's parts): nothing in the chain parses the URL again.

A verdict comes from screening only: the rules never see whether a platform file names the site
(listing is knowledge of how to read a platform's links, never evidence that they are harmless).
After the chain, the verdict says how far screening could run (:func:`coverage_reason`): with at
least one fresh threat feed loaded and nothing found it is ``safe`` (``screen.clear``); with no
feed loaded (``screen.no_feeds``), every feed stale (``screen.feeds_stale``) or no host to look up
(``screen.unscreenable``) it is at best ``unknown``, for every site alike.

Screening does no disk I/O of its own: rule data is loaded when the chain is built, and data that
changes while a service runs (threat feeds replaced by ``hutong feeds update``, or imported where
there were none) is picked up by :meth:`Screener.reload`, which the service calls on a timer.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from ..config import Config
from ..core import structural
from ..core.link import Link
from ..core.model import Level, Reason, Verdict
from ..core.platforms import Platform, bundled
from ..errors import ConfigError, DataError, HutongError, InputError
from .allowfile import LIST_NAME, OperatorAllowlist
from .canon import Canonical, canonical_of
from .domains import DomainList
from .feeds import FeedInfo, FeedStore, LoadedFeed
from .hashindex import FLAG_EXACT_HOST, FLAG_EXCEPTION, ThreatIndex, expression_host
from .lookalike import ProtectedSet

log = logging.getLogger("hutong.safety")

RULES: tuple[str, ...] = ("allowlist", "structural", "feeds", "lookalike", "deny")
# rules whose data lives in data.dir and may appear while a service runs: retried by Screener.reload
# (threat feeds imported later; sites the operator allows from the appeals view)
RELOADABLE: frozenset[str] = frozenset({"feeds", "allowlist"})
NO_FEEDS_IMPORTED = "no threat feeds imported (run `hutong feeds import FILE --format ...`)"


@dataclass(frozen=True, slots=True)
class Subject:
    """What the rules look at: the link, the text it was written as, its canonical form (None without a
    host) and the time. Deliberately not the link's platform: whether a data file names a site is not
    evidence."""

    link: Link
    raw: str  # as found in the message, before unwrapping: how the host was written is evidence
    canonical: Canonical | None
    now: datetime

    @property
    def url(self) -> str:
        return self.link.href

    @property
    def site(self) -> str | None:
        return self.link.site


@dataclass(frozen=True, slots=True)
class Outcome:
    """A rule's contribution; ``final`` stops the chain (the operator's allowlist)."""

    verdict: Verdict
    final: bool = False


class Rule(Protocol):
    name: str

    def check(self, subject: Subject) -> Outcome | None: ...


@runtime_checkable
class Reloadable(Protocol):
    """A rule whose data can change on disk while it runs."""

    def reload(self) -> bool:
        """Re-read the data if it changed; True if it did. Disk I/O: never called by ``check``."""
        ...


class Disabled(Exception):
    """Raised by a rule factory when the rule's data is missing; the message says why."""


class AllowRule:
    """``safety.allow`` from the configuration, and the persisted operator allowlist in ``data.dir``.

    The persisted list (:mod:`hutong.safety.allowfile`) changes while a service runs (the operator
    allows a site from the appeals view): :meth:`reload` picks it up, as :class:`FeedRule` does feeds.
    """

    name = "allowlist"

    def __init__(self, items: DomainList, persisted: OperatorAllowlist | None = None) -> None:
        self.items = items
        self.persisted = persisted
        self._signature: tuple[int, int, int] | None = None
        self._operator = DomainList((), setting=LIST_NAME)
        try:
            self.reload()
        except DataError as exc:  # a damaged file must not take safety.allow down with it; retried on reload
            log.warning("the operator allowlist is not used until it is fixed: %s", exc.message)
        if not items and not self._operator:
            raise Disabled("safety.allow is empty and the operator has allowed no site")

    def reload(self) -> bool:
        """Read the persisted allowlist again if its file changed; True if it did."""
        if self.persisted is None:
            return False
        signature = self.persisted.signature()
        if signature == self._signature:
            return False
        self._operator = DomainList(self.persisted.items(), setting=LIST_NAME)  # one assignment: old or new
        self._signature = signature
        return True

    def check(self, subject: Subject) -> Outcome | None:
        if subject.canonical is None:
            return None
        listed, m = "safety.allow", self.items.match(subject.canonical)
        if m is None:
            listed, m = LIST_NAME, self._operator.match(subject.canonical)
        if m is None:
            return None
        reason = Reason(
            "operator.allow",
            f"The operator allows {m.item}",
            f"运营方已将 {m.item} 列入允许名单",
            Level.SAFE,
            (("list", listed), ("matched", m.item)),
        )
        return Outcome(Verdict(Level.SAFE, (reason,)), final=True)


class DenyRule:
    name = "deny"

    def __init__(self, items: DomainList) -> None:
        if not items:
            raise Disabled("safety.deny is empty")
        self.items = items

    def check(self, subject: Subject) -> Outcome | None:
        if subject.canonical is None or (m := self.items.match(subject.canonical)) is None:
            return None
        reason = Reason(
            "operator.deny",
            f"The operator blocks {m.item}",
            f"运营方已将 {m.item} 列入禁止名单",
            Level.MALICIOUS,
            (("list", "safety.deny"), ("matched", m.item)),
        )
        return Outcome(Verdict(Level.MALICIOUS, (reason,)))


class StructuralRule:
    """What the URL's shape alone says (``hutong.core.structural.RULES``, in order)."""

    name = "structural"

    def __init__(self, rules: tuple[structural.Rule, ...] = structural.RULES) -> None:
        self.rules = rules

    def check(self, subject: Subject) -> Outcome | None:
        verdict = structural.check(subject.link, subject.raw, rules=self.rules)
        return Outcome(verdict) if verdict.reasons else None


@dataclass(frozen=True, slots=True)
class _LoadedFeeds:
    """The feeds and their index, swapped in as one value so that a check sees old or new, never a mix."""

    feeds: tuple[LoadedFeed, ...]
    index: ThreatIndex
    infos: tuple[FeedInfo, ...]  # one per feed; a source's confirmation (a 304) replaces only these


class FeedRule:
    name = "feeds"

    def __init__(self, store: FeedStore, max_age_hours: float) -> None:
        self.store = store
        self.max_age_hours = max_age_hours
        self._signature: tuple[tuple[str, int, int, int], ...] | None = None
        self._states: tuple[tuple[str, int, int], ...] | None = None
        self._loaded = _LoadedFeeds((), ThreatIndex([], []), ())
        self.reload()
        if not self.feeds:
            raise Disabled("no threat feeds imported (run `hutong feeds import FILE --format ...`)")

    @property
    def feeds(self) -> tuple[LoadedFeed, ...]:
        return self._loaded.feeds

    @property
    def index(self) -> ThreatIndex:
        return self._loaded.index

    @property
    def infos(self) -> tuple[FeedInfo, ...]:
        """The loaded feeds' headers, with their sources' latest confirmations."""
        return self._loaded.infos

    def reload(self) -> bool:
        """Load the feed files again if any was added, replaced or removed, or only their freshness if a
        source confirmed its copy (a fetch state changed); True if either happened."""
        signature = self.store.signature()
        states = self.store.state_signature()
        if signature == self._signature:
            if states == self._states:
                return False
            loaded = self._loaded
            self._loaded = _LoadedFeeds(
                loaded.feeds, loaded.index, tuple(self.store.confirmed(i) for i in loaded.infos)
            )
            self._states = states
            return True
        if self._signature is not None:
            log.info("threat feeds changed on disk; reloading")
        feeds = tuple(f for f in self.store.load_all() if len(f.index))  # swapped atomically: whole feeds only
        index = ThreatIndex([f.index for f in feeds], [f.host_keys for f in feeds])
        self._loaded = _LoadedFeeds(feeds, index, tuple(f.info for f in feeds))
        self._signature, self._states = signature, states
        return True

    def check(self, subject: Subject) -> Outcome | None:
        c = subject.canonical
        if c is None:
            return None
        loaded = self._loaded
        hits = [
            h
            for h in loaded.index.lookup(c)
            if not (h.flags & FLAG_EXACT_HOST and expression_host(h.expression) != c.host)
        ]
        if not hits:
            return None
        excepted = {h.source for h in hits if h.flags & FLAG_EXCEPTION}
        reasons: list[Reason] = []
        seen: set[int] = set()
        for hit in hits:
            if hit.flags & FLAG_EXCEPTION or hit.source in excepted or hit.source in seen:
                continue
            seen.add(hit.source)  # one reason per feed: the most specific expression comes first
            feed, info = loaded.feeds[hit.source], loaded.infos[hit.source]
            reasons.append(self._reason(feed, info, hit.entry, hit.expression, subject.now))
        return (
            Outcome(Verdict(max((r.level for r in reasons), default=Level.UNKNOWN), tuple(reasons)))
            if reasons
            else None
        )

    def freshness(self, now: datetime) -> tuple[tuple[FeedInfo, ...], tuple[FeedInfo, ...]]:
        """The loaded feeds' headers (with their sources' latest confirmations) split into (fresh, stale)."""
        infos = self.infos
        fresh = tuple(i for i in infos if not i.is_stale(now, self.max_age_hours))
        return fresh, tuple(i for i in infos if i not in fresh)

    def _reason(self, feed: LoadedFeed, info: FeedInfo, entry: int, expression: str, now: datetime) -> Reason:
        ev = feed.evidence(entry)
        age = info.age_hours(now)
        stale = info.is_stale(now, self.max_age_hours)
        what = f"{ev.threat}, " if ev.threat else ""  # a feed of bare URLs says no more than that it lists one
        evidence = [
            ("feed", info.name),
            ("entry", ev.entry_id),
            ("added", ev.added),
            ("threat", ev.threat),
            ("target", ev.target),
            ("expression", expression),
            ("source", info.source),
            ("age_hours", f"{age:.1f}"),
        ]
        detail = f"Listed by the {info.name} feed ({what}entry {ev.entry_id})"
        detail_zh = f"被威胁情报源 {info.name} 收录（{what.replace(', ', '，')}条目 {ev.entry_id}）"
        if stale:
            evidence.append(("stale", "true"))
            limit = f"{self.max_age_hours:g}"
            detail += f"; the feed data is stale ({age:.0f} h old, limit {limit} h): only a warning"
            detail_zh += f"；该情报已过期（{age:.0f} 小时，上限 {self.max_age_hours:g} 小时），仅作提醒"
        return Reason(
            f"feed.{info.format}",
            detail,
            detail_zh,
            Level.SUSPICIOUS if stale else Level.MALICIOUS,
            tuple((k, v) for k, v in evidence if v),
        )


class LookalikeRule:
    name = "lookalike"

    def __init__(self, protected: ProtectedSet) -> None:
        if not len(protected):
            raise Disabled("no protected domains")
        self.protected = protected
        # findings depend on the host alone and cost tens of µs; chat repeats hosts, so remember them (bounded)
        self._findings = functools.lru_cache(maxsize=65536)(self._host_findings)

    def _host_findings(self, host: str) -> tuple[Reason, ...]:
        return tuple(self.protected.findings(host))

    def check(self, subject: Subject) -> Outcome | None:
        if subject.canonical is None or subject.canonical.is_ip:
            return None
        reasons = self._findings(subject.canonical.host)
        return Outcome(Verdict(Level.SUSPICIOUS, reasons)) if reasons else None


def _names(feeds: Sequence[FeedInfo]) -> str:
    return ", ".join(f.name for f in feeds)


def _updated(feeds: Sequence[FeedInfo]) -> str:
    return ", ".join(f"{f.name} {f.fetched_at.strftime('%Y-%m-%dT%H:%MZ')}" for f in feeds)


def coverage_reason(
    rules: Sequence[Rule],
    fresh: Sequence[FeedInfo],
    stale: Sequence[FeedInfo],
    *,
    max_age_hours: float,
    no_feeds: str,
) -> Reason:
    """How far screening could run: ``screen.clear`` (safe) or why it could not (unknown).

    ``no_feeds`` says why no feed is loaded (the disabled rule's message)."""
    if fresh:
        ran = ", ".join(r.name for r in rules)
        evidence = [("feeds", _names(fresh)), ("updated", _updated(fresh)), ("rules", ran)]
        detail = f"Screened against {len(fresh)} threat feed(s) ({_names(fresh)}) and the {ran} checks: nothing found"
        detail_zh = f"已通过 {len(fresh)} 个威胁情报源（{_names(fresh)}）及 {ran} 检查，未发现问题"
        if stale:
            evidence.append(("stale", _names(stale)))
            detail += f"; not counted, as older than {max_age_hours:g} h: {_names(stale)}"
            detail_zh += f"；已过期未计入：{_names(stale)}"
        return Reason("screen.clear", detail, detail_zh, Level.SAFE, tuple(evidence))
    if stale:
        return Reason(
            "screen.feeds_stale",
            f"Every loaded threat feed is older than the {max_age_hours:g} h limit ({_updated(stale)}), "
            "so finding nothing in them says little: run `hutong feeds update`",
            f"所有威胁情报均已超过 {max_age_hours:g} 小时未更新（{_updated(stale)}），未命中不代表安全",
            Level.UNKNOWN,
            (("feeds", _names(stale)), ("updated", _updated(stale)), ("limit_hours", f"{max_age_hours:g}")),
        )
    return Reason(
        "screen.no_feeds",
        f"No threat feed is loaded, so nothing says whether this link is harmful ({no_feeds})",
        "未加载威胁情报，无法判断此链接是否有害",
        Level.UNKNOWN,
        (("why", no_feeds),),
    )


_NO_FEEDS: tuple[tuple[FeedInfo, ...], tuple[FeedInfo, ...]] = ((), ())

UNSCREENABLE = Reason(
    "screen.unscreenable",
    "This address has no host the threat feeds can be looked up by",
    "此地址没有可供威胁情报查询的主机名",
    Level.UNKNOWN,
)


class Screener:
    """The ordered chain of screening rules built from configuration."""

    def __init__(
        self,
        rules: Sequence[Rule],
        disabled: Sequence[tuple[str, str]] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        order: Sequence[str] | None = None,
        retry: Mapping[str, Callable[[], Rule]] | None = None,
    ) -> None:
        self.rules = tuple(rules)
        self.disabled: tuple[tuple[str, str], ...] = tuple(disabled)
        self._clock = clock
        self._order = tuple(order) if order is not None else tuple(r.name for r in self.rules)
        self._retry = dict(retry or {})  # disabled rules whose data may appear later, by name
        # the coverage reason depends on which feeds are loaded and fresh, which changes rarely
        self._coverage: dict[tuple[tuple[FeedInfo, ...], tuple[FeedInfo, ...]], Reason] = {}

    @classmethod
    def from_config(
        cls,
        cfg: Config,
        *,
        platforms: Sequence[Platform] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> Screener:
        """Build the chain named by ``safety.rules``; rules without data are disabled and logged."""
        s = cfg.safety
        if not s.max_feed_age_hours > 0:
            raise ConfigError("safety.max_feed_age_hours must be a positive number of hours")
        plats = tuple(platforms) if platforms is not None else bundled()
        factories: dict[str, Callable[[], Rule]] = {
            "allowlist": lambda: AllowRule(
                DomainList(s.allow, setting="safety.allow"), OperatorAllowlist(cfg.data_dir)
            ),
            "deny": lambda: DenyRule(DomainList(s.deny, setting="safety.deny")),
            "structural": StructuralRule,
            "feeds": lambda: FeedRule(FeedStore(cfg.data_dir / "feeds"), s.max_feed_age_hours),
            "lookalike": lambda: LookalikeRule(ProtectedSet.default(plats, s.protected_domains)),
        }
        rules: list[Rule] = []
        disabled: list[tuple[str, str]] = []
        retry: dict[str, Callable[[], Rule]] = {}
        for name in s.rules:
            if name not in factories:
                raise ConfigError(f"safety.rules: unknown rule {name!r}; use {', '.join(RULES)}")
            try:
                rules.append(factories[name]())
            except Disabled as exc:
                log.info("screening rule %s disabled: %s", name, exc)
                disabled.append((name, str(exc)))
                if name in RELOADABLE:
                    retry[name] = factories[name]
            except HutongError as exc:
                if isinstance(exc, ConfigError):
                    raise
                log.warning("screening rule %s disabled: %s", name, exc.message)
                disabled.append((name, exc.message))
                if name in RELOADABLE:
                    retry[name] = factories[name]
        return cls(rules, disabled, clock or (lambda: datetime.now(UTC)), order=s.rules, retry=retry)

    def reload(self) -> bool:
        """Pick up rule data changed on disk (threat feeds replaced, or imported where there were none);
        True if anything changed. This is the chain's only disk I/O after it is built: a service calls it
        on a timer, ``screen`` never does."""
        changed = False
        for rule in self.rules:
            if isinstance(rule, Reloadable):
                try:
                    changed = rule.reload() or changed
                except HutongError as exc:  # a damaged file: keep screening with what was loaded
                    log.warning("screening rule %s kept its old data: %s", rule.name, exc.message)
        for name, factory in tuple(self._retry.items()):
            try:
                rule = factory()
            except (Disabled, HutongError):
                continue
            log.info("screening rule %s enabled: its data is now there", name)
            del self._retry[name]
            rules = sorted((*self.rules, rule), key=lambda r: self._order.index(r.name))
            self.rules = tuple(rules)  # one assignment: a screen in progress keeps the chain it started with
            self.disabled = tuple(d for d in self.disabled if d[0] != name)
            changed = True
        return changed

    def feed_infos(self) -> tuple[FeedInfo, ...]:
        """The threat feeds screening uses now (none while the ``feeds`` rule is off or has no data)."""
        for rule in self.rules:
            if isinstance(rule, FeedRule):
                return rule.infos
        return ()

    def screen(self, link: Link, *, raw: str | None = None) -> Verdict:
        """Run every rule in order, merge what they find into one Verdict, and say how far screening ran.

        ``raw`` is the text the link was found as (its href when not given). The level is the highest
        of the findings' levels and the coverage: ``safe`` only when a fresh threat feed was consulted
        and nothing was found."""
        try:
            canonical: Canonical | None = canonical_of(link)
        except InputError:
            canonical = None
        subject = Subject(link, link.href if raw is None else raw, canonical, self._clock())
        reasons: tuple[Reason, ...] = ()
        found = Level.SAFE
        rules = self.rules  # the tuple of this moment: reload swaps in a new one
        for rule in rules:
            outcome = rule.check(subject)
            if outcome is None:
                continue
            if outcome.final:
                return outcome.verdict
            found = max(found, outcome.verdict.level)
            reasons += tuple(r for r in outcome.verdict.reasons if r not in reasons)
        coverage = UNSCREENABLE if canonical is None else self._coverage_at(rules, subject.now)
        if found >= Level.SUSPICIOUS and coverage.level <= Level.SAFE:
            return Verdict(found, reasons)  # findings: "nothing found" would contradict them
        return Verdict(max(found, coverage.level), (*reasons, coverage))

    def _coverage_at(self, rules: tuple[Rule, ...], now: datetime) -> Reason:
        rule = None
        for candidate in rules:
            if isinstance(candidate, FeedRule):
                rule = candidate
                break
        fresh, stale = rule.freshness(now) if rule is not None and rule.feeds else ((), ())
        key = (fresh, stale) if fresh or stale else _NO_FEEDS
        reason = self._coverage.get(key)
        if reason is None:
            if len(self._coverage) > 64:  # feeds were reloaded many times: forget the old sets
                self._coverage.clear()
            max_age = rule.max_age_hours if rule is not None else 0.0
            disabled = dict(self.disabled).get("feeds") or "the feeds rule is not in safety.rules"
            why = disabled if rule is None else NO_FEEDS_IMPORTED  # a running rule whose feeds are all gone
            reason = coverage_reason(rules, fresh, stale, max_age_hours=max_age, no_feeds=why)
            self._coverage[key] = reason
        return reason
