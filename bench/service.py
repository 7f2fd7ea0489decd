"""HTTP service benchmark: hutong's routes against a bare Starlette route, measured in the same run.

Each goal row is measured right after its floor: a bare Starlette JSON route (``bench/bare_route.py``,
which reads the body and answers a constant object) served by uvicorn with exactly the options,
protocol and worker count of ``hutong serve``. The load generator is ``wrk`` (Debian's package:
``apt-get install wrk``), 2 threads, 32 connections, on the same machine. The ratio hutong/floor is
what the goals speak of, so a busy machine slows both sides; the absolute figures are only a record.

    .venv/bin/python bench/service.py                       # 20 s per row, prints the table and goals
    .venv/bin/python bench/service.py --rounds 3            # each pair three times, median ratio
    .venv/bin/python bench/service.py --durability all      # also the other audit.durability settings
    .venv/bin/python bench/service.py --postgres URL        # also the PostgreSQL audit store
    .venv/bin/python bench/service.py --write               # record the figures in docs/benchmarks.md

Goals (issue 15): ``POST /v1/check`` on 2 workers with the audit on (its default durability) reaches
>= 0.35 of the floor's requests/s with p99 < 25 ms, and >= 0.5 with the audit off; ``GET /healthz``
>= 0.7 of the floor. The process exits 1 when a goal is not met.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import ROOT, load_note, machine, write_section

HEADING = "## HTTP service (`bench/service.py`)"

# typical chat messages: share texts with a link, plain links, and chatter without links
MESSAGES = [
    "【京东】https://item.jd.com/100012043978.html?spm=a.b.c&utm_source=wechat 这个价格不错",
    "3.38 复制打开抖音，看看【某人的作品】大广西是我的家乡 https://v.douyin.com/48PMYp6_elQ/ M@j.CU uSY:/",
    "周末去哪儿？看看这篇 https://www.zhihu.com/question/123456789/answer/987654321?utm_medium=social",
    "今晚吃火锅吗？七点老地方见",
    "docs here: https://example.com/guide?utm_source=chat&fbclid=abc and https://github.com/hutong/hutong",
    "【小红书】https://www.xiaohongshu.com/discovery/item/0123456789abcdef01234567?xsec_token=AB=&xsec_source=pc_share",
]
BODIES = [json.dumps({"text": m, "context": "group"}, ensure_ascii=False) for m in MESSAGES]
BASE_CONFIG = "[server]\nclient_rate_per_minute = 0\n"  # one load generator is one client: no per-client 429s


@dataclass(frozen=True)
class Run:
    """One wrk measurement."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass(frozen=True)
class Row:
    """A hutong route under one configuration, and the floor it is compared with."""

    name: str
    workers: int
    method: str  # GET or POST (POST sends the six bodies in turn)
    path: str  # "/go" is filled in with a fresh go-link
    config: str = ""  # TOML added to BASE_CONFIG
    goal_ratio: float | None = None
    goal_p99_ms: float | None = None
    runs: list[tuple[Run, Run]] = field(default_factory=list)  # (floor, hutong) per round

    def ratio(self) -> float:
        return statistics.median(h.requests_per_s / f.requests_per_s for f, h in self.runs)

    def hutong(self) -> Run:
        """The round with the median ratio (its p99 is reported with it)."""
        ranked = sorted(self.runs, key=lambda fh: fh[1].requests_per_s / fh[0].requests_per_s)
        return ranked[len(ranked) // 2][1]

    def floor(self) -> Run:
        ranked = sorted(self.runs, key=lambda fh: fh[1].requests_per_s / fh[0].requests_per_s)
        return ranked[len(ranked) // 2][0]

    def goal(self) -> str:
        if self.goal_ratio is None:
            return "(no goal)"
        h = self.hutong()
        wanted = f"≥ {self.goal_ratio:g}" + (f", p99 < {self.goal_p99_ms:g} ms" if self.goal_p99_ms else "")
        ok = self.met()
        return f"{'met' if ok else 'NOT met'} ({wanted}; {self.ratio():.2f}, p99 {h.p99_ms:.1f} ms)"

    def met(self) -> bool:
        if self.goal_ratio is None:
            return True
        if self.ratio() < self.goal_ratio:
            return False
        if self.hutong().errors:
            return False
        return self.goal_p99_ms is None or all(h.p99_ms < self.goal_p99_ms for _, h in self.runs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not become ready within 90 s: {log.read_text(errors='replace')[-2000:]}")


class Server:
    """A server subprocess on a free port: ``hutong serve``, or the bare route with the same options."""

    def __init__(self, workers: int, data_dir: Path, config: str | None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'bench'}", "HUTONG_DATA_DIR": str(data_dir)}
        self.log = data_dir / ("serve.log" if config is not None else "bare.log")
        if config is None:  # the floor
            code = (
                "import uvicorn; from hutong.commands.serve import uvicorn_options; "
                "from hutong.config import ServerSection; "
                f"uvicorn.run('bare_route:app', host='127.0.0.1', port={self.port}, workers={workers}, "
                "**uvicorn_options(ServerSection()))"
            )
            cmd = [sys.executable, "-c", code]
            ready = self.base + "/bare"
        else:
            path = data_dir / "bench.toml"
            path.write_text(BASE_CONFIG + config, encoding="utf-8")
            env["HUTONG_CONFIG"] = str(path)
            cli = "import sys; from hutong.cli import main; sys.exit(main(sys.argv[1:]))"
            cmd = [sys.executable, "-c", cli, "serve", "--port", str(self.port), "--workers", str(workers)]
            ready = self.base + "/readyz"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _wait_ready(ready, self.proc, self.log)
        # warm every worker (first requests pay for imports and caches)
        with httpx.Client(timeout=10) as client:
            for i in range(200):
                if config is None:
                    client.post(self.base + "/bare", content=BODIES[i % len(BODIES)])
                else:
                    client.post(self.base + "/v1/check", content=BODIES[i % len(BODIES)])

    def go_path(self) -> str:
        r = httpx.post(self.base + "/v1/check", json={"text": "https://github.com/hutong/hutong"}, timeout=10)
        go: str = r.json()["links"][0]["go"]
        return go[len(self.base) :] if go.startswith(self.base) else "/" + go.split("/", 3)[3]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


WRK_POST = """
local bodies = {%s}
local i = 0
request = function()
  i = (i %% #bodies) + 1
  return wrk.format("POST", "%s", {["Content-Type"] = "application/json"}, bodies[i])
end
"""


def _unit_ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not m:
        raise SystemExit(f"unparsed wrk latency {value!r}")
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]


def wrk(url: str, method: str, duration: int, connections: int) -> Run:
    """Drive ``url`` with wrk for ``duration`` seconds; POST rotates through BODIES."""
    path = "/" + url.split("/", 3)[3]
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        if method == "POST":
            # Lua long brackets: the UTF-8 bodies go in byte for byte (Lua 5.1 has no \u escapes)
            fh.write(WRK_POST % (", ".join(f"[==[{b}]==]" for b in BODIES), path))
            cmd += ["-s", fh.name]
    try:
        out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(fh.name)
    if os.environ.get("BENCH_VERBOSE"):
        print(out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _unit_ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _unit_ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(x) for x in m.groups())
    return Run(rps, p50, p99, errors)


def rows_for(args: argparse.Namespace) -> list[Row]:
    """The rows this run measures: the goals, then what was asked for."""
    rows = [
        Row("POST /v1/check, audit on (SQLite, default durability)", 2, "POST", "/v1/check",
            "[audit]\nenabled = true\n", goal_ratio=0.35, goal_p99_ms=25.0),
        Row("POST /v1/check, audit off", 2, "POST", "/v1/check", "[audit]\nenabled = false\n", goal_ratio=0.5),
        Row("GET /healthz", 1, "GET", "/healthz", "", goal_ratio=0.7),
        Row("GET /healthz", 2, "GET", "/healthz", ""),
        Row("GET /go/{token} (click, audit on)", 2, "GET", "/go", "[audit]\nenabled = true\n"),
    ]  # fmt: skip
    settings = DURABILITIES if args.durability == ["all"] else [d for d in args.durability if d != "default"]
    for d in settings:
        rows.append(Row(f"POST /v1/check, audit on (SQLite, durability {d})", 2, "POST", "/v1/check",
                        f'[audit]\nenabled = true\ndurability = "{d}"\n'))  # fmt: skip
    if args.postgres:
        for d in ["default", *settings]:
            line = "" if d == "default" else f'durability = "{d}"\n'
            rows.append(Row(f"POST /v1/check, audit on (PostgreSQL, durability {d})", 2, "POST", "/v1/check",
                            f'[audit]\nenabled = true\n{line}[storage]\naudit = "{args.postgres}"\n'))  # fmt: skip
    return rows


DURABILITIES = ["sync", "commit", "queued"]


def measure(rows: list[Row], args: argparse.Namespace) -> None:
    """Each round: for every row, the floor with the same worker count and method, then the row."""
    with tempfile.TemporaryDirectory(prefix="hutong-bench-") as tmp:
        for round_ in range(args.rounds):
            for i, row in enumerate(rows):
                data = Path(tmp) / f"r{round_}-{i}"
                (data / "floor").mkdir(parents=True)
                (data / "hutong").mkdir()
                floor_server = Server(row.workers, data / "floor", None)
                try:
                    floor = wrk(floor_server.base + "/bare", row.method, args.duration, args.connections)
                finally:
                    floor_server.stop()
                server = Server(row.workers, data / "hutong", row.config)
                try:
                    path = server.go_path() if row.path == "/go" else row.path
                    method = "GET" if row.path == "/go" else row.method
                    hutong = wrk(server.base + path, method, args.duration, args.connections)
                finally:
                    server.stop()
                row.runs.append((floor, hutong))
                print(
                    f"round {round_ + 1}: {row.name}, {row.workers} worker(s): {hutong.requests_per_s:,.0f}/s "
                    f"p99 {hutong.p99_ms:.1f} ms; floor {floor.requests_per_s:,.0f}/s "
                    f"p99 {floor.p99_ms:.1f} ms; ratio {hutong.requests_per_s / floor.requests_per_s:.2f}",
                    flush=True,
                )


def in_process_ms(n: int = 3000) -> dict[str, float]:
    """CPU per ``/v1/check`` inside the app (no sockets, one at a time): where the time goes."""
    sys.path.insert(0, str(ROOT / "src"))
    from hutong.audit import NullSink
    from hutong.config import Config, DataSection
    from hutong.pipeline import Engine
    from hutong.web.app import create_app

    bodies = [b.encode() for b in BODIES]

    async def call(app: object, body: bytes, path: str) -> None:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST" if body else "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"bench"), (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
        }  # fmt: skip

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                assert message["status"] == 200, message

        await app(scope, receive, send)  # type: ignore[operator]

    async def run(app: object, count: int, path: str, post: bool) -> float:
        for b in bodies:
            await call(app, b if post else b"", path)
        best = float("inf")
        for _ in range(3):  # the least disturbed of three runs
            t0 = time.process_time()
            for i in range(count):
                await call(app, bodies[i % len(bodies)] if post else b"", path)
            best = min(best, (time.process_time() - t0) / count * 1000)
        return best

    def through_fastapi(app: object) -> object:
        """The same app with the hot routes left to FastAPI's router (the front door keeps the rest)."""
        front = app.front  # type: ignore[attr-defined]
        front.exact.clear()
        front.go = None
        return app

    import bare_route

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as d:
        cfg = Config(data=DataSection(dir=d))
        engine = Engine.from_config(cfg)
        t0 = time.process_time()
        for i in range(n):
            engine.analyse(MESSAGES[i % len(MESSAGES)], context="group")
        out["engine.analyse"] = (time.process_time() - t0) / n * 1000
        out["bare route (floor), POST"] = asyncio.run(run(bare_route.app, n, "/bare", True))
        out["/v1/check, audit off, hot route"] = asyncio.run(run(create_app(cfg, engine=engine, audit=NullSink()), n, "/v1/check", True))
        slow = through_fastapi(create_app(cfg, engine=engine, audit=NullSink()))
        out["/v1/check, audit off, through FastAPI's router"] = asyncio.run(run(slow, n, "/v1/check", True))
        out["bare route (floor), GET"] = asyncio.run(run(bare_route.app, n, "/bare", False))
        out["/healthz, hot route"] = asyncio.run(run(create_app(cfg, engine=engine, audit=NullSink()), n, "/healthz", False))
        slow = through_fastapi(create_app(cfg, engine=engine, audit=NullSink()))
        out["/healthz, through FastAPI's router"] = asyncio.run(run(slow, n, "/healthz", False))
    return out


# What was measured before issue 15's changes, and what changed (kept here so that --write keeps it).
HISTORY = """\
**Before** (main at 0db41fc, this script's first version of the floor, 2026-12-06, 5 s per row, load average
2.4-3.2): `/v1/check` audit on (then `synchronous=FULL`) 2,555/s, p99 55.6 ms against a floor of 16,248/s:
**0.16**; audit off 2,904/s, p99 40.9 ms against 17,415/s: **0.17**; `/healthz` on 1 worker 4,841/s against
12,612/s: **0.38** (2 workers 0.36); `/go` 1,642/s, p99 69.8 ms (0.09). In process: engine 0.067 ms, the app
without audit 0.228 ms a check, `/healthz` 0.11 ms. The issue's own outside run: 0.12, 0.21 and 0.30-0.41.

What changed, each measured in process (CPU time, so the shared machine's load matters less):

- *One front door instead of four middlewares* (`web/front.py`): the body limit, timing, per-client limits
  and the hot routes (`/v1/check`, `/v1/check/batch`, `/go/{token}`, `/healthz`) in one plain ASGI layer
  outside FastAPI's middleware stack. A declared `Content-Length` is checked once and the body is then
  passed on untouched (only a chunked body is counted as it arrives); one histogram observation per
  request. The hot-route shortcut (the old "fast lane", now a dispatch table in the front door) is kept
  because it earns its keep against the same app through FastAPI's router with the same plain-ASGI
  work: `/healthz` 0.008 ms against 0.090 ms, `/v1/check` 0.176 ms against 0.286 ms (the router walks
  every declared route before it finds one).
- *orjson for API bodies and go-link tokens* (`web/jsonbody.py`, `signing.py`): a 1.5 KB check answer with
  Chinese text took 19-25 µs in the standard library's encoder, 1.1 µs in orjson; tokens are byte for byte
  what `json.dumps(sort_keys=True)` gave.
- *Per-request work that did not need to be per request*: the base URL from the scope instead of two URL
  objects, the bind address parsed once (it was parsed with `ipaddress` twice a check).
- *The audit writer*: `audit.durability` (default `commit`, see deploy.md) instead of `synchronous=FULL` on
  every commit, a bounded queue (`audit.queue_events`, 503 `storage.busy` when full), one event-loop
  wake-up per batch instead of one per caller, and `validate` at 1.6 µs an event instead of ~7.
"""


def table(rows: list[Row]) -> str:
    lines = [
        "| route | workers | hutong req/s | p50 ms | p99 ms | errors | floor req/s | floor p99 ms | ratio | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        h, f = r.hutong(), r.floor()
        lines.append(
            f"| {r.name} | {r.workers} | {h.requests_per_s:,.0f} | {h.p50_ms:.1f} | {h.p99_ms:.1f} | {h.errors} | "
            f"{f.requests_per_s:,.0f} | {f.p99_ms:.1f} | {r.ratio():.2f} | {r.goal()} |"
        )
    return "\n".join(lines)


def report(rows: list[Row], args: argparse.Namespace, load: str, costs: dict[str, float]) -> str:
    return (
        f"{HEADING}\n\n"
        f"Machine: {machine()}; date {dt.date.today().isoformat()}; {load}. Load generator: wrk, 2 threads, "
        f"{args.connections} connections, {args.duration} s per row, {args.rounds} round(s), on the same machine. "
        "Floor: a bare Starlette JSON route (`bench/bare_route.py`: reads the body, answers a constant object) "
        "under the same uvicorn options and worker count, measured right before each row (POST rows send it "
        "the same bodies). Command: `.venv/bin/python bench/service.py --write`.\n\n"
        f"{table(rows)}\n\n"
        "CPU per `/v1/check` in process (no sockets, one at a time, same six messages): "
        + "; ".join(f"{name} {ms:.3f} ms" for name, ms in costs.items())
        + ". The hot routes are answered by the front door (`web/front.py`) with the same endpoint functions; "
        "\"through FastAPI's router\" is the same app with that shortcut off (same body limit, timing and "
        "limits, as plain ASGI), which is what the shortcut is kept against.\n\n"
        "`/v1/check` rotates through six typical messages (share texts with links, plain links, chatter), "
        "offline (no preview). `/go` is the time-of-click check of one signed link that opens (302). "
        "Goals: /v1/check on 2 workers ≥ 0.35 of the floor with p99 < 25 ms with the audit on at its default "
        "durability, ≥ 0.5 with the audit off; /healthz ≥ 0.7 (issue 15). Each goal row's ratio is only as "
        "good as its floor: on a loaded machine the floor itself moved by a factor of three between rows, "
        "so read the ratios of a quiet run.\n\n"
        f"{HISTORY}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=20, help="seconds per measurement (default 20)")
    parser.add_argument("--rounds", type=int, default=1, help="times each floor/row pair is measured (median)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--durability", nargs="+", default=["default"], choices=["default", "all", *DURABILITIES],
        help="also measure /v1/check with these audit.durability settings",
    )  # fmt: skip
    parser.add_argument("--postgres", help="a PostgreSQL URL (with ?schema=...): also measure that audit store")
    parser.add_argument("--only", help="measure only the rows whose name contains this text")
    parser.add_argument("--write", action="store_true", help="record the figures in docs/benchmarks.md")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    load = load_note()
    print(f"machine: {machine()}; {load}; {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}", flush=True)
    rows = rows_for(args)
    if args.only:
        rows = [r for r in rows if args.only in r.name]
    measure(rows, args)
    costs = in_process_ms()
    text = report(rows, args, load, costs)
    print(text)
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for r in rows:
        if r.goal_ratio is not None:
            print(f"goal {r.name}, {r.workers} worker(s): {r.goal()}")
    if args.write:
        write_section(HEADING, text)
        print("written to docs/benchmarks.md")
    sys.exit(0 if all(r.met() for r in rows) else 1)


if __name__ == "__main__":
    main()
