"""Guarded fetching throughput against the local internet, with plain httpx as the peer.

Run: PYTHONPATH=src:. .venv/bin/python bench/fetch.py [pages] [concurrency] [--close]
Prints pages/s and peak traced memory for: GuardedFetcher (vet + pin + caps + charset) and a bare
httpx.AsyncClient fetching the same pages over the same TLS server in the same run. The server keeps
connections alive (``--close``: it closes each after its answer, a TLS handshake per page) and counts
the TLS connections each client made. Over 5 hosts, HTTP/2 and cards: bench/preview.py.
"""

from __future__ import annotations

import asyncio
import ssl
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx

from hutong.net.fetcher import GuardedFetcher
from tests.support.localnet import LocalNet, html

PAGE = (
    "<html><head><meta charset=utf-8><title>商品 {i}</title></head><body>"
    + "<p>内容</p>" * 2000
    + "</body></html>"
)


async def guarded(net: LocalNet, n: int, conc: int) -> int:
    sem = asyncio.Semaphore(conc)
    async with GuardedFetcher(net.settings(rate_limit_per_minute=0)) as f:

        async def one(i: int) -> int:
            async with sem:
                return len((await f.fetch(f"https://shop.example/item/{i}")).body)

        return sum(await asyncio.gather(*(one(i) for i in range(n))))


async def bare(net: LocalNet, n: int, conc: int) -> int:
    sem = asyncio.Semaphore(conc)
    ctx = ssl.create_default_context(cafile=str(net.ca_path))
    async with httpx.AsyncClient(verify=ctx, trust_env=False) as client:

        async def one(i: int) -> int:
            async with sem:
                r = await client.get(
                    f"https://localhost:{net.https_port}/item/{i}", headers={"Host": "shop.example"}
                )
                return len(r.content)

        return sum(await asyncio.gather(*(one(i) for i in range(n))))


def main() -> None:
    argv = [a for a in sys.argv[1:] if a != "--close"]
    n = int(argv[0]) if argv else 1000
    conc = int(argv[1]) if len(argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp, LocalNet.running(Path(tmp)) as net:
        net.keep_alive = "--close" not in sys.argv
        net.route("shop.example", lambda req: html(PAGE.format(i=req.path)))
        net.route("localhost", lambda req: html(PAGE.format(i=req.path)))
        print(
            f"{n} distinct pages (~{len(PAGE.encode()) // 1024} KB each), {conc}-way concurrency, TLS, server in-process"
        )
        print(f"{'client':<28}{'pages/s':>10}{'peak MB':>10}{'TLS conns':>10}")
        for name, fn in (("hutong GuardedFetcher", guarded), ("httpx.AsyncClient (bare)", bare)):
            before = sum(c.tls for c in net.connections)
            tracemalloc.start()
            t0 = time.perf_counter()
            asyncio.run(fn(net, n, conc))
            dt = time.perf_counter() - t0
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            conns = sum(c.tls for c in net.connections) - before
            print(f"{name:<28}{n / dt:>10.0f}{peak / 1e6:>10.1f}{conns:>10}")


if __name__ == "__main__":
    main()
