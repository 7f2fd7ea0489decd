"""``POST /v1/check/image`` on a served ``hutong serve``: raw bytes and multipart, its key, its caps, its errors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from PIL import Image

from hutong.service.apikeys import ApiKeys
from tests.conftest import ROOT
from tests.support.pictures import ean13, encoded, png_bomb, qr, sheet

PHISH = "https://login-verify.phish.example/account/update"  # denied by this server's operator
PAY = "https://qr.alipay.com/fkx19283xyzabc"
MAX_BYTES = 300_000


@dataclass
class Served:
    base: str
    key: str

    def post(self, *, key: str | None = "", **kw: Any) -> httpx.Response:
        token = self.key if key == "" else key
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(kw.pop("headers", {}))
        return httpx.post(self.base + "/v1/check/image", headers=headers, timeout=60, **kw)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("image-api")
    key = ApiKeys(data).create("image-tests")
    config = data / "hutong.toml"
    config.write_text(
        f'[safety]\ndeny = ["phish.example"]\n[image_check]\nmax_bytes = {MAX_BYTES}\nmax_pixels = 4000000\n',
        encoding="utf-8",
    )
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HUTONG_DATA_DIR": str(data)}
    code = "import sys; from hutong.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", code, "serve", "--port", str(port), "--config", str(config)]
    log = (data / "serve.log").open("wb")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (data / "serve.log").read_text()
            time.sleep(0.2)
        yield Served(base, key)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        log.close()


def _picture() -> bytes:
    bar, _ = ean13("690123456789")
    return encoded(sheet((500, 700), [(qr(PHISH), (10, 10)), (qr(f"付款 {PAY}"), (10, 330)), (bar, (10, 560))]))


def _check(doc: dict[str, Any]) -> None:
    assert doc["picture"] == {"format": "PNG", "width": 500, "height": 700}
    assert [(c["symbology"], c["content"], c["links"]) for c in doc["codes"]] == [
        ("QRCode", "links", 1), ("QRCode", "links", 1), ("EAN13", "text", 0)
    ]
    phish, pay = doc["links"]
    assert (phish["url"], phish["found"]["form"], phish["decision"]["action"]) == (PHISH, "qr", "block")
    assert phish["found"]["code"]["index"] == 0 and phish["found"]["code"]["position"]["box"]["y"] < 300
    assert (pay["url"], pay["found"]["form"], pay["found"]["start"]) == (PAY, "qr", 3)
    assert pay["found"]["code"]["index"] == 1 and pay["go"].startswith("http")  # a keyed caller gets go-links
    assert doc["truncated"] is False and doc["policy_version"]


def test_raw_bytes(served: Served) -> None:
    r = served.post(content=_picture(), params={"context": "group"}, headers={"content-type": "image/png"})
    assert r.status_code == 200, r.text
    _check(r.json())


def test_multipart(served: Served) -> None:
    r = served.post(files={"image": ("codes.png", _picture(), "image/png")}, data={"context": "group"})
    assert r.status_code == 200, r.text
    _check(r.json())


def test_the_same_key_rules_as_check(served: Served) -> None:
    missing = served.post(key=None, content=_picture())
    wrong = served.post(key="not-a-key", content=_picture())
    assert (missing.status_code, missing.json()["error"]["code"]) == (401, "auth.missing")
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "auth.invalid")


REFUSED = {
    # name: (request, status, code)
    "over the byte cap, raw": (lambda: {"content": encoded(Image.frombytes("L", (700, 700), os.urandom(490_000)))},
                               413, "image.too_large"),
    "over the byte cap, multipart": (
        lambda: {"files": {"image": ("big.png", b"\x89PNG" + os.urandom(MAX_BYTES), "image/png")}},
        413, "image.too_large"),
    "bomb": (lambda: {"content": png_bomb()}, 413, "image.pixels"),
    "over the pixel cap": (lambda: {"content": encoded(Image.new("1", (2500, 2000), 1))}, 413, "image.pixels"),
    "truncated": (lambda: {"content": encoded(qr(PAY, scale=8))[:700]}, 422, "image.undecodable"),
    "random bytes": (lambda: {"content": os.urandom(2000)}, 422, "image.not_an_image"),
    "empty": (lambda: {"content": b""}, 422, "image.empty"),
    "multipart without the picture": (lambda: {"files": {"context": (None, "group")}}, 422, "input.invalid"),
    "an unknown form field": (lambda: {"files": {"image": ("a.png", encoded(qr(PAY)), "image/png"),
                                                 "colour": (None, "red")}}, 422, "input.invalid"),
    "an unknown context": (lambda: {"content": encoded(qr(PAY)), "params": {"context": "everywhere"}}, 422,
                           "input.invalid"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_refusals_say_why_in_both_languages(served: Served, name: str) -> None:
    make, status, code = REFUSED[name]
    r = served.post(**make())
    assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
    if code.startswith("image."):
        assert r.json()["error"]["message_zh"]


def test_the_route_is_in_the_openapi_document(served: Served) -> None:
    spec = httpx.get(served.base + "/openapi.json", timeout=10).json()
    op = spec["paths"]["/v1/check/image"]["post"]
    content = op["requestBody"]["content"]
    assert {"image/png", "image/jpeg", "application/octet-stream", "multipart/form-data"} <= set(content)
    assert content["multipart/form-data"]["schema"]["required"] == ["image"]
    assert {p["name"] for p in op["parameters"]} == {"context", "user", "mode", "preview"}
    assert op["security"] == [{"bearerAuth": []}]
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("ImageCheckResponse")


def test_a_served_worker_survives_hostile_pictures(served: Served) -> None:
    for _ in range(3):
        assert served.post(content=png_bomb()).status_code == 413
    assert served.post(content=encoded(qr(PAY))).status_code == 200
    assert httpx.get(served.base + "/healthz", timeout=5).status_code == 200
