"""The gateway's shared state and the two operations every route builds on: check and click.

Routes (``api.py``, ``pages.py``) only translate HTTP to these calls and back. Audit
events are recorded before the caller answers: once a response is sent, its events are durable.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from starlette.concurrency import run_in_threadpool

from ..audit import AuditEvent, AuditSink, NullSink, Stage
from ..config import Config
from ..errors import InputError
from ..model import Action, Context, LinkReport, Mode, UserPrefs
from ..signing import Signer
from ..store.userhash import UserHasher
from .apikeys import ApiKeys
from .golinks import GoClaim, go_url, honoured, make_token, read_token
from .metrics import Metrics
from .prefs import PrefsStore

if TYPE_CHECKING:
    from .images import Images

log = logging.getLogger("hutong.web")


class EngineLike(Protocol):
    """What the gateway needs of ``hutong.pipeline.Engine``."""

    @property
    def policy_version(self) -> str: ...

    def analyse(
        self,
        text: str,
        *,
        context: Context = "direct",
        prefs: UserPrefs | None = None,
        mode: Mode | None = None,
    ) -> tuple[LinkReport, ...]: ...

    async def analyse_online(
        self,
        text: str,
        *,
        context: Context = "direct",
        prefs: UserPrefs | None = None,
        mode: Mode | None = None,
        preview: bool = False,
    ) -> tuple[LinkReport, ...]: ...

    def recheck(
        self,
        url: str,
        *,
        context: Context = "direct",
        prefs: UserPrefs | None = None,
        mode: Mode | None = None,
        title: str | None = None,
        category: str | None = None,
    ) -> LinkReport: ...

    async def aclose(self) -> None: ...

    def reload(self) -> bool: ...


@runtime_checkable
class AsyncAuditSink(Protocol):
    """A sink that can also wait for durability on the event loop (both audit stores can)."""

    async def record_async(self, events: Sequence[AuditEvent]) -> None: ...


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` only listens on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Click:
    """The outcome of a time-of-click check."""

    claim: GoClaim
    report: LinkReport
    action: Action
    redirect: str | None  # where to send the browser, only for a go-ahead to an http(s) URL
    honoured: bool = True  # False: made without a key, on a server that has keys; never followed


@dataclass
class Gateway:
    """Engine, keys, stores and metrics of one app."""

    config: Config
    engine: EngineLike
    signer: Signer
    prefs: PrefsStore
    keys: ApiKeys
    metrics: Metrics
    hasher: UserHasher
    audit: AuditSink
    images: Images | None = None  # card images through the preview image proxy, when this build has it

    def image_url(self, url: str) -> str | None:
        """A proxied URL for a card image; None (no image shown) without a proxy: pages never hotlink."""
        if self.images is None:
            return None
        return self.images.url_for(url)

    @property
    def dev_mode(self) -> bool:
        """Loopback-bound with no API keys: the API is open to this machine (development)."""
        return is_loopback(self.config.server.host) and not self.keys.any()

    def check_length(self, text: str) -> None:
        """Refuse a message longer than ``server.max_message_chars``."""
        limit = self.config.server.max_message_chars
        if len(text) > limit:
            raise InputError(
                f"the message has {len(text)} characters; the limit is {limit} (server.max_message_chars): "
                "split it into several messages",
                code="input.too_large",
            )

    def user_prefs(self, user: str | None) -> UserPrefs | None:
        """The stored prefs of ``user``, if any."""
        return self.prefs.get(user) if user else None

    def user_hash(self, user: str | None) -> str | None:
        """A keyed hash of the user id for the audit log (never the id itself)."""
        return self.hasher.hash(user) if user else None

    async def check(
        self,
        text: str,
        *,
        context: Context,
        user: str | None = None,
        mode: Mode | None = None,
        preview: bool = False,
        online: bool = False,
    ) -> tuple[LinkReport, ...]:
        """Analyse one message (online when asked) and record its decisions."""
        self.check_length(text)
        prefs = self.user_prefs(user)
        if online or preview:
            reports = await self.engine.analyse_online(
                text, context=context, prefs=prefs, mode=mode, preview=preview
            )
            self.metrics.fetched(reports)
        else:
            reports = self.engine.analyse(text, context=context, prefs=prefs, mode=mode)
        await self.record("check", context, reports, user=user)
        self.metrics.decided("check", reports)
        return reports

    def go_link(
        self, report: LinkReport, base: str, *, context: Context, mode: Mode | None, keyed: bool
    ) -> str | None:
        """The signed go-link of one report, if it has a web address and the caller may have one.

        Once keys exist, only a caller with a key (``keyed``) gets go-links: a link minted for anyone
        else would let them bounce browsers through this server.
        """
        if report.url is None or not (keyed or self.dev_mode):
            return None
        declared = report.identity.category if "category.page" in report.verdict.codes else None
        claim = GoClaim(
            url=report.url, context=context, mode=mode, title=report.title, keyed=keyed, category=declared
        )
        token = make_token(self.signer, claim, ttl_days=self.config.server.go_ttl_days)
        return go_url(self.config.server.public_url or base, token)

    async def click(self, token: str, *, user: str | None, confirmed: bool) -> Click:
        """Verify a go-link token, re-check its URL for the clicking user, and record the outcome.

        ``confirmed`` means the caller checked this browser's confirmation nonce (``golinks.check_confirmation``).
        """
        claim = read_token(self.signer, token)
        trusted = honoured(claim, open_server=self.dev_mode)
        prefs = self.user_prefs(user)
        # the clicking user's own choice wins; the mode asked for at check time applies to everyone else
        mode = claim.mode if prefs is None else None
        report = self.engine.recheck(
            claim.url, context=claim.context, prefs=prefs, mode=mode, title=claim.title, category=claim.category
        )
        action = report.decision.action if report.decision else Action.CONFIRM
        target = report.url if report.url and report.url.lower().startswith(("http://", "https://")) else None
        go_ahead = trusted and (action is Action.OPEN or (action is Action.CONFIRM and confirmed))
        redirect = target if go_ahead else None
        await self.record("click", claim.context, (report,), user=user, clicked_through=redirect is not None)
        self.metrics.decided("click", (report,))
        return Click(claim=claim, report=report, action=action, redirect=redirect, honoured=trusted)

    async def record(
        self,
        stage: Stage,
        context: str,
        reports: Sequence[LinkReport],
        *,
        user: str | None,
        clicked_through: bool | None = None,
    ) -> None:
        """Write one audit event per decided report, durably, before the response goes out."""
        if isinstance(self.audit, NullSink) or not self.config.audit.enabled:
            return
        now = time.time()
        who = self.user_hash(user)
        events = [
            AuditEvent(
                time=now,
                stage=stage,
                context=context,
                site=r.site,
                platform=r.identity.platform,
                category=r.identity.category,
                kind=r.identity.kind,
                level=r.verdict.level.label,
                reasons=r.verdict.codes,
                action=r.decision.action.value,
                rule=r.decision.rule,
                policy_version=self.engine.policy_version,
                card=r.card is not None,
                clicked_through=clicked_through,
                user=who,
            )
            for r in reports
            if r.decision is not None
        ]
        if not events:
            return
        if isinstance(self.audit, AsyncAuditSink):
            # no thread per request: the store's writer thread settles a future once committed
            await self.audit.record_async(events)
        else:
            # the sink may fsync; keep the event loop free while it does
            await run_in_threadpool(self.audit.record, events)
