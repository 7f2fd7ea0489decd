"""``hutong check --image FILE``: the JSON document, the human output, and pictures that cannot be read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hutong.cli import main
from tests.support.pictures import ean13, encoded, png_bomb, qr, sheet

PHISH = "https://login-verify.phish.example/account/update"
PAY = "https://qr.alipay.com/fkx19283xyzabc"
WIFI = "WIFI:S:hutong;T:WPA;P:secret;;"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def picture(tmp_path: Path) -> Path:
    bar, _ = ean13("690123456789")
    path = tmp_path / "codes.png"
    path.write_bytes(encoded(sheet((500, 900), [(qr(PAY), (10, 10)), (qr(WIFI), (10, 330)), (bar, (10, 700))])))
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "hutong.toml"
    path.write_text('[safety]\ndeny = ["phish.example"]\n[scan]\nmode = "inline"\n', encoding="utf-8")
    return path


def test_json(picture: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", "--offline", "--json", "--config", str(config), "--image", str(picture)], capsys)
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"picture", "codes", "links", "truncated"}
    assert [(c["symbology"], c["content"]) for c in doc["codes"]] == [
        ("QRCode", "links"), ("QRCode", "text"), ("EAN13", "text")
    ]
    assert doc["codes"][1]["text"] == WIFI
    (link,) = doc["links"]
    assert (link["url"], link["found"]["form"], link["found"]["code"]["index"]) == (PAY, "qr", 0)
    # the same document as `hutong check` gives for the text typed, but for where it was found
    _, typed, _ = run(["check", "--offline", "--json", "--config", str(config), PAY], capsys)
    (same,) = json.loads(typed)["links"]
    assert {k: v for k, v in link.items() if k != "found"} == {k: v for k, v in same.items() if k != "found"}


def test_human_output(picture: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", "--offline", "--config", str(config), "--image", str(picture)], capsys)
    assert code == 0
    assert "PNG 500x900: 3 code(s)" in out
    assert "code 0 QRCode at" in out and "1 link(s)" in out
    assert f"plain text, no link / 纯文本，无链接: {WIFI}" in out
    assert PAY in out and "(qr)" in out


def test_a_phishing_code_is_blocked(tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "phish.jpg"
    path.write_bytes(encoded(qr(PHISH, scale=6).convert("RGB"), "JPEG"))
    code, out, _ = run(["check", "--offline", "--json", "--context", "group", "--config", str(config),
                        "--image", str(path)], capsys)
    assert code == 0
    ((action, level),) = [(r["decision"]["action"], r["verdict"]["level"]) for r in json.loads(out)["links"]]
    assert (action, level) == ("block", "malicious")


@pytest.mark.parametrize(
    ("data", "reason", "reason_zh"),
    [
        (png_bomb(), "over image_check.max_pixels", "像素（image_check.max_pixels）"),
        (os.urandom(500), "not a picture hutong reads", "这不是可读取的图片"),
        (encoded(qr(PAY, scale=8))[:600], "cannot be decoded", "图片无法解码"),
    ],
    ids=["bomb", "random bytes", "truncated"],
)
def test_a_picture_that_cannot_be_read_says_why(
    tmp_path: Path, config: Path, data: bytes, reason: str, reason_zh: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.png"
    path.write_bytes(data)
    code, out, err = run(["check", "--offline", "--config", str(config), "--image", str(path)], capsys)
    assert (code, out) == (1, "")
    assert reason in err and reason_zh in err


def test_a_file_over_the_byte_cap_is_not_read_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "small.toml"
    cfg.write_text("[image_check]\nmax_bytes = 1000\n", encoding="utf-8")
    path = tmp_path / "big.png"
    path.write_bytes(encoded(qr(PAY)) + bytes(5000))
    code, _, err = run(["check", "--offline", "--config", str(cfg), "--image", str(path)], capsys)
    assert code == 1 and "over image_check.max_bytes (1000)" in err and "请发送更小的图片" in err


@pytest.mark.parametrize(
    "argv",
    [["check", "--image", "x.png", "some text"], ["check", "--image", "/nonexistent/dir/x.png"]],
    ids=["text and picture", "missing file"],
)
def test_bad_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(argv, capsys)
    assert code == 2 and "hutong: error:" in err
