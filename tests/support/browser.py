"""Debian's Chromium for the browser tests: where it is, how it is started, where screenshots go.

Never a browser download: the binary is the system package (``apt-get install chromium``), driven headless
with the flags that keep it off the network.
"""

from __future__ import annotations

import os

from tests.conftest import ROOT

CHROMIUM = os.environ.get("HUTONG_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
