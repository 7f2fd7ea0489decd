"""The service core imports no web framework: not in its source, not transitively, not at run time."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.imports import external, graph, reachable

# what a front end may bring, and the core must not: web frameworks, templating, schemas, metrics exporters
WEB_STACK = frozenset({"fastapi", "starlette", "uvicorn", "jinja2", "pydantic", "prometheus_client", "anyio"})
SERVICE = "hutong.service"


def _run(code: str, tmp_path: Path) -> object:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: object = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_no_service_module_imports_the_web_stack_or_the_web_app() -> None:
    edges, outside = graph(), external()
    core = [m for m in edges if m == SERVICE or m.startswith(SERVICE + ".")]
    assert len(core) >= 6  # the package, its gateway, go-links, prefs, keys and observer were all read
    closure = reachable(core, edges)
    assert not {m for m in closure if m.startswith("hutong.web")}
    leaks = {m: sorted(outside[m] & WEB_STACK) for m in closure if outside[m] & WEB_STACK}
    assert leaks == {}


def test_the_web_app_does_import_the_web_stack() -> None:
    # the check above reads the same tables: they must see a framework where there is one
    assert {"fastapi", "starlette"} <= external()["hutong.web.app"]


def test_importing_the_core_loads_no_web_framework(tmp_path: Path) -> None:
    found = _run(
        f"""
        import json, sys
        import hutong.service, hutong.service.gateway, hutong.service.golinks
        import hutong.service.prefs, hutong.service.apikeys, hutong.service.observer
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {sorted(WEB_STACK)!r})))
        """,
        tmp_path,
    )
    assert found == []


def test_a_check_and_a_click_through_the_core_load_no_web_framework(tmp_path: Path) -> None:
    # lazy imports run only when used: check, record, mint a go-link, click it, close
    found = _run(
        f"""
        import asyncio, json, sys
        from hutong.config import Config, DataSection
        from hutong.service import open_gateway

        async def main():
            gw = open_gateway(Config(data=DataSection(dir={str(tmp_path / "data")!r})))
            reports = await gw.check("see https://example.com/a?utm_source=x", context="group", user="u1")
            go = gw.go_link(reports[0], "http://127.0.0.1:8080", context="group", mode=None, keyed=True)
            click = await gw.click(go.rsplit("/", 1)[1], user="u1", confirmed=False)
            await gw.aclose()
            return reports[0].url, click.action.value

        url, action = asyncio.run(main())
        web = sorted(m for m in sys.modules if m.split(".")[0] in {sorted(WEB_STACK)!r})
        print(json.dumps({{"url": url, "action": action, "web": web}}))
        """,
        tmp_path,
    )
    assert found == {"url": "https://example.com/a", "action": "confirm", "web": []}
    assert (tmp_path / "data" / "audit.sqlite3").exists()  # the audit store was really written


@pytest.mark.parametrize(
    ("module", "banned"),
    [("hutong.web.app", "fastapi"), ("hutong.web.pages", "starlette")],
    ids=["app", "pages"],
)
def test_the_subprocess_probe_sees_a_framework_when_one_loads(tmp_path: Path, module: str, banned: str) -> None:
    found = _run(f"import json, sys, {module}\nprint(json.dumps({banned!r} in sys.modules))", tmp_path)
    assert found is True
