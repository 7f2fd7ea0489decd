"""The CLI contract: JSON schema, exit codes, standard input handling, and the README's commands."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import sys
from pathlib import Path

import pytest

from hutong.cli import main
from tests.support.feeds import import_feed

ROOT = Path(__file__).resolve().parents[2]

LINK_FIELDS = {
    "found",
    "url",
    "original",
    "removed",
    "site",
    "platform",
    "category",
    "kind",
    "id",
    "canonical",
    "title",
    "needs_resolve",
    "verdict",
    "decision",
}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_check_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    msg = "看看 https://item.jd.com/100012043978.html?utm_source=androidapp 还有 taobao.com/xyz"
    code, out, _ = run(["check", "--offline", "--json", msg], capsys)
    assert code == 0
    links = json.loads(out)["links"]
    assert [link["found"]["form"] for link in links] == ["url", "domain"]
    for link in links:
        assert set(link) >= LINK_FIELDS
        f = link["found"]
        assert msg[f["start"] : f["end"]] == f["text"]
        assert link["verdict"]["level"] in ("safe", "unknown", "suspicious", "malicious")
        assert link["decision"]["action"] in ("open", "confirm", "copy", "block")
        assert link["decision"]["rule"] and link["decision"]["reason"]
    jd = links[0]
    assert (jd["platform"], jd["category"], jd["kind"], jd["id"]) == ("jd", "ecommerce", "product", "100012043978")
    assert jd["removed"] == ["utm_source"]


def test_check_json_gives_utf16_spans_too(capsys: pytest.CaptureFixture[str]) -> None:
    msg = "🔥 https://a.com/x"
    code, out, _ = run(["check", "--offline", "--json", msg], capsys)
    found = json.loads(out)["links"][0]["found"]
    assert code == 0
    assert (found["start"], found["end"], found["start_utf16"], found["end_utf16"]) == (2, 17, 3, 18)


def test_check_reads_standard_input(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data = "【京东】https://3.cn/35RO-7uG?jkl=@W0a0c28PhTuD@ CA1565 「【京东物流】100双中筒袜」".encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code, out, _ = run(["check", "--offline", "--json"], capsys)
    assert code == 0
    (link,) = json.loads(out)["links"]
    assert link["platform"] == "jd" and link["needs_resolve"] is True
    assert link["found"]["form"] == "share"


def test_undecodable_standard_input_is_refused_clearly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = "淘宝 https://m.tb.cn/h.abc".encode("gbk")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code, _, err = run(["check", "--offline"], capsys)
    assert code == 2 and "not valid utf-8" in err and "--encoding" in err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code, out, _ = run(["check", "--offline", "--json", "--encoding", "gb18030"], capsys)
    assert code == 0 and json.loads(out)["links"][0]["found"]["text"] == "https://m.tb.cn/h.abc"


@pytest.mark.parametrize(
    ("name", "argv", "message"),
    [
        ("bad context", ["check", "--context", "room", "x"], "invalid choice: 'room'"),
        ("bad mode", ["check", "--mode", "yolo", "x"], "invalid choice: 'yolo'"),
        ("no command", [], "required"),
        (
            "missing policy file",
            ["check", "--offline", "--policy", "/nonexistent.toml", "x"],
            "cannot read policy file",
        ),
        (
            "missing config file",
            ["check", "--offline", "--config", "/nonexistent.toml", "x"],
            "cannot read configuration file",
        ),
    ],
)
def test_bad_usage_exits_2_with_a_message(
    name: str, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    _, err = capsys.readouterr()
    assert code == 2, name
    assert message in err


def test_table_output_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", "--offline", "--context", "group", "https://item.jd.com/100012043978.html"]
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert "jd" in out and "screen.no_feeds" in out and "policy.unknown.confirm" in out  # nothing screened yet
    import_feed(Path(os.environ["HUTONG_DATA_DIR"]))
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert "jd" in out and "screen.clear" in out and "policy.group.ecommerce.open" in out


@pytest.mark.parametrize(
    ("message", "says_short_link"),
    [
        pytest.param("【淘宝】 https://e.tb.cn/h.7vUJnkd5IQyLbmr 打开淘宝", True, id="short-link"),
        pytest.param("￥Ab1Cd2Ef3Gh￥ 复制这段描述，打开手机淘宝", False, id="app-password"),
    ],
)
def test_only_a_short_link_is_called_one(
    message: str, says_short_link: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["check", "--offline", message], capsys)
    assert code == 0
    assert ("(short link: not resolved)" in out) is says_short_link


def test_policy_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["policy", "check"], capsys)
    assert code == 0 and "neutral" in out
    bad = tmp_path / "brand.toml"
    bad.write_text(
        '[[rules]]\nid="x"\nwhen={platform="jd"}\naction="open"\nreason="r"\nreason_zh="r"\n'
        '[[rules]]\nid="y"\naction="confirm"\nreason="r"\nreason_zh="r"\n',
        encoding="utf-8",
    )
    code, _, err = run(["policy", "check", str(bad)], capsys)
    assert code == 2 and "justification" in err
    justified = tmp_path / "justified.toml"
    justified.write_text(
        bad.read_text(encoding="utf-8").replace('reason_zh="r"\n', 'reason_zh="r"\njustification="test"\n', 1),
        encoding="utf-8",
    )
    code, out, _ = run(["policy", "check", str(justified), "--json"], capsys)
    assert code == 1 and json.loads(out)["disparities"]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n(.*?)```", text, flags=re.S)
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ hutong ")]


def test_readme_leads_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = text[text.index("```") :]
    assert first_block.index("make run") < first_block.index("make test") < first_block.index("```", 3)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_readme_commands_run_in_order(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's commands, run in order in one data directory, as a reader would type them."""
    monkeypatch.chdir(ROOT)
    outputs: dict[str, str] = {}
    ran = 0
    for command in readme_commands():
        argv = shlex.split(command)[1:]
        if argv[0] in ("serve", "matrix-appservice") or (argv[0] == "check" and "--offline" not in argv):
            continue  # long-running, or needs the network: tests/web, tests/integration, tests/integrations/matrix
        code, out, err = run(argv, capsys)
        assert code == 0, f"{command}: {err}"
        assert out.strip() or err.strip(), f"{command} printed nothing"
        outputs[command] = out
        ran += 1
    assert ran >= 8
    # what the README says these commands show
    tour = json.loads(next(out for cmd, out in outputs.items() if "e.tb.cn" in cmd and "--json" in cmd))
    (link,) = tour["links"]
    shown = (link["found"]["start"], link["found"]["end"], link["found"]["form"], link["platform"], link["title"])
    assert shown == (12, 60, "share", "taobao", "新款饺子器木制")
    assert [r["code"] for r in link["verdict"]["reasons"]] == ["screen.no_feeds", "link.unresolved"]
    assert link["decision"]["rule"] == "policy.unknown.confirm"
    phish = next(out for cmd, out in outputs.items() if "login-verify.phish.example" in cmd)
    assert "block" in phish and "feed." in phish
    in_a_code = next(out for cmd, out in outputs.items() if "--image" in cmd)
    assert "block" in in_a_code and "feed." in in_a_code and "(qr)" in in_a_code
    assert "sample" in next(out for cmd, out in outputs.items() if cmd.endswith("feeds status"))


def test_undecodable_argument_is_refused_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    # what Python makes of argv bytes that are not UTF-8 (surrogateescape)
    text = b"\xff https://a.com/x".decode("utf-8", "surrogateescape")
    code, _, err = run(["check", "--offline", "--json", text], capsys)
    assert code == 2 and "not valid UTF-8" in err and "--encoding" in err
