"""Lookalikes: skeletons, scripts, typos, embedded brands; never the real domains or popular hosts."""

from __future__ import annotations

import idna
import pytest

from hutong.platforms import bundled
from hutong.safety.lookalike import ProtectedSet, one_edit, popular_domains, registrable_name

PROTECTED = ProtectedSet.default(bundled())


def _ascii(host: str) -> str:
    return idna.encode(host, uts46=True).decode("ascii") if not host.isascii() else host


FLAGGED = [
    # (host as a user would see it, a code that must be among the findings, the domain it imitates)
    pytest.param("tаobао.com", "lookalike.skeleton", "taobao.com", id="taobao-cyrillic-a-o"),
    pytest.param("tаobао.com", "lookalike.mixed_script", None, id="taobao-mixed-script"),
    pytest.param("taobaο.com", "lookalike.skeleton", "taobao.com", id="taobao-greek-omicron"),
    pytest.param("јԁ.com", "lookalike.skeleton", "jd.com", id="jd-cyrillic"),
    pytest.param("јԁ.com", "lookalike.whole_script", None, id="jd-whole-script"),
    pytest.param("weixin.qԛ.com", "lookalike.skeleton", "weixin.qq.com", id="weixin-qq-cyrillic-qa"),
    pytest.param(
        "wеixin.qq.com.cn", "lookalike.embedded", "weixin.qq.com", id="weixin-disguised-and-embedded"
    ),
    pytest.param("аррӏе.com", "lookalike.whole_script", None, id="apple-whole-cyrillic"),
    pytest.param("аррӏе.com", "lookalike.skeleton", "apple.com", id="apple-cyrillic-skeleton"),
    pytest.param("αpple.com", "lookalike.skeleton", "apple.com", id="apple-greek-alpha"),
    pytest.param("tao6ao.com", "lookalike.typo", "taobao.com", id="digit-swap-b-6"),
    pytest.param("taoba0.com", "lookalike.typo", "taobao.com", id="digit-swap-o-0"),
    pytest.param("app1e.com", "lookalike.skeleton", "apple.com", id="digit-1-for-l"),
    pytest.param("taoboa.com", "lookalike.typo", "taobao.com", id="adjacent-swap"),
    pytest.param("taobaoo.com", "lookalike.typo", "taobao.com", id="insertion"),
    pytest.param("weibo-login.com", "lookalike.embedded", "weibo.com", id="brand-token-weibo"),
    pytest.param("taobao-verify.com", "lookalike.embedded", "taobao.com", id="brand-token-hyphen"),
    pytest.param("jd.com.secure-login.xyz", "lookalike.embedded", "jd.com", id="domain-embedded-as-labels"),
    pytest.param(
        "apple.com-account.ru", "lookalike.embedded", "apple.com", id="domain-embedded-before-hyphen"
    ),
    pytest.param("secure-apple.com", "lookalike.embedded", "apple.com", id="domain-embedded-after-hyphen"),
    pytest.param("taobao.shop", "lookalike.embedded", "taobao.com", id="same-name-other-tld"),
    pytest.param("rnicrosoft.com", "lookalike.skeleton", "microsoft.com", id="rn-for-m"),
]


@pytest.mark.parametrize(("host", "code", "target"), FLAGGED)
def test_flagged(host: str, code: str, target: str | None) -> None:
    reasons = PROTECTED.findings(_ascii(host))
    found = {r.code: dict(r.evidence) for r in reasons}
    assert code in found, [r.detail for r in reasons]
    if target is not None:
        assert found[code]["looks_like"] == target
    assert all(r.detail and r.detail_zh for r in reasons)


NOT_FLAGGED = [
    pytest.param("taobao.com", id="taobao-real"),
    pytest.param("item.taobao.com", id="taobao-subdomain"),
    pytest.param("jd.com", id="jd-real"),
    pytest.param("item.m.jd.com", id="jd-deep-subdomain"),
    pytest.param("weixin.qq.com", id="weixin-real"),
    pytest.param("mp.weixin.qq.com", id="weixin-subdomain"),
    pytest.param("apple.com", id="apple-real"),
    pytest.param("support.apple.com", id="apple-subdomain"),
    pytest.param("jd0.com", id="short-name-insertion-not-flooded"),
    pytest.param("jdl.com", id="short-name-other-letter"),
    pytest.param("applebees.com", id="brand-prefix-inside-a-word"),
    pytest.param("pineapple.com", id="brand-suffix-inside-a-word"),
    pytest.param("evil.github.io", id="shared-host-tenant"),
    pytest.param("example.com", id="unrelated"),
    pytest.param("москва.рф", id="cyrillic-under-cyrillic-tld"),
    pytest.param("東京.jp", id="cjk-label"),
    pytest.param("203.0.113.9", id="ip-address"),
]


@pytest.mark.parametrize("host", NOT_FLAGGED)
def test_not_flagged(host: str) -> None:
    assert PROTECTED.findings(_ascii(host)) == []


def test_popular_list_size_and_hygiene() -> None:
    hosts = popular_domains()
    assert len(hosts) >= 1000
    assert len(set(hosts)) == len(hosts)
    assert all(h == h.lower().strip() and "." in h for h in hosts)


@pytest.mark.parametrize("prefix", ["", "www.", "m."])
def test_no_false_positive_on_popular_hosts(prefix: str) -> None:
    flagged = {h: PROTECTED.findings(prefix + h) for h in popular_domains()}
    assert {h: r for h, r in flagged.items() if r} == {}


# Real sites that genuinely embed their own brand in another registrable domain (CDNs, analytics). With
# protection on they are never flagged; leave-one-out shows the embedded-brand heuristic would fire on them.
SAME_OWNER_EMBEDDINGS = {
    "apple-cloudkit.com",
    "cdn-apple.com",
    "google-analytics.com",
    "media-amazon.com",
    "ssl-images-amazon.com",
    "youtube-nocookie.com",
}


def test_leave_one_out_precision() -> None:
    """No popular host looks like *another* popular host, except the same-owner embeddings named above."""
    flagged = set()
    for host in popular_domains():
        if PROTECTED.findings(host, trust_protected=False, own_name=registrable_name(host)):
            flagged.add(host)
    assert flagged == SAME_OWNER_EMBEDDINGS


def test_protected_domains_setting_extends_the_set() -> None:
    extra = ProtectedSet.default(bundled(), ["hutong-bank.example"])
    assert extra.findings("hutong-bamk.example") != []
    assert PROTECTED.findings("hutong-bamk.example") == []


@pytest.mark.parametrize(
    ("a", "b", "edit"),
    [
        ("tao6ao", "taobao", "substitution"),
        ("taoboa", "taobao", "swap"),
        ("taobaoo", "taobao", "insertion"),
        ("taoba", "taobao", "deletion"),
        ("taobao", "taobao", None),
        ("atobao", "taobao", "swap"),
        ("oatbao", "taobao", None),
    ],
)
def test_one_edit(a: str, b: str, edit: str | None) -> None:
    assert one_edit(a, b) == edit
