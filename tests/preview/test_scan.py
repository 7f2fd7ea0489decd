"""Raw-HTML scan helpers: a case-blind pattern without ``re.I``, and every offset of a word."""

from __future__ import annotations

import re

import pytest

from hutong.preview.scan import BodyTags, any_case, body_tags, find_all, first_item, head_end


@pytest.mark.parametrize(
    ("word", "text", "matches"),
    [
        ("img", "<img <IMG <Img <iMg", ["img", "IMG", "Img", "iMg"]),
        ("h[1-6]", "h1 H6 h7", ["h1", "H6"]),
        ("ld+json", "LD+JSON ldjson", ["LD+JSON"]),
    ],
)
def test_any_case(word: str, text: str, matches: list[str]) -> None:
    pattern = any_case(word) if "[" in word else any_case(re.escape(word))
    assert re.findall(pattern, text) == matches


@pytest.mark.parametrize(
    ("text", "word", "offsets"),
    [
        ("role x role", "role", [0, 7]),
        ("aaaa", "aa", [0, 2]),
        ("none here", "role", []),
    ],
)
def test_find_all(text: str, word: str, offsets: list[int]) -> None:
    assert list(find_all(text, word)) == offsets


@pytest.mark.parametrize(
    ("html", "end"),
    [
        ("<html><head><title>x</title></head><body>", 35),
        ("<HTML><HEAD><TITLE>x</TITLE></HEAD ><BODY>", 36),
        ("<head></Head>", 13),
        ("<head></header>", None),
        ("<head><title>x</title></HEAD" + " " * 50, None),
    ],
)
def test_head_end(html: str, end: int | None) -> None:
    assert head_end(html) == end


LD = '<script type="application/ld+json">{"a": 1}</script>'
OG = '<meta property="og:image" content="/i.jpg">'


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        ("nothing", "<p>plain</p>", BodyTags()),
        ("one of each", f"<div>{LD}{OG}</div>", BodyTags(('{"a": 1}',), (OG,))),
        (
            "any case",
            '<SCRIPT TYPE="APPLICATION/LD+JSON">{}</SCRIPT ><META PROPERTY="og:x" content=y>',
            BodyTags(("{}",), ('<META PROPERTY="og:x" content=y>',)),
        ),
        ("unquoted type", "<script type=application/ld+json>{}</script>", BodyTags(("{}",))),
        ("other scripts are skipped whole", "<script>var s = '" + OG + "';</script>", BodyTags()),
        ("a script's ld+json text is not a type", "<script>x = 'application/ld+json'</script>", BodyTags()),
        ("meta without og:", '<meta name="description" content="d">', BodyTags()),
        ("og: in text only", "<p>og:image</p>", BodyTags()),
        ("not a meta tag", '<metadata property="og:x">', BodyTags()),
        ("unclosed script ends the pass", "<script>" + OG, BodyTags()),
        ("tag without > ends the pass", "<meta og:x", BodyTags()),
        ("over-long meta tag not read", '<meta property="og:x" content="' + "v" * 9000 + '">', BodyTags()),
    ],
)
def test_body_tags(name: str, body: str, expected: BodyTags) -> None:
    assert body_tags("<head></head>" + body, 13) == expected


@pytest.mark.parametrize(
    ("html", "pos"),
    [
        ("<p>x</p>", -1),
        ('<div itemscope itemtype="T">', 5),
        ('<div itemType="T" itemScope>', 18),
        ("<DIV ITEMSCOPE><p itemscope>", 5),
        ("<p itemscope><DIV ITEMSCOPE>", 3),
    ],
)
def test_first_item(html: str, pos: int) -> None:
    assert first_item(html, 0) == pos
