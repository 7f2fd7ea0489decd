"""/report: the transparency report page agrees with the decisions the service recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from hutong.store.sqlite_store import SqliteStore

from .conftest import AppFactory, connect

MESSAGES = [
    ("https://item.jd.com/100012043978.html", "group"),
    ("https://item.taobao.com/item.htm?id=770687446004", "group"),
    ("https://www.bilibili.com/video/BV1xx411c7mD", "group"),
    ("https://evil.test/login", "direct"),
]


async def test_report_counts_what_was_decided(app_factory: AppFactory, tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "audit.sqlite3")
    try:
        async with connect(app_factory(audit=store)) as c:
            for text, context in MESSAGES:
                r = await c.post("/v1/check", json={"text": text, "context": context})
                assert r.status_code == 200
            data = (await c.get("/report", params={"format": "json"})).json()
            assert data["total"] == len(MESSAGES)
            assert data["by_platform"]["jd"] == data["by_platform"]["taobao"]  # alike, as the policy says
            assert data["by_platform"]["unknown"]["block"] == 1
            page = await c.get("/report")
            assert page.status_code == 200 and "<svg" in page.text
            assert "script-src 'sha256-" in page.headers["content-security-policy"]
            csv = await c.get("/report", params={"format": "csv"})
            assert csv.headers["content-type"].startswith("text/csv")
    finally:
        store.close()


@pytest.mark.parametrize(
    ("name", "params", "status"),
    [
        ("unknown format", {"format": "pdf"}, 400),
        ("unreadable time", {"since": "yesterday-ish"}, 400),
        ("empty window", {"since": "2026-11-02", "until": "2026-11-01"}, 400),
    ],
)
async def test_report_bad_queries_are_explained(
    name: str, params: dict[str, str], status: int, app_factory: AppFactory, tmp_path: Path
) -> None:
    store = SqliteStore(tmp_path / "audit.sqlite3")
    try:
        async with connect(app_factory(audit=store)) as c:
            r = await c.get("/report", params=params)
            assert r.status_code == status, name
            assert r.json()["error"]["message"]
    finally:
        store.close()
