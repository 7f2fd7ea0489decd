"""Every outcome explained: a card that could not be built says why, and a card from a cut page says so.

Each case is a link the local internet (or the address policy) makes fail one way; the card must
carry that failure's stable ``remote.*`` code with a sentence in English and in Chinese. The same
explanation reaches the CLI table and its JSON output.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from hutong.cli import main
from hutong.errors import RemoteError
from hutong.pipeline import Engine
from hutong.preview.explain import FALLBACK, SENTENCES
from tests.support.localnet import LocalNet, Reply, gzip_bomb, html, redirect

from .conftest import Route, analyse_online, config_for, serve

PAGE = "<html><head><title>Big page</title></head><body>" + "<p>long text</p>" * 400 + "</body></html>"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens there any more


@dataclass(frozen=True)
class Failing:
    name: str
    url: str
    routes: tuple[Route, ...]
    code: str
    word: str = ""  # a word the English sentence must contain (the host, the address, the status)
    network: dict[str, Any] = field(default_factory=dict)


FAILING = [
    Failing(
        # the hardening review's case: connect_to onto an address that allow_networks does not open
        "connect_to_outside_allow_networks",
        "https://shop.example/item",
        (),
        "remote.blocked_address",
        "127.0.0.1",
        {"connect_to": ("shop.example:443:127.0.0.1:9",), "allow_networks": ()},
    ),
    Failing(
        "redirect_to_private_address",
        "https://news.example/story",
        (("news.example", None, redirect("http://10.0.0.1/admin")),),
        "remote.blocked_address",
        "10.0.0.1",
    ),
    Failing("forbidden_port", "https://news.example:8443/", (), "remote.blocked_url", "8443"),
    Failing(
        "timeout", "https://slow.example/", (("slow.example", None, Reply(delay=3.0)),), "remote.timeout",
        "slow.example", {"total_timeout": 0.5},
    ),
    Failing(
        "too_large_headers",
        "https://fat.example/",
        (("fat.example", None, html("<p>x", headers=(("X-Pad", "y" * 3000),))),),
        "remote.too_large",
        "fat.example",
        {"max_header_bytes": 1024},
    ),
    Failing("gzip_bomb", "https://bomb.example/", (("bomb.example", None, gzip_bomb(50_000_000)),), "remote.too_large"),
    Failing(
        "wrong_type",
        "https://docs.example/report.pdf",
        (("docs.example", None, Reply(body=b"%PDF-1.7", headers=(("Content-Type", "application/pdf"),))),),
        "remote.bad_content",
        "application/pdf",
    ),
    Failing(
        "tls_unknown_ca", "https://tls.example/", (("tls.example", None, html("<p>x")),), "remote.tls", "tls.example",
        {"ca_bundle": ""},
    ),
    Failing(
        "http_status",
        "https://gone.example/post/1",
        (("gone.example", None, html("<p>gone", status=404)),),
        "remote.http_status",
        "404",
    ),
    Failing(
        "redirect_loop",
        "https://loop.example/a",
        (("loop.example", "/a", redirect("/b")), ("loop.example", "/b", redirect("/a"))),
        "remote.too_many_redirects",
        "loop",
    ),
    Failing(
        "connection_refused",
        "https://down.example/",
        (),
        "remote.network",
        "down.example",
        {"connect_to": (f"down.example:443:127.0.0.1:{_closed_port()}",)},
    ),
    Failing(
        "short_link_refused",
        "https://b23.tv/meta",
        (("b23.tv", "/meta", redirect("http://169.254.169.254/latest/meta-data/")),),
        "remote.blocked_address",
        "169.254.169.254",
    ),
    Failing(
        "short_link_that_goes_nowhere",
        "https://b23.tv/stay",
        (("b23.tv", "/stay", html("<title>哔哩哔哩</title><p>欢迎</p>")),),
        "resolve.no_destination",
        "still a short link",
    ),
]


@pytest.mark.parametrize("case", FAILING, ids=lambda c: c.name)
async def test_a_card_that_could_not_be_built_says_why(case: Failing, localnet: LocalNet, tmp_path: Path) -> None:
    serve(localnet, case.routes)
    (report,) = await analyse_online(localnet, tmp_path, f"看看 {case.url} 呀", preview=True, **case.network)
    card = report.card
    assert card is not None and card.error is not None, report
    assert card.error.code == case.code
    en, zh = SENTENCES[case.code]
    assert card.error.detail.startswith(en) and case.word in card.error.detail, card.error.detail
    assert card.error.detail_zh == zh
    assert not card.truncated and card.title is None and card.url == report.url


async def test_a_rate_limited_preview_says_so(localnet: LocalNet, tmp_path: Path) -> None:
    localnet.route("busy.example", html("<title>busy</title>"))
    engine = Engine.from_config(config_for(localnet, tmp_path, rate_limit_per_minute=1))
    try:
        (first,) = await engine.analyse_online("https://busy.example/1", preview=True)
        (second,) = await engine.analyse_online("https://busy.example/2", preview=True)
    finally:
        await engine.aclose()
    assert first.card is not None and first.card.error is None and first.card.title == "busy"
    assert second.card is not None and second.card.error is not None
    assert second.card.error.code == "remote.rate_limited"


@pytest.mark.parametrize(
    ("name", "cap", "truncated"),
    [("cut at the cap", 1000, True), ("whole page", 1_000_000, False)],
)
async def test_a_card_from_a_cut_page_is_marked(
    name: str, cap: int, truncated: bool, localnet: LocalNet, tmp_path: Path
) -> None:
    localnet.route("long.example", html(PAGE))
    (report,) = await analyse_online(localnet, tmp_path, "https://long.example/", preview=True, max_html_bytes=cap)
    assert report.card is not None and report.card.title == "Big page" and report.card.error is None
    assert report.card.truncated is truncated, name
    assert report.to_json()["card"]["truncated"] is truncated


def test_every_remote_code_has_its_own_sentence() -> None:
    """Each code the fetcher can raise is explained in words of its own, in both languages."""
    codes = {cls.code for cls in _subclasses(RemoteError)} | {"remote.http_status", "remote.rate_limited"}
    missing = {c for c in codes if SENTENCES.get(c, FALLBACK) == FALLBACK and c != RemoteError.code}
    assert missing == set()
    assert all(en and zh and en != zh for en, zh in SENTENCES.values())
    assert len({zh for _, zh in SENTENCES.values()}) == len(SENTENCES)


def _subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub, *_subclasses(sub)}
    return out


def _config_file(net: LocalNet, tmp_path: Path) -> Path:
    settings = net.settings()
    path = tmp_path / "hutong.toml"
    path.write_text(
        f"[data]\ndir = {json.dumps(str(tmp_path / 'data'))}\n\n[network]\n"
        f"connect_to = {json.dumps(list(settings.connect_to))}\n"
        f"allow_networks = {json.dumps(list(settings.allow_networks))}\n"
        f"ca_bundle = {json.dumps(settings.ca_bundle)}\n",
        encoding="utf-8",
    )
    return path


def test_cli_table_and_json_show_the_card_error(
    localnet: LocalNet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    localnet.route("gone.example", html("<p>gone", status=404))
    localnet.route("long.example", html(PAGE))
    config = str(_config_file(localnet, tmp_path))
    text = "https://gone.example/x https://long.example/"
    assert main(["check", "--preview", "--config", config, "--", text]) == 0
    table = capsys.readouterr().out
    assert "card error: remote.http_status" in table and "No preview: the site answered with an error" in table
    assert "cut at network.max_html_bytes" not in table  # the long page fits the default cap
    assert main(["check", "--preview", "--json", "--config", config, "--", text]) == 0
    gone, long = json.loads(capsys.readouterr().out)["links"]
    assert gone["card"]["error"]["code"] == "remote.http_status"
    assert gone["card"]["error"]["detail_zh"] == SENTENCES["remote.http_status"][1]
    assert long["card"]["error"] is None and long["card"]["truncated"] is False


def test_cli_table_marks_a_truncated_card(
    localnet: LocalNet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    localnet.route("long.example", html(PAGE))
    config = _config_file(localnet, tmp_path)
    with config.open("a", encoding="utf-8") as fh:
        fh.write("max_html_bytes = 1024\n")
    assert main(["check", "--preview", "--config", str(config), "https://long.example/"]) == 0
    # the sentence may wrap inside its column; its opening words stay on one line
    assert "(card from the first part of a page" in capsys.readouterr().out

