"""Platform-like page templates: one per kind of page, the same markup whoever serves it."""

from __future__ import annotations

import json
from typing import Any


def _ld(data: dict[str, Any]) -> str:
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def page(kind: str, name: str, *, charset: str = "utf-8") -> str:
    """A page of ``kind`` (product, video, live, article, profile, generic) titled after ``name``."""
    templates: dict[str, dict[str, Any]] = {
        "product": {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": f"{name} 商品",
            "image": "/img/p.jpg",
            "description": "手机",
            "offers": {
                "@type": "Offer",
                "price": "99.00",
                "priceCurrency": "CNY",
                "availability": "https://schema.org/InStock",
            },
        },
        "video": {
            "@type": "VideoObject",
            "name": f"{name} 视频",
            "thumbnailUrl": "/img/v.jpg",
            "duration": "PT3M",
            "embedUrl": "/embed/1",
            "uploadDate": "2024-05-01T08:00:00+08:00",
            "description": "视频简介",
            "author": {"@type": "Person", "name": "UP主"},
        },
        "live": {
            "@type": "VideoObject",
            "name": f"{name} 直播",
            "thumbnailUrl": "/img/l.jpg",
            "description": "直播中",
            "publication": {
                "@type": "BroadcastEvent",
                "isLiveBroadcast": True,
                "startDate": "2024-05-01T20:00:00+08:00",
            },
        },
        "article": {
            "@type": "NewsArticle",
            "headline": f"{name} 文章",
            "image": "/img/a.jpg",
            "datePublished": "2024-05-01T08:00:00+08:00",
            "author": [{"@type": "Person", "name": "作者"}],
            "description": "摘要",
        },
        "profile": {
            "@type": "ProfilePage",
            "name": f"{name} 用户",
            "image": "/img/u.jpg",
            "description": "个人主页",
            "mainEntity": {"@type": "Person", "name": "用户"},
        },
        "generic": {},
    }
    data = templates[kind]
    head = f'<meta charset="{charset}"><title>{name}</title><meta name="description" content="{name} 页面">'
    if data:
        head += _ld(data)
    else:
        head += '<meta property="og:image" content="/img/g.jpg">'
    return f"<!doctype html><html lang='zh-CN'><head>{head}</head><body><h1>{name}</h1></body></html>"


KINDS = ("product", "video", "live", "article", "profile", "generic")
