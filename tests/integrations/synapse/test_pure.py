"""hutong_synapse's parts that need no Synapse: settings, notes and refusals, the annotation memory."""

from __future__ import annotations

import doctest
import importlib
import time
from pathlib import Path
from typing import Any

import pytest

import hutong_synapse
from hutong_synapse import config, links, memory, rooms
from hutong_synapse.config import SettingError, Settings
from hutong_synapse.content import Part


@pytest.mark.parametrize("name", ["config", "content", "links", "memory", "rooms"])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"hutong_synapse.{name}")
    failed, tried = doctest.testmod(module)
    assert failed == 0 and tried > 0


def test_importing_the_package_does_not_import_synapse() -> None:
    assert hutong_synapse.__version__
    with pytest.raises(ModuleNotFoundError, match="synapse"):
        hutong_synapse.HutongModule  # noqa: B018 -- the lazy import reaches for Synapse only here


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"url": "http://127.0.0.1:8080"}, Settings(url="http://127.0.0.1:8080")),
        ({"url": "https://h.example", "api_key": " hk_1 ", "on_error": "reject", "timeout_seconds": 0.5,
          "remote": "soft_fail", "cache_events": 10, "store_path": "/x.db", "keep_days": 7,
          "exempt_senders": ["@bot:h"], "preview": True},
         Settings(url="https://h.example", api_key="hk_1", on_error="reject", timeout_seconds=0.5,
                  remote="soft_fail", cache_events=10, store_path="/x.db", keep_days=7.0,
                  exempt_senders=("@bot:h",), preview=True)),
    ],
)
def test_settings(raw: dict[str, Any], expected: Settings) -> None:
    assert Settings.parse(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "url:"),
        ({"url": "127.0.0.1:8080"}, "url:"),
        ({"url": "http://h", "on_error": "ignore"}, "on_error"),
        ({"url": "http://h", "timeout_seconds": 0}, "timeout_seconds"),
        ({"url": "http://h", "timeout_seconds": True}, "timeout_seconds"),
        ({"url": "http://h", "timeout_seconds": "2"}, "timeout_seconds"),
        ({"url": "http://h", "remote": "refuse"}, "remote"),
        ({"url": "http://h", "api_key": ""}, "api_key"),
        ({"url": "http://h", "exempt_senders": "@bot:h"}, "exempt_senders"),
        ({"url": "http://h", "preview": "yes"}, "preview"),
        ({"url": "http://h", "timeout": 2}, "unknown setting"),
    ],
)
def test_bad_settings_are_named(raw: dict[str, Any] | None, message: str) -> None:
    with pytest.raises(SettingError, match=message):
        Settings.parse(raw)


def hutong_link(url: str, action: str, **extra: Any) -> dict[str, Any]:
    return {"url": url, "found": {"text": url, "start_utf16": 0, "end_utf16": len(url)},
            "decision": {"action": action, "rule": f"r.{action}", "reason": "why", "reason_zh": "为什么"},
            "verdict": {"level": "unknown"}, "go": f"https://h/go/{action}", **extra}


def test_notes_merge_the_texts_of_one_event() -> None:
    parts = [Part("body", "a"), Part("href", "b"), Part("m.new_content.body", "c")]
    answer = {"results": [
        {"links": [hutong_link("https://a.example/", "confirm")]},
        {"links": [hutong_link("https://a.example/", "confirm"), hutong_link("https://b.example/", "block")]},
        {"links": [hutong_link("https://c.example/", "open", card={"kind": "generic", "title": "T", "image": "x"})]},
    ]}
    found = links.notes(parts, answer)
    assert [(n["url"], n["source"]) for n in found] == [
        ("https://a.example/", "body"), ("https://b.example/", "href"), ("https://c.example/", "m.new_content.body")]
    assert "start_utf16" not in found[1] and found[2]["card"] == {"kind": "generic", "title": "T"}
    assert [n["url"] for n in links.blocked(found)] == ["https://b.example/"]
    body = links.refusal(found)
    assert body["error"].startswith("hutong refused this message: https://b.example/ is blocked.")
    assert [n["action"] for n in body[links.FIELD]] == ["confirm", "block", "open"]
    assert links.annotation(()) == {}


@pytest.mark.parametrize(
    "answer",
    [None, {"results": []}, {"results": [{"links": "x"}]}, {"results": [{"links": [5]}]},
     {"results": [{"links": [{"url": "https://a/"}]}]}],
    ids=["not an object", "wrong count", "links not a list", "link not an object", "no decision"],
)
def test_an_answer_of_the_wrong_shape_is_an_error(answer: Any) -> None:
    with pytest.raises(links.AnswerError):
        links.notes([Part("body", "a")], answer)


def test_recent_is_bounded_and_least_recently_used_goes_first() -> None:
    recent = memory.Recent(3)
    for key in ("$1", "$2", "$3"):
        recent.put(key, {"k": key})
    assert recent.get("$1") == {"k": "$1"}  # used: now the newest
    recent.put("$4", {})
    assert len(recent) == 3 and recent.get("$2") is None and recent.get("$1") is not None


def test_the_store_keeps_annotations_across_instances_and_forgets_old_ones(tmp_path: Path) -> None:
    path = str(tmp_path / "a.sqlite3")
    first = memory.Store(path, keep_seconds=3600)
    first.put("$old", {links.FIELD: [{"url": "https://a/"}]})
    first.close()
    second = memory.Store(path, keep_seconds=0.05)
    assert second.get("$old") == {links.FIELD: [{"url": "https://a/"}]}
    time.sleep(0.1)
    second.put("$new", {"x": "中文"})
    assert second.prune() == 1
    assert second.get("$old") is None and second.get("$new") == {"x": "中文"}


@pytest.mark.parametrize(
    ("members", "facts"),
    [
        ([], {"members": 0, "marked": False}),
        ([{"membership": "join"}, {"membership": "join"}], {"members": 2, "marked": False}),
        ([{"membership": "join"}, {"membership": "leave"}, {"membership": "ban"}], {"members": 1, "marked": False}),
        ([{"membership": "join"}] * 3, {"members": 3, "marked": False}),
        ([{"membership": "join"}] * 2 + [{"membership": "invite"}], {"members": 3, "marked": False}),
        ([{"membership": "leave", "is_direct": True}], {"members": 0, "marked": False}),
        ([{"membership": "invite", "is_direct": "yes"}], {"members": 1, "marked": False}),
    ],
)
def test_room_facts(members: list[dict[str, Any]], facts: dict[str, Any]) -> None:
    assert rooms.room_facts((f"@u{i}:s", m) for i, m in enumerate(members)) == facts


def test_the_bot_is_not_counted_as_a_member() -> None:
    members = [("@a:s", {"membership": "join"}), ("@b:s", {"membership": "join"}), ("@bot:s", {"membership": "join"})]
    assert rooms.room_facts(members)["members"] == 3
    assert rooms.room_facts(members, {"@bot:s"})["members"] == 2


def test_the_settings_module_names_every_key_it_reads() -> None:
    assert set(Settings.__dataclass_fields__) == config._KEYS
