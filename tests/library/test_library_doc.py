"""docs/library.md runs as written: its ``pycon`` blocks, in order, as one doctest, against the local internet."""

from __future__ import annotations

import doctest
import json
import re
from pathlib import Path

import pytest

from tests.support.localnet import LocalNet, html, localnet, localnet_server, redirect

__all__ = ["localnet", "localnet_server"]

DOC = Path(__file__).resolve().parents[2] / "docs" / "library.md"
SHORT = "https://www.bilibili.com/video/BV1xx411c7mD?share_source=copy_web&vd_source=abc"
VIDEO_PAGE = html(
    "<html><head><title>【4K】城市夜景 - 哔哩哔哩</title><meta property='og:type' content='video'>"
    "<meta property='og:title' content='【4K】城市夜景'></head><body></body></html>"
)


def blocks(kind: str) -> list[str]:
    """The fenced blocks of docs/library.md in language ``kind``, in order."""
    return re.findall(rf"^```{kind}\n(.*?)^```$", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)


def config_file(net: LocalNet, page_toml: str) -> str:
    """The page's hutong.toml plus a [network] section that reaches the local internet."""
    settings = net.settings()
    network = {"connect_to": list(settings.connect_to), "allow_networks": list(settings.allow_networks)}
    lines = [f"{key} = {json.dumps(value)}" for key, value in network.items()]
    lines.append(f"ca_bundle = {json.dumps(settings.ca_bundle)}")
    return page_toml + "\n[network]\n" + "\n".join(lines) + "\n"


def test_the_page_shows_one_config_file_and_many_examples() -> None:
    assert len(blocks("toml")) == 1
    assert len(blocks("pycon")) >= 5


def test_library_page_examples_run(localnet: LocalNet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    localnet.route("b23.tv", redirect(SHORT), path="/BV1xx411c7mD")
    localnet.route("www.bilibili.com", VIDEO_PAGE)
    (tmp_path / "hutong.toml").write_text(config_file(localnet, blocks("toml")[0]), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    text = "\n".join(blocks("pycon"))
    test = doctest.DocTestParser().get_doctest(text, {}, DOC.name, str(DOC), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 25
    assert result.failed == 0, "docs/library.md examples failed (see the captured output above)"
    # the online examples really went out: the short link, then the page it leads to
    assert {r.host for r in localnet.requests} == {"b23.tv", "www.bilibili.com"}
    assert (tmp_path / "data" / "prefs.sqlite3").exists()  # the gateway example stored Bob's prefs
