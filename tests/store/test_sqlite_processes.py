"""Several processes (``hutong serve --workers N`` on the default SQLite log) writing one file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hutong.store.sqlite_store import SqliteStore

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from hutong.store.sqlite_store import SqliteStore
from tests.store.events_gen import make_events

with SqliteStore(sys.argv[1]) as store:
    events = make_events(600, seed=int(sys.argv[2]))
    for i in range(0, len(events), 20):
        store.record(events[i : i + 20])
"""


def test_three_processes_share_one_file(tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite3"
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(seed)], env=env) for seed in (1, 2, 3)
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    with SqliteStore(db) as store:
        assert len(list(store.events())) == 1800
        assert sum(r.count for r in store.counts().rows) == 1800
