"""Unicode scripts and the UTS #39 highly restrictive mixed-script test."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hutong.core.scripts import is_mixed_script, script_extensions_of, script_of, scripts_of

SCRIPT_CASES = {
    "ascii letters": ("taobao", {"Latin"}),
    "digits and hyphen are Common": ("123-", {"Common"}),
    "cyrillic a in latin": ("tаobao", {"Latin", "Cyrillic"}),
    "greek": ("αβγ", {"Greek"}),
    "han": ("淘宝", {"Han"}),
    "hiragana": ("ひらがな", {"Hiragana"}),
    "katakana": ("カタカナ", {"Katakana"}),
    "hangul": ("한국", {"Hangul"}),
    "arabic": ("عربي", {"Arabic"}),
    "combining mark is Inherited": ("e\u0301", {"Latin", "Inherited"}),
    "bopomofo": ("ㄅㄆ", {"Bopomofo"}),
    "empty": ("", set()),
}


@pytest.mark.parametrize(("text", "expected"), SCRIPT_CASES.values(), ids=SCRIPT_CASES.keys())
def test_scripts_of(text: str, expected: set[str]) -> None:
    assert scripts_of(text) == frozenset(expected)


def test_script_extensions_of_prolonged_sound_mark() -> None:
    # ー is Common by Script, but its extensions say it belongs with Hiragana and Katakana.
    assert script_of("ー") == "Common"
    assert script_extensions_of("ー") == frozenset({"Hiragana", "Katakana"})


MIXED = {
    "latin with cyrillic a": "tаobao",
    "latin with greek rho": "ρaypal",
    "latin with cyrillic o in jd": "jd-shор",
    "cyrillic with greek": "аβ",
    "han with cyrillic": "淘宝а",
    "hangul with katakana": "한국カ",
    "latin with arabic": "abcع",
}

NOT_MIXED = {
    "ascii": "taobao",
    "ascii with digits and hyphen": "tao-bao-123",
    "all cyrillic (whole-script, not mixed)": "аррӏе",
    "han": "食狮",
    "latin + han": "淘宝taobao",
    "japanese: latin + han + kana": "東京タワーtokyo",
    "prolonged sound mark with katakana": "ターミナル",
    "chinese: latin + han + bopomofo": "ㄅㄆ中文abc",
    "korean: latin + han + hangul": "한국語abc",
    "accented latin": "café",
    "empty": "",
    "digits only": "12306",
}


@pytest.mark.parametrize("label", MIXED.values(), ids=MIXED.keys())
def test_mixed(label: str) -> None:
    assert is_mixed_script(label)


@pytest.mark.parametrize("label", NOT_MIXED.values(), ids=NOT_MIXED.keys())
def test_not_mixed(label: str) -> None:
    assert not is_mixed_script(label)


@given(st.text(max_size=30))
def test_is_mixed_script_never_raises(text: str) -> None:
    assert isinstance(is_mixed_script(text), bool)


SINGLE_SCRIPT_ALPHABETS = {
    "ascii": "abcdefghijklmnopqrstuvwxyz0123456789-",
    "cyrillic": "абвгдежзийклмнопрстуфхцчшщъыьэюя0123456789-",
    "greek": "αβγδεζηθικλμνξοπρστυφχψω0123456789-",
    "japanese": "東京日本語ひらがなカタカナーabc123",
}


@pytest.mark.parametrize("alphabet", SINGLE_SCRIPT_ALPHABETS.values(), ids=SINGLE_SCRIPT_ALPHABETS.keys())
@given(data=st.data())
def test_allowed_alphabets_are_never_mixed(alphabet: str, data: st.DataObject) -> None:
    assert not is_mixed_script(data.draw(st.text(alphabet=alphabet, max_size=20)))
