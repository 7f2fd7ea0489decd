"""``/docs`` is served from installed assets under a CSP: no CDN, no inline script."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.asyncio


async def test_docs_page_names_only_same_origin_assets_and_has_a_csp(client: httpx.AsyncClient) -> None:
    r = await client.get("/docs")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert refs and all(ref.startswith("/") and not ref.startswith("//") for ref in refs), refs
    assert "<script>" not in r.text.replace(" ", "")


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/docs/assets/swagger-ui-bundle.js", "javascript"),
        ("/docs/assets/swagger-ui.css", "text/css"),
        ("/static/apidocs.js", "javascript"),
    ],
)
async def test_every_asset_the_page_names_is_served(client: httpx.AsyncClient, path: str, media: str) -> None:
    r = await client.get(path)
    assert r.status_code == 200 and media in r.headers["content-type"]
    assert len(r.content) > 100
