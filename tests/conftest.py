"""Shared fixtures: where the conformance data lives (inside the checkout), and service availability."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def conformance_dir() -> Path:
    """The copies of other projects' test data kept in the repository (``tests/conformance/data``)."""
    return ROOT / "tests" / "conformance" / "data"


def need_conformance(sub: str) -> Path:
    """Path of one conformance suite in the repository; a missing one is a broken checkout, so a failure."""
    path = conformance_dir() / sub
    if not path.exists():
        pytest.fail(f"conformance data {path} is missing from the checkout")
    return path


def need_service(name: str, reason: str) -> None:
    """Skip outside CI when a service is missing; fail in CI, where .ci/run must provide it."""
    if IN_CI:
        pytest.fail(f"{name} is required in CI but unavailable: {reason}")
    pytest.skip(f"{name} unavailable: {reason}")


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own data directory and no ambient configuration."""
    monkeypatch.setenv("HUTONG_DATA_DIR", str(tmp_path_factory.mktemp("hutong-data")))
    monkeypatch.delenv("HUTONG_CONFIG", raising=False)
