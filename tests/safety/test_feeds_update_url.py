"""`hutong feeds update` from configured feed URLs, through the guarded fetcher, against a local server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hutong.cli import main
from tests.support.feedserver import FeedOrigin
from tests.support.localnet import LocalNet, Reply, localnet, localnet_server  # noqa: F401

FEED = b"# a plain URL list\nhttps://phish.evil.test/login\nhttps://malware.evil.test/payload.exe\n"


def _config(tmp_path: Path, net: LocalNet, location: str) -> Path:
    s = net.settings("feeds.example.test")
    cfg = tmp_path / "hutong.toml"
    cfg.write_text(
        "[network]\n"
        f"connect_to = {json.dumps(list(s.connect_to))}\n"
        f"allow_networks = {json.dumps(list(s.allow_networks))}\n"
        f"ca_bundle = {json.dumps(s.ca_bundle)}\n"
        "[[safety.feeds]]\n"
        'name = "localurls"\nformat = "urls"\n'
        f"location = {json.dumps(location)}\n",
        encoding="utf-8",
    )
    return cfg


@pytest.mark.parametrize(
    ("name", "reply", "code", "entries"),
    [
        ("plain text feed", Reply(body=FEED, headers=(("Content-Type", "text/plain"),)), 0, 2),
        ("csv label", Reply(body=FEED, headers=(("Content-Type", "text/csv; charset=utf-8"),)), 0, 2),
        ("an HTML login page is not a feed", Reply(body=b"<html>login</html>"), 1, None),
        ("HTTP error keeps nothing half-loaded", Reply(status=503, body=b"busy"), 1, None),
    ],
)
def test_update_from_url(name: str, reply: Reply, code: int, entries: int | None, tmp_path: Path,
                         localnet: LocalNet, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    localnet.route("feeds.example.test", reply)
    cfg = _config(tmp_path, localnet, "https://feeds.example.test/feed.txt")
    assert main(["feeds", "update", "--config", str(cfg)]) == code, name
    capsys.readouterr()
    assert main(["feeds", "status", "--json", "--config", str(cfg)]) == 0
    status = json.loads(capsys.readouterr().out)
    feeds = status["feeds"] if isinstance(status, dict) else status
    got = {f["name"]: f["entries"] for f in feeds}
    assert got.get("localurls") == entries


def test_every_feed_url_goes_through_one_edge(
    tmp_path: Path, localnet: LocalNet, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    """One update run has one fetcher and one rate limiter: a second feed on the same host, over a limit of
    one request a minute, is refused (a fetcher per feed would have let it through), and reported alone."""
    localnet.route("feeds.example.test", Reply(body=FEED, headers=(("Content-Type", "text/plain"),)))
    s = localnet.settings("feeds.example.test")
    cfg = tmp_path / "hutong.toml"
    sources = "".join(
        f'[[safety.feeds]]\nname = "{name}"\nformat = "urls"\nlocation = "https://feeds.example.test/{name}.txt"\n'
        for name in ("first", "second")
    )
    cfg.write_text(
        f"[data]\ndir = {json.dumps(str(tmp_path / 'data'))}\n"
        "[network]\n"
        f"connect_to = {json.dumps(list(s.connect_to))}\n"
        f"allow_networks = {json.dumps(list(s.allow_networks))}\n"
        f"ca_bundle = {json.dumps(s.ca_bundle)}\n"
        "rate_limit_per_minute = 1\n" + sources,
        encoding="utf-8",
    )
    assert main(["feeds", "update", "--config", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert "second:" in err and "rate_limit_per_minute" in err and "first:" not in err
    assert [r.path for r in localnet.requests] == ["/first.txt"]


def test_update_asks_conditionally_and_swaps_only_a_changed_feed(
    tmp_path: Path, localnet: LocalNet, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    """Three runs of `hutong feeds update`: 200 and imported; 304 to the ETag it sent back, feed kept;
    the origin publishes a new entry, 200 and swapped in, and `hutong check` blocks the new entry."""
    origin = FeedOrigin()
    origin.publish(FEED)
    localnet.route("feeds.example.test", origin)
    cfg = _config(tmp_path, localnet, "https://feeds.example.test/feed.txt")
    cfg.write_text(f"[data]\ndir = {json.dumps(str(tmp_path / 'data'))}\n" + cfg.read_text(encoding="utf-8"))
    feed = tmp_path / "data" / "feeds" / "localurls.feed"

    assert main(["feeds", "update", "--config", str(cfg)]) == 0
    assert "localurls: 2 entries" in capsys.readouterr().out
    first = (feed.stat().st_ino, localnet.requests[-1].header("if-none-match"))
    assert first[1] is None
    assert main(["feeds", "update", "--config", str(cfg)]) == 0
    assert "unchanged (304 Not Modified)" in capsys.readouterr().out
    assert localnet.requests[-1].header("if-none-match") == origin.current_etag()
    assert feed.stat().st_ino == first[0]
    origin.publish(FEED + b"https://new.evil.test/drop\n")
    assert main(["feeds", "update", "--config", str(cfg)]) == 0
    assert "localurls: 3 entries" in capsys.readouterr().out
    assert feed.stat().st_ino != first[0] and origin.answers == [200, 304, 200]
    main(["check", "--offline", "--json", "--config", str(cfg), "https://new.evil.test/drop"])
    (link,) = json.loads(capsys.readouterr().out)["links"]
    assert link["verdict"]["level"] == "malicious" and link["decision"]["action"] == "block"
