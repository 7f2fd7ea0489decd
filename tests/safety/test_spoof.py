"""IDN spoofing tricks, class by class (UTS #39, UTS #46, UAX #31), and legitimate IDNs that must pass.

The cases are written from the classes of trick and the Unicode specifications, not copied from any
other project's tables. Hosts go through hutong's URL parser first, as links do.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hutong.core.platforms import bundled
from hutong.core.urls import normalise
from hutong.safety.lookalike import ProtectedSet, plain_skeleton, to_unicode
from hutong.safety.spoof import label_reasons, tld_forms

PROTECTED = ProtectedSet.default(bundled())


def _findings(host: str) -> dict[str, dict[str, str]]:
    ascii_host = normalise(f"https://{host}/").host
    return {r.code: dict(r.evidence) for r in PROTECTED.findings(ascii_host)}


SPOOFS = [
    # (host, code that must be found, evidence that must be part of it)
    # skeletons with the diacritics taken off, against protected names
    pytest.param(
        "táobao.com", "lookalike.skeleton", {"looks_like": "taobao.com", "chars": "U+00E1"}, id="accent-taobao"
    ),
    pytest.param("pàypal.com", "lookalike.skeleton", {"looks_like": "paypal.com"}, id="accent-paypal"),
    pytest.param("googlé.com", "lookalike.skeleton", {"looks_like": "google.com"}, id="accent-google"),
    pytest.param("bаidü.com", "lookalike.skeleton", {"looks_like": "baidu.com"}, id="cyrillic-and-accent"),
    pytest.param("ƌouyin.com", "lookalike.skeleton", {"looks_like": "douyin.com"}, id="d-with-topbar"),
    pytest.param("ħuawei.com", "lookalike.skeleton", {"looks_like": "huawei.com"}, id="h-with-stroke"),
    # whole-script confusables, with digits and hyphens too
    pytest.param(
        "аррӏе.com", "lookalike.whole_script", {"script": "Cyrillic", "reads_as": "apple"}, id="cyrillic-apple"
    ),
    pytest.param("аррӏе1.com", "lookalike.whole_script", {"reads_as": "apple"}, id="cyrillic-apple-digit"),
    pytest.param("ѕсоре-2024.com", "lookalike.whole_script", {"reads_as": "scope"}, id="cyrillic-hyphen-digits"),
    pytest.param("сосо.com", "lookalike.whole_script", {"script": "Cyrillic"}, id="cyrillic-coco-under-com"),
    pytest.param("ικα.net", "lookalike.whole_script", {"script": "Greek", "reads_as": "ika"}, id="greek-under-net"),
    pytest.param("ѕсоре.한국", "lookalike.whole_script", {"script": "Cyrillic"}, id="cyrillic-under-hangul-tld"),
    pytest.param("ոսօ.com", "lookalike.whole_script", {"script": "Armenian"}, id="armenian-under-com"),
    # CJK characters that look like Latin letters, dashes or strokes, beside Latin
    pytest.param("taobao一com.com", "lookalike.cjk_latin", {"chars": "U+4E00"}, id="yi-as-dash-taobao"),
    pytest.param("google一com.com", "lookalike.cjk_latin", {"chars": "U+4E00"}, id="yi-as-dash-google"),
    pytest.param("七est.net", "lookalike.cjk_latin", {"chars": "U+4E03"}, id="qi-as-t"),
    pytest.param("shop丨ogin.com", "lookalike.cjk_latin", {"chars": "U+4E28"}, id="gun-as-l"),
    pytest.param("丫ahoo.com", "lookalike.cjk_latin", {"chars": "U+4E2B"}, id="ya-as-y"),
    pytest.param("ㄧpad.com", "lookalike.cjk_latin", {"chars": "U+3127"}, id="bopomofo-i-as-dash"),
    pytest.param("mail丿login.com", "lookalike.cjk_latin", {"chars": "U+4E3F"}, id="pie-as-slash"),
    pytest.param("bankノlogin.jp", "lookalike.cjk_latin", {"chars": "U+30CE"}, id="katakana-no-as-slash"),
    # Japanese kana marks out of place
    pytest.param("shopーonline.jp", "lookalike.kana", {"chars": "U+30FC"}, id="prolonged-mark-between-latin"),
    pytest.param("ー東京.jp", "lookalike.kana", {"chars": "U+30FC"}, id="prolonged-mark-first"),
    pytest.param("東京ー大阪.jp", "lookalike.kana", {"chars": "U+30FC"}, id="prolonged-mark-after-han"),
    pytest.param("abcヽ.jp", "lookalike.kana", {"chars": "U+30FD"}, id="katakana-iteration-after-latin"),
    pytest.param("あヾ.jp", "lookalike.kana", {"chars": "U+30FE"}, id="katakana-iteration-after-hiragana"),
    pytest.param("カタカナへ.jp", "lookalike.kana", {"chars": "U+3078"}, id="hiragana-he-among-katakana"),
    pytest.param("taobao゙.com", "lookalike.combining", {"chars": "U+3099"}, id="voiced-mark-on-latin"),
    # symbols, dashes and quotes inside Latin labels
    pytest.param("abc–def.com", "lookalike.symbol", {"chars": "U+2013"}, id="en-dash"),
    pytest.param("shop—online.com", "lookalike.symbol", {"chars": "U+2014"}, id="em-dash"),
    pytest.param("pay‐pal.com", "lookalike.symbol", {"chars": "U+2010"}, id="unicode-hyphen"),
    pytest.param("a’b.com", "lookalike.symbol", {"chars": "U+2019"}, id="right-quote"),
    pytest.param("aʼb.com", "lookalike.symbol", {"chars": "U+02BC"}, id="modifier-apostrophe"),
    pytest.param("secure♥bank.com", "lookalike.symbol", {"chars": "U+2665"}, id="heart"),
    pytest.param("🔒bank.com", "lookalike.symbol", {"chars": "U+1F512"}, id="padlock-emoji"),
    pytest.param("‹bank›.com", "lookalike.symbol", {"chars": "U+2039 U+203A"}, id="angle-quotes"),
    pytest.param("100°c.com", "lookalike.symbol", {"chars": "U+00B0"}, id="degree-sign"),
    # small capitals, IPA and other rare letters
    pytest.param(
        "ɢᴏᴏɢʟᴇ.com", "lookalike.rare_letter", {"chars": "U+0262 U+1D0F U+029F U+1D07"}, id="small-caps-google"
    ),
    pytest.param("ᴛaobao.com", "lookalike.rare_letter", {"chars": "U+1D1B"}, id="small-cap-t"),
    pytest.param("ɡmail.com", "lookalike.rare_letter", {"chars": "U+0261"}, id="script-g"),
    pytest.param("ǎpple.com", "lookalike.rare_letter", {"chars": "U+01CE"}, id="pinyin-tone-letter"),
    pytest.param("oĸ.com", "lookalike.rare_letter", {"chars": "U+0138"}, id="kra"),
    # characters one TLD's language uses
    pytest.param("aþb.com", "lookalike.tld_char", {"chars": "U+00FE", "only_under": ".fo/.is"}, id="thorn-outside-is"),
    pytest.param("eðda.net", "lookalike.tld_char", {"chars": "U+00F0"}, id="eth-outside-is"),
    pytest.param("əpple.com", "lookalike.tld_char", {"chars": "U+0259", "only_under": ".az"}, id="schwa-outside-az"),
    pytest.param("go·ogle.com", "lookalike.tld_char", {"chars": "U+00B7"}, id="middle-dot-outside-cat"),
    pytest.param("a·l.cat", "lookalike.tld_char", {"chars": "U+00B7"}, id="middle-dot-not-between-ls"),
    # combining marks and invisible diacritics
    pytest.param("pi̇xel.com", "lookalike.combining", {"chars": "U+0307"}, id="dot-above-on-i"),
    pytest.param("l̇ine.com", "lookalike.combining", {"chars": "U+0307"}, id="dot-above-on-l"),
    pytest.param("pı̇xel.com", "lookalike.combining", {"chars": "U+0307"}, id="dot-above-on-dotless-i"),
    pytest.param("ȷ́ava.com", "lookalike.combining", {"chars": "U+0301"}, id="accent-on-dotless-j"),
    pytest.param("á́pple.com", "lookalike.combining", {"chars": "U+0301"}, id="accent-twice"),
    pytest.param("shop̸ping.com", "lookalike.combining", {"chars": "U+0338"}, id="solidus-overlay"),
    pytest.param("中̇国.com", "lookalike.combining", {"chars": "U+0307"}, id="latin-accent-on-han"),
    pytest.param("bankِ.com", "lookalike.combining", {"chars": "U+0650"}, id="arabic-mark-on-latin"),
    # deviation and zero-width characters (UTS #46)
    pytest.param("क्\u200d.in", "lookalike.invisible", {"chars": "U+200D"}, id="zero-width-joiner"),
    pytest.param("त्\u200cर.in", "lookalike.invisible", {"chars": "U+200C"}, id="zero-width-non-joiner"),
    # digits: several number systems, and look-alikes of digits
    pytest.param("12з45.com", "lookalike.numbers", {"chars": "U+0437"}, id="cyrillic-ze-as-3"),
    pytest.param("7৪9.com", "lookalike.numbers", {"chars": "U+09EA"}, id="bengali-digit-among-ascii"),
    pytest.param("੨੨੨.com", "lookalike.numbers", {"chars": "U+0A68"}, id="gurmukhi-digits-as-222"),
    pytest.param("2024θ.com", "lookalike.numbers", {"chars": "U+03B8"}, id="theta-as-0"),
    # scripts not recommended for names (UAX #31), mixing beyond "highly restrictive"
    pytest.param("ꔋꔌ.com", "lookalike.script", {"scripts": "Vai"}, id="vai"),
    pytest.param("ᏟᎪᎡᎠ.com", "lookalike.script", {"scripts": "Cherokee"}, id="cherokee-card"),
    pytest.param("ⵜⵉⴼⵉⵏⴰⵖ.com", "lookalike.script", {"scripts": "Tifinagh"}, id="tifinagh"),
    pytest.param("tаobao.com", "lookalike.mixed_script", {"scripts": "Cyrillic,Latin"}, id="latin-with-cyrillic"),
    pytest.param("café咖啡.cn", "lookalike.mixed_script", {"chars": "U+00E9"}, id="accented-latin-beside-han"),
    pytest.param("한글ひら.kr", "lookalike.mixed_script", {}, id="hangul-with-hiragana"),
    # not valid IDNA 2008 at all
    pytest.param("xn--example-.com", "lookalike.not_idna", {"label": "xn--example-"}, id="bad-punycode"),
]


@pytest.mark.parametrize(("host", "code", "evidence"), SPOOFS)
def test_spoof_is_found_and_explained(host: str, code: str, evidence: dict[str, str]) -> None:
    found = _findings(host)
    assert code in found, found
    assert found[code].items() >= evidence.items()
    reasons = PROTECTED.findings(normalise(f"https://{host}/").host)
    assert all(r.detail and r.detail_zh for r in reasons)


LEGITIMATE = [
    # Chinese, with and without ASCII Latin and digits
    "中国移动.中国", "北京大学.cn", "淘宝网.com", "百度一下.com", "七天酒店.com", "一号店.com", "丁香园.com",
    "十月.com", "工商银行.cn", "人民网.中国", "3m中国.com", "qq音乐.com", "58同城.com", "中国tv.cn", "iphone专卖.com",
    "一123.com", "例子.测试", "臺灣大學.tw", "注音ㄅㄆㄇㄈ.tw", "漢字hanzi.tw",
    # Japanese
    "東京タワー.jp", "ヤフー.jp", "ソニー.jp", "さくらインターネット.jp", "ノート.jp", "ゆうちょ銀行.jp",
    "日本・東京.jp",
    "ポケモンgo.jp", "ラーメン.com", "いすゞ.jp", "カー野球.jp", "コマース.jp", "ノ.jp", "ビタミンb1.com",
    # Korean
    "한국.kr", "삼성전자.com", "네이버.com", "카카오톡.kr", "서울대학교.kr", "한글han.kr", "정부.한국",
    # Cyrillic under Cyrillic TLDs (whole-script lookalikes included), and without lookalikes anywhere
    "президент.рф", "сосо.рф", "ѕсоре.рф", "ѕсоре-123.рф", "курс.рф", "москва.рф", "яндекс.рф", "сосо.ru",
    "ѕсоре.ru", "софия.бг", "тест.укр", "москва.com", "музей.com", "торты-123.ru",
    # Greek
    "ικα.ελ", "ικα.gr", "ελλάδα.gr", "αθήνα.ελ", "κυβέρνηση.gr", "ουτοπία-123.gr",
    # German, Swedish, French and other Latin-script languages
    "bücher.de", "straße.de", "müller.de", "größe.de", "fuß.de", "köln.de", "färgbolaget.se", "göteborg.se",
    "malmö.se", "åre.se", "café.fr", "crème-brûlée.fr", "œuvre.fr", "cœur.fr", "noël.fr", "garçon.fr",
    "alliancefrançaise.fr", "españa.es", "niño.es", "łódź.pl", "čeština.cz", "türkiye.com.tr", "ışık.com.tr",
    "tiếngviệt.vn", "pãoemaçã.com.br", "þjóð.is", "ðæ.fo", "ərazi.az", "col·legi.cat",
    # other scripts under their own TLDs or with no Latin lookalike
    "עברית.il", "צה״ל.il", "مصر.eg", "موقع.com", "ไทย.th", "สวัสดี.com", "भारत.in", "हिंदी.com", "இந்தியா.in",
    "հայաստան.am", "ოუ.ge",
]  # fmt: skip


@pytest.mark.parametrize("host", LEGITIMATE)
def test_legitimate_idn_is_not_flagged(host: str) -> None:
    assert _findings(host) == {}


@pytest.mark.parametrize(
    ("tld", "forms"),
    [
        pytest.param("рф", {"рф", "xn--p1ai"}, id="unicode-tld"),
        pytest.param("xn--p1ai", {"рф", "xn--p1ai"}, id="punycode-tld"),
        pytest.param("ελ", {"ελ", "xn--qxam"}, id="greek-tld"),
        pytest.param("com", {"com"}, id="ascii-tld"),
    ],
)
def test_tld_exemption_compares_both_forms(tld: str, forms: set[str]) -> None:
    assert tld_forms(tld) == forms
    # the same label is judged the same under either spelling of the TLD
    assert label_reasons("ѕсоре", tld) == label_reasons("ѕсоре", next(iter(forms - {tld}), tld))


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        pytest.param("táobao", "taobao", id="acute"),
        pytest.param("đigit", "digit", id="stroke"),
        pytest.param("øre", "ore", id="slash-o"),
        pytest.param("ƌouyin", "douyin", id="topbar"),
    ],
)
def test_plain_skeleton_drops_diacritics(text: str, plain: str) -> None:
    assert plain_skeleton(text) == plain


def test_labels_idna_refuses_are_still_read() -> None:
    # a browser shows xn--ab-n2t as a’b: hutong reads it the same way to say what is wrong with it
    assert to_unicode("xn--ab-n2t.com") == "a’b.com"
    # punycode that decodes to nothing but ASCII is no name at all: it stays as written
    assert to_unicode("xn--example-.com") == "xn--example-.com"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from(["com", "рф", "xn--p1ai", "jp", "cat", ""]))
def test_any_label_is_judged_without_error(label: str, tld: str) -> None:
    for reason in label_reasons(label, tld):
        assert reason.code.startswith("lookalike.") and reason.detail and reason.detail_zh


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=30))
def test_any_punycode_host_is_judged_without_error(tail: str) -> None:
    PROTECTED.findings(f"xn--{tail}.com")
