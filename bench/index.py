"""Threat index benchmark: load time, memory and lookup throughput for N feed entries.

Compares, in one run and on the same entries and query URLs:
  * hutong's index (hutong.safety: host filter + sorted 4-byte prefixes + mmap'd full hashes),
  * the same index hashing every expression (no host filter: the plain Safe Browsing procedure),
  * a plain Python set of 4-byte prefixes (hutong canonicalisation, every expression hashed),
  * gglsbl 1.4.15's SQLite store (its own URL canonicaliser and permutations, its lookup queries).

Usage: .venv/bin/python bench/index.py [--entries 1000000] [--queries 100000] [--write-docs]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from hutong.safety.canon import canonicalize, expressions  # noqa: E402
from hutong.safety.feeds import FeedStore  # noqa: E402
from hutong.safety.hashindex import ThreatIndex, prefix_of  # noqa: E402

WORDS = [
    "login",
    "secure",
    "account",
    "verify",
    "update",
    "pay",
    "bank",
    "mail",
    "cloud",
    "shop",
    "app",
    "id",
]
TLDS = ["com", "net", "org", "xyz", "top", "cn", "ru", "info", "site", "online"]


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def feed_lines(n: int, rng: random.Random) -> list[str]:
    """N realistic-looking phishing/malware URLs (70 %) and bare domains (30 %)."""
    out = []
    for i in range(n):
        host = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}{i}.{rng.choice(TLDS)}"
        if i % 10 < 7:
            sub = rng.choice(["", "www.", "m.", "secure.login."])
            out.append(f"http://{sub}{host}/{rng.choice(WORDS)}/{i % 977}/index.php?id={i}\n")
        else:
            out.append(f"{host}\n")
    return out


def query_urls(n: int, feed: list[str], rng: random.Random, hit_rate: float = 0.01) -> list[str]:
    out = []
    for i in range(n):
        if rng.random() < hit_rate:
            line = feed[rng.randrange(len(feed))].strip()
            out.append(line if "://" in line else f"https://www.{line}/any/page")
        else:
            out.append(
                f"https://www.site{i}.{rng.choice(TLDS)}/{rng.choice(WORDS)}/item{i}.html?ref={i % 13}"
            )
    return out


def measure_load(root: Path, kind: str) -> dict[str, float]:
    """Load time and resident-memory growth of one store, measured in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, __file__, "--measure-load", str(root), kind],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    load_s, mem_mb = (float(x) for x in out.split())
    return {"load_s": load_s, "mem_mb": mem_mb}


def _load_in_child(root: Path, kind: str) -> None:
    gc.collect()
    before = rss_mb()
    t0 = time.perf_counter()
    feeds = FeedStore(root).load_all()
    keep: object
    if kind == "hutong":
        keep = ThreatIndex([f.index for f in feeds], [f.host_keys for f in feeds])
    else:
        keep = set(feeds[0].index.prefixes)
    load = time.perf_counter() - t0
    gc.collect()
    print(f"{load:.4f} {rss_mb() - before:.2f}")
    del keep


REPEATS = (
    3  # throughput is the best of this many passes: the machine is shared, so the best is the least disturbed
)


def best_rate(check: Callable[[str], bool], urls: list[str], repeats: int = REPEATS) -> tuple[float, int]:
    """URLs per CPU-second of this process (best pass) and how many URLs ``check`` flagged.

    CPU time, not wall time: on a shared machine the wall clock also counts time spent waiting for a core,
    and the goal is stated per core. Wall-clock rates are printed to stderr for comparison.
    """
    best, hits = 0.0, 0
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        hits = sum(1 for url in urls if check(url))
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        best = max(best, len(urls) / max(cpu, 1e-9))
        print(
            f"  pass: {len(urls) / max(cpu, 1e-9):,.0f} URLs/CPU-s, {len(urls) / wall:,.0f} URLs/s wall",
            file=sys.stderr,
        )
    return best, hits


def bench_hutong(store: FeedStore, queries: list[str]) -> dict[str, float]:
    measured = measure_load(store.root, "hutong")
    feeds = store.load_all()
    index = ThreatIndex([f.index for f in feeds], [f.host_keys for f in feeds])
    rate, hits = best_rate(lambda url: bool(index.lookup(canonicalize(url))), queries)
    (only,) = index.indexes

    def every_expression(url: str) -> bool:
        # Same index, the plain Safe Browsing procedure: hash every expression, no host filter.
        found = False
        for e in expressions(canonicalize(url)):
            if only.find(sha256(e.encode("latin-1")).digest()):
                found = True
        return found

    full_rate, full_hits = best_rate(every_expression, queries)
    return {**measured, "rate": rate, "hits": hits, "full_rate": full_rate, "full_hits": full_hits}


def bench_set(store: FeedStore, queries: list[str]) -> dict[str, float]:
    measured = measure_load(store.root, "set")
    (feed,) = store.load_all()
    prefixes = set(feed.index.prefixes)

    def check(url: str) -> bool:
        return any(
            prefix_of(sha256(e.encode("latin-1")).digest()) in prefixes
            for e in expressions(canonicalize(url))
        )

    rate, hits = best_rate(check, queries)
    return {**measured, "rate": rate, "hits": hits}


def bench_gglsbl(store: FeedStore, queries: list[str], workdir: Path) -> dict[str, float] | None:
    try:
        from gglsbl.client import SafeBrowsingList  # type: ignore[import-untyped]
        from gglsbl.protocol import URL  # type: ignore[import-untyped]
        from gglsbl.storage import HashPrefixList, SqliteStorage, ThreatList  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - reported in the table
        print(f"gglsbl not importable: {exc}", file=sys.stderr)
        return None
    (feed,) = store.load_all()
    full = [feed.index.full_hash(i) for i in range(len(feed.index))]
    db = workdir / "gglsbl.sqlite"
    storage = SqliteStorage(str(db))
    tl = ThreatList("SOCIAL_ENGINEERING", "ANY_PLATFORM", "URL")
    t0 = time.perf_counter()
    storage.add_threat_list(tl)
    # A Safe Browsing list holds each prefix once (its primary key); a million hashes share ~100 prefixes.
    unique = sorted({h[:4] for h in full})
    storage.populate_hash_prefix_list(tl, HashPrefixList(4, b"".join(unique)))
    with storage.get_cursor() as dbc:  # full hashes as fullHashes.find would have cached them, valid 1 day
        dbc.executemany(
            "INSERT OR IGNORE INTO full_hash (value, threat_type, platform_type, threat_entry_type, "
            "malware_threat_type, downloaded_at, expires_at) VALUES (?, ?, ?, ?, '', current_timestamp, "
            "datetime(current_timestamp, '+86400 SECONDS'))",
            [(sqlite3.Binary(h), *tl.as_tuple()) for h in full],
        )
    storage.commit()
    build = time.perf_counter() - t0

    class _Client:  # SafeBrowsingList's lookup path without its Google API client
        def __init__(self, s: SqliteStorage) -> None:
            self.storage = s

        def _sync_full_hashes(self, prefixes: object) -> None:
            """fullHashes.find: every listed full hash is already stored, so a prefix-only match stays clean."""

    client = _Client(storage)
    lookup = SafeBrowsingList._lookup_hashes
    sample = queries[: max(1000, len(queries) // 5)]
    rate, hits = best_rate(lambda url: bool(lookup(client, URL(url).hashes)), sample, repeats=2)
    return {
        "build_s": build,
        "db_mb": db.stat().st_size / 2**20,
        "rate": rate,
        "hits": hits,
        "n": len(sample),
    }


def machine() -> str:
    out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    model = re.search(r"Model name:\s*(.+)", out)
    load = os.getloadavg()[0]
    return f"{model.group(1).strip() if model else platform.processor()}, {os.cpu_count()} cores, load {load:.1f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=100_000)
    ap.add_argument("--write-docs", action="store_true", help="write the table into docs/benchmarks.md")
    ap.add_argument("--measure-load", nargs=2, metavar=("DIR", "KIND"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure_load:
        _load_in_child(Path(args.measure_load[0]), args.measure_load[1])
        return 0
    rng = random.Random(4)
    lines = feed_lines(args.entries, rng)
    queries = query_urls(args.queries, lines, rng)
    with tempfile.TemporaryDirectory() as tmp:
        # One feed (domains written as their root URL, the same expression) keeps every peer on identical entries.
        both = FeedStore(Path(tmp) / "one")
        t0 = time.perf_counter()
        both.import_lines(
            "all", "urls", (ln if "://" in ln else f"http://{ln.strip()}/\n" for ln in lines), source="bench"
        )
        import_s = time.perf_counter() - t0
        size_mb = sum(p.stat().st_size for p in (Path(tmp) / "one").iterdir()) / 2**20
        del lines
        ours = bench_hutong(both, queries)
        print(f"hutong: {ours}", file=sys.stderr, flush=True)
        plain = bench_set(both, queries)
        print(f"set: {plain}", file=sys.stderr, flush=True)
        peer = bench_gglsbl(both, queries, Path(tmp))
    mach = machine()
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    rows = [
        (
            "hutong index (host filter + prefixes + full hash)",
            f"{ours['load_s']:.2f}",
            f"{ours['mem_mb']:.1f}",
            f"{ours['rate']:,.0f}",
            f"{ours['hits']:.0f}/{len(queries)}",
        ),
        (
            "hutong index, every expression hashed (plain SB)",
            "(same)",
            "(same)",
            f"{ours['full_rate']:,.0f}",
            f"{ours['full_hits']:.0f}/{len(queries)}",
        ),
        (
            "Python set of 4-byte prefixes (no confirmation)",
            f"{plain['load_s']:.2f}",
            f"{plain['mem_mb']:.1f}",
            f"{plain['rate']:,.0f}",
            f"{plain['hits']:.0f}/{len(queries)}",
        ),
    ]
    if peer:
        rows.append(
            (
                "gglsbl 1.4.15 SQLite store",
                f"build {peer['build_s']:.1f}",
                f"disk {peer['db_mb']:.0f}",
                f"{peer['rate']:,.0f}",
                f"{peer['hits']:.0f}/{peer['n']:.0f}",
            )
        )
    header = ("store", "load (s)", "memory (MB)", "URLs per CPU-second (1 core)", "hits")
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(r) + " |" for r in rows]
    text = "\n".join(table)
    notes = (
        f"{args.entries:,} entries (70 % URLs, 30 % domains; 1 % of {len(queries):,} query URLs are listed). "
        f"Import (parse, canonicalise, hash, sort, write): {import_s:.1f} s, {size_mb:.0f} MB on disk. Machine: {mach}; "
        f"{date}; Python {platform.python_version()}. Command: `.venv/bin/python bench/index.py --write-docs`. "
        "Throughput (best of 3 passes; gglsbl 2, on a fifth of the URLs) includes canonicalisation and SHA-256; "
        "load and memory are measured in a fresh interpreter (resident-set growth). The machine is shared with other builds, so "
        "figures are lower bounds."
    )
    print(text)
    print(notes)
    if args.write_docs:
        write_docs(text, notes)
    return 0


READING = """How to read it:
- *hutong index* is what the `feeds` rule runs: a bitmap of entry-host CRCs skips the SHA-256 work for
  URLs on hosts no feed mentions; the rest hash every expression and confirm on the full hash. Memory is
  the prefixes and host keys (4 + 4 bytes an entry) plus the bitmap (8 MB a million hosts); full hashes and
  evidence stay in the memory-mapped file until hit.
- *every expression hashed* is the same index without the bitmap: the Safe Browsing procedure as
  written (up to 30 SHA-256 per URL). The difference is the bitmap's.
- The *Python set* counts more hits: a million 4-byte prefixes fill 1/4300 of the prefix space, so
  about 190 unlisted URLs have an expression whose prefix matches some entry; only a full hash tells.
- *gglsbl* runs its own canonicaliser and `SafeBrowsingList._lookup_hashes` over its `SqliteStorage`
  (schema 1.1) with every full hash pre-stored as `fullHashes.find` would have cached it; the API call
  is replaced by a no-op. Its store takes a build step and disk space instead of a load.
- Import is a one-off per feed update (parse, canonicalise, check the public-suffix list, hash, sort,
  write) and was measured on the loaded machine."""


def write_docs(table: str, notes: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    doc = path.read_text(encoding="utf-8")
    head = "## Threat index (`bench/index.py`)"
    start = doc.index(head) + len(head)
    nxt = doc.find("\n## ", start)
    end = nxt if nxt != -1 else len(doc)
    body = (
        "\n\nGoals: load < 3 s and < 150 MB for 1 million entries; ≥ 100,000 URLs/s on one core.\n\n"
        f"{table}\n\n{notes}\n\n{READING}\n"
    )
    path.write_text(doc[:start] + body + doc[end:], encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
