"""No import circles: not in the web package, not anywhere in ``hutong`` (type-only and lazy imports count)."""

from __future__ import annotations

import pytest

from tests.support.imports import cycles, graph


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        # the circle this package had: api -> gateway -> images -> api
        (
            {"api": {"gateway"}, "gateway": {"images"}, "images": {"api"}, "app": {"api"}},
            [["api", "gateway", "images"]],
        ),
        ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c", "a"}}, [["a", "b"], ["c", "d"]]),
        ({"a": {"a"}}, []),  # a module naming itself is no circle between modules
    ],
    ids=["chain", "pair", "three-way", "two-circles", "self"],
)
def test_cycles_finds_each_circle(edges: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert sorted(cycles(edges)) == expected


def test_the_graph_sees_relative_lazy_and_type_only_imports() -> None:
    edges = graph()
    assert "hutong.web.api" in edges["hutong.web.pages"]  # from .api import ...
    assert "hutong.pipeline" in edges["hutong.service.gateway"]  # imported inside open_gateway
    assert "hutong.cache" in edges["hutong.edge"]  # under TYPE_CHECKING only


def test_the_web_package_has_no_import_cycle() -> None:
    edges = graph()
    web = {m: {n for n in out if n.startswith("hutong.web")} for m, out in edges.items() if m.startswith("hutong.web")}
    assert len(web) >= 10
    assert cycles(web) == []


def test_no_module_of_hutong_is_in_an_import_cycle() -> None:
    edges = graph()
    # The root package is the library's lazy facade: it names the modules it re-exports (for type
    # checkers) but imports none of them until first use, when it is itself fully initialised.
    # Modules that import it (``from .. import __version__``) therefore never meet it half-built.
    assert "hutong.pipeline" in edges["hutong"]
    edges["hutong"] = set()
    assert cycles(edges) == []
