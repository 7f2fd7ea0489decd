"""Link finding against linkify-it, twitter-text and cmark-gfm's autolink examples.

Each suite's pass rate is a floor (see docs/conformance.md). Cases where hutong disagrees
on purpose are listed in DIVERGE with the reason; they are checked to still fail, so the
list cannot go stale. ``bench/find.py`` scores the peer libraries with the same loaders.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

import pytest

from hutong.core.find import Finder
from tests.conftest import conformance_dir, need_conformance

Hit = tuple[str, int, int]
Extract = Callable[[str], Sequence[Hit]]
Mode = Literal["first", "none", "all", "indices", "href", "no_crash"]


@dataclass(frozen=True)
class Case:
    suite: str
    name: str
    text: str
    mode: Mode
    expected: tuple[str, ...] = ()
    indices: tuple[Hit, ...] = ()


def _strip_comment(line: str) -> str:
    # linkify-it fixtures end lines with "  % comment"; a URL never contains " %"
    return re.sub(r"\s+%\s.*$", "", line).rstrip() if " %" in line else line.rstrip()


def linkify_cases(root: Path) -> list[Case]:
    """links.txt: a line, then its expected link or a blank line (= the whole line); not_links.txt: none."""
    cases: list[Case] = []
    lines = (root / "links.txt").read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.startswith("%"):
            i += 1
            continue
        text = _strip_comment(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        expected = _strip_comment(nxt) if nxt.strip() else text
        cases.append(Case("linkify-it", f"links.txt: {text}", text, "first", (expected,)))
        i += 2 if nxt.strip() else 1
    for line in (root / "not_links.txt").read_text(encoding="utf-8").split("\n"):
        if line.strip() and not line.startswith("%"):
            text = _strip_comment(line)
            cases.append(Case("linkify-it", f"not_links.txt: {text}", text, "none"))
    return cases


def twitter_cases(root: Path) -> list[Case]:
    """extract.yml sections ``urls`` (link texts in order) and ``urls_with_indices`` (code-point spans)."""
    import yaml  # a test extra: missing means a broken install, not a skip

    data = yaml.safe_load((root / "extract.yml").read_text(encoding="utf-8"))["tests"]
    cases = [
        Case("twitter-text", f"urls: {c['description']}", c["text"], "all", tuple(c["expected"]))
        for c in data["urls"]
    ]
    cases += [
        Case(
            "twitter-text", f"urls_with_indices: {c['description']}", c["text"], "indices",
            indices=tuple((e["url"], e["indices"][0], e["indices"][1]) for e in c["expected"]),
        )
        for c in data["urls_with_indices"]
    ]
    return cases


_HREF = re.compile(r'<a href="([^"]*)"')


def gfm_cases(root: Path) -> list[Case]:
    """Every href in the rendered HTML is a link the finder should report, in order."""
    data = json.loads((root / "autolink_examples.json").read_text(encoding="utf-8"))
    cases = []
    for c in data["cases"]:
        name = f"{Path(c['file']).name} example {c['example']}"
        if c["html"].strip() == "<IGNORE>":
            cases.append(Case("gfm-autolink", name, c["markdown"], "no_crash"))
            continue
        hrefs = tuple(unquote(html.unescape(h)) for h in _HREF.findall(c["html"]))
        cases.append(Case("gfm-autolink", name, c["markdown"], "href", hrefs))
    return cases


def _as_href(text: str) -> str:
    if text.lower().startswith("www."):
        return "http://" + text
    if "@" in text and ":" not in text:
        return "mailto:" + text
    return unquote(text)


def passes(case: Case, extract: Extract) -> bool:
    """Does ``extract`` give what the suite expects for ``case``?"""
    hits = list(extract(case.text))
    texts = [h[0] for h in hits]
    if case.mode == "first":
        return bool(texts) and texts[0] == case.expected[0]
    if case.mode == "none":
        return not texts
    if case.mode == "all":
        return tuple(texts) == case.expected
    if case.mode == "indices":
        return tuple(hits) == case.indices
    if case.mode == "href":
        return tuple(_as_href(t) for t in texts) == case.expected
    return True  # no_crash: extracting without an exception is the whole check


def suites(root: Path) -> dict[str, list[Case]]:
    """All three suites, loaded from the conformance directory ``root``."""
    return {
        "linkify-it": linkify_cases(root / "linkify-it"),
        "twitter-text": twitter_cases(root / "twitter-text"),
        "gfm-autolink": gfm_cases(root / "gfm-autolink"),
    }


# Where hutong disagrees on purpose, by case name, with the reason.
_EMAIL = "e-mail addresses are not links in chat (user@example.com is never a domain)"
_MAILTO = "mailto: is not followed: hutong finds web links, not addresses"
_BARE_IP = "a bare IPv4 address without a path or port is more often a version or a number than a link"
_CJK = (
    "CJK letters glued to a URL are prose (https://b23.tv/x看看), and so is a bare CJK run right after the"
    " host's first / (twitter-text agrees); only a CJK segment deeper in the path or followed by more URL"
    " characters (/docs/会议纪要.pdf) is part of the link"
)
_TCO = "twitter-text cuts t.co links at the slug; hutong has no per-site rules in the finder"
_CORE = "CommonMark core (no autolink extension) ignores bare URLs; a chat finder must find them"
_SINGLE = "a single-label host after a scheme is a real intranet link (linkify-it agrees)"
DIVERGE: dict[str, str] = {
    # linkify-it
    "links.txt: 4.4.4.4": _BARE_IP,
    "links.txt: ➡.ws/䨹": "symbols are not letters of a bare domain; a bare CJK run after the first / is prose",
    "links.txt: example.com/䨹": _CJK,
    "links.txt: <user@domain.com>": _EMAIL,
    "links.txt: <user@domain.com>.": _EMAIL,
    "links.txt: <mailto:user@domain.com>": _MAILTO,
    'links.txt: test."foo".bar@gmail.co.uk!': _EMAIL,
    'links.txt: "test@example.com"': _EMAIL,
    "links.txt: name@example.com": _EMAIL,
    "links.txt: >>name@example.com": _EMAIL,
    "links.txt: mailto:name@example.com": _MAILTO,
    "links.txt: MAILTO:NAME@EXAMPLE.COM": _MAILTO,
    "links.txt: mailto:foo_bar@example.com": _MAILTO,
    "links.txt: foo+bar@gmail.com": _EMAIL,
    "links.txt: 192.168.1.1@gmail.com": _EMAIL,
    "links.txt: mailto:foo@bar": _MAILTO,
    "links.txt: (foobar email@example.com)": _EMAIL,
    "links.txt: (email@example.com foobar)": _EMAIL,
    "links.txt: (email@example.com)": _EMAIL,
    "links.txt: ｜test@google.com｜bar": _EMAIL,
    # twitter-text
    "urls: DO NOT extract invalid URL: http://no-tld": _SINGLE,
    "urls: Extract a t.co URL with a trailing apostrophe": _TCO,
    "urls: Extract a t.co URL with a trailing hyphen": _TCO,
    "urls: DO NOT extract URLs with > 40 characters in a t.co slug": _TCO,
    "urls_with_indices: Extract t.co URLs skipping trailing characters and adjusting indices correctly": _TCO,
    # gfm-autolink
    "spec.txt example 605": _MAILTO,
    "spec.txt example 610": _CORE,
    "spec.txt example 612": _EMAIL,
    "spec.txt example 613": _EMAIL,
    "spec.txt example 616": _CORE,
    "spec.txt example 619": _CORE,
    "spec.txt example 628": "a dotted host must end in a real TLD (ftp://foo.bar.baz; twitter-text agrees)",
    "spec.txt example 629": _EMAIL,
    "spec.txt example 630": _EMAIL,
    "spec.txt example 631": _EMAIL,
    "extensions.txt example 19": _EMAIL,
}

# Pass-rate floors (docs/conformance.md, "Finding links").
FLOORS = {"linkify-it": 0.87, "twitter-text": 0.95, "gfm-autolink": 0.66}


def hutong_extract(finder: Finder) -> Extract:
    return lambda text: [(f.text, f.start, f.end) for f in finder.find(text)]


@pytest.fixture(scope="module")
def all_suites() -> dict[str, list[Case]]:
    need_conformance("linkify-it")
    return suites(conformance_dir())


@pytest.fixture(scope="module")
def extract() -> Extract:
    return hutong_extract(Finder([]))


@pytest.mark.parametrize("suite", sorted(FLOORS))
def test_pass_rate_floor(suite: str, all_suites: dict[str, list[Case]], extract: Extract) -> None:
    cases = all_suites[suite]
    rate = sum(passes(c, extract) for c in cases) / len(cases)
    assert rate >= FLOORS[suite], f"{suite}: {rate:.1%} < floor {FLOORS[suite]:.0%}"


@pytest.mark.parametrize("suite", sorted(FLOORS))
def test_every_case_passes_or_is_a_named_divergence(
    suite: str, all_suites: dict[str, list[Case]], extract: Extract
) -> None:
    unexpected = [c.name for c in all_suites[suite] if c.name not in DIVERGE and not passes(c, extract)]
    assert not unexpected, "failing cases not listed in DIVERGE:\n" + "\n".join(unexpected)


def test_divergences_still_diverge(all_suites: dict[str, list[Case]], extract: Extract) -> None:
    by_name = {c.name: c for cases in all_suites.values() for c in cases}
    unknown = sorted(set(DIVERGE) - set(by_name))
    assert not unknown, f"DIVERGE names cases that do not exist: {unknown}"
    now_passing = sorted(n for n in DIVERGE if passes(by_name[n], extract))
    assert not now_passing, f"these pass now; remove them from DIVERGE: {now_passing}"
