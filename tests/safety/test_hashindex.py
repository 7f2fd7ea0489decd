"""The hash-prefix index: full-hash confirmation, shared prefixes, and the host filter's candidates."""

from __future__ import annotations

from array import array

import pytest

from hutong.safety.canon import canonicalize, full_hash, host_suffixes
from hutong.safety.hashindex import HashIndex, HostFilter, ThreatIndex, build_sorted, host_key, prefix_of


def _index(expressions: list[str], digests: list[bytes] | None = None) -> HashIndex:
    digests = digests or [full_hash(e) for e in expressions]
    order = build_sorted(digests)
    return HashIndex(
        array("I", (prefix_of(digests[i]) for i in order)),
        b"".join(digests[i] for i in order),
        bytes(len(digests)),
    )


def test_confirms_on_full_hash() -> None:
    real = full_hash("evil.example/")
    twin = real[:4] + bytes(28)  # same 4-byte prefix, different full hash
    index = _index([], [real, twin])
    assert len(index.find(real)) == 1
    assert index.find(full_hash("good.example/")) == []
    assert index.find(real[:4] + b"\x01" * 28) == []


def test_duplicate_entries_all_found() -> None:
    index = _index(["a.example/", "a.example/", "b.example/"])
    assert len(index.find(full_hash("a.example/"))) == 2


def test_sections_must_agree() -> None:
    with pytest.raises(ValueError, match="disagree"):
        HashIndex(array("I", [1]), b"", b"")


@pytest.mark.parametrize(
    "host",
    ["a.b.c.d.e.f.g", "a.b.c.d.e.f", "a.b.c.d.e", "x.y.z", "b.c", "localhost", "1.2.3.4", "[2001:db8::1]"],
)
def test_filter_candidates_are_the_host_suffixes(host: str) -> None:
    is_ip = host[0].isdigit() or host.startswith("[")
    expected = host_suffixes(host, is_ip)
    flt = HostFilter([[host_key(h) for h in expected]], len(expected))
    assert flt.candidates(host, is_ip) == expected


def test_lookup_orders_most_specific_first() -> None:
    entries = ["b.example/", "a.b.example/x/", "a.b.example/x/y.html"]
    index = _index(entries)
    threat = ThreatIndex([index], [[host_key(e.partition("/")[0]) for e in entries]])
    hits = threat.lookup(canonicalize("http://a.b.example/x/y.html"))
    assert [h.expression for h in hits] == ["a.b.example/x/y.html", "a.b.example/x/", "b.example/"]
