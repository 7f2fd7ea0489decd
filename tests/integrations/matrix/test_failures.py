"""hutong stopped, hanging or failing: ``on_error`` decides within ``timeout_seconds``, and other rooms go on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from .conftest import TIMEOUT, World
from .services import port_is_free, stand_in
from .test_synapse_module import UNKNOWN, links_seen, refused, room, sent

SLACK = 2.5  # seconds beyond the timeout for a loaded 2-core machine


@pytest.fixture(scope="class")
def hutong_down(world: World) -> Iterator[World]:
    """``hutong serve`` stopped for the class's tests, started again afterwards."""
    world.hutong.stop()
    deadline = time.monotonic() + 10
    while not port_is_free(world.hutong_port):
        assert time.monotonic() < deadline, "hutong's port stayed taken"
        time.sleep(0.1)
    try:
        yield world
    finally:
        world.hutong.start()
        world.hutong.wait_ready()


@pytest.mark.usefixtures("hutong_down")
class TestHutongDown:
    @pytest.mark.parametrize("behaviour", ["stopped", "hang", "error"])
    def test_on_error_allow_delivers_unchecked(self, world: World, behaviour: str) -> None:
        alice, room_id = room(world, "allow", "bob")
        with _hutong(world, behaviour):
            started = time.monotonic()
            event_id = sent(alice.send(room_id, {"msgtype": "m.text", "body": f"see {UNKNOWN}"}))
            elapsed = time.monotonic() - started
        assert elapsed < TIMEOUT + SLACK, f"{behaviour}: took {elapsed:.1f} s"
        event = world.user("allow", "bob").event(room_id, event_id)
        assert event["unsigned"]["org.hutong.unchecked"] == _why(behaviour)
        assert links_seen(world, "allow", "bob", room_id, event_id) == []
        assert f"could not check {event_id}" in world.allow.log()

    @pytest.mark.parametrize("behaviour", ["stopped", "hang", "error"])
    def test_on_error_reject_refuses_with_a_clear_error(self, world: World, behaviour: str) -> None:
        alice, room_id = room(world, "reject", "bob")
        with _hutong(world, behaviour):
            started = time.monotonic()
            body = refused(alice.send(room_id, {"msgtype": "m.text", "body": f"see {UNKNOWN}"}))
            elapsed = time.monotonic() - started
        assert elapsed < TIMEOUT + SLACK, f"{behaviour}: took {elapsed:.1f} s"
        assert body["org.hutong.unchecked"] == _why(behaviour)
        assert "could not check this message's links" in body["error"] and "请稍后再试" in body["error"]
        # a message with no text to check needs no hutong
        assert alice.send(room_id, {"msgtype": "m.text", "body": " "}).status_code == 200

    def test_one_slow_check_never_delays_other_rooms(self, world: World) -> None:
        rooms = [room(world, "allow", "bob") for _ in range(4)]
        with _hutong(world, "hang"), ThreadPoolExecutor(len(rooms)) as pool:
            started = time.monotonic()
            sends = [pool.submit(alice.send, room_id, {"msgtype": "m.text", "body": f"see {UNKNOWN}"})
                     for alice, room_id in rooms]
            time.sleep(TIMEOUT / 4)
            probe = time.monotonic()
            assert httpx.get(world.allow.url + "/_matrix/client/versions", timeout=5).status_code == 200
            probe = time.monotonic() - probe
            statuses = [f.result(timeout=30).status_code for f in sends]
            elapsed = time.monotonic() - started
        assert statuses == [200] * len(rooms)
        # four checks waiting at once: each its own timeout, not one after the other (which takes 4 × TIMEOUT)
        assert elapsed < 2 * TIMEOUT + SLACK / 2, f"4 concurrent slow checks took {elapsed:.1f} s"
        assert probe < 0.5, f"the homeserver answered /versions in {probe:.2f} s while checks waited"


def _why(behaviour: str) -> str:
    return {"stopped": "ConnectionRefusedError", "hang": "timeout", "error": "HTTP 503 storage.error"}[behaviour]


def _hutong(world: World, behaviour: str) -> stand_in | _Nothing:  # type: ignore[valid-type]
    return _Nothing() if behaviour == "stopped" else stand_in(world.hutong_port, behaviour)


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None
