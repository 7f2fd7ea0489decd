"""End-to-end preview throughput: N distinct local pages over 5 hosts, C-way, through the real GuardedFetcher.

    .venv/bin/python bench/preview.py [--pages 1000] [--concurrency 200] [--source real,small]
                                      [--servers keep-alive,h2,close] [--write]

Each server is a local HTTPS server in a process of its own (tests/support/localnet.py for HTTP/1.1,
bench/h2server.py for HTTP/2; trustme CA; reached through network.connect_to), serving every page at
its own URL on each of 5 host names: ``keep-alive`` keeps HTTP/1.1 connections open, ``h2`` offers
HTTP/2 (ALPN), ``close`` closes every connection after its answer (a new TLS handshake per page, as
before issue 15). ``real`` pages are the 91 metascraper pages (mean ~280 kB), ``small`` the test
templates (~0.4 kB). Per server and source, the same run measures the floor, fetch only (the guarded
fetcher alone), then preview cards (``Previewer.card_for``); all servers run at once and take turns, per
source, in each of ``--repeat`` passes (best kept), so a change of the machine's load hits every row.

Goals (issue 15), printed as pass/fail: on the keep-alive servers, pages/s at least 3× those of the
closing server in the same run and 3× the figures the issue measured (card 82, fetch only 104 pages/s,
real pages, 200-way), and the card rate ≥ 0.9 of fetch only; connections are counted by the server
(TLS handshakes), so the reuse is shown, not assumed.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.benchlib import load_note, machine, write_section  # noqa: E402
from hutong.config import CacheSection, NetworkSection, PreviewSection  # noqa: E402
from hutong.errors import HutongError  # noqa: E402
from hutong.net.fetcher import GuardedFetcher  # noqa: E402
from hutong.preview.images import ImageSigner  # noqa: E402
from hutong.preview.service import Previewer  # noqa: E402

HOSTS = ("item.jd.com", "www.bilibili.com", "www.zhihu.com", "item.taobao.com", "news.example.cn")
SERVERS = ("keep-alive", "h2", "close")
# issue 15's figures (real pages, 1,000 pages, 200-way, a new TLS connection per page)
ISSUE_CARD, ISSUE_FETCH = 82.0, 104.0
GOAL_SPEEDUP, GOAL_CARD_SHARE = 3.0, 0.9


def bodies(source: str) -> list[bytes]:
    from tests.conftest import conformance_dir
    from tests.preview.pages import KINDS, page

    if source == "real":
        base = conformance_dir() / "metascraper"
        cases = json.loads((base / "cases.json").read_text(encoding="utf-8"))["cases"]
        return [(base / c["html"]).read_bytes() for c in cases]
    return [page(k, f"页面 {k}").encode() for k in KINDS]


# --- the servers, each in a process of its own ----------------------------------------------


def serve(kind: str) -> None:
    """Run one server until stdin closes; print its ports and CA file as one JSON line first."""
    from tests.support.localnet import LocalNet, Reply, Request

    pages = {source: bodies(source) for source in ("real", "small")}
    counts: dict[str, int] = {"requests": 0}

    def answer(req: Request) -> Reply:
        counts["requests"] += 1
        parts = req.path.split("/")  # /<source>/<i>
        if len(parts) != 3 or parts[1] not in pages or not parts[2].isdigit():
            return Reply(status=404, headers=(("Content-Type", "text/plain"),))  # e.g. an oEmbed endpoint
        chosen = pages[parts[1]]
        return Reply(body=chosen[int(parts[2]) % len(chosen)], headers=(("Content-Type", "text/html; charset=utf-8"),))

    with tempfile.TemporaryDirectory() as tmp:
        if kind == "h2":
            from tests.support.h2server import H2Server

            with H2Server.running(Path(tmp), answer, HOSTS) as h2:
                _report(h2.port, h2.ca_path, lambda: h2.connections, counts)
            return
        with LocalNet.running(Path(tmp)) as net:
            net.keep_alive = kind == "keep-alive"
            for host in HOSTS:
                net.route(host, answer)
            _report(net.https_port, net.ca_path, lambda: sum(c.tls for c in net.connections), counts)


def _report(port: int, ca_path: Path, connections: Any, counts: dict[str, int]) -> None:
    print(json.dumps({"port": port, "ca": str(ca_path)}), flush=True)
    for line in sys.stdin:  # "count": how many TLS connections and requests so far
        if line.strip() == "count":
            print(json.dumps({"connections": connections(), "requests": counts["requests"]}), flush=True)


class Server:
    """A server process and the settings that reach it."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        info = json.loads(self.proc.stdout.readline())
        self.port, self.ca = int(info["port"]), str(info["ca"])

    def settings(self) -> NetworkSection:
        return NetworkSection(
            connect_to=tuple(f"{h}:443:127.0.0.1:{self.port}" for h in HOSTS),
            allow_networks=("127.0.0.1/32",),
            ca_bundle=self.ca,
            rate_limit_per_minute=0,
            total_timeout=60.0,
        )

    def counts(self) -> dict[str, int]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))

    def cpu_seconds(self) -> float:
        """CPU time the server process has used (user + system), from /proc."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


# --- the client -------------------------------------------------------------------------------


async def no_outside(host: str, port: int) -> list[str]:
    """Hosts outside the bench (oEmbed endpoints, image hosts in real pages) resolve to a refused
    address, so the bench never touches the internet."""
    return ["0.0.0.0"]


async def run(server: Server, source: str, n: int, concurrency: int, *, cards: bool) -> tuple[float, int]:
    sem = asyncio.Semaphore(concurrency)
    ok = 0
    async with GuardedFetcher(server.settings(), CacheSection(max_entries=10), resolver=no_outside) as fetcher:
        previewer = Previewer(fetcher, None, PreviewSection(), ImageSigner(b"b" * 32))

        async def one(i: int) -> None:
            nonlocal ok
            url = f"https://{HOSTS[i % len(HOSTS)]}/{source}/{i}"
            async with sem:
                if cards:
                    card = await previewer.card_for(url)
                    ok += card.title is not None and card.description is not None
                else:
                    try:
                        result = await fetcher.fetch(url)
                    except HutongError:  # counted as incomplete (a timeout on an overloaded machine)
                        return
                    ok += result.status == 200

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return time.perf_counter() - start, ok


@dataclasses.dataclass
class Row:
    server: str
    source: str
    mode: str  # "fetch" (the floor) or "card"
    pages_per_s: float = 0.0
    complete: int = 0
    connections: int = 0
    requests: int = 0
    client_cpu_ms: float = 0.0  # per page, this process (card extraction's worker processes not counted)
    server_cpu_ms: float = 0.0  # per page, the server process


def measure(args: argparse.Namespace) -> list[Row]:
    """Every (server, source, mode) row, best of ``--repeat`` passes; within a pass the servers take turns
    per source (all servers run at once, idle but for their turn), so each sees the same machine."""
    servers = {kind: Server(kind) for kind in args.servers}
    rows = {(k, src, mode): Row(k, src, mode) for src in args.source for k in args.servers for mode in ("fetch", "card")}
    try:
        for _ in range(args.repeat):
            for row in rows.values():
                server = servers[row.server]
                before, cpu0, server0 = server.counts(), time.process_time(), server.cpu_seconds()
                secs, ok = asyncio.run(run(server, row.source, args.pages, args.concurrency, cards=row.mode == "card"))
                cpu, server_cpu = time.process_time() - cpu0, server.cpu_seconds() - server0
                after = server.counts()
                if args.pages / secs > row.pages_per_s:
                    row.pages_per_s, row.complete = args.pages / secs, ok
                    row.connections = after["connections"] - before["connections"]
                    row.requests = after["requests"] - before["requests"]
                    row.client_cpu_ms = cpu * 1e3 / args.pages
                    row.server_cpu_ms = server_cpu * 1e3 / args.pages
                print(f"  {row.server} {row.source} {row.mode}: {args.pages / secs:.0f} pages/s", flush=True)
    finally:
        for server in servers.values():
            server.close()
    return list(rows.values())


def _rate(rows: list[Row], server: str, source: str, mode: str) -> float | None:
    return next((r.pages_per_s for r in rows if (r.server, r.source, r.mode) == (server, source, mode)), None)


def goals(rows: list[Row]) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for server in ("keep-alive", "h2"):
        for source in ("real", "small"):
            fetch, card = _rate(rows, server, source, "fetch"), _rate(rows, server, source, "card")
            if fetch is None or card is None:
                continue
            out.append((f"{server} {source}: card {card:.0f} ≥ {GOAL_CARD_SHARE} × fetch only {fetch:.0f}", card >= GOAL_CARD_SHARE * fetch))
            closed_fetch, closed_card = _rate(rows, "close", source, "fetch"), _rate(rows, "close", source, "card")
            if closed_fetch is not None and closed_card is not None:
                out.append((f"{server} {source}: fetch only {fetch:.0f} ≥ {GOAL_SPEEDUP:g} × closing server's {closed_fetch:.0f}", fetch >= GOAL_SPEEDUP * closed_fetch))
                out.append((f"{server} {source}: card {card:.0f} ≥ {GOAL_SPEEDUP:g} × closing server's {closed_card:.0f}", card >= GOAL_SPEEDUP * closed_card))
            if source == "real":
                out.append((f"{server} real: fetch only {fetch:.0f} ≥ {GOAL_SPEEDUP:g} × issue's {ISSUE_FETCH:.0f}", fetch >= GOAL_SPEEDUP * ISSUE_FETCH))
                out.append((f"{server} real: card {card:.0f} ≥ {GOAL_SPEEDUP:g} × issue's {ISSUE_CARD:.0f}", card >= GOAL_SPEEDUP * ISSUE_CARD))
    return out


def table(rows: list[Row], pages: int) -> str:
    lines = [
        "| server | pages | run | pages/s | complete | TLS connections | requests | client CPU ms/page "
        "| server CPU ms/page |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        label = "fetch only (floor: GuardedFetcher)" if r.mode == "fetch" else "preview card (Previewer)"
        lines.append(
            f"| {r.server} | {r.source} | {label} | {r.pages_per_s:.0f} | {r.complete}/{pages} | {r.connections} "
            f"| {r.requests} | {r.client_cpu_ms:.2f} | {r.server_cpu_ms:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--source", default="real,small", help="comma-separated: real, small")
    ap.add_argument("--servers", default=",".join(SERVERS), help="comma-separated: " + ", ".join(SERVERS))
    ap.add_argument("--repeat", type=int, default=2, help="passes per row; the best is kept")
    ap.add_argument("--write", action="store_true", help="write the figures into docs/benchmarks.md")
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve)
        return
    args.source = [x.strip() for x in args.source.split(",") if x.strip()]
    args.servers = [x.strip() for x in args.servers.split(",") if x.strip()]
    load, started = load_note(), datetime.now(UTC)
    rows = measure(args)
    load_end = load_note().replace("at the start", "at the end")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    head = (
        f"{machine()}; {started:%Y-%m-%d %H:%M} UTC; {load}, {load_end}; {args.pages} distinct pages over "
        f"{len(HOSTS)} hosts, {args.concurrency}-way, best of {args.repeat}; client peak RSS {rss:.0f} MiB"
    )
    out = table(rows, args.pages)
    results = goals(rows)
    print(head)
    print(out)
    for text, ok in results:
        print(f"goal {'pass' if ok else 'FAIL'}: {text}")
    if args.write:
        title = "## Preview end to end (`bench/preview.py`)"
        body = (
            f"{title}\n\n"
            f"`.venv/bin/python bench/preview.py --source {','.join(args.source)} --servers {','.join(args.servers)} "
            f"--pages {args.pages} --concurrency {args.concurrency} --repeat {args.repeat} --write`. {head}. "
            "Each server runs in a process of its own (so it has a core of its own on a quiet 2-core machine); "
            "`keep-alive` keeps HTTP/1.1 connections, `h2` offers HTTP/2, `close` closes each connection after "
            "its answer (a TLS handshake per page, as the issue measured). The fetch-only rows are the floor of "
            "the card rows in the same run; \"TLS connections\" are counted by the server; CPU per page is the "
            "client process's (card extraction runs in worker processes, not counted) and the server's.\n\n"
            f"{out}\n\n"
            "Goals: " + "; ".join(f"{text} ({'pass' if ok else 'FAIL'})" for text, ok in results) + ".\n\n"
        )
        write_section(title, body)
    if os.environ.get("BENCH_STRICT") and not all(ok for _, ok in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
