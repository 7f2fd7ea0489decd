"""Every scan of fetched content is linear: adversarial inputs timed at 10 KB, 100 KB and 1 MB.

A scan that backtracks quadratically (the body-redirect regexes once held the event loop for
19 s on a 400-byte gzipped page of ``<meta ``) takes ~100x longer for 10x the input; a linear one
~10x. Each family below is one hostile shape for one scanner, and the test asserts the ratio of
the times, never a time: CPU time (not wall time, so other processes on a shared machine do not
count), the best of several runs, each run repeated until it lasts a few milliseconds, and a
generous bound of 25x between sizes (against a floor of 0.5 ms, below which a time is overhead
or a fast path). Size caps that would hide the scan itself are lifted: the inner scanners are
called below ``find_body_redirect``'s 128 KB cut and the 1024-byte charset prescan, and the JSON-LD
and oEmbed size limits are raised for their families (``CAPS``).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest

from hutong.config import PreviewSection
from hutong.net import bodyredirect, charset
from hutong.preview import body_image, jsonld, oembed, summary
from hutong.preview.card import build_card
from hutong.preview.extract import extract
from hutong.preview.scan import depth_bounded
from hutong.safety import canon
from hutong.safety.importers import Report, parse

SIZES = (10_000, 100_000, 1_000_000)
BOUND = 25.0  # quadratic is 100x per step; linear is 10x
BASE = "https://s.example/a"
MIN_SAMPLE = 0.004  # seconds of CPU per timed sample
# a time below this is overhead or a fast path, not the scan: ratios are taken against at least it
# (a quadratic scan still fails, at the 100 KB -> 1 MB step: 25 x 0.5 ms is 12.5 ms for 1 MB)
FLOOR = 0.0005
BEST_OF = 3


def rep(unit: str, size: int) -> str:
    """``unit`` repeated to at least ``size`` characters."""
    return unit * (size // len(unit) + 1)


def card(html: str) -> Any:
    return build_card(extract(html, BASE), url=BASE, settings=PreviewSection())


def feed(fmt: str) -> Callable[[str], Any]:
    def run(text: str) -> Any:
        return list(parse(fmt, text.splitlines(), Report()))

    return run


# name -> (scanner over text, text of about ``size`` characters)
Family = tuple[Callable[[Any], Any], Callable[[int], Any]]
FAMILIES: dict[str, Family] = {
    # body redirects: <meta refresh> (below the 128 KB cut find_body_redirect applies)
    "refresh: <meta without >": (lambda t: bodyredirect._meta_refresh(t, BASE), lambda n: rep("<meta ", n)),
    "refresh: many <meta>": (lambda t: bodyredirect._meta_refresh(t, BASE), lambda n: rep("<meta >", n)),
    "refresh: open refresh tags": (
        lambda t: bodyredirect._meta_refresh(t, BASE),
        lambda n: rep('<meta http-equiv="refresh" content="0;url=', n),
    ),
    "refresh: one huge refresh tag": (
        lambda t: bodyredirect._meta_refresh(t, BASE),
        lambda n: rep('<meta http-equiv="refresh" content="0;url=', n) + ">",
    ),
    "refresh: spaces in the value": (
        lambda t: bodyredirect._meta_refresh(t, BASE),
        lambda n: '<meta http-equiv=refresh content="' + " " * n + "'a'b\">",
    ),
    "refresh: spaces after the delay": (
        lambda t: bodyredirect._meta_refresh(t, BASE),
        lambda n: '<meta http-equiv=refresh content="0' + " " * n + ";'a'b\">",
    ),
    "refresh: http-equiv repeated": (
        lambda t: bodyredirect._meta_refresh(t, BASE),
        lambda n: "<meta " + rep("http-equiv = ", n) + ">",
    ),
    "refresh: content repeated": (
        lambda t: bodyredirect._meta_refresh(t, BASE),
        lambda n: "<meta http-equiv=refresh " + rep("content = ", n) + ">",
    ),
    # body redirects: script patterns (trusted on small pages only; the scan itself at any size)
    "script: var url= repeated": (lambda t: bodyredirect._script(t, BASE), lambda n: rep('var url="', n)),
    "script: location and spaces": (lambda t: bodyredirect._script(t, BASE), lambda n: rep("location    ", n)),
    "script: unclosed quote": (
        lambda t: bodyredirect._script(t, BASE),
        lambda n: rep('location.href="' + "a" * 5000, n),
    ),
    "script: escapes": (lambda t: bodyredirect._script(t, BASE), lambda n: rep("var url = '\\", n)),
    "script: let/const": (lambda t: bodyredirect._script(t, BASE), lambda n: rep("const url = let url = ", n)),
    "body redirect: nested link classes": (
        lambda t: bodyredirect.find_body_redirect(t, BASE),
        lambda n: rep("<div class=link>", n),
    ),
    "body redirect: the reported page": (
        lambda t: bodyredirect.find_body_redirect(t, BASE),
        lambda n: rep("<meta ", n),
    ),
    # charset: the Content-Type header and the <meta> prescan (below its 1024-byte cut)
    "charset: header spaces": (charset.header_charset, lambda n: "text/html; charset=" + " " * n + ";"),
    "charset: header repeated": (charset.header_charset, lambda n: rep("charset= '", n)),
    "charset: meta without >": (lambda b: list(charset.meta_attributes(b)), lambda n: rep("<meta ", n).encode()),
    "charset: unclosed comments": (charset.without_comments, lambda n: rep("<!--", n).encode()),
    "charset: meta charset spaces": (
        lambda b: charset._META_CHARSET.search(b),
        lambda n: b"charset=" + b" " * n + b";",
    ),
    "charset: meta content spaces": (
        lambda b: charset._HTTP_EQUIV.search(b),
        lambda n: b"http-equiv=" + b" " * n + b"x",
    ),
    "charset: sniff a page of metas": (charset.decode, lambda n: rep("<meta charset=", n).encode()),
    # card extraction
    "extract: body og: tags without >": (card, lambda n: "<head></head>" + rep("<meta " + "og:" * 90, n)),
    "extract: body og: tags, one >": (card, lambda n: "<head></head>" + rep("<meta og:", n) + ">"),
    "extract: <script without >": (card, lambda n: "<head></head>ld+json" + rep("<script ", n)),
    "extract: unclosed JSON-LD": (card, lambda n: "<head></head>" + rep('<SCRIPT type="application/ld+json">', n)),
    "extract: JSON-LD blocks": (
        card,
        lambda n: "<head></head>" + rep('<script type="application/ld+json">{"@type":"Thing"}</script>', n),
    ),
    "extract: </head and spaces": (card, lambda n: "<title>x</title></HEAD" + " " * n),
    "extract: nested divs": (card, lambda n: rep("<div>", n)),
    "extract: depth cut": (depth_bounded, lambda n: rep("<div><p>", n)),
    "extract: nested microdata": (card, lambda n: "<div itemscope>" + rep("<span itemprop=a>", n)),
    "extract: nested distinct microdata": (
        card,
        lambda n: "<div itemscope>" + "".join(f"<span itemprop=a{i}>" for i in range(n // 18 + 1)),
    ),
    "extract: many meta tags": (card, lambda n: "<head>" + rep('<meta property="og:x" content="y">', n)),
    # JSON-LD repairs
    "jsonld: --> and spaces": (jsonld.loads_lenient, lambda n: "-->" + " " * n + "x"),
    "jsonld: ]]> and spaces": (jsonld.loads_lenient, lambda n: "x]]>" + " " * n + ";x"),
    "jsonld: trailing commas": (jsonld.loads_lenient, lambda n: "[" + rep(" ,", n) + "]"),
    "jsonld: comments": (jsonld.loads_lenient, lambda n: rep("/*", n)),
    "jsonld: bad escapes": (jsonld.loads_lenient, lambda n: '["' + rep("\\q", n) + '"'),
    # oEmbed responses
    "oembed: nested JSON": (lambda t: _refused_or_parsed(oembed.parse_json, t), lambda n: "[" * n),
    "oembed: JSON strings": (lambda t: _refused_or_parsed(oembed.parse_json, t), lambda n: '{"title": "' + "x" * n),
    "oembed: XML fields": (
        lambda t: _refused_or_parsed(oembed.parse_xml, t),
        lambda n: "<oembed>" + rep("<title>x</title>", n) + "</oembed>",
    ),
    "oembed: nested XML": (
        lambda t: _refused_or_parsed(oembed.parse_xml, t),
        lambda n: "<oembed>" + "<a>" * (n // 7) + "</a>" * (n // 7) + "</oembed>",
    ),
    # body images
    "image: <img without >": (lambda t: body_image.representative_image(t, BASE), lambda n: rep("<img ", n)),
    "image: unclosed quotes": (lambda t: body_image.representative_image(t, BASE), lambda n: rep('<img a="', n)),
    "image: videos": (
        lambda t: body_image.representative_image(t, BASE),
        lambda n: rep("<video data-poster=x>", n),
    ),
    "image: images": (
        lambda t: body_image.representative_image(t, BASE),
        lambda n: rep('<img src="/a.png" width=20 height=20>', n),
    ),
    "image: roles": (lambda t: body_image.representative_image(t, BASE), lambda n: rep(" role=banner", n)),
    "image: role elements": (
        lambda t: body_image.representative_image(t, BASE),
        lambda n: rep("<div role=banner>", n),
    ),
    "image: chrome": (lambda t: body_image.representative_image(t, BASE), lambda n: rep("<header><img src=x>", n)),
    "image: comments": (lambda t: body_image.representative_image(t, BASE), lambda n: rep("<!--", n)),
    "image: raw text": (lambda t: body_image.representative_image(t, BASE), lambda n: rep("<script>", n)),
    # summaries
    "summary: ideographic spaces": (summary.summarize, lambda n: ["a" + "\u3000" * n + "b"]),
    "summary: words": (summary.summarize, lambda n: [rep("word ", n)]),
    # feeds: the importers and the URL canonicaliser under them
    "feed: nested escapes": (canon._unescape_all, lambda n: "%" + "25" * (n // 2) + "41"),
    "feed: long domain line": (feed("domains"), lambda n: rep("a.", n)),
    "feed: domain lines": (feed("domains"), lambda n: rep("x.example\n", n)),
    "feed: adblock rules": (feed("adblock"), lambda n: rep("||x.example^$important\n@@||y.example^\n", n)),
    "feed: adblock long rule": (feed("adblock"), lambda n: "||" + rep("a", n) + "^$" + rep("x,", n)),
    "feed: hosts line": (feed("hosts"), lambda n: "0.0.0.0 " + rep("a.b ", n)),
    "feed: urlhaus quotes": (feed("urlhaus"), lambda n: rep('"', n)),
    "feed: url lines": (feed("urls"), lambda n: rep("http://a.example/%2525\n", n)),
}


# size limits lifted for a family, so that 1 MB is scanned rather than refused at once
CAPS: dict[str, tuple[tuple[Any, str, int], ...]] = {
    **{name: ((jsonld, "MAX_BLOCK_CHARS", 1 << 30),) for name in FAMILIES if name.startswith("jsonld:")},
    **{name: ((oembed, "MAX_CHARS", 1 << 30),) for name in FAMILIES if name.startswith("oembed:")},
}


def _refused_or_parsed(parse_fn: Callable[[str], Any], text: str) -> Any:
    try:
        return parse_fn(text)
    except oembed.BadContent:
        return None


@contextlib.contextmanager
def caps_lifted(name: str) -> Iterator[None]:
    """The family's size limits raised while it is timed."""
    with contextlib.ExitStack() as stack:
        for target, attr, value in CAPS.get(name, ()):
            stack.enter_context(mock.patch.object(target, attr, value))
        yield


def cpu_time(scan: Callable[[Any], Any], data: Any) -> float:
    """Best-of-``BEST_OF`` CPU seconds for one ``scan(data)``, each sample repeated to MIN_SAMPLE."""
    best = float("inf")
    reps = 1
    gc.collect()
    gc.disable()
    spent = 0.0
    try:
        for _ in range(BEST_OF):
            if spent > 0.5:  # long samples vary little in CPU time: two are enough
                break
            while True:
                start = time.process_time()
                for _ in range(reps):
                    scan(data)
                took = time.process_time() - start
                if took >= MIN_SAMPLE or reps >= 1 << 16:
                    break
                reps *= 4
            best = min(best, took / reps)
            spent += took
    finally:
        gc.enable()
    return best


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FAMILIES))
def test_linear(name: str) -> None:
    scan, make = FAMILIES[name]
    with caps_lifted(name):
        times = [cpu_time(scan, make(size)) for size in SIZES]
    ratios = [later / max(earlier, FLOOR) for earlier, later in itertools.pairwise(times)]
    shown = ", ".join(f"{s // 1000} KB {t * 1000:.2f} ms" for s, t in zip(SIZES, times, strict=True))
    assert max(ratios) < BOUND, f"{name}: {shown}; ratios {', '.join(f'{r:.0f}x' for r in ratios)}"
