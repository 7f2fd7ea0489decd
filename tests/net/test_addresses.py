"""Which addresses the fetcher refuses, and the sentence that says why: tables of named cases."""

from __future__ import annotations

import ipaddress

import pytest

from hutong.core.ipforms import translation
from hutong.errors import ConfigError
from hutong.net.addresses import AddressPolicy, parse_ip, parse_networks

REFUSED = {
    "loopback": "127.0.0.1",
    "loopback-high": "127.255.255.254",
    "private-10": "10.1.2.3",
    "private-172": "172.16.0.1",
    "private-192": "192.168.1.1",
    "link-local-metadata": "169.254.169.254",
    "cgnat": "100.64.0.1",
    "this-network": "0.0.0.0",
    "this-network-8": "0.1.2.3",
    "multicast": "224.0.0.1",
    "reserved-240": "240.0.0.1",
    "broadcast": "255.255.255.255",
    "ietf-192-0-0": "192.0.0.8",
    "benchmark-198-18": "198.18.0.1",
    "doc-test-net-1": "192.0.2.1",
    "doc-test-net-2": "198.51.100.7",
    "doc-test-net-3": "203.0.113.9",
    "6to4-relay": "192.88.99.1",
    "v6-unspecified": "::",
    "v6-loopback": "::1",
    "v6-unique-local": "fc00::1",
    "v6-aws-metadata": "fd00:ec2::254",
    "v6-link-local": "fe80::1",
    "v6-site-local": "fec0::1",
    "v6-multicast": "ff02::1",
    "ietf-2001-23": "2001:2::1",
    "doc-2001-db8": "2001:db8::1",
    "doc-3fff": "3fff::1",
    "srv6-5f00": "5f00::1",
    "discard-100": "100::1",
    "dummy-100-1": "100:0:0:1::1",
}
ALLOWED = {
    "google-dns": "8.8.8.8",
    "cloudflare": "1.1.1.1",
    "public-cn": "101.226.4.6",
    "v6-public": "2400:3200::1",
    "v6-google": "2001:4860:4860::8888",
    # NAT64's well-known prefix carrying a public IPv4 address: a DNS64 answer (docs/fetching.md)
    "nat64-public": "64:ff9b::8.8.8.8",
    "nat64-public-hex": "64:ff9b::101:101",
}


@pytest.mark.parametrize("address", REFUSED.values(), ids=REFUSED.keys())
def test_refused_by_default(address: str) -> None:
    ip = parse_ip(address)
    assert ip is not None
    why = AddressPolicy().refusal(ip)
    assert why is not None and why.startswith(f"{ip} is ")


@pytest.mark.parametrize("address", ALLOWED.values(), ids=ALLOWED.keys())
def test_allowed_by_default(address: str) -> None:
    ip = parse_ip(address)
    assert ip is not None
    assert AddressPolicy().refusal(ip) is None


# --- IPv4 inside IPv6: every form, private and public payloads, several spellings ----------
# (address, form, carried IPv4 addresses, what the refusal must name as the reason)
PRIVATE = "private-use range"
LOOPBACK = "loopback range"
LINK_LOCAL = "link-local range"
OUTRIGHT = "whatever it carries"

FORMS = {
    "mapped-loopback": ("::ffff:127.0.0.1", "IPv4-mapped", ["127.0.0.1"], LOOPBACK),
    "mapped-hex": ("::ffff:7f00:1", "IPv4-mapped", ["127.0.0.1"], LOOPBACK),
    "mapped-long": ("0:0:0:0:0:ffff:10.0.0.1", "IPv4-mapped", ["10.0.0.1"], PRIVATE),
    "mapped-upper": ("::FFFF:A9FE:A9FE", "IPv4-mapped", ["169.254.169.254"], LINK_LOCAL),
    "mapped-public": ("::ffff:8.8.8.8", "IPv4-mapped", ["8.8.8.8"], OUTRIGHT),
    "siit-loopback": ("::ffff:0:127.0.0.1", "IPv4-translated (SIIT)", ["127.0.0.1"], LOOPBACK),
    "siit-hex": ("::ffff:0:7f00:1", "IPv4-translated (SIIT)", ["127.0.0.1"], LOOPBACK),
    "siit-metadata": ("0:0:0:0:ffff:0:a9fe:a9fe", "IPv4-translated (SIIT)", ["169.254.169.254"], LINK_LOCAL),
    "siit-zero-padded": (
        "0000:0000:0000:0000:ffff:0000:0a00:0001", "IPv4-translated (SIIT)", ["10.0.0.1"], PRIVATE
    ),
    "siit-public": ("::ffff:0:8.8.8.8", "IPv4-translated (SIIT)", ["8.8.8.8"], OUTRIGHT),
    "compatible-loopback": ("::127.0.0.1", "IPv4-compatible", ["127.0.0.1"], LOOPBACK),
    "compatible-hex": ("::a00:1", "IPv4-compatible", ["10.0.0.1"], PRIVATE),
    "compatible-public": ("::8.8.8.8", "IPv4-compatible", ["8.8.8.8"], OUTRIGHT),
    "6to4-loopback": ("2002:7f00:1::", "6to4", ["127.0.0.1"], LOOPBACK),
    "6to4-private": ("2002:0a00:0001::1", "6to4", ["10.0.0.1"], PRIVATE),
    "6to4-public": ("2002:0808:0808::1", "6to4", ["8.8.8.8"], OUTRIGHT),
    "nat64-loopback": ("64:ff9b::7f00:1", "NAT64 well-known", ["127.0.0.1"], LOOPBACK),
    "nat64-metadata": ("64:ff9b::169.254.169.254", "NAT64 well-known", ["169.254.169.254"], LINK_LOCAL),
    "nat64-private": ("64:ff9b::192.168.1.1", "NAT64 well-known", ["192.168.1.1"], PRIVATE),
    "nat64-cgnat": ("64:ff9b::100.64.0.1", "NAT64 well-known", ["100.64.0.1"], "carrier-grade NAT"),
    "nat64-local-96": ("64:ff9b:1::10.1.2.3", "NAT64 local-use", ["10.1.2.3"], PRIVATE),
    "nat64-local-48": ("64:ff9b:1:0a01:0002:0300::", "NAT64 local-use", ["10.1.2.3"], PRIVATE),
    "nat64-local-public": ("64:ff9b:1::8.8.8.8", "NAT64 local-use", ["8.8.8.8"], OUTRIGHT),
    "nat64-local-48-public": ("64:ff9b:1:0808:0008:0800::", "NAT64 local-use", ["8.8.8.8"], OUTRIGHT),
    "nat64-local-undecodable": ("64:ff9b:1:0a01:ff02:0300::", "NAT64 local-use", [], "cannot be decoded"),
    # RFC 4380 example: server 65.54.227.120, client 192.0.2.45 (obfuscated in the last 32 bits).
    "teredo-doc-client": (
        "2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo", ["65.54.227.120", "192.0.2.45"], "documentation"
    ),
    "teredo-loopback-client": (
        "2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo", ["65.54.227.120", "127.0.0.1"], LOOPBACK
    ),
    "teredo-private-server": (
        "2001:0:a00:1:8000:63bf:f7f7:f7f7", "Teredo", ["10.0.0.1", "8.8.8.8"], PRIVATE
    ),
    "teredo-public": ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", "Teredo", ["65.54.227.120", "8.8.8.8"], OUTRIGHT),
}


@pytest.mark.parametrize(("address", "form", "carried", "reason"), FORMS.values(), ids=FORMS.keys())
def test_ipv4_in_ipv6_is_decoded(address: str, form: str, carried: list[str], reason: str) -> None:
    found = translation(ipaddress.IPv6Address(address))
    assert found is not None
    assert (found.form, [str(v4) for _, v4 in found.carried]) == (form, carried)


@pytest.mark.parametrize(("address", "form", "carried", "reason"), FORMS.values(), ids=FORMS.keys())
def test_ipv4_in_ipv6_is_refused_with_a_reason(address: str, form: str, carried: list[str], reason: str) -> None:
    ip = ipaddress.IPv6Address(address)
    why = AddressPolicy().refusal(ip)
    assert why is not None
    assert why.startswith(f"{ip} is {'an' if form[0] in 'AEIOU' else 'a'} {form} address (")
    assert all(v4 in why for v4 in carried), why
    assert reason in why
    assert "which is it" not in why and "is it embeds" not in why


def test_teredo_names_server_and_client() -> None:
    why = AddressPolicy().refusal(ipaddress.IPv6Address("2001:0:4136:e378:8000:63bf:3fff:fdd2"))
    assert why is not None
    assert "Teredo server 65.54.227.120 and client 192.0.2.45, and 192.0.2.45 is in the documentation" in why


@pytest.mark.parametrize(
    ("allow", "deny", "address", "refused"),
    [
        pytest.param(("127.0.0.1/32",), (), "127.0.0.1", False, id="allow-exempts"),
        pytest.param(("127.0.0.1/32",), (), "127.0.0.2", True, id="allow-is-narrow"),
        pytest.param((), ("1.0.0.0/8",), "1.1.1.2", True, id="deny-adds"),
        pytest.param(("1.1.1.1/32",), ("1.0.0.0/8",), "1.1.1.1", False, id="allow-beats-deny"),
        pytest.param(("127.0.0.1/32",), (), "::ffff:127.0.0.1", True, id="mapped-form-not-exempt"),
        pytest.param(("127.0.0.1/32",), (), "::ffff:127.0.0.2", True, id="mapped-outside-allow"),
        pytest.param(("127.0.0.1/32",), (), "64:ff9b::127.0.0.1", True, id="nat64-form-not-exempt"),
        pytest.param((), ("8.0.0.0/8",), "64:ff9b::8.8.8.8", True, id="deny-reaches-inside-nat64"),
        pytest.param((), ("64:ff9b::/96",), "64:ff9b::8.8.8.8", True, id="deny-turns-nat64-off"),
        pytest.param(("::ffff:0:7f00:1/128",), (), "::ffff:0:7f00:1", False, id="allow-the-form-itself"),
    ],
)
def test_allow_and_deny(allow: tuple[str, ...], deny: tuple[str, ...], address: str, refused: bool) -> None:
    policy = AddressPolicy(parse_networks(allow, setting="a"), parse_networks(deny, setting="d"))
    ip = parse_ip(address)
    assert ip is not None
    assert (policy.refusal(ip) is not None) is refused


def test_deny_is_named_in_the_reason() -> None:
    policy = AddressPolicy(deny=parse_networks(["8.0.0.0/8"], setting="d"))
    assert policy.refusal(ipaddress.IPv4Address("8.8.8.8")) == (
        "8.8.8.8 is in the range 8.0.0.0/8, which network.deny_networks refuses"
    )


@pytest.mark.parametrize("text", ["[::1]", "fe80::1%eth0", " 127.0.0.1 "])
def test_parse_ip_tolerates_url_forms(text: str) -> None:
    assert parse_ip(text) is not None


def test_bad_network_setting_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"network\.allow_networks"):
        parse_networks(["not-a-net"], setting="network.allow_networks")
