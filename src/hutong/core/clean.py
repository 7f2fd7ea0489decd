"""Clean tracking parameters from a URL without ever breaking the link.

Rules run as one ordered chain over the query's parameters, each with a name:
``platform.default`` (a kept parameter at its default value, e.g. Bilibili ``p=1``),
``platform.strip`` (the platform's blocklist), ``platform.allowlist`` (on a platform content
page whose data says ``strip_all_others``, everything not kept), ``generic`` (``utm_*``,
``fbclid`` ... on every site) and ``clearurls`` (a loaded ClearURLs rule file). A parameter
the page needs (the platform's ``keep`` and the matched pattern's locators) is never removed:
a rule that wants it is refused and reported in ``refused``. Kept parameters keep their exact
bytes (``xsec_token=…=``, ``%3D``). A redirect wrapper that was not unwrapped (a signed
Proofpoint link, say) is left untouched: cleaning inside it would break its signature.

The cleaner reads the link as parsed and identified upstream (a :class:`hutong.core.link.Link` and
its :class:`hutong.core.identify.Identification`); it parses and identifies nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..config import CleanSection
from .clearurls import ClearURLsRules
from .identify import NOT_IDENTIFIED, Identification, Match
from .link import Link, QueryParam
from .platforms import ContentPattern, Platform, bundled, owns_host

# Global tracking parameters, after Firefox's query-stripping list and the ClearURLs global
# rules; a trailing "*" is a prefix. Every name here is tracking on any site.
# fmt: off
GENERIC_TRACKING: tuple[str, ...] = (
    "utm_*", "mtm_*", "pk_campaign", "pk_kwd", "pk_source", "pk_medium", "fbclid", "gclid", "gclsrc", "dclid",
    "wbraid", "gbraid", "msclkid", "yclid", "ysclid", "twclid", "ttclid", "igshid", "igsh", "_ga", "_gl",
    "mc_eid", "mc_cid", "mc_tc", "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsCtaTracking", "mkt_tok",
    "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "wickedid", "_openstat", "srsltid", "s_cid",
    "ga_source", "ga_medium", "ga_term", "ga_content", "ga_campaign", "ga_place", "fb_action_ids",
    "fb_action_types",
    "fb_source", "fb_ref", "action_object_map", "action_type_map", "action_ref_map", "hmb_campaign",
    "hmb_source", "hmb_medium",
)
# fmt: on
# Whole fragments that only carry tracking (AT Internet's "#xtor=...").
GENERIC_FRAGMENTS: tuple[str, ...] = ("xtor=*",)


@dataclass(frozen=True, slots=True)
class Cleaned:
    """The cleaned link, the parameter names removed (in URL order) and the removals refused."""

    link: Link
    removed: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return self.link.href


@dataclass(frozen=True, slots=True)
class NameSet:
    """Parameter names matched exactly and case-sensitively; a name ending in ``*`` matches by prefix."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]

    @classmethod
    def of(cls, patterns: Iterable[str]) -> NameSet:
        """Build from names and ``prefix*`` patterns."""
        pats = tuple(patterns)
        return cls(
            frozenset(p for p in pats if not p.endswith("*")), tuple(p[:-1] for p in pats if p.endswith("*"))
        )

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self.exact or name.startswith(self.prefixes))


Rule = Callable[[QueryParam], bool]


@dataclass(frozen=True, slots=True)
class _Chain:
    """The rules for one kind of page, in order, and the parameters that page needs (never removed)."""

    keep: frozenset[str]
    rules: tuple[tuple[str, Rule], ...]


class Cleaner:
    """Remove tracking parameters with platform data, generic rules and optional ClearURLs rules."""

    def __init__(
        self,
        platforms: Iterable[Platform] | None = None,
        settings: CleanSection | None = None,
        clearurls: ClearURLsRules | None = None,
        *,
        tracking: Sequence[str] | None = None,
        exempt: Sequence[str] | None = None,
    ) -> None:
        plats = tuple(bundled() if platforms is None else platforms)
        self.settings = settings or CleanSection()
        self.clearurls = clearurls
        self.tracking = NameSet.of(GENERIC_TRACKING if tracking is None else tracking)
        self._strip = {p.id: NameSet.of(p.strip) for p in plats}
        self._fragments = NameSet.of(GENERIC_FRAGMENTS)
        exempt = self.settings.exempt if exempt is None else exempt
        self.exempt = tuple(h.lower().strip(".") for h in exempt)  # hosts (and subdomains) left alone
        # the chain for each kind of page, built once: no platform, a platform's other pages, each content page
        self._plain = self._build(None, None)
        self._chains = {
            (p.id, id(pattern)): self._build(p, pattern) for p in plats for pattern in (None, *p.patterns)
        }

    def clean(self, link: Link, identified: Identification = NOT_IDENTIFIED, *, wrapped: bool = False) -> Cleaned:
        """Clean ``link`` as ``identified``; returns it unchanged (byte for byte) when nothing is removed.

        ``wrapped`` says the link is a redirect wrapper that was not unwrapped: it is left as it is."""
        if not link.has_query and not link.fragment:
            return Cleaned(link)  # no query and no fragment: nothing any rule could remove
        host = link.platform_host
        if host is None or wrapped:
            return Cleaned(link)
        if self.exempt and owns_host(self.exempt, host):
            return Cleaned(link)
        # a short link is expanded first and its final URL cleaned: its query may be what expands it
        match = None if identified.short else identified.match
        chain = self._chain(match)
        keep, rules = chain.keep, chain.rules
        if self.clearurls is not None:
            matcher = self.clearurls.name_matcher(link.href, keep_referral=self.settings.keep_referral)
            rules = (*rules, ("clearurls", lambda p: matcher(p.name)))
        removed: list[str] = []
        refused: list[str] = []
        kept: list[QueryParam] = []
        for param in link.params:
            fired = None
            for rule_name, rule in rules:  # the first rule that wants the parameter names the removal
                if rule(param):
                    fired = rule_name
                    break
            if fired is None:
                kept.append(param)
            elif param.name in keep and fired != "platform.default":
                kept.append(param)
                _add(refused, param.name)
            else:
                _add(removed, param.name)
        fragment = link.fragment
        if fragment and self._tracking_fragment(fragment, match):
            removed.append("#" + fragment)
            fragment = ""
        if not removed:
            return Cleaned(link, (), tuple(refused))
        return Cleaned(link.with_query(tuple(kept), fragment), tuple(removed), tuple(refused))

    def _chain(self, match: Match | None) -> _Chain:
        """The rules and needed parameters for the page ``match`` says this is (built once per kind of page)."""
        if match is None:
            return self._plain
        chain = self._chains.get((match.platform.id, id(match.pattern)))
        return chain if chain is not None else self._build(match.platform, match.pattern)

    def _build(self, platform: Platform | None, pattern: ContentPattern | None) -> _Chain:
        rules: list[tuple[str, Rule]] = []
        keep: frozenset[str] = frozenset()
        if platform is not None:
            locators = frozenset(_locators(pattern))
            keep = frozenset(platform.keep) | locators
            defaults = dict(platform.drop_defaults)
            rules.append(
                ("platform.default", lambda p: p.name not in locators and defaults.get(p.name) == p.value)
            )
            strip = self._strip.get(platform.id) or NameSet.of(platform.strip)
            rules.append(("platform.strip", lambda p: p.name in strip))
            if platform.strip_all_others and pattern is not None:
                # only on a known content page: elsewhere (search, login) the query may be the page
                rules.append(("platform.allowlist", lambda p: p.name not in keep))
        if self.settings.generic:
            tracking = self.tracking
            rules.append(("generic", lambda p: p.name in tracking))
        return _Chain(keep, tuple(rules))

    def _tracking_fragment(self, fragment: str, match: Match | None) -> bool:
        if self.settings.generic and fragment in self._fragments:
            return True
        # platform fragments only on content pages: an OAuth URL on the same host may need its fragment
        return match is not None and match.pattern is not None and fragment in match.platform.strip_fragments


def _locators(pattern: ContentPattern | None) -> set[str]:
    if pattern is None:
        return set()
    return {*pattern.keep, *((pattern.query_id,) if pattern.query_id else ())}


def _add(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)
