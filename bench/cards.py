"""Card extraction throughput and accuracy on the metascraper pages: hutong vs extruct vs metadata_parser,
against a floor measured in the same run.

    .venv/bin/python bench/cards.py [--rounds N] [--repeat N] [--write]

Every library gets the same decoded pages in the same run; accuracy is title/image/url against
metascraper's expected values, compared after the normalisation in ``same()`` (whitespace,
typographic quotes, a trailing slash). Times are CPU time (``time.process_time``), so other jobs
on a shared machine slow the figures less than wall time would; rounds are interleaved.

The floor is what no card extractor built on Lexbor can beat: find ``</head>``, parse the head
alone with selectolax's ``LexborHTMLParser`` and collect every ``<meta>`` tag's attributes.
Goals (issue 15): hutong ≥ 4× extruct and ≥ 0.3 of the floor, with today's accuracy.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from selectolax.lexbor import LexborHTMLParser  # noqa: E402

from hutong.config import PreviewSection  # noqa: E402
from hutong.preview.card import build_card  # noqa: E402
from hutong.preview.extract import extract  # noqa: E402
from tests.conftest import conformance_dir  # noqa: E402

Fields = dict[str, str | None]
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
WIDE = PreviewSection(max_title=10_000, max_description=10_000)


def norm(value: str | None) -> str | None:
    if value is None:
        return None
    return " ".join(value.split()).translate(_QUOTES).rstrip("/") or None


def same(got: str | None, want: str | None) -> bool:
    return norm(got) == norm(want)


def load_pages() -> list[tuple[str, str, dict[str, Any]]]:
    base = conformance_dir() / "metascraper"
    cases = json.loads((base / "cases.json").read_text(encoding="utf-8"))["cases"]
    return [(c["url"], (base / c["html"]).read_bytes().decode("utf-8", errors="replace"), c["expected"]) for c in cases]


def run_hutong(url: str, html: str) -> Fields:
    card = build_card(extract(html, url), url=url, settings=WIDE)
    return {"title": card.title, "image": card.image, "url": card.url}


def _first(items: list[dict[str, Any]], *keys: str) -> str | None:
    for item in items:
        for key in keys:
            v = item.get(key)
            if isinstance(v, list):
                v = v[0] if v else None
            if isinstance(v, dict):
                v = v.get("url") or v.get("@id")
            if isinstance(v, str) and v.strip():
                return v.strip()
    return None


_HEAD_CLOSE = re.compile(r"</head\s*>", re.I)
GOAL_EXTRUCT = 4.0
GOAL_FLOOR = 0.3


def run_floor(url: str, html: str) -> Fields:
    """The floor: the head alone parsed by Lexbor, every meta tag's attributes collected."""
    m = _HEAD_CLOSE.search(html)
    tree = LexborHTMLParser(html[: m.end()] if m else html)
    metas = [node.attributes for node in tree.css("meta")]
    title = next((a.get("content") for a in metas if a.get("property") == "og:title"), None)
    return {"title": title, "image": None, "url": url}


def run_extruct(url: str, html: str) -> Fields:
    import extruct  # type: ignore[import-untyped]

    data = extruct.extract(
        html,
        base_url=url,
        syntaxes=["opengraph", "json-ld", "microdata", "dublincore"],
        uniform=True,
        errors="ignore",
    )
    og = data.get("opengraph", [])
    ld = data.get("json-ld", []) + data.get("microdata", [])
    dc = data.get("dublincore", [])
    dc_title = None
    for d in dc:
        for el in d.get("elements", []):
            if el.get("name") == "title":
                dc_title = el.get("content")
    return {
        "title": _first(og, "og:title") or _first(ld, "headline", "name") or dc_title,
        "image": _first(og, "og:image") or _first(ld, "image", "thumbnailUrl"),
        "url": _first(og, "og:url") or _first(ld, "url", "mainEntityOfPage") or url,
    }


def run_metadata_parser(url: str, html: str) -> Fields:
    import metadata_parser

    page = metadata_parser.MetadataParser(url=url, html=html, search_head_only=False)
    titles = page.parsed_result.get_metadatas("title", strategy=["og", "dc", "meta", "page"]) or {}
    title = next((v[0] for v in titles.values() if v), None) if isinstance(titles, dict) else None
    return {"title": title, "image": page.get_metadata_link("image"), "url": page.get_discrete_url()}


PEERS: dict[str, Callable[[str, str], Fields]] = {
    "floor (Lexbor head + metas)": run_floor,
    "hutong": run_hutong,
    "extruct": run_extruct,
    "metadata_parser": run_metadata_parser,
}


def accuracy(fn: Callable[[str, str], Fields], pages: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    results = [fn(u, h) for u, h, _ in pages]  # also the warm-up
    return {
        f: sum(same(r[f], e.get(f)) for r, (_, _, e) in zip(results, pages, strict=True)) / len(pages)
        for f in ("title", "image", "url")
    }


def measure(
    peers: dict[str, Callable[[str, str], Fields]], pages: list[tuple[str, str, dict[str, Any]]], rounds: int
) -> dict[str, dict[str, Any]]:
    """Best-of-``rounds`` pages/s per library in CPU time, rounds interleaved so that load on a
    shared machine hits every library alike."""
    rows = {name: accuracy(fn, pages) for name, fn in peers.items()}
    best = dict.fromkeys(peers, float("inf"))
    for _ in range(rounds):
        for name, fn in peers.items():
            gc.collect()
            t0 = time.process_time()
            for u, h, _ in pages:
                fn(u, h)
            best[name] = min(best[name], time.process_time() - t0)
    for name in peers:
        rows[name]["pages_s"] = len(pages) / best[name]
    return rows


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Model name")), model)
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


FLOOR = next(iter(PEERS))


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def table(rows: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| library | pages/s (CPU) | × extruct | × floor | title | image | url |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    ref, floor = rows["extruct"]["pages_s"], rows[FLOOR]["pages_s"]
    for name, r in rows.items():
        scored = name != FLOOR
        lines.append(
            f"| {name} | {r['pages_s']:.0f} | {r['pages_s'] / ref:.2f} | {r['pages_s'] / floor:.2f} | "
            + (f"{r['title']:.1%} | {r['image']:.1%} | {r['url']:.1%} |" if scored else "– | – | – |")
        )
    return "\n".join(lines)


def ratios(rows: dict[str, dict[str, Any]]) -> tuple[float, float]:
    """(hutong / extruct, hutong / floor)."""
    h = rows["hutong"]["pages_s"]
    return h / rows["extruct"]["pages_s"], h / rows[FLOOR]["pages_s"]


def goals(runs: list[dict[str, dict[str, Any]]]) -> str:
    """Whether the median run meets the goals, and the spread over the repeats."""
    pairs = [ratios(r) for r in runs]
    ext = sorted(p[0] for p in pairs)
    flo = sorted(p[1] for p in pairs)
    mid_e, mid_f = ext[len(ext) // 2], flo[len(flo) // 2]
    verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    return (
        f"Over {len(runs)} repeats: hutong/extruct {ext[0]:.2f}× to {ext[-1]:.2f}× (median {mid_e:.2f}×, goal ≥ "
        f"{GOAL_EXTRUCT:.0f}×: {verdict(mid_e >= GOAL_EXTRUCT)}); hutong/floor {flo[0]:.2f} to {flo[-1]:.2f} "
        f"(median {mid_f:.2f}, goal ≥ {GOAL_FLOOR}: {verdict(mid_f >= GOAL_FLOOR)})."
    )


def write_docs(section: str, heading: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"(^## {re.escape(heading)}\n)(.*?)(?=^## |\Z)", re.M | re.S)
    if not pattern.search(text):
        raise SystemExit(f"heading {heading!r} not found in {path}")
    path.write_text(
        pattern.sub(lambda m: m.group(1) + "\n" + section.strip() + "\n\n", text, count=1), encoding="utf-8"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3, help="independent measurements; the table is the median one")
    ap.add_argument("--write", action="store_true", help="write the figures into docs/benchmarks.md")
    args = ap.parse_args()
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    pages = load_pages()
    before = load()
    started = datetime.now(UTC)
    runs = sorted((measure(PEERS, pages, args.rounds) for _ in range(args.repeat)), key=lambda r: ratios(r)[0])
    rows = runs[len(runs) // 2]
    when = f"{started:%Y-%m-%d %H:%M} UTC"
    context = f"machine: {machine()}; load average {before} before, {load()} after; {when}"
    out = table(rows)
    summary = goals(runs)
    print(context)
    print(out)
    print(summary)
    if args.write:
        size = sum(len(h) for _, h, _ in pages) / len(pages) / 1024
        section = (
            f"`.venv/bin/python bench/cards.py --write` on {len(pages)} metascraper pages (mean {size:.0f} kB "
            f"of HTML), best of {args.rounds} interleaved rounds after a warm-up, in CPU time, {args.repeat} "
            f"repeats (the median one shown); {context}. The floor, measured in the same rounds: `</head>` "
            "found, the head alone parsed by selectolax's `LexborHTMLParser`, every `<meta>` tag's attributes "
            "collected; nothing a Lexbor-based card extractor does can be cheaper. Goals (issue 15): "
            f"≥ {GOAL_EXTRUCT:.0f}× extruct and ≥ {GOAL_FLOOR} of the floor with today's accuracy.\n\n"
            + out
            + "\n\n"
            + summary
            + "\n\nAccuracy: field equal to metascraper's expected value "
            "after collapsing whitespace, straightening typographic quotes and dropping a trailing slash. "
            "Peers are given their best mapping: extruct (`opengraph`, `json-ld`, `microdata`, `dublincore`; "
            "og:title, then headline/name), metadata_parser (strategy og, dc, meta, page)."
        )
        write_docs(section, "Card extraction (`bench/cards.py`)")


if __name__ == "__main__":
    main()
