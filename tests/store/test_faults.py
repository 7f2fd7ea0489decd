"""Faults of the real services under load: PostgreSQL killed and restarted, Redis killed, the audit disk full.

Every service here is private (``tests/store/private.py``), started and killed by the test itself; the
disk is a 2 MB tmpfs mounted for the test. Each test prints its figures (``pytest -s``): they are the
ones in docs/benchmarks.md ("Faults of the real services").
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hutong.audit import AuditEvent
from hutong.config import Config, DataSection
from hutong.errors import StorageError
from hutong.store.durability import SYNC
from hutong.store.postgres_store import PostgresStore
from hutong.store.sqlite_store import SqliteStore
from hutong.store.userhash import UserHasher
from tests.store.load import Answer, hammer_log
from tests.store.origin import https_origin
from tests.store.private import PrivatePostgres, PrivateRedis, fill, private_postgres, private_redis, small_disk
from tests.store.serve_proc import Serve

pytestmark = pytest.mark.slow

JSON = {"Content-Type": "application/json"}
DEST = "https://www.bilibili.com/video/BV1xx411c7mD"


@pytest.fixture(scope="module")
def pg() -> Iterator[PrivatePostgres]:
    with private_postgres() as instance:
        yield instance


@pytest.fixture
def rd() -> Iterator[PrivateRedis]:
    with private_redis() as instance:
        yield instance


@dataclass(frozen=True, slots=True)
class Probe:
    at: float  # monotonic seconds
    status: int
    problems: tuple[str, ...]


class ReadyWatch:
    """Polls ``/readyz`` every 0.1 s on its own thread until stopped; keeps every answer."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.probes: list[Probe] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                conn.request("GET", "/readyz")
                resp = conn.getresponse()
                body = json.loads(resp.read() or b"{}")
                self.probes.append(Probe(time.monotonic(), resp.status, tuple(body.get("problems", ()))))
            except (OSError, http.client.HTTPException, ValueError):
                self.probes.append(Probe(time.monotonic(), 0, ("no answer",)))
            finally:
                conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


class Load:
    """``hammer_log`` on a thread: ``stop()`` ends it and returns every answer."""

    def __init__(self, port: int, *, clients: int, body: Any, timeout: float = 60.0) -> None:
        self._stop = threading.Event()
        self._answers: list[Answer] = []
        self._thread = threading.Thread(
            target=lambda: self._answers.extend(
                hammer_log(
                    port, clients=clients, seconds=300, path="/v1/check", body=body, headers=JSON,
                    stop=self._stop, timeout=timeout,
                )
            )
        )  # fmt: skip
        self._thread.start()

    def stop(self) -> list[Answer]:
        self._stop.set()
        self._thread.join(timeout=120)
        return self._answers


def write_config(tmp: Path, text: str) -> tuple[Path, Path]:
    data = tmp / "data"
    data.mkdir()
    config = tmp / "hutong.toml"
    config.write_text(text, encoding="utf-8")
    return config, data


def check_body(ident: str) -> bytes:
    return json.dumps({"text": "看 https://example.com/a", "user": ident, "context": "group"}).encode()


def event(rule: str) -> AuditEvent:
    return AuditEvent(time.time(), "check", "group", "a.example", "alpha", "video", None, "safe", (), "open", rule, "t")


def statuses(answers: list[Answer]) -> Counter[int]:
    return Counter(a.status for a in answers)


def test_postgres_killed_and_restarted_under_load_loses_no_acknowledged_event(
    tmp_path: Path, pg: PrivatePostgres
) -> None:
    url = f"{pg.url}?schema=hutong_fault"
    config, data = write_config(
        # a kill -9 of the database server itself: only "sync" promises that commits survive it
        tmp_path, f'[audit]\nenabled = true\ndurability = "sync"\n\n[storage]\naudit = "{url}"\nwrite_retry = 30.0\n'
    )
    server = Serve(config, data, tmp_path / "serve.log")
    try:
        watch = ReadyWatch(server.port)
        load = Load(server.port, clients=8, body=check_body)
        time.sleep(2.0)
        killed = time.monotonic()
        pg.kill9()
        time.sleep(2.0)
        pg.start()
        up = time.monotonic()
        time.sleep(2.0)
        answers = load.stop()
        time.sleep(0.5)
        watch.stop()
    finally:
        server.stop()
    log = server.log_path.read_text()
    acked = {a.ident for a in answers if a.status == 200}
    during = [a for a in answers if killed <= a.sent < up]
    held = [a for a in answers if a.sent < up <= a.answered and a.answered - a.sent > 1.0]  # waited it out
    hasher = UserHasher.for_config(Config(data=DataSection(dir=str(data))))
    with PostgresStore(url) as store:
        stored = Counter(e.user for e in store.events())
    lost = [a for a in acked if stored[hasher.hash(a)] == 0]
    twice = [u for u, n in stored.items() if n > 1]
    outage = [p for p in watch.probes if killed <= p.at < up]
    retries = log.count("retrying in")
    recovered = next((p.at - up for p in watch.probes if p.at >= up and p.status == 200), None)
    print(
        f"\nFIGURES postgres-kill: requests {len(answers)}, statuses {dict(statuses(answers))}, "
        f"sent during the outage {len(during)} (acknowledged {sum(a.status == 200 for a in during)}), "
        f"held through it and acknowledged after the restart {sum(a.status == 200 for a in held)} "
        f"(longest wait {max(a.answered - a.sent for a in answers):.2f} s), "
        f"outage {up - killed:.2f} s, lost {len(lost)}, stored twice {len(twice)}, write retries {retries}, "
        f"broken-off commits found committed {log.count('not writing it twice')}, "
        f"/readyz 503 during the outage {sum(p.status == 503 for p in outage)}/{len(outage)}, "
        f"/readyz 200 again {recovered if recovered is None else round(recovered, 2)} s after the restart"
    )
    assert len(acked) > 50, f"the load never got going: {log[-3000:]}"
    assert not lost, f"{len(lost)} acknowledged decisions lost, e.g. {sorted(lost)[:5]}"
    assert not twice, f"{len(twice)} events stored twice"
    assert statuses(answers) == {200: len(answers)}, "a request failed, though the outage was shorter than the deadline"
    assert any(a.status == 200 for a in held), "no request waited through the outage to be acknowledged"
    assert retries > 0, f"no write was retried: {log[-3000:]}"
    assert any(p.status == 503 and any(s.startswith("audit store:") for s in p.problems) for p in outage), outage
    assert watch.probes[-1].status == 200, watch.probes[-5:]


def test_postgres_down_past_the_deadline_is_a_clear_error_and_nothing_is_acknowledged(
    pg: PrivatePostgres,
) -> None:
    # a kill -9 of the server: only "sync" promises that the commit just before it survives
    store = PostgresStore(f"{pg.url}?schema=hutong_deadline", write_retry=1.0, durability=SYNC)
    try:
        store.record([event("before")])
        pg.kill9()
        try:
            t0 = time.monotonic()
            with pytest.raises(StorageError, match=r"not recorded.*1 s") as failure:
                store.record([event("refused")])
            waited = time.monotonic() - t0
            assert failure.value.code == "storage.unavailable"
            with pytest.raises(StorageError, match=r"reachable|connect"):
                store.ping()
        finally:
            pg.start()
        store.record([event("after")])
        store.ping()
        rules = [e.rule for e in store.events()]
    finally:
        store.close()
    print(f"\nFIGURES postgres-deadline: write_retry 1.0 s, error after {waited:.2f} s")
    assert 1.0 <= waited < 4.0
    assert rules == ["before", "after"]


def test_redis_killed_under_load_degrades_to_the_process_cache_without_5xx(
    tmp_path: Path, rd: PrivateRedis
) -> None:
    prefix = "hutong-fault:"
    with https_origin(tmp_path, ("b23.tv", "www.bilibili.com"), {}, {"/s/": DEST}) as origin:
        config, data = write_config(
            tmp_path,
            f"""
[network]
connect_to = ["b23.tv:443:127.0.0.1:{origin.port}", "www.bilibili.com:443:127.0.0.1:{origin.port}"]
allow_networks = ["127.0.0.0/8"]
ca_bundle = "{origin.ca_pem}"
rate_limit_per_minute = 1000000  # counted in Redis (and in the process while it is down), never reached

[preview]
enabled = false

[audit]
enabled = false

[storage]
cache = "{rd.url}?prefix={prefix}"
""",
        )

        def body(ident: str) -> bytes:  # a new short link each time: every request writes to the cache
            return json.dumps({"text": f"看 https://b23.tv/s/{ident}", "context": "group", "preview": True}).encode()

        server = Serve(config, data, tmp_path / "serve.log")
        try:
            load = Load(server.port, clients=6, body=body, timeout=30)
            time.sleep(2.0)
            before = rd.keys(prefix)
            killed = time.monotonic()
            rd.kill9()
            time.sleep(2.0)
            rd.start()
            up = time.monotonic()
            recovered = None
            while time.monotonic() - up < 15:
                if rd.keys(prefix):
                    recovered = time.monotonic() - up
                    break
                time.sleep(0.05)
            time.sleep(0.5)
            answers = load.stop()
        finally:
            server.stop()
    during = [a for a in answers if killed <= a.sent < up]
    wrong = [a for a in answers if a.status == 200 and json.loads(a.body)["links"][0]["url"] != DEST]
    fivexx = [a for a in answers if a.status >= 500 or a.status == 0]
    print(
        f"\nFIGURES redis-kill: requests {len(answers)}, statuses {dict(statuses(answers))}, "
        f"5xx {len(fivexx)}, sent during the outage {len(during)}, Redis keys before the kill {before}, "
        f"cache written to Redis again {recovered if recovered is None else round(recovered, 2)} s after its restart"
    )
    assert before > 0, "Redis was not in use before the kill"
    assert len(during) > 10, "the load did not go on during the outage"
    assert not fivexx, f"{len(fivexx)} requests failed, e.g. {fivexx[0]}"
    assert statuses(answers) == {200: len(answers)}
    assert not wrong, f"{len(wrong)} links resolved wrongly, e.g. {json.loads(wrong[0].body)['links'][0]}"
    log = server.log_path.read_text()
    assert recovered is not None, f"Redis was not used again: {log[-3000:]}"
    assert "using this process's cache meanwhile" in log, log[-3000:]
    assert "the shared cache answers again" in log, log[-3000:]


def test_audit_disk_full_refuses_checks_with_a_clear_error_and_recovers(tmp_path: Path) -> None:
    with small_disk() as disk:
        db = disk / "audit.sqlite3"
        config, data = write_config(tmp_path, f'[audit]\nenabled = true\n\n[storage]\naudit = "sqlite://{db}"\n')
        server = Serve(config, data, tmp_path / "serve.log")
        sent: list[tuple[str, int, Any]] = []

        def check(ident: str) -> tuple[int, Any]:
            status, body = server.request("POST", "/v1/check", json.loads(check_body(ident)))
            sent.append((ident, status, body))
            return status, body

        try:
            assert all(check(f"room-{i}")[0] == 200 for i in range(20))
            filler = fill(disk)
            refused = None
            for i in range(500):
                status, body = check(f"full-{i}")
                if status != 200:
                    refused = (status, body)
                    break
            ready_full = server.request("GET", "/readyz")
            os.unlink(filler)
            after = [check(f"freed-{i}")[0] for i in range(20)]
            ready_after = server.request("GET", "/readyz")
        finally:
            server.stop()
        hasher = UserHasher.for_config(Config(data=DataSection(dir=str(data))))
        with SqliteStore(db) as store:
            stored = Counter(e.user for e in store.events())
    acked = [ident for ident, status, _ in sent if status == 200]
    lost = [a for a in acked if stored[hasher.hash(a)] != 1]
    accepted_while_full = sum(1 for ident, status, _ in sent if ident.startswith("full-") and status == 200)
    print(
        f"\nFIGURES disk-full: accepted (and stored) after the disk filled {accepted_while_full}, "
        f"then {refused and refused[0]} {refused and refused[1]}, /readyz {ready_full}, "
        f"after freeing space {Counter(after)}, /readyz {ready_after[0]}, lost {len(lost)}"
    )
    assert refused is not None, "the disk filled but every check was still acknowledged"
    assert refused[0] == 503
    assert refused[1]["error"]["code"] == "storage.disk_full"
    assert "the audit log cannot be written: disk full" in refused[1]["error"]["message"]
    assert ready_full[0] == 503
    assert any("disk full" in p for p in ready_full[1]["problems"]), ready_full
    assert after == [200] * 20
    assert ready_after[0] == 200, ready_after
    assert not lost, f"{len(lost)} acknowledged decisions not stored exactly once, e.g. {lost[:5]}"
