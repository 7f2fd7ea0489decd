"""CSV exports never hand a spreadsheet a formula."""

from __future__ import annotations

import pytest

from hutong.store.export import guard_formula


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=HYPERLINK(\"http://evil.test\")", "'=HYPERLINK(\"http://evil.test\")"),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("taobao.com", "taobao.com"),
        ("", ""),
    ],
)
def test_formula_cells_are_defused(cell: str, expected: str) -> None:
    assert guard_formula(cell) == expected
