"""The pipeline: from the text of one chat message to a report and a decision per link.

::

    text ─find─▶ Found ─normalise─▶ Link ─unwrap─▶ ─identify─▶ ─clean─▶ ─screen─▶ Verdict ─decide─▶ Decision
                                          (online: ─resolve─▶ short links, ─preview─▶ Card)

A found URL is parsed once into a :class:`hutong.core.link.Link`; every stage after reads that value
(its host, path, query pairs and registrable domain), the cleaner is handed the identification
the pipeline made, and the structural checks run as the ``structural`` screening rule.

``Engine.analyse`` is pure and offline. ``Engine.analyse_online`` adds the network
edge (short-link resolution through the guarded fetcher, preview cards); it is the
only method that does I/O. Online, a short link's chain is walked with each platform
content page requested already cleaned (the sharer's ``un=``, ``share_token``... never
leave the machine), and the destination's answer is handed from the resolver to the
previewer, so the destination is fetched once.
A previewed page's own structured data (schema.org
``Product`` with a price, ``VideoObject`` ...) sets the link's category before the
decision, for every site alike, recorded as a ``category.page`` reason.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property
from typing import TYPE_CHECKING

from .config import Config
from .core.clean import Cleaner
from .core.clearurls import ClearURLsRules
from .core.find import Finder
from .core.identify import AppLinks, Identifier, payment_of
from .core.link import Link
from .core.model import (
    APP_ONLY_KINDS,
    CATEGORIES,
    Analysis,
    CardError,
    Context,
    Decision,
    Found,
    Hop,
    Identity,
    Level,
    LinkReport,
    Mode,
    Payment,
    Reason,
    UserPrefs,
    Verdict,
)
from .core.platforms import Platform, bundled, wall_index
from .core.policy import Inputs, Policy
from .core.policy import load as load_policy
from .core.reach import Landing, Reach, WallIndex, classify
from .core.unwrap import Unwrapper
from .core.urls import normalise
from .edge import NetworkEdge
from .errors import HutongError, InputError
from .preview.video import screened as screened_video
from .safety.feeds import FeedInfo
from .safety.screen import Screener

if TYPE_CHECKING:
    from .net.resolver import Final, Resolution

UNOPENABLE_FORMS = ("token", "miniprogram")

_TOKEN_REASON = Reason(
    code="link.app_token",
    detail="An app password (淘口令-style token): it only opens inside its app and cannot be checked offline.",
    detail_zh="这是 App 口令，只能在对应 App 内打开，无法离线检查。",
    level=Level.UNKNOWN,
)
_MINIPROGRAM_REASON = Reason(
    code="link.miniprogram",
    detail="A mini-program reference: it opens inside its app, not in a browser.",
    detail_zh="这是小程序引用，需在对应 App 内打开，无法在浏览器中打开。",
    level=Level.UNKNOWN,
)
_APPLINK_REASON = Reason(
    code="link.applink",
    detail="An app link with no web page hutong knows of: open it in its app.",
    detail_zh="这是 App 链接，没有已知的对应网页：请在对应 App 中打开。",
    level=Level.UNKNOWN,
)


def _share_category_reason(category: str, was: str) -> Reason:
    """The share text says what the link is for (a friend-pays request: ``payment``), whatever its site."""
    return Reason(
        code="category.share",
        detail=f"The share text says what this link is for, so its category is {category} (not {was})",
        detail_zh=f"分享文案说明了此链接的用途，类别为 {category}",
        level=Level.SAFE,  # evidence of what the link is, not of whether it is harmful
        evidence=(("category", category), ("was", was)),
    )


_NO_PREFS = UserPrefs()
_NO_LINKS = Analysis(())
_LABELS = {level: level.label for level in Level}

_SHORT_REASON = Reason(
    code="link.unresolved",
    detail="A short link: where it really leads is not known until it is resolved.",
    detail_zh="这是短链接，展开之前无法得知其真实目标。",
    level=Level.UNKNOWN,
)


def _invalid_reason(message: str) -> Reason:
    return Reason(
        code="url.invalid",
        detail=f"This does not parse as a web address: {message}",
        detail_zh="无法解析为网址。",
        level=Level.SUSPICIOUS,
    )


def _unresolved(report: LinkReport, hops: tuple[Hop, ...], error: str, code: str) -> LinkReport:
    """``report`` (still the short link) with the hops made, the failure and its ``resolve.*`` reason."""
    reason = Reason(
        code=f"resolve.{code}",
        detail=f"The short link could not be followed: {error}",
        detail_zh="无法展开此短链接。",
        level=Level.UNKNOWN,
    )
    return report.evolve(hops=hops, error=error, verdict=report.verdict.with_reason(reason))


@dataclass(frozen=True, slots=True)
class _Asked:
    """For whom a link is decided: the chat's context, the user's preferences, a mode asked for explicitly."""

    context: Context
    prefs: UserPrefs
    mode: Mode | None


@dataclass(frozen=True, slots=True)
class _Online:
    """A report after resolution, with what the network taught that the report itself does not carry."""

    report: LinkReport
    final: Final | None = None  # the destination's answer (its page), when it is the report's URL
    failure: CardError | None = None  # why resolution stopped, for the card


def _landing(resolution: Resolution) -> Landing:
    """Where a resolution chain ended: its final hop (a page, an error page, an app hand-over), and why it stopped."""
    last = resolution.stopped_at or (resolution.hops[-1] if resolution.hops else None)
    if last is not None and last.via == "final":
        return Landing(last.url, last.status, resolution.error_code)
    return Landing(None if resolution.error is not None else resolution.url, None, resolution.error_code)


def _merge_removed(first: tuple[str, ...], then: tuple[str, ...]) -> tuple[str, ...]:
    return first + tuple(n for n in then if n not in first)


def _with_page_category(report: LinkReport) -> LinkReport:
    """``report`` with the category its fetched page declares (``Card.category``)."""
    card = report.card
    if card is None or card.category is None:
        return report
    return _with_declared(report, card.category, card.category_evidence or card.category)


def _with_declared(report: LinkReport, category: str, evidence: str) -> LinkReport:
    """``report`` in the category its page declared, the declaration recorded as a ``category.page`` reason:
    the same for every site, named by a platform file or not."""
    if category not in CATEGORIES or category == "unknown":
        return report
    if "category.share" in report.verdict.codes:
        return report  # a friend-pays request is a payment whatever the page it leads to declares itself
    was = report.identity.category
    reason = Reason(
        code="category.page",
        detail=f"The page declares itself: {evidence}, so its category is {category}"
        + (f" (not {was})" if was != category else ""),
        detail_zh=f"网页自身的结构化数据声明：{evidence}，类别为 {category}",
        level=Level.SAFE,  # evidence of what the page is, not of whether it is harmful: never raises the level
        evidence=(("category", category), ("declared", evidence), ("was", was)),
    )
    identity = replace(report.identity, category=category)
    return report.evolve(identity=identity, verdict=report.verdict.with_reason(reason))


@dataclass
class Engine:
    """Everything the pipeline needs, loaded once: platforms, rules, feeds, policy."""

    config: Config
    policy: Policy
    platforms: tuple[Platform, ...]
    finder: Finder
    unwrapper: Unwrapper
    identifier: Identifier
    applinks: AppLinks
    cleaner: Cleaner
    screener: Screener
    _edge: NetworkEdge | None = None
    _owns_edge: bool = True  # an injected edge is closed by whoever built it

    @classmethod
    def from_config(
        cls, cfg: Config | None = None, *, policy: Policy | None = None, edge: NetworkEdge | None = None
    ) -> Engine:
        """Load the engine from configuration (defaults when ``cfg`` is None).

        ``edge`` is the network edge to go online through, shared with the caller (the web app hands the
        same edge to its image proxy); without one, the engine opens its own on the first online call.
        """
        cfg = cfg or Config()
        platforms = bundled()
        rules = ClearURLsRules.load(cfg.clean.clearurls) if cfg.clean.clearurls else None
        return cls(
            config=cfg,
            policy=policy or load_policy(cfg.policy.file),
            platforms=platforms,
            finder=Finder(platforms),
            unwrapper=Unwrapper(platforms),
            identifier=Identifier(platforms),
            applinks=AppLinks(platforms),
            cleaner=Cleaner(platforms, cfg.clean, rules),
            screener=Screener.from_config(cfg, platforms=platforms),
            _edge=edge,
            _owns_edge=edge is None,
        )

    @property
    def policy_version(self) -> str:
        return self.policy.version

    def reload(self) -> bool:
        """Pick up screening data changed on disk since loading (threat feeds replaced or newly imported);
        True if anything changed. Disk I/O, so a long-running service calls it on a timer, off its event
        loop; checks never touch the disk themselves."""
        return self.screener.reload()

    def feed_infos(self) -> tuple[FeedInfo, ...]:
        """The threat feeds screening uses now, with when each was last known current (for /readyz)."""
        return self.screener.feed_infos()

    # ---- offline ---------------------------------------------------------------------------

    def analyse(
        self,
        text: str,
        *,
        context: Context = "direct",
        prefs: UserPrefs | None = None,
        mode: Mode | None = None,
    ) -> tuple[LinkReport, ...]:
        """Find every link in ``text`` and report on it, offline."""
        return self.examine(text, context=context, prefs=prefs, mode=mode).links

    def examine(
        self,
        text: str,
        *,
        context: Context = "direct",
        prefs: UserPrefs | None = None,
        mode: Mode | None = None,
    ) -> Analysis:
        """``analyse``, with whether the message held more links than the finder takes (``truncated``)."""
        finds = self.finder.scan(text)
        if not finds.links:
            return _NO_LINKS  # most chat messages carry no link
        asked = _Asked(context, prefs or _NO_PREFS, mode)
        reports = []
        for found in finds.links:
            report = self._inspect(found, (), asked)
            reports.append(report if report.decision is not None else self._decided(report, asked))
        return Analysis(tuple(reports), finds.truncated)

    def inspect(self, found: Found, *, hops: tuple[Hop, ...] = ()) -> LinkReport:
        """Everything but the decision: normalise, unwrap, identify, clean, screen."""
        return self._inspect(found, hops, None)

    def _inspect(self, found: Found, hops: tuple[Hop, ...], asked: _Asked | None) -> LinkReport:
        """``inspect``; a link that parses is also decided when ``asked`` says for whom."""
        if found.form in UNOPENABLE_FORMS:
            return self._inspect_unopenable(found)
        if found.form == "applink":
            report = self._inspect_applink(found, hops, asked)
            if report is not None:
                return report
        try:
            link = normalise(found.text)
        except InputError as exc:
            return LinkReport(
                found=found, original=None, url=None, title=found.title,
                verdict=Verdict(Level.SUSPICIOUS, (_invalid_reason(exc.message),)), error=exc.message,
            )
        return self._inspect_link(found, link, hops, asked)

    def _inspect_unopenable(self, found: Found) -> LinkReport:
        platform = self._platforms_by_id.get(found.platform or "")
        identity = Identity(
            platform=platform.id if platform else None,
            category=platform.category if platform else "unknown",
            kind=found.kind or ("miniprogram" if found.form == "miniprogram" else None),
            id=found.token,
        )
        reason = _TOKEN_REASON if found.form == "token" else _MINIPROGRAM_REASON
        return LinkReport(
            found=found, original=None, url=None, identity=identity, title=found.title,
            needs_resolve=found.form == "token", verdict=Verdict(Level.UNKNOWN, (reason,)),
        )

    def _inspect_applink(self, found: Found, hops: tuple[Hop, ...], asked: _Asked | None) -> LinkReport | None:
        """An app link: its web equivalent inspected exactly as if that had been found (same identity,
        cleaning, screening and decision), or, with none, a copy-only report; None if the scheme is nobody's."""
        target = self.applinks.map(found.text)
        if target is None:
            return None  # a Found built by hand with a scheme no data declares: judged as the URL it is
        web = None
        if target.web is not None:
            try:
                web = normalise(target.web)
            except InputError:
                web = None  # a template filled with something that is no URL: no web equivalent after all
        if web is not None:
            report = self._inspect_link(found, web, (*hops, Hop(url=found.text, via="applink")), asked, raw=web.href)
            payment = report.payment.merge(target.payment) if report.payment else target.payment
            return report.evolve(original=found.text, payment=payment)
        return LinkReport(
            found=found, original=found.text, url=None, identity=target.identity, title=found.title,
            verdict=Verdict(Level.UNKNOWN, (_APPLINK_REASON,)), hops=hops, payment=target.payment,
        )

    def _launched(
        self, found: Found, link: Link, page: Link, hops: tuple[Hop, ...], asked: _Asked | None
    ) -> LinkReport | None:
        """A web page that only launches an app (``ds.alipay.com/?scheme=``): judged as the app link it holds."""
        inner = self.unwrapper.app_link(page)
        if inner is None:
            return None
        app = replace(found, text=inner, form="applink")  # the span stays the web page's in the message
        report = self._inspect_applink(app, (*hops, Hop(url=page.href, via="wrapper")), asked)
        return None if report is None else report.evolve(found=found, original=link.href)

    def _inspect_link(
        self,
        found: Found,
        link: Link,
        hops: tuple[Hop, ...] = (),
        asked: _Asked | None = None,
        *,
        raw: str | None = None,
    ) -> LinkReport:
        unwrapped = self.unwrapper.unwrap(link)
        if unwrapped.wrapper is not None and unwrapped.wrapper.decode == "applink" and found.form != "applink":
            launched = self._launched(found, link, unwrapped.link, hops + unwrapped.hops, asked)
            if launched is not None:
                return launched
        target = unwrapped.link  # a wrapper's target is text from a query string, parsed once by the unwrapper
        identified = self.identifier.identify(target)
        cleaned = self.cleaner.clean(target, identified, wrapped=unwrapped.wrapper is not None)
        final = cleaned.link
        needs_resolve = identified.short
        identity = self._with_share(identified.identity, found, needs_resolve)
        verdict = self.screener.screen(final, raw=found.text if raw is None else raw)
        if needs_resolve:  # a short link may lead anywhere (b23.tv → off-platform): never "safe" unresolved
            verdict = verdict.with_reason(_SHORT_REASON)
        if found.category is not None and identity.category == found.category != identified.identity.category:
            verdict = verdict.with_reason(_share_category_reason(found.category, identified.identity.category))
        payment = payment_of(identified, final)
        if found.payment is not None:
            payment = found.payment.merge(payment)
        site = final.site
        openable = identity.kind not in APP_ONLY_KINDS
        decision = None if asked is None else self._decision(identity, verdict, openable, site, asked)
        return LinkReport(
            found=found,
            original=link.href,
            url=final.href,
            removed=cleaned.removed,
            site=site,
            identity=identity,
            title=found.title,
            needs_resolve=needs_resolve,
            verdict=verdict,
            decision=decision,
            hops=hops + unwrapped.hops,
            payment=payment,
        )

    def _with_share(self, identity: Identity, found: Found, needs_resolve: bool) -> Identity:
        """What the share text adds: its kind when the URL does not say, and, for a platform's short link
        (``m.tb.cn`` serves Taobao, Tmall and Xianyu alike), the platform the share text names."""
        platform, category = identity.platform, identity.category
        if needs_resolve and platform is not None and found.platform not in (None, platform):
            named = self._platforms_by_id.get(found.platform or "")
            if named is not None:
                platform, category = named.id, named.category
        kind = identity.kind or found.kind
        if found.category is not None:  # the share text says what the link is for: a friend-pays request
            category = found.category
            kind = found.kind or kind
        if (platform, category, kind) == (identity.platform, identity.category, identity.kind):
            return identity
        return Identity(platform, category, kind, identity.id, identity.canonical)

    @cached_property
    def _platforms_by_id(self) -> dict[str, Platform]:
        return {p.id: p for p in self.platforms}

    @cached_property
    def walls(self) -> WallIndex:
        """Every platform file's listed login, app-download and error pages, matched for every link alike."""
        return wall_index(self.platforms)

    def reach_of(self, resolution: Resolution) -> Reach | None:
        """Where a resolved (or stopped) chain lands, by its last hop alone (no page was read)."""
        return classify(_landing(resolution), self.walls)

    def decide(
        self,
        report: LinkReport,
        *,
        context: Context = "direct",
        prefs: UserPrefs | None = None,
        mode: Mode | None = None,
    ) -> LinkReport:
        """Apply the policy with the user's effective mode; returns the report with its decision."""
        return self._decided(report, _Asked(context, prefs or _NO_PREFS, mode))

    def _decided(self, report: LinkReport, asked: _Asked) -> LinkReport:
        # a short link that failed to resolve can still be opened: only a report without a URL, or of content
        # that opens only in its app (a mini-program), cannot
        openable = report.url is not None and report.identity.kind not in APP_ONLY_KINDS
        decision = self._decision(report.identity, report.verdict, openable, report.site, asked)
        return report.evolve(decision=decision)

    def _decision(
        self, identity: Identity, verdict: Verdict, openable: bool, site: str | None, asked: _Asked
    ) -> Decision:
        prefs, mode, category = asked.prefs, asked.mode, identity.category
        if mode is None:
            default_mode: Mode = prefs.mode or self.config.policy.default_mode  # type: ignore[assignment]
            effective = prefs.mode_for(category, default_mode) if prefs.categories else default_mode
        else:
            effective = mode
        trusted = site is not None and site in prefs.always_open
        level, platform = _LABELS[verdict.level], identity.platform
        return self.policy.decide(Inputs(asked.context, effective, category, level, openable, trusted, platform, site))

    def recheck(
        self,
        url: str,
        *,
        context: Context = "direct",
        prefs: UserPrefs | None = None,
        mode: Mode | None = None,
        title: str | None = None,
        category: str | None = None,
        payment: Payment | None = None,
    ) -> LinkReport:
        """Screen and decide one URL again with today's data (time-of-click check); ``category`` is what the
        link's page declared when it was checked (signed into its go-link), kept as that evidence; ``payment``
        what a friend-pays request stated (signed in too): the link is then a payment request again."""
        request = payment is not None
        found = Found(
            text=url, start=0, end=len(url), form="url", title=title,
            kind="payment_request" if request else None, category="payment" if request else None, payment=payment,
        )
        report = self.inspect(found)
        if category is not None:
            report = _with_declared(report, category, "declared by its page when the link was checked")
        return self.decide(report, context=context, prefs=prefs, mode=mode)

    # ---- online ----------------------------------------------------------------------------

    async def analyse_online(
        self,
        text: str,
        *,
        context: Context = "direct",
        prefs: UserPrefs | None = None,
        mode: Mode | None = None,
        preview: bool = False,
    ) -> tuple[LinkReport, ...]:
        """Like ``analyse``, and also resolve short links and (optionally) build preview cards."""
        analysis = await self.examine_online(text, context=context, prefs=prefs, mode=mode, preview=preview)
        return analysis.links

    async def examine_online(
        self,
        text: str,
        *,
        context: Context = "direct",
        prefs: UserPrefs | None = None,
        mode: Mode | None = None,
        preview: bool = False,
    ) -> Analysis:
        """``analyse_online``, with whether the message held more links than the finder takes."""
        finds = self.finder.scan(text)
        reports = [self.inspect(f) for f in finds.links]
        online = list(await asyncio.gather(*(self._resolve(r) for r in reports)))
        if preview and self.config.preview.enabled:
            # a destination reached by several links of the message was fetched once: every card uses that answer
            finals = {o.report.url: o.final for o in online if o.final is not None}
            reports = list(await asyncio.gather(*(self._preview(o, finals.get(o.report.url)) for o in online)))
        else:
            reports = [o.report for o in online]
        links = tuple(self.decide(r, context=context, prefs=prefs, mode=mode) for r in reports)
        return Analysis(links, finds.truncated)

    def clean_hop(self, url: str) -> tuple[str, tuple[str, ...]]:
        """The URL to request for a hop the resolver learnt: a platform content page without its tracking
        parameters (the sharer's ``un=``, ``ut_sk=``...), anything else as it is, since a short link's or an
        unknown redirector's query may be what moves the chain on. (URL, names removed)."""
        try:
            link = normalise(url)
        except InputError:
            return url, ()
        identified = self.identifier.identify(link)
        if identified.content is None:
            return url, ()
        cleaned = self.cleaner.clean(link, identified, wrapped=self.unwrapper.wrapper_of(link) is not None)
        return (cleaned.url, cleaned.removed) if cleaned.removed else (url, ())

    async def _resolve(self, report: LinkReport) -> _Online:
        from .preview.explain import NO_DESTINATION, explain

        if not report.needs_resolve or report.url is None:
            return _Online(report)
        try:
            resolution = await self.edge.resolver.resolve(report.url, clean=self.clean_hop)
        except HutongError as exc:  # e.g. a shared cache that went away: this link stays unresolved, others go on
            code = (exc.code or "failed").rsplit(".", 1)[-1]
            return _Online(_unresolved(report, report.hops, exc.message, code), failure=explain(exc.code, exc.message))
        hops = report.hops + resolution.hops
        reach = self.reach_of(resolution)
        if resolution.error is not None:
            code = (resolution.error_code or "failed").rsplit(".", 1)[-1]
            failure = explain(resolution.error_code, resolution.error)
            return _Online(_unresolved(report, hops, resolution.error, code).evolve(reach=reach), failure=failure)
        try:
            destination = normalise(resolution.url)
        except InputError as exc:  # the resolver hands back URLs it could request: not expected, but explained
            return _Online(_unresolved(report, hops, exc.message, "invalid"), failure=explain(exc.code, exc.message))
        # an app link's web equivalent is what was written, as far as the structural checks go
        raw = report.url if report.found.form == "applink" else None
        again = self._inspect_link(report.found, destination, hops, raw=raw)
        if again.needs_resolve:
            # the chain ended on a short-link host (an expired link's landing page, a page that moves on by
            # a means we do not follow): where the link leads is still unknown, so it must not pass as resolved
            error = f"the chain ended at {resolution.url[:200]}, still a short link (expired, or not a redirect)"
            failure = explain(NO_DESTINATION, error)
            reach = classify(Landing(resolution.url, None, NO_DESTINATION), self.walls)
            return _Online(_unresolved(report, hops, error, "no_destination").evolve(reach=reach), failure=failure)
        # the share text's own title and kind stay; the original is the link as found; what the resolver
        # cleaned off the hops it requested is removed as surely as what cleaning the final URL removes
        resolved = again.evolve(
            original=report.original,
            title=report.title,
            needs_resolve=False,
            removed=_merge_removed(resolution.removed, again.removed),
            reach=reach,
        )
        # the answer is the report's page unless the final URL was a wrapper, unwrapped after the chain
        final = resolution.final if again.hops == hops else None
        return _Online(resolved, final=final)

    async def _preview(self, online: _Online, final: Final | None) -> LinkReport:
        report = online.report
        if report.url is None or report.verdict.level >= Level.MALICIOUS:
            return report
        if report.error is not None or report.needs_resolve:
            # resolution failed or was refused: fetching the short link again would only repeat the
            # refused chain (and knock on a hostile server twice); show what is known, and why no more
            from .preview.card import fallback_card
            from .preview.explain import explain

            card = fallback_card(
                report.url, share_title=report.title, kind_hint=report.identity.kind, settings=self.config.preview
            )
            failure = online.failure or explain(None, report.error or "")
            return report.evolve(card=dataclasses.replace(card, error=failure, reach=report.reach))
        card = await self.edge.previewer.card_for(
            report.url, share_title=report.title, kind_hint=report.identity.kind, prefetched=final
        )
        card = screened_video(card, self._screen_player)  # a player a client may embed is a link too
        # the card's fetch read the page itself: where it landed says more than the chain's last hop
        reach = card.reach if card.reach is not None else report.reach
        return _with_page_category(report.evolve(card=card, reach=reach))

    def _screen_player(self, url: str) -> tuple[Level, str | None]:
        """A card's video player or stream screened like any link: (level, the strongest reason's code)."""
        try:
            link = normalise(url)
        except InputError:
            return Level.SUSPICIOUS, "url.invalid"
        verdict = self.screener.screen(link, raw=url)
        top = max(verdict.reasons, key=lambda r: r.level, default=None)
        return verdict.level, top.code if top is not None else None

    @property
    def edge(self) -> NetworkEdge:
        """The network edge: the injected one, or this engine's own, opened on first use."""
        if self._edge is None:
            self._edge = NetworkEdge(self.config)
            self._owns_edge = True
        return self._edge

    async def aclose(self) -> None:
        """Close the network edge, if this engine opened it (an injected edge stays open)."""
        if self._edge is not None and self._owns_edge:
            await self._edge.aclose()
            self._edge = None


def check(
    text: str,
    *,
    context: Context = "direct",
    mode: Mode | None = None,
    config: Config | None = None,
) -> Sequence[LinkReport]:
    """One-call offline analysis of a message with the default (or given) configuration.

    The default engine is loaded once per process (platforms, rules, feeds); a given ``config``
    loads an engine for this call only, so keep an ``Engine`` yourself when calling often.

    >>> [r.identity.platform for r in check("https://item.jd.com/100012043978.html")]
    ['jd']
    """
    engine = default_engine() if config is None else Engine.from_config(config)
    return engine.analyse(text, context=context, mode=mode)


@cache
def default_engine() -> Engine:
    """The engine for the default configuration (``HUTONG_CONFIG`` is not read: pass a config for that)."""
    return Engine.from_config()
