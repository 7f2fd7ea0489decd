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


class FoundOut(BaseModel):
    text: str
    start: int = Field(description="code-point offset: message[start:end] == text in Python")
    end: int
    start_utf16: int = Field(description="the same span in UTF-16 code units (JavaScript, Matrix clients)")
    end_utf16: int
    form: Literal["url", "domain", "share", "token", "miniprogram"]


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
    via: Literal["redirect", "body", "wrapper", "interstitial", "final"]


class CardErrorOut(BaseModel):
    code: str = Field(description="the fetch failure's stable code (remote.timeout, remote.blocked_address ...)")
    detail: str
    detail_zh: str


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
    reach: ReachOut | None = Field(default=None, description="where the card's fetch landed")


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


class BatchResponse(BaseModel):
    results: list[CheckResponse]


class ErrorDetail(BaseModel):
    code: str
    message: str


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
