"""Every bundled Unicode table comes from one Unicode version, says so, and carries the Unicode licence."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from hutong.core.scripts import category_of, latin_base, script_extensions_of, script_of

TABLES = ("scripts.txt", "idchars.txt", "confusables.txt")


def _head(name: str) -> str:
    text = (resources.files("hutong") / "data" / name).read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines()[:5] if line.startswith("#"))


def test_one_unicode_version_for_every_table() -> None:
    versions = {name: re.findall(r"\b(\d+\.\d+\.\d+)\b", _head(name)) for name in TABLES}
    assert {v[0] for v in versions.values() if v} == {"17.0.0"}, versions
    assert all(versions.values()), versions


@pytest.mark.parametrize("name", TABLES)
def test_tables_carry_the_unicode_licence(name: str) -> None:
    assert "Unicode License" in _head(name)


@pytest.mark.parametrize(
    ("char", "category", "script", "extensions"),
    [
        pytest.param("a", "Ll", "Latin", {"Latin"}, id="ascii-letter"),
        pytest.param("–", "Pd", "Common", {"Common"}, id="en-dash"),
        pytest.param("ー", "Lm", "Common", {"Hiragana", "Katakana"}, id="prolonged-sound-mark"),
        pytest.param("\u0301", "Mn", "Inherited", {"Latin", "Greek", "Cyrillic"}, id="combining-acute"),
        pytest.param("\u3099", "Mn", "Inherited", {"Hiragana", "Katakana"}, id="kana-voiced-mark"),
        pytest.param("中", "Lo", "Han", {"Han"}, id="han"),
        pytest.param("\U0001f512", "So", "Common", {"Common"}, id="emoji"),
    ],
)
def test_properties_from_the_bundled_ucd(char: str, category: str, script: str, extensions: set[str]) -> None:
    assert (category_of(char), script_of(char)) == (category, script)
    assert extensions <= script_extensions_of(char)  # 17.0 gives U+0301 the scripts that use it


@pytest.mark.parametrize(("char", "base"), [("đ", "d"), ("ł", "l"), ("ø", "o"), ("ħ", "h"), ("a", "a"), ("é", "é")])
def test_latin_base_letters(char: str, base: str) -> None:
    assert latin_base(char) == base
