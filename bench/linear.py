"""Time the hostile families of tests/security/test_linear_scans.py at 10 KB, 100 KB and 1 MB.

    .venv/bin/python bench/linear.py [--write] [--only NAME ...]

The test asserts only the ratios; this prints the times too (CPU time, best of three, each sample
repeated to at least 4 ms) and with ``--write`` records them in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.benchlib import load_note, machine, write_section  # noqa: E402
from tests.security.test_linear_scans import FAMILIES, FLOOR, SIZES, caps_lifted, cpu_time  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--only", nargs="+", default=None)
    ns = parser.parse_args()
    note = load_note()
    rows = []
    for name, (scan, make) in FAMILIES.items():
        if ns.only and name not in ns.only:
            continue
        with caps_lifted(name):
            times = [cpu_time(scan, make(size)) for size in SIZES]
        ratios = [b / max(a, FLOOR) for a, b in itertools.pairwise(times)]
        rows.append((name, times, ratios))
        print(f"{name:40s} " + "  ".join(f"{t * 1000:9.2f} ms" for t in times) + "   " + "  ".join(f"{r:5.1f}x" for r in ratios))
    if ns.write:
        when = datetime.now(UTC).strftime("%Y-%m-%d")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
