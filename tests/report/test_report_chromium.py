"""The report page in real Chromium, at desktop and phone (390×844) widths, in English and Chinese.

Screenshots go to tests/artifacts/ (report-{lang}-{desktop,phone,phone-full}.png, and the one-hour
report's); a probe script run in the page reports any horizontal overflow of the page, any chart text
cut at the chart's edge or overlapping another, a legend over the plot, and chart text too small to
read at that width. The tables sort when a header is clicked.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from hutong.core.policy import default_policy
from hutong.report import Report, build_report, report_json
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


# Everything a reader would see wrong, as a JSON list in the title (empty: nothing wrong).
LAYOUT_PROBE = """<script>
(function () {
  var problems = [], root = document.documentElement;
  if (root.scrollWidth > window.innerWidth + 1) problems.push('page overflows: ' + root.scrollWidth);
  function overlap(a, b) {
    return a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 &&
      b.y < a.y + a.height - 0.5;
  }
  var shown = 0;
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    if (getComputedStyle(svg).display === 'none') return;
    shown += 1;
    var name = svg.getAttribute('aria-label'), vb = svg.viewBox.baseVal, r = svg.getBoundingClientRect();
    if (r.right > window.innerWidth + 1) problems.push('chart wider than the window: ' + name);
    if (12 * r.width / vb.width < 9.5) problems.push('chart text under 9.5 px: ' + name);
    var texts = [];
    svg.querySelectorAll('text').forEach(function (t) {
      if (t.getAttribute('transform')) return;
      var b = t.getBBox();
      if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > vb.width + 0.5 || b.y + b.height > vb.height + 0.5)
        problems.push('cut in ' + name + ': ' + t.textContent);
      texts.push([b, t.textContent]);
    });
    for (var i = 0; i < texts.length; i++) for (var j = i + 1; j < texts.length; j++)
      if (overlap(texts[i][0], texts[j][0]))
        problems.push('overlap in ' + name + ': ' + texts[i][1] + ' / ' + texts[j][1]);
    svg.querySelectorAll('.legend').forEach(function (l) {
      svg.querySelectorAll('.data').forEach(function (d) {
        if (overlap(l.getBBox(), d.getBBox())) problems.push('legend over the plot in ' + name);
      });
    });
  });
  if (!shown) problems.push('no chart shown');
  document.title = JSON.stringify(problems.filter(function (p, i, all) { return all.indexOf(p) === i; }));
})();
</script></body>"""
SIZES = {"desktop": "1100,4400", "phone": "390,844", "phone-full": "390,6400"}


def _report(store_dir: Path, *, one_hour: bool = False) -> Report:
    with SqliteStore(store_dir / "a.sqlite3") as store:
        if one_hour:
            store.record(make_events(40, seed=3, start=time.time() // 3600 * 3600, span=1800))
        else:
            store.record(make_events(3000, seed=71))
        return build_report(store, policy=default_policy())


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    return {
        "full": _report(tmp_path_factory.mktemp("full")),
        "one-hour": _report(tmp_path_factory.mktemp("hour"), one_hour=True),
    }


@pytest.fixture
def page(reports: dict[str, Report], tmp_path: Path) -> tuple[Path, dict[str, object]]:
    path = tmp_path / "report.html"
    path.write_text(render_report_html(reports["full"]), encoding="utf-8")
    return path, report_json(reports["full"])


def _problems(path: Path, size: str) -> list[str]:
    probe = path.with_name("probe-" + path.name)
    probe.write_text(path.read_text(encoding="utf-8").replace("</body>", LAYOUT_PROBE), encoding="utf-8")
    node = HTMLParser(_chromium(f"--window-size={size}", "--dump-dom", probe.as_uri())).css_first("title")
    found: list[str] = json.loads(node.text() if node is not None else '["no title"]')
    return found


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("data", ["full", "one-hour"])
def test_report_reads_right_at_every_size_in_both_languages(
    reports: dict[str, Report], tmp_path: Path, data: str, lang: str, size: str
) -> None:
    path = tmp_path / f"report-{lang}.html"
    path.write_text(render_report_html(reports[data], lang, switch_href="?lang=x"), encoding="utf-8")  # type: ignore[arg-type]
    assert _problems(path, SIZES[size]) == []
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"report-{'one-hour-' if data == 'one-hour' else ''}{lang}-{size}.png"
    shot.unlink(missing_ok=True)
    _chromium(f"--screenshot={shot}", f"--window-size={SIZES[size]}", "--hide-scrollbars", path.as_uri())
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
