"""The Chromium fixture the page tests share: Debian's binary, headless, off the network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need_service
from tests.support.browser import ARGS, CHROMIUM


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium for a test module (playwright driving ``/usr/bin/chromium``)."""
    if not Path(CHROMIUM).exists():
        need_service("chromium", f"{CHROMIUM} not found; apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need_service("chromium", "the playwright package is not installed (pip install playwright)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
