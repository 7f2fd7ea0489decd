"""``HutongModule``: Synapse calls it for every event; it asks a running ``hutong serve`` about the links.

- ``check_event_for_spam`` (spam-checker callback): every ``m.room.message`` is sent to hutong's
  ``POST /v1/check/batch`` (one text per part: body, the HTML's text and hrefs, an edit's new content)
  with the room's context (``direct`` for a room marked direct or with two members, else ``group``)
  and the sender as the user. A link decided ``block`` refuses a local user's event (403
  ``M_FORBIDDEN`` with ``org.hutong.links``); an event from another homeserver is only soft-failed
  when ``remote: soft_fail``. hutong down, slow or failing: ``on_error`` decides, within
  ``timeout_seconds``.
- the unsigned callback adds the kept notes to ``unsigned["org.hutong.links"]`` each time an event is
  served; the signed event is never rewritten.

Everything that waits (HTTP, the SQLite store) runs off the reactor: Synapse's non-blocking HTTP client
with a timeout of our own, and Synapse's thread pool for the store.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from synapse.module_api import NOT_SPAM, ModuleApi, make_deferred_yieldable, run_in_background
from synapse.module_api.errors import Codes, ConfigError
from twisted.internet import defer, reactor

from . import links
from .config import SettingError, Settings
from .content import message_parts
from .memory import Recent, Store
from .rooms import RoomSizes

log = logging.getLogger(__name__)
MESSAGE = "m.room.message"
PRUNE_EVERY_MS = 3600 * 1000


class CheckTimeout(Exception):
    """hutong did not answer within ``timeout_seconds``."""


class HutongModule:
    """The Synapse module; configure it under ``modules:`` in ``homeserver.yaml`` (see the docs)."""

    def __init__(self, config: Settings, api: ModuleApi) -> None:
        self.settings = config
        self.api = api
        self.recent = Recent(config.cache_events)
        self.rooms = RoomSizes(api, config.exempt_senders)
        self.store = Store(config.store_path, config.keep_days * 86400) if config.store_path else None
        headers = {b"Authorization": [b"Bearer " + config.api_key.encode()]} if config.api_key else {}
        self._headers: dict[bytes, list[bytes]] = headers
        api.register_spam_checker_callbacks(check_event_for_spam=self.check_event_for_spam)
        api.register_add_extra_fields_to_unsigned_client_event_callbacks(
            add_field_to_unsigned_callback=self.add_unsigned
        )
        api.register_third_party_rules_callbacks(on_new_event=self.rooms.on_new_event)
        if self.store is not None:
            api.looping_background_call(self._prune, PRUNE_EVERY_MS, desc="hutong_prune_annotations")
        log.info(
            "hutong: checking links with %s (on_error=%s, timeout %.2gs, remote=%s)",
            config.url, config.on_error, config.timeout_seconds, config.remote,
        )

    @staticmethod
    def parse_config(config: Mapping[str, Any]) -> Settings:
        try:
            return Settings.parse(config)
        except SettingError as exc:
            raise ConfigError(f"hutong_synapse: {exc}") from exc

    # ---- refusing -------------------------------------------------------------------------------

    async def check_event_for_spam(self, event: Any) -> Any:
        """``NOT_SPAM``, or ``(Codes.FORBIDDEN, body)`` for a blocked link (or an unchecked event, on reject)."""
        if event.type != MESSAGE or event.sender in self.settings.exempt_senders:
            return NOT_SPAM
        local = self.api.is_mine(event.sender)
        if not local and self.settings.remote == "ignore":
            return NOT_SPAM
        parts = message_parts(event.content)
        if not parts:
            return NOT_SPAM
        context = await self.rooms.context(event.room_id, event.sender)
        try:
            answer = await self._ask(parts, context, event.sender)
            found = links.notes(parts, answer)
        except Exception as exc:  # every failure of the service is the operator's on_error choice
            why = _why(exc)
            log.warning("hutong: could not check %s in %s (%s); on_error=%s", event.event_id, event.room_id, why,
                        self.settings.on_error, exc_info=why == type(exc).__name__)
            if self.settings.on_error == "reject" and local:
                return Codes.FORBIDDEN, links.unchecked_error(why)
            await self._keep(event.event_id, {links.UNCHECKED: why})
            return NOT_SPAM
        if links.blocked(found) and (local or self.settings.remote == "soft_fail"):
            log.info("hutong: refused %s from %s: %s", event.event_id, event.sender,
                     ", ".join(n["url"] for n in links.blocked(found)))
            return Codes.FORBIDDEN, links.refusal(found)
        await self._keep(event.event_id, links.annotation(found))
        return NOT_SPAM

    async def _ask(self, parts: tuple[Any, ...], context: str, sender: str) -> Any:
        """hutong's answer for the parts, or an exception within ``timeout_seconds``."""
        body = {
            "messages": [{"text": p.text, "context": context, "user": sender[:128]} for p in parts],
            "preview": self.settings.preview,
        }
        d = run_in_background(self.api.http_client.post_json_get_json, self.settings.check_url, body,
                              headers=self._headers)
        # our own timer, not Deferred.addTimeout: Synapse's client turns the cancellation into another
        # exception (it logs ``e.args[0]`` of an argument-less CancelledError), so the timer's flag says it
        expired: list[bool] = []

        def expire() -> None:
            expired.append(True)
            d.cancel()

        timer = reactor.callLater(self.settings.timeout_seconds, expire)
        try:
            return await make_deferred_yieldable(d)
        except Exception as exc:
            if expired:
                raise CheckTimeout(f"no answer in {self.settings.timeout_seconds:g} s") from exc
            raise
        finally:
            if timer.active():
                timer.cancel()

    # ---- annotating -----------------------------------------------------------------------------

    async def add_unsigned(self, event: Any) -> dict[str, Any]:
        """The kept notes of a delivered message; nothing for other events or a redacted one."""
        if event.type != MESSAGE or "body" not in event.content:  # redacted: its content is gone, so are notes
            return {}
        kept = self.recent.get(event.event_id)
        if kept is None and self.store is not None:
            kept = await self.api.defer_to_thread(self.store.get, event.event_id) or {}
            self.recent.put(event.event_id, kept)
        return dict(kept) if kept else {}

    async def _keep(self, event_id: str, value: dict[str, Any]) -> None:
        self.recent.put(event_id, value)
        if self.store is not None and value:
            try:
                await self.api.defer_to_thread(self.store.put, event_id, value)
            except Exception:  # the annotation stays in memory; losing it on restart is the worst case
                log.exception("hutong: could not store the annotation of %s", event_id)

    async def _prune(self) -> None:
        if self.store is not None:
            gone = await self.api.defer_to_thread(self.store.prune)
            log.info("hutong: pruned %d annotations older than %g days", gone, self.settings.keep_days)


def _why(exc: BaseException) -> str:
    """A short, loggable cause: a timeout, a refused connection, hutong's own error code."""
    if isinstance(exc, CheckTimeout | defer.TimeoutError | defer.CancelledError):
        return "timeout"
    code = getattr(exc, "code", None)
    response = getattr(exc, "response", None)
    if isinstance(code, int) and isinstance(response, bytes):
        try:
            error = json.loads(response)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            error = "error"
        return f"HTTP {code} {error}"
    if isinstance(exc, links.AnswerError):
        return f"unexpected answer: {exc}"
    return type(exc).__name__
