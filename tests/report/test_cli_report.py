"""``hutong report`` through the real command line, in every format."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pytest

from hutong.cli import main
from hutong.config import load
from hutong.store.factory import open_audit
from tests.store.events_gen import make_events


@pytest.fixture
def seeded() -> int:
    events = make_events(500, seed=61, start=time.time() - 5 * 86400, span=4 * 86400)
    store = open_audit(load())
    store.record(events)
    store.close()
    return sum(1 for e in events if e.stage == "check")


def test_json_to_stdout(seeded: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["total"] == seeded
    assert sum(sum(c.values()) for c in doc["by_platform"].values()) == seeded
    assert doc["neutrality"]["neutral"] is True  # the bundled policy, checked beside the numbers


@pytest.mark.parametrize("fmt", ["html", "csv", "json"])
def test_every_format_to_a_file(
    seeded: int, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"report.{fmt}"
    assert main(["report", "--format", fmt, "--output", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert f"({seeded} decisions)" in capsys.readouterr().err
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert ["summary", "", "total", str(seeded)] in rows
    elif fmt == "json":
        assert json.loads(text)["total"] == seeded
    else:
        assert f'data-value="{seeded}"' in text


def test_since_until_window(seeded: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--format", "json", "--since", "30d", "--until", "6d"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 0


@pytest.mark.parametrize(
    "argv", [["--since", "soon"], ["--since", "1d", "--until", "2d"], ["--format", "pdf"]]
)
def test_bad_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(["report", *argv]))
    assert exc.value.code == 2
    assert capsys.readouterr().err


@pytest.mark.parametrize(("argv", "lang"), [([], "en"), (["--lang", "zh"], "zh-CN")])
def test_html_in_either_language(seeded: int, tmp_path: Path, argv: list[str], lang: str) -> None:
    out = tmp_path / "report.html"
    assert main(["report", "--format", "html", "--output", str(out), *argv]) == 0
    text = out.read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in text and f'data-value="{seeded}"' in text
