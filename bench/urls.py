"""Benchmark: URL normalisation, registrable domains and structural checks, against their peers.

Inputs are the links planted in the reference chat corpus (``bench/chat_corpus.py``:
~11k links, bare domains included) plus a fixed set of tricky URLs. Measured in one run:

- ``hutong.core.urls.normalise`` vs ada-url's object API (``ada_url.URL`` reading every component),
  ``ada_url.parse_url`` and the stdlib ``urllib.parse.urlsplit`` (not WHATWG: a speed baseline only);
- ``hutong.core.psl.site`` (cached, and with its cache cleared before every pass) vs ``publicsuffixlist``
  called directly;
- ``hutong.core.structural.check`` on already-normalised URLs.

    .venv/bin/python bench/urls.py [--write] [--repeat N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path

import ada_url
from publicsuffixlist import PublicSuffixList

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.benchlib import load_note, machine, planted_links, write_section  # noqa: E402
from hutong.core import psl, structural  # noqa: E402
from hutong.core.urls import normalise  # noqa: E402

HEAD = "## URL parsing, registrable domains, structural checks (`bench/urls.py`)"
TRICKY = [
    "https://item.taobao.com@evil.test/",
    "http://0177.0.0.1/",
    "http://[::ffff:127.0.0.1]:8080/",
    "https://tаobao.com/",
    "https://ｔａｏｂａｏ．ｃｏｍ/",
    "javascript:alert(1)",
    "食狮.中国/路径?q=中",
]


def corpus_links() -> list[str]:
    """The planted links of the seeded corpus, generated once into bench/.corpus/."""
    return planted_links()


def timed(
    fn: Callable[[str], object], items: Sequence[str], repeat: int, before: Callable[[], None] | None = None
) -> float:
    """Best items/s over ``repeat`` passes (every input parses, so no exception handling is timed)."""
    best = float("inf")
    for _ in range(repeat):
        if before is not None:
            before()
        t0 = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - t0)
    return len(items) / best


def ada_object(text: str) -> object:
    url = ada_url.URL(text)
    return (
        url.href,
        url.protocol,
        url.username,
        url.password,
        url.hostname,
        url.port,
        url.pathname,
        url.search,
        url.hash,
        url.host_type,
    )


def run(repeat: int) -> dict[str, object]:
    load = load_note()
    links = corpus_links() + TRICKY
    # Peers get the same schemeless text hutong would see; give them the scheme so they can parse it.
    absolute = [
        link if "://" in link or link.startswith("javascript:") else "https://" + link for link in links
    ]
    parsed = [normalise(link) for link in links]
    hosts = [p.hostname for p in parsed]
    pairs = list(zip(parsed, links, strict=True))
    plain = PublicSuffixList()
    rows = [
        ("parse", "hutong.core.urls.normalise (bare domains as found)", timed(normalise, links, repeat)),
        ("parse", "ada_url.URL, every component read", timed(ada_object, absolute, repeat)),
        ("parse", "ada_url.parse_url", timed(ada_url.parse_url, absolute, repeat)),
        (
            "parse",
            "urllib.parse.urlsplit (not WHATWG; baseline)",
            timed(urllib.parse.urlsplit, absolute, repeat),
        ),
        ("site", "hutong.core.psl.site, cache warm", timed(psl.site, hosts, repeat)),
        (
            "site",
            "hutong.core.psl.site, cache cleared before each pass",
            timed(psl.site, hosts, repeat, psl.site.cache_clear),
        ),
        ("site", "publicsuffixlist.privatesuffix, direct", timed(plain.privatesuffix, hosts, repeat)),
    ]
    t_best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for url, raw in pairs:
            structural.check(url, raw)
        t_best = min(t_best, time.perf_counter() - t0)
    rows.append(("screen", "hutong.core.structural.check (8 rules)", len(pairs) / t_best))
    return {"items": len(links), "rows": rows, "load": load}


def table(result: dict[str, object]) -> str:
    lines = ["| stage | implementation | items/s |", "|---|---|---|"]
    for stage, name, rate in result["rows"]:  # type: ignore[attr-defined]
        lines.append(f"| {stage} | {name} | {rate:,.0f} |")
    return "\n".join(lines)


def write_doc(result: dict[str, object]) -> None:
    body = (
        f"{HEAD}\n\n"
        f"Measured {dt.date.today().isoformat()} on {machine()}; one process; {result['load']}. "
        f"Inputs: {result['items']:,} links planted in the reference corpus plus "
        "tricky URLs; best of runs. Command: `.venv/bin/python bench/urls.py --write`.\n\n"
        f"{table(result)}\n\n"
    )
    write_section(HEAD, body)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="passes per measurement; the best is kept")
    ap.add_argument("--write", action="store_true", help="write the figures into docs/benchmarks.md")
    args = ap.parse_args()
    result = run(args.repeat)
    print(f"{result['items']:,} links, {machine()}")
    print(table(result))
    if args.write:
        write_doc(result)


if __name__ == "__main__":
    main()
