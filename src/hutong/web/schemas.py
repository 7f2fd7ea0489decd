"""Pydantic models of the HTTP API: requests, and responses mirroring the CLI contract (``docs/cli.md``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ContextName = Literal["direct", "group", "channel"]
ModeName = Literal["direct", "confirm", "strict"]
LevelName = Literal["safe", "unknown", "suspicious", "malicious"]
ActionName = Literal["open", "confirm", "copy", "block"]
CategoryName = Literal["ecommerce", "video", "social", "news", "qa", "payment", "search", "tools", "unknown"]
UserId = Field(default=None, min_length=1, max_length=128, description="the operator's id for the user")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckRequest(_In):
    text: str = Field(description="the chat message, up to server.max_message_chars characters")
    context: ContextName = "direct"
    user: str | None = UserId
    mode: ModeName | None = Field(default=None, description="overrides the user's and the operator's mode")
    preview: bool = Field(default=False, description="resolve short links and build preview cards (online)")


class ImageParams(_In):
    context: ContextName = "direct"
    user: str | None = UserId
    mode: ModeName | None = Field(default=None, description="overrides the user's and the operator's mode")
    preview: bool = Field(default=False, description="resolve short links and build preview cards (online)")


class Message(_In):
    text: str
    context: ContextName = "direct"
    user: str | None = UserId
    mode: ModeName | None = None


class BatchRequest(_In):
    messages: list[Message] = Field(description="up to server.max_batch messages")
    preview: bool = False


class Prefs(_In):
    mode: ModeName | None = Field(default=None, description="the user's mode; null: the operator's default")
    categories: dict[CategoryName, ModeName] = Field(
        default_factory=dict, description="a mode per category, overriding the user's mode"
    )
    always_open: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="sites (registrable domains) the user opens without asking; never applies to "
        "suspicious or malicious links",
    )


class PointsOut(BaseModel):
    x: int
    y: int
    width: int
    height: int


class PositionOut(BaseModel):
    top_left: list[int] = Field(description="[x, y] in the picture's pixels, as the code is oriented")
    top_right: list[int]
    bottom_right: list[int]
    bottom_left: list[int]
    box: PointsOut = Field(description="the upright bounding box of the four corners")


class FoundCodeOut(BaseModel):
    index: int = Field(description="the code's index in the response's `codes`")
    symbology: str = Field(description="zxing-cpp's name of the code's format: QRCode, EAN13, Code128 ...")
    position: PositionOut
    found_as: str = Field(description="how the finder took the link in the code's text: url, share, token ...")


class FoundOut(BaseModel):
    text: str
    start: int = Field(description="code-point offset: message[start:end] == text in Python")
    end: int
    start_utf16: int = Field(description="the same span in UTF-16 code units (JavaScript, Matrix clients)")
    end_utf16: int
    form: Literal["url", "domain", "share", "token", "miniprogram", "applink", "qr"]
    code: FoundCodeOut | None = Field(
        default=None, description='form "qr": the code in the picture the link was read from; start/end index its text'
    )


class ReasonOut(BaseModel):
    code: str
    detail: str
    detail_zh: str | None = None
    level: LevelName
    evidence: dict[str, str] | None = None


class VerdictOut(BaseModel):
    level: LevelName
    reasons: list[ReasonOut]


class DecisionOut(BaseModel):
    action: ActionName
    rule: str
    reason: str
    reason_zh: str


class HopOut(BaseModel):
    url: str
    status: int | None
    via: Literal["redirect", "body", "wrapper", "interstitial", "applink", "final"]


class CardErrorOut(BaseModel):
    code: str = Field(description="the fetch failure's stable code (remote.timeout, remote.blocked_address ...)")
    detail: str
    detail_zh: str


class CardVideoOut(BaseModel):
    player: str | None = Field(
        default=None, description="https page to show in an iframe on a tap (screened like any link)"
    )
    stream: str | None = Field(
        default=None, description="https video file for a <video> element (screened like any link)"
    )
    type: str | None = Field(default=None, description="the stream's media type, e.g. video/mp4")
    width: int | None = None
    height: int | None = None
    source: str | None = Field(default=None, description="og:video, twitter:player, schema.org or oembed")
    app_only: bool = Field(default=False, description="the page offers only its app, no web player")
    note: CardErrorOut | None = Field(default=None, description="why there is no player to show (preview.video.*)")


class ReachOut(BaseModel):
    kind: Literal["content", "login", "app", "error", "blocked"] = Field(
        description="where the link lands: its content, a login wall, an app wall, an error page, or a block"
    )
    code: str = Field(description="the stable rule code (reach.login.listed, reach.app.scheme, reach.app.page ...)")
    detail: str
    detail_zh: str
    evidence: dict[str, str] = Field(default_factory=dict, description="what was seen: url, listed, page, status")


class CardOut(BaseModel):
    kind: Literal["product", "video", "article", "profile", "live", "generic"]
    url: str | None = None
    title: str | None = None
    description: str | None = None
    image: str | None = None
    site_name: str | None = None
    favicon: str | None = None
    price: str | None = None
    currency: str | None = None
    availability: str | None = None
    duration: int | None = None
    author: str | None = None
    published: str | None = None
    embed: str | None = None
    lang: str | None = None
    error: CardErrorOut | None = Field(default=None, description="why the page could not be used for the card")
    truncated: bool = Field(default=False, description="the card was carved from a page cut at the size cap")
    category: str | None = Field(default=None, description="the category the page's own structured data declares")
    category_evidence: str | None = Field(default=None, description="that declaration, as found on the page")
    video: CardVideoOut | None = Field(default=None, description="how to play the page's one video in place")
    reach: ReachOut | None = Field(default=None, description="where the card's fetch landed")


class PaymentOut(BaseModel):
    payee: str | None = Field(default=None, description="who is paid, as the link or request states it")
    amount: str | None = Field(default=None, description="the amount as written (e.g. 89.90), unchecked")
    currency: str | None = Field(default=None, description="the currency as written (¥, 元, CNY), if stated")


class LinkOut(BaseModel):
    found: FoundOut
    url: str | None
    original: str | None
    removed: list[str]
    site: str | None
    platform: str | None
    category: str
    kind: str | None
    id: str | None
    canonical: str | None
    title: str | None
    needs_resolve: bool
    verdict: VerdictOut
    decision: DecisionOut | None
    hops: list[HopOut] | None = None
    card: CardOut | None = None
    error: str | None = None
    payment: PaymentOut | None = Field(
        default=None, description="payee and amount of a payment link or friend-pays request, when stated"
    )
    reach: ReachOut | None = Field(
        default=None, description="where the link lands, when it was resolved or previewed; null: not known"
    )
    go: str | None = Field(description="signed time-of-click link; null when the link has no web address")


class CheckResponse(BaseModel):
    links: list[LinkOut]
    truncated: bool = Field(
        description="the message held more links than are checked (1,000 per message): those beyond the "
        "first 1,000 are not in `links`; split the message to check them"
    )
    policy_version: str


class PictureOut(BaseModel):
    format: Literal["PNG", "JPEG", "GIF", "WEBP", "BMP"]
    width: int = Field(description="pixels, upright (after the EXIF orientation)")
    height: int


class CodeOut(BaseModel):
    index: int
    symbology: str = Field(description="zxing-cpp's name of the code's format: QRCode, MicroQRCode, EAN13 ...")
    text: str = Field(description="the code's text as decoded")
    content: Literal["links", "text", "binary"] = Field(
        description="links: its text holds links (in `links`); text: plain text with no link; binary: bytes, not text"
    )
    links: int = Field(description="how many of the response's links were read from this code")
    position: PositionOut


class ImageCheckResponse(BaseModel):
    picture: PictureOut
    codes: list[CodeOut] = Field(description="every code read, in reading order (top to bottom, left to right)")
    links: list[LinkOut] = Field(description='every link of every code, in order; found.form is "qr"')
    truncated: bool = Field(
        description="more codes than image_check.max_codes (those beyond are left out), or a code with more "
        "links than are checked"
    )
    policy_version: str


class BatchResponse(BaseModel):
    results: list[CheckResponse]


class ErrorDetail(BaseModel):
    code: str
    message: str
    message_zh: str | None = Field(default=None, description="the reason in Chinese, where hutong has it")


class ErrorResponse(BaseModel):
    error: ErrorDetail


class FeedFreshness(BaseModel):
    name: str
    entries: int
    age_seconds: float | None = Field(
        description="seconds since the feed's data was last known current; null: configured but not loaded"
    )
    stale: bool = Field(description="older than safety.max_feed_age_hours, or not loaded")


class Health(BaseModel):
    status: Literal["ok", "ready", "not ready"]
    policy_version: str | None = None
    problems: list[str] = Field(default_factory=list)
    feeds: list[FeedFreshness] = Field(default_factory=list, description="/readyz: every threat feed")
