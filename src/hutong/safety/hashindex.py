"""A compact in-memory hash-prefix index, confirmed on the full SHA-256, as Safe Browsing clients keep one.

Per feed: the sorted 4-byte prefixes of every entry's expression hash live in an ``array('I')``
(4 bytes an entry); the full hashes and flags stay in a read-only buffer (an ``mmap`` of the
feed file) and are read only when a prefix matches. Across feeds, a :class:`HostFilter` (a
bitmap of CRC-32s of entry hosts) answers "could any feed list something on this host?" with
one cheap test per host suffix, so the SHA-256 of a URL's expressions is computed only for the
rare URL whose host passes it. A CRC collision costs a little work, never a wrong answer: every
hit is confirmed on the full 32-byte hash.
"""

from __future__ import annotations

import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from hashlib import sha256

from .canon import MAX_HOSTS, Canonical, path_prefixes

HASH_SIZE = 32
FLAG_EXACT_HOST = 1  # the entry names one host only (hosts files, shared-hosting suffixes), not subdomains
FLAG_EXCEPTION = 2  # an allow entry (adblock ``@@``) that cancels this feed's hits on the same URL

Buffer = bytes | bytearray | memoryview


def host_key(host: str) -> int:
    """The 32-bit key of a canonical host used by the host filter (canonical hosts are ASCII)."""
    return zlib.crc32(host.encode("ascii", "replace"))


def expression_host(expression: str) -> str:
    """The host part of a Safe Browsing expression (``host/path?query``)."""
    return expression.partition("/")[0]


def prefix_of(digest: bytes) -> int:
    return int.from_bytes(digest[:4], "big")


def u32_array(data: Buffer) -> array[int]:
    """A little-endian uint32 buffer as an ``array('I')`` on this machine."""
    out = array("I")
    out.frombytes(bytes(data))
    if sys.byteorder != "little":  # pragma: no cover - files are little-endian everywhere
        out.byteswap()
    return out


class HostFilter:
    """A bitmap over host CRC-32s: a miss proves no entry is on that host; a hit needs checking."""

    __slots__ = ("_bits", "_mask")

    def __init__(self, keys: Iterable[Sequence[int]], count: int) -> None:
        # 64 bits per host keeps the false-hit rate near 1.5 % per host suffix at 8 MB per million hosts.
        size = 1 << 16
        while size < count * 64 and size < 1 << 32:
            size <<= 1
        self._mask = size - 1
        bits = bytearray(size >> 3)
        mask = self._mask
        for seq in keys:
            for key in seq:
                k = key & mask
                bits[k >> 3] |= 1 << (k & 7)
        self._bits = bits

    def candidates(self, host: str, is_ip: bool) -> list[str]:
        """The host suffixes (as :func:`~hutong.safety.canon.host_suffixes`) that pass the filter.

        Written out rather than calling host_suffixes and ``in``: this runs for every URL screened.
        """
        bits, mask, crc = self._bits, self._mask, zlib.crc32
        out: list[str] = []
        k = crc(host.encode("ascii", "replace")) & mask
        if bits[k >> 3] >> (k & 7) & 1:
            out.append(host)
        if is_ip or host.startswith("["):
            return out
        suffixes: list[str] = []
        pos = host.rfind(".")
        for _ in range(MAX_HOSTS - 1):
            pos = host.rfind(".", 0, pos)
            if pos == -1:
                break
            suffix = host[pos + 1 :]
            k = crc(suffix.encode("ascii", "replace")) & mask
            if bits[k >> 3] >> (k & 7) & 1:
                suffixes.append(suffix)
        out.extend(reversed(suffixes))  # longest first, as Safe Browsing orders them
        return out

    def __contains__(self, host: str) -> bool:
        k = host_key(host) & self._mask
        return bool(self._bits[k >> 3] >> (k & 7) & 1)


@dataclass(frozen=True, slots=True)
class Hit:
    """One confirmed match: which index (``source``), which entry, on which expression."""

    source: int
    entry: int
    expression: str
    flags: int


class HashIndex:
    """Sorted prefixes in memory; full hashes and flags are read only on a prefix hit."""

    __slots__ = ("_flags", "_hashes", "prefixes")

    def __init__(self, prefixes: array[int], hashes: Buffer, flags: Buffer) -> None:
        if len(hashes) != len(prefixes) * HASH_SIZE or len(flags) != len(prefixes):
            raise ValueError("hash index sections disagree in length")
        self.prefixes = prefixes
        self._hashes = memoryview(hashes)
        self._flags = memoryview(flags)

    def __len__(self) -> int:
        return len(self.prefixes)

    def find(self, digest: bytes) -> list[int]:
        """Entry numbers whose full hash is ``digest``."""
        prefixes = self.prefixes
        p = prefix_of(digest)
        i = bisect_left(prefixes, p)
        out: list[int] = []
        n = len(prefixes)
        while i < n and prefixes[i] == p:
            if self._hashes[i * HASH_SIZE : (i + 1) * HASH_SIZE] == digest:
                out.append(i)
            i += 1
        return out

    def flags(self, entry: int) -> int:
        return int(self._flags[entry])

    def full_hash(self, entry: int) -> bytes:
        return bytes(self._hashes[entry * HASH_SIZE : (entry + 1) * HASH_SIZE])


class ThreatIndex:
    """Several hash indexes behind one host filter; ``lookup`` gives confirmed hits for a canonical URL."""

    __slots__ = ("filter", "indexes")

    def __init__(self, indexes: Sequence[HashIndex], host_keys: Sequence[Sequence[int]]) -> None:
        self.indexes = tuple(indexes)
        self.filter = HostFilter(host_keys, sum(len(k) for k in host_keys))

    def lookup(self, c: Canonical) -> list[Hit]:
        """Every entry in every index whose expression is one of the URL's expressions."""
        hosts = self.filter.candidates(c.host, c.is_ip)
        if not hosts:
            return []
        paths = path_prefixes(c.path, c.query)
        hits: list[Hit] = []
        for host in hosts:
            for path in paths:
                expression = host + path
                digest = sha256(expression.encode("latin-1", "replace")).digest()
                for source, index in enumerate(self.indexes):
                    for entry in index.find(digest):
                        hits.append(Hit(source, entry, expression, index.flags(entry)))
        return hits


def build_sorted(digests: Sequence[bytes]) -> list[int]:
    """The order that sorts ``digests`` (so prefixes come out sorted too)."""
    return sorted(range(len(digests)), key=digests.__getitem__)
