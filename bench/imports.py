"""Benchmark: what ``import hutong`` and the other entry points cost a fresh interpreter.

Each statement runs in its own new interpreter ``--runs`` times; the child times only the
statement (not interpreter start-up) and counts the modules it added to ``sys.modules``.
Bytecode is compiled once first (into a temporary ``PYTHONPYCACHEPREFIX``), as an installed
package would have it. ``--src`` measures another checkout's ``src`` (e.g. main, for a before/after); a statement
that fails there (a module that does not exist yet) is reported as such.

    .venv/bin/python bench/imports.py [--runs N] [--src PATH] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from bench.benchlib import load_note, machine, write_section  # noqa: E402

HEAD = "## Import time (`bench/imports.py`)"
STATEMENTS = (
    "import hutong",
    "import hutong.service",
    "import hutong.web.gateway",  # where the gateway lived before hutong.service
    "import hutong.pipeline",
    "import hutong.web.app",
    "import hutong; hutong.check('https://example.com/')",
)
CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
before = len(sys.modules)
start = time.perf_counter()
exec(sys.argv[1])
seconds = time.perf_counter() - start
web = sorted(m for m in ("fastapi", "starlette") if m in sys.modules)
print(json.dumps({"ms": seconds * 1000, "modules": len(sys.modules) - before, "web": web}))
"""


@dataclass(frozen=True)
class Cost:
    median: float  # ms
    best: float  # ms
    modules: int  # added to sys.modules
    web: str  # the web frameworks it loaded, or "no"


def _once(statement: str, src: Path, env: dict[str, str]) -> dict[str, Any] | None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, statement, str(src)], capture_output=True, text=True, check=False, env=env
    )
    if done.returncode != 0:
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(statement: str, srcs: list[Path], runs: int) -> list[Cost | None]:
    """What ``statement`` costs with each of ``srcs`` over ``runs`` fresh interpreters (None: it fails there).

    The sources take turns run by run, so a change in the machine's load falls on all of them alike.
    """
    times: list[list[float]] = [[] for _ in srcs]
    last: list[dict[str, Any] | None] = [None for _ in srcs]
    with tempfile.TemporaryDirectory(prefix="hutong-pyc-") as pyc:
        # bytecode cached as an installed package has it, but outside the checkouts measured
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pyc
        works = [_once(statement, src, env) is not None for src in srcs]  # also compiles the bytecode
        for _ in range(runs):
            for i, src in enumerate(srcs):
                if works[i]:
                    last[i] = got = _once(statement, src, env)
                    if got is not None:
                        times[i].append(float(got["ms"]))
    return [
        Cost(statistics.median(t), min(t), int(r["modules"]), ", ".join(r["web"]) or "no")
        if r is not None and t
        else None
        for t, r in zip(times, last, strict=True)
    ]


def cell(cost: Cost | None) -> str:
    return (
        "fails (not there)"
        if cost is None
        else f"{cost.median:.1f} / {cost.best:.1f} ({cost.modules}; web: {cost.web})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the src directory to import hutong from")
    parser.add_argument("--before", type=Path, help="another checkout's src, measured in the same run for comparison")
    parser.add_argument("--write", action="store_true", help="replace the section in docs/benchmarks.md")
    args = parser.parse_args()
    note = load_note()
    srcs = [args.src.resolve()] + ([args.before.resolve()] if args.before else [])
    rows = []
    for statement in STATEMENTS:
        costs = measure(statement, srcs, args.runs)
        rows.append(f"| `{statement}` | " + " | ".join(cell(c) for c in costs) + " |")
        print(statement + ": " + " | ".join(cell(c) for c in costs))
    if args.write:
        heads = ["this checkout"] + ([f"before (`--before {args.before}`)"] if args.before else [])
        before = f" --before {args.before}" if args.before else ""
        body = (
            f"{HEAD}\n\nMeasured {dt.date.today().isoformat()} on {machine()}; {note}. Command: "
            f"`.venv/bin/python bench/imports.py --runs {args.runs}{before} --write`. Each statement in "
            f"{args.runs} fresh interpreters (bytecode compiled beforehand); each cell is the median / best "
            "milliseconds of the statement alone (interpreter start-up excluded), the modules it added, and "
            "the web frameworks it loaded.\n\n"
            "| statement | " + " | ".join(heads) + " |\n|---|" + "---|" * len(heads) + "\n" + "\n".join(rows) + "\n\n"
            "`import hutong` loads only the package's own `__init__` (and `__future__`): every documented name is "
            "imported on first use (PEP 562). The first `check` loads the engine (platforms, rules, feeds); later "
            "calls reuse it. The service core loads no web framework; before, its gateway "
            "(`hutong.web.gateway`) imported Starlette. On a shared machine compare the best figures: the medians "
            "carry the load.\n"
        )
        write_section(HEAD, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
