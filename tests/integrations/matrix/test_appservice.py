"""The hutong bot in a real Synapse: joins on invite, answers worrying links once, with both languages.

The bot checks in its own process through the service core, on ``hutong serve``'s data directory: its
decisions are in the audit store, each sender's prefs apply, and ``hutong serve`` opens its go-links.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import yaml

from hutong.config import Config, DataSection
from hutong.core.model import UserPrefs
from hutong.service import SQLitePrefs
from hutong.service.golinks import read_token
from hutong.signing import load_signer
from hutong.store.userhash import UserHasher

from .conftest import World
from .homeserver import Client
from .services import PAGE_SITE, PAGE_TITLE, hutong
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
    # minted in the bot's process as a trusted caller's, with the signing keys of hutong serve's data.dir
    claim = read_token(load_signer(world.data_dir), go.rsplit("/", 1)[1])
    assert (claim.url, claim.context, claim.keyed) == (UNKNOWN, "group", True)


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


def test_the_bot_records_its_decisions_and_applies_the_sender_s_prefs(world: World, bot_room: tuple[Client, str],
                                                                      bot_mxid: str) -> None:
    alice, room_id = bot_room
    erin = world.allow.register("erin")  # a user of this test alone: no other test sets her prefs
    try:
        # her own choice, stored through the service core in hutong's data.dir (as PUT /v1/users/.../prefs is)
        prefs = SQLitePrefs.in_data_dir(world.data_dir)
        prefs.put(erin.user_id, UserPrefs(mode="confirm", always_open=("unknown-site.example",)))
        prefs.close()
        alice.http.post(f"/rooms/{quote(room_id)}/invite", json={"user_id": erin.user_id}).raise_for_status()
        erin.join(room_id)
        started = time.time()
        text = f"prefs {UNKNOWN} {SHOP} {PAGE}"
        hers = sent(erin.send(room_id, {"msgtype": "m.text", "body": text}))
        alices = sent(alice.send(room_id, {"msgtype": "m.text", "body": text}))

        def said(event_id: str) -> list[tuple[str, str]]:
            (notice,) = wait_for(lambda: answers(alice, room_id, event_id), "answer", world)
            return [(n["url"], n["action"]) for n in notice["content"]["org.hutong.links"]]

        # she asks before opening anything, but the site she always opens opens; for alice the group's defaults
        # apply (the shop opens, the other sites ask first)
        assert said(hers) == [(SHOP, "confirm"), (PAGE, "confirm")]
        assert said(alices) == [(UNKNOWN, "confirm"), (PAGE, "confirm")]
    finally:
        erin.close()
    # her message's decisions in the audit store, under her hashed id: once as the module had them checked by
    # hutong serve (no preview: no card), once by the bot in its own process (with cards: it asks for them)
    export = hutong(["audit", "export", "--format", "jsonl", "--config", str(world.data_dir / "hutong.toml")],
                    world.data_dir).stdout
    who = UserHasher.for_config(Config(data=DataSection(dir=str(world.data_dir)))).hash(erin.user_id)
    events = [e for e in map(json.loads, export.splitlines()) if e["user"] == who and e["time"] >= started]
    assert erin.user_id not in export
    decided = {"unknown-site.example": "open", "jd.com": "confirm", "hutong.test": "confirm"}
    assert sorted((e["stage"], e["context"], e["site"], e["action"], e["card"]) for e in events) == sorted(
        ("check", "group", site, action, by_the_bot) for site, action in decided.items() for by_the_bot in (False, True)
    )


def test_the_module_annotates_cards_when_the_service_builds_them(world: World) -> None:
    alice = world.user("reject", "alice")
    room_id = alice.create_room(invite=[world.user("reject", "bob").user_id])
    event_id = sent(alice.send(room_id, {"msgtype": "m.text", "body": f"look {PAGE}"}))
    (note,) = alice.event(room_id, event_id)["unsigned"]["org.hutong.links"]
    assert note["card"]["title"] == PAGE_TITLE and note["card"]["site_name"] == PAGE_SITE
