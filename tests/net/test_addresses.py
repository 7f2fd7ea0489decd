"""Which addresses the fetcher refuses: a table of named cases."""

from __future__ import annotations

import ipaddress

import pytest

from hutong.errors import ConfigError
from hutong.net.addresses import AddressPolicy, embedded_ipv4, parse_ip, parse_networks

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
    "v6-mapped-loopback": "::ffff:127.0.0.1",
    "v6-mapped-hex": "::ffff:7f00:1",
    "v6-mapped-public": "::ffff:8.8.8.8",
    "v6-compatible": "::127.0.0.1",
    "v6-unique-local": "fc00::1",
    "v6-aws-metadata": "fd00:ec2::254",
    "v6-link-local": "fe80::1",
    "v6-site-local": "fec0::1",
    "v6-multicast": "ff02::1",
    "nat64": "64:ff9b::7f00:1",
    "nat64-local": "64:ff9b:1::1",
    "6to4-private": "2002:0a00:0001::1",
    "6to4-public": "2002:0808:0808::1",
    "teredo": "2001:0:4136:e378:8000:63bf:3fff:fdd2",
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
}


@pytest.mark.parametrize("address", REFUSED.values(), ids=REFUSED.keys())
def test_refused_by_default(address: str) -> None:
    ip = parse_ip(address)
    assert ip is not None
    assert AddressPolicy().refusal(ip) is not None


@pytest.mark.parametrize("address", ALLOWED.values(), ids=ALLOWED.keys())
def test_allowed_by_default(address: str) -> None:
    ip = parse_ip(address)
    assert ip is not None
    assert AddressPolicy().refusal(ip) is None


@pytest.mark.parametrize(
    ("allow", "deny", "address", "refused"),
    [
        pytest.param(("127.0.0.1/32",), (), "127.0.0.1", False, id="allow-exempts"),
        pytest.param(("127.0.0.1/32",), (), "127.0.0.2", True, id="allow-is-narrow"),
        pytest.param((), ("1.0.0.0/8",), "1.1.1.2", True, id="deny-adds"),
        pytest.param(("1.1.1.1/32",), ("1.0.0.0/8",), "1.1.1.1", False, id="allow-beats-deny"),
        pytest.param(("127.0.0.1/32",), (), "::ffff:127.0.0.1", True, id="mapped-form-not-exempt"),
        pytest.param(("127.0.0.1/32",), (), "::ffff:127.0.0.2", True, id="mapped-outside-allow"),
    ],
)
def test_allow_and_deny(allow: tuple[str, ...], deny: tuple[str, ...], address: str, refused: bool) -> None:
    policy = AddressPolicy(parse_networks(allow, setting="a"), parse_networks(deny, setting="d"))
    ip = parse_ip(address)
    assert ip is not None
    assert (policy.refusal(ip) is not None) is refused


@pytest.mark.parametrize(
    ("address", "inner"),
    [
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("2002:c0a8:0101::", "192.168.1.1"),
        ("64:ff9b::a00:1", "10.0.0.1"),
        ("::a00:1", "10.0.0.1"),
        ("2001:db8::1", None),
        ("8.8.8.8", None),
    ],
)
def test_embedded_ipv4(address: str, inner: str | None) -> None:
    ip = ipaddress.ip_address(address)
    got = embedded_ipv4(ip)
    assert (str(got) if got else None) == inner


@pytest.mark.parametrize("text", ["[::1]", "fe80::1%eth0", " 127.0.0.1 "])
def test_parse_ip_tolerates_url_forms(text: str) -> None:
    assert parse_ip(text) is not None


def test_bad_network_setting_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"network\.allow_networks"):
        parse_networks(["not-a-net"], setting="network.allow_networks")
