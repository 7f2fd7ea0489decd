"""Time the hostile families of tests/security/test_linear_scans.py at 10 KB, 100 KB and 1 MB, and the link finder.

    .venv/bin/python bench/linear.py [--write] [--only NAME ...] [--finder-only]

The test asserts only the ratios; this prints the times too (CPU time, best of three, each sample
repeated to at least 4 ms) and with ``--write`` records them in docs/benchmarks.md.

The link finder gets its own rows (``FINDER_FAMILIES``): hostile chat messages of 10 KB, 100 KB and
1 MB through ``Finder.find`` with its caps lifted (and two with the default caps), and the token scan of issue 14, a message with one
淘宝 cue and N = 1,000 and 8,000 links each followed by a ￥token￥, whose time ratio is checked against
linear (8x for 8x the links; a scan of every span per token is 64x). The script exits 1 if a ratio is
over its bound.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.benchlib import load_note, machine, write_section  # noqa: E402
from hutong.core.find import Finder  # noqa: E402
from tests.security.test_linear_scans import BOUND, FAMILIES, FLOOR, SIZES, caps_lifted, cpu_time, rep  # noqa: E402

# the finder with no cap on links or link length, so that a whole 1 MB message is scanned
FINDER = Finder(max_links=1 << 30, max_link_chars=1 << 30)
CAPPED = Finder()
FINDER_FAMILIES: dict[str, tuple[Callable[[str], object], Callable[[int], str]]] = {
    "find: many (": (FINDER.find, lambda n: "(http://a.example/" + "(" * n),
    "find: enclosed links back to back": (FINDER.find, lambda n: rep("(http://a.example/x)", n)),
    "find: markdown links": (FINDER.find, lambda n: rep("[http://a.example/x](http://b.example/y)", n)),
    "find: comma-separated links": (FINDER.find, lambda n: "http://a.example/" + rep(",https://b.example/x", n)),
    "find: many .": (FINDER.find, lambda n: "x.com/" + "." * n),
    "find: many @ after a scheme": (FINDER.find, lambda n: "http://" + rep("a@", n)),
    "find: many 1. prefixes": (FINDER.find, lambda n: rep("1.https://a.cn/x ", n)),
    "find: bare 1. runs": (FINDER.find, lambda n: rep("1.", n)),
    "find: hyphens after a host": (FINDER.find, lambda n: rep("a.com- ", n)),
    "find: CJK path segments": (FINDER.find, lambda n: rep("https://a.example/文档/", n)),
    "find: quoted bare domains": (FINDER.find, lambda n: rep('"a.com/x', n)),
    # with the default caps: a candidate longer than max_link_chars is skipped whole, never rescanned
    "find: bare domains in unclosed ( (capped)": (CAPPED.find, lambda n: rep("(a.com/", n)),
    "find: links in unclosed ( (capped)": (CAPPED.find, lambda n: rep("(http://a.com/", n)),
}
TOKEN_LINKS = (1_000, 8_000)
TOKEN_BOUND = 16.0  # linear is 8x; checking every span per token is 64x
TOKEN_BEFORE = (
    "Before the merge pass (commit 0db41fc, same machine, 2026-12-06, load average ~9): 56.3 ms and 3,163 ms, "
    "56x for 8x the links. `tests/find/test_token_scan.py` counts the span reads instead of timing them."
)


def token_flood(n: int) -> str:
    """One 淘宝 cue, then ``n`` links each followed by a ￥token￥ (a distinct mixed-case token each)."""
    return "淘宝 " + "".join(f"https://m.tb.cn/h.{i:07d} ￥aB{i:08d}z￥ " for i in range(n))


def finder_rows(only: list[str] | None) -> tuple[list[tuple[str, list[float], list[float]]], list[float], bool]:
    """(hostile-family rows, token-scan times, all ratios within bounds)."""
    rows = []
    ok = True
    for name, (scan, make) in FINDER_FAMILIES.items():
        if only and name not in only:
            continue
        times = [cpu_time(scan, make(size)) for size in SIZES]
        ratios = [b / max(a, FLOOR) for a, b in itertools.pairwise(times)]
        ok = ok and max(ratios) < BOUND
        rows.append((name, times, ratios))
        print(f"{name:40s} " + "  ".join(f"{t * 1000:9.2f} ms" for t in times) + "   " + "  ".join(f"{r:5.1f}x" for r in ratios))
    tokens = [cpu_time(FINDER.find, token_flood(n)) for n in TOKEN_LINKS]
    ratio = tokens[1] / max(tokens[0], FLOOR)
    ok = ok and ratio < TOKEN_BOUND
    print(f"{'find: token scan, N links + ￥token￥':40s} " + "  ".join(f"{t * 1000:9.2f} ms" for t in tokens) + f"   {ratio:5.1f}x (N = 1k -> 8k; linear 8x)")
    return rows, tokens, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--only", nargs="+", default=None)
    parser.add_argument("--finder-only", action="store_true", help="only the link finder's rows")
    ns = parser.parse_args()
    note = load_note()
    rows = []
    for name, (scan, make) in FAMILIES.items():
        if ns.finder_only or (ns.only and name not in ns.only):
            continue
        with caps_lifted(name):
            times = [cpu_time(scan, make(size)) for size in SIZES]
        ratios = [b / max(a, FLOOR) for a, b in itertools.pairwise(times)]
        rows.append((name, times, ratios))
        print(f"{name:40s} " + "  ".join(f"{t * 1000:9.2f} ms" for t in times) + "   " + "  ".join(f"{r:5.1f}x" for r in ratios))
    found_rows, tokens, finder_ok = finder_rows(ns.only)
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    if ns.write:
        ratio = tokens[1] / max(tokens[0], FLOOR)
        finder_lines = [
            "## Linearity of the link finder (bench/linear.py)",
            "",
            f"{when}; {machine()}; {note}. CPU time of `Finder.find` (caps on links and link length lifted), best",
            f"of three; ratios against a floor of {FLOOR * 1000:g} ms, bound {BOUND:g}x per 10x of input.",
            "",
            "| family | 10 KB | 100 KB | 1 MB | 10→100 KB | 100 KB→1 MB |",
            "| --- | --- | --- | --- | --- | --- |",
            *(
                f"| {n} | " + " | ".join(f"{t * 1000:.2f} ms" for t in ts) + " | " + " | ".join(f"{r:.1f}x" for r in rs) + " |"
                for n, ts, rs in found_rows
            ),
            "",
            "Token scan (issue 14): one 淘宝 cue, then N links each followed by a ￥token￥.",
            "",
            "| N = 1,000 | N = 8,000 | ratio (linear: 8x; bound " + f"{TOKEN_BOUND:g}x) |",
            "| --- | --- | --- |",
            f"| {tokens[0] * 1000:.1f} ms | {tokens[1] * 1000:.1f} ms | {ratio:.1f}x |",
            "",
            TOKEN_BEFORE,
            "",
        ]
        write_section(finder_lines[0], "\n".join(finder_lines))
    if ns.write and not ns.finder_only:
        lines = [
            "## Linearity of the scans of fetched content (bench/linear.py)",
            "",
            f"{when}; {machine()}; {note}. CPU time per scan, best of three; ratios against a floor of",
            f"{FLOOR * 1000:g} ms (tests/security/test_linear_scans.py asserts each is under 25x).",
            "",
            "| family | 10 KB | 100 KB | 1 MB | 10→100 KB | 100 KB→1 MB |",
            "| --- | --- | --- | --- | --- | --- |",
            *(
                f"| {n} | " + " | ".join(f"{t * 1000:.2f} ms" for t in ts) + " | " + " | ".join(f"{r:.1f}x" for r in rs) + " |"
                for n, ts, rs in rows
            ),
            "",
        ]
        write_section(lines[0], "\n".join(lines))
    return 0 if finder_ok else 1


if __name__ == "__main__":
    sys.exit(main())
