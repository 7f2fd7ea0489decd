"""Charset sniffing and decoding: BOM, header, meta, XML declaration, detector, UTF-8."""

from __future__ import annotations

import codecs

import pytest

from hutong.net import charset

GBK_ONLY = "镕喆堃昇瑢"  # characters GBK has and strict GB2312 lacks
ZH = "淘宝网 - 淘！我喜欢"

CASES = {
    "header-gb2312-means-gbk": (GBK_ONLY.encode("gbk"), "text/html; charset=gb2312", "gbk", GBK_ONLY),
    "meta-charset-gb2312": (f"<meta charset=gb2312><p>{GBK_ONLY}".encode("gbk"), None, "gbk", GBK_ONLY),
    "meta-http-equiv-gbk": (
        f'<meta http-equiv="Content-Type" content="text/html; charset=GBK"><p>{ZH}'.encode("gbk"),
        "text/html",
        "gbk",
        ZH,
    ),
    "meta-charset-quoted-underscore": (
        b'<meta charset="windows_1251">' + "дка".encode("cp1251"),
        None,
        "windows-1251",
        "дка",
    ),
    "bom-beats-header": (codecs.BOM_UTF8 + ZH.encode(), "text/html; charset=gbk", "utf-8", ZH),
    "utf16-bom": (codecs.BOM_UTF16_LE + ZH.encode("utf-16-le"), None, "utf-16le", ZH),
    "xml-declaration": (
        f'<?xml version="1.0" encoding="gb18030"?><a>{ZH}</a>'.encode("gb18030"),
        None,
        "gb18030",
        ZH,
    ),
    "no-declaration-utf8": (ZH.encode(), None, "utf-8", ZH),
    "iso-8859-1-is-windows-1252": (
        "€uro".encode("cp1252"),
        "text/html; charset=iso-8859-1",
        "windows-1252",
        "€uro",
    ),
    "shift-jis-label": (
        "日本語のページ".encode("shift_jis"),
        "text/html; charset=x-sjis",
        "shift_jis",
        "日本語のページ",
    ),
    "big5": ("繁體中文網頁".encode("big5"), "text/html; charset=big5", "big5", "繁體中文網頁"),
    "header-utf8-contradicted-by-meta": (
        b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"/>'
        + "äêà".encode("latin-1"),
        'text/html; charset="utf8"',
        "windows-1251",
        "дка",
    ),
    "meta-in-comment-ignored": (b"<!-- <meta charset=gbk> -->" + ZH.encode(), None, "utf-8", ZH),
}


@pytest.mark.parametrize(("body", "ctype", "name", "contains"), CASES.values(), ids=CASES.keys())
def test_decode(body: bytes, ctype: str | None, name: str, contains: str) -> None:
    text, enc = charset.decode(body, ctype)
    assert enc == name
    assert contains in text


def test_one_bad_byte_does_not_mojibake_a_gbk_page() -> None:
    body = ("<title>" + ZH + "</title>").encode("gbk") + b"\xff" + "第二段中文".encode("gbk")
    text, enc = charset.decode(body, "text/html; charset=gbk")
    assert enc == "gbk"
    assert ZH in text and "第二段中文" in text


def test_one_bad_byte_does_not_mojibake_a_utf8_page() -> None:
    body = ZH.encode() + b"\xff" + "第二段中文".encode()
    text, enc = charset.decode(body, "text/html; charset=utf-8")
    assert enc == "utf-8"
    assert ZH in text and "第二段中文" in text and "\ufffd" in text


def test_prefix_cut_inside_a_character_is_still_utf8() -> None:
    body = (ZH * 10).encode()[:-1]
    assert charset.sniff(body, None) == "utf-8"


def test_undeclared_gbk_is_detected() -> None:
    body = (
        "<html><body><p>" + "中华人民共和国成立于一九四九年。北京是首都，上海是最大的城市。" * 5 + "</p>"
    ).encode("gbk")
    text, enc = charset.decode(body, "text/html")
    assert enc in ("gbk", "gb18030")
    assert "中华人民共和国" in text


@pytest.mark.parametrize(
    ("label", "name"),
    [("GB2312", "gbk"), ("x-gbk", "gbk"), ("latin1", "windows-1252"), ("utf8", "utf-8"), ("bogus", None)],
)
def test_whatwg_labels(label: str, name: str | None) -> None:
    assert charset.whatwg_name(label) == name
