"""A small threat feed in a test's data directory, so that screening can run and say "nothing found".

Without any feed a verdict is at best ``unknown`` (``screen.no_feeds``); tests of what a screened-clean
link gets import this feed first. Its entries are hosts no test links to except on purpose.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hutong.safety.feeds import FeedStore

HARMFUL_HOSTS = ("harmful-download.example", "login-verify.phish.example")


def import_feed(data_dir: Path, *, hours_old: float = 1.0, name: str = "testfeed") -> None:
    """Import ``HARMFUL_HOSTS`` as a ``domains`` feed fetched ``hours_old`` hours ago into ``data_dir/feeds``."""
    now = datetime.now(UTC)
    FeedStore(Path(data_dir) / "feeds").import_lines(
        name,
        "domains",
        [f"{host}\n" for host in HARMFUL_HOSTS],
        source="tests/support/feeds.py",
        fetched_at=now - timedelta(hours=hours_old),
        now=now,
    )
