"""The SQLite prefs store: round trip, update, persistence across connections (workers); always-open
entries stored as sites (registrable domain, IDNA form) that match every host of the site."""

from __future__ import annotations

from pathlib import Path

import pytest

from hutong.config import Config, DataSection
from hutong.core.model import UserPrefs
from hutong.errors import InputError, StorageError
from hutong.pipeline import Engine
from hutong.service.prefs import SQLitePrefs, decode, encode, site_key

CASES = [
    UserPrefs(),
    UserPrefs(mode="strict"),
    UserPrefs(
        mode="confirm", categories=(("ecommerce", "direct"), ("video", "strict")), always_open=("a.com",)
    ),
]


@pytest.mark.parametrize("prefs", CASES, ids=["empty", "mode", "full"])
def test_encode_round_trips(prefs: UserPrefs) -> None:
    assert decode(encode(prefs)) == prefs


def test_store_put_get_update_and_share(tmp_path: Path) -> None:
    one, two = SQLitePrefs.in_data_dir(tmp_path), SQLitePrefs.in_data_dir(tmp_path)
    assert one.get("alice") is None
    one.put("alice", CASES[2])
    assert two.get("alice") == CASES[2]  # a second connection (another worker) sees the write at once
    two.put("alice", CASES[1])
    assert one.get("alice") == CASES[1]
    assert one.get("bob") is None
    one.ping()
    one.close()
    two.close()


def test_unusable_path_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageError, match="prefs database"):
        SQLitePrefs(blocker / "prefs.sqlite3")


SITE_KEYS = [
    ("plain", "example.com", "example.com"),
    ("www entry", "www.example.com", "example.com"),
    ("any subdomain", "Shop.Example.COM.", "example.com"),
    ("two-label suffix", "www.bbc.co.uk", "bbc.co.uk"),
    ("IDN", "例子.中国", "xn--fsqu00a.xn--fiqs8s"),
    ("IDN with www and an ideographic full stop", "WWW.例子。中国", "xn--fsqu00a.xn--fiqs8s"),
    ("punycode as given", "www.xn--bcher-kva.de", "xn--bcher-kva.de"),
    ("tenant of a shared host stays itself", "alice.github.io", "alice.github.io"),
    ("padded", "  Example.org  ", "example.org"),
    ("under a public suffix of its own (gov.cn)", "www.gov.cn", "www.gov.cn"),
]


@pytest.mark.parametrize(("name", "entry", "site"), SITE_KEYS, ids=[c[0] for c in SITE_KEYS])
def test_entries_are_stored_as_their_site(name: str, entry: str, site: str) -> None:
    assert site_key(entry) == site, name


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("https://a.com/x", "not a domain name"),
        ("localhost", "not a domain name"),
        ("co.uk", "public suffix"),
        ("github.io", "public suffix"),
        ("a..b", "not a domain name"),
        ("-bad-.com", "not a domain name"),
    ],
)
def test_entries_that_are_no_site_are_refused(entry: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        site_key(entry)


def test_store_keeps_sites_and_reads_old_host_entries_as_sites(tmp_path: Path) -> None:
    store = SQLitePrefs.in_data_dir(tmp_path)
    store.put("alice", UserPrefs(always_open=("www.example.com", "example.com", "例子.中国")))
    assert store.get("alice") == UserPrefs(always_open=("example.com", "xn--fsqu00a.xn--fiqs8s"))
    # a row written before entries were normalised (a plain host) is read as its site
    assert decode('{"always_open": ["www.example.com", "not a site"]}').always_open == ("example.com", "not a site")
    store.close()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """No threat feed: every link is ``unknown``, which only a user's always-open choice opens."""
    return Engine.from_config(Config(data=DataSection(dir=str(tmp_path_factory.mktemp("prefs-engine")))))


@pytest.mark.parametrize(
    ("entry", "url", "opens"),
    [
        ("www.example.com", "https://example.com/a", True),
        ("www.example.com", "https://www.example.com/a", True),
        ("www.example.com", "https://shop.example.com/cart?id=1", True),
        ("example.com", "https://www.example.com/", True),
        ("www.example.com", "https://example.com.evil.test/", False),
        ("www.example.com", "https://notexample.com/", False),
        ("例子.中国", "https://www.例子.中国/页面", True),
        ("xn--fsqu00a.xn--fiqs8s", "https://例子.中国/", True),
        ("www.例子.中国", "https://xn--fsqu00a.xn--fiqs8s/", True),
        ("alice.github.io", "https://bob.github.io/", False),
        ("www.jd.com", "https://item.jd.com/100012043978.html", True),  # a listed site, the same way
    ],
)
def test_an_always_open_entry_matches_every_host_of_its_site(
    engine: Engine, entry: str, url: str, opens: bool
) -> None:
    prefs = SQLitePrefs.in_data_dir(engine.config.data_dir)
    prefs.put("u", UserPrefs(always_open=(entry,)))
    (report,) = engine.analyse(url, context="group", prefs=prefs.get("u"))
    prefs.close()
    assert report.verdict.level.label == "unknown"  # nothing screened: only the user's choice can open it
    assert report.decision is not None
    assert (report.decision.action.value == "open") is opens, (entry, url, report.decision.rule)
