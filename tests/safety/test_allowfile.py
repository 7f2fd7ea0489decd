"""The persisted operator allowlist: kept in data.dir, written atomically, consulted by screening after reload."""

from __future__ import annotations

import json
import logging
import multiprocessing
from dataclasses import replace
from pathlib import Path

import pytest

from hutong.config import Config, DataSection, SafetySection
from hutong.core.model import Level
from hutong.core.urls import normalise
from hutong.errors import InputError
from hutong.safety.allowfile import FILE, LIST_NAME, OperatorAllowlist
from hutong.safety.feeds import FeedStore
from hutong.safety.screen import Screener


def _screener(data: Path, **safety: object) -> Screener:
    cfg = Config(data=DataSection(dir=str(data)), safety=replace(SafetySection(), **safety))  # type: ignore[arg-type]
    return Screener.from_config(cfg)


def _level(s: Screener, url: str) -> tuple[Level, tuple[str, ...]]:
    v = s.screen(normalise(url))
    return v.level, v.codes


@pytest.mark.parametrize(
    ("item", "stored"),
    [
        pytest.param("example.com", "example.com", id="domain"),
        pytest.param("  shop.example.net ", "shop.example.net", id="trimmed"),
        pytest.param("https://docs.example/public/", "https://docs.example/public/", id="url-prefix"),
        pytest.param("例子.测试", "例子.测试", id="unicode-domain"),
    ],
)
def test_add_keeps_what_the_rule_can_match(tmp_path: Path, item: str, stored: str) -> None:
    allow = OperatorAllowlist(tmp_path)
    entry = allow.add(item, by="ops", note="appeal 1")
    assert (entry.item, entry.by, entry.note) == (stored, "ops", "appeal 1")
    assert OperatorAllowlist(tmp_path).items() == (stored,)  # persisted


@pytest.mark.parametrize("item", ["", "not a domain", "exa mple.com", "https://"])
def test_add_refuses_what_no_rule_could_match(tmp_path: Path, item: str) -> None:
    with pytest.raises(InputError):
        OperatorAllowlist(tmp_path).add(item)
    assert not (tmp_path / FILE).exists()


def test_add_twice_keeps_one_entry_and_remove_takes_it_out(tmp_path: Path) -> None:
    allow = OperatorAllowlist(tmp_path)
    first = allow.add("example.com", by="a")
    assert allow.add("example.com", by="b") == first
    allow.add("other.example")
    assert allow.items() == ("example.com", "other.example")
    assert allow.remove("example.com") is True and allow.remove("example.com") is False
    assert allow.items() == ("other.example",)


def test_an_entry_edited_into_nonsense_is_skipped_not_fatal(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    doc = {"items": [{"item": "good.example", "added": 1.0}, {"item": "bad item", "added": 2.0}, {"nope": 1}]}
    (tmp_path / FILE).write_text(json.dumps(doc), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="hutong.safety"):
        assert OperatorAllowlist(tmp_path).items() == ("good.example",)
    assert "bad item" in caplog.text


def _add_many(args: tuple[str, int]) -> None:
    root, worker = args
    allow = OperatorAllowlist(root)
    for i in range(20):
        allow.add(f"w{worker}-{i}.example")


def test_writers_in_several_processes_lose_no_entry(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        pool.map(_add_many, [(str(tmp_path), w) for w in range(3)])
    assert len(OperatorAllowlist(tmp_path).items()) == 60


def test_screening_consults_the_file_after_reload(tmp_path: Path) -> None:
    FeedStore(tmp_path / "feeds").import_lines("live", "domains", ["listed.example\n"], source="s")
    s = _screener(tmp_path)
    assert _level(s, "https://www.listed.example/x") == (Level.MALICIOUS, ("feed.domains",))
    assert "allowlist" in dict(s.disabled) and s.reload() is False  # nothing allowed yet
    OperatorAllowlist(tmp_path).add("listed.example", by="ops", note="appeal 7")
    assert _level(s, "https://www.listed.example/x")[0] is Level.MALICIOUS  # not before reload: no disk I/O in checks
    assert s.reload() is True
    assert s.rules[0].name == "allowlist"  # enabled in its configured place
    level, codes = _level(s, "https://www.listed.example/x")
    assert (level, codes) == (Level.SAFE, ("operator.allow",))
    reason = s.screen(normalise("https://listed.example/")).reasons[0]
    assert dict(reason.evidence) == {"list": LIST_NAME, "matched": "listed.example"}
    assert s.reload() is False
    OperatorAllowlist(tmp_path).remove("listed.example")
    assert s.reload() is True and _level(s, "https://listed.example/")[0] is Level.MALICIOUS


def test_config_allow_and_the_file_work_together(tmp_path: Path) -> None:
    OperatorAllowlist(tmp_path).add("from-file.example")
    s = _screener(tmp_path, allow=("from-config.example",))
    for url, listed in (("https://from-config.example/", "safety.allow"), ("https://a.from-file.example/", LIST_NAME)):
        v = s.screen(normalise(url))
        assert v.level is Level.SAFE and dict(v.reasons[0].evidence)["list"] == listed


def test_a_damaged_file_does_not_take_safety_allow_down(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / FILE).write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="hutong.safety"):
        s = _screener(tmp_path, allow=("from-config.example",))
    assert "operator allowlist is not used" in caplog.text
    assert _level(s, "https://from-config.example/")[0] is Level.SAFE
    OperatorAllowlist(tmp_path).path.write_text(json.dumps({"items": [{"item": "fixed.example"}]}), encoding="utf-8")
    assert s.reload() is True and _level(s, "https://fixed.example/")[0] is Level.SAFE
