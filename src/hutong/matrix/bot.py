"""The appservice bot: Synapse pushes room events to it, it answers worrying links with one ``m.notice``.

Synapse sends transactions (``PUT /_matrix/app/v1/transactions/{txnId}``) to the registration's
``url``; mautrix's appservice server checks the ``hs_token`` and hands the events over. For each
``m.room.message`` from someone else (not a notice: bots do not answer bots), the bot asks hutong
about every text of the message (``hutong.matrix.content``) and, for an ``m.image``, about the QR
codes and barcodes of its picture, fetched from the homeserver (``hutong.matrix.media``), with the
room's context and the sender as the user, through its ``Checker`` (``hutong.matrix.checker``: the
service core in this process by default, or a running ``hutong serve``), and answers the links that
are not simply opened
(``hutong.matrix.answer``). Invites to the bot are accepted.

Never twice for one event: transaction ids and event ids already handled are remembered (bounded),
and the notice is sent with a transaction id derived from the event id, so a homeserver that
re-sends a transaction after a restart of the bot gets the same send, which it de-duplicates itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict, deque
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import ClientSession, web
from mautrix.api import HTTPAPI
from mautrix.appservice import AppServiceServerMixin
from mautrix.client import ClientAPI
from mautrix.errors import MatrixError
from mautrix.types import EventType, RoomID, UserID

from ..core.model import Context
from ..errors import ConfigError, HutongError
from . import answer, media
from .checker import Checker
from .content import Part, message_parts
from .registration import Registration

log = logging.getLogger("hutong.matrix")
MESSAGE = "m.room.message"
MEMBER = "m.room.member"
DIRECT_MEMBERS = 2  # people besides the bot


class Seen(set[str]):
    """A set that remembers only the newest ``limit`` items (the appservice server's transaction ids)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self._order: deque[str] = deque()

    def add(self, item: str) -> None:
        if item in self:
            return
        super().add(item)
        self._order.append(item)
        while len(self._order) > self.limit:
            self.discard(self._order.popleft())


def send_txn_id(event_id: str) -> str:
    """The client transaction id of the answer to ``event_id``: the same for every attempt.

    >>> send_txn_id("$abc") == send_txn_id("$abc") != send_txn_id("$abd")
    True
    """
    return "hutong-" + hashlib.sha256(event_id.encode()).hexdigest()[:32]


class Bot(AppServiceServerMixin):
    """One running appservice: an aiohttp server for Synapse, a Matrix client, and hutong's ``checker``."""

    def __init__(
        self,
        registration: Registration,
        *,
        homeserver: str,
        checker: Checker,
        remember: int = 10_000,
    ) -> None:
        super().__init__(log=log, hs_token=registration.hs_token)
        self.registration = registration
        self.homeserver = homeserver.rstrip("/")
        self.checker = checker
        self.transactions = Seen(remember)
        self.answered = Seen(remember)
        self._members: OrderedDict[str, int] = OrderedDict()
        self._remember = remember
        self._busy = asyncio.Semaphore(8)
        self._session: ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.client: ClientAPI | None = None
        self.mxid = ""

    async def start(self) -> None:
        """Ask the homeserver who the bot is, then listen where the registration says."""
        await self.checker.start()
        self._session = ClientSession()
        api = HTTPAPI(self.homeserver, self.registration.as_token, client_session=self._session)
        client = ClientAPI(api=api)
        try:
            self.mxid = (await client.whoami()).user_id
        except MatrixError as exc:
            raise ConfigError(
                f"the homeserver refused the bot's as_token ({exc}); list the registration file under "
                "app_service_config_files in homeserver.yaml and restart Synapse"
            ) from exc
        client.mxid = UserID(self.mxid)
        self.client = client
        app = web.Application()
        self.register_routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        host, port = self.registration.listen
        await web.TCPSite(self._runner, host, port).start()
        log.info("hutong bot %s listening on %s:%d for %s", self.mxid, host, port, self.homeserver)

    async def stop(self) -> None:
        """Stop listening and close the Matrix client and the checker; also after a ``start`` that failed."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self.checker.aclose()

    async def handle_transaction(  # type: ignore[override]
        self, txn_id: str, *, events: list[Mapping[str, Any]], **_: Any
    ) -> dict[str, Any]:
        """Every event of one transaction, handled before Synapse is told the transaction arrived."""
        await asyncio.gather(*(self._safely(e) for e in events if isinstance(e, Mapping)))
        return {}

    async def _safely(self, event: Mapping[str, Any]) -> None:
        async with self._busy:
            try:
                await self.on_event(event)
            except Exception:  # one bad event must not lose the others of its transaction
                log.exception("hutong bot: failed on %s", event.get("event_id"))

    async def on_event(self, event: Mapping[str, Any]) -> None:
        kind, room_id, sender = event.get("type"), event.get("room_id"), event.get("sender")
        if not isinstance(room_id, str) or not isinstance(sender, str):
            return
        if kind == MEMBER:
            self._members.pop(room_id, None)
            content = event.get("content") or {}
            if event.get("state_key") == self.mxid and content.get("membership") == "invite":
                assert self.client is not None
                await self.client.join_room(RoomID(room_id))
                log.info("hutong bot: joined %s on %s's invite", room_id, sender)
            return
        event_id = event.get("event_id")
        content = event.get("content")
        if kind != MESSAGE or sender == self.mxid or not isinstance(event_id, str) or not isinstance(content, Mapping):
            return
        if content.get("msgtype") == "m.notice" or event_id in self.answered:
            return
        parts = message_parts(content)
        picture = media.image_of(content)
        if not parts and picture is None:
            return
        self.answered.add(event_id)
        context = await self._context(room_id)
        links = await self._check(parts, context, sender) if parts else []
        if picture is not None:
            read = await self._check_picture(picture, context, sender)
            links = read if links is None else links + (read or [])
        if links is None:
            return
        worrying = answer.needing_a_word(links)
        if worrying:
            assert self.client is not None
            # a plain dict: mautrix sends it as it is (its type names only its own content classes)
            notice: Any = answer.notice(event_id, worrying)
            await self.client.send_message_event(
                RoomID(room_id), EventType.ROOM_MESSAGE, notice, txn_id=send_txn_id(event_id)
            )
            log.info("hutong bot: answered %s in %s about %d link(s)", event_id, room_id, len(worrying))

    async def _check(self, parts: Sequence[Part], context: Context, sender: str) -> list[Mapping[str, Any]] | None:
        try:
            return await self.checker.links(parts, context=context, user=sender)
        except HutongError as exc:
            log.warning("hutong bot: hutong could not check a message (%s: %s); no answer", exc.code, exc.message)
            return None

    async def _check_picture(
        self, picture: media.MediaRef, context: Context, sender: str
    ) -> list[Mapping[str, Any]] | None:
        """The links of the codes in an ``m.image``'s picture, fetched from the homeserver; None if unreadable."""
        assert self._session is not None
        limit = self.checker.picture_limit  # image_check.max_bytes: a larger picture is not fetched
        try:
            data = await media.download(
                self._session, self.homeserver, self.registration.as_token, picture, limit=limit
            )
            return await self.checker.image(data, context=context, user=sender)
        except HutongError as exc:  # most pictures are photos: one that cannot be read is logged, not answered
            log.info("hutong bot: picture %s/%s not checked (%s: %s)", picture.server, picture.media_id,
                     exc.code, exc.message)
            return None

    async def _context(self, room_id: str) -> Context:
        people = self._members.get(room_id)
        if people is None:
            assert self.client is not None
            members = await self.client.get_joined_members(RoomID(room_id))
            people = sum(1 for user in members if user != self.mxid)
            self._members[room_id] = people
            while len(self._members) > self._remember:
                self._members.popitem(last=False)
        return "direct" if people <= DIRECT_MEMBERS else "group"
