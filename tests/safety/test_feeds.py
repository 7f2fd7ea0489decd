"""The feed store: atomic replacement, status, damaged files, and the ``hutong feeds`` command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hutong.cli import main
from hutong.errors import DataError, InputError
from hutong.safety.canon import canonicalize
from hutong.safety.feeds import FeedStore, LoadedFeed
from hutong.safety.hashindex import ThreatIndex

DATA = Path(__file__).parent / "data"


def _hits(feed: LoadedFeed, url: str) -> list[str]:
    index = ThreatIndex([feed.index], [feed.host_keys])
    return [h.expression for h in index.lookup(canonicalize(url))]


def test_roundtrip_and_evidence(tmp_path: Path) -> None:
    store = FeedStore(tmp_path)
    result = store.import_file(DATA / "urlhaus.csv", "urlhaus", name="uh")
    assert (result.info.name, result.info.entries, result.info.malformed) == ("uh", 4, 3)
    feed = store.load("uh")
    assert _hits(feed, "https://files.bad-cdn.example/payload/setup.exe?x=1") == [
        "files.bad-cdn.example/payload/setup.exe?x=1"
    ]
    evidence = {feed.evidence(i).entry_id for i in range(len(feed.index))}
    assert evidence == {"3312001", "3312002", "3312003", "3312005"}


def test_reimport_replaces_atomically(tmp_path: Path) -> None:
    store = FeedStore(tmp_path)
    store.import_lines("f", "domains", ["one.example\n"], source="a")
    old = store.load("f")  # a reader holding the old file keeps a consistent view
    store.import_lines("f", "domains", ["two.example\n", "three.example\n"], source="b")
    new = store.load("f")
    assert (old.info.entries, new.info.entries) == (1, 2)
    assert _hits(old, "http://one.example/") == ["one.example/"]
    assert _hits(new, "http://one.example/") == []
    assert _hits(new, "http://www.three.example/") == ["three.example/"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.feed"]  # no temporary file left behind


def test_failed_import_keeps_old_feed(tmp_path: Path) -> None:
    store = FeedStore(tmp_path)
    store.import_lines(
        "p", "phishtank", ["phish_id,url,verified\n", "1,http://a.example/x,yes\n"], source="s"
    )
    with pytest.raises(DataError):
        store.import_lines("p", "phishtank", ["no header here\n"], source="s")
    assert store.load("p").info.entries == 1
    assert [p.name for p in tmp_path.iterdir()] == ["p.feed"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "cannot open feed file", id="empty"),
        pytest.param(b"garbage" * 10, "not a hutong feed file", id="not-a-feed"),
        pytest.param(b"HUTFEED1\x05\x00\x00\x00{bad}", "damaged header", id="bad-header"),
    ],
)
def test_damaged_file(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "x.feed").write_bytes(content)
    with pytest.raises(DataError, match=message):
        FeedStore(tmp_path).load("x")


def test_truncated_file(tmp_path: Path) -> None:
    store = FeedStore(tmp_path)
    store.import_lines("t", "domains", [f"d{i}.example\n" for i in range(50)], source="s")
    path = tmp_path / "t.feed"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(DataError, match="truncated"):
        store.load("t")


@pytest.mark.parametrize("name", ["../evil", "UPPER", "", "a/b", "x" * 70])
def test_bad_feed_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match="feed name"):
        FeedStore(tmp_path).import_lines(name, "domains", [], source="s")


def test_status_age(tmp_path: Path) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    FeedStore(tmp_path).import_lines(
        "a", "urls", ["http://x.example/\n"], source="s", fetched_at=now - timedelta(hours=80), now=now
    )
    (info,) = FeedStore(tmp_path).infos()
    assert info.age_hours(now) == pytest.approx(80.0)
    assert info.is_stale(now, 72.0) and not info.is_stale(now, 96.0)


def _write_config(tmp_path: Path, body: str) -> Path:
    cfg = tmp_path / "hutong.toml"
    cfg.write_text(f'[data]\ndir = "{tmp_path / "data"}"\n{body}', encoding="utf-8")
    return cfg


def test_cli_import_and_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _write_config(tmp_path, "")
    code = main(
        [
            "feeds",
            "import",
            str(DATA / "hosts.txt"),
            "--format",
            "hosts",
            "--name",
            "myhosts",
            "--config",
            str(cfg),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert "myhosts: 3 entries" in out and "3 malformed" in out
    assert "line 6" in err and "line 7" in err and "line 8" in err
    assert main(["feeds", "status", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "myhosts" in out and "hosts" in out and "fresh" in out


def test_cli_update_reports_bad_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import typing

    from hutong.net.types import Purpose

    body = (
        '[[safety.feeds]]\nname = "web"\nformat = "urls"\nlocation = "https://127.0.0.1:9/feed.txt"\n'
        f'[[safety.feeds]]\nname = "odd"\nformat = "rss"\nlocation = "{DATA / "openphish.txt"}"\n'
        f'[[safety.feeds]]\nname = "ok"\nformat = "openphish"\nlocation = "{DATA / "openphish.txt"}"\n'
    )
    cfg = _write_config(tmp_path, body)
    assert main(["feeds", "update", "--config", str(cfg)]) == 1
    out, err = capsys.readouterr()
    assert "ok: 3 entries" in out
    assert "odd: safety.feeds: 'odd' has format 'rss'" in err
    if "feed" not in typing.get_args(Purpose):
        assert "web: fetching feed URLs is not available yet" in err
    else:  # the guarded fetcher refuses the loopback address: nothing is fetched from it
        assert "web: " in err
    assert FeedStore(tmp_path / "data" / "feeds").names() == ["ok"]


def test_cli_update_from_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = (
        f'[[safety.feeds]]\nname = "ph"\nformat = "phishtank"\nlocation = "{DATA / "phishtank.json"}"\n'
        '[[safety.feeds]]\nname = "gone"\nformat = "urls"\nlocation = "/nonexistent/feed.txt"\n'
    )
    cfg = _write_config(tmp_path, body)
    assert main(["feeds", "update", "--config", str(cfg)]) == 1  # one source missing: reported, others kept
    out, err = capsys.readouterr()
    assert "ph: 2 entries" in out
    assert "gone" in err and "does not exist" in err
    assert FeedStore(tmp_path / "data" / "feeds").names() == ["ph"]


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        pytest.param(
            ["feeds", "import", "/nonexistent.csv", "--format", "urlhaus"],
            2,
            "does not exist",
            id="missing-file",
        ),
        pytest.param(["feeds", "update"], 2, "no feeds configured", id="nothing-configured"),
    ],
)
def test_cli_errors(argv: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == code
    assert message in capsys.readouterr().err


def test_cli_status_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    cfg = _write_config(tmp_path, "[safety]\nmax_feed_age_hours = 1.0\n")
    FeedStore(tmp_path / "data" / "feeds").import_lines(
        "old", "domains", ["a.example\n"], source="s", fetched_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    assert main(["feeds", "status", "--json", "--config", str(cfg)]) == 0
    (feed,) = json.loads(capsys.readouterr().out)["feeds"]
    assert (feed["name"], feed["entries"], feed["stale"]) == ("old", 1, True)


def test_newer_format_version_is_refused(tmp_path: Path) -> None:
    store = FeedStore(tmp_path)
    store.import_lines("v", "domains", ["a.example\n"], source="s")
    path = tmp_path / "v.feed"
    path.write_bytes(path.read_bytes().replace(b'"version": 1', b'"version": 9'))
    with pytest.raises(DataError, match="format version 9"):
        store.load("v")


def test_cli_status_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feeds", "status"]) == 0
    assert "no feeds imported" in capsys.readouterr().out


def test_imported_feed_is_used_by_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    cfg = _write_config(tmp_path, "")
    assert (
        main(["feeds", "import", str(DATA / "adblock.txt"), "--format", "adblock", "--config", str(cfg)]) == 0
    )
    capsys.readouterr()
    message = "看看 http://login.phish-domain.example/a 和 http://good.malware.example/"
    assert main(["check", "--offline", "--json", "--config", str(cfg), message]) == 0
    links = json.loads(capsys.readouterr().out)["links"]
    verdicts = {link["url"]: link["verdict"] for link in links}
    listed = verdicts["http://login.phish-domain.example/a"]
    assert listed["level"] == "malicious"
    assert listed["reasons"][0]["code"] == "feed.adblock"
    assert listed["reasons"][0]["evidence"]["entry"] == "3"
    assert verdicts["http://good.malware.example/"]["level"] != "malicious"  # @@ exception
