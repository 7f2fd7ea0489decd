"""The SQLite prefs store: round trip, update, persistence across connections (workers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hutong.errors import StorageError
from hutong.model import UserPrefs
from hutong.service.prefs import SQLitePrefs, decode, encode

CASES = [
    UserPrefs(),
    UserPrefs(mode="strict"),
    UserPrefs(
        mode="confirm", categories=(("ecommerce", "direct"), ("video", "strict")), always_open=("a.com",)
    ),
]


@pytest.mark.parametrize("prefs", CASES, ids=["empty", "mode", "full"])
def test_encode_round_trips(prefs: UserPrefs) -> None:
    assert decode(encode(prefs)) == prefs


def test_store_put_get_update_and_share(tmp_path: Path) -> None:
    one, two = SQLitePrefs.in_data_dir(tmp_path), SQLitePrefs.in_data_dir(tmp_path)
    assert one.get("alice") is None
    one.put("alice", CASES[2])
    assert two.get("alice") == CASES[2]  # a second connection (another worker) sees the write at once
    two.put("alice", CASES[1])
    assert one.get("alice") == CASES[1]
    assert one.get("bob") is None
    one.ping()
    one.close()
    two.close()


def test_unusable_path_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageError, match="prefs database"):
        SQLitePrefs(blocker / "prefs.sqlite3")
