"""The values that cross module lines: Found, Reason, Verdict, Decision, Hop, Card, LinkReport, Analysis.

All are frozen; every stage returns new values. ``LinkReport.to_json`` is the
CLI/API contract documented in ``docs/cli.md``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from .reach import Reach

FoundForm = Literal["url", "domain", "share", "token", "miniprogram", "applink", "qr"]

Context = Literal["direct", "group", "channel"]
Mode = Literal["direct", "confirm", "strict"]

CONTEXTS: tuple[Context, ...] = ("direct", "group", "channel")
MODES: tuple[Mode, ...] = ("direct", "confirm", "strict")
CATEGORIES: tuple[str, ...] = (
    "ecommerce", "video", "social", "news", "qa", "payment", "search", "tools", "unknown",
)
KINDS: tuple[str, ...] = (
    "product", "video", "note", "article", "answer", "question", "profile", "live", "shop", "post", "promo",
    "payment", "payment_request", "miniprogram",
)
# kinds that open only inside their app: a link of one is copied, never opened, on every platform alike
APP_ONLY_KINDS: tuple[str, ...] = ("miniprogram",)


@dataclass(frozen=True, slots=True)
class Payment:
    """Who is paid and how much, as a payment link or a friend-pays request (代付) states it; hutong never pays.

    Values are the text's own, unchecked (``amount`` as written, e.g. ``"89.90"``); any may be None.

    >>> Payment(payee="小王", amount="89.90", currency="CNY").to_json()
    {'payee': '小王', 'amount': '89.90', 'currency': 'CNY'}
    """

    payee: str | None = None
    amount: str | None = None
    currency: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"payee": self.payee, "amount": self.amount, "currency": self.currency}

    def merge(self, other: Payment | None) -> Payment:
        """This payment with ``other``'s values where this one has none."""
        if other is None:
            return self
        return Payment(self.payee or other.payee, self.amount or other.amount, self.currency or other.currency)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Payment:
        """Inverse of ``to_json`` (values that are not strings are dropped)."""
        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and value else None

        return cls(text("payee"), text("amount"), text("currency"))


@dataclass(frozen=True, slots=True)
class CodeSpot:
    """Where in a picture a link was read: which code (``index``, in reading order), its symbology
    (zxing-cpp's format name: ``QRCode``, ``EAN13`` ...), its corners in the picture's pixels
    (top-left, top-right, bottom-right, bottom-left, as the code is oriented) and how the finder
    took the link inside the code's text (``found_as``: ``url``, ``share`` ...).

    >>> CodeSpot(0, "QRCode", ((10, 10), (90, 10), (90, 90), (10, 90)), "url").box
    (10, 10, 80, 80)
    """

    index: int
    symbology: str
    corners: tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]
    found_as: str = "url"

    @property
    def box(self) -> tuple[int, int, int, int]:
        """The upright bounding box of the corners: (x, y, width, height)."""
        xs = [x for x, _ in self.corners]
        ys = [y for _, y in self.corners]
        return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)

    def position_json(self) -> dict[str, Any]:
        """The corners by name, and the bounding box."""
        names = ("top_left", "top_right", "bottom_right", "bottom_left")
        x, y, w, h = self.box
        out: dict[str, Any] = {name: list(point) for name, point in zip(names, self.corners, strict=True)}
        out["box"] = {"x": x, "y": y, "width": w, "height": h}
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "symbology": self.symbology,
            "position": self.position_json(),
            "found_as": self.found_as,
        }


@dataclass(frozen=True, slots=True)
class Found:
    """One link found in a message; ``message[start:end] == text`` (code points).

    ``start_utf16``/``end_utf16`` are the same span in UTF-16 code units, the way JavaScript, Matrix
    and most chat clients index strings (an emoji before the link counts 2 there, 1 here). The finder
    sets them; left out, they assume no character above U+FFFF before ``start``.

    >>> f = Found("https://a.com", 2, 15, "url", start_utf16=3)
    >>> (f.start, f.end, f.start_utf16, f.end_utf16)
    (2, 15, 3, 16)
    """

    text: str
    start: int
    end: int
    form: FoundForm
    platform: str | None = None  # from a share-text cue, a token cue or a mini-program name
    kind: str | None = None  # kind the share text states (profile, live, answer ...)
    title: str | None = None  # title quoted in the share text
    token: str | None = None  # 淘口令 token, or mini-program code
    start_utf16: int = -1
    end_utf16: int = -1
    category: str | None = None  # the category the share text states (a friend-pays request is "payment")
    payment: Payment | None = None  # payee and amount a friend-pays share text states
    code: CodeSpot | None = None  # form "qr": the code in a picture the link was read from; spans index its text

    def __post_init__(self) -> None:
        if self.start_utf16 < 0:
            object.__setattr__(self, "start_utf16", self.start)
        if self.end_utf16 < 0:
            object.__setattr__(self, "end_utf16", self.start_utf16 + utf16_len(self.text))

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "start_utf16": self.start_utf16,
            "end_utf16": self.end_utf16,
            "form": self.form,
        } | ({"code": self.code.to_json()} if self.code is not None else {})


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units: characters above U+FFFF take two.

    >>> utf16_len("a👍b")
    4
    """
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


class Level(enum.IntEnum):
    """Verdict levels, ordered from harmless to harmful."""

    SAFE = 0
    UNKNOWN = 1
    SUSPICIOUS = 2
    MALICIOUS = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Level:
        try:
            return cls[value.upper()]
        except KeyError:
            raise ValueError(f"unknown verdict level {value!r}; use safe, unknown, suspicious or malicious") from None


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a verdict or decision is what it is: a stable code, a sentence, and checkable evidence."""

    code: str
    detail: str
    detail_zh: str = ""
    level: Level = Level.SUSPICIOUS
    evidence: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "detail": self.detail, "level": self.level.label}
        if self.detail_zh:
            out["detail_zh"] = self.detail_zh
        if self.evidence:
            out["evidence"] = dict(self.evidence)
        return out


@dataclass(frozen=True, slots=True)
class Verdict:
    """A safety verdict: the level and every reason behind it."""

    level: Level = Level.UNKNOWN
    reasons: tuple[Reason, ...] = ()

    def merge(self, other: Verdict) -> Verdict:
        """The stricter level wins; reasons from both are kept, in order, without duplicates."""
        reasons = self.reasons + tuple(r for r in other.reasons if r not in self.reasons)
        return Verdict(max(self.level, other.level), reasons)

    def with_reason(self, reason: Reason) -> Verdict:
        return Verdict(max(self.level, reason.level), (*self.reasons, reason))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level.label, "reasons": [r.to_json() for r in self.reasons]}


class Action(enum.StrEnum):
    """What happens when someone taps the link: open it, confirm first, copy only, or block."""

    OPEN = "open"
    CONFIRM = "confirm"
    COPY = "copy"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class Decision:
    """What happens when someone taps the link, and which policy rule said so."""

    action: Action
    rule: str
    reason: str
    reason_zh: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action.value, "rule": self.rule, "reason": self.reason, "reason_zh": self.reason_zh}


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of a resolution chain: ``via`` is how the next URL was learnt."""

    url: str
    status: int | None = None
    via: Literal["redirect", "body", "wrapper", "interstitial", "applink", "final"] = "final"

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "status": self.status, "via": self.via}


@dataclass(frozen=True, slots=True)
class CardError:
    """Why a card has only what was known without the page: a stable code and a sentence in both languages.

    The code is the fetch failure's (``remote.blocked_address``, ``remote.timeout``, ``remote.tls`` ...,
    see ``hutong.errors``) or ``resolve.no_destination`` for a short link that leads nowhere.
    """

    code: str
    detail: str
    detail_zh: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, "detail_zh": self.detail_zh}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CardError:
        """Inverse of ``to_json``."""
        return cls(str(data["code"]), str(data["detail"]), str(data.get("detail_zh") or ""))


@dataclass(frozen=True, slots=True)
class CardVideo:
    """How a chat client can play the page's one video in place, as the page declares it.

    ``player`` is an https page to show in an iframe (``og:video`` of type ``text/html``,
    ``twitter:player``, an oEmbed ``<iframe>``, ``embedUrl``); ``stream`` an https video file for a
    ``<video>`` element (``og:video`` of a ``video/*`` type, ``twitter:player:stream``,
    ``contentUrl``). Both have been screened like any link; one that was not https or was flagged
    is left out and ``note`` says why. ``app_only`` says the page offers only its app (app links,
    an app-scheme player) and no web player. Clients load neither URL before a tap.
    """

    player: str | None = None
    stream: str | None = None
    type: str | None = None  # the stream's media type, "video/mp4"
    width: int | None = None
    height: int | None = None
    source: str | None = None  # where the page declared it: og:video, twitter:player, schema.org, oembed
    app_only: bool = False
    note: CardError | None = None  # why there is no player or stream to show, in both languages

    def to_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["note"] = self.note.to_json() if self.note is not None else None
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CardVideo:
        """Inverse of ``to_json``; fields of the wrong type are dropped."""

        def text(name: str) -> str | None:
            return v if isinstance(v := data.get(name), str) else None

        def size(name: str) -> int | None:
            return v if isinstance(v := data.get(name), int) and not isinstance(v, bool) else None

        note = data.get("note")
        return cls(
            player=text("player"),
            stream=text("stream"),
            type=text("type"),
            width=size("width"),
            height=size("height"),
            source=text("source"),
            app_only=data.get("app_only") is True,
            note=CardError.from_json(note) if isinstance(note, Mapping) else None,
        )


@dataclass(frozen=True, slots=True)
class Card:
    """A preview card; the same fields for every site.

    ``error`` says why the page could not be used (the card then holds only the URL, its site and the
    share title); ``truncated`` marks a card carved from a page cut at ``network.max_html_bytes``.
    """

    kind: Literal["product", "video", "article", "profile", "live", "generic"] = "generic"
    url: str | None = None
    title: str | None = None
    description: str | None = None
    image: str | None = None
    site_name: str | None = None
    favicon: str | None = None
    price: str | None = None
    currency: str | None = None
    availability: str | None = None
    duration: int | None = None  # seconds
    author: str | None = None
    published: str | None = None
    embed: str | None = None
    lang: str | None = None
    error: CardError | None = None
    truncated: bool = False
    category: str | None = None  # what the page's own structured data says it is (hutong.preview.category)
    category_evidence: str | None = None  # that declaration, e.g. "schema.org Product with an offer (89.90 CNY)"
    video: CardVideo | None = None  # how to play the page's video in place (hutong.preview.video)
    reach: Reach | None = None  # where the fetch landed: the content, a login or app wall, an error (core.reach)

    def to_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["error"] = self.error.to_json() if self.error is not None else None
        out["video"] = self.video.to_json() if self.video is not None else None
        out["reach"] = self.reach.to_json() if self.reach is not None else None
        return out


@dataclass(frozen=True, slots=True)
class Identity:
    """What a URL is: platform, category, kind of content, its id and canonical URL."""

    platform: str | None = None
    category: str = "unknown"
    kind: str | None = None
    id: str | None = None
    canonical: str | None = None


UNIDENTIFIED = Identity()


@dataclass(frozen=True, slots=True)
class LinkReport:
    """Everything hutong knows about one found link; ``to_json`` is the CLI/API contract."""

    found: Found
    original: str | None  # the URL as found (normalised), before unwrapping/resolution/cleaning
    url: str | None  # final cleaned URL; None for an unresolved token or mini-program
    removed: tuple[str, ...] = ()
    site: str | None = None
    identity: Identity = UNIDENTIFIED
    title: str | None = None
    needs_resolve: bool = False
    verdict: Verdict = field(default_factory=Verdict)
    decision: Decision | None = None
    hops: tuple[Hop, ...] = ()
    card: Card | None = None
    error: str | None = None  # a bounded, explained failure (e.g. resolution refused), if any
    payment: Payment | None = None  # payee and amount, for a payment link or request that states them
    reach: Reach | None = None  # where the link lands, once resolved or previewed (hutong.core.reach)

    def evolve(self, **changes: Any) -> LinkReport:
        return replace(self, **changes)

    def to_json(self, *, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "found": self.found.to_json(),
            "url": self.url,
            "original": self.original,
            "removed": list(self.removed),
            "site": self.site,
            "platform": self.identity.platform,
            "category": self.identity.category,
            "kind": self.identity.kind,
            "id": self.identity.id,
            "canonical": self.identity.canonical,
            "title": self.title,
            "needs_resolve": self.needs_resolve,
            "verdict": self.verdict.to_json(),
            "decision": self.decision.to_json() if self.decision else None,
        }
        if self.hops:
            out["hops"] = [h.to_json() for h in self.hops]
        if self.card is not None:
            out["card"] = self.card.to_json()
        if self.error is not None:
            out["error"] = self.error
        if self.payment is not None:
            out["payment"] = self.payment.to_json()
        if self.reach is not None:
            out["reach"] = self.reach.to_json()
        if extra:
            out.update(extra)
        return out


@dataclass(frozen=True, slots=True)
class Analysis:
    """The reports on every link of one message; ``truncated``: the message held more links than the
    finder takes (``Finder.max_links``), and those beyond were neither found nor checked."""

    links: tuple[LinkReport, ...]
    truncated: bool = False

    def to_json(self) -> dict[str, Any]:
        """``{"links": [...], "truncated": bool}``: the CLI's ``--json`` document (docs/cli.md)."""
        return {"links": [r.to_json() for r in self.links], "truncated": self.truncated}


@dataclass(frozen=True, slots=True)
class UserPrefs:
    """A user's own choice of how links behave (the "self-selection mode").

    ``mode`` overrides the operator's default; ``categories`` overrides the mode per
    category; ``always_open`` lists sites (registrable domains) the user opens without
    asking, which never applies to suspicious or malicious links.
    """

    mode: Mode | None = None
    categories: tuple[tuple[str, Mode], ...] = ()
    always_open: tuple[str, ...] = ()

    def mode_for(self, category: str, default: Mode) -> Mode:
        for cat, mode in self.categories:
            if cat == category:
                return mode
        return self.mode or default


def require_context_and_mode(context: str, mode: str | None) -> None:
    """Raise ``InputError`` (``input.invalid``) unless ``context`` is a chat context and ``mode`` a mode or None.

    >>> require_context_and_mode("group", None)
    >>> require_context_and_mode("everywhere", None)
    Traceback (most recent call last):
    hutong.errors.InputError: unknown chat context 'everywhere'; use one of direct, group, channel
    """
    from ..errors import InputError

    if context not in CONTEXTS:
        raise InputError(
            f"unknown chat context {context!r}; use one of {', '.join(CONTEXTS)}", code="input.invalid"
        )
    if mode is not None and mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; use one of {', '.join(MODES)} (or None)", code="input.invalid")
