"""``hutong check`` online, through the real CLI entry point, against the local internet.

The configuration file carries the ``[network]`` test overrides, exactly as an operator
would write them; the JSON output is checked against docs/cli.md: resolved ``url``, ``hops``
and, with ``--preview``, each link's ``card``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hutong.cli import main
from hutong.core.model import Card
from tests.support.localnet import LocalNet, html, redirect

from .conftest import Route, serve

JD_ID = "100012043978"
BVID = "BV1GJ411x7h7"
TB_ID = "623456789012"
CARD_FIELDS = set(Card.__dataclass_fields__)

PRODUCT_PAGE = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>【华为Mate 60】华为 HUAWEI Mate 60 - 京东</title>
<meta property="og:title" content="华为 HUAWEI Mate 60 12GB+512GB 雅川青">
<meta property="og:description" content="超可靠玄武架构，卫星通话。">
<meta property="og:image" content="//img14.360buyimg.com/n1/jfs/t1/mate60.jpg">
<meta property="og:site_name" content="京东">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "Product",
 "name": "华为 HUAWEI Mate 60", "sku": "{JD_ID}",
 "offers": {{"@type": "Offer", "price": "6999.00", "priceCurrency": "CNY",
             "availability": "https://schema.org/InStock"}}}}</script>
</head><body>京东</body></html>"""

VIDEO_PAGE = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>【4K】故宫的雪_哔哩哔哩_bilibili</title>
<meta name="description" content="紫禁城初雪，航拍全景。">
<meta property="og:image" content="https://i0.hdslb.com/bfs/archive/snow.jpg">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "VideoObject",
 "name": "【4K】故宫的雪", "duration": "PT3M25S", "uploadDate": "2023-12-11T08:00:00+08:00",
 "thumbnailUrl": ["https://i0.hdslb.com/bfs/archive/snow.jpg"],
 "embedUrl": "https://player.bilibili.com/player.html?bvid={BVID}",
 "author": {{"@type": "Person", "name": "航拍小王"}}}}</script>
</head><body></body></html>"""

# 喆 is in GBK but not in GB2312: a page labelled gb2312 must still decode it (WHATWG: gb2312 → GBK)
GBK_TITLE = "喆喆的店 纯棉短袖T恤 男款"
GBK_PAGE = f"""<html><head><meta charset="{{label}}"><title>{GBK_TITLE}</title>
<meta name="description" content="夏季新款，宽松百搭。"></head><body>淘宝</body></html>"""


def tb_body_redirect(target: str) -> str:
    return f"<html><script>var url = '{target}';</script></html>"


@dataclass(frozen=True)
class CliCase:
    name: str
    text: str
    routes: tuple[Route, ...]
    url: str
    platform: str
    vias: tuple[str, ...]
    card: dict[str, Any]  # fields that must have exactly these values
    present: tuple[str, ...] = ()  # fields that must be set (values depend on the image proxy key)


CASES = [
    CliCase(
        "jd_product_jsonld",
        "【京东】https://3.cn/1Ab-CdEf 「华为 HUAWEI Mate 60」复制文案打开京东",
        (
            ("3.cn", "/1Ab-CdEf", redirect(f"https://item.jd.com/{JD_ID}.html?cu=true&utm_source=wx&un_area=1_72")),
            ("item.jd.com", None, html(PRODUCT_PAGE)),
        ),
        url=f"https://item.jd.com/{JD_ID}.html",
        platform="jd",
        vias=("redirect", "final"),
        card={
            "kind": "product",
            "title": "华为 HUAWEI Mate 60 12GB+512GB 雅川青",
            "description": "超可靠玄武架构，卫星通话。",
            "site_name": "京东",
            "price": "6999.00",
            "currency": "CNY",
            "duration": None,
            "lang": "zh",
        },
        present=("image", "availability"),
    ),
    CliCase(
        "bilibili_video_jsonld",
        "【【4K】故宫的雪-哔哩哔哩】 https://b23.tv/Snow4K",
        (
            ("b23.tv", "/Snow4K", redirect(f"https://www.bilibili.com/video/{BVID}?share_source=copy_web")),
            ("www.bilibili.com", None, html(VIDEO_PAGE)),
        ),
        url=f"https://www.bilibili.com/video/{BVID}",
        platform="bilibili",
        vias=("redirect", "final"),
        card={
            "kind": "video",
            "description": "紫禁城初雪，航拍全景。",
            "duration": 205,
            "author": "航拍小王",
            "price": None,
            "currency": None,
        },
        present=("image", "title", "published", "embed"),
    ),
    *(
        CliCase(
            f"taobao_{label}_page_{where}",
            f"【淘宝】https://e.tb.cn/h.{label}{where} 「短袖」 点击链接直接打开",
            (
                (
                    "e.tb.cn",
                    f"/h.{label}{where}",
                    html(tb_body_redirect(f"https://item.taobao.com/item.htm?id={TB_ID}&spm=x")),
                ),
                (
                    "item.taobao.com",
                    None,
                    html(
                        GBK_PAGE.format(label=label),
                        charset="gbk",
                        content_type=f"text/html; charset={label}" if where == "header" else "text/html",
                    ),
                ),
            ),
            url=f"https://item.taobao.com/item.htm?id={TB_ID}",
            platform="taobao",
            vias=("body", "final"),
            card={"kind": "product", "title": GBK_TITLE, "description": "夏季新款，宽松百搭。"},
        )
        for label in ("gbk", "gb2312")
        for where in ("header", "meta")
    ),
]


def write_config(net: LocalNet, tmp_path: Path) -> Path:
    """A config TOML with the ``[network]`` test overrides for every routed host."""
    net_settings = net.settings()
    path = tmp_path / "hutong.toml"
    path.write_text(
        f"[data]\ndir = {json.dumps(str(tmp_path / 'data'))}\n\n"
        "[network]\n"
        f"connect_to = {json.dumps(list(net_settings.connect_to))}\n"
        f"allow_networks = {json.dumps(list(net_settings.allow_networks))}\n"
        f"ca_bundle = {json.dumps(net_settings.ca_bundle)}\n",
        encoding="utf-8",
    )
    return path


def run_check(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code = main(["check", *argv])
    out = capsys.readouterr().out
    assert code == 0, out
    parsed: dict[str, Any] = json.loads(out)
    return parsed


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_check_preview_json_adds_card_and_hops(
    case: CliCase, localnet: LocalNet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(localnet, case.routes)
    config = write_config(localnet, tmp_path)
    (link,) = run_check(capsys, "--preview", "--json", "--config", str(config), case.text)["links"]
    assert (link["url"], link["platform"], link["needs_resolve"]) == (case.url, case.platform, False)
    assert [h["via"] for h in link["hops"]] == list(case.vias)
    assert all(set(h) == {"url", "status", "via"} for h in link["hops"])
    card = link["card"]
    assert set(card) == CARD_FIELDS
    assert {k: card[k] for k in case.card} == case.card
    assert [k for k in case.present if not card[k]] == []
    # images never leave as origin URLs: the card points at hutong's image proxy
    for name in ("image", "favicon"):
        assert card[name] is None or card[name].startswith("/img/"), card[name]
    assert "error" not in link


def test_offline_flag_never_touches_the_network(
    localnet: LocalNet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES[0]
    serve(localnet, case.routes)
    config = write_config(localnet, tmp_path)
    (link,) = run_check(capsys, "--offline", "--json", "--config", str(config), case.text)["links"]
    assert link["needs_resolve"] and "hops" not in link and "card" not in link
    assert localnet.requests == []


def test_refused_resolution_is_reported_not_raised(
    localnet: LocalNet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    localnet.route("b23.tv", redirect("http://169.254.169.254/latest/meta-data/"), path="/meta")
    config = write_config(localnet, tmp_path)
    (link,) = run_check(capsys, "--preview", "--json", "--config", str(config), "https://b23.tv/meta")["links"]
    assert "169.254.169.254" in link["error"] and link["needs_resolve"]
    assert link["decision"]["action"] != "open"
    assert [r["code"] for r in link["verdict"]["reasons"] if r["code"].startswith("resolve.")] == [
        "resolve.blocked_address"
    ]
    assert [r.host for r in localnet.requests] == ["b23.tv"]


def test_table_output_shows_the_resolved_link(
    localnet: LocalNet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES[1]
    serve(localnet, case.routes)
    config = write_config(localnet, tmp_path)
    assert main(["check", "--config", str(config), case.text]) == 0
    out = capsys.readouterr().out
    assert case.url in out and "share_source" in out  # the cleaned URL, and what was removed
    assert "not resolved" not in out
    assert "hop(s) from" in out  # where it came from


def test_table_output_shows_the_card(
    localnet: LocalNet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES[1]
    serve(localnet, case.routes)
    config = write_config(localnet, tmp_path)
    assert main(["check", "--preview", "--config", str(config), case.text]) == 0
    out = capsys.readouterr().out
    assert "card: " in out
