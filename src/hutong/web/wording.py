"""Reports in words for the pages: platform names instead of ids, sentences instead of evidence keys.

The JSON API and the CLI keep the codes and the evidence as data (``docs/cli.md``); a page a
visitor reads says the same things as sentences in their language. Nothing here imports a web
framework: the pages call these functions from their templates.

- A reason is shown as one sentence (:func:`headline`) and a few facts (:func:`facts`), built
  from its code and evidence where hutong knows the code, else its own ``detail`` sentence.
  Evidence keys that only mean something to an operator (a feed's local ``source`` path, the
  matched ``expression``, ``age_hours``, the rule names screening ran) are never shown as such.
- A ``safe``-level reason on a link that is not safe explains nothing the visitor needs and
  contradicts the verdict (a short link screened clean is still unknown until it is resolved):
  :func:`shown_reasons` leaves it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from ..core.model import Level, LinkReport, Reason
from ..core.platforms import bundled
from ..core.reach import Reach
from .i18n import Lang, t

# threat words the bundled feed importers write (URLhaus's ``threat`` column, PhishTank's "phishing")
_THREATS: Mapping[str, Mapping[Lang, str]] = {
    "phishing": {"en": "phishing", "zh": "网络钓鱼"},
    "malware_download": {"en": "malware download", "zh": "恶意软件下载"},
    "malware": {"en": "malware", "zh": "恶意软件"},
    "botnet_cc": {"en": "botnet control server", "zh": "僵尸网络控制服务器"},
}


@cache
def _names() -> dict[str, tuple[str, str]]:
    return {p.id: (p.name, p.name_zh or p.name) for p in bundled()}


def platform_name(platform: str | None, lang: Lang) -> str:
    """A platform's name from its data file (``淘宝`` / ``Taobao``); the id for a platform without a file."""
    if not platform:
        return ""
    en, zh = _names().get(platform, (platform, platform))
    return zh if lang == "zh" else en


def kind_name(kind: str | None, lang: Lang) -> str:
    """A content kind in words (``product`` → ``商品``)."""
    return t(f"kind.{kind}", lang) if kind else ""


def threat_name(threat: str, lang: Lang) -> str:
    """A feed's threat label in words: ``malware_download (elf)`` → ``malware download (elf)``."""
    word, _, rest = threat.partition(" ")
    known = _THREATS.get(word.lower())
    shown = known[lang] if known else word.replace("_", " ")
    return f"{shown} {rest}".strip()


def shown_reasons(report: LinkReport) -> tuple[Reason, ...]:
    """The reasons a page lists: all of them, less ``safe`` ones on a link that is not safe."""
    if report.verdict.level is Level.SAFE:
        return report.verdict.reasons
    return tuple(r for r in report.verdict.reasons if r.level is not Level.SAFE)


def _own(reason: Reason, lang: Lang) -> str:
    return reason.detail_zh if lang == "zh" and reason.detail_zh else reason.detail


def headline(reason: Reason, lang: Lang) -> str:
    """The reason as one sentence a visitor understands."""
    ev = dict(reason.evidence)
    family = reason.code.split(".", 1)[0]
    if family == "feed" and ev.get("feed"):
        key = "why.feed.threat" if ev.get("threat") else "why.feed"
        return t(key, lang).format(feed=ev["feed"], threat=threat_name(ev.get("threat", ""), lang))
    if reason.code in ("operator.allow", "operator.deny") and ev.get("matched"):
        return t(f"why.{reason.code}", lang).format(item=ev["matched"])
    if family == "lookalike" and ev.get("looks_like") and ev.get("host"):
        return t("why.lookalike", lang).format(host=ev["host"], target=ev["looks_like"])
    if reason.code in ("screen.clear", "screen.feeds_stale", "screen.no_feeds"):
        feeds = ev.get("feeds", "")
        return t(f"why.{reason.code}", lang).format(feeds=feeds, count=len([f for f in feeds.split(", ") if f]))
    return _own(reason, lang)


def facts(reason: Reason, lang: Lang) -> tuple[str, ...]:
    """What a visitor can check for themselves, as short sentences (never raw evidence keys)."""
    ev = dict(reason.evidence)
    family = reason.code.split(".", 1)[0]
    out: list[str] = []
    if family == "lookalike" and ev.get("looks_like") and ev.get("host"):
        out.append(_own(reason, lang))  # how it imitates: the headline says what
    if family == "feed":
        if ev.get("entry"):
            key = "fact.feed.entry_added" if ev.get("added") else "fact.feed.entry"
            out.append(t(key, lang).format(entry=ev["entry"], added=ev.get("added", "")))
        if ev.get("target"):
            out.append(t("fact.feed.target", lang).format(target=ev["target"]))
        if ev.get("age_hours"):
            hours = float(ev["age_hours"])
            key = "fact.feed.stale" if ev.get("stale") else "fact.feed.age" if hours >= 1 else "fact.feed.fresh"
            out.append(t(key, lang).format(hours=f"{hours:.0f}"))
    return tuple(out)


def reach_notice(reach: Reach | None, lang: Lang) -> str:
    """What a card or confirm page says of a wall the link lands on ("this link asks you to log in first",
    "this link only opens in its app"), with how hutong saw it; empty when no wall was seen."""
    if reach is None or not reach.walled:
        return ""
    return reach.detail_zh if lang == "zh" and reach.detail_zh else reach.detail


def danger(report: LinkReport, lang: Lang) -> str:
    """What is wrong with a suspicious or malicious link, in one sentence: its gravest reason's."""
    worst = max(report.verdict.reasons, key=lambda r: r.level, default=None)
    if worst is None or worst.level < Level.SUSPICIOUS:
        return ""
    return headline(worst, lang)


def imitation(report: LinkReport) -> tuple[str, str] | None:
    """(the host the link really goes to, the protected site it imitates), from its first lookalike reason."""
    for reason in report.verdict.reasons:
        ev = dict(reason.evidence)
        if reason.code.startswith("lookalike.") and ev.get("host") and ev.get("looks_like"):
            return ev["host"], ev["looks_like"]
    return None
