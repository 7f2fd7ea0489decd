"""Signed tokens: round trip, expiry, rotation, and that any change to any byte is rejected."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hutong import signing
from hutong.errors import ConfigError, TokenError
from hutong.signing import Signer, b64decode, b64encode

NOW = 1_800_000_000.0
KEY_A = bytes(range(32))
KEY_B = bytes(range(1, 33))


def signer(current: str = "a") -> Signer:
    return Signer({"a": KEY_A, "b": KEY_B}, current)


TOKEN = signer().sign("go", {"u": "https://example.com/x?y=1", "c": "group"}, ttl=3600, now=NOW)


def test_round_trip_returns_the_payload_and_key() -> None:
    claims = signer().verify("go", TOKEN, now=NOW + 10)
    assert dict(claims.data) == {"u": "https://example.com/x?y=1", "c": "group"}
    assert claims.kid == "a"
    assert claims.expires == int(NOW + 3600)


@pytest.mark.parametrize(
    ("name", "token", "now", "code"),
    [
        ("expired", TOKEN, NOW + 3600, "token.expired"),
        ("empty", "", NOW, "token.malformed"),
        ("two parts", TOKEN.rsplit(".", 1)[0], NOW, "token.malformed"),
        ("four parts", TOKEN + ".x", NOW, "token.malformed"),
        ("padding added", TOKEN + "=", NOW, "token.malformed"),
        ("non-ascii", TOKEN[:-1] + "é", NOW, "token.malformed"),
        ("unknown key id", "zz" + TOKEN[1:], NOW, "token.unknown_key"),
        (
            "signature of another token",
            TOKEN.rsplit(".", 1)[0]
            + "."
            + signer().sign("go", {"u": "https://evil.test/"}, ttl=3600, now=NOW).rsplit(".", 1)[1],
            NOW,
            "token.bad_signature",
        ),
        ("huge", "a." + "A" * 10_000 + ".b", NOW, "token.malformed"),
    ],
)
def test_bad_tokens_are_rejected_with_a_code(name: str, token: str, now: float, code: str) -> None:
    with pytest.raises(TokenError) as info:
        signer().verify("go", token, now=now)
    assert info.value.code == code, name


def test_a_token_for_one_purpose_is_not_valid_for_another() -> None:
    with pytest.raises(TokenError) as info:
        signer().verify("img", TOKEN, now=NOW)
    assert info.value.code == "token.bad_signature"


def test_a_payload_swapped_between_keys_fails() -> None:
    _kid, payload, sig = TOKEN.split(".")
    with pytest.raises(TokenError):
        signer().verify("go", f"b.{payload}.{sig}", now=NOW)


def test_rotation_keeps_old_tokens_valid_and_signs_with_the_new_key() -> None:
    rotated = signer(current="b")
    assert rotated.verify("go", TOKEN, now=NOW).kid == "a"
    assert rotated.sign("go", {}, ttl=1, now=NOW).startswith("b.")


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/%é\x00"


@settings(max_examples=400, deadline=None)
@given(position=st.integers(min_value=0), replacement=st.sampled_from(_ALPHABET))
def test_any_change_to_any_byte_is_rejected(position: int, replacement: str) -> None:
    pos = position % len(TOKEN)
    if TOKEN[pos] == replacement:
        return
    tampered = TOKEN[:pos] + replacement + TOKEN[pos + 1 :]
    with pytest.raises(TokenError):
        signer().verify("go", tampered, now=NOW)


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0), inserted=st.sampled_from(_ALPHABET), delete=st.booleans())
def test_any_insertion_or_deletion_is_rejected(position: int, inserted: str, delete: bool) -> None:
    pos = position % len(TOKEN)
    tampered = TOKEN[:pos] + TOKEN[pos + 1 :] if delete else TOKEN[:pos] + inserted + TOKEN[pos:]
    with pytest.raises(TokenError):
        signer().verify("go", tampered, now=NOW)


@settings(max_examples=200, deadline=None)
@given(
    data=st.dictionaries(st.text(min_size=1, max_size=5).filter(lambda k: k != "exp"), st.text(max_size=40))
)
def test_any_payload_round_trips(data: dict[str, str]) -> None:
    token = signer().sign("go", data, ttl=60, now=NOW)
    assert dict(signer().verify("go", token, now=NOW).data) == data


@given(st.binary(max_size=64))
def test_base64_round_trips(data: bytes) -> None:
    assert b64decode(b64encode(data)) == data


def test_keys_are_generated_once_and_kept(tmp_path: Path) -> None:
    first = signing.load_signer(tmp_path)
    again = signing.load_signer(tmp_path)
    token = first.sign("go", {"u": "x"}, ttl=60)
    assert again.verify("go", token).data == {"u": "x"}
    assert os.stat(signing.key_path(tmp_path)).st_mode & 0o077 == 0


def test_workers_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    signers: list[Signer] = []
    threads = [
        threading.Thread(target=lambda: signers.append(signing.load_signer(tmp_path))) for _ in range(8)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len({s.current for s in signers}) == 1


def test_rotate_and_retire(tmp_path: Path) -> None:
    old = signing.load_signer(tmp_path)
    token = old.sign("go", {"u": "x"}, ttl=60)
    new_kid = signing.rotate(tmp_path)
    rotated = signing.load_signer(tmp_path)
    assert rotated.current == new_kid and rotated.verify("go", token).kid == old.current
    with pytest.raises(ConfigError, match="current"):
        signing.retire(tmp_path, new_kid)
    signing.retire(tmp_path, old.current)
    with pytest.raises(TokenError) as info:
        signing.load_signer(tmp_path).verify("go", token)
    assert info.value.code == "token.unknown_key"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("not json", "{"),
        ("no keys", json.dumps({"current": "a"})),
        ("bad hex", json.dumps({"current": "a", "keys": {"a": "zz"}})),
    ],
)
def test_a_damaged_key_file_is_a_clear_config_error(tmp_path: Path, name: str, content: str) -> None:
    signing.key_path(tmp_path).write_text(content)
    with pytest.raises(ConfigError, match="signing key"):
        signing.load_signer(tmp_path)
