"""The bot's answer to one message: which links need a word, and the ``m.notice`` that says it.

A link needs a word when hutong would not simply open it (``confirm``, ``copy``, ``block``) or when its
verdict is suspicious or malicious. The notice gives each one's decision in English and Chinese, its
go-link (the click-time check) and its card, and quotes the link itself defanged
(``hxxps://host[.]example/...``), so that the notice carries no link but the go-links: a client does
not make the quoted link tappable, and the homeserver's own link check does not refuse the notice.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

ANSWERED = {"confirm", "copy", "block"}
WORRYING = {"suspicious", "malicious"}
FIELD = "org.hutong.links"
REPLY_TO = "org.hutong.answer_to"
_ACTION = {
    "confirm": ("ask before opening", "打开前请确认"),
    "copy": ("copy only, do not open here", "仅可复制，请勿在此打开"),
    "block": ("blocked", "已拦截"),
    "open": ("opens", "可直接打开"),
}
_LEVEL = {"suspicious": " (suspicious / 可疑)", "malicious": " (malicious / 恶意)"}
_CARD = ("title", "site_name", "price", "author")
IN_PICTURE = " (a code in the picture / 图片中的二维码或条形码)"


def needing_a_word(links: Sequence[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    """The links of hutong's answer that the bot speaks about, first mention of each URL only.

    >>> [link["url"] for link in needing_a_word([
    ...     {"url": "https://a.example/", "decision": {"action": "open"}, "verdict": {"level": "safe"}},
    ...     {"url": "https://b.example/", "decision": {"action": "confirm"}, "verdict": {"level": "unknown"}}])]
    ['https://b.example/']
    """
    out: dict[str, Mapping[str, Any]] = {}
    for link in links:
        decision = link.get("decision") or {}
        verdict = link.get("verdict") or {}
        key = link.get("url") or (link.get("found") or {}).get("text")
        if not isinstance(key, str) or key in out:
            continue
        if decision.get("action") in ANSWERED or verdict.get("level") in WORRYING:
            out[key] = link
    return tuple(out.values())


def defang(url: str) -> str:
    """The link as text no client or finder takes for a link.

    >>> defang("https://login.phish.example/a?b=c")
    'hxxps://login[.]phish[.]example/a?b=c'
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    host, slash, path = rest.partition("/")
    shown = host.replace(".", "[.]") + slash + path
    if scheme:
        shown = scheme.lower().replace("http", "hxxp", 1) + "://" + shown
    return shown


def notice(event_id: str, links: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The ``m.notice`` content answering event ``event_id`` about ``links`` (from ``needing_a_word``)."""
    lines = [f"hutong · {len(links)} link(s) to look at · {len(links)} 个链接需要留意"]
    items = []
    for i, link in enumerate(links, 1):
        decision = link.get("decision") or {}
        action = str(decision.get("action") or "confirm")
        en, zh = _ACTION.get(action, (action, action))
        shown = defang(str(link.get("url") or (link.get("found") or {}).get("text") or ""))
        level = (link.get("verdict") or {}).get("level")
        flag = _LEVEL.get(str(level), "")
        reason, reason_zh = str(decision.get("reason") or ""), str(decision.get("reason_zh") or "")
        go = link.get("go")
        card = _card_text(link.get("card"))
        if (link.get("found") or {}).get("form") == "qr":
            flag += IN_PICTURE
        lines.append(f"{i}. {shown} — {en} / {zh}{flag}")
        lines.append(f"   {reason}")
        lines.append(f"   {reason_zh}")
        if card:
            lines.append(f"   {card}")
        wall = _wall_text(link.get("reach"))
        if wall:
            lines.append(f"   {wall}")
        if go and action != "block":
            lines.append(f"   open through hutong / 经 hutong 打开: {go}")
        item = (
            f"<li><code>{html.escape(shown)}</code>: <b>{html.escape(en)} / {html.escape(zh)}</b>{html.escape(flag)}"
            f"<br>{html.escape(reason)}<br>{html.escape(reason_zh)}"
        )
        if card:
            item += f"<br><i>{html.escape(card)}</i>"
        if wall:
            item += f"<br>{html.escape(wall)}"
        if go and action != "block":
            item += f'<br><a href="{html.escape(str(go), quote=True)}">open through hutong / 经 hutong 打开</a>'
        items.append(item + "</li>")
    header = html.escape(lines[0])
    return {
        "msgtype": "m.notice",
        "body": "\n".join(lines),
        "format": "org.matrix.custom.html",
        "formatted_body": f"<p><b>{header}</b></p><ol>{''.join(items)}</ol>",
        "m.relates_to": {"m.in_reply_to": {"event_id": event_id}},
        REPLY_TO: event_id,
        FIELD: [_structured(link) for link in links],
    }


def _structured(link: Mapping[str, Any]) -> dict[str, Any]:
    decision = link.get("decision") or {}
    out = {
        "url": link.get("url"),
        "action": decision.get("action"),
        "rule": decision.get("rule"),
        "reason": decision.get("reason"),
        "reason_zh": decision.get("reason_zh"),
        "level": (link.get("verdict") or {}).get("level"),
        "go": link.get("go"),
        "card": {k: v for k, v in card.items() if v is not None} if isinstance(card := link.get("card"), Mapping)
        else None,
    }
    return {k: v for k, v in out.items() if v is not None}


def _wall_text(reach: Any) -> str:
    """A login or app wall the link lands on, in both languages ("this link asks you to log in first")."""
    if not isinstance(reach, Mapping) or reach.get("kind") not in ("login", "app"):
        return ""
    return f"{reach.get('detail') or ''} / {reach.get('detail_zh') or ''}".strip(" /")


def _card_text(card: Any) -> str:
    if not isinstance(card, Mapping):
        return ""
    facts = [str(card["kind"])] if card.get("kind") else []
    facts += [f"「{card[k]}」" if k == "title" else str(card[k]) for k in _CARD if card.get(k)]
    return "card / 卡片: " + " · ".join(facts) if facts else ""
