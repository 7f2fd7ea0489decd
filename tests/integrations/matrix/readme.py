"""The README's "hutong in Matrix" section, as the tests run it: its commands, its homeserver.yaml lines."""

from __future__ import annotations

import re
import shlex
from typing import Any

import yaml

from tests.conftest import ROOT

HEADING = "## hutong in Matrix"
# what the README writes, and what the tests put in its place
BOT_URL = "http://127.0.0.1:29330"
HOMESERVER_URL = "http://127.0.0.1:8008"
HUTONG_URL = "http://127.0.0.1:8080"
REGISTRATION = "hutong-registration.yaml"
CONFIG = "hutong.toml"
BOT = "@hutong:example.org"


def section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(HEADING)
    end = text.find("\n## ", start + len(HEADING))
    return text[start : end if end >= 0 else len(text)]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section(), flags=re.S)


def commands(substitutions: dict[str, str]) -> dict[str, list[str]]:
    """The section's ``$ hutong matrix-appservice ...`` commands by action, with the placeholders replaced."""
    out: dict[str, list[str]] = {}
    for block in blocks("console"):
        for line in block.splitlines():
            if line.startswith("$ hutong "):
                argv = [substitutions.get(a, a) for a in shlex.split(line[2:])[1:]]
                out[argv[1]] = argv
    return out


def homeserver_lines() -> dict[str, Any]:
    (block,) = blocks("yaml")
    loaded: dict[str, Any] = yaml.safe_load(block)
    return loaded


def install_lines() -> list[str]:
    return [line.split("#")[0].strip() for block in blocks("sh") for line in block.splitlines() if line.strip()]
