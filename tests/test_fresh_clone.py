"""The suite needs nothing beside the checkout: a clone alone in an empty folder runs the data-reading tests.

The clone is of the committed tree (what CI and a newcomer get), placed in a temporary folder that holds
nothing else, so a test that reads the shared folder or any other neighbour of the checkout fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, conformance_dir

# every test module that reads files the repository keeps as data (conformance sets, platform notes, corpus)
DATA_READERS = ("tests/conformance", "tests/find/test_share.py")


def test_conformance_data_is_tracked_by_git() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", str(conformance_dir().relative_to(ROOT))], cwd=ROOT, capture_output=True, text=True
    )
    if tracked.returncode != 0:
        pytest.fail(f"not a git checkout: {tracked.stderr.strip()}")
    files = set(tracked.stdout.split())
    suites = {p.name for p in conformance_dir().iterdir() if p.is_dir()}
    missing = {s for s in suites if not any(f.split("/")[3] == s for f in files if f.count("/") >= 4)}
    assert suites, "no conformance sets in the checkout"
    assert not missing, f"conformance sets present but not committed: {sorted(missing)}"
    names = {s: [f.name for f in (conformance_dir() / s).iterdir()] for s in suites}
    licensed = {s for s, files_of in names.items() if any(n.startswith(("LICENSE", "COPYING")) for n in files_of)}
    licences = suites - licensed
    assert not licences, f"conformance sets without their licence: {sorted(licences)}"


# ways a test could reach outside the checkout: the folder beside it, or an absolute path into /work
# (URL test data such as "../z" is not a path: only "../name/..." counts)
OUTSIDE = re.compile(r"ROOT\.parent\b|[\"']\.\./\w+/|[\"']/work/|[\"']/home/")
PARENTS = re.compile(r"parents\[(\d+)\]")


def test_no_test_names_a_path_outside_the_checkout() -> None:
    """A static check over every test module, so a new one cannot slip out of the list above unseen."""
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path.name != "test_fresh_clone.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
        # Path(__file__).parents[k] with k past the checkout's root (parts - 1 levels up)
        or any(int(k) >= len(path.relative_to(ROOT).parts) for k in PARENTS.findall(line))
    ]
    assert not offenders, "tests that read outside the checkout:\n" + "\n".join(offenders)


# the build's own files: a make target, CI script or build setting that reaches beside the checkout
BUILD_OUTSIDE = re.compile(r"(?<![\w.])\.\./|(?<![\w])/work/|(?<![\w])/home/")
BUILD_FILES = ("Makefile", ".ci/run", "pyproject.toml", "Dockerfile")


def test_no_build_file_names_a_path_outside_the_checkout() -> None:
    offenders = [
        f"{name}:{n}: {line.strip()}"
        for name in BUILD_FILES
        for n, line in enumerate((ROOT / name).read_text(encoding="utf-8").splitlines(), 1)
        if not line.lstrip().startswith("#") and BUILD_OUTSIDE.search(line)
    ]
    assert not offenders, "build files that reach outside the checkout:\n" + "\n".join(offenders)


@pytest.mark.slow
def test_a_lone_clone_runs_the_data_reading_tests(tmp_path: Path) -> None:
    empty = tmp_path / "nothing-beside"
    empty.mkdir()
    clone = empty / "hutong"
    clone_cmd = ["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)]
    done = subprocess.run(clone_cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in empty.iterdir()) == ["hutong"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUTONG_", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(clone / "src"), str(clone)])
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *DATA_READERS],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    shutil.rmtree(empty, ignore_errors=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "skipped" not in run.stdout, run.stdout[-1500:]
