"""The report page in real Chromium: it renders (screenshot in tests/artifacts/) and its tables sort."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from hutong.core.policy import default_policy
from hutong.report import build_report, report_json
from hutong.report_render import render_report_html
from hutong.store.sqlite_store import SqliteStore
from tests.conftest import need_service
from tests.store.events_gen import make_events
from tests.support.browser import ARGS, ARTIFACTS, CHROMIUM

pytestmark = pytest.mark.browser


# Click the last header ("total") of the platform table, then publish the row order in the title.
PROBE = """<script>
document.querySelector('#by_platform th:last-child').click();
document.title = Array.from(document.querySelectorAll('#by_platform tbody tr'))
  .map(function (tr) { return tr.cells[tr.cells.length - 1].textContent; }).join(',');
</script></body>"""


def _chromium(*args: str) -> str:
    if not Path(CHROMIUM).exists():
        need_service("chromium", f"{CHROMIUM} not installed")
    done = subprocess.run([CHROMIUM, *ARGS, *args], capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def page(tmp_path: Path) -> tuple[Path, dict[str, object]]:
    with SqliteStore(tmp_path / "a.sqlite3") as store:
        store.record(make_events(3000, seed=71))
        report = build_report(store, policy=default_policy())
    path = tmp_path / "report.html"
    path.write_text(render_report_html(report), encoding="utf-8")
    return path, report_json(report)


def test_report_page_renders_in_chromium(page: tuple[Path, dict[str, object]]) -> None:
    path, _ = page
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    _chromium(f"--screenshot={shot}", "--window-size=1100,2400", "--hide-scrollbars", path.as_uri())
    assert shot.exists() and shot.stat().st_size > 20_000  # a blank page is a few KB


def test_tables_sort_when_a_header_is_clicked(page: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    path, doc = page
    probe = tmp_path / "probe.html"
    probe.write_text(path.read_text(encoding="utf-8").replace("</body>", PROBE), encoding="utf-8")
    dom = _chromium("--dump-dom", probe.as_uri())
    node = HTMLParser(dom).css_first("title")
    title = node.text() if node is not None else ""
    totals = [int(t) for t in title.split(",")]
    by_platform = doc["by_platform"]
    assert isinstance(by_platform, dict)
    assert totals == sorted(sum(c.values()) for c in by_platform.values())
