"""Fuzz the parsers that read untrusted text: rerunnable, one target at a time.

    .venv/bin/python bench/fuzz.py TARGET [--seconds 600] [--engine atheris|hypothesis] [--write]
    .venv/bin/python bench/fuzz.py --list

Targets: ``finder`` (hutong.core.find.Finder), ``urls`` (hutong.core.urls.normalise), ``bodyredirect``
(the body-redirect scanner), ``cards`` (extract + build_card over tag soups), ``importers``
(every feed format of hutong.safety.importers), ``charset`` (the WHATWG sniffing of raw bytes).

Each target asserts that nothing unexpected is raised, that every input is handled within
``--per-input`` seconds (CPU time), and that the output is sane (spans inside the text, URLs absolute,
card fields within their caps). With atheris (``pip install atheris``: coverage-guided libFuzzer)
the run happens in a child process so the driver can read libFuzzer's totals; crashes are kept
under ``bench/.fuzz/TARGET/`` as ``crash-*`` files, to be turned into regression tests. Without
atheris, or with ``--engine hypothesis``, random inputs (tag soups for the HTML targets) are run
in batches until the time is up. ``--write`` records the run in docs/fuzzing.md; ``--replay FILE``
runs saved inputs again and shows the traceback of the first that fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.benchlib import machine  # noqa: E402

DOC = ROOT / "docs" / "fuzzing.md"
WORK = ROOT / "bench" / ".fuzz"
BASE = "https://s.example/a/b?c=1"
MAX_LEN = 16 * 1024  # bytes per input: big enough for real tag soups, small enough for many runs
PER_INPUT = 2.0  # seconds; generous for a loaded 2-core machine and coverage instrumentation

# tokens that matter to the scanners; libFuzzer splices them into inputs (-dict)
HTML_TOKENS = (
    "<meta ", "http-equiv", "refresh", "content=", '"0;url=', "url=", "<script", "</script>", "ld+json",
    'type="application/ld+json"', "itemscope", "itemprop=", "itemtype=", "<img ", "src=", "<video ", "poster=",
    "role=banner", "<header>", "</header>", "<nav>", "<!--", "-->", "<head>", "</head>", "<body>", "<title>",
    "og:image", "og:title", "property=", "name=", "charset=", "<link ", "rel=", "alternate", "json+oembed",
    "canonical", "href=", "location.href=", "var url = ", "location.replace(", "<div class=link>", "<a ", "<![CDATA[",
    "]]>", "//", "<table>", "<tr", "<textarea>", "&amp;", "\\\"", "'",
)
FEED_TOKENS = (
    "||", "^", "@@", "$important", "$third-party", "##", "0.0.0.0 ", "127.0.0.1 ", "# ", "! ", '"', ",",
    "http://", "https://", "phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target",
    "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter", "xn--", "%25", "[", "]",
)
TEXT_TOKENS = (
    "https://", "http://", "www.", ".com", ".cn", "【", "】", "￥", "#小程序://", "复制", "打开", "淘宝", "%2F",
    "://", "[", "]", "@", "xn--", "\u200b", "\u3002", "．", "/", "?", "#",
)


class SlowInput(AssertionError):
    """An input took longer than the per-input bound."""


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def check_finder(data: bytes) -> None:
    from hutong.core.find import default_finder

    text = _text(data)
    found = default_finder().find(text)
    assert len(found) <= default_finder().max_links
    for f in found:
        assert 0 <= f.start < f.end <= len(text) and text[f.start : f.end] == f.text, f
        assert f.end - f.start <= default_finder().max_link_chars, f


def check_urls(data: bytes) -> None:
    from hutong.core.urls import normalise
    from hutong.errors import InputError

    text = _text(data)
    try:
        parsed = normalise(text)
    except InputError:
        return
    assert parsed.href, text
    again = normalise(parsed.href)
    assert again.scheme == parsed.scheme and again.host == parsed.host, (parsed.href, again.href)


def check_bodyredirect(data: bytes) -> None:
    from hutong.net.bodyredirect import find_body_redirect

    found = find_body_redirect(_text(data), BASE)
    if found is not None:
        assert found.url.startswith(("http://", "https://")) and found.url != BASE, found
        assert found.via in ("body", "interstitial"), found


def check_cards(data: bytes) -> None:
    from hutong.config import PreviewSection
    from hutong.preview.card import build_card
    from hutong.preview.extract import MAX_KEYS, MAX_VALUE_CHARS, extract

    settings = PreviewSection()
    meta = extract(_text(data), BASE)
    assert len(meta.props) <= MAX_KEYS + 1 and all(len(v) <= MAX_VALUE_CHARS for v in meta.props.values())
    card = build_card(meta, url=BASE, settings=settings)
    assert card.title is None or len(card.title) <= settings.max_title + 1, card.title
    assert card.description is None or len(card.description) <= settings.max_description + 1
    for url in (card.image, card.favicon):
        assert url is None or url.startswith(("http://", "https://")), url


def check_importers(data: bytes) -> None:
    from hutong.errors import DataError
    from hutong.safety.importers import FORMATS, Report, parse

    lines = _text(data).splitlines()
    for fmt in FORMATS:
        report = Report()
        try:
            entries = list(parse(fmt, lines, report))
        except DataError:  # a PhishTank file without its header, or JSON that is not a list
            continue
        assert report.entries == len(entries)
        assert report.malformed_count >= len(report.malformed) and report.ignored_count >= len(report.ignored)
        for entry in entries:
            assert entry.expression and " " not in entry.expression, entry


def check_charset(data: bytes) -> None:
    from hutong.net import charset

    ctype = None
    if data[:1] == b"C":  # let the fuzzer steer a Content-Type header too
        head, _, data = data[1:].partition(b"\n")
        ctype = head.decode("latin-1")
    text, name = charset.decode(data, ctype)
    assert isinstance(text, str) and name


TARGETS: dict[str, tuple[Callable[[bytes], None], tuple[str, ...]]] = {
    "finder": (check_finder, TEXT_TOKENS),
    "urls": (check_urls, TEXT_TOKENS),
    "bodyredirect": (check_bodyredirect, HTML_TOKENS),
    "cards": (check_cards, HTML_TOKENS),
    "importers": (check_importers, FEED_TOKENS),
    "charset": (check_charset, HTML_TOKENS),
}
_MODULES = {  # what atheris instruments for coverage: each imported for the first time under instrumentation
    "finder": ("hutong.core.find",),
    "urls": ("hutong.core.urls",),
    "bodyredirect": ("hutong.net.bodyredirect", "hutong.preview.scan"),
    "cards": tuple(
        f"hutong.preview.{m}"
        for m in ("extract", "card", "body_image", "jsonld", "microdata", "summary", "scan", "values", "urls", "kinds")
    ),
    "importers": ("hutong.safety.importers", "hutong.safety.canon"),
    "charset": ("hutong.net.charset",),
}


def timed(check: Callable[[bytes], None], per_input: float) -> Callable[[bytes], None]:
    """``check`` that also fails an input handled slower than ``per_input`` seconds (CPU time)."""

    def run(data: bytes) -> None:
        start = time.process_time()
        check(data)
        took = time.process_time() - start
        if took > per_input:
            raise SlowInput(f"{took:.2f} s of CPU for a {len(data)}-byte input (bound {per_input} s)")

    return run


# --- hypothesis engine -------------------------------------------------------------------------


def _strategy(target: str):  # type: ignore[no-untyped-def]
    from hypothesis import strategies as st

    tokens = TARGETS[target][1]
    piece = st.one_of(st.sampled_from(tokens), st.text(max_size=12), st.sampled_from(("<", ">", '"', "'", " ", "=")))
    soup = st.lists(piece, max_size=200).map("".join)
    return st.one_of(soup, st.text(max_size=400)).map(lambda s: s.encode("utf-8", "surrogatepass")) | st.binary(
        max_size=600
    )


def run_hypothesis(target: str, seconds: float, per_input: float) -> dict[str, object]:
    from hypothesis import HealthCheck, given, settings

    check = timed(TARGETS[target][0], per_input)
    runs = 0

    @settings(max_examples=500, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(_strategy(target))
    def batch(data: bytes) -> None:
        nonlocal runs
        runs += 1
        check(data)

    start = time.monotonic()
    crashes = 0
    error = ""
    while time.monotonic() - start < seconds:
        try:
            batch()
        except Exception as exc:  # a fuzz failure is reported, whatever it is
            crashes += 1
            error = f"{type(exc).__name__}: {exc}"[:500]
            break
    return {"runs": runs, "seconds": round(time.monotonic() - start), "crashes": crashes, "error": error}


# --- atheris engine (in a child process) -------------------------------------------------------


def atheris_child(target: str, per_input: float, argv: list[str]) -> None:
    import atheris

    with atheris.instrument_imports(include=list(_MODULES[target])):
        for name in _MODULES[target]:
            __import__(name)
    check = timed(TARGETS[target][0], per_input)
    atheris.Setup([sys.argv[0], *argv], check)
    atheris.Fuzz()


def _dict_entry(token: str) -> str:
    """A libFuzzer dictionary line: the token's UTF-8 bytes, quoted, with \\xNN escapes."""
    body = "".join(
        chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C) else f"\\x{b:02X}" for b in token.encode("utf-8")
    )
    return f'"{body}"'


def run_atheris(target: str, seconds: float, per_input: float) -> dict[str, object]:
    work = WORK / target
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    tokens = TARGETS[target][1]
    dict_file = work / "tokens.dict"
    dict_file.write_text("".join(_dict_entry(t) + "\n" for t in tokens), encoding="ascii")
    args = [
        f"-max_total_time={int(seconds)}",
        f"-max_len={MAX_LEN}",
        f"-timeout={max(10, int(per_input * 5))}",
        f"-dict={dict_file}",
        f"-artifact_prefix={work}/",
        "-print_final_stats=1",
        str(corpus),
    ]
    cmd = [sys.executable, __file__, "--child", target, str(per_input), *args]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, errors="replace")
    took = time.monotonic() - start
    log = proc.stdout + proc.stderr
    (work / "last.log").write_text(log[-200_000:], encoding="utf-8")
    done = re.search(r"Done (\d+) runs in (\d+) second", log)
    runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", log)
    crash = re.search(r"(?m)^(=+ Uncaught Python exception: =+|==\d+== ERROR: libFuzzer: .*)$", log)
    error = ""
    if crash or proc.returncode != 0:
        tail = log[crash.start() : crash.start() + 1500] if crash else log[-1500:]
        error = tail.strip()
    return {
        "runs": int(runs.group(1)) if runs else int(done.group(1)) if done else 0,
        "seconds": round(took),
        "crashes": 0 if proc.returncode == 0 else 1,
        "corpus": sum(1 for _ in corpus.iterdir()),
        "error": error,
    }


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} at the end"


def write_doc(target: str, engine: str, result: dict[str, object]) -> None:
    head = f"| {target} |"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    crashes = result["crashes"]
    row = (
        f"| {target} | {engine} | {result['seconds']} s | {result['runs']:,} | "
        f"{result.get('corpus', '-')} | {crashes} | {when}; {machine()}; {_load()} |"
    )
    text = DOC.read_text(encoding="utf-8")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(head) and f"| {engine} |" in line:
            lines[i] = row
            break
    else:
        marker = lines.index("<!-- fuzz-results -->")
        lines.insert(marker, row)
    DOC.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    if sys.argv[1:2] == ["--child"]:  # fuzz.py --child TARGET PER_INPUT libFuzzer-flags...
        atheris_child(sys.argv[2], float(sys.argv[3]), sys.argv[4:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", nargs="?", choices=sorted(TARGETS))
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--per-input", type=float, default=PER_INPUT)
    parser.add_argument("--engine", choices=("atheris", "hypothesis"), default=None)
    parser.add_argument("--write", action="store_true", help="record the run in docs/fuzzing.md")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--replay", nargs="+", metavar="FILE", help="run saved inputs (crash-*) and show what fails")
    ns = parser.parse_args()
    if ns.list:
        print("\n".join(sorted(TARGETS)))
        return 0
    if ns.target is None:
        parser.error("name a target (or --list)")
    if ns.replay:
        check = timed(TARGETS[ns.target][0], ns.per_input)
        for name in ns.replay:
            print(name)
            check(Path(name).read_bytes())  # raises with the traceback of the first failing input
        return 0
    engine = ns.engine
    if engine is None:
        try:
            import atheris  # noqa: F401
        except ImportError:
            engine = "hypothesis"
        else:
            engine = "atheris"
    os.environ.setdefault("PYTHONHASHSEED", "0")
    if engine == "atheris":
        result = run_atheris(ns.target, ns.seconds, ns.per_input)
    else:
        result = run_hypothesis(ns.target, ns.seconds, ns.per_input)
    print(json.dumps({"target": ns.target, "engine": engine, **result}, ensure_ascii=False))
    if ns.write:
        write_doc(ns.target, engine, result)
    return 1 if result["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
