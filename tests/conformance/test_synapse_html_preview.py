"""Synapse's HTML-preview cases (``synapse-preview/html_preview_cases.json``) against hutong's extractor.

``html_to_opengraph``: the card's title, description and site name must equal Synapse's
og:title, og:description and og:site_name. ``summarize_paragraphs``: the body-text
description fallback. ``decode_body_is_none``: an empty document gives no title and no
description. ``html_media_encodings``: the first encoding Synapse would try, mapped through
the WHATWG label table (``ascii`` is ``windows-1252`` there), must be the one hutong picks.
Cases where hutong differs are listed in ``DIFFERS`` with the reason; they are strict xfails,
so fixing one fails the suite until it is taken off the list.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from hutong.config import PreviewSection
from hutong.net import charset
from hutong.preview import summary
from hutong.preview.card import build_card
from hutong.preview.extract import extract
from tests.conftest import conformance_dir, need_conformance

FLOOR = 0.90  # measured 34/36 (94%) on 2026-11-21; see docs/conformance.md
WIDE = PreviewSection(max_title=1000, max_description=1000)

DIFFERS: dict[str, str] = {
    "test_meta_charset#1": "`< meta charset = ascii>` is not a meta tag to the WHATWG prescan (a space after '<')",
    "test_meta_xml_encoding": "WHATWG maps a <meta> declaring UTF-16 to UTF-8 (the bytes cannot be UTF-16)",
}


def _load() -> list[dict[str, Any]]:
    path = conformance_dir() / "synapse-preview" / "html_preview_cases.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for c in cases:
        n = seen.get(c["test"], 0)
        seen[c["test"]] = n + 1
        out.append(c["test"] if n == 0 else f"{c['test']}#{n}")
    return out


def _body(case: dict[str, Any]) -> bytes:
    body = case.get("body") or {}
    if "bytes_hex" in body:
        return bytes.fromhex(body["bytes_hex"])
    return str(body.get("utf8", "")).encode()


def run_case(case: dict[str, Any]) -> tuple[bool, str]:
    """(passed, what differed) for one case."""
    kind = case["kind"]
    if kind == "summarize_paragraphs":
        got = summary.summarize(case["paragraphs"], **case["kwargs"])
        return got == case["expected"], f"{got!r} != {case['expected']!r}"
    if kind == "html_media_encodings":
        got = charset.sniff(_body(case), case["content_type"])
        want = charset.whatwg_name(case["expected_encodings"][0])
        return got == want, f"{got} != {want}"
    text, _ = charset.decode(_body(case), case["content_type"])
    card = build_card(extract(text, case["url"]), url=case["url"], settings=WIDE)
    og = {"og:title": card.title, "og:description": card.description, "og:site_name": card.site_name}
    if kind == "decode_body_is_none":
        return card.title is None and card.description is None, f"{og}"
    bad = {k: (og[k], v) for k, v in case["expected_og"].items() if og[k] != v}
    return not bad, f"{bad}"


CASES = _load()
IDS = _ids(CASES)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=i, marks=pytest.mark.xfail(reason=DIFFERS[i], strict=True))
        if i in DIFFERS
        else pytest.param(c, id=i)
        for c, i in zip(CASES, IDS, strict=True)
    ]
    or [pytest.param(None, id="missing")],
)
def test_case(case: dict[str, Any] | None) -> None:
    if case is None:
        need_conformance("synapse-preview")
        return
    ok, detail = run_case(case)
    assert ok, detail


def test_pass_rate_floor() -> None:
    need_conformance("synapse-preview")
    results = [run_case(c)[0] for c in CASES]
    rate = sum(results) / len(results)
    assert rate >= FLOOR, f"synapse html preview pass rate {rate:.1%} below the floor {FLOOR:.0%}"
    assert len(results) - sum(results) == len(DIFFERS)
