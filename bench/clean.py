"""Benchmark hutong's cleaning, unwrapping and identifying against Unalix (a ClearURLs engine).

Two inputs, same run: the links planted in the seeded reference corpus (throughput), and the real
share URLs of the platform tests with their expected clean form (accuracy: exact output, link kept
working, tracking removed). Tools: hutong's Cleaner (platform data + generic rules), the Cleaner with
the ClearURLs rule file from the conformance folder, hutong's ClearURLs engine alone, and Unalix 0.9
(with the rules it bundles). The peers take URL text, so hutong's rows include what the pipeline
does before cleaning: parse the text into a link and identify it.

    .venv/bin/python bench/clean.py            # print the tables
    .venv/bin/python bench/clean.py --write    # also write them into docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import ada_url

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.benchlib import load_note, machine, planted_links, write_section  # noqa: E402
from hutong.core.clean import Cleaner  # noqa: E402
from hutong.core.clearurls import ClearURLsRules  # noqa: E402
from hutong.core.identify import Identifier  # noqa: E402
from hutong.core.link import Link  # noqa: E402
from hutong.core.unwrap import Unwrapper  # noqa: E402
from hutong.core.urls import normalise  # noqa: E402
from tests.conftest import conformance_dir  # noqa: E402
from tests.platforms.test_clean import CASES  # noqa: E402

HEAD = "## Cleaning, unwrapping, identifying (`bench/clean.py`)"


def norm(url: str) -> str:
    return str(ada_url.URL(url).href)


def corpus_links() -> list[str]:
    """The planted http(s) links of the seeded corpus, normalised (generated once into bench/.corpus/)."""
    links: list[str] = []
    for link in planted_links():
        if link.startswith(("http://", "https://")):
            try:
                links.append(norm(link))
            except ValueError:
                continue
    return links


def text_cleaner(cleaner: Cleaner) -> Callable[[str], str]:
    """URL text to cleaned URL text, as the pipeline does it: parse, identify, then clean."""
    ident, unwrap = Identifier(), Unwrapper()

    def clean(url: str) -> str:
        link = normalise(url)
        return cleaner.clean(link, ident.identify(link), wrapped=unwrap.wrapper_of(link) is not None).url

    return clean


def timed(fn: Callable[[Any], object], items: Sequence[Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - t0)
    return len(items) / best


def params(url: str) -> set[str]:
    query = url.partition("#")[0].partition("?")[2]
    return {p.partition("=")[0] for p in query.split("&") if p}


def accuracy(fn: Callable[[str], str]) -> tuple[int, int, int]:
    """(exact, link kept, tracking removed) over the real share URLs of the platform tests."""
    exact = kept = removed = 0
    for before, after, _ in CASES.values():
        got, want = fn(norm(before)), norm(after)
        exact += got == want
        kept += params(want) <= params(got)  # every parameter the page needs is still there
        removed += params(got) <= params(want)  # nothing beyond the expected form is left
    return exact, kept, removed


def run(repeat: int) -> dict[str, object]:
    import unalix  # type: ignore[import-untyped]  # bench extra, LGPL peer: never imported by hutong

    load = load_note()
    links = corpus_links()
    rules_path = conformance_dir() / "clearurls" / "data.min.json"
    rules = ClearURLsRules.load(rules_path) if rules_path.exists() else None
    tools: dict[str, Callable[[str], str]] = {
        "hutong Cleaner (platform data + generic)": text_cleaner(Cleaner()),
        "unalix.clear_url 0.9 (bundled ClearURLs rules)": unalix.clear_url,
    }
    if rules is not None:
        tools["hutong Cleaner + ClearURLs rules @9317c06"] = text_cleaner(Cleaner(clearurls=rules))
        tools["hutong ClearURLsRules.clear alone"] = rules.clear
    rows = []
    for name, fn in tools.items():
        exact, kept, removed = accuracy(fn)
        rows.append((name, timed(fn, links, repeat), exact, kept, removed))
    ident, unwrap = Identifier(), Unwrapper()
    parsed: list[Link] = [normalise(link) for link in links]
    stages = [
        ("normalise", "hutong.core.urls.normalise (text to link)", timed(normalise, links, repeat)),
        ("identify", "hutong Identifier.identify (platform, short link)", timed(ident.identify, parsed, repeat)),
        ("unwrap", "hutong Unwrapper.unwrap", timed(unwrap.unwrap, parsed, repeat)),
    ]
    return {"links": len(links), "cases": len(CASES), "rows": rows, "stages": stages, "load": load}


def table(result: dict[str, object]) -> str:
    n = result["cases"]
    lines = [
        f"| cleaner | links/s | exact ({n} share URLs) | link kept working | all tracking removed |",
        "|---|---|---|---|---|",
    ]
    for name, rate, exact, kept, removed in result["rows"]:  # type: ignore[attr-defined]
        lines.append(f"| {name} | {rate:,.0f} | {exact} | {kept} | {removed} |")
    lines += ["", "| stage | implementation | links/s |", "|---|---|---|"]
    for stage, name, rate in result["stages"]:  # type: ignore[attr-defined]
        lines.append(f"| {stage} | {name} | {rate:,.0f} |")
    return "\n".join(lines)


def write_doc(result: dict[str, object]) -> None:
    body = (
        f"{HEAD}\n\n"
        f"Measured {dt.date.today().isoformat()} on {machine()}; one process; {result['load']}. "
        f"Throughput: the {result['links']:,} http(s) links planted in the "
        "reference corpus, normalised, best of runs; hutong's cleaner rows take URL text as the peers do, so they include parsing it into a link and identifying it (the pipeline does both once, for every stage). Accuracy: the real share URLs of "
        '`tests/platforms/test_clean.py` against their expected clean form ("link kept working": every '
        'parameter of the expected form is still there; "all tracking removed": nothing beyond it is left). '
        "Those expected forms are hutong's own test tables, so hutong's accuracy is by construction; the peers' "
        "columns show what a generic ClearURLs engine leaves or breaks on Chinese platforms. "
        "Command: `.venv/bin/python bench/clean.py --write`.\n\n"
        f"{table(result)}\n\n"
    )
    write_section(HEAD, body)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="passes per measurement; the best is kept")
    ap.add_argument("--write", action="store_true", help="write the figures into docs/benchmarks.md")
    args = ap.parse_args()
    result = run(args.repeat)
    print(f"{result['links']:,} links, {machine()}")
    print(table(result))
    if args.write:
        write_doc(result)


if __name__ == "__main__":
    main()
