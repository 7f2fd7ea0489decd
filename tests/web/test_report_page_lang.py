"""/report speaks the reader's language as the other pages do: ``?lang=`` (remembered), cookie, Accept-Language."""

from __future__ import annotations

from pathlib import Path

import pytest

from hutong.store.sqlite_store import SqliteStore

from .conftest import AppFactory, connect


@pytest.mark.parametrize(
    ("params", "headers", "cookies", "lang", "switch"),
    [
        ({}, {}, {}, "en", "?lang=zh"),
        ({"lang": "zh"}, {}, {}, "zh-CN", "?lang=en"),
        ({}, {"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"}, {}, "zh-CN", "?lang=en"),
        ({}, {"accept-language": "zh-CN"}, {"hutong_lang": "en"}, "en", "?lang=zh"),  # the choice made wins
        ({"since": "7d", "lang": "en"}, {}, {}, "en", "?since=7d&amp;lang=zh"),  # the window is kept
    ],
    ids=["default", "query", "accept-language", "cookie", "keeps-window"],
)
async def test_report_page_language(
    app_factory: AppFactory, tmp_path: Path, params: dict[str, str], headers: dict[str, str],
    cookies: dict[str, str], lang: str, switch: str,
) -> None:
    store = SqliteStore(tmp_path / "audit.sqlite3")
    try:
        async with connect(app_factory(audit=store)) as c:
            c.cookies.update(cookies)
            page = await c.get("/report", params=params, headers=headers)
    finally:
        store.close()
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text and f'href="{switch}"' in page.text
    assert ("hutong_lang=" in page.headers.get("set-cookie", "")) == ("lang" in params)
