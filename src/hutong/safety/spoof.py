"""Spoofing tricks inside one host label, the checks a browser runs before it shows an IDN in Unicode.

Each check reads a label in its Unicode form and says, in words, which characters do what. They
follow UTS #39 (restriction levels, mixed numbers, whole-script confusables, invisible and
combining characters), UTS #46 (deviation characters) and UAX #31 (which scripts are recommended in
identifiers), and the classes of lookalike Chromium's IDN spoof checker refuses to show; the data are
the bundled Unicode 17.0 tables (``data/scripts.txt``, ``data/idchars.txt``, ``data/confusables.txt``).

Legitimate names pass: Chinese, Japanese and Korean with or without ASCII Latin, Cyrillic and Greek
(also whole-script lookalikes such as ``сосо``, under a TLD of their own script or country), Latin with
the diacritics of European languages. Codes: ``lookalike.script`` (a script not recommended for names),
``lookalike.symbol`` (symbols, punctuation, dashes and quotes that look like ``-`` or ``'``),
``lookalike.rare_letter`` (small capitals, IPA and other letters no language writes names in),
``lookalike.tld_char`` (``þ`` outside ``.is``), ``lookalike.combining`` (stacked, stray or overlaid
marks), ``lookalike.invisible`` (zero-width joiners), ``lookalike.kana`` (Japanese marks out of place),
``lookalike.cjk_latin`` (CJK characters that look like Latin letters, digits or strokes beside Latin),
``lookalike.numbers`` (digits of several systems, or look-alikes of digits), ``lookalike.whole_script``
and ``lookalike.mixed_script``.
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache

import idna

from ..core.model import Level, Reason
from ..core.scripts import COMMON, INHERITED, category_of, is_mixed_script, script_extensions_of, script_of
from .lookalike_data import (
    CJK_LATIN_LOOKALIKES,
    CJK_SLASHES,
    DIGIT_LOOKALIKES,
    LATIN_LOOKALIKES,
    RARE_LATIN,
    RECOMMENDED_SCRIPTS,
    SCRIPT_TLDS,
    TLD_CHARACTERS,
    UNCOMMON_RANGES,
)
from .skeleton import skeleton

_CJK = frozenset({"Han", "Hiragana", "Katakana", "Bopomofo", "Hangul"})
_KANA = frozenset({"Hiragana", "Katakana"})
_LGC = frozenset({"Latin", "Greek", "Cyrillic"})
_INVISIBLE = frozenset("\u200c\u200d\u200b\u2060\ufeff\u00ad\u034f")  # ZWNJ, ZWJ (UTS #46 deviations) ...
_OVERLAYS = frozenset("\u0334\u0335\u0336\u0337\u0338\u20d2\u20d3\u20e5\u20e6")  # marks that draw a stroke
_DOT_ABOVE = "\u0307"


_ZH_SCRIPTS = {
    "Latin": "拉丁", "Cyrillic": "西里尔", "Greek": "希腊", "Armenian": "亚美尼亚", "Georgian": "格鲁吉亚",
    "Hebrew": "希伯来", "Arabic": "阿拉伯", "Thai": "泰", "Lao": "老挝", "Ethiopic": "埃塞俄比亚",
    "Myanmar": "缅甸", "Han": "汉", "Hiragana": "平假名", "Katakana": "片假名", "Hangul": "谚文",
    "Bopomofo": "注音", "Devanagari": "天城", "Bengali": "孟加拉", "Cherokee": "切罗基",
}  # fmt: skip


def _zh(script: str) -> str:
    return _ZH_SCRIPTS.get(script, script)


def _u(char: str) -> str:
    return f"U+{ord(char):04X}"


def _name(char: str) -> str:
    return unicodedata.name(char, _u(char)).lower()


def _shown(chars: Iterator[str] | list[str]) -> str:
    """Characters named for a person: ``'–' (U+2013 en dash)``."""
    seen = list(dict.fromkeys(chars))
    return ", ".join(f"'{c}' ({_u(c)} {_name(c)})" for c in seen[:4]) + (" ..." if len(seen) > 4 else "")


def _reason(code: str, label: str, chars: list[str], detail: str, detail_zh: str, **evidence: str) -> Reason:
    ev = {"label": label, "chars": " ".join(_u(c) for c in dict.fromkeys(chars)), **evidence}
    return Reason(code, detail, detail_zh, Level.SUSPICIOUS, tuple((k, v) for k, v in ev.items() if v))


def _in(ranges: tuple[tuple[int, int], ...], char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in ranges)


def _is_mark(char: str) -> bool:
    return category_of(char)[0] == "M"


def _scx(char: str) -> frozenset[str]:
    return script_extensions_of(char) - {COMMON, INHERITED}


def _cjk(char: str) -> bool:
    return bool(_scx(char) & _CJK)


def _latin_or_digit(char: str) -> bool:
    return char.isascii() and char.isalnum()


@cache
def tld_forms(tld: str) -> frozenset[str]:
    """A TLD in both forms, ``рф`` and ``xn--p1ai``: the exemptions below compare either."""
    forms = {tld.lower()}
    with contextlib.suppress(idna.IDNAError, UnicodeError):
        forms.add(idna.decode(tld) if tld.startswith("xn--") else idna.encode(tld, uts46=True).decode("ascii"))
    return frozenset(forms)


def _tld_is(tld: str, script: str) -> bool:
    """True if ``tld`` belongs to ``script``: written in it (``рф``) or a ccTLD of a country writing it."""
    forms = tld_forms(tld)
    if forms & SCRIPT_TLDS.get(script, frozenset()):
        return True
    return any(not f.isascii() and {script_of(c) for c in f} - {COMMON, INHERITED} == {script} for f in forms)


# --- the checks: each reads one label (and the host's TLD where it matters) and yields reasons ---------


def _characters(label: str, tld: str) -> Iterator[Reason]:
    """Scripts not recommended, symbols and punctuation, rare letters, characters of one TLD only."""
    uncommon = [c for c in label if script_of(c) not in RECOMMENDED_SCRIPTS or _in(UNCOMMON_RANGES, c)]
    if uncommon:
        scripts = sorted({script_of(c) for c in uncommon})
        yield _reason(
            "lookalike.script",
            label,
            uncommon,
            f"{label!r} uses {_shown(uncommon)}, of {', '.join(scripts)}, which is not recommended in names",
            f"“{label}” 含有不建议用于域名的字符 {_shown(uncommon)}（{'、'.join(_zh(s) for s in scripts)}）",
            scripts=",".join(scripts),
        )
    symbols = [c for c in label if _symbol(c, label)]
    if symbols:
        looks = _looks_like_punctuation(symbols)
        yield _reason(
            "lookalike.symbol",
            label,
            symbols,
            f"{label!r} contains {_shown(symbols)}{looks}, not a letter or digit",
            f"“{label}” 含有非字母数字的符号 {_shown(symbols)}",
        )
    rare = [c for c in label if _in(RARE_LATIN, c)]
    if rare:
        yield _reason(
            "lookalike.rare_letter",
            label,
            rare,
            f"{label!r} uses {_shown(rare)}: small capitals or letters no language writes names in",
            f"“{label}” 使用了罕见字母 {_shown(rare)}（小型大写字母或音标字母），常被用来仿冒",
        )
    wrong_tld = [c for c in label if c in TLD_CHARACTERS and not tld_forms(tld) & TLD_CHARACTERS[c]]
    wrong_tld += _middle_dots(label, tld)
    if wrong_tld:
        tlds = sorted({t for c in wrong_tld for t in TLD_CHARACTERS[c]})
        where = "/".join(f".{t}" for t in tlds)
        yield _reason(
            "lookalike.tld_char",
            label,
            wrong_tld,
            f"{label!r} uses {_shown(wrong_tld)}, which names use only under {where} (not .{tld})",
            f"“{label}” 使用的字符 {_shown(wrong_tld)} 只应出现在 {where} 域名下，而非 .{tld}",
            only_under=where,
        )


def _symbol(char: str, label: str) -> bool:
    if char == "-" or char in TLD_CHARACTERS or char == "\u30fb":  # ・ has its own rule (_kana)
        return False
    if char in "\u05f3\u05f4":  # Hebrew geresh and gershayim abbreviate Hebrew words (צה״ל)
        return any(script_of(c) not in ("Hebrew", COMMON) for c in label)
    cat = category_of(char)
    if cat[0] in "LMN":
        if cat == "Lm":  # modifier letters: kana length and iteration marks yes, ʻ ʼ ˬ no
            return not (_scx(char) - {"Latin"}) or "Latin" in _scx(char)
        return cat in ("Nl", "No")
    return char not in _INVISIBLE  # invisible characters have their own check


def _looks_like_punctuation(chars: list[str]) -> str:
    shapes = {skeleton(c) for c in chars}
    if shapes & {"-", "\u30fc", "\u2010"} or any(category_of(c) == "Pd" for c in chars):
        return " (looks like a hyphen)"
    if shapes & {"'", "\u02bc", '"'} or any(category_of(c) in ("Pi", "Pf") for c in chars):
        return " (looks like a quote)"
    return ""


def _middle_dots(label: str, tld: str) -> list[str]:
    """U+00B7 is Catalan's ``l·l`` only, under ``.cat``."""
    out = []
    for i, c in enumerate(label):
        if c != "\u00b7":
            continue
        between_ls = 0 < i < len(label) - 1 and label[i - 1] == "l" and label[i + 1] == "l"
        if not (between_ls and "cat" in tld_forms(tld)):
            out.append(c)
    return out


def _combining(label: str) -> Iterator[Reason]:
    """Marks repeated, after a dotless i or j, dots on i/j/l, overlays, or marks on a foreign base."""
    bad: list[str] = []
    why = ""
    for i, c in enumerate(label):
        if not _is_mark(c):
            continue
        prev = label[i - 1] if i else ""
        base = next((label[j] for j in range(i - 1, -1, -1) if not _is_mark(label[j])), "")
        if not prev:
            bad.append(c)
            why = why or "starts the label"
        elif unicodedata.normalize("NFD", prev)[-1] == c:
            bad.append(c)
            why = why or "is repeated"
        elif c in _OVERLAYS:
            bad.append(c)
            why = why or "draws a stroke or slash over a letter"
        elif prev in "ıȷ" or (c == _DOT_ABOVE and prev in "ijl"):
            bad.append(c)
            why = why or f"sits on '{prev}' to make another letter"
        elif _scx(c):
            if base and not (_scx(c) & _scx(base)):
                bad.append(c)
                why = why or f"belongs to {'/'.join(sorted(_scx(c)))} but follows '{base}'"
        elif base and not (_scx(base) & _LGC):
            bad.append(c)
            why = why or f"is a Latin/Greek/Cyrillic accent on '{base}'"
    if bad:
        yield _reason(
            "lookalike.combining",
            label,
            bad,
            f"{label!r} has the combining mark {_shown(bad)}, which {why}",
            f"“{label}” 含有位置异常的组合符号 {_shown(bad)}，可伪装成其他字母",
        )


def _invisible(label: str) -> Iterator[Reason]:
    hidden = [c for c in label if c in _INVISIBLE or category_of(c) == "Cf"]
    if hidden:
        yield _reason(
            "lookalike.invisible",
            label,
            hidden,
            f"{label!r} hides the invisible character {_shown(hidden)}",
            f"“{label}” 中藏有不可见字符 {_shown(hidden)}",
        )


def _kana(label: str) -> Iterator[Reason]:
    """Japanese marks out of place: ー and ヽヾ after no kana, ・ beside Latin, へ among Katakana ..."""
    bad: list[str] = []
    for i, c in enumerate(label):
        prev = label[i - 1] if i else ""
        nxt = label[i + 1] if i + 1 < len(label) else ""
        if c == "\u30fc" and not (prev and _scx(prev) & _KANA):
            bad.append(c)  # prolonged sound mark: lengthens the kana before it, or looks like a dash
        elif (c in "\u30fd\u30fe" and not (prev and "Katakana" in _scx(prev))) or (
            c in "\u309d\u309e" and not (prev and "Hiragana" in _scx(prev))
        ):
            bad.append(c)  # iteration marks repeat the kana of their own script before them
        elif c == "\u30fb" and (_latin_or_digit(prev) or _latin_or_digit(nxt)):
            bad.append(c)  # middle dot between Latin letters reads as a "."
    scripts = {s for c in label for s in _scx(c) if s in _KANA or s == "Han"}
    if scripts and all(_scx(c) & {"Katakana"} or c in "\u3078\u3079\u307a" for c in label):
        bad += [c for c in label if c in "\u3078\u3079\u307a"]  # Hiragana へべぺ in a Katakana word
    if scripts and all(_scx(c) & {"Hiragana"} or c in "\u30d8\u30d9\u30da" for c in label):
        bad += [c for c in label if c in "\u30d8\u30d9\u30da"]
    if bad:
        yield _reason(
            "lookalike.kana",
            label,
            bad,
            f"{label!r} uses the Japanese mark {_shown(bad)} out of place, "
            "where it looks like punctuation or another kana",
            f"“{label}” 中的日文符号 {_shown(bad)} 位置异常，看起来像标点或其他假名",
        )


def _cjk_latin(label: str) -> Iterator[Reason]:
    """CJK characters that look like Latin letters, digits, dashes or slashes, set beside Latin."""
    bad: list[str] = []
    for i, c in enumerate(label):
        prev = label[i - 1] if i else ""
        nxt = label[i + 1] if i + 1 < len(label) else ""
        if c in "\u4e00\u3127":  # 一 ㄧ look like a dash: not after non-CJK, not before a non-CJK letter
            if (prev and not _cjk(prev)) or (nxt and not _cjk(nxt) and not nxt.isdigit()):
                bad.append(c)
        elif c in CJK_SLASHES:  # ノ ソ 丶 丿 ... look like strokes when no CJK stands beside them
            neighbours = [n for n in (prev, nxt) if n]
            if neighbours and not any(_cjk(n) for n in neighbours):
                bad.append(c)
        elif c in CJK_LATIN_LOOKALIKES and (_latin_or_digit(prev) or _latin_or_digit(nxt)):
            bad.append(c)
    if bad:
        looks = ", ".join(
            f"'{c}' like '{CJK_LATIN_LOOKALIKES.get(c, CJK_SLASHES.get(c, '-'))}'" for c in dict.fromkeys(bad)
        )
        yield _reason(
            "lookalike.cjk_latin",
            label,
            bad,
            f"{label!r} puts CJK characters that look Latin beside Latin letters or digits: {looks}",
            f"“{label}” 在拉丁字母或数字旁使用了形似拉丁字母或符号的汉字/注音：{looks}",
            looks=looks,
        )


def _numbers(label: str, tld: str) -> Iterator[Reason]:
    """Digits of more than one numbering system (UTS #39 mixed numbers), or a label of digit look-alikes."""
    systems = {_numbering(c) for c in label if category_of(c) == "Nd"}
    if len(systems) > 1:
        digits = [c for c in label if category_of(c) == "Nd" and not c.isascii()]
        yield _reason(
            "lookalike.numbers",
            label,
            digits,
            f"{label!r} mixes digits of different number systems: {_shown(digits)}",
            f"“{label}” 混用了不同数字系统的数字：{_shown(digits)}",
        )
        return
    body = [c for c in label if c != "-"]
    odd = [c for c in body if not c.isascii()]
    if odd and all((c.isascii() and c.isdigit()) or c in DIGIT_LOOKALIKES for c in body):
        scripts = {script_of(c) for c in odd} - {COMMON}
        if len(scripts) == 1 and _tld_is(tld, next(iter(scripts))):
            return
        yield _reason(
            "lookalike.numbers",
            label,
            odd,
            f"{label!r} is written with characters that look like digits: {_shown(odd)}",
            f"“{label}” 由形似数字的字符写成：{_shown(odd)}",
        )


def _numbering(char: str) -> int:
    """The code point of the zero of ``char``'s decimal digit run (ASCII, Devanagari, Bengali ...)."""
    value = unicodedata.digit(char, None)
    return ord(char) - value if value is not None else ord(char)


def _whole_script(label: str, tld: str) -> Iterator[Reason]:
    """A label written wholly in letters of one other script that look Latin (``аррӏе``, ``ικα``)."""
    letters = [c for c in label if c != "-" and not (c.isascii() and c.isdigit())]
    scripts = {script_of(c) for c in letters} - {COMMON, INHERITED}
    if len(scripts) != 1 or not letters:
        return
    script = next(iter(scripts))
    if script in ("Latin", *_CJK) or _tld_is(tld, script):
        return
    looks = [_latin_look(c) for c in letters]
    if all(looks):
        shown = "".join(looks)
        yield _reason(
            "lookalike.whole_script",
            label,
            letters,
            f"{label!r} is written in {script} letters that look like the Latin {shown!r}",
            f"“{label}” 全部由形似拉丁字母的{_zh(script)}字母写成，看起来像 “{shown}”",
            script=script,
            reads_as=shown,
        )


@lru_cache(maxsize=4096)
def _latin_look(char: str) -> str:
    """The ASCII letters or digits ``char`` looks like, or ''."""
    if _is_mark(char):
        return "\u200b"  # a mark rides on a lookalike base: it does not make the label less Latin-looking
    if char in LATIN_LOOKALIKES:
        return LATIN_LOOKALIKES[char]
    skel = skeleton(char)
    return skel if skel.isascii() and skel.isalnum() else ""


def _mixed(label: str) -> Iterator[Reason]:
    """UTS #39 highly restrictive, with Latin beside Han, kana or Hangul limited to ASCII (as browsers do)."""
    if is_mixed_script(label):
        found = sorted({script_of(c) for c in label} - {COMMON, INHERITED})
        yield _reason(
            "lookalike.mixed_script",
            label,
            [],
            f"{label!r} mixes letters of different scripts ({', '.join(found)})",
            f"“{label}” 混用了不同文字的字母（{'、'.join(_zh(s) for s in found)}）",
            scripts=",".join(found),
        )
        return
    scripts = {s for c in label for s in _scx(c)}
    wide = [c for c in label if not c.isascii() and script_of(c) == "Latin"]
    if wide and scripts & _CJK:
        yield _reason(
            "lookalike.mixed_script",
            label,
            wide,
            f"{label!r} sets the accented Latin letter {_shown(wide)} beside CJK characters",
            f"“{label}” 在中日韩文字旁使用了带变音符号的拉丁字母 {_shown(wide)}",
            scripts=",".join(sorted(scripts | {"Latin"})),
        )


@lru_cache(maxsize=8192)  # labels repeat across hosts (a brand lookalike under many suffixes)
def label_reasons(label: str, tld: str) -> tuple[Reason, ...]:
    """Every spoofing trick in one Unicode ``label`` of a host whose top-level label is ``tld``."""
    if label.isascii():
        return ()
    out: list[Reason] = [*_characters(label, tld), *_invisible(label), *_combining(label)]
    out += [*_mixed(label), *_kana(label), *_cjk_latin(label), *_numbers(label, tld)]
    if not any(r.code in ("lookalike.mixed_script", "lookalike.numbers") for r in out):
        out += _whole_script(label, tld)
    return tuple(out)


def host_reasons(uhost: str) -> list[Reason]:
    """:func:`label_reasons` for every label of a Unicode host, the host named in each sentence."""
    labels = [label for label in uhost.split(".") if label]
    if not labels:
        return []
    tld = labels[-1]
    out: list[Reason] = []
    for label in labels:
        for r in label_reasons(label, tld):
            out.append(
                Reason(
                    r.code, f"{uhost}: {r.detail}", f"{uhost}：{r.detail_zh}", r.level, (*r.evidence, ("host", uhost))
                )
            )
    return out
