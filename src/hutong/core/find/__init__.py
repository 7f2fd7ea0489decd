"""Step 1 of the pipeline, *find*: every link in a chat message, with code-point spans.

>>> from hutong.core.find import find_links
>>> [(f.form, f.text) for f in find_links("去taobao.com看看")]
[('domain', 'taobao.com')]
"""

from __future__ import annotations

from functools import cache

from ..model import Found
from .finder import Finder, Finds

__all__ = ["Finder", "Finds", "default_finder", "find_links"]


@cache
def default_finder() -> Finder:
    """The shared Finder over the bundled platforms (built once)."""
    return Finder()


def find_links(text: str) -> tuple[Found, ...]:
    """Every link in ``text`` using the bundled platforms' share-text data."""
    return default_finder().find(text)
