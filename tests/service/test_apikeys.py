"""API keys: shown once, stored hashed, revocation seen by other instances (workers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hutong.errors import ConfigError, UsageError
from hutong.service.apikeys import KEY_FILE, ApiKeys


def test_create_verify_revoke(tmp_path: Path) -> None:
    keys, worker = ApiKeys(tmp_path), ApiKeys(tmp_path)
    assert not keys.any()
    key = keys.create("bot-1")
    assert key.startswith("hk_") and len(key) > 40
    assert worker.verify(key) == "bot-1"
    assert worker.verify(key + "x") is None
    assert key not in (tmp_path / KEY_FILE).read_text()  # only the hash is stored
    assert [k.name for k in keys.list()] == ["bot-1"]
    keys.revoke("bot-1")
    assert worker.verify(key) is None  # the other instance notices without restart
    assert not worker.any()


@pytest.mark.parametrize("name", ["", "has space", "-leading", "x" * 65, "名字"])
def test_bad_names_are_usage_errors(tmp_path: Path, name: str) -> None:
    with pytest.raises(UsageError, match="key name"):
        ApiKeys(tmp_path).create(name)


def test_duplicate_and_unknown_names(tmp_path: Path) -> None:
    keys = ApiKeys(tmp_path)
    keys.create("a")
    with pytest.raises(UsageError, match="exists"):
        keys.create("a")
    with pytest.raises(UsageError, match="no key named"):
        keys.revoke("b")


@pytest.mark.parametrize("content", ["{", json.dumps({"a": {"created": 1}}), json.dumps([1])])
def test_damaged_file_is_a_config_error(tmp_path: Path, content: str) -> None:
    (tmp_path / KEY_FILE).write_text(content)
    with pytest.raises(ConfigError, match="API key file"):
        ApiKeys(tmp_path).any()
