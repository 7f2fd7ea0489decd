"""``hutong keys``: create prints the key once; list shows names; revoke removes; signing rotation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hutong.cli import main
from hutong.service.apikeys import ApiKeys


def data_dir() -> Path:
    return Path(os.environ["HUTONG_DATA_DIR"])


def test_create_list_revoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "create", "chatbot"]) == 0
    key = capsys.readouterr().out.strip()
    assert ApiKeys(data_dir()).verify(key) == "chatbot"
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "chatbot" in listing and key not in listing and "(current)" in listing
    assert main(["keys", "revoke", "chatbot"]) == 0
    assert ApiKeys(data_dir()).verify(key) is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["keys", "revoke", "nobody"], "no key named"),
        (["keys", "create", "bad name"], "key name"),
        (["keys", "retire-signing", "nokey"], "no signing key"),
    ],
)
def test_mistakes_exit_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_rotate_then_retire_signing(capsys: pytest.CaptureFixture[str]) -> None:
    from hutong import signing

    first = signing.load_signer(data_dir()).current
    assert main(["keys", "rotate-signing"]) == 0
    second = signing.load_signer(data_dir()).current
    assert second != first and second in capsys.readouterr().out
    assert main(["keys", "retire-signing", first]) == 0
    assert signing.load_signer(data_dir()).kids == (second,)
