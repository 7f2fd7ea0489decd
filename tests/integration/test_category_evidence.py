"""A link's category from its fetched page, the same way for every site (issue 10, item 2).

An unlisted shop whose page declares a schema.org ``Product`` with a price, and an unlisted video
site whose page declares a ``VideoObject``, are served over local HTTPS beside JD's product page and
Bilibili's video page, all marked up alike. Once fetched (``--preview``), each newcomer is decided
exactly like its listed counterpart in every context; offline, the newcomers stay ``unknown``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from hutong.core.model import Context, LinkReport
from hutong.pipeline import Engine
from hutong.web.app import create_app
from tests.support.feeds import import_feed
from tests.support.localnet import LocalNet, html

from .conftest import config_for

PRODUCT = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{name}</title>
<meta property="og:title" content="{name} 紫砂壶 200ml">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "Product",
 "name": "{name} 紫砂壶 200ml",
 "offers": {{"@type": "Offer", "price": "268.00", "priceCurrency": "CNY"}}}}</script>
</head><body></body></html>"""

VIDEO = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{name}</title>
<meta property="og:title" content="{name}: 一分钟学会泡茶">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "VideoObject",
 "name": "一分钟学会泡茶", "uploadDate": "2024-05-01", "duration": "PT1M2S",
 "thumbnailUrl": "/thumb.jpg"}}</script>
</head><body></body></html>"""

# (listed URL, unlisted URL, page template, category the page declares)
PAIRS = {
    "product": (
        "https://item.jd.com/100012043978.html",
        "https://teapots-by-lin.example/products/yixing-200ml",
        PRODUCT,
        "ecommerce",
    ),
    "video": (
        "https://www.bilibili.com/video/BV1GJ411x7h7",
        "https://clips.newtube.example/watch/a1b2c3",
        VIDEO,
        "video",
    ),
}
CONTEXTS: tuple[Context, ...] = ("direct", "group", "channel")


def _shape(r: LinkReport) -> tuple[object, ...]:
    """Everything a decision rests on, without the site's own name."""
    assert r.decision is not None
    return (r.identity.category, r.verdict.level, r.verdict.codes, r.decision.action, r.decision.rule)


@pytest.fixture
def engine(localnet: LocalNet, tmp_path: Path) -> Engine:
    for listed, unlisted, page, _ in PAIRS.values():
        for url in (listed, unlisted):
            host = urlsplit(url).hostname or ""
            localnet.route(host, html(page.format(name=host)))
    import_feed(tmp_path)  # screening can run: a clean result is "safe" for every site alike
    return Engine.from_config(config_for(localnet, tmp_path))


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("context", CONTEXTS)
async def test_a_fetched_newcomer_is_decided_like_its_listed_counterpart(
    engine: Engine, pair: str, context: Context
) -> None:
    listed_url, unlisted_url, _, category = PAIRS[pair]
    try:
        listed, unlisted = await engine.analyse_online(f"{listed_url} {unlisted_url}", context=context, preview=True)
    finally:
        await engine.aclose()
    assert listed.identity.platform is not None and unlisted.identity.platform is None
    assert _shape(unlisted) == _shape(listed)
    assert unlisted.identity.category == category
    (evidence,) = [r for r in unlisted.verdict.reasons if r.code == "category.page"]
    assert dict(evidence.evidence)["was"] == "unknown"
    assert ("Product" if pair == "product" else "VideoObject") in dict(evidence.evidence)["declared"]
    assert unlisted.card is not None and unlisted.card.category == category


@pytest.mark.parametrize("pair", PAIRS)
async def test_offline_a_newcomer_stays_unknown(engine: Engine, pair: str) -> None:
    listed_url, unlisted_url, _, category = PAIRS[pair]
    listed, unlisted = engine.analyse(f"{listed_url} {unlisted_url}", context="group")
    assert (listed.identity.category, unlisted.identity.category) == (category, "unknown")
    assert "category.page" not in unlisted.verdict.codes
    assert unlisted.decision is not None and unlisted.decision.rule == "policy.group.confirm"


async def test_the_expected_decisions_in_a_group(engine: Engine) -> None:
    """Not merely equal: a fetched shop product opens in a group (2021 trial), a video asks."""
    text = " ".join(u for pair in PAIRS.values() for u in pair[:2])
    try:
        reports = await engine.analyse_online(text, context="group", preview=True)
    finally:
        await engine.aclose()
    got = [(r.identity.category, r.decision.action.value if r.decision else None) for r in reports]
    assert got == [("ecommerce", "open")] * 2 + [("video", "confirm")] * 2


async def test_the_click_time_check_keeps_the_declared_category(localnet: LocalNet, tmp_path: Path) -> None:
    """The go-link's re-check is offline; the category the page declared travels signed in the link, so a
    newcomer shop's product still opens in a group at the click, like JD's."""
    for listed, unlisted, page, _ in PAIRS.values():
        for url in (listed, unlisted):
            host = urlsplit(url).hostname or ""
            localnet.route(host, html(page.format(name=host)))
    import_feed(tmp_path)
    cfg = config_for(localnet, tmp_path)
    app = create_app(cfg, engine=Engine.from_config(cfg))
    listed_url, unlisted_url, _, _ = PAIRS["product"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        body = {"text": f"{listed_url} {unlisted_url}", "context": "group", "preview": True}
        links = (await client.post("/v1/check", json=body)).json()["links"]
        assert [link["decision"]["action"] for link in links] == ["open", "open"]
        clicks = [await client.get(str(link["go"]).removeprefix("http://testserver")) for link in links]
    assert [(c.status_code, c.headers.get("location")) for c in clicks] == [(302, listed_url), (302, unlisted_url)]
