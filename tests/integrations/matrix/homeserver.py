"""A real Synapse for the tests: installed from PyPI into its own cached environment, run on SQLite.

``synapse_python()`` makes (once per pinned version) ``.cache/synapse-venv/<version>-py<X.Y>`` in the
checkout with ``matrix-synapse`` in it, with uv when the test environment has it (seconds) else pip,
and installs the checkout's ``integrations/synapse`` into it each session, so the module under test
is the distribution as a user installs it. ``Homeserver`` writes a loopback-only, federation-off
``homeserver.yaml``, starts Synapse in its own process group, and registers users through the
shared-secret admin API. ``Client`` is the few client-server calls the tests make.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import yaml

from tests.conftest import ROOT, need_service

SYNAPSE_VERSION = "1.163.2"
SERVER_NAME = "hutong.test"
CACHE = ROOT / ".cache"
MODULE_SOURCE = ROOT / "integrations" / "synapse"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _uv() -> str | None:
    try:
        from uv import find_uv_bin
    except ImportError:
        return None
    return str(find_uv_bin())


def _run(argv: list[str], what: str, env: Mapping[str, str] | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, env=None if env is None else dict(env), timeout=600)
    if done.returncode != 0:
        need_service("Synapse", f"{what} failed ({done.returncode}): {(done.stderr or done.stdout)[-2000:]}")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def synapse_python() -> tuple[Path, float]:
    """The Synapse environment's interpreter, and the seconds spent installing (0 when cached)."""
    tag = f"{SYNAPSE_VERSION}-py{sys.version_info.major}.{sys.version_info.minor}"
    venv = CACHE / "synapse-venv" / tag
    python = venv / "bin" / "python"
    uv = _uv()
    env = {**os.environ, "UV_CACHE_DIR": str(CACHE / "uv"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    started = time.monotonic()
    with _locked(CACHE / "synapse-venv.lock"):
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            if uv:
                _run([uv, "venv", "-q", "-p", sys.executable, str(venv)], "creating the Synapse venv", env)
                _run([uv, "pip", "install", "-q", "--native-tls", "-p", str(python),
                      f"matrix-synapse=={SYNAPSE_VERSION}"], f"installing matrix-synapse {SYNAPSE_VERSION}", env)
            else:
                _run([sys.executable, "-m", "venv", str(venv)], "creating the Synapse venv", env)
                _run([str(python), "-m", "pip", "install", "-q", f"matrix-synapse=={SYNAPSE_VERSION}"],
                     f"installing matrix-synapse {SYNAPSE_VERSION}", env)
            (venv / ".complete").write_text(SYNAPSE_VERSION + "\n")
        installed = time.monotonic() - started
        # the module as a user installs it: a fresh build of integrations/synapse, no dependencies
        if uv:
            _run([uv, "pip", "install", "-q", "--native-tls", "--no-deps", "--reinstall", "-p", str(python),
                  str(MODULE_SOURCE)], "installing hutong-synapse", env)
        else:
            _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(MODULE_SOURCE)],
                 "installing hutong-synapse", env)
    return python, installed


def signing_key() -> str:
    """A Synapse signing key file's text: ``ed25519 <version> <unpadded base64 seed>``."""
    seed = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return f"ed25519 a_{secrets.token_hex(2)} {seed}\n"


def homeserver_yaml(directory: Path, port: int, *, modules: list[dict[str, Any]],
                    appservices: Sequence[Path] = ()) -> dict[str, Any]:
    """A Synapse configuration bound to 127.0.0.1, with no federation listener and no outside key server."""
    fast = {"per_second": 1000, "burst_count": 1000}
    return {
        "server_name": SERVER_NAME,
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "pid_file": str(directory / "homeserver.pid"),
        "listeners": [{
            "port": port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False, "x_forwarded": False,
            "resources": [{"names": ["client"], "compress": False}],
        }],
        "database": {"name": "sqlite3", "args": {"database": str(directory / "homeserver.db")}},
        "media_store_path": str(directory / "media"),
        "signing_key_path": str(directory / "signing.key"),
        "registration_shared_secret": secrets.token_hex(16),
        "macaroon_secret_key": secrets.token_hex(16),
        "form_secret": secrets.token_hex(16),
        "report_stats": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "url_preview_enabled": False,
        "enable_metrics": False,
        "bcrypt_rounds": 4,
        "encryption_enabled_by_default_for_room_type": "off",
        "rc_message": fast,
        "rc_registration": fast,
        "rc_login": {"address": fast, "account": fast, "failed_attempts": fast},
        "rc_joins": {"local": fast, "remote": fast},
        "rc_joins_per_room": fast,
        "rc_invites": {"per_room": fast, "per_user": fast, "per_issuer": fast},
        "rc_room_creation": fast,
        "modules": modules,
        "app_service_config_files": [str(p) for p in appservices],
    }


class Homeserver:
    """One Synapse process on a free loopback port, in ``directory``."""

    def __init__(self, python: Path, directory: Path, *, modules: list[dict[str, Any]],
                 appservices: list[Path] | None = None, port: int | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.python = python
        self.directory = directory
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = homeserver_yaml(directory, self.port, modules=modules, appservices=appservices or [])
        self.config_path = directory / "homeserver.yaml"
        self.config_path.write_text(yaml.safe_dump(self.config, sort_keys=False), encoding="utf-8")
        (directory / "signing.key").write_text(signing_key(), encoding="utf-8")
        self.log_path = directory / "synapse.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "HUTONG_CONFIG")}
        with self.log_path.open("ab") as log:
            # cwd: a directory with no source copy of the module, since `python -m` puts it first on sys.path
            self.proc = subprocess.Popen(
                [str(self.python), "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
                cwd=self.directory, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"Synapse exited ({self.proc.returncode}):\n{self.log()[-4000:]}")
            try:
                if self.http.get("/_matrix/client/versions", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"Synapse did not answer in {timeout} s:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()
        self.wait_ready()

    def close(self) -> None:
        self.stop()
        self.http.close()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def register(self, localpart: str) -> Client:
        """A new user, through the shared-secret admin API; its client is logged in."""
        secret = self.config["registration_shared_secret"].encode()
        nonce = self.http.get("/_synapse/admin/v1/register").json()["nonce"]
        password = secrets.token_hex(8)
        mac = hmac.new(secret, digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode(), b"notadmin"]))
        r = self.http.post("/_synapse/admin/v1/register", json={
            "nonce": nonce, "username": localpart, "password": password, "admin": False, "mac": mac.hexdigest(),
        })
        assert r.status_code == 200, r.text
        body = r.json()
        return Client(self.url, body["user_id"], body["access_token"])


class Client:
    """A logged-in Matrix user: the client-server calls the tests need."""

    def __init__(self, base: str, user_id: str, token: str) -> None:
        self.user_id = user_id
        self.http = httpx.Client(base_url=base + "/_matrix/client/v3", timeout=30,
                                 headers={"Authorization": f"Bearer {token}"})
        self._txn = 0

    def create_room(self, *, invite: Sequence[str] = (), direct: bool = False) -> str:
        r = self.http.post("/createRoom", json={"preset": "private_chat", "invite": list(invite), "is_direct": direct})
        assert r.status_code == 200, r.text
        return str(r.json()["room_id"])

    def join(self, room_id: str) -> None:
        r = self.http.post(f"/join/{quote(room_id)}", json={})
        assert r.status_code == 200, r.text

    def send(self, room_id: str, content: Mapping[str, Any], event_type: str = "m.room.message") -> httpx.Response:
        self._txn += 1
        return self.http.put(f"/rooms/{quote(room_id)}/send/{event_type}/t{time.time_ns()}.{self._txn}",
                             json=dict(content))

    def event(self, room_id: str, event_id: str) -> dict[str, Any]:
        r = self.http.get(f"/rooms/{quote(room_id)}/event/{quote(event_id)}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def messages(self, room_id: str, limit: int = 50) -> list[dict[str, Any]]:
        r = self.http.get(f"/rooms/{quote(room_id)}/messages", params={"dir": "b", "limit": limit})
        assert r.status_code == 200, r.text
        return list(r.json()["chunk"])

    def sync(self, since: str | None = None, timeout_ms: int = 0) -> dict[str, Any]:
        params: dict[str, Any] = {"timeout": timeout_ms}
        if since:
            params["since"] = since
        r = self.http.get("/sync", params=params, timeout=30 + timeout_ms / 1000)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def set_account_data(self, kind: str, content: Mapping[str, Any]) -> None:
        r = self.http.put(f"/user/{quote(self.user_id)}/account_data/{kind}", json=dict(content))
        assert r.status_code == 200, r.text

    def close(self) -> None:
        self.http.close()
