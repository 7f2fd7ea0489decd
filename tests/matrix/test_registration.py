"""The appservice registration file, the CLI that writes it, and the bot's memory of what it handled."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml

from hutong.cli import main
from hutong.errors import ConfigError
from hutong.matrix import registration
from hutong.matrix.bot import Seen, send_txn_id


def test_registration_round_trips(tmp_path: Path) -> None:
    reg = registration.new("http://127.0.0.1:29330", id="links", localpart="linkbot")
    path = tmp_path / "r.yaml"
    path.write_text(registration.dump(reg), encoding="utf-8")
    assert registration.load(path) == reg
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert raw["namespaces"] == {"users": [], "aliases": [], "rooms": []} and raw["rate_limited"] is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list", "is not a mapping"),
        ("id: x\nurl: http://h:1\nas_token: a\nhs_token: b\n", "has no sender_localpart"),
        ("id: x\nurl: ftp://h\nas_token: a\nhs_token: b\nsender_localpart: bot\n", r"not an http\(s\) URL"),
        ("id: x\nurl: http://h:1\nas_token: a\nhs_token: b\nsender_localpart: Bot!\n", "not a Matrix localpart"),
        ("id: [unclosed\n", "is not YAML"),
    ],
)
def test_a_bad_registration_is_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        registration.load(path)


def test_the_cli_writes_a_private_registration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "hutong-registration.yaml"
    assert main(["matrix-appservice", "registration", "--url", "http://127.0.0.1:29331", "--output", str(out)]) == 0
    assert "app_service_config_files" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert registration.load(out).listen == ("127.0.0.1", 29331)
    assert main(["matrix-appservice", "registration"]) == 0  # no --output: printed
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["url"] == "http://127.0.0.1:29330" and printed["as_token"] != registration.load(out).as_token


def test_the_cli_refuses_a_missing_registration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["matrix-appservice", "run", "--registration", str(tmp_path / "none.yaml"), "--homeserver", "http://x"]
    assert main(argv) == 2
    assert "cannot read the registration" in capsys.readouterr().err


def test_seen_remembers_only_the_newest() -> None:
    seen = Seen(3)
    for item in "abcdab":
        seen.add(item)
    assert sorted(seen) == ["b", "c", "d"] or sorted(seen) == ["a", "b", "d"]
    seen = Seen(2)
    for item in ["t1", "t2", "t3"]:
        seen.add(item)
    assert "t1" not in seen and {"t2", "t3"} <= seen


def test_an_answer_has_one_send_transaction_id_per_event() -> None:
    ids = {send_txn_id(f"$event{i}") for i in range(1000)}
    assert len(ids) == 1000 and all(len(i) <= 64 for i in ids)
