"""Every importer on a sample file: entries kept, malformed lines reported by number, the rest ignored."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hutong.errors import DataError, InputError
from hutong.safety.importers import Entry, Report, normalise_domain, parse

DATA = Path(__file__).parent / "data"

CASES = [
    # (id, format, file, expressions kept, malformed lines, ignored lines)
    pytest.param(
        "urlhaus",
        "urlhaus.csv",
        [
            "198.51.100.7/bins/mozi.m",
            "files.bad-cdn.example/payload/setup.exe?x=1",
            "evil-tenant.github.io/",
            "github.io/",
        ],
        [11, 12, 13],
        [],
        id="urlhaus",
    ),
    pytest.param(
        "phishtank",
        "phishtank.csv",
        ["secure-login.phish.example/auth/index.php", "taobao-verify.example/login"],
        [5, 6],
        [4],
        id="phishtank-csv",
    ),
    pytest.param(
        "phishtank",
        "phishtank.json",
        ["secure-login.phish.example/auth/index.php", "wallet-check.example/step1"],
        [3, 4],
        [],
        id="phishtank-json",
    ),
    pytest.param(
        "openphish",
        "openphish.txt",
        [
            "account-review.phish.example/signin/",
            "203.0.113.9/~user/bank/login.html",
            "docs-share.phish.example/view?doc=12345",
        ],
        [3, 4],
        [],
        id="openphish",
    ),
    pytest.param(
        "hosts",
        "hosts.txt",
        ["ads.tracker.example/", "exact.phish.example/", "another.phish.example/"],
        [6, 7, 8],
        [],
        id="hosts",
    ),
    pytest.param(
        "adblock",
        "adblock.txt",
        ["phish-domain.example/", "malware.example/", "good.malware.example/", "pages.dev/"],
        [10],
        [6, 7, 8, 9],
        id="adblock",
    ),
    pytest.param(
        "domains",
        "domains.txt",
        ["whole-domain.example/", "upper.case.example/", "blogspot.com/"],
        [4, 5],
        [],
        id="domains",
    ),
]


def _run(fmt: str, name: str) -> tuple[list[Entry], Report]:
    report = Report()
    with (DATA / name).open(encoding="utf-8") as fh:
        entries = list(parse(fmt, fh, report))
    return entries, report


@pytest.mark.parametrize(("fmt", "name", "expressions", "malformed", "ignored"), CASES)
def test_importer(
    fmt: str, name: str, expressions: list[str], malformed: list[int], ignored: list[int]
) -> None:
    entries, report = _run(fmt, name)
    assert [e.expression for e in entries] == expressions
    assert [p.line for p in report.malformed] == malformed
    assert [p.line for p in report.ignored] == ignored
    assert report.entries == len(entries)
    assert all(p.message for p in report.malformed + report.ignored)


EVIDENCE = [
    pytest.param(
        "urlhaus",
        "urlhaus.csv",
        0,
        ("3312001", "2026-11-20 09:58:03", "malware_download (elf,mozi)", ""),
        id="urlhaus-id-date-threat",
    ),
    pytest.param(
        "phishtank",
        "phishtank.csv",
        0,
        ("8801001", "2026-11-19T22:11:04+00:00", "phishing", "PayPal"),
        id="phishtank-target",
    ),
    pytest.param(
        "phishtank",
        "phishtank.json",
        1,
        ("8801005", "2026-11-19T23:00:00+00:00", "phishing", "Binance"),
        id="phishtank-json-numeric-id",
    ),
    pytest.param("openphish", "openphish.txt", 2, ("5", "", "", ""), id="openphish-line-number"),
]


@pytest.mark.parametrize(("fmt", "name", "index", "expected"), EVIDENCE)
def test_evidence(fmt: str, name: str, index: int, expected: tuple[str, str, str, str]) -> None:
    entry = _run(fmt, name)[0][index]
    assert (entry.entry_id, entry.added, entry.threat, entry.target) == expected


SCOPES = [
    pytest.param("hosts", "hosts.txt", 0, "host", False, id="hosts-exact-only"),
    pytest.param("adblock", "adblock.txt", 0, "domain", False, id="adblock-domain-and-subdomains"),
    pytest.param("adblock", "adblock.txt", 2, "domain", True, id="adblock-exception"),
    pytest.param("adblock", "adblock.txt", 3, "host", False, id="adblock-shared-suffix-demoted"),
    pytest.param("domains", "domains.txt", 2, "host", False, id="domains-shared-suffix-demoted"),
    pytest.param("urlhaus", "urlhaus.csv", 3, "host", False, id="urlhaus-bare-shared-suffix-demoted"),
    pytest.param("urlhaus", "urlhaus.csv", 2, "url", False, id="urlhaus-tenant-stays-url"),
]


@pytest.mark.parametrize(("fmt", "name", "index", "scope", "exception"), SCOPES)
def test_scope(fmt: str, name: str, index: int, scope: str, exception: bool) -> None:
    entries, report = _run(fmt, name)
    assert (entries[index].scope, entries[index].exception) == (scope, exception)
    if scope == "host" and fmt != "hosts":
        assert any("shared-hosting" in p.message for p in report.notes)


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        pytest.param("phishtank", "id,link\n1,http://x.example/\n", id="phishtank-csv-without-header"),
        pytest.param("phishtank", "[{]", id="phishtank-json-broken"),
    ],
)
def test_whole_file_errors(fmt: str, text: str) -> None:
    with pytest.raises(DataError):
        list(parse(fmt, text.splitlines(keepends=True), Report()))


def test_phishtank_line_numbers_count_leading_blank_lines() -> None:
    text = ["\n", "phish_id,url,verified\n", "1,http://a.example/x,yes\n", "bad,row\n"]
    report = Report()
    entries = list(parse("phishtank", text, report))
    assert [e.line for e in entries] == [3]
    assert [p.line for p in report.malformed] == [4]


def test_unknown_format() -> None:
    with pytest.raises(InputError, match="unknown feed format"):
        list(parse("rss", [], Report()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Example.COM.", "example.com", id="case-and-dot"),
        pytest.param("bücher.example", "xn--bcher-kva.example", id="idn"),
        pytest.param("a..b.example", "a.b.example", id="double-dot"),
    ],
)
def test_normalise_domain(text: str, expected: str) -> None:
    assert normalise_domain(text) == expected


@pytest.mark.parametrize("text", ["", "localhost", "a b.example", "http://x.example/", "-bad-.example"])
def test_normalise_domain_rejects(text: str) -> None:
    with pytest.raises(InputError):
        normalise_domain(text)


@pytest.mark.parametrize("fmt", ["urlhaus", "phishtank", "openphish", "hosts", "adblock", "domains", "urls"])
@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.text(max_size=80), max_size=12))
def test_arbitrary_lines_are_bounded(fmt: str, lines: list[str]) -> None:
    """Any input gives entries and numbered problems, or one DataError for the whole file: never a crash."""
    report = Report()
    text = [line.replace("\n", " ") + "\n" for line in lines]
    try:
        entries = list(parse(fmt, text, report))
    except DataError:
        return
    assert all("/" in e.expression for e in entries)
    assert all(1 <= p.line <= max(len(text), 1) for p in report.malformed + report.ignored)
