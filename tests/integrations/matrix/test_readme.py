"""The README's "hutong in Matrix" section is what the world of these tests runs (see conftest.py)."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT

from . import readme
from .conftest import World


def test_the_readme_names_what_exists() -> None:
    installs = readme.install_lines()
    assert installs == ["pip install ./integrations/synapse", "pip install '.[matrix]'"]
    module = tomllib.loads((ROOT / "integrations" / "synapse" / "pyproject.toml").read_text(encoding="utf-8"))
    assert module["project"]["name"] == "hutong-synapse"
    core = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(dep.startswith("mautrix") for dep in core["project"]["optional-dependencies"]["matrix"])
    config = readme.homeserver_lines()["modules"][0]
    assert config["module"] == "hutong_synapse.HutongModule"


def test_the_readme_commands_ran(world: World) -> None:
    """The world's registration and bot came from the README's two commands."""
    assert world.registration.exists() and "as_token" in world.registration.read_text(encoding="utf-8")
    assert world.bot.proc is not None and world.bot.proc.poll() is None
    assert world.bot.argv[3:5] == ["matrix-appservice", "run"]
    # in its own process on hutong serve's configuration, its go-links under hutong serve's URL
    assert "--hutong-url" not in world.bot.argv and "--config" in world.bot.argv
    assert world.bot.argv[world.bot.argv.index("--public-url") + 1] == world.hutong_url
    assert "hutong bot @hutong:hutong.test listening" in world.bot.log()
