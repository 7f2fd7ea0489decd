"""UTS #39 skeletons: what a string looks like, so that look-alike strings compare equal.

``skeleton`` is the specification's ``NFD(map(NFD(X)))`` over the bundled ``data/confusables.txt``
(Unicode 17.0.0), case-folded; ``plain_skeleton`` also takes diacritics and strokes off, as a reader
does at a glance (``táobao`` reads as ``taobao``).
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from importlib import resources

from ..core.scripts import category_of, latin_base


@cache
def _confusables() -> dict[str, str]:
    table: dict[str, str] = {}
    text = (resources.files("hutong") / "data" / "confusables.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        src, _, dst = line.partition("\t")
        table[chr(int(src, 16))] = "".join(chr(int(cp, 16)) for cp in dst.split())
    return table


@lru_cache(maxsize=1 << 16)  # labels repeat (www, com, brand names): the cache halves lookalike time
def skeleton(text: str) -> str:
    """UTS #39 ``skeleton(X) = NFD(map(NFD(X)))``, case-folded so digit/letter look-alikes meet (0→O→o)."""
    table = _confusables()
    mapped = "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped).casefold()


def plain_skeleton(text: str) -> str:
    """The skeleton of ``text`` with its diacritics and strokes taken off (``táobao``, ``đigk`` → ``taobao``, ``digk``).

    UTS #39 keeps accents in a skeleton (``é`` is not confusable with ``e``); a browser compares names
    without them, since ``táobao.com`` reads as ``taobao.com`` at a glance."""
    bare = "".join(latin_base(c) for c in unicodedata.normalize("NFD", text) if not category_of(c).startswith("M"))
    return skeleton(bare)
