"""The bot reads the QR codes of ``m.image`` pictures, fetched from its homeserver, and answers like for typed links."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image

from tests.support.pictures import encoded, qr, sheet

from .conftest import World
from .homeserver import Client
from .test_appservice import answers, wait_for
from .test_synapse_module import SHOP, UNKNOWN, sent


@pytest.fixture
def room(world: World, bot_mxid: str) -> tuple[Client, str]:
    """A group (three people besides the bot), as the bot's text tests use: unknown sites ask first."""
    alice, bob, carol = (world.user("allow", name) for name in ("alice", "bob", "carol"))
    room_id = alice.create_room(invite=[bob.user_id, carol.user_id, bot_mxid])
    bob.join(room_id)
    carol.join(room_id)

    def joined() -> bool:
        r = alice.http.get(f"/rooms/{quote(room_id)}/joined_members")
        return bot_mxid in r.json().get("joined", {})

    wait_for(joined, "join by the bot", world)
    return alice, room_id


def upload(world: World, client: Client, data: bytes, name: str) -> str:
    """The picture uploaded to the homeserver (the media repository's upload API): its ``mxc://`` URI."""
    r = client.http.post(f"{world.allow.url}/_matrix/media/v3/upload", params={"filename": name}, content=data,
                         headers={"content-type": "image/png"})
    assert r.status_code == 200, r.text
    return str(r.json()["content_uri"])


def image_event(world: World, client: Client, picture: Image.Image, name: str) -> dict[str, Any]:
    data = encoded(picture)
    return {"msgtype": "m.image", "body": name, "url": upload(world, client, data, name),
            "info": {"mimetype": "image/png", "size": len(data), "w": picture.width, "h": picture.height}}


def test_the_bot_answers_a_worrying_link_in_a_qr_code(world: World, room: tuple[Client, str]) -> None:
    alice, room_id = room
    picture = sheet((420, 760), [(qr(UNKNOWN), (10, 10)), (qr(SHOP), (10, 400))])
    event_id = sent(alice.send(room_id, image_event(world, alice, picture, "scan-me.png")))
    (notice,) = wait_for(lambda: answers(alice, room_id, event_id), "answer to the picture", world)
    content = notice["content"]
    # the unknown site asks first in a group, as typed; the shop link opens and is not mentioned
    assert [n["url"] for n in content["org.hutong.links"]] == [UNKNOWN]
    assert "hxxps://unknown-site[.]example/article" in content["body"]
    assert "图片中的二维码" in content["body"] and "a code in the picture" in content["body"]
    (note,) = content["org.hutong.links"]
    assert note["action"] == "confirm" and note["go"].startswith(world.hutong_url + "/go/")


def test_the_bot_stays_quiet_about_pictures_without_a_worrying_code(world: World, room: tuple[Client, str]) -> None:
    alice, room_id = room
    sky = Image.new("RGB", (320, 240), (90, 140, 200))
    photo = sent(alice.send(room_id, image_event(world, alice, sky, "sky.png")))
    shop = sent(alice.send(room_id, image_event(world, alice, qr(SHOP), "shop.png")))
    marker = sent(alice.send(room_id, {"msgtype": "m.text", "body": f"marker {UNKNOWN}"}))
    wait_for(lambda: answers(alice, room_id, marker), "answer to the marker", world)  # handled after the two
    assert answers(alice, room_id, photo) == [] and answers(alice, room_id, shop) == []
    # the pictures were fetched from the homeserver through the authenticated media API, and read
    assert "not checked" not in world.bot.log()
