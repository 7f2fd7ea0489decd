"""The gateway: the shared state and the operations every front end builds on: check and click.

The web app's routes (``hutong.web.api``, ``hutong.web.pages``), the CLI and chat adapters only
translate their own protocol to these calls and back. Audit events are recorded before a call
returns: once a caller answers, its events are durable. Nothing here imports a web framework:
metrics come in as an ``Observer`` and blocking work goes to an injected ``Runner``
(``asyncio.to_thread`` unless the front end passes its own thread pool).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, runtime_checkable

from ..audit import AuditEvent, AuditSink, NullSink, Stage
from ..config import Config
from ..core.model import Action, Analysis, Context, LinkReport, Mode, Payment, UserPrefs, require_context_and_mode
from ..errors import InputError
from ..signing import Signer, load_signer
from ..store.userhash import UserHasher
from .apikeys import ApiKeys
from .golinks import GoClaim, go_url, honoured, make_token, read_token, seen_wall
from .observer import NullObserver, Observer
from .pictures import Examiner, PictureAnalysis, check_picture, close_readers
from .prefs import PrefsStore, SQLitePrefs

log = logging.getLogger("hutong.service")
T = TypeVar("T")


class EngineLike(Examiner, Protocol):
    """What the gateway needs of ``hutong.pipeline.Engine``: ``examine`` and ``examine_online`` as a picture
    check does (``pictures.Examiner``), and the rest below."""

    @property
    def policy_version(self) -> str: ...

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
    ) -> LinkReport: ...

    async def aclose(self) -> None: ...

    def reload(self) -> bool: ...


class Runner(Protocol):
    """Runs a blocking call off the event loop (``asyncio.to_thread`` and Starlette's pool both fit)."""

    def __call__(self, func: Callable[[], T], /) -> Awaitable[T]: ...


class ImageLinks(Protocol):
    """Card images through an image proxy: what the gateway needs of ``hutong.web.images.Images``."""

    def url_for(self, url: str) -> str | None:
        """A same-origin path for the image at ``url``, or None to show no image."""
        ...

    async def aclose(self) -> None:
        """Close what the proxy opened."""
        ...


@runtime_checkable
class AsyncAuditSink(Protocol):
    """A sink that can also wait for durability on the event loop (both audit stores can)."""

    async def record_async(self, events: Sequence[AuditEvent]) -> None: ...


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` only listens on this machine.

    >>> [is_loopback(h) for h in ("127.0.0.1", "[::1]", "localhost", "0.0.0.0", "example.com")]
    [True, True, True, False, False]
    """
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


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a batch: its text, where it was posted, who sent it, and a mode asked for."""

    text: str
    context: Context = "direct"
    user: str | None = None
    mode: Mode | None = None


@dataclass
class Gateway:
    """Engine, keys, stores and observer of one service; ``open_gateway(cfg)`` builds one from configuration."""

    config: Config
    engine: EngineLike
    signer: Signer
    prefs: PrefsStore
    keys: ApiKeys
    hasher: UserHasher
    audit: AuditSink = field(default_factory=NullSink)
    observer: Observer = field(default_factory=NullObserver)
    runner: Runner = asyncio.to_thread  # where blocking sinks run; the web app passes its thread pool
    images: ImageLinks | None = None  # card images through the preview image proxy, when this build has it
    loopback: bool = field(init=False, default=False)  # bound to a loopback address (set from config.server.host)

    def image_url(self, url: str) -> str | None:
        """A proxied URL for a card image; None (no image shown) without a proxy: pages never hotlink."""
        if self.images is None:
            return None
        return self.images.url_for(url)

    def __post_init__(self) -> None:
        # the bind address is fixed for the gateway's life; parsing it per request cost a few µs a call
        self.loopback = is_loopback(self.config.server.host)

    @property
    def dev_mode(self) -> bool:
        """Loopback-bound with no API keys: the API is open to this machine (development)."""
        return self.loopback and not self.keys.any()

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
        analysis = await self.check_message(
            text, context=context, user=user, mode=mode, preview=preview, online=online
        )
        return analysis.links

    async def check_message(
        self,
        text: str,
        *,
        context: Context,
        user: str | None = None,
        mode: Mode | None = None,
        preview: bool = False,
        online: bool = False,
    ) -> Analysis:
        """``check``, with whether the message held more links than are checked (``Analysis.truncated``)."""
        require_context_and_mode(context, mode)
        self.check_length(text)
        prefs = self.user_prefs(user)
        if online or preview:
            analysis = await self.engine.examine_online(
                text, context=context, prefs=prefs, mode=mode, preview=preview
            )
            self.observer.fetched(analysis.links)
        else:
            analysis = self.engine.examine(text, context=context, prefs=prefs, mode=mode)
        await self.record("check", context, analysis.links, user=user)
        self.observer.decided("check", analysis.links)
        return analysis

    async def check_image(
        self,
        data: bytes,
        *,
        context: Context,
        user: str | None = None,
        mode: Mode | None = None,
        preview: bool = False,
        online: bool = False,
    ) -> PictureAnalysis:
        """Read every QR code and barcode in the picture ``data``, check each one's text as a message, and
        record the decisions (``hutong.service.pictures``); ``PictureError`` if the picture cannot be read."""
        require_context_and_mode(context, mode)
        checked = await check_picture(
            self.engine, data, config=self.config, context=context, prefs=self.user_prefs(user), mode=mode,
            online=online, preview=preview,
        )
        if online or preview:
            self.observer.fetched(checked.links)
        await self.record("check", context, checked.links, user=user)
        self.observer.decided("check", checked.links)
        return checked

    async def check_batch(
        self, messages: Sequence[Message], *, preview: bool = False, online: bool = False
    ) -> list[tuple[LinkReport, ...]]:
        """``check`` each message in order, once the batch size and every message are found acceptable."""
        return [a.links for a in await self.check_messages(messages, preview=preview, online=online)]

    async def check_messages(
        self, messages: Sequence[Message], *, preview: bool = False, online: bool = False
    ) -> list[Analysis]:
        """``check_batch``, with each message's ``Analysis`` (its ``truncated`` too)."""
        limit = self.config.server.max_batch
        if len(messages) > limit:
            raise InputError(
                f"{len(messages)} messages in one batch; the limit is {limit} (server.max_batch)",
                code="input.too_large",
            )
        for m in messages:
            require_context_and_mode(m.context, m.mode)
            self.check_length(m.text)
        return [
            await self.check_message(
                m.text, context=m.context, user=m.user, mode=m.mode, preview=preview, online=online
            )
            for m in messages
        ]

    def go_link(
        self, report: LinkReport, base: str, *, context: Context, mode: Mode | None, keyed: bool
    ) -> str | None:
        """The signed go-link of one report, if it has a web address and the caller may have one.

        Once keys exist, only a caller with a key (``keyed``) gets go-links: a link minted for anyone
        else would let them bounce browsers through this server.
        """
        if report.url is None or not (keyed or self.dev_mode):
            return None
        codes = report.verdict.codes
        declared = report.identity.category if "category.page" in codes else None
        walled = report.reach.kind if report.reach is not None and report.reach.walled else None
        request = "category.share" in codes and report.identity.category == "payment"
        claim = GoClaim(
            url=report.url, context=context, mode=mode, title=report.title, keyed=keyed, category=declared,
            payment=(report.payment or Payment()) if request else None,
            wall=walled,
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
            claim.url, context=claim.context, prefs=prefs, mode=mode, title=claim.title, category=claim.category,
            payment=claim.payment,
        )
        if claim.wall is not None and report.reach is None:  # seen at check time: the confirm page says so
            report = report.evolve(reach=seen_wall(claim.wall))
        action = report.decision.action if report.decision else Action.CONFIRM
        target = report.url if report.url and report.url.lower().startswith(("http://", "https://")) else None
        go_ahead = trusted and (action is Action.OPEN or (action is Action.CONFIRM and confirmed))
        redirect = target if go_ahead else None
        await self.record("click", claim.context, (report,), user=user, clicked_through=redirect is not None)
        self.observer.decided("click", (report,))
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
                # where the link landed, learnt by this check's own fetch; a click re-checks offline
                reach=r.reach.kind if r.reach is not None and stage == "check" else None,
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
            await self.runner(functools.partial(self.audit.record, events))

    async def aclose(self) -> None:
        """Close the engine's network edge, the image proxy, the picture readers and the stores that can be closed."""
        await self.engine.aclose()
        close_readers(self.config)
        if self.images is not None:
            await self.images.aclose()
        for resource in (self.prefs, self.audit):
            close = getattr(resource, "close", None)
            if close is not None:
                close()


def default_audit(cfg: Config) -> AuditSink:
    """The configured audit sink, or ``NullSink`` when auditing is off or the store is not available."""
    if not cfg.audit.enabled:
        return NullSink()
    try:
        from ..store.factory import open_audit  # the storage engineer's backend
    except ImportError:
        log.warning("audit store not available in this build: decisions are not recorded")
        return NullSink()
    sink: AuditSink = open_audit(cfg)
    return sink


def open_gateway(
    cfg: Config,
    *,
    engine: EngineLike | None = None,
    audit: AuditSink | None = None,
    keys: ApiKeys | None = None,
    observer: Observer | None = None,
    runner: Runner | None = None,
) -> Gateway:
    """The gateway ``cfg`` describes: its stores under ``data.dir``, and the engine, audit sink and keys
    it names unless given. Close it with ``await gateway.aclose()``."""
    if engine is None:
        from ..pipeline import Engine

        engine = Engine.from_config(cfg)
    data_dir = cfg.data.dir
    return Gateway(
        config=cfg,
        engine=engine,
        signer=load_signer(data_dir),
        prefs=SQLitePrefs.in_data_dir(data_dir),
        keys=keys if keys is not None else ApiKeys(data_dir),
        hasher=UserHasher.for_config(cfg),
        audit=audit if audit is not None else default_audit(cfg),
        observer=observer if observer is not None else NullObserver(),
        runner=runner if runner is not None else asyncio.to_thread,
    )
