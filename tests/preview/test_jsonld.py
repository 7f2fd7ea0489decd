"""JSON-LD: broken blocks real pages ship still parse; graphs and nesting flatten into typed nodes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hutong.preview.jsonld import MAX_BLOCK_CHARS, iter_nodes, loads_lenient, types_of


@pytest.mark.parametrize(
    ("name", "block", "expected"),
    [
        ("valid", '{"@type": "Product", "name": "A"}', {"@type": "Product", "name": "A"}),
        (
            "control chars in string",
            '{"@type": "Article", "headline": "a\tb\nc"}',
            {"@type": "Article", "headline": "a\tb\nc"},
        ),
        (
            "trailing commas",
            '{"@type": "Product", "name": "A", "x": [1, 2,],}',
            {"@type": "Product", "name": "A", "x": [1, 2]},
        ),
        (
            "line comment",
            '{"@type": "Product", // the name\n "name": "A"}',
            {"@type": "Product", "name": "A"},
        ),
        ("block comment", '{"@type": /* t */ "Product", "name": "A"}', {"@type": "Product", "name": "A"}),
        (
            "comment marker inside string kept",
            '{"@type": "Thing", "url": "https://a.example/x"}',
            {"@type": "Thing", "url": "https://a.example/x"},
        ),
        (
            "CDATA wrapper",
            '<![CDATA[ {"@type": "Product", "name": "A"} ]]>',
            {"@type": "Product", "name": "A"},
        ),
        (
            "commented CDATA",
            '//<![CDATA[\n{"@type": "Product", "name": "A"}\n//]]>',
            {"@type": "Product", "name": "A"},
        ),
        (
            "HTML comment wrapper",
            '<!-- {"@type": "Product", "name": "A"} -->',
            {"@type": "Product", "name": "A"},
        ),
        ("trailing brace", '{"@type": "Product", "name": "A"}}', {"@type": "Product", "name": "A"}),
        ("trailing semicolon", '{"@type": "Product", "name": "A"};', {"@type": "Product", "name": "A"}),
        ("invalid escape", '{"@type": "Product", "name": "A\\_B"}', {"@type": "Product", "name": "A\\_B"}),
    ],
)
def test_lenient_parse(name: str, block: str, expected: Any) -> None:
    assert loads_lenient(block) == expected


@pytest.mark.parametrize(
    ("name", "block"),
    [
        ("not json", "var x = 1;"),
        ("empty", ""),
        ("too long", "[" + "1," * MAX_BLOCK_CHARS + "1]"),
        ("deeply nested", "[" * 100_000 + "]" * 100_000),
    ],
)
def test_unparseable_blocks_give_none(name: str, block: str) -> None:
    assert loads_lenient(block) is None


@pytest.mark.parametrize(
    ("name", "data", "types"),
    [
        (
            "graph",
            {"@context": "https://schema.org", "@graph": [{"@type": "WebSite"}, {"@type": "NewsArticle"}]},
            [("WebSite",), ("NewsArticle",)],
        ),
        ("array", [{"@type": "Product"}, {"@type": "BreadcrumbList"}], [("Product",), ("BreadcrumbList",)]),
        (
            "nested",
            {"@type": "WebPage", "mainEntity": {"@type": "VideoObject"}},
            [("WebPage",), ("VideoObject",)],
        ),
        ("full IRI type", {"@type": "http://schema.org/Product"}, [("Product",)]),
        ("type list", {"@type": ["Product", "Thing"]}, [("Product", "Thing")]),
        ("untyped ignored", {"name": "x"}, []),
    ],
)
def test_iter_nodes(name: str, data: Any, types: list[tuple[str, ...]]) -> None:
    assert [types_of(n) for n in iter_nodes(data)] == types


def test_iter_nodes_is_bounded_on_deep_documents() -> None:
    data: dict[str, Any] = {"@type": "Thing"}
    for _ in range(10_000):
        data = {"@type": "Thing", "child": data}
    assert 0 < len(list(iter_nodes(data))) <= 200


@given(st.text(max_size=300))
def test_lenient_parse_never_raises(text: str) -> None:
    loads_lenient(text)
