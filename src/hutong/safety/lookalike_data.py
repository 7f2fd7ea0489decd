"""Facts the spoof checks (``hutong.safety.spoof``) need beyond the Unicode property tables.

UAX #31's recommended scripts, the ranges of letters UTS #39 does not recommend in identifiers
(``Identifier_Type`` Technical, Uncommon_Use, Obsolete: small capitals, IPA, Latin Extended-C/D/E
...), characters one TLD's language needs, the ccTLDs of countries writing a script, and what some
letters look like where UTS #39's ``confusables.txt`` is silent (it lists ``а → a`` but not Thai
``ฟ`` ≈ ``w`` or ``七`` ≈ ``t``). Each entry names a visual fact; none names a site.
"""

from __future__ import annotations

# UAX #31 Table 5 (Recommended Scripts), with Common and Inherited, whose characters are judged one by one.
RECOMMENDED_SCRIPTS = frozenset({
    "Common", "Inherited", "Arabic", "Armenian", "Bengali", "Bopomofo", "Cyrillic", "Devanagari",
    "Ethiopic", "Georgian", "Greek", "Gujarati", "Gurmukhi", "Han", "Hangul", "Hebrew", "Hiragana",
    "Kannada", "Katakana", "Khmer", "Lao", "Latin", "Malayalam", "Myanmar", "Oriya", "Sinhala", "Tamil",
    "Telugu", "Thaana", "Thai", "Tibetan",
})  # fmt: skip

# Blocks of recommended scripts that UTS #39 leaves out of identifiers (not Allowed).
UNCOMMON_RANGES: tuple[tuple[int, int], ...] = (
    (0x03F6, 0x03FF),  # Greek archaic and symbol letters (ϼ)
    (0x0591, 0x05C7),  # Hebrew cantillation marks and points
    (0x1100, 0x11FF),  # Hangul conjoining jamo (names use syllables)
    (0x1C80, 0x1C8F),  # Cyrillic Extended-C
    (0x2DE0, 0x2DFF),  # Cyrillic Extended-A (combining)
    (0x31F0, 0x31FF),  # Katakana Phonetic Extensions (Ainu small kana)
    (0xA640, 0xA69F),  # Cyrillic Extended-B
)

# Latin letters no language writes domain names in: IPA, phonetic and small capitals, Latin Extended-C,
# -D, -E, -F, -G, Pinyin tone letters, clicks, kra and the like. ə (Azerbaijani), ɛ ɔ (West African) stay.
RARE_LATIN: tuple[tuple[int, int], ...] = (
    (0x0138, 0x0138),  # ĸ kra
    (0x0180, 0x0180),
    (0x0184, 0x0185),  # ƅ tone six
    (0x01A6, 0x01A6),
    (0x01AA, 0x01AB),
    (0x01BA, 0x01BB),
    (0x01BE, 0x01C3),  # ǀ ǁ ǂ ǃ clicks
    (0x01CD, 0x01DC),  # Pinyin tone letters (ǔ)
    (0x0222, 0x0223),  # ȣ ou
    (0x0234, 0x024F),
    (0x0250, 0x0253),
    (0x0255, 0x0258),
    (0x025A, 0x025A),
    (0x025C, 0x02AF),  # IPA Extensions (ɡ ɢ ʟ ...)
    (0x1D00, 0x1DBF),  # Phonetic Extensions: small capitals (ᴏ ᴇ ᴡ)
    (0x1E9C, 0x1E9F),
    (0x2C60, 0x2C7F),  # Latin Extended-C (ⱴ)
    (0xA720, 0xA7FF),  # Latin Extended-D (ꝴ)
    (0xAB30, 0xAB6F),  # Latin Extended-E (ꬺ)
    (0x10780, 0x107BF),  # Latin Extended-F
    (0x1DF00, 0x1DFFF),  # Latin Extended-G
)

# Letters a TLD's language needs and others do not (Icelandic, Faroese, Azerbaijani).
TLD_CHARACTERS: dict[str, frozenset[str]] = {
    "\u00fe": frozenset({"is", "fo"}),  # þ
    "\u00f0": frozenset({"is", "fo"}),  # ð
    "\u0259": frozenset({"az"}),  # ə
    "\u00b7": frozenset({"cat"}),  # · only in Catalan l·l
}

# ccTLDs of countries writing a script (a TLD written in the script counts by itself).
SCRIPT_TLDS: dict[str, frozenset[str]] = {
    "Cyrillic": frozenset({"ba", "bg", "by", "kg", "kz", "me", "mk", "mn", "rs", "ru", "su", "tj", "ua", "uz"}),
    "Greek": frozenset({"gr", "cy"}),
    "Armenian": frozenset({"am"}),
    "Ethiopic": frozenset({"et", "er"}),
    "Georgian": frozenset({"ge"}),
    "Hebrew": frozenset({"il"}),
    "Myanmar": frozenset({"mm"}),
    "Thai": frozenset({"th"}),
    "Lao": frozenset({"la"}),
    "Khmer": frozenset({"kh"}),
    "Sinhala": frozenset({"lk"}),
    "Thaana": frozenset({"mv"}),
    "Tibetan": frozenset({"cn", "bt"}),
    "Arabic": frozenset({"ae", "bh", "dz", "eg", "iq", "ir", "jo", "kw", "lb", "ly", "ma", "om", "pk", "ps",
                         "qa", "sa", "sd", "sy", "tn", "ye", "af"}),
    "Bengali": frozenset({"bd", "in"}),
    "Devanagari": frozenset({"in", "np"}),
    "Gujarati": frozenset({"in"}),
    "Gurmukhi": frozenset({"in"}),
    "Kannada": frozenset({"in"}),
    "Malayalam": frozenset({"in"}),
    "Oriya": frozenset({"in"}),
    "Tamil": frozenset({"in", "lk", "sg"}),
    "Telugu": frozenset({"in"}),
}  # fmt: skip

# Letters of other scripts and the Latin they look like, where confusables.txt has no ASCII prototype.
LATIN_LOOKALIKES: dict[str, str] = {
    # Greek
    "κ": "k", "τ": "t", "η": "n", "ω": "w", "ν": "v",
    # Cyrillic
    "ы": "bl", "ю": "lo", "ъ": "b", "п": "n", "г": "r", "ѵ": "v", "ѡ": "w", "ҽ": "e", "ԗ": "rb", "ь": "b", "ԍ": "g",
    # Ethiopic, Hebrew, Georgian
    "ሠ": "w", "ፐ": "t", "ח": "n", "ძ": "d",
    # Thai, Lao
    "ท": "n", "น": "u", "บ": "u", "พ": "w", "ฟ": "w", "ร": "s", "ห": "h", "ก": "n", "ด": "o", "ล": "a",
    "ພ": "w", "ຟ": "w", "ຣ": "s", "ຮ": "s", "ບ": "u",
    # Indic
    "ऽ": "s", "ડ": "s", "ટ": "s", "ಽ": "s", "೧": "a", "ധ": "w", "୮": "s", "ட": "l", "ப": "u", "౧": "a",
    # Myanmar
    "ဂ": "o", "ခ": "o",
}  # fmt: skip

# Characters that look like ASCII digits (a label of these and digits reads as a number).
DIGIT_LOOKALIKES: dict[str, str] = {
    "շ": "2", "з": "3", "ҙ": "3", "ӡ": "3", "उ": "3", "ও": "8", "ਤ": "3", "ဒ": "3", "ვ": "3", "პ": "3",
    "კ": "3", "ੜ": "3", "ㄐ": "4", "Ꮞ": "4", "丩": "4", "б": "6", "ճ": "6", "ȣ": "8", "θ": "0", "ଠ": "0",
    "ꓳ": "0", "ꓲ": "1", "ᒿ": "2", "ძ": "d",
    "০": "0", "২": "2", "৪": "8", "৭": "9", "੦": "0", "੧": "9", "੨": "2", "੩": "3", "੪": "8", "੫": "4",
    "૦": "0", "૨": "2", "૩": "3", "૭": "7", "୦": "0", "୨": "9", "୫": "8", "౦": "0", "౨": "2", "೦": "0",
    "೩": "3", "೭": "2", "०": "0", "२": "2", "႐": "0", "႑": "0", "႕": "g", "႖": "g", "႗": "3",
    "၀": "0", "໐": "0", "๐": "0",
}  # fmt: skip

# CJK characters that look like Latin letters, digits or strokes (Han and Bopomofo).
CJK_LATIN_LOOKALIKES: dict[str, str] = {
    "七": "t", "丅": "t", "丆": "t", "丁": "j", "十": "t", "丫": "y", "乂": "x", "丩": "4", "工": "i",
    "讠": "i", "丨": "l", "乛": "7", "〇": "o", "ㄒ": "t", "ㄚ": "y", "ㄟ": "\\", "ㄨ": "x", "ㄩ": "u",
    "ㄈ": "c", "ㆺ": "t", "ㆳ": "y", "ㄐ": "4",
}  # fmt: skip
CJK_SLASHES: dict[str, str] = {
    "ノ": "/", "ソ": "/", "ゾ": "/", "ン": "/", "丶": "\\", "乀": "\\", "乁": "\\", "丿": "/",
}  # fmt: skip
