"""The hutong bot in a real Synapse: joins on invite, answers worrying links once, with both languages."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import yaml

from .conftest import World
from .homeserver import Client
from .services import PAGE_SITE, PAGE_TITLE
from .test_synapse_module import SHOP, UNKNOWN, artifact, sent

PAGE = "http://news.hutong.test/2026/walk"  # a page hutong previews from the local page server


def answers(client: Client, room_id: str, event_id: str) -> list[dict[str, Any]]:
    return [e for e in client.messages(room_id) if e["content"].get("org.hutong.answer_to") == event_id]


def wait_for(probe: Any, what: str, world: World, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"no {what} in {timeout} s; the bot's log ends:\n{world.bot.log()[-3000:]}")


@pytest.fixture
def bot_room(world: World, bot_mxid: str) -> tuple[Client, str]:
    alice = world.user("allow", "alice")
    # a group (three people besides the bot): links to sites hutong knows nothing bad about still ask first
    room_id = alice.create_room(invite=[world.user("allow", "bob").user_id, world.user("allow", "carol").user_id,
                                        bot_mxid])
    world.user("allow", "bob").join(room_id)
    world.user("allow", "carol").join(room_id)

    def joined() -> bool:
        r = alice.http.get(f"/rooms/{quote(room_id)}/joined_members")
        return bot_mxid in r.json().get("joined", {})

    wait_for(joined, "join by the bot", world)
    return alice, room_id


def test_the_bot_answers_worrying_links_with_one_notice(world: World, bot_room: tuple[Client, str],
                                                        bot_mxid: str) -> None:
    alice, room_id = bot_room
    event_id = sent(alice.send(room_id, {"msgtype": "m.text", "body": f"look: {UNKNOWN} {PAGE} and {SHOP}"}))
    (notice,) = wait_for(lambda: answers(alice, room_id, event_id), "answer", world)
    content = notice["content"]
    assert notice["sender"] == bot_mxid and content["msgtype"] == "m.notice"
    assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": event_id}}
    body = content["body"]
    # the unknown site and the page are worth a word; the shop link opens in a group and is not mentioned
    assert [n["url"] for n in content["org.hutong.links"]] == [UNKNOWN, PAGE]
    assert "hxxps://unknown-site[.]example/article" in body and "jd" not in body
    assert "ask before opening" in body and "打开前请确认" in body  # both languages
    for note in content["org.hutong.links"]:
        assert note["reason"] in body and note["reason_zh"] in body
        assert note["go"].startswith(world.hutong_url + "/go/") and note["go"] in body
        assert f'href="{note["go"]}"' in content["formatted_body"]
    assert PAGE_TITLE in body  # the card hutong built from the page
    artifact("matrix-bot-notice.json", notice)  # shown in docs/integrations/matrix.md
    # the go-link is the click-time check: it answers with the confirm page
    go = content["org.hutong.links"][0]["go"]
    assert httpx.get(go, timeout=10).status_code == 200


def test_the_bot_never_answers_twice_for_one_event(world: World, bot_room: tuple[Client, str]) -> None:
    alice, room_id = bot_room
    event_id = sent(alice.send(room_id, {"msgtype": "m.text", "body": f"again {UNKNOWN}"}))
    wait_for(lambda: answers(alice, room_id, event_id), "answer", world)
    registration = yaml.safe_load(world.registration.read_text(encoding="utf-8"))
    event = alice.event(room_id, event_id)

    def deliver(txn_id: str) -> None:  # as Synapse re-sends a transaction
        r = httpx.put(f"{registration['url']}/_matrix/app/v1/transactions/{txn_id}", json={"events": [event]},
                      headers={"Authorization": f"Bearer {registration['hs_token']}"}, timeout=20)
        assert r.status_code == 200, r.text

    deliver("replayed-1")
    deliver("replayed-1")  # the same transaction id
    deliver("replayed-2")  # the same event in another transaction
    world.bot.stop()  # a bot that forgot everything: its send carries the same transaction id
    world.bot.start()
    world.bot.wait_ready()
    deliver("replayed-3")
    time.sleep(0.5)
    assert len(answers(alice, room_id, event_id)) == 1
    # the restarted bot did answer again, and the homeserver folded that send into the first one
    assert world.bot.log().count(f"answered {event_id}") == 2


def test_the_bot_stays_quiet_about_links_that_open_and_about_notices(world: World,
                                                                     bot_room: tuple[Client, str]) -> None:
    alice, room_id = bot_room
    quiet = sent(alice.send(room_id, {"msgtype": "m.text", "body": f"shopping {SHOP}"}))
    notice = sent(alice.send(room_id, {"msgtype": "m.notice", "body": f"bot-to-bot {UNKNOWN}"}))
    marker = sent(alice.send(room_id, {"msgtype": "m.text", "body": f"marker {UNKNOWN}"}))
    wait_for(lambda: answers(alice, room_id, marker), "answer to the marker", world)  # handled after the two
    assert answers(alice, room_id, quiet) == [] and answers(alice, room_id, notice) == []


def test_the_module_annotates_cards_when_the_service_builds_them(world: World) -> None:
    alice = world.user("reject", "alice")
    room_id = alice.create_room(invite=[world.user("reject", "bob").user_id])
    event_id = sent(alice.send(room_id, {"msgtype": "m.text", "body": f"look {PAGE}"}))
    (note,) = alice.event(room_id, event_id)["unsigned"]["org.hutong.links"]
    assert note["card"]["title"] == PAGE_TITLE and note["card"]["site_name"] == PAGE_SITE
