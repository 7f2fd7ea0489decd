"""Configuration: defaults, unknown keys named, type errors explained, docs in step with code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hutong import config
from hutong.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_need_no_file() -> None:
    cfg = config.load()
    assert cfg.network.allowed_ports == (80, 443)
    assert cfg.network.max_redirects == 5
    assert cfg.storage.cache == "memory"


def test_file_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "h.toml"
    f.write_text('[network]\nmax_redirects = 3\nconnect_to = ["m.tb.cn:443:127.0.0.1:8443"]\n', encoding="utf-8")
    monkeypatch.setenv("HUTONG_CONFIG", str(f))
    cfg = config.load()
    assert cfg.network.max_redirects == 3
    assert cfg.network.connect_to == ("m.tb.cn:443:127.0.0.1:8443",)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("unknown section", "[netwrk]\nx = 1\n", "unknown configuration key 'netwrk'"),
        ("unknown key in a section", "[network]\nconect_timeout = 1\n", "'network.conect_timeout'"),
        ("unknown key in a list of tables", '[[safety.feeds]]\nname="a"\nurl="x"\n', "'safety.feeds[0].url'"),
        ("wrong type", '[network]\nmax_redirects = "five"\n', "network.max_redirects: expected an integer"),
        ("bool is not an int", "[network]\nmax_redirects = true\n", "expected an integer"),
        ("list expected", "[network]\nallowed_ports = 443\n", "expected a list"),
        ("bad mode", '[policy]\ndefault_mode = "yolo"\n', "policy.default_mode"),
        ("bad scheme", '[network]\nallowed_schemes = ["ftp"]\n', "cannot be fetched"),
        ("bad port", "[network]\nallowed_ports = [70000]\n", "not a TCP port"),
        ("bad cache URL", '[storage]\ncache = "memcached://x"\n', "storage.cache"),
        ("not TOML", "[network\n", "not valid TOML"),
        ("negative refresh", "[safety]\nfeeds_refresh_minutes = -1\n", "safety.feeds_refresh_minutes"),
        ("no reload interval", "[safety]\nreload_seconds = 0\n", "safety.reload_seconds"),
    ],
)
def test_bad_configuration_is_rejected_by_name(name: str, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        config.parse(text)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read configuration file"):
        config.load(tmp_path / "nope.toml")


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    missing = [key for key in config.documented_keys() if f"`{key}`" not in doc]
    assert not missing, f"settings missing from docs/config.md: {missing}"
