"""End-to-end preview throughput: N distinct local pages, C-way concurrency, through the real GuardedFetcher.

    .venv/bin/python bench/preview.py [--pages 1000] [--concurrency 200] [--source real|small] [--write]

A local HTTPS server (tests/support/localnet.py, trustme CA, reached through network.connect_to)
serves every page at its own URL; ``real`` pages are the metascraper pages (mean ~290 kB),
``small`` pages are the test templates (~1 kB). The same run measures a fetch-only baseline
(the guarded fetcher alone) so the card-building share is visible. The server runs in a thread
of the same process, so it shares the CPU and its memory counts in the peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from hutong.config import CacheSection, PreviewSection  # noqa: E402
from hutong.net.fetcher import GuardedFetcher  # noqa: E402
from hutong.preview.images import ImageSigner  # noqa: E402
from hutong.preview.service import Previewer  # noqa: E402
from tests.conftest import conformance_dir  # noqa: E402
from tests.preview.pages import KINDS, page  # noqa: E402
from tests.support.localnet import LocalNet, Reply, Request  # noqa: E402

NOTE = (
    "The fetch-only rows bound what any card builder can reach here: TLS handshakes and the in-process "
    "server share the two cores, so figures move with the machine's load from run to run; peak RSS is "
    "the whole process, server included."
)
HOSTS = ("item.jd.com", "www.bilibili.com", "www.zhihu.com", "item.taobao.com", "news.example.cn")


def bodies(source: str) -> list[bytes]:
    if source == "real":
        base = conformance_dir() / "metascraper"
        cases = json.loads((base / "cases.json").read_text(encoding="utf-8"))["cases"]
        return [(base / c["html"]).read_bytes() for c in cases]
    return [page(k, f"页面 {k}").encode() for k in KINDS]


def handler(pages: list[bytes]) -> Any:
    def answer(req: Request) -> Reply:
        tail = req.path.rsplit("/", 1)[-1]
        if not tail.isdigit():  # e.g. an oEmbed endpoint a real page advertises
            return Reply(status=404, headers=(("Content-Type", "text/plain"),))
        i = int(tail)
        return Reply(body=pages[i % len(pages)], headers=(("Content-Type", "text/html; charset=utf-8"),))

    return answer


async def no_outside(host: str, port: int) -> list[str]:
    """Hosts outside the bench (oEmbed endpoints, image hosts in real pages) resolve to a refused
    address, so the bench never touches the internet."""
    return ["0.0.0.0"]


async def run(net: LocalNet, n: int, concurrency: int, *, cards: bool) -> tuple[float, int]:
    settings = dataclasses.replace(net.settings(*HOSTS), rate_limit_per_minute=1_000_000, total_timeout=60.0)
    sem = asyncio.Semaphore(concurrency)
    ok = 0
    async with GuardedFetcher(settings, CacheSection(max_entries=10), resolver=no_outside) as fetcher:
        previewer = Previewer(fetcher, None, PreviewSection(), ImageSigner(b"b" * 32))

        async def one(i: int) -> None:
            nonlocal ok
            url = f"https://{HOSTS[i % len(HOSTS)]}/p/{i}"
            async with sem:
                if cards:
                    card = await previewer.card_for(url)
                    ok += card.title is not None and card.description is not None
                else:
                    result = await fetcher.fetch(url)
                    ok += result.status == 200

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return time.perf_counter() - start, ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--source", default="real,small", help="comma-separated: real, small")
    ap.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    sources = [x.strip() for x in args.source.split(",") if x.strip()]
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = []
    with tempfile.TemporaryDirectory() as tmp, LocalNet.running(Path(tmp)) as net:
        for source, (label, cards) in [
            (src, run_kind)
            for src in sources
            for run_kind in (("fetch only (GuardedFetcher)", False), ("preview card (Previewer)", True))
        ]:
            pages = bodies(source)
            size = sum(len(p) for p in pages) / len(pages) / 1024
            for host in HOSTS:
                net.route(host, handler(pages))
            if args.tracemalloc:
                tracemalloc.start()
            secs, ok = asyncio.run(run(net, args.pages, args.concurrency, cards=cards))
            peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else float("nan")
            if args.tracemalloc:
                tracemalloc.stop()
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            rows.append((f"{source} ({size:.1f} kB) – {label}", args.pages / secs, ok, secs, rss, peak))
    lines = [
        "| run | pages/s | complete | seconds | peak RSS MiB | traced peak MiB |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {r[0]} | {r[1]:.0f} | {r[2]}/{args.pages} | {r[3]:.1f} | {r[4]:.0f} | "
            f"{'–' if math.isnan(r[5]) else f'{r[5]:.0f}'} |"
            for r in rows
        ),
    ]
    out = "\n".join(lines)
    print(out)
    print(f"(RSS before the servers started: {rss0 / 1024:.0f} MiB)")
    if args.write:
        sys.path.insert(0, str(ROOT / "bench"))
        from cards import machine, write_docs

        section = (
            f"`.venv/bin/python bench/preview.py --source {args.source} --pages {args.pages} --concurrency "
            f"{args.concurrency}{' --tracemalloc' if args.tracemalloc else ''} --write`: {args.pages} distinct "
            f"URLs over {len(HOSTS)} hosts, {args.concurrency}-way concurrency, HTTPS (trustme CA, one TLS "
            f"connection per page: the test server closes every connection) to a local server in the same "
            "process; `real` pages are the 91 metascraper pages, `small` the test templates. "
            f"Machine: {machine()}; {datetime.now(UTC):%Y-%m-%d}; shared with other "
            f"engineers' jobs while measuring. RSS before starting the servers: {rss0 / 1024:.0f} MiB.\n\n"
            + out
            + '\n\n"complete" counts cards with both a title and a description (fetch only: HTTP 200s). '
            + NOTE
        )
        write_docs(section, "Preview end to end (`bench/preview.py`)")


if __name__ == "__main__":
    main()
