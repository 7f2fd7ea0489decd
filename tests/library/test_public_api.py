"""``import hutong``: the documented names, each the real object, imported lazily; the one-call checks."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

import hutong
from hutong import config, errors, library, pipeline
from hutong.config import DataSection
from hutong.core import model
from hutong.service import gateway
from tests.support.feeds import import_feed

EXPECTED = {
    "check": library.check,
    "check_async": library.check_async,
    "Engine": pipeline.Engine,
    "Gateway": gateway.Gateway,
    "open_gateway": gateway.open_gateway,
    "Click": gateway.Click,
    "Config": config.Config,
    "load_config": config.load,
    "Action": model.Action,
    "Card": model.Card,
    "Decision": model.Decision,
    "Found": model.Found,
    "Hop": model.Hop,
    "Identity": model.Identity,
    "Level": model.Level,
    "LinkReport": model.LinkReport,
    "Reason": model.Reason,
    "UserPrefs": model.UserPrefs,
    "Verdict": model.Verdict,
    "HutongError": errors.HutongError,
    "ConfigError": errors.ConfigError,
    "InputError": errors.InputError,
    "RemoteError": errors.RemoteError,
    "StorageError": errors.StorageError,
    "TokenError": errors.TokenError,
}
ALIASES = {"Context": model.Context, "Mode": model.Mode}  # typing aliases: compared by equality


def test_all_lists_exactly_the_lazy_names_and_the_version() -> None:
    assert set(hutong.__all__) == set(hutong._LAZY) | {"__version__"}
    assert len(hutong.__all__) == len(set(hutong.__all__))
    assert set(hutong._LAZY) == set(EXPECTED) | set(ALIASES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_name_is_the_object_its_module_defines(name: str) -> None:
    assert getattr(hutong, name) is EXPECTED[name]
    assert name in dir(hutong)


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_the_type_aliases_are_the_models(name: str) -> None:
    assert getattr(hutong, name) == ALIASES[name]


def test_every_public_name_has_a_docstring() -> None:
    for name in EXPECTED:
        assert (getattr(hutong, name).__doc__ or "").strip(), name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'chek'"):
        _ = hutong.chek  # type: ignore[attr-defined]


def _fresh(code: str, tmp_path: Path) -> object:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_hutong_loads_no_module_of_its_own_and_nothing_third_party(tmp_path: Path) -> None:
    before, after = _fresh(
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "import hutong\n"
        "print(json.dumps([sorted(before), sorted(set(sys.modules) - before)]))",
        tmp_path,
    )
    # hutong's module and the compiler's __future__ flags, nothing else: no submodule, not even typing
    assert set(after) <= {"hutong", "__future__"} and "hutong" in after, after
    assert before  # the probe did see the interpreter's own modules


def test_a_name_imports_its_module_on_first_use_and_no_web_stack(tmp_path: Path) -> None:
    loaded = _fresh(
        "import json, sys\n"
        "import hutong\n"
        "assert 'hutong.pipeline' not in sys.modules\n"
        "hutong.check('https://example.com/')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('fastapi', 'starlette', 'uvicorn', 'jinja2', 'hutong') and not m.startswith(('hutong.core.find', "
        "'hutong.safety', 'hutong.net', 'hutong.preview')))))",
        tmp_path,
    )
    assert isinstance(loaded, list)
    assert "hutong.pipeline" in loaded and "hutong.library" in loaded
    assert not [m for m in loaded if not m.startswith("hutong") or m.startswith("hutong.web")]


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> hutong.Engine:
    """An engine whose screening can run: a fresh threat feed in its data directory (none lists VIDEO)."""
    data = tmp_path_factory.mktemp("screened")
    import_feed(data)
    return hutong.Engine.from_config(hutong.Config(data=DataSection(dir=str(data))))


VIDEO = "https://www.bilibili.com/video/BV1xx411c7mD?spm_id_from=333"
LOOKALIKE = "https://paypa1.com/login"
CONTEXT_CASES = [
    # text, context, mode, prefs, rule: offline, under each reader's choice
    (VIDEO, "direct", None, None, "policy.direct.open"),
    (VIDEO, "group", None, None, "policy.group.confirm"),
    (VIDEO, "direct", "confirm", None, "policy.mode.confirm"),
    (VIDEO, "direct", None, model.UserPrefs(mode="confirm"), "policy.mode.confirm"),
    (VIDEO, "direct", "direct", model.UserPrefs(mode="confirm"), "policy.direct.open"),  # mode wins over prefs
    (VIDEO, "group", None, model.UserPrefs(always_open=("bilibili.com",)), "policy.trusted.open"),
    (LOOKALIKE, "direct", None, None, "policy.suspicious.confirm"),
    (LOOKALIKE, "channel", "strict", None, "policy.suspicious.strict.copy"),
    (LOOKALIKE, "group", None, model.UserPrefs(always_open=("paypa1.com",)), "policy.suspicious.confirm"),
]


@pytest.mark.parametrize(("text", "context", "mode", "prefs", "rule"), CONTEXT_CASES)
def test_check_applies_context_mode_and_prefs(
    screened: hutong.Engine,
    text: str,
    context: model.Context,
    mode: model.Mode | None,
    prefs: model.UserPrefs | None,
    rule: str,
) -> None:
    (sync,) = hutong.check(text, context=context, mode=mode, prefs=prefs, engine=screened)
    (asynchronous,) = asyncio.run(hutong.check_async(text, context=context, mode=mode, prefs=prefs, engine=screened))
    assert sync.decision is not None and sync.decision.rule == rule
    assert asynchronous == sync


@pytest.mark.parametrize(
    ("context", "mode", "message"),
    [("everywhere", None, "unknown chat context 'everywhere'"), ("group", "yolo", "unknown mode 'yolo'")],
    ids=["context", "mode"],
)
def test_check_refuses_an_unknown_context_or_mode(context: str, mode: str | None, message: str) -> None:
    with pytest.raises(hutong.InputError, match=message) as caught:
        hutong.check(VIDEO, context=context, mode=mode)  # type: ignore[arg-type]
    assert caught.value.code == "input.invalid"
    with pytest.raises(hutong.HutongError, match=message):
        asyncio.run(hutong.check_async(VIDEO, context=context, mode=mode))  # type: ignore[arg-type]


async def test_a_sync_online_check_inside_a_running_loop_says_what_to_use() -> None:
    with pytest.raises(hutong.InputError, match="check_async"):
        hutong.check(VIDEO, online=True)
    assert hutong.check(VIDEO)[0].url is not None  # offline works anywhere
