"""Image proxy memory benchmark: the server's peak RSS while concurrent ``/img/`` requests decode image bombs.

Runs the real `hutong serve` (1 worker) in a subprocess against a local origin on 127.0.0.1 that
serves the images below, resets the server's peak RSS (``/proc/<pid>/clear_refs``), sends N
concurrent requests for distinct URLs of one kind (so neither cache nor single-flight can share a
decode), and reads ``VmHWM`` and ``VmRSS`` from ``/proc/<pid>/status``.

    .venv/bin/python bench/images.py                                # this checkout
    .venv/bin/python bench/images.py --before-src /work/main/src    # and another tree, side by side
    git archive e3f121f src | tar -x -C /tmp/before                 # e.g. the code before the bound
    .venv/bin/python bench/images.py --before-src /tmp/before/src --before-label '`e3f121f`'
    .venv/bin/python bench/images.py --write      # record the figures in docs/benchmarks.md

Kinds: the reported bomb (a 5600x5600 RGB PNG of ~100 kB, under the 32 Mpx pixel cap), a
5600x5600 RGBA WebP, a progressive 5600x5600 JPEG, and the largest image the default budget still
accepts (a 3300x3300 RGB PNG, reckoned at 63 MiB), so that the bound is measured with real
decodes, not only with refusals. Each burst runs against a fresh server.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.server
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.benchlib import load_note, machine, write_section  # noqa: E402
from hutong.preview.images import ImageSigner  # noqa: E402

HEADING = "## Image proxy memory (`bench/images.py`)"


def _encode(im: Image.Image, fmt: str, **save: Any) -> bytes:
    out = io.BytesIO()
    im.save(out, format=fmt, **save)
    return out.getvalue()


KINDS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "bomb.png": ("PNG 5600x5600 RGB (the report)", lambda: _encode(Image.new("RGB", (5600, 5600), "red"), "PNG")),
    "bomb.webp": (
        "WebP 5600x5600 RGBA",
        lambda: _encode(Image.new("RGBA", (5600, 5600), (200, 0, 0, 128)), "WEBP", lossless=True),
    ),
    "bomb.jpg": (
        "JPEG 5600x5600 progressive",
        lambda: _encode(Image.new("RGB", (5600, 5600), "red"), "JPEG", progressive=True),
    ),
    "small.png": ("PNG 64x64 (warm-up)", lambda: _encode(Image.new("RGB", (64, 64), "red"), "PNG")),
    "largest.png": (
        "PNG 3300x3300 RGB (accepted, 63 MiB reckoned)",
        lambda: _encode(Image.new("RGB", (3300, 3300), "red"), "PNG"),
    ),
}


class _Origin(http.server.BaseHTTPRequestHandler):
    bodies: dict[str, bytes] = {}  # noqa: RUF012 - filled once before serving

    def do_GET(self) -> None:
        name = self.path.split("?", 1)[0].lstrip("/")
        body = self.bodies.get(name)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("content-type", "image/" + name.rsplit(".", 1)[1].replace("jpg", "jpeg"))
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def tree(pid: int) -> list[int]:
    """``pid`` and every process below it (the image decodes run in worker processes under the server)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").iterdir():
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` in KiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


class Server:
    """`hutong serve` from ``src`` on a free port, allowed to fetch from the local origin."""

    def __init__(self, src: Path, origin_port: int, data_dir: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = data_dir / "hutong.toml"
        config.write_text(
            "[network]\n"
            f"allowed_ports = [80, 443, {origin_port}]\n"
            # allow_networks applies only to hosts a connect_to rule names: name the origin itself
            f'connect_to = ["127.0.0.1:{origin_port}:127.0.0.1:{origin_port}"]\n'
            'allow_networks = ["127.0.0.0/8"]\n'
            "rate_limit_per_minute = 100000\n",
            encoding="utf-8",
        )
        env = {**os.environ, "PYTHONPATH": str(src), "HUTONG_DATA_DIR": str(data_dir), "HUTONG_CONFIG": str(config)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from hutong.cli import main; sys.exit(main(sys.argv[1:]))",
             "serve", "--port", str(self.port), "--workers", "1"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            self.stop()
            raise SystemExit("the server did not become ready within 60 s")
        key = bytes.fromhex(json.loads((data_dir / "image-signing.key").read_text())["secret"])
        self.signer = ImageSigner(key)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def _burst(server: Server, urls: list[str]) -> list[int]:
    limits = httpx.Limits(max_connections=len(urls), max_keepalive_connections=len(urls))
    async with httpx.AsyncClient(base_url=server.base, limits=limits, timeout=300) as client:
        answers = await asyncio.gather(*(client.get(server.signer.path(u)) for u in urls))
    return [r.status_code for r in answers]


def measure(server: Server, origin: str, kind: str, n: int, tag: str) -> dict[str, Any]:
    """Peak and final RSS growth (MiB) of the server over one burst of ``n`` requests for ``kind``."""
    for pid in tree(server.proc.pid):
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = {pid: proc_status(pid) for pid in tree(server.proc.pid)}
    start = time.perf_counter()
    codes = asyncio.run(_burst(server, [f"{origin}/{kind}?{tag}-{i}" for i in range(n)]))
    seconds = time.perf_counter() - start
    after = {pid: proc_status(pid) for pid in tree(server.proc.pid)}

    def grown(field: str) -> float:  # summed over the server's process tree; a new process grew from 0
        return sum(m[field] - before.get(pid, {"VmRSS": 0})["VmRSS"] for pid, m in after.items()) / 1024

    return {
        "kind": kind,
        "n": n,
        "base": sum(m["VmRSS"] for m in before.values()) / 1024,
        "peak": grown("VmHWM"),
        "kept": grown("VmRSS"),
        "seconds": seconds,
        "codes": {c: codes.count(c) for c in sorted(set(codes))},
    }


def run_tree(src: Path, origin: str, origin_port: int, runs: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """Every (kind, n) burst against a fresh server started from ``src`` (memory a burst leaves
    behind in malloc's arenas would otherwise hide part of the next one's growth)."""
    results = []
    for i, (kind, n) in enumerate(runs):
        with tempfile.TemporaryDirectory(prefix="hutong-bench-img-") as tmp:
            server = Server(src, origin_port, Path(tmp))
            try:
                asyncio.run(_burst(server, [f"{origin}/small.png?warm"]))  # imports Pillow, opens the fetcher
                results.append(measure(server, origin, kind, n, f"r{i}"))
            finally:
                server.stop()
        r = results[-1]
        print(
            f"  {kind:12} x{n:<3} base {r['base']:6.0f} MiB  peak +{r['peak']:6.0f} MiB  "
            f"kept +{r['kept']:6.0f} MiB  {r['seconds']:5.1f} s  {r['codes']}",
            flush=True,
        )
    return results


def _tree_name(src: Path) -> str:
    done = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return f"`{done.stdout.strip()}`" if done.returncode == 0 else str(src)


def _codes(codes: dict[int, int]) -> str:
    return ", ".join(f"{n}× {c}" for c, n in codes.items())


# The code before the memory bound (commit e3f121f, the same machine, 2026-12-04, load average 2.89),
# measured with `--before-src`; kept here so that a run without it still records them.
RECORDED_BEFORE = """\
| `e3f121f` (before) | PNG 5600x5600 RGB (the report) | 6 | 2202 | 18 | 3.9 | 6× 200 |
| `e3f121f` (before) | PNG 5600x5600 RGB (the report) | 32 | 1900 | 575 | 20.2 | 32× 200 |
| `e3f121f` (before) | WebP 5600x5600 RGBA | 32 | 4148 | 1697 | 40.5 | 32× 200 |
| `e3f121f` (before) | JPEG 5600x5600 progressive | 32 | 1781 | 706 | 11.9 | 32× 200 |
| `e3f121f` (before) | PNG 3300x3300 RGB (accepted, 63 MiB reckoned) | 32 | 822 | 650 | 12.4 | 32× 200 |
"""


def render(trees: list[tuple[str, list[dict[str, Any]]]], header: str) -> str:
    lines = [
        HEADING,
        "",
        header,
        "Command: `.venv/bin/python bench/images.py --write`, with `--before-src` pointing at an export of"
        " the code before the bound (`git archive e3f121f src`) for the before rows.",
        "",
        "Peak = the server's `VmHWM` after the burst minus its `VmRSS` before it (the peak was reset"
        " with `clear_refs`), summed over the server and every process under it (image decodes run in"
        " CPU-budgeted worker processes: the ~25 MiB the refused bombs show is those workers starting"
        " during the first burst); kept = `VmRSS`"
        " after minus before. One worker, default settings"
        " (`preview.image_decode_concurrency` 2, `preview.image_max_decode_bytes` 64 MiB). Before, the"
        " bombs were decoded whole on the default thread pool (6 threads on 2 cores, up to 32 on larger"
        " machines); after, they are refused from their headers, and the largest accepted image shows"
        " the bound: 2 decodes of at most 64 MiB at a time (worst case per worker, see"
        " [previews.md](previews.md#memory)). The before figures vary by a third between runs, with how"
        " the decodes happen to overlap.",
        "",
        "| tree | image | concurrent | peak growth MiB | kept MiB | seconds | answers |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    if not any(name.endswith("(before)") for name, _ in trees):
        lines.append(RECORDED_BEFORE.rstrip("\n"))
    for name, results in trees:
        for r in results:
            label = KINDS[r["kind"]][0]
            lines.append(
                f"| {name} | {label} | {r['n']} | {r['peak']:.0f} | {r['kept']:.0f} | {r['seconds']:.1f} | "
                f"{_codes(r['codes'])} |"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before-src", type=Path, help="another source tree (e.g. main's src) to measure first")
    parser.add_argument("--before-label", help="its name in the table (default: its git commit, else its path)")
    parser.add_argument("--write", action="store_true", help="record the figures in docs/benchmarks.md")
    args = parser.parse_args()

    header = f"{machine()}; {load_note()}; {dt.date.today().isoformat()}."
    print(header)
    _Origin.bodies = {name: make() for name, (_label, make) in KINDS.items()}
    for name, body in _Origin.bodies.items():
        print(f"  {name}: {len(body) / 1024:.0f} kB")
    origin_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Origin)
    threading.Thread(target=origin_server.serve_forever, daemon=True).start()
    origin_port = origin_server.server_address[1]
    origin = f"http://127.0.0.1:{origin_port}"
    runs = [("bomb.png", 6), ("bomb.png", 32), ("bomb.webp", 32), ("bomb.jpg", 32), ("largest.png", 32)]
    trees = []
    try:
        for src in [args.before_src, ROOT / "src"]:
            if src is None:
                continue
            label = args.before_label if src == args.before_src and args.before_label else _tree_name(src)
            name = label + (" (before)" if src == args.before_src else " (after)")
            print(name)
            trees.append((name, run_tree(src.resolve(), origin, origin_port, runs)))
    finally:
        origin_server.shutdown()
        origin_server.server_close()
    if args.write:
        write_section(HEADING, render(trees, header))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
