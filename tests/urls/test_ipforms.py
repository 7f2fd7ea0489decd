"""IPv4 in every spelling a browser accepts, and IPv4 hidden inside IPv6."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hutong.core.ipforms import embedded_ipv4, parse_ipv4_any

IPV4_CASES = {
    "dotted": ("127.0.0.1", "127.0.0.1"),
    "octal": ("0177.0.0.1", "127.0.0.1"),
    "octal every part": ("0177.00.00.01", "127.0.0.1"),
    "hex": ("0x7f.0x0.0x0.0x1", "127.0.0.1"),
    "hex upper prefix": ("0X7F.1", "127.0.0.1"),
    "hex short": ("0x7f.1", "127.0.0.1"),
    "two parts": ("127.1", "127.0.0.1"),
    "three parts": ("10.1.257", "10.1.1.1"),
    "dword": ("2130706433", "127.0.0.1"),
    "hex dword": ("0x7f000001", "127.0.0.1"),
    "octal dword": ("017700000001", "127.0.0.1"),
    "bare 0x is zero": ("0x.0x.0x.0x", "0.0.0.0"),
    "trailing dot": ("192.168.0.1.", "192.168.0.1"),
    "max": ("4294967295", "255.255.255.255"),
    "long zero-padded hex": ("0x00000000000000007f.1", "127.0.0.1"),
    "private mixed": ("10.0x0.010.1", "10.0.8.1"),
}

NOT_IPV4 = {
    "domain": "example.com",
    "empty": "",
    "dot only": ".",
    "five parts": "1.2.3.4.5",
    "empty middle part": "1..2.3",
    "two trailing dots": "1.2.3.4..",
    "part over 255": "256.0.0.1",
    "dword overflow": "4294967296",
    "last part overflow": "1.16777216",
    "bad octal digit": "08.0.0.1",
    "bad hex digit": "0xg.1",
    "number then letters": "1.2.3.4a",
    "unicode digits": "١٢٧.0.0.1",
    "fullwidth digits": "１２７.0.0.1",
    "sign": "+1.2.3.4",
    "space": " 1.2.3.4",
    "too long to be sane": "0" * 300,
}


@pytest.mark.parametrize(("host", "expected"), IPV4_CASES.values(), ids=IPV4_CASES.keys())
def test_parse_ipv4_any(host: str, expected: str) -> None:
    assert parse_ipv4_any(host) == IPv4Address(expected)


@pytest.mark.parametrize("host", NOT_IPV4.values(), ids=NOT_IPV4.keys())
def test_not_ipv4(host: str) -> None:
    assert parse_ipv4_any(host) is None


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_every_dword_round_trips(number: int) -> None:
    address = IPv4Address(number)
    assert parse_ipv4_any(str(number)) == address
    assert parse_ipv4_any(hex(number)) == address
    assert parse_ipv4_any(str(address)) == address


@given(st.text(max_size=40))
def test_parse_ipv4_any_never_raises(host: str) -> None:
    result = parse_ipv4_any(host)
    assert result is None or isinstance(result, IPv4Address)


EMBEDDED = {
    "ipv4-mapped": ("::ffff:127.0.0.1", "127.0.0.1"),
    "ipv4-translated (SIIT)": ("::ffff:0:10.0.0.1", "10.0.0.1"),
    "ipv4-compatible": ("::192.168.1.1", "192.168.1.1"),
    "6to4": ("2002:c0a8:0101::1", "192.168.1.1"),
    "nat64 well-known": ("64:ff9b::169.254.169.254", "169.254.169.254"),
    "nat64 local-use /96 layout": ("64:ff9b:1::10.1.2.3", "10.1.2.3"),
    "nat64 local-use /48 layout": ("64:ff9b:1:0a01:0002:0300::", "10.1.2.3"),
    # RFC 4380 example: server 65.54.227.120, client 192.0.2.45 (obfuscated in the last 32 bits).
    "teredo": ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "192.0.2.45"),
}

NO_EMBEDDED = {
    "loopback ::1": "::1",
    "unspecified ::": "::",
    "global ipv6": "2606:4700:4700::1111",
    "link-local": "fe80::1",
    "unique local": "fd00::1",
    "nat64 /48 with non-zero u octet": "64:ff9b:1:0a01:ff02:0300::",
}


@pytest.mark.parametrize(("ip", "expected"), EMBEDDED.values(), ids=EMBEDDED.keys())
def test_embedded_ipv4(ip: str, expected: str) -> None:
    assert embedded_ipv4(IPv6Address(ip)) == IPv4Address(expected)


@pytest.mark.parametrize("ip", NO_EMBEDDED.values(), ids=NO_EMBEDDED.keys())
def test_no_embedded_ipv4(ip: str) -> None:
    assert embedded_ipv4(IPv6Address(ip)) is None
