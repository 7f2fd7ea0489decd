"""kill -9 a real server under load: every acknowledged decision is in the audit log afterwards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hutong.config import Config, DataSection
from hutong.store.factory import AUDIT_FILE
from hutong.store.postgres_store import PostgresStore
from hutong.store.sqlite_store import SqliteStore
from hutong.store.userhash import UserHasher
from tests.store.conftest import BACKENDS
from tests.store.load import hammer
from tests.store.serve_proc import Serve
from tests.store.services import drop_pg_schema, need_postgres, unique

ROOT = Path(__file__).resolve().parents[2]


def start(cmd: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise AssertionError(f"server did not start: {line!r} {proc.communicate(timeout=10)[1][-2000:]}")
    return proc, int(line.split()[1])


def test_kill_9_loses_no_acknowledged_event(tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite3"
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
    proc, port = start([sys.executable, str(ROOT / "tests/store/ack_server.py"), str(db)], env)
    stop = threading.Event()
    result: dict[str, set[str]] = {}
    loader = threading.Thread(
        target=lambda: result.setdefault(
            "acked", hammer(port, clients=8, seconds=15, path="/", body=str.encode, stop=stop)
        )
    )
    loader.start()
    time.sleep(1.5)  # let load build up, then kill mid-stream
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    stop.set()
    loader.join(timeout=30)
    proc.communicate(timeout=10)
    acked = result["acked"]
    assert len(acked) > 50, "the load never got going"
    with SqliteStore(db) as store:
        stored = {e.rule for e in store.events()}
        counts = store.counts()
    missing = acked - stored
    assert not missing, f"{len(missing)} acknowledged events lost, e.g. {sorted(missing)[:5]}"
    assert sum(r.count for r in counts.rows) == len(stored)  # the rollup committed with the events


@pytest.fixture(params=BACKENDS)
def audit_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """``storage.audit`` for the server: empty (SQLite in the data directory) or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield ""
        return
    schema = unique("hutong_kill")
    yield f"{need_postgres()}?schema={schema}"
    drop_pg_schema(schema)


def stored_users(data: Path, audit_url: str) -> set[str | None]:
    with PostgresStore(audit_url) if audit_url else SqliteStore(data / AUDIT_FILE) as store:
        return {e.user for e in store.events()}


@pytest.mark.slow
def test_kill_9_of_hutong_serve_loses_no_acknowledged_event(tmp_path: Path, audit_url: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "hutong.toml"
    config.write_text(f'[audit]\nenabled = true\n\n[storage]\naudit = "{audit_url}"\n', encoding="utf-8")
    server = Serve(config, data, tmp_path / "serve.log")
    stop = threading.Event()
    result: dict[str, set[str]] = {}

    def body(ident: str) -> bytes:
        return json.dumps({"text": "看 https://example.com/a", "user": ident, "context": "group"}).encode()

    loader = threading.Thread(
        target=lambda: result.setdefault(
            "acked",
            hammer(
                server.port,
                clients=8,
                seconds=20,
                path="/v1/check",
                body=body,
                headers={"Content-Type": "application/json"},
                stop=stop,
            ),
        )
    )
    loader.start()
    time.sleep(2.5)
    server.kill9()
    stop.set()
    loader.join(timeout=30)
    acked = result["acked"]
    assert len(acked) > 20, f"the load never got going: {server.log_path.read_text()[-2000:]}"
    hasher = UserHasher.for_config(Config(data=DataSection(dir=str(data))))
    stored = stored_users(data, audit_url)
    missing = {a for a in acked if hasher.hash(a) not in stored}
    assert not missing, f"{len(missing)} acknowledged decisions lost, e.g. {sorted(missing)[:5]}"
