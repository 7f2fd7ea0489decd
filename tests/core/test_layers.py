"""The pure core imports only itself and the two shared leaf modules: never the network, storage or a front end."""

from __future__ import annotations

import pytest

from tests.support.imports import imports_of, module_files

ALLOWED = ("hutong.core", "hutong.errors", "hutong.config")
CORE = {name: path for name, path in module_files().items() if name.startswith("hutong.core")}


def test_the_core_is_a_package_of_its_own() -> None:
    assert {"hutong.core.find", "hutong.core.urls", "hutong.core.policy", "hutong.core.model"} <= set(CORE)


@pytest.mark.parametrize("module", sorted(CORE))
def test_core_module_imports_nothing_outside_the_core(module: str) -> None:
    outside = {
        m
        for m in imports_of(module, CORE[module])
        if m.startswith("hutong") and m != "hutong" and not m.startswith(ALLOWED)
    }
    assert not outside, f"{module} imports {sorted(outside)}"
