"""The CLI's tables as a reader sees them: at 80 columns and wide, every URL and code whole on one line.

Each rough edge of the command line is a row here: a truncated link list says so, a subcommand's
bad option gets that subcommand's usage, every (sub)command has a description, and the tabular
subcommands print through the one rich console.
"""

# ruff: noqa: E501  (verbatim share texts are data)
from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hutong.cli import all_parsers, build_parser, main
from hutong.commands._output import console, print_rows, wrap
from hutong.commands.check import print_analysis
from hutong.core.find import Finder
from hutong.core.model import Analysis, LinkReport
from hutong.pipeline import Engine
from tests.support.feeds import import_feed

TOUR = "【淘宝】7天无理由退货 https://e.tb.cn/h.7vUJnkd5IQyLbmr?tk=uEXDUlwjL4E HU926 「新款饺子器木制」 点击链接直接打开 或者 淘宝搜索直接打开"
JD_LONG = "https://item.m.jd.com/product/100012043978.html?gx=RnFjkTVbbj2PmtQUqId1VOmfpTE6-g&ad_od=share&utm_source=androidapp"
XIANYU = (
    "【闲鱼】https://m.tb.cn/h.hSg1pGC?tk=Fajw40p7wpj CZ193 「我在闲鱼发布了【开源数字人heygemer逆向教学】」\n"
    "#小程序://闲鱼/DltdGeCXEGcyyod\n点击链接直接打开"
)
TOKEN = "【2018夏季新款女装…】http://m.tb.cn/h.3XYA5IW 点击链接，再选择浏览器咑閞；或復·制这段描述€g1IVbaMXxxK€后到👉淘♂寳♀👈"
WRAPPED = "https://www.google.com/url?q=https://example.com/a/very/long/path/that/goes/on/and/on/and/on/for/a/while/yes&sa=D"
LONGEST = "https://example.com/" + "a" * 150 + "?x=" + "b" * 60

MESSAGES = {
    "readme-tour-share": TOUR,
    "long-product-url": JD_LONG,
    "share-then-plain-url": f"{TOUR} {JD_LONG}",
    "share-miniprogram": XIANYU,
    "token-and-short-link": TOKEN,
    "wrapper-with-hop": WRAPPED,
    "url-longer-than-the-terminal": LONGEST,
    "many-links": " ".join(f"https://site{i}.example/p/{i}?utm_source=x" for i in range(12)),
}


def _engine() -> Engine:
    return Engine.from_config()


def rendered(analysis: Analysis, width: int) -> str:
    buf = io.StringIO()
    print_analysis(console(buf, width=width), analysis, max_links=1000)
    return buf.getvalue()


def tokens_of(report: LinkReport) -> list[str]:
    """What must never be split: the text found, every URL, every reason code, the rule."""
    out = [report.found.text, *(h.url for h in report.hops[:1]), *report.verdict.codes]
    if report.url:
        out.append(report.url)
    if report.decision is not None:
        out.append(report.decision.rule)
    return out


@pytest.mark.parametrize("width", [80, 100, 200])
@pytest.mark.parametrize("message", list(MESSAGES.values()), ids=list(MESSAGES))
def test_every_url_and_code_stays_whole_on_one_line(message: str, width: int) -> None:
    analysis = _engine().examine(message, context="group")
    assert analysis.links
    lines = rendered(analysis, width).splitlines()
    for report in analysis.links:
        for token in tokens_of(report):
            assert any(token in line for line in lines), f"{token!r} split at {width} columns"


@pytest.mark.parametrize(
    ("message", "width", "layout"),
    [
        ("see taobao.com/xyz and https://b23.tv/TUMG3e5", 200, "table"),
        ("see taobao.com/xyz and https://b23.tv/TUMG3e5", 80, "stacked"),
        (JD_LONG, 200, "stacked"),  # 105 + 47 characters of URL, and the rest: no room at 200
        (JD_LONG, 260, "table"),
        (LONGEST, 200, "stacked"),  # no table column holds it whole: one block per link instead
    ],
)
def test_the_table_is_used_only_where_it_folds_nothing(message: str, width: int, layout: str) -> None:
    text = rendered(_engine().examine(message), width)
    assert ("┃ found" in text) == (layout == "table")
    if layout == "stacked":
        assert "   verdict    " in text and "   decision   " in text


def test_prose_wraps_at_spaces_and_never_inside_a_word() -> None:
    sentence = "the chain ended at " + LONGEST + " still a short link"
    lines = wrap(sentence, 40)
    assert LONGEST in lines and all(len(line) <= 40 for line in lines if line != LONGEST)
    assert " ".join(lines) == sentence


def test_stacked_lines_fit_80_columns_except_tokens_longer_than_a_line() -> None:
    analysis = _engine().examine(f"{TOUR}\n{LONGEST}")
    for line in rendered(analysis, 80).splitlines():
        assert len(line) <= 80 or LONGEST in line, line


# -- a truncated link list says so --------------------------------------------------------------------


def _flood(n: int) -> str:
    return " ".join(f"h{i}.example.com" for i in range(n))


@pytest.mark.parametrize(("links", "truncated"), [(5, False), (6, True), (50, True)])
def test_the_finder_says_when_it_stopped_at_max_links(links: int, truncated: bool) -> None:
    finds = Finder(max_links=5).scan(_flood(links))
    assert (len(finds.links), finds.truncated) == (min(links, 5), truncated)


@pytest.mark.parametrize(("links", "truncated"), [(1000, False), (1001, True)])
def test_check_json_carries_truncated_and_stderr_a_note(
    links: int, truncated: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--offline", "--json", _flood(links)]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert (len(doc["links"]), doc["truncated"]) == (1000 if truncated else links, truncated)
    assert ("only the first 1000 were found and checked" in captured.err) == truncated


def test_the_table_ends_with_a_notice_when_truncated(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--offline", _flood(1001)]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1].startswith("note: ")
    assert "more than 1000 links" in out and "split the message" in out


# -- every share text of a message is read as one -----------------------------------------------------


def test_two_share_texts_in_one_message_are_two_shares(capsys: pytest.CaptureFixture[str]) -> None:
    message = TOUR + "\n" + "【【阅读3.0】书源制作过程(基础语法)-哔哩哔哩】 https://b23.tv/TUMG3e5"
    assert main(["check", "--offline", "--json", message]) == 0
    links = json.loads(capsys.readouterr().out)["links"]
    shown = [(link["found"]["form"], link["platform"], link["title"]) for link in links]
    assert shown == [("share", "taobao", "新款饺子器木制"), ("share", "bilibili", "【阅读3.0】书源制作过程(基础语法)")]


# -- usage and descriptions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        (["check", "--bogus"], "usage: hutong check "),
        (["policy", "show", "--bogus"], "usage: hutong policy show "),
        (["audit", "export", "--bogus"], "usage: hutong audit export "),
        (["feeds", "status", "--bogus"], "usage: hutong feeds status "),
        (["keys", "list", "extra"], "usage: hutong keys list "),
        (["report", "--bogus"], "usage: hutong report "),
        (["audit"], "usage: hutong audit "),
        (["frobnicate"], "usage: hutong "),
    ],
)
def test_a_bad_option_prints_its_own_subcommands_usage(
    argv: list[str], usage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert err.startswith(usage), err
    program = usage.removeprefix("usage: ").strip()
    assert f"\n{program}: error: " in err


def test_every_command_and_action_has_a_description() -> None:
    parsers = all_parsers(build_parser())
    assert len(parsers) >= 20
    missing = [p.prog for p in parsers if not (p.description or "").strip()]
    assert missing == []


# -- one output style --------------------------------------------------------------------------------


def _status(capsys: pytest.CaptureFixture[str]) -> str:
    import_feed(Path(os.environ["HUTONG_DATA_DIR"]))
    assert main(["feeds", "status"]) == 0
    return capsys.readouterr().out


def _keys(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["keys", "create", "chatbot"]) == 0
    capsys.readouterr()
    assert main(["keys", "list"]) == 0
    return capsys.readouterr().out


def _show(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["policy", "show"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("run", "header"),
    [(_status, "┃ name "), (_keys, "┃ API key "), (_show, "┃ rule ")],
    ids=["feeds-status", "keys-list", "policy-show"],
)
def test_tabular_subcommands_print_rich_tables(
    run: Callable[[pytest.CaptureFixture[str]], str], header: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys)
    assert header in out and "┏" in out and "┗" not in out.splitlines()[0]


def test_rows_too_wide_for_a_table_become_blocks_with_whole_tokens() -> None:
    buf = io.StringIO()
    source = "https://feeds.example/" + "p" * 90 + "/urlhaus.txt"
    print_rows(console(buf, width=80), ("name", "format", "source"), [("urlhaus", "urlhaus", source)])
    out = buf.getvalue()
    assert "┃" not in out and any(source in line for line in out.splitlines())
    assert "  source: " in out


# -- hutong report to a terminal --------------------------------------------------------------------


def test_report_to_a_terminal_prints_a_summary(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "hutong transparency report" in out and "<html" not in out and "--format html" in out


@pytest.mark.parametrize(
    ("argv", "tty", "html"),
    [
        (["report", "--format", "html"], True, True),
        (["report"], False, True),  # a pipe or a file still gets the page, as before
        (["report", "--format", "text"], False, False),
    ],
)
def test_report_format_follows_the_option_then_the_terminal(
    argv: list[str], tty: bool, html: bool, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty)
    assert main(argv) == 0
    assert ("<!doctype html>" in capsys.readouterr().out) == html
