"""publicsuffix/list tests/tests.txt: registrable domain (eTLD+1) for every line; all must pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hutong.core.psl import site
from tests.conftest import need_conformance


def _cases(path: Path) -> list[tuple[Any, str | None]]:
    cases: list[tuple[Any, str | None]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("//"):
            continue
        host, expected = line.split()
        cases.append((None if host == "null" else host, None if expected == "null" else expected))
    return cases


def test_publicsuffix_tests_txt_all_pass() -> None:
    cases = _cases(need_conformance("publicsuffix") / "tests.txt")
    assert len(cases) == 78, "the suite is expected to hold 78 cases; update this count if it grew"
    failures = [(host, expected, site(host)) for host, expected in cases if site(host) != expected]
    assert failures == [], f"{len(failures)} of {len(cases)} failed: {failures}"


@pytest.mark.parametrize("host", ["食狮.com.cn", "www.xn--85x722f.xn--fiqs8s"])
def test_unicode_and_punycode_agree(host: str) -> None:
    # The suite checks both spellings separately; here we check site() keeps the spelling given.
    result = site(host)
    assert result is not None and host.endswith(result)
