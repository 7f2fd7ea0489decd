"""Structural checks: each trick a link can play with its own shape, and the links that play none."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hutong.core.model import Level, Verdict
from hutong.core.structural import RULES, LengthRule, Limits, check, raw_host
from hutong.core.urls import normalise
from hutong.errors import InputError


def verdict_of(raw: str) -> Verdict:
    return check(normalise(raw), raw)


FINDINGS = {
    "userinfo lookalike": (
        "https://item.taobao.com@evil.test/",
        "structural.userinfo",
        Level.SUSPICIOUS,
        {"shown": "item.taobao.com", "host": "evil.test"},
    ),
    "userinfo with password": (
        "https://user:pw@host.test/",
        "structural.userinfo",
        Level.SUSPICIOUS,
        {"host": "host.test"},
    ),
    "dotted ipv4": (
        "http://8.8.8.8/",
        "structural.ip_host",
        Level.SUSPICIOUS,
        {"ip": "8.8.8.8", "form": "dotted", "scope": "global"},
    ),
    "octal ipv4": (
        "http://0177.0.0.1/",
        "structural.ip_host",
        Level.SUSPICIOUS,
        {"ip": "127.0.0.1", "form": "octal", "written": "0177.0.0.1", "scope": "private"},
    ),
    "hex short ipv4": (
        "http://0x7f.1/",
        "structural.ip_host",
        Level.SUSPICIOUS,
        {"ip": "127.0.0.1", "form": "hex+short"},
    ),
    "dword ipv4": (
        "http://2130706433/",
        "structural.ip_host",
        Level.SUSPICIOUS,
        {"ip": "127.0.0.1", "form": "dword"},
    ),
    "bare dword as a found domain": (
        "3232235777/admin",
        "structural.ip_host",
        Level.SUSPICIOUS,
        {"ip": "192.168.1.1", "form": "dword"},
    ),
    "ipv4-mapped ipv6": (
        "http://[::ffff:169.254.169.254]/",
        "structural.ip_host",
        Level.SUSPICIOUS,
        {"embedded_ipv4": "169.254.169.254", "form": "ipv4-in-ipv6", "scope": "private"},
    ),
    "plain ipv6": (
        "http://[2606:4700:4700::1111]/",
        "structural.ip_host",
        Level.SUSPICIOUS,
        {"form": "ipv6", "scope": "global"},
    ),
    "javascript": (
        "javascript:alert(document.cookie)",
        "structural.scheme",
        Level.MALICIOUS,
        {"scheme": "javascript"},
    ),
    "javascript with case and tab": (
        "JaVa\tScRiPt:alert(1)",
        "structural.scheme",
        Level.MALICIOUS,
        {"scheme": "javascript"},
    ),
    "data": (
        "data:text/html,<script>alert(1)</script>",
        "structural.scheme",
        Level.MALICIOUS,
        {"scheme": "data"},
    ),
    "vbscript": ("vbscript:msgbox(1)", "structural.scheme", Level.MALICIOUS, {"scheme": "vbscript"}),
    "file": ("file:///etc/passwd", "structural.scheme", Level.SUSPICIOUS, {"scheme": "file"}),
    "ftp": ("ftp://files.test/a", "structural.scheme", Level.SUSPICIOUS, {"scheme": "ftp"}),
    "punycode that does not decode": (
        "https://xn--example-.com/",
        "structural.punycode",
        Level.SUSPICIOUS,
        {"host": "xn--example-.com"},
    ),
    "punycode written out is read as unicode": (
        "https://xn--tobao-4ve.com/",
        "structural.mixed_script",
        Level.SUSPICIOUS,
        {"labels": "tаobao"},
    ),
    "cyrillic a in taobao": (
        "https://tаobao.com/",
        "structural.mixed_script",
        Level.SUSPICIOUS,
        {"scripts": "Cyrillic,Latin", "labels": "tаobao"},
    ),
    "greek omicron in jd subdomain": (
        "https://shοp.jd.com/",
        "structural.mixed_script",
        Level.SUSPICIOUS,
        {"scripts": "Greek,Latin"},
    ),
    "non-default port": ("https://a.test:8443/", "structural.port", Level.SUSPICIOUS, {"port": "8443"}),
    "percent-encoded host": (
        "https://%74aobao.com/",
        "structural.encoded_host",
        Level.SUSPICIOUS,
        {"how": "percent-encoded", "host": "taobao.com"},
    ),
    "fullwidth host": (
        "https://ｔａｏｂａｏ．ｃｏｍ/",
        "structural.encoded_host",
        Level.SUSPICIOUS,
        {"how": "full-width or compatibility characters"},
    ),
    "soft hyphen in host": (
        "https://tao\u00adbao.com/",
        "structural.encoded_host",
        Level.SUSPICIOUS,
        {"how": "invisible characters", "host": "taobao.com"},
    ),
    "zero-width space in host": (
        "https://tao\u200bbao.com/",
        "structural.encoded_host",
        Level.SUSPICIOUS,
        {"how": "invisible characters"},
    ),
    "backslash authority": (
        "https:\\\\evil.test\\a",
        "structural.encoded_host",
        Level.SUSPICIOUS,
        {"how": "backslashes instead of slashes"},
    ),
    "deep subdomains": (
        "https://login.secure.account.verify.update.www.example.com/",
        "structural.length",
        Level.SUSPICIOUS,
        {"subdomain_labels": "6", "site": "example.com"},
    ),
    "very long url": (
        "https://a.test/?q=" + "x" * 5000,
        "structural.length",
        Level.SUSPICIOUS,
        {"length": "5018"},
    ),
    "very long host": (
        "https://" + "a" * 130 + ".test/",
        "structural.length",
        Level.SUSPICIOUS,
        {"length": "135"},
    ),
}


@pytest.mark.parametrize(("raw", "code", "level", "evidence"), FINDINGS.values(), ids=FINDINGS.keys())
def test_finding(raw: str, code: str, level: Level, evidence: dict[str, str]) -> None:
    verdict = verdict_of(raw)
    reasons = {r.code: r for r in verdict.reasons}
    assert code in reasons, verdict.codes
    reason = reasons[code]
    assert reason.level == level
    assert dict(reason.evidence).items() >= evidence.items()
    assert reason.detail and reason.detail_zh
    assert verdict.level >= level


CLEAN = {
    "taobao item": "https://item.taobao.com/item.htm?id=123456",
    "bare domain": "taobao.com/xyz",
    "jd mobile": "https://item.m.jd.com/product/100012043978.html",
    "long but normal tracking url": "https://m.tb.cn/h.abc?tk=" + "A" * 500,
    "explicit default port": "https://a.test:443/",
    "upper case host is not obfuscation": "https://WWW.Example.COM/",
    "cjk path and query": "https://www.zhihu.com/question/1/answer/2?utm=知乎",
    "github pages tenant": "https://alice.github.io/blog/",
    "five subdomains is fine": "https://a.b.c.d.e.example.com/",
    # a valid IDN is decided like an ASCII host with the same evidence: its name is no finding
    "chinese idn": "https://食狮.中国/",
    "chinese idn as punycode": "https://xn--85x722f.xn--fiqs8s/",
    "german idn": "https://bücher.de/",
    "cyrillic idn under rf": "https://президент.рф/",
    "japanese idn": "https://東京タワー.jp/",
}


@pytest.mark.parametrize("raw", CLEAN.values(), ids=CLEAN.keys())
def test_no_finding(raw: str) -> None:
    verdict = verdict_of(raw)
    assert verdict.reasons == ()
    assert verdict.level == Level.SAFE


def test_several_findings_keep_rule_order_and_strictest_level() -> None:
    verdict = verdict_of("javascript://user@0x7f.1:81/")
    assert verdict.level == Level.MALICIOUS
    assert verdict.codes[0] == "structural.scheme"


def test_rules_can_be_chosen_and_tuned() -> None:
    url = normalise("https://a.b.c.example.com/")
    assert check(url, url.href).reasons == ()
    tight = (LengthRule(Limits(subdomain_labels=2)),)
    assert check(url, url.href, rules=tight).codes == ("structural.length",)


def test_rule_codes_are_unique_and_stable() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    assert all(code.startswith("structural.") for code in codes)


RAW_HOSTS = {
    "plain": ("https://a.test/x", "a.test"),
    "userinfo and port": ("http://u:p@b.test:8080/x", "b.test"),
    "ipv6 with port": ("http://[::1]:80/", "[::1]"),
    "bare with path": ("taobao.com/xyz", "taobao.com"),
    "backslashes": ("https:\\\\evil.test\\a", "evil.test"),
    "at in path is not userinfo": ("https://a.test/@b.test", "a.test"),
}


@pytest.mark.parametrize(("raw", "host"), RAW_HOSTS.values(), ids=RAW_HOSTS.keys())
def test_raw_host(raw: str, host: str) -> None:
    assert raw_host(raw) == host


@settings(max_examples=300)
@given(st.text(max_size=120))
def test_check_never_raises(raw: str) -> None:
    try:
        url = normalise(raw)
    except InputError:
        return
    verdict = check(url, raw)
    assert all(r.code.startswith("structural.") for r in verdict.reasons)
    assert verdict.level == max((r.level for r in verdict.reasons), default=Level.SAFE)


def test_ip_target_behind_an_unwrapped_wrapper_reports_the_target() -> None:
    # The pipeline checks the unwrapped URL against the text as found, which names the wrapper.
    raw = "https://link.zhihu.com/?target=http%3A//0x7f.1/"
    verdict = check(normalise("http://0x7f.1/"), raw)
    evidence = dict(verdict.reasons[0].evidence)
    assert (verdict.codes, evidence["written"], evidence["form"]) == (
        ("structural.ip_host",),
        "127.0.0.1",
        "dotted",
    )
