"""From hutong's answer to what Matrix clients see: one note per link, and the refusal of a blocked one.

Pure: no Synapse, no Twisted. ``notes`` reads the ``/v1/check/batch`` answer for the texts of one
event; ``refusal`` is the 403 body when a note says ``block``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .content import Part

FIELD = "org.hutong.links"  # in unsigned (delivered events) and in the 403 body (refused ones)
UNCHECKED = "org.hutong.unchecked"  # in unsigned: why hutong could not check the event (on_error: allow)
_CARD_KEYS = ("kind", "url", "title", "description", "site_name", "price", "currency", "duration", "author")


class AnswerError(ValueError):
    """hutong's answer does not have the shape of ``/v1/check/batch``'s."""


def notes(parts: Sequence[Part], answer: Any) -> tuple[dict[str, Any], ...]:
    """One note per distinct link of the event, in the order of its texts; the first text naming it wins.

    >>> parts = [Part("body", "see https://a.example/x")]
    >>> answer = {"results": [{"links": [{"url": "https://a.example/x", "found": {"text": "https://a.example/x",
    ...     "start_utf16": 4, "end_utf16": 23}, "decision": {"action": "confirm", "rule": "r", "reason": "ask",
    ...     "reason_zh": "问"}, "verdict": {"level": "unknown"}, "go": "https://h.example/go/t"}]}]}
    >>> notes(parts, answer)[0]["action"], notes(parts, answer)[0]["start_utf16"]
    ('confirm', 4)
    """
    results = answer.get("results") if isinstance(answer, Mapping) else None
    if not isinstance(results, list) or len(results) != len(parts):
        raise AnswerError(f"expected {len(parts)} results, got {_describe(results)}")
    out: dict[str, dict[str, Any]] = {}
    for part, result in zip(parts, results, strict=True):
        links = result.get("links") if isinstance(result, Mapping) else None
        if not isinstance(links, list):
            raise AnswerError(f"a result without a list of links: {_describe(result)}")
        for link in links:
            note = _note(part, link)
            out.setdefault(note["url"], note)
    return tuple(out.values())


def blocked(found: Sequence[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    """The notes whose decision is ``block``."""
    return tuple(n for n in found if n.get("action") == "block")


def refusal(found: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The extra fields of the 403 ``M_FORBIDDEN`` body: a message in both languages, and every link's note."""
    bad = blocked(found)
    first = bad[0]
    more = f" (+{len(bad) - 1})" if len(bad) > 1 else ""
    return {
        "error": (
            f"hutong refused this message: {first['url']}{more} is blocked. {first['reason']} / "
            f"hutong 拒绝了这条消息：链接已拦截。{first['reason_zh']}"
        ),
        FIELD: [_public(n) for n in found],
    }


def unchecked_error(why: str) -> dict[str, Any]:
    """The 403 body when hutong could not answer and the module is set to ``on_error: reject``."""
    return {
        "error": (
            f"hutong could not check this message's links ({why}); this server refuses unchecked messages. "
            "Try again in a moment. / hutong 暂时无法检查这条消息中的链接，本服务器不发送未经检查的消息，请稍后再试。"
        ),
        UNCHECKED: why,
    }


def annotation(found: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """What ``unsigned`` gains for a delivered event (nothing for an event without links)."""
    return {FIELD: [_public(n) for n in found]} if found else {}


def _public(note: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in note.items() if v is not None}


def _note(part: Part, link: Any) -> dict[str, Any]:
    if not isinstance(link, Mapping):
        raise AnswerError(f"a link that is not an object: {_describe(link)}")
    found, decision, verdict = (_mapping(link.get(k)) for k in ("found", "decision", "verdict"))
    url = link.get("url") or found.get("text")
    if not isinstance(url, str) or not decision.get("action"):
        raise AnswerError(f"a link without a URL or a decision: {_describe(link)}")
    note: dict[str, Any] = {
        "url": url,
        "action": decision.get("action"),
        "rule": decision.get("rule"),
        "reason": decision.get("reason"),
        "reason_zh": decision.get("reason_zh"),
        "level": verdict.get("level"),
        "go": link.get("go"),
        "source": part.source,
    }
    if part.source in ("body", "m.new_content.body"):
        # spans into that body, in the units Matrix clients index strings with
        note["start_utf16"] = found.get("start_utf16")
        note["end_utf16"] = found.get("end_utf16")
    card = link.get("card")
    if isinstance(card, Mapping):
        note["card"] = {k: card[k] for k in _CARD_KEYS if card.get(k) is not None}
    return note


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
