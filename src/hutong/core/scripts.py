"""Unicode scripts of text, and the UTS #39 "highly restrictive" mixed-script test.

A lookalike host mixes scripts (Latin ``tаobao`` with a Cyrillic ``а``). UTS #39 section 5.2
defines which mixtures are legitimate: one script alone, or Latin with Han and the Japanese
kana, with Han and Bopomofo, or with Han and Hangul. Everything else in one label is mixed.

Script data come from the Unicode Character Database (Scripts.txt and ScriptExtensions.txt),
bundled as ``data/scripts.txt`` by ``tools/gen_unicode.py`` (``make unicode-data``); nothing is downloaded.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from hutong.errors import DataError

COMMON = "Common"
INHERITED = "Inherited"
UNKNOWN = "Unknown"

# UTS #39 5.2 "Highly Restrictive": the script combinations a single label may use.
_ALLOWED_COMBINATIONS: tuple[frozenset[str], ...] = (
    frozenset({"Latin", "Han", "Hiragana", "Katakana"}),
    frozenset({"Latin", "Han", "Bopomofo"}),
    frozenset({"Latin", "Han", "Hangul"}),
)


@dataclass(frozen=True, slots=True)
class _Table:
    """Range starts and their values, searched with bisect."""

    starts: tuple[int, ...]
    values: tuple[frozenset[str] | None, ...]

    def lookup(self, code_point: int) -> frozenset[str] | None:
        return self.values[bisect.bisect_right(self.starts, code_point) - 1]


@lru_cache(maxsize=1)
def _tables() -> tuple[_Table, _Table]:
    """The sc and scx tables from the bundled data file, read once."""
    text = resources.files("hutong").joinpath("data/scripts.txt").read_text(encoding="utf-8")
    rows: dict[str, tuple[list[int], list[frozenset[str] | None]]] = {"sc": ([], []), "scx": ([], [])}
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        kind, start, *names = line.split()
        if kind not in rows or not names:
            raise DataError(f"data/scripts.txt line {number} is malformed; regenerate it with make unicode-data")
        starts, values = rows[kind]
        starts.append(int(start, 16))
        values.append(None if names == ["-"] else frozenset(names))
    sc, scx = (_Table(tuple(s), tuple(v)) for s, v in (rows["sc"], rows["scx"]))
    return sc, scx


def script_of(char: str) -> str:
    """The Unicode Script property of one character (``"Latin"``, ``"Han"``, ``"Common"`` ...)."""
    value = _tables()[0].lookup(ord(char))
    return next(iter(value)) if value else UNKNOWN


def script_extensions_of(char: str) -> frozenset[str]:
    """The Script_Extensions property of one character (``ー`` is both Hiragana and Katakana)."""
    sc, scx = _tables()
    value = scx.lookup(ord(char))
    return value if value is not None else (sc.lookup(ord(char)) or frozenset({UNKNOWN}))


def scripts_of(text: str) -> frozenset[str]:
    """The set of Script property values in ``text``, Common and Inherited included."""
    return frozenset(script_of(char) for char in set(text))


def _significant_sets(label: str) -> list[frozenset[str]]:
    """Each character's script extensions, leaving out characters usable with any script."""
    out: list[frozenset[str]] = []
    for char in set(label):
        extensions = script_extensions_of(char)
        if extensions <= {COMMON, INHERITED}:
            continue
        out.append(extensions)
    return out


@lru_cache(maxsize=8192)
def is_mixed_script(label: str) -> bool:
    """True unless ``label`` is UTS #39 "highly restrictive": one script, or Latin+Han+kana/Bopomofo/Hangul.

    >>> is_mixed_script("tаobao")  # Cyrillic а
    True
    >>> is_mixed_script("東京タワーtokyo")
    False
    """
    sets = _significant_sets(label)
    if not sets:
        return False
    if frozenset.intersection(*sets):
        return False
    return not any(all(s & combination for s in sets) for combination in _ALLOWED_COMBINATIONS)


@lru_cache(maxsize=1)
def _idchars() -> tuple[tuple[int, ...], tuple[str, ...], dict[str, str]]:
    """General_Category ranges and Latin base letters from ``data/idchars.txt`` (same UCD version)."""
    text = resources.files("hutong").joinpath("data/idchars.txt").read_text(encoding="utf-8")
    starts: list[int] = []
    cats: list[str] = []
    base: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        kind, first, value = [*line.split(), "", ""][:3]
        if kind == "gc" and value:
            starts.append(int(first, 16))
            cats.append(value)
        elif kind == "base" and value:
            base[chr(int(first, 16))] = chr(int(value, 16))
        else:
            raise DataError(f"data/idchars.txt line {number} is malformed; regenerate it with make unicode-data")
    return tuple(starts), tuple(cats), base


def category_of(char: str) -> str:
    """The General_Category of one character (``"Ll"``, ``"Mn"``, ``"Pd"`` ...), from the bundled UCD.

    >>> category_of("–")
    'Pd'
    """
    starts, cats, _ = _idchars()
    return cats[bisect.bisect_right(starts, ord(char)) - 1]


def latin_base(char: str) -> str:
    """The letter a Latin letter with a stroke, bar or hook is read as (``đ`` → ``d``), else ``char``."""
    return _idchars()[2].get(char, char)
