"""Is a room a direct chat? Synapse does not say, so: marked direct, or two members at most.

A room is ``direct`` when the sender's ``m.direct`` account data lists it, when a member event carries
``is_direct`` (how an invite marks a DM before the invitee's client records it), or when it has at most
two joined or invited members, not counting the ``exempt_senders`` (the hutong bot); otherwise
``group``. The member part is kept per room and forgotten when a membership event arrives, so a busy
large room costs one state read per membership change, not per message.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from .memory import Recent

MEMBER = "m.room.member"
DIRECT_MEMBERS = 2


class RoomSizes:
    """The member-derived facts of rooms, kept until a membership changes; ``uncounted`` users are no members."""

    def __init__(self, api: Any, uncounted: Collection[str] = (), limit: int = 10_000) -> None:
        self.api = api
        self.uncounted = frozenset(uncounted)
        self._rooms = Recent(limit)

    async def context(self, room_id: str, sender: str) -> str:
        """``direct`` or ``group`` for a message ``sender`` sends in ``room_id``."""
        if await self._marked_direct_by(sender, room_id):
            return "direct"
        facts = self._rooms.get(room_id)
        if facts is None:
            state = await self.api.get_room_state(room_id, [(MEMBER, None)])
            facts = room_facts(((ev.state_key, ev.content) for ev in state.values()), self.uncounted)
            self._rooms.put(room_id, facts)
        return "direct" if facts["marked"] or facts["members"] <= DIRECT_MEMBERS else "group"

    async def on_new_event(self, event: Any, _state: Any) -> None:
        """Third-party-rules callback, after every event: a membership change means reading members again."""
        if event.type == MEMBER:
            self._rooms.discard(event.room_id)

    async def _marked_direct_by(self, user_id: str, room_id: str) -> bool:
        if not self.api.is_mine(user_id):
            return False
        direct = await self.api.account_data_manager.get_global(user_id, "m.direct")
        return isinstance(direct, Mapping) and any(
            isinstance(rooms, list | tuple) and room_id in rooms for rooms in direct.values()
        )


def room_facts(members: Iterable[tuple[str, Mapping[str, Any]]], uncounted: Collection[str] = ()) -> dict[str, Any]:
    """How many members (user id, member event content) are joined or invited, and whether one marks it direct.

    >>> room_facts([("@a:s", {"membership": "join"}), ("@b:s", {"membership": "invite", "is_direct": True}),
    ...             ("@c:s", {"membership": "leave"}), ("@bot:s", {"membership": "join"})], {"@bot:s"})
    {'members': 2, 'marked': True}
    """
    count = 0
    marked = False
    for user_id, content in members:
        if user_id not in uncounted and content.get("membership") in ("join", "invite"):
            count += 1
            marked = marked or content.get("is_direct") is True
    return {"members": count, "marked": marked}
