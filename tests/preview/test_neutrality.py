"""Neutral by construction: the same kind of page gives a card with the same fields on every platform."""

from __future__ import annotations

import pytest

from hutong.config import PreviewSection
from hutong.core.platforms import Platform, bundled
from hutong.net.types import FetchResult, Purpose
from hutong.preview.images import ImageSigner
from hutong.preview.service import Previewer
from tests.preview.pages import KINDS, page


class PlatformWeb:
    """Every platform's first host serves the same page template for ``kind``."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    async def fetch(self, url: str, *, purpose: Purpose = "page") -> FetchResult:
        text = page(self.kind, url.split("/")[2])
        return FetchResult(url=url, status=200, content_type="text/html", body=text.encode(), text=text)

    async def aclose(self) -> None:
        return None


def host_of(p: Platform) -> str:
    host = next((h for pat in p.patterns for h in pat.hosts), None) or p.hosts[0]
    return "www." + host[2:] if host.startswith("*.") else host


def present(card: object) -> frozenset[str]:
    return frozenset(k for k, v in card.to_json().items() if v is not None)  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
async def test_same_fields_for_the_same_kind_on_every_platform(kind: str) -> None:
    platforms = bundled()
    assert len(platforms) >= 10
    previewer = Previewer(PlatformWeb(kind), None, PreviewSection(), ImageSigner(b"n" * 32, clock=lambda: 1e9))
    shapes: dict[frozenset[str], list[str]] = {}
    kinds = set()
    for p in platforms:
        card = await previewer.card_for(f"https://{host_of(p)}/x/1")
        shapes.setdefault(present(card), []).append(p.id)
        kinds.add(card.kind)
    assert len(shapes) == 1, f"field sets differ by platform: {shapes}"
    assert kinds == {kind}


@pytest.mark.parametrize("kind", ["product", "video", "live", "profile"])
async def test_identity_kind_never_changes_what_a_page_says(kind: str) -> None:
    """Platform data may hint a kind (used only when the page says nothing), never upgrade a card."""
    previewer = Previewer(PlatformWeb("generic"), None, PreviewSection(), ImageSigner(b"n" * 32, clock=lambda: 1e9))
    plain = await previewer.card_for("https://a.example/x")
    hinted = await previewer.card_for("https://a.example/x", kind_hint=kind)
    assert hinted.kind == kind
    assert {k: v for k, v in hinted.to_json().items() if k != "kind"} == {
        k: v for k, v in plain.to_json().items() if k != "kind"
    }
