"""Bounded memoisation of pure functions of one string (a URL or a host).

Each pipeline stage asks the same questions of the same URL and host (unwrap, identify, clean
and screen all split it); answering once is the cheapest way to make the pipeline fast. The
tables are LRU-bounded in entries, and keys longer than ``longest`` are never stored, so the
memory a table can hold is bounded too, whatever text arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

R = TypeVar("R")

URL_ENTRIES = 1024  # spans the stages of one link with room to spare; chat URLs rarely repeat
HOST_ENTRIES = 4096  # a chat service's working set of hosts
LONGEST_URL = 2048  # longer URLs are rare and computed afresh: bounds a table to a few MB
LONGEST_HOST = 253  # the DNS limit


def memo_str(fn: Callable[[str], R], *, entries: int, longest: int) -> Callable[[str], R]:
    """``fn`` with an LRU table of ``entries`` results; keys longer than ``longest`` are not stored."""
    cached = lru_cache(maxsize=entries)(fn)

    def call(key: str) -> R:
        return cached(key) if len(key) <= longest else fn(key)

    return call
