"""hutong_synapse in a real Synapse: annotated delivery, refusals wherever a link hides, context and user."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from .conftest import ARTIFACTS, World
from .homeserver import Client, Homeserver
from .services import PHISH

UNKNOWN = "https://unknown-site.example/article"
SHOP = "https://item.jd.com/100012043978.html"
SUSPICIOUS = "http://192.168.1.1/login"  # a private address: suspicious wherever it is posted
HTML = "org.matrix.custom.html"


def room(w: World, server: str, *members: str, direct: bool = False, join: bool = True) -> tuple[Client, str]:
    """A room alice creates with ``members`` invited (and joined); alice's client and the room id."""
    alice = w.user(server, "alice")
    room_id = alice.create_room(invite=[w.user(server, m).user_id for m in members], direct=direct)
    if join:
        for m in members:
            w.user(server, m).join(room_id)
    return alice, room_id


def sent(r: httpx.Response) -> str:
    assert r.status_code == 200, r.text
    return str(r.json()["event_id"])


def refused(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 403, r.text
    body: dict[str, Any] = r.json()
    assert body["errcode"] == "M_FORBIDDEN"
    return body


def hutong_says(w: World, text: str, context: str, user: str) -> list[tuple[str, str, str]]:
    """What hutong itself decides for ``text`` (url, action, rule): the module must pass on exactly that."""
    r = httpx.post(f"{w.hutong_url}/v1/check", json={"text": text, "context": context, "user": user}, timeout=30)
    assert r.status_code == 200, r.text
    return [(x["url"], x["decision"]["action"], x["decision"]["rule"]) for x in r.json()["links"]]


def decisions(notes: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(n["url"], n["action"], n["rule"]) for n in notes]


def links_seen(w: World, server: str, reader: str, room_id: str, event_id: str) -> list[dict[str, Any]]:
    event = w.user(server, reader).event(room_id, event_id)
    found: list[dict[str, Any]] = event.get("unsigned", {}).get("org.hutong.links", [])
    return found


def artifact(name: str, value: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def test_a_delivered_message_carries_hutongs_decision_in_unsigned(world: World) -> None:
    alice, room_id = room(world, "allow", "bob", "carol")
    body = f"👋 read {UNKNOWN} and {SHOP}"
    event_id = sent(alice.send(room_id, {"msgtype": "m.text", "body": body}))
    notes = links_seen(world, "allow", "bob", room_id, event_id)
    assert decisions(notes) == hutong_says(world, body, "group", alice.user_id)
    unknown, shop = notes
    assert [unknown["url"], shop["url"]] == [UNKNOWN, SHOP]
    for note in notes:
        assert note["reason"] and note["reason_zh"] and note["go"].startswith(world.hutong_url + "/go/")
    # spans index the body as Matrix clients do (UTF-16: the emoji is two units)
    units = body.encode("utf-16-le")
    assert units[2 * unknown["start_utf16"] : 2 * unknown["end_utf16"]].decode("utf-16-le") == UNKNOWN
    # the signed event is untouched: the content is what alice sent
    event = world.user("allow", "bob").event(room_id, event_id)
    assert event["content"] == {"msgtype": "m.text", "body": body}
    artifact("matrix-delivered-event.json", event)  # shown in docs/integrations/matrix.md


def test_the_annotation_reaches_other_clients_through_sync(world: World) -> None:
    alice, room_id = room(world, "allow", "bob", "carol")
    bob = world.user("allow", "bob")
    since = bob.sync()["next_batch"]
    event_id = sent(alice.send(room_id, {"msgtype": "m.text", "body": f"see {UNKNOWN}"}))
    timeline = bob.sync(since, timeout_ms=5000)["rooms"]["join"][room_id]["timeline"]["events"]
    (event,) = [e for e in timeline if e["event_id"] == event_id]
    assert [n["url"] for n in event["unsigned"]["org.hutong.links"]] == [UNKNOWN]


def test_a_message_without_links_gets_no_annotation(world: World) -> None:
    alice, room_id = room(world, "allow", "bob")
    event_id = sent(alice.send(room_id, {"msgtype": "m.text", "body": "你好，今天吃什么？"}))
    event = world.user("allow", "bob").event(room_id, event_id)
    assert "org.hutong.links" not in event.get("unsigned", {})


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("in body", {"msgtype": "m.text", "body": f"urgent: {PHISH}"}),
        ("in formatted_body only, entities in the href", {
            "msgtype": "m.text", "body": "your account page", "format": HTML,
            "formatted_body": f'<a href="{PHISH}?lang=en&amp;step=1">your account page</a>',
        }),
        ("as the visible text of formatted_body", {
            "msgtype": "m.text", "body": "see below", "format": HTML, "formatted_body": f"<p>see <b>{PHISH}</b></p>",
        }),
        ("in a notice", {"msgtype": "m.notice", "body": f"bot says {PHISH}"}),
        ("in an emote", {"msgtype": "m.emote", "body": f"shares {PHISH}"}),
        ("in a media caption", {
            "msgtype": "m.image", "body": f"look {PHISH}", "filename": "screen.png", "url": "mxc://hutong.test/abc",
        }),
    ],
)
def test_a_blocked_link_refuses_the_message(world: World, name: str, content: dict[str, Any]) -> None:
    alice, room_id = room(world, "allow", "bob")
    body = refused(alice.send(room_id, content))
    (note,) = [n for n in body["org.hutong.links"] if n["action"] == "block"]
    assert note["url"].startswith(PHISH), name
    assert note["rule"] == "policy.malicious.block" and note["reason"] and note["reason_zh"]
    assert "hutong refused this message" in body["error"] and "已拦截" in body["error"]
    if name == "in body":
        artifact("matrix-refusal.json", body)  # shown in docs/integrations/matrix.md
    bodies = [e["content"].get("body") for e in world.user("allow", "bob").messages(room_id)]
    assert content["body"] not in bodies  # refused events are never stored, so never delivered


def test_an_edit_that_brings_a_blocked_link_is_refused(world: World) -> None:
    alice, room_id = room(world, "allow", "bob")
    original = sent(alice.send(room_id, {"msgtype": "m.text", "body": "meeting at 3"}))
    edit = {
        "msgtype": "m.text", "body": "* meeting at 3",
        "m.new_content": {"msgtype": "m.text", "body": f"meeting at 3, sign in first: {PHISH}"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": original},
    }
    body = refused(alice.send(room_id, edit))
    assert [n["source"] for n in body["org.hutong.links"]] == ["m.new_content.body"]
    harmless = {**edit, "m.new_content": {"msgtype": "m.text", "body": f"meeting at 3: {UNKNOWN}"}}
    event_id = sent(alice.send(room_id, harmless))
    assert [n["url"] for n in links_seen(world, "allow", "bob", room_id, event_id)] == [UNKNOWN]


@pytest.mark.parametrize(
    ("name", "members", "join", "direct", "mark", "bot", "context"),
    [
        ("two members", ["bob"], True, False, False, False, "direct"),
        ("three members", ["bob", "carol"], True, False, False, False, "group"),
        ("invited members count", ["bob", "carol"], False, False, False, False, "group"),
        ("invited as a DM (is_direct)", ["bob", "carol"], False, True, False, False, "direct"),
        ("listed in the sender's m.direct", ["bob", "carol"], True, False, True, False, "direct"),
        ("two people and the bot (exempt_senders)", ["bob"], True, False, False, True, "direct"),
    ],
)
def test_the_room_gives_the_chat_context(
    world: World, bot_mxid: str, name: str, members: list[str], join: bool, direct: bool, mark: bool, bot: bool,
    context: str,
) -> None:
    alice, room_id = room(world, "allow", *members, direct=direct, join=join)
    if bot:
        r = alice.http.post(f"/rooms/{quote(room_id)}/invite", json={"user_id": bot_mxid})
        assert r.status_code == 200, r.text
    if mark:
        alice.set_account_data("m.direct", {world.user("allow", "bob").user_id: [room_id]})
    event_id = sent(alice.send(room_id, {"msgtype": "m.text", "body": SHOP}))
    seen = decisions(links_seen(world, "allow", "alice", room_id, event_id))
    other = "group" if context == "direct" else "direct"
    assert seen == hutong_says(world, SHOP, context, alice.user_id) != hutong_says(world, SHOP, other, alice.user_id)
    if mark:
        alice.set_account_data("m.direct", {})


def test_the_sender_is_the_user_whose_mode_applies(world: World) -> None:
    dora, bob = world.user("allow", "dora"), world.user("allow", "bob")
    r = httpx.put(f"{world.hutong_url}/v1/users/{dora.user_id}/prefs", json={"mode": "strict"}, timeout=10)
    assert r.status_code == 200, r.text
    room_id = dora.create_room(invite=[bob.user_id])
    bob.join(room_id)
    from_dora = sent(dora.send(room_id, {"msgtype": "m.text", "body": SUSPICIOUS}))
    from_bob = sent(bob.send(room_id, {"msgtype": "m.text", "body": SUSPICIOUS}))
    strict, default = hutong_says(world, SUSPICIOUS, "direct", dora.user_id), hutong_says(world, SUSPICIOUS, "direct",
                                                                                       bob.user_id)
    assert strict != default  # dora's own mode makes a difference to this link
    assert decisions(links_seen(world, "allow", "bob", room_id, from_dora)) == strict
    assert decisions(links_seen(world, "allow", "dora", room_id, from_bob)) == default


def test_annotations_survive_a_restart_with_the_store(world: World) -> None:
    alice, room_id = room(world, "reject", "bob")
    event_id = sent(alice.send(room_id, {"msgtype": "m.text", "body": f"see {UNKNOWN}"}))
    assert [n["url"] for n in links_seen(world, "reject", "bob", room_id, event_id)] == [UNKNOWN]
    world.reject.restart()
    assert [n["url"] for n in links_seen(world, "reject", "bob", room_id, event_id)] == [UNKNOWN]


def test_a_wrong_setting_stops_synapse_with_its_name(world: World, tmp_path: Path) -> None:
    """One case against Synapse (every setting's check is in tests/integrations/synapse): the error reaches it."""
    config = {"url": "http://127.0.0.1:9", "timeout": 2}  # timeout_seconds, misspelt
    message = "unknown setting(s) timeout"
    hs = Homeserver(world.allow.python, tmp_path / "bad", modules=[{"module": "hutong_synapse.HutongModule",
                                                                    "config": config}])
    hs.start()
    try:
        assert hs.proc is not None
        assert hs.proc.wait(timeout=120) != 0
    finally:
        hs.close()
    assert f"hutong_synapse: {message}" in hs.log()
