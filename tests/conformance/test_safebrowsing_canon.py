"""Safe Browsing canonicalisation and lookup expressions against the gglsbl and Firefox vectors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hutong.safety.canon import canonicalize, url_expressions
from tests.conformance import _sb_cases


def _load(name: str) -> Any:
    from tests.conftest import need_conformance

    return json.loads((need_conformance("safebrowsing-canon") / name).read_text(encoding="utf-8"))


def _url(raw: Any) -> str | bytes:
    return bytes.fromhex(raw["bytes_hex"]) if isinstance(raw, dict) else str(raw)


@pytest.mark.parametrize("index", range(_sb_cases.GGLSBL_CANON))
def test_gglsbl_canonicalize(index: int) -> None:
    case = _load("gglsbl_tests.json")["canonicalize"][index]
    assert canonicalize(_url(case["url"])).url() == case["canonical"]


@pytest.mark.parametrize("index", range(_sb_cases.GGLSBL_PERMUTATIONS))
def test_gglsbl_permutations(index: int) -> None:
    case = _load("gglsbl_tests.json")["url_permutations"][index]
    assert url_expressions(case["url"]) == case["expressions"]


@pytest.mark.parametrize("index", range(_sb_cases.MOZILLA))
def test_mozilla_canonicalize(index: int) -> None:
    # Firefox's key drops the port (gglsbl keeps it): the only difference between the two suites.
    url, expected = _load("mozilla_test_canonicalization.json")["cases"][index]
    assert canonicalize(url).url(keep_port=False) == expected


def test_suite_sizes() -> None:
    """The counts above are the suites' sizes: no case is silently left out."""
    gglsbl = _load("gglsbl_tests.json")
    mozilla = _load("mozilla_test_canonicalization.json")
    assert len(gglsbl["canonicalize"]) == _sb_cases.GGLSBL_CANON
    assert len(gglsbl["url_permutations"]) == _sb_cases.GGLSBL_PERMUTATIONS
    assert len(mozilla["cases"]) == _sb_cases.MOZILLA
