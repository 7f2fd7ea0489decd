"""One real world for the Matrix tests: hutong serve with a feed, two Synapses with the module, the bot.

- ``allow``: Synapse configured with the README's lines (``on_error: allow``, no store) and the bot made
  and run with the README's commands: in its own process, on ``hutong serve``'s configuration and data
  directory, its go-links under ``hutong serve``'s URL;
- ``reject``: Synapse with ``on_error: reject``, the SQLite ``store_path`` (annotations survive a restart)
  and ``preview: true`` (cards, from the local page server every preview fetch is sent to).

Both point at the same ``hutong serve``. Everything binds free loopback ports; nothing federates.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

from . import readme
from .homeserver import SERVER_NAME, Client, Homeserver, free_port, synapse_python
from .services import Process, config_file, hutong, hutong_env, hutong_serve, web_page

TIMEOUT = 1.0  # the modules' timeout_seconds
ARTIFACTS = ROOT / "tests" / "artifacts"  # gitignored: the setup's timings land here


@dataclass
class World:
    hutong: Process
    hutong_port: int
    allow: Homeserver
    reject: Homeserver
    bot: Process
    registration: Path
    data_dir: Path  # hutong's, shared by `hutong serve` and the bot
    users: dict[str, Client] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def hutong_url(self) -> str:
        return f"http://127.0.0.1:{self.hutong_port}"

    def user(self, server: str, name: str) -> Client:
        return self.users[f"{server}/{name}"]


def module(hutong_url: str, on_error: str, **extra: object) -> dict[str, object]:
    return {"module": "hutong_synapse.HutongModule",
            "config": {"url": hutong_url, "on_error": on_error, "timeout_seconds": TIMEOUT, **extra}}


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    started = time.monotonic()
    python, installed = synapse_python()
    root = tmp_path_factory.mktemp("matrix")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with ExitStack() as running:  # everything started is stopped, in reverse order, however setup ends
        reject = Homeserver(python, root / "reject", modules=[
            module(url, "reject", store_path=str(root / "reject" / "hutong.sqlite3"), preview=True)
        ])
        reject.start()  # first: it needs nothing else, and Synapse takes longest to come up
        running.callback(reject.close)
        data_dir = root / "hutong-data"
        serve = hutong_serve(data_dir, port, running.enter_context(web_page()), root / "hutong.log")
        serve.start()
        running.callback(serve.stop)
        bot_port, allow_port = free_port(), free_port()
        registration = root / "hutong-registration.yaml"
        # the README's commands and homeserver.yaml lines, with this run's ports
        commands = readme.commands({
            readme.BOT_URL: f"http://127.0.0.1:{bot_port}", readme.HOMESERVER_URL: f"http://127.0.0.1:{allow_port}",
            readme.HUTONG_URL: url, readme.REGISTRATION: str(registration), readme.CONFIG: str(config_file(data_dir)),
        })
        hutong(commands["registration"], data_dir)
        lines = readme.homeserver_lines()
        assert lines["app_service_config_files"] == [readme.REGISTRATION]
        (documented,) = lines["modules"]
        assert documented["config"]["exempt_senders"] == [readme.BOT]
        documented["config"].update(url=url, timeout_seconds=TIMEOUT, exempt_senders=[f"@hutong:{SERVER_NAME}"])
        allow = Homeserver(python, root / "allow", modules=[documented], appservices=[registration], port=allow_port)
        allow.start()
        running.callback(allow.close)
        bot = Process([sys.executable, "-m", "hutong.cli", *commands["run"]], hutong_env(data_dir),
                      root / "bot.log", f"http://127.0.0.1:{bot_port}/_matrix/app/v1/ping")
        running.callback(bot.stop)
        w = World(serve, port, allow, reject, bot, registration, data_dir)
        launched = time.monotonic()
        serve.wait_ready()
        hutong_ready = time.monotonic() - launched
        allow.wait_ready()
        reject.wait_ready()
        synapse_ready = time.monotonic() - launched
        bot.start()
        bot.wait_ready()
        for server, hs in (("allow", allow), ("reject", reject)):
            for name in ("alice", "bob", "carol", "dora"):
                w.users[f"{server}/{name}"] = client = hs.register(name)
                running.callback(client.close)
        w.timings = {"install_s": round(installed, 1), "hutong_ready_s": round(hutong_ready, 1),
                     "synapses_ready_s": round(synapse_ready, 1), "world_ready_s": round(time.monotonic() - started, 1)}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "matrix-timings.json").write_text(json.dumps(w.timings) + "\n", encoding="utf-8")
        yield w


@pytest.fixture
def bot_mxid() -> str:
    return f"@hutong:{SERVER_NAME}"
